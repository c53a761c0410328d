import Foundation
import LienthongClient
import LienthongCore
public import Logging
import NIOHTTP1
import Synchronization

/// Pull delivery for a simulated bank (SPEC §4): leases messages from the gateway's inbox
/// (`GET /v1/inbox?limit=N`, with the bank's client certificate), hands each to the ``BankDesk``, and
/// acknowledges it (`POST /v1/inbox/{id}/ack`) only after the desk has recorded it.
///
/// A crash between recording and acknowledging leaves the lease to expire; the gateway offers the message
/// again and the desk recognises its id (a restarted desk decides it again the same way, and its result ids
/// are the same, so the gateway takes the resent results as the same messages). A message the desk refuses
/// (another type, a malformed payload, another BIN) is acknowledged too, since offering it again cannot help;
/// it is counted and logged with its id and the refusal code only.
///
/// ```swift
/// let poller = BankInboxPoller(desk: desk, logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await desk.run() }
///     group.addTask { try await poller.run() }
/// }
/// ```
public final class BankInboxPoller: Sendable {
    /// Counters of the poller.
    public struct Counts: Sendable, Hashable, Codable {
        /// Messages leased (re-offers included).
        public var leased = 0
        /// Leases acknowledged.
        public var acknowledged = 0
        /// Messages the desk refused (acknowledged anyway).
        public var refused = 0
        /// Acknowledgements the gateway refused (the lease had expired or was replaced; the message comes again).
        public var lostLeases = 0
        /// Failed polls or acknowledgements (gateway unreachable or answering an unexpected status).
        public var errors = 0

        /// All zero.
        public init() {}
    }

    /// The desk receiving the messages.
    public let desk: BankDesk
    private let logger: Logger
    private let state = Mutex(Counts())

    /// Creates a poller for `desk`, with the desk's configuration (gateway URL, client identity, poll interval
    /// and batch size).
    public init(desk: BankDesk, logger: Logger) {
        self.desk = desk
        self.logger = logger
    }

    /// The counters now.
    public var counts: Counts { state.withLock { $0 } }

    /// Polls until cancelled. Errors of single polls are logged and retried with backoff.
    ///
    /// - Throws: the `PartnerClient` error when the bank's certificate, key or CA file cannot be loaded.
    public func run() async throws {
        let configuration = desk.configuration
        let client = try PartnerClient(
            baseURL: configuration.gatewayURL, certificateFile: configuration.certificateFile,
            keyFile: configuration.keyFile, caFile: configuration.caFile, maxConnections: 2)
        var failures = 0
        while !Task.isCancelled {
            let wait: Duration
            do {
                let leased = try await pollOnce(client: client)
                failures = 0
                wait = leased == 0 ? configuration.pollInterval : .zero
            } catch {
                if Task.isCancelled { break }
                failures += 1
                state.withLock { $0.errors += 1 }
                logger.warning("inbox poll failed", metadata: ["error": "\(error)"])
                wait = min(configuration.retryBase * (1 << min(failures - 1, 20)), configuration.retryCap)
            }
            if wait > .zero {
                do { try await Task.sleep(for: wait) } catch { break }
            }
        }
        try? await client.shutdown()
    }

    /// A failed poll: the gateway answered an unexpected status, or an unreadable inbox.
    public struct PollError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The HTTP status, `0` when the body was unreadable.
        public var status: Int

        /// `inbox answered <status>` or `inbox answer unreadable`.
        public var description: String { status == 0 ? "inbox answer unreadable" : "inbox answered \(status)" }
    }

    /// Leases one batch, hands it to the desk and acknowledges it; returns how many messages were leased.
    func pollOnce(client: PartnerClient) async throws -> Int {
        let configuration = desk.configuration
        let answer = try await client.send(
            method: .GET, path: "/v1/inbox?limit=\(configuration.pollBatchSize)", headers: [], body: nil,
            timeout: configuration.sendTimeout)
        guard answer.status == 200 else { throw PollError(status: answer.status) }
        guard case .object(let root)? = try? JSONValue(parsing: Array(answer.body)), case .array(let messages)? = root["messages"] else {
            throw PollError(status: 0)
        }
        state.withLock { $0.leased += messages.count }
        for message in messages {
            guard case .object(let item) = message,
                  case .string(let idText)? = item["id"], let id = UUID(uuidString: idText),
                  case .string(let token)? = item["leaseToken"] else {
                state.withLock { $0.errors += 1 }
                logger.error("inbox item without id or lease token skipped")
                continue
            }
            var type = ""
            if case .string(let text)? = item["type"] { type = text }
            var sender = ""
            if case .string(let text)? = item["from"] { sender = text }
            let delivery = BankDesk.Delivery(messageID: id, type: type, sender: sender, payload: item["payload"] ?? .null)
            do {
                _ = try desk.receive(delivery)
            } catch {
                state.withLock { $0.refused += 1 }
                logger.notice(
                    "inbox message refused; acknowledged so that it is not offered again",
                    metadata: ["message_id": "\(id.uuidString.lowercased())", "reason": "\(error.code.rawValue)"])
            }
            try await acknowledge(id: id, token: token, client: client)
        }
        return messages.count
    }

    private func acknowledge(id: UUID, token: String, client: PartnerClient) async throws {
        let body = try JSONEncoder().encode(["leaseToken": token])
        let answer = try await client.send(
            method: .POST, path: "/v1/inbox/\(id.uuidString.lowercased())/ack",
            headers: [("Content-Type", "application/json")], body: body, timeout: desk.configuration.sendTimeout)
        let metadata: Logger.Metadata = ["message_id": "\(id.uuidString.lowercased())", "status": "\(answer.status)"]
        switch answer.status {
        case 200:
            state.withLock { $0.acknowledged += 1 }
            logger.debug("inbox message acknowledged", metadata: metadata)
        case 409:
            state.withLock { $0.lostLeases += 1 }
            logger.notice("lease lost before the acknowledgement; the message will be offered again", metadata: metadata)
        default:
            state.withLock { $0.errors += 1 }
            logger.warning("acknowledgement not accepted", metadata: metadata)
        }
    }
}
