import AsyncHTTPClient
import Foundation
import LienthongAudit
import LienthongConfig
import LienthongCore
import LienthongQueue
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Push delivery (SPEC §4): leases due messages of push recipients and POSTs them over mTLS with the
/// gateway's client certificate; the outcome goes back through the queue's lifecycle (delivered, retry with
/// backoff, dead). Bounded concurrency per recipient, and a circuit breaker per recipient so one dead bank
/// neither slows the others nor gets hammered.
///
/// Up to `max_concurrency` more messages than the slots are leased ahead (``PushSlots``), so a push that ends
/// is followed at once by the next instead of by a lease transaction waiting behind the accepts; only while the
/// recipient's pushes are quick (at most half the time a leased message may wait), never for a slow one.
///
/// On graceful shutdown it stops leasing, pushes what it had leased ahead where the breaker allows, and lets
/// in-flight deliveries finish; leases left by a crash (or not pushed in time) are returned to the queue when
/// they expire (`recoverExpiredLeases`, also at the next start).
final class DeliveryService: Service, Sendable {
    private let configuration: GatewayConfiguration
    private let queue: any GatewayQueue
    private let httpClient: HTTPClient
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let recipients: [Recipient]
    private let policy: RetryPolicy
    private let breakers: Mutex<CircuitBreakers>
    /// Each push recipient's slots and the messages leased ahead of them.
    private let slots: Mutex<[MemberID: PushSlots<Leased>]>
    private let signal = WakeSignal()

