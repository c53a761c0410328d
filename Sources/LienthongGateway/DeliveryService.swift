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
/// On graceful shutdown it stops leasing and lets in-flight deliveries finish; leases left by a crash are
/// returned to the queue at the next start (`recoverExpiredLeases`).
final class DeliveryService: Service, Sendable {
    private let configuration: GatewayConfiguration
    private let queue: any GatewayQueue
    private let httpClient: HTTPClient
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let recipients: [(id: MemberID, url: String, maxConcurrency: Int)]
    private let policy: RetryPolicy
    private let breakers: Mutex<CircuitBreakers>
    private let inFlight = Mutex<[MemberID: Int]>([:])
    private let signal = WakeSignal()

    init(configuration: GatewayConfiguration, queue: any GatewayQueue, httpClient: HTTPClient, metrics: GatewayMetrics, logger: Logger) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.queue = queue
        self.httpClient = httpClient
        self.logger = logger
        self.recipients = configuration.members.compactMap { member in
            guard let delivery = member.delivery, delivery.mode == .push, let url = delivery.url else { return nil }
            return (member.id, url, delivery.maxConcurrency)
        }
        let q = configuration.queue
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
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if ContinuousClock.now - lastRecovery > lease / 2 {
                    lastRecovery = .now
                    _ = try? await queue.recoverExpiredLeases(now: Date(), policy: policy)
                }
                var leasedAny = false
                // A read first: leasing is a write transaction, not worth taking when nothing is due.
                let due = ((try? await queue.nextDueDate(now: Date())) ?? nil).map { $0 <= Date() } ?? false
                for recipient in recipients where due {
                    let busy = inFlight.withLock { $0[recipient.id, default: 0] }
                    let free = recipient.maxConcurrency - busy
                    // Each lease is a write transaction (an fsync): while deliveries are in flight, wait until a
                    // quarter of the slots are free and lease them together, rather than one per finished push.
                    let enough = busy == 0 ? 1 : max(1, recipient.maxConcurrency / 4)
                    guard free >= enough, breakers.withLock({ $0.allowsAttempt(for: recipient.id, now: Date()) }) else { continue }
                    // While a breaker is half-open, only its single probe goes out.
                    let halfOpen: Bool
                    if case .halfOpen = breakers.withLock({ $0.state(for: recipient.id) }) { halfOpen = true } else { halfOpen = false }
                    let limit = halfOpen ? 1 : free
                    let leased: [QueuedMessage]
                    do {
                        leased = try await queue.lease(
                            recipient: recipient.id, excluding: [], limit: limit, leaseDuration: lease, now: Date(), actor: "gateway", type: nil)
                    } catch {
                        logger.error("leasing failed", metadata: ["recipient": "\(recipient.id)", "error": "\(type(of: error))"])
                        continue
                    }
                    for message in leased {
                        guard let token = message.lifecycle.leaseToken else { continue }   // a leased message has one
                        leasedAny = true
                        inFlight.withLock { $0[recipient.id, default: 0] += 1 }
                        group.addTask {
                            let attempt = await self.push(message, token: token, to: recipient.url)
                            // The push is over: its slot is free before the outcome's write transaction commits. Until
                            // then the message stays leased (no one else takes it); a crash in between lets the lease
                            // expire and the message go out again (at least once).
                            self.inFlight.withLock { $0[recipient.id, default: 1] -= 1 }
                            self.signal.fire()
                            await self.record(attempt)
                        }
                    }
                }
                if !leasedAny { await signal.wait(timeout: .milliseconds(250)) }
            }
        }
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
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
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

    /// Returns when fired (or already fired since the last wait), or after `timeout`.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.pending { state.pending = false; return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.fire()
            }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
        state.withLock { $0.pending = false }
    }
}
