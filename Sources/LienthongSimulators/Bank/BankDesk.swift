public import Foundation
public import LienthongCore
import LienthongClient
public import Logging
import NIOHTTP1
import Synchronization

/// The back office of one simulated bank, shared by the push endpoint (``BankSimulator``) and the pull poller
/// (``BankInboxPoller``).
///
/// ``receive(_:now:)`` records an `asxh.account-opening-request` (dedupe by message id, and by request reference
/// per sender), decides it at once with ``BankRules``, and queues its result series; ``run()`` sends the series
/// back through the gateway (`POST /v1/messages`, with the bank's client certificate) to the request's sender:
///
/// 1. `acknowledged` (at once);
/// 2. after ``BankSimulator/Configuration/decisionDelay``, `opened` (with the account number) or `rejected`
///    (with an acmt.011-shaped `reasonCode` and `reason`);
/// 3. when opened and ``BankSimulator/Configuration/cardDelivery`` is on, after
///    ``BankSimulator/Configuration/cardDeliveryDelay``, `card-delivered`.
///
/// Each result's message id is ``BankRules/resultMessageID(requestMessageID:outcome:)``, so a resend after a
/// timeout or a restart is idempotent at the gateway. Sending retries with exponential backoff (honouring
/// `Retry-After`) while the gateway answers `408`, `429` or `5xx` or cannot be reached; `409` (the id is already
/// taken) counts as sent; any other `4xx` is logged with its status only and ends the request's series.
///
/// ```swift
/// let desk = BankDesk(configuration: configuration, logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await desk.run() }
///     group.addTask { try await app.runService() }   // BankSimulator.makeApplication(…, bank: desk, …)
/// }
/// ```
///
/// Holds no names; personal id numbers only as salted digests (to recognise `DUPL`), and logs neither.
public final class BankDesk: Sendable {
    /// One delivered message, from a push (`X-Message-Id`, `X-Message-Type`, `X-Sender`, body) or a lease of
    /// the inbox (`id`, `type`, `from`, `payload`).
    public struct Delivery: Sendable, Hashable {
        /// The gateway's message id.
        public var messageID: UUID
        /// The message type.
        public var type: String
        /// The sending member.
        public var sender: String
        /// The payload.
        public var payload: JSONValue

        /// Creates a delivery.
        public init(messageID: UUID, type: String, sender: String, payload: JSONValue) {
            self.messageID = messageID
            self.type = type
            self.sender = sender
            self.payload = payload
        }
    }

    /// What the desk answers for a recorded request (the acmt.010-shaped acknowledgement of the push endpoint).
    public struct Receipt: Sendable, Hashable {
        /// The delivered message id (`acknowledgedMessageId`).
        public var messageID: UUID
        /// The request's `requestRef`.
        public var requestRef: String
        /// Whether this message id, or this sender's request reference, was recorded before; no new result
        /// series is started then.
        public var duplicate: Bool

        /// Creates a receipt.
        public init(messageID: UUID, requestRef: String, duplicate: Bool) {
            self.messageID = messageID
            self.requestRef = requestRef
            self.duplicate = duplicate
        }
    }

    /// Why a delivery was refused (nothing is recorded; the push endpoint answers `400`).
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// The reason.
        public enum Code: String, Sendable, Hashable, Codable {
            /// The message type is not `asxh.account-opening-request`.
            case unknownMessageType = "unknown-message-type"
            /// The sender is not a member id.
            case invalidSender = "invalid-sender"
            /// The payload does not match the acmt.007-shaped contract.
            case invalidPayload = "invalid-payload"
            /// `bank.bin` names another bank.
            case otherBank = "other-bank"
        }

        /// The reason.
        public var code: Code
        /// A fixed explanation naming JSON paths or headers, never values.
        public var detail: String

        /// Creates a refusal.
        public init(_ code: Code, detail: String) {
            self.code = code
            self.detail = detail
        }