    init(configuration: GatewayConfiguration, queue: any GatewayQueue, httpClient: HTTPClient, metrics: GatewayMetrics, logger: Logger) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.queue = queue
        self.httpClient = httpClient
        self.logger = logger
        self.recipients = configuration.members.compactMap { member in
            guard let delivery = member.delivery, delivery.mode == .push, let url = delivery.url else { return nil }
            return Recipient(id: member.id, url: url, maxConcurrency: delivery.maxConcurrency)
        }
        let q = configuration.queue
        // A message leased ahead may wait while a push started at the end of its wait could still end before the lease
        // expires: half of what the lease leaves after the push timeout (30 s and 10 s by default: 10 s). A lease
        // shorter than that leaves no room; a quarter of it then (a push may outlive its lease, as it may anyway).
        let lease = Duration.seconds(q.leaseSeconds)
        let maxWait = max((lease - .milliseconds(q.pushTimeoutMilliseconds)) / 2, lease / 4)
        self.slots = Mutex(Dictionary(uniqueKeysWithValues: recipients.map { recipient in
            (recipient.id, PushSlots<Leased>(maxConcurrency: recipient.maxConcurrency, maxWait: maxWait))
        }))
        self.policy = try RetryPolicy(
            base: .milliseconds(q.retryBaseMilliseconds), cap: .seconds(q.retryCapSeconds),
            maxAttempts: q.maxAttempts, maxAge: .seconds(q.maxAgeSeconds))
        self.breakers = Mutex(CircuitBreakers(configuration: try CircuitBreaker.Configuration(
            failureThreshold: q.breakerThreshold, coolDown: .seconds(q.breakerCooldownSeconds))))
    }

    /// Tells the workers that a message for `recipient` is waiting.
    func wake(recipient: MemberID) { signal.fire() }

    func run() async throws {
        let recovered = try await queue.recoverExpiredLeases(now: Date(), policy: policy)
        if recovered > 0 { logger.notice("leases left by a previous run returned to the queue", metadata: ["count": "\(recovered)"]) }
        let lease = Duration.seconds(configuration.queue.leaseSeconds)
        var lastRecovery = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let stopping = Task.isShuttingDownGracefully
                if !stopping, ContinuousClock.now - lastRecovery > lease / 2 {
                    lastRecovery = .now
                    _ = try? await queue.recoverExpiredLeases(now: Date(), policy: policy)
                }
                var acted = false
                // A read first: leasing is a write transaction, not worth taking when nothing is due.
                var due = false
                if !stopping { due = ((try? await queue.nextDueDate(now: Date())) ?? nil).map { $0 <= Date() } ?? false }
                for recipient in recipients {
                    if due, startLease(for: recipient, lease: lease, in: &group) { acted = true }
                    if dispatch(for: recipient, stopping: stopping, in: &group) { acted = true }
                }
                if stopping, slots.withLock({ $0.values.allSatisfy { $0.waiting == 0 && !$0.leasing } }) { break }
                if !acted { await signal.wait(timeout: .milliseconds(250), on: httpClient.eventLoopGroup.any()) }
            }
        }
    }

    /// Starts a lease for `recipient` in `group` when its slots and buffer have room and its breaker allows;
    /// returns whether one was started. The leased messages join the recipient's ``PushSlots`` and the loop is woken.
    private func startLease(
        for recipient: Recipient, lease: Duration, in group: inout DiscardingTaskGroup
    ) -> Bool {
        let now = Date()
        let (closed, blocked) = breakers.withLock { breakers -> (Bool, Bool) in
            if case .closed = breakers.state(for: recipient.id) { return (true, false) }
            return (false, breakers.blockedRecipients(now: now).contains(recipient.id))
        }
        // While the breaker is not closed, only its single probe goes out: no leasing ahead.
        guard !blocked else { return false }
        let limit = slots.withLock { $0[recipient.id]!.startLease(probeOnly: !closed) }
        guard limit > 0 else { return false }
        group.addTask {
            var leased: [Leased] = []
            do {
                leased = try await self.queue.lease(
                    recipient: recipient.id, excluding: [], limit: limit, leaseDuration: lease, now: Date(), actor: "gateway", type: nil
                ).compactMap { message in message.lifecycle.leaseToken.map { Leased(message: message, token: $0) } }
            } catch {
                self.logger.error("leasing failed", metadata: ["recipient": "\(recipient.id)", "error": "\(type(of: error))"])
            }
            let at = ContinuousClock.now
            self.slots.withLock { $0[recipient.id]!.leaseFinished(leased, at: at) }
            self.signal.fire()
        }
        return true
    }

    /// Starts a push in `group` for each leased message of `recipient` that has a slot and that its breaker lets
    /// through; messages that waited too long (or, when `stopping`, cannot go out now) are left to their leases'
    /// expiry. Returns whether a push started.
    private func dispatch(for recipient: Recipient, stopping: Bool, in group: inout DiscardingTaskGroup) -> Bool {
        let (waiting, inFlight) = slots.withLock { ($0[recipient.id]!.waiting, $0[recipient.id]!.inFlight) }
        guard waiting > 0 else { return false }
        let now = Date()
        let limit = breakers.withLock { breakers -> Int in
            if case .closed = breakers.state(for: recipient.id) { return Int.max }
            // Not closed: one probe at a time, and only when the breaker allows it (this starts the probe).
            return inFlight == 0 && breakers.allowsAttempt(for: recipient.id, now: now) ? 1 : 0
        }
        let (push, abandoned) = slots.withLock { slots -> ([Leased], [Leased]) in
            var (push, abandoned) = slots[recipient.id]!.takeForPush(limit: limit, now: .now)
            if stopping, limit == 0 { abandoned += slots[recipient.id]!.abandonAll() }
            return (push, abandoned)
        }
        if !abandoned.isEmpty {
            logger.warning("leased messages not pushed in time; their leases will expire and they go out again",
                           metadata: ["recipient": "\(recipient.id)", "count": "\(abandoned.count)"])
        }
        for leased in push {
            group.addTask {
                let started = ContinuousClock.now
                let attempt = await self.push(leased.message, token: leased.token, to: recipient.url)
                let took = ContinuousClock.now - started
                // The push is over: its slot is free before the outcome's write transaction commits. Until
                // then the message stays leased (no one else takes it); a crash in between lets the lease
                // expire and the message go out again (at least once).
                self.slots.withLock { $0[recipient.id]!.pushFinished(took: took) }
                self.signal.fire()
                await self.record(attempt)
            }
        }
        return !push.isEmpty
    }

    /// A push recipient, from the configuration.
    private struct Recipient: Sendable {
        var id: MemberID
        var url: String
        var maxConcurrency: Int
    }

    /// A message under lease, with the lease's token.
    private struct Leased: Sendable {
        var message: QueuedMessage
        var token: LeaseToken
    }

    /// What one push attempt came to, before it is recorded.
    private struct Attempt: Sendable {
        var message: QueuedMessage
        var token: LeaseToken
        var outcome: DeliveryOutcome
        var at: Date
    }

    /// One push attempt under lease `token`: the POST and the classification of its answer (the circuit breaker and
    /// metrics are fed).
    private func push(_ message: QueuedMessage, token: LeaseToken, to url: String) async -> Attempt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Message-Id", value: message.id)
        request.headers.add(name: "X-Message-Type", value: message.type)
        request.headers.add(name: "X-Sender", value: message.sender.value)
        request.body = .bytes(ByteBuffer(bytes: message.payload))
        var status: Int?
        var failure: DeliveryError?
        var retryAfter: String?
        do {
            let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(configuration.queue.pushTimeoutMilliseconds)))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            failure = .timeout
        } catch {
            failure = .transport(.other)
        }
        let now = Date()
        let outcome = DeliveryOutcome.classify(status: status, error: failure, retryAfterHeader: retryAfter, now: now)
        breakers.withLock { $0.record(outcome.circuitBreakerResult, for: message.recipient, now: now) }
        switch outcome {
        case .delivered:
            metrics.delivery(recipient: message.recipient.value, outcome: "delivered",
                             sinceAccepted: .milliseconds(Int64(now.timeIntervalSince(message.acceptedAt) * 1000)))
        case .permanentFailure:
            metrics.delivery(recipient: message.recipient.value, outcome: "permanent-failure", sinceAccepted: nil)
        case .retryableFailure:
            metrics.delivery(recipient: message.recipient.value, outcome: "retryable-failure", sinceAccepted: nil)
        }
        return Attempt(message: message, token: token, outcome: outcome, at: now)
    }

    /// Records an attempt's outcome through the queue's lifecycle (delivered, retry with backoff, dead).
    private func record(_ attempt: Attempt) async {
        do {
            _ = try await queue.recordDelivery(
                id: attempt.message.id, token: attempt.token, outcome: attempt.outcome, now: attempt.at, policy: policy)
        } catch {
            logger.error("recording a delivery failed; the lease will expire and the message be retried",
                         metadata: ["messageId": "\(attempt.message.id)", "error": "\(type(of: error))"])
        }
    }
}

