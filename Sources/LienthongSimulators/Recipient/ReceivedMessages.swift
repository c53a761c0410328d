import Crypto
public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One push delivery as the recipient simulator saw it. Holds a digest of the body, never the body itself
/// (payloads may hold personal data).
public struct ReceivedDelivery: Sendable, Hashable, Codable {
    /// `X-Message-Id`.
    public var messageID: UUID
    /// `X-Message-Type`.
    public var type: String
    /// `X-Sender`.
    public var sender: String
    /// Lower-case hex SHA-256 of the body bytes.
    public var bodySHA256: String
    /// Body size in bytes.
    public var bodyBytes: Int
    /// When the delivery arrived.
    public var receivedAt: Date
    /// Whether an earlier delivery carried the same message id.
    public var duplicate: Bool

    /// Creates a delivery record.
    public init(messageID: UUID, type: String, sender: String, bodySHA256: String, bodyBytes: Int, receivedAt: Date, duplicate: Bool) {
        self.messageID = messageID
        self.type = type
        self.sender = sender
        self.bodySHA256 = bodySHA256
        self.bodyBytes = bodyBytes
        self.receivedAt = receivedAt
        self.duplicate = duplicate
    }

    private enum CodingKeys: String, CodingKey {
        case messageID = "id", type, sender, bodySHA256 = "sha256", bodyBytes = "bytes", receivedAt, duplicate
    }

    /// Decodes a record; the id may be in either case.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(String.self, forKey: .messageID)
        guard let uuid = UUID(uuidString: id) else {
            throw DecodingError.dataCorruptedError(forKey: .messageID, in: container, debugDescription: "id is not a UUID")
        }
        self.messageID = uuid
        self.type = try container.decode(String.self, forKey: .type)
        self.sender = try container.decode(String.self, forKey: .sender)
        self.bodySHA256 = try container.decode(String.self, forKey: .bodySHA256)
        self.bodyBytes = try container.decode(Int.self, forKey: .bodyBytes)
        self.receivedAt = try container.decode(Date.self, forKey: .receivedAt)
        self.duplicate = try container.decode(Bool.self, forKey: .duplicate)
    }

    /// Encodes the record with the id in lower case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageID.uuidString.lowercased(), forKey: .messageID)
        try container.encode(type, forKey: .type)
        try container.encode(sender, forKey: .sender)
        try container.encode(bodySHA256, forKey: .bodySHA256)
        try container.encode(bodyBytes, forKey: .bodyBytes)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(duplicate, forKey: .duplicate)
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}

/// A failure of the delivery journal file. Names the operation and the `errno`, never file contents.
public struct ReceivedMessagesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public enum Code: String, Sendable, Hashable {
        /// The journal file could not be opened or created.
        case openFailed
        /// A line could not be written in full.
        case writeFailed
        /// `fsync` failed.
        case syncFailed
        /// A line of the journal could not be read back.
        case malformedLine
    }

    /// What failed.
    public var code: Code
    /// The `errno` of the failed call, `0` when not applicable.
    public var errno: Int32
    /// The 1-based line number for ``Code/malformedLine``, otherwise `0`.
    public var line: Int

    /// Creates an error.
    public init(_ code: Code, errno: Int32 = 0, line: Int = 0) {
        self.code = code
        self.errno = errno
        self.line = line
    }

    /// The code, and the errno or line when set.
    public var description: String {
        var text = "ReceivedMessagesError.\(code.rawValue)"
        if errno != 0 { text += " (errno \(errno))" }
        if line != 0 { text += " (line \(line))" }
        return text
    }
}

/// What the recipient simulator has received: every delivery in arrival order, and how many times each message
/// id arrived (the gateway delivers at least once, so duplicates are expected and counted).
///
/// With a journal path, each delivery is also appended as one JSON line (``ReceivedDelivery``'s encoding) and
/// `fsync`'d before the delivery is acknowledged, so a test in another process can read it with
/// ``ReceivedMessages/readJournal(at:)``.
///
/// ```swift
/// let received = try ReceivedMessages(journalPath: "/tmp/bank-inbox.jsonl")
/// // … after deliveries …
/// received.count(of: id)   // 2 when delivered twice
/// ```
public final class ReceivedMessages: Sendable {
    private struct State: Sendable {
        var deliveries: [ReceivedDelivery] = []
        var counts: [UUID: Int] = [:]
        var order: [UUID] = []
        /// The open journal file descriptor, `-1` when none.
        var journal: Int32 = -1
        /// Requests being answered now, and the most at any moment.
        var inFlight = 0
        var peakInFlight = 0
    }