        /// `code: detail`.
        public var description: String { "\(code.rawValue): \(detail)" }
    }

    /// Where a request stands, as far as the gateway has accepted its results.
    public enum RequestStatus: String, Sendable, Hashable, Codable {
        /// Recorded; no result accepted by the gateway yet.
        case requested
        /// The `acknowledged` result was accepted.
        case acknowledged
        /// The `opened` result was accepted.
        case opened
        /// The `rejected` result was accepted.
        case rejected
        /// The `card-delivered` result was accepted.
        case cardDelivered = "card-delivered"
    }

    /// One recorded request, without personal data.
    public struct RequestSummary: Sendable, Hashable, Codable {
        /// `requestRef`.
        public var requestRef: String
        /// The member that sent the request (and receives the results).
        public var sender: String
        /// The message id of the request's first delivery (lower case).
        public var messageId: String
        /// Where it stands.
        public var status: RequestStatus
        /// The decided outcome: `opened` or `rejected`.
        public var decision: AccountOpeningOutcome
        /// The reason code when rejected.
        public var reasonCode: String?
        /// Results not yet accepted by the gateway.
        public var resultsPending: Int
    }

    /// Counters, as shown by `GET /_sim/bank`.
    public struct Counts: Sendable, Hashable, Codable {
        /// Distinct requests recorded.
        public var received = 0
        /// Deliveries of an already recorded message id or request reference.
        public var duplicates = 0
        /// Deliveries refused as malformed, of another type, or for another bank.
        public var refused = 0
        /// `acknowledged` results accepted by the gateway.
        public var acknowledged = 0
        /// `opened` results accepted by the gateway.
        public var opened = 0
        /// `rejected` results accepted by the gateway.
        public var rejected = 0
        /// `card-delivered` results accepted by the gateway.
        public var cardsDelivered = 0
        /// Results accepted by the gateway (all outcomes).
        public var resultsSent = 0
        /// Results still to send.
        public var resultsPending = 0
        /// Results given up after the gateway refused one of the series with a `4xx` other than `409`.
        public var resultsDropped = 0

        /// All zero.
        public init() {}
    }

    /// A failure of ``run()``.
    public struct RunError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The reason.
        public enum Code: String, Sendable, Hashable {
            /// ``run()`` was called a second time.
            case alreadyRunning = "already-running"
        }

        /// The reason.
        public var code: Code

        /// `BankDesk.RunError.<code>`.
        public var description: String { "BankDesk.RunError.\(code.rawValue)" }
    }

    /// The bank's settings.
    public var configuration: BankSimulator.Configuration { settings.withLock { $0 } }
    private let settings: Mutex<BankSimulator.Configuration>
    private let logger: Logger
    private let state: Mutex<State>
    private let series: AsyncStream<Series>
    private let seriesInput: AsyncStream<Series>.Continuation

    /// Creates the desk. Nothing is sent until ``run()`` runs; requests recorded before wait for it.
    public init(configuration: BankSimulator.Configuration, logger: Logger) {
        self.settings = Mutex(configuration)
        self.logger = logger
        self.state = Mutex(State())
        (self.series, self.seriesInput) = AsyncStream<Series>.makeStream()
    }

    deinit {
        seriesInput.finish()
    }

    /// Sets the gateway's URL, for when the gateway's port is known only after the bank listens (the gateway's
    /// configuration names the bank's push URL). Takes effect for ``run()`` and ``BankInboxPoller/run()`` calls
    /// made afterwards.
    public func setGatewayURL(_ url: String) {
        settings.withLock { $0.gatewayURL = url }
    }

    // MARK: Recording

    /// Records a delivery and, for a new request, queues its result series.
    ///
    /// - Throws: ``Refusal`` for another message type, a sender that is not a member id, a payload that does
    ///   not match the contract, or a request addressed to another BIN; nothing is recorded then.
    public func receive(_ delivery: Delivery, now: Date = Date()) throws(Refusal) -> Receipt {
        guard delivery.type == AccountOpeningMessageType.request else {
            countRefusal()
            throw Refusal(.unknownMessageType, detail: "message type must be \(AccountOpeningMessageType.request)")
        }
        guard MemberID.isValid(delivery.sender) else {
            countRefusal()
            throw Refusal(.invalidSender, detail: "the sender is not a member id")
        }
        if let receipt = duplicateReceipt(for: delivery.messageID) { return receipt }
        let request: AccountOpeningRequest
        do {
            request = try AccountOpeningRequest(payload: delivery.payload)
        } catch {
            countRefusal()
            throw Refusal(.invalidPayload, detail: error.description)
        }
        guard request.bin == configuration.bin else {
            countRefusal()
            throw Refusal(.otherBank, detail: "payload.bank.bin: names another bank")
        }
        let configuration = self.configuration
        let personKey = BankRules.personKey(request.personalID, seed: configuration.seed)
        let today = BankRules.today(now: now)
        let outcome: (receipt: Receipt, series: Series?) = state.withLock { s in
            if let index = s.byMessageID[delivery.messageID] {
                s.counts.duplicates += 1
                return (Receipt(messageID: delivery.messageID, requestRef: s.entries[index].requestRef, duplicate: true), nil)
            }
            let key = State.Key(sender: delivery.sender, requestRef: request.requestRef)
            if let index = s.byKey[key] {
                s.byMessageID[delivery.messageID] = index
                s.counts.duplicates += 1
                return (Receipt(messageID: delivery.messageID, requestRef: request.requestRef, duplicate: true), nil)
            }
            let firstKey = s.persons[personKey]
            if firstKey == nil { s.persons[personKey] = key }
            let decision = BankRules.decide(
                request, today: today, isDuplicatePerson: firstKey != nil && firstKey != key,
                seed: configuration.seed, kycFailureShare: configuration.kycFailureShare)
            var steps: [AccountOpeningOutcome] = [.acknowledged, decision.outcome]
            if case .open = decision, configuration.cardDelivery { steps.append(.cardDelivered) }
            let index = s.entries.count
            var reasonCode: String?
            if case .reject(let reason) = decision { reasonCode = reason.code }
            s.entries.append(RequestSummary(
                requestRef: request.requestRef, sender: delivery.sender, messageId: delivery.messageID.uuidString.lowercased(),
                status: .requested, decision: decision.outcome, reasonCode: reasonCode, resultsPending: steps.count))
            s.byMessageID[delivery.messageID] = index
            s.byKey[key] = index
            s.counts.received += 1
            s.counts.resultsPending += steps.count
            let series = Series(
                index: index, requestMessageID: delivery.messageID, sender: delivery.sender, request: request,
                decision: decision, steps: steps)
            return (Receipt(messageID: delivery.messageID, requestRef: request.requestRef, duplicate: false), series)
        }
        if let series = outcome.series {
            seriesInput.yield(series)
            logger.info(
                "account-opening request recorded",
                metadata: [
                    "message_id": "\(delivery.messageID.uuidString.lowercased())", "sender": "\(delivery.sender)",
                    "request_ref": "\(request.requestRef)", "decision": "\(series.decision.outcome.rawValue)",
                ])
        } else {
            logger.info(
                "account-opening request already recorded",
                metadata: ["message_id": "\(delivery.messageID.uuidString.lowercased())", "sender": "\(delivery.sender)"])
        }
        return outcome.receipt
    }

    private func duplicateReceipt(for messageID: UUID) -> Receipt? {
        state.withLock { s in
            guard let index = s.byMessageID[messageID] else { return nil }
            s.counts.duplicates += 1
            return Receipt(messageID: messageID, requestRef: s.entries[index].requestRef, duplicate: true)
        }
    }

    private func countRefusal() {
        state.withLock { $0.counts.refused += 1 }
    }

    // MARK: State for tests and the control route

    /// The counters now.
    public var counts: Counts { state.withLock { $0.counts } }

    /// Every recorded request, in arrival order.
    public var requests: [RequestSummary] { state.withLock { $0.entries } }

    /// Where the request `requestRef` (from any sender) stands; `nil` when unknown.
    public func status(requestRef: String) -> RequestStatus? {
        state.withLock { s in s.entries.first { $0.requestRef == requestRef }?.status }
    }

    // MARK: Sending

    /// Sends the queued result series through the gateway until cancelled; a series in progress when the task
    /// is cancelled stops (its remaining results stay pending). Call once.
    ///
    /// - Throws: ``RunError`` when already running; the `PartnerClient` error when the bank's certificate, key
    ///   or CA file cannot be loaded.
    public func run() async throws {
        try state.withLock { s throws(RunError) in
            guard !s.running else { throw RunError(code: .alreadyRunning) }
            s.running = true
        }
        let configuration = self.configuration
        let client = try PartnerClient(
            baseURL: configuration.gatewayURL, certificateFile: configuration.certificateFile,
            keyFile: configuration.keyFile, caFile: configuration.caFile)
        await withDiscardingTaskGroup { group in
            for await item in series {
                group.addTask { await self.send(item, through: client) }
            }
        }
        try? await client.shutdown()
    }

    private func send(_ series: Series, through client: PartnerClient) async {
        let idBytes = withUnsafeBytes(of: series.requestMessageID.uuid) { Array($0) }
        var random = SplitMix64(seed: idBytes.prefix(8).reduce(configuration.seed) { ($0 << 8 | $0 >> 56) ^ UInt64($1) })
        for (position, outcome) in series.steps.enumerated() {
            if position > 0 {
                let delay = outcome == .cardDelivered ? configuration.cardDeliveryDelay : configuration.decisionDelay
                do { try await Task.sleep(for: delay) } catch { return }
            }
            let envelope = resultEnvelope(series, outcome: outcome, on: BankRules.today())
            let sent = await deliver(envelope, outcome: outcome, series: series, client: client, random: &random)
            switch sent {
            case .accepted:
                markSent(series, outcome: outcome)
            case .refused:
                dropRest(of: series, from: position)
                return
            case .cancelled:
                return
            }
        }
    }

    private enum SendResult {
        case accepted
        case refused
        case cancelled
    }

    private func deliver(
        _ envelope: Data, outcome: AccountOpeningOutcome, series: Series, client: PartnerClient, random: inout SplitMix64
    ) async -> SendResult {
        let id = BankRules.resultMessageID(requestMessageID: series.requestMessageID, outcome: outcome).uuidString.lowercased()
        var metadata: Logger.Metadata = [
            "message_id": "\(id)", "request_message_id": "\(series.requestMessageID.uuidString.lowercased())",
            "request_ref": "\(series.request.requestRef)", "outcome": "\(outcome.rawValue)",
        ]
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            var retryAfter: Duration?
            do {
                let answer = try await client.send(
                    method: .POST, path: "/v1/messages",
                    headers: [("Content-Type", "application/json"), ("X-User-Id", configuration.userID)],
                    body: envelope, timeout: configuration.sendTimeout)
                metadata["status"] = "\(answer.status)"
                switch answer.status {
                case 200, 202:
                    logger.info("account-opening result sent", metadata: metadata)
                    return .accepted
                case 409:
                    logger.notice("account-opening result id already taken at the gateway; counted as sent", metadata: metadata)
                    return .accepted
                case 408, 429, 500...599:
                    retryAfter = answer.retryAfter.flatMap { Int($0) }.map { .seconds(min(max($0, 0), 60)) }
                    logger.warning("account-opening result not accepted yet; retrying", metadata: metadata)
                default:
                    logger.error("account-opening result refused by the gateway; series dropped", metadata: metadata)
                    return .refused
                }
            } catch {
                if Task.isCancelled { return .cancelled }
                metadata["status"] = nil
                logger.warning("gateway unreachable; retrying", metadata: metadata.merging(["error": "\(type(of: error))"]) { $1 })
            }
            let delay = backoff(attempt: attempt, random: &random)
            do { try await Task.sleep(for: max(delay, retryAfter ?? .zero)) } catch { return .cancelled }
        }
        return .cancelled
    }

    /// Full-jitter exponential backoff: uniform in [base·2^(n-1)/2, base·2^(n-1)], capped.
    private func backoff(attempt: Int, random: inout SplitMix64) -> Duration {
        let base = configuration.retryBase
        let cap = configuration.retryCap
        let exponent = min(attempt - 1, 20)
        let full = min(base * (1 << exponent), cap)
        return full / 2 + full / 2 * random.unitInterval()
    }

    private func markSent(_ series: Series, outcome: AccountOpeningOutcome) {
        state.withLock { s in
            s.counts.resultsSent += 1
            s.counts.resultsPending -= 1
            s.entries[series.index].resultsPending -= 1
            switch outcome {
            case .acknowledged:
                s.counts.acknowledged += 1
                s.entries[series.index].status = .acknowledged
            case .opened:
                s.counts.opened += 1
                s.entries[series.index].status = .opened
            case .rejected:
                s.counts.rejected += 1
                s.entries[series.index].status = .rejected
            case .cardDelivered:
                s.counts.cardsDelivered += 1
                s.entries[series.index].status = .cardDelivered
            }
        }
    }

    private func dropRest(of series: Series, from position: Int) {
        let dropped = series.steps.count - position
        state.withLock { s in
            s.counts.resultsPending -= dropped
            s.counts.resultsDropped += dropped
            s.entries[series.index].resultsPending -= dropped
        }
    }

    /// The `POST /v1/messages` body of one result.
    func resultEnvelope(_ series: Series, outcome: AccountOpeningOutcome, on date: CalendarDate) -> Data {
        var payload = ResultPayload(
            requestRef: series.request.requestRef, outcome: outcome,
            acknowledgedMessageId: series.requestMessageID.uuidString.lowercased(), on: date.iso)
        switch (outcome, series.decision) {
        case (.opened, .open(let accountID)), (.cardDelivered, .open(let accountID)):
            payload.accountId = accountID
        case (.rejected, .reject(let reason)):
            payload.reasonCode = reason.code
            payload.reason = reason.text
        default:
            break
        }
        let envelope = ResultEnvelope(
            id: BankRules.resultMessageID(requestMessageID: series.requestMessageID, outcome: outcome).uuidString.lowercased(),
            type: AccountOpeningMessageType.result, to: series.sender, payload: payload)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and optionals only: encoding cannot fail.
        return (try? encoder.encode(envelope)) ?? Data()
    }

    // MARK: Internal types

    struct Series: Sendable {
        var index: Int
        var requestMessageID: UUID
        var sender: String
        var request: AccountOpeningRequest
        var decision: BankRules.Decision
        var steps: [AccountOpeningOutcome]
    }

    struct ResultPayload: Codable, Sendable, Hashable {
        var requestRef: String
        var outcome: AccountOpeningOutcome
        var acknowledgedMessageId: String
        var on: String
        var accountId: String?
        var reasonCode: String?
        var reason: String?
    }

    struct ResultEnvelope: Codable, Sendable {
        var id: String
        var type: String
        var to: String
        var payload: ResultPayload
    }

    private struct State: Sendable {
        struct Key: Hashable, Sendable {
            var sender: String
            var requestRef: String
        }

        var entries: [RequestSummary] = []
        var byMessageID: [UUID: Int] = [:]
        var byKey: [Key: Int] = [:]
        /// Salted personal-id digest → the request that first named the person.
        var persons: [String: Key] = [:]
        var counts = Counts()
        var running = false
    }
}