/// A wake-up call between the accept path and the delivery loop: `fire` wakes a waiter or is remembered.
///
/// The timeout is a timer on an event loop, not a task group racing `Task.sleep`: such a group ends only after its
/// cancelled sleep child has run again; replacing the same pattern on the upstream calls raised the sync throughput
/// under load (`BENCHMARKS.md`; see `UpstreamTransport.withDeadline`).
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Counts waits, so a timer left from an earlier wait cannot end a later one.
        var generation: UInt64 = 0
    }
    private let state = Mutex(State())

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter { state.waiter = nil; return waiter }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when fired (or already fired since the last wait), after `timeout` (a timer on `eventLoop`), or
    /// when the waiting task is cancelled.
    func wait(timeout: Duration, on eventLoop: any EventLoop) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let generation = state.withLock { state -> UInt64? in
                    if state.pending { state.pending = false; return nil }
                    state.generation &+= 1
                    state.waiter = continuation
                    return state.generation
                }
                guard let generation else { return continuation.resume() }
                eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        guard state.generation == generation, let waiter = state.waiter else { return nil }
                        state.waiter = nil
                        return waiter
                    }
                    waiter?.resume()
                }
            }
        } onCancel: {
            fire()
        }
        state.withLock { $0.pending = false }
    }
}