    private let state: Mutex<State>

    /// The journal file, if any.
    public let journalPath: String?

    /// Creates an in-memory record.
    public init() {
        self.state = Mutex(State())
        self.journalPath = nil
    }

    /// Creates a record that also appends each delivery to `journalPath` (created with mode 0600 when absent,
    /// appended to otherwise; earlier lines are not loaded).
    public init(journalPath: String) throws(ReceivedMessagesError) {
        let fd = open(journalPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ReceivedMessagesError(.openFailed, errno: errno) }
        self.state = Mutex(State(journal: fd))
        self.journalPath = journalPath
    }

    deinit {
        state.withLock { s in
            if s.journal >= 0 { _ = close(s.journal) }
            s.journal = -1
        }
    }

    /// Records one delivery of `body`; returns the record (its `duplicate` tells whether the id was seen before).
    ///
    /// With a journal, the line is written and synced first; when that fails nothing is recorded and the error
    /// is thrown (the simulator then answers `500`, so the sender retries).
    @discardableResult
    public func record(
        messageID: UUID, type: String, sender: String, body: some Collection<UInt8>, receivedAt: Date = Date()
    ) throws(ReceivedMessagesError) -> ReceivedDelivery {
        let digest = ReceivedDelivery.sha256Hex(body)
        let size = body.count
        return try state.withLock { s throws(ReceivedMessagesError) -> ReceivedDelivery in
            let previous = s.counts[messageID, default: 0]
            let delivery = ReceivedDelivery(
                messageID: messageID, type: type, sender: sender, bodySHA256: digest, bodyBytes: size,
                receivedAt: receivedAt, duplicate: previous > 0
            )
            if s.journal >= 0 { try Self.append(delivery, to: s.journal) }
            s.deliveries.append(delivery)
            s.counts[messageID] = previous + 1
            if previous == 0 { s.order.append(messageID) }
            return delivery
        }
    }

    /// The most delivery requests the simulator was answering at the same moment (injected latency included).
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }

    /// A delivery request has arrived (counted until ``requestFinished()``).
    public func requestStarted() {
        state.withLock { s in
            s.inFlight += 1
            s.peakInFlight = max(s.peakInFlight, s.inFlight)
        }
    }

    /// A delivery request has been answered.
    public func requestFinished() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Every delivery, in arrival order.
    public var all: [ReceivedDelivery] { state.withLock { $0.deliveries } }

    /// The distinct message ids, in order of first arrival.
    public var uniqueIDs: [UUID] { state.withLock { $0.order } }

    /// Number of deliveries, duplicates included.
    public var deliveryCount: Int { state.withLock { $0.deliveries.count } }

    /// How many times `id` was delivered (0 when never).
    public func count(of id: UUID) -> Int { state.withLock { $0.counts[id, default: 0] } }

    /// Forgets every delivery held in memory (the journal file is left as it is).
    public func reset() {
        state.withLock { s in
            s.deliveries = []
            s.counts = [:]
            s.order = []
        }
    }

    /// Reads a journal written by a ``ReceivedMessages`` (possibly in another process).
    public static func readJournal(at path: String) throws -> [ReceivedDelivery] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = Self.decoder
        var result: [ReceivedDelivery] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).enumerated() {
            do {
                result.append(try decoder.decode(ReceivedDelivery.self, from: Data(line)))
            } catch {
                throw ReceivedMessagesError(.malformedLine, line: index + 1)
            }
        }
        return result
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    private static func append(_ delivery: ReceivedDelivery, to fd: Int32) throws(ReceivedMessagesError) {
        var line: [UInt8]
        do {
            line = Array(try encoder.encode(delivery))
        } catch {
            // Encoding strings, numbers, booleans and a date cannot fail; report it as a write failure anyway.
            throw ReceivedMessagesError(.writeFailed)
        }
        line.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ReceivedMessagesError(.writeFailed, errno: errno)
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw ReceivedMessagesError(.syncFailed, errno: errno) }
    }
}
