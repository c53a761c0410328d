import Crypto
public import Foundation
public import LienthongCore

/// A queued message in the form every store writes it: text, integers (milliseconds since 1970) and bytes, one value
/// per column. The one place that turns a ``QueuedMessage`` into columns and back, shared by the SQLite store and the
/// PostgreSQL store (no I/O). A row that does not decode is a ``QueueStoreError`` `corruptRow` naming the column.
public struct StoredMessage: Sendable, Equatable {
    /// Column `sender`.
    public var sender: String
    /// Column `id`.
    public var id: String
    /// Column `recipient`.
    public var recipient: String
    /// Column `type`.
    public var type: String
    /// Column `payload`.
    public var payload: [UInt8]
    /// Column `payload_hash`.
    public var payloadHash: String
    /// Column `accepted_at` (milliseconds).
    public var acceptedAt: Int64
    /// The lifecycle's columns.
    public var lifecycle: StoredLifecycle

    /// Creates the columns of a row read by a store.
    public init(sender: String, id: String, recipient: String, type: String, payload: [UInt8], payloadHash: String,
                acceptedAt: Int64, lifecycle: StoredLifecycle) {
        self.sender = sender
        self.id = id
        self.recipient = recipient
        self.type = type
        self.payload = payload
        self.payloadHash = payloadHash
        self.acceptedAt = acceptedAt
        self.lifecycle = lifecycle
    }

    /// The columns of `message`.
    public init(_ message: QueuedMessage) {
        self.init(
            sender: message.sender.value, id: message.id, recipient: message.recipient.value, type: message.type,
            payload: message.payload, payloadHash: message.payloadHash,
            acceptedAt: QueueStorage.milliseconds(message.acceptedAt), lifecycle: StoredLifecycle(message.lifecycle))
    }

    /// The message these columns hold.
    public func decoded() throws(QueueStoreError) -> QueuedMessage {
        let acceptedAt = QueueStorage.date(acceptedAt)
        return QueuedMessage(
            id: id, sender: try Self.member(sender, field: "sender"), recipient: try Self.member(recipient, field: "recipient"),
            type: type, payload: payload, payloadHash: payloadHash, acceptedAt: acceptedAt,
            lifecycle: try lifecycle.decoded(acceptedAt: acceptedAt))
    }

    private static func member(_ text: String, field: String) throws(QueueStoreError) -> MemberID {
        do { return try MemberID(text, field: field) } catch { throw QueueStoreError(.corruptRow, field: field) }
    }
}

/// The columns of a ``MessageLifecycle`` (see ``StoredMessage``).
public struct StoredLifecycle: Sendable, Equatable {
    /// Column `state` (``MessageState/Kind`` raw value).
    public var state: String
    /// Column `lease_token`.
    public var leaseToken: String?
    /// Column `lease_expires_at` (milliseconds).
    public var leaseExpiresAt: Int64?
    /// Column `not_before` (milliseconds).
    public var notBefore: Int64?
    /// Column `delivered_at` (milliseconds).
    public var deliveredAt: Int64?
    /// Column `dead_reason`.
    public var deadReason: String?
    /// Column `attempts`.
    public var attempts: Int
    /// Column `last_error` (``DeliveryFailure`` text).
    public var lastError: String?
    /// Column `age_clock_started_at` (milliseconds).
    public var ageClockStartedAt: Int64
    /// Column `last_attempt_at` (milliseconds).
    public var lastAttemptAt: Int64?
    /// Column `last_lease_token`.
    public var lastLeaseToken: String?

    /// Creates the columns of a row read by a store.
    public init(state: String, leaseToken: String?, leaseExpiresAt: Int64?, notBefore: Int64?, deliveredAt: Int64?,
                deadReason: String?, attempts: Int, lastError: String?, ageClockStartedAt: Int64, lastAttemptAt: Int64?,
                lastLeaseToken: String?) {
        self.state = state
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
        self.notBefore = notBefore
        self.deliveredAt = deliveredAt
        self.deadReason = deadReason
        self.attempts = attempts
        self.lastError = lastError
        self.ageClockStartedAt = ageClockStartedAt
        self.lastAttemptAt = lastAttemptAt
        self.lastLeaseToken = lastLeaseToken
    }

    /// The columns of `lifecycle`.
    public init(_ lifecycle: MessageLifecycle) {
        let state = lifecycle.state
        let ms = QueueStorage.milliseconds
        self.init(
            state: state.kind.rawValue, leaseToken: state.leaseToken?.value, leaseExpiresAt: state.leaseExpiresAt.map(ms),
            notBefore: state.notBefore.map(ms), deliveredAt: state.deliveredAt.map(ms), deadReason: state.deadReason?.rawValue,
            attempts: lifecycle.attempts, lastError: lifecycle.lastError?.description,
            ageClockStartedAt: ms(lifecycle.ageClockStartedAt), lastAttemptAt: lifecycle.lastAttemptAt.map(ms),
            lastLeaseToken: lifecycle.lastLeaseToken?.value)
    }

    /// The lifecycle these columns hold, for a message accepted at `acceptedAt`.
    public func decoded(acceptedAt: Date) throws(QueueStoreError) -> MessageLifecycle {
        guard let kind = MessageState.Kind(rawValue: state) else { throw QueueStoreError(.corruptRow, field: "state") }
        var reason: DeadReason?
        if let deadReason {
            guard let value = DeadReason(rawValue: deadReason) else { throw QueueStoreError(.corruptRow, field: "dead_reason") }
            reason = value
        }
        var failure: DeliveryFailure?
        if let lastError {
            guard let value = DeliveryFailure(lastError) else { throw QueueStoreError(.corruptRow, field: "last_error") }
            failure = value
        }
        let date = QueueStorage.date
        let messageState: MessageState
        do {
            messageState = try MessageState(
                kind: kind, leaseToken: try Self.token(leaseToken, field: "lease_token"),
                leaseExpiresAt: leaseExpiresAt.map(date), notBefore: notBefore.map(date),
                deliveredAt: deliveredAt.map(date), deadReason: reason)
        } catch let error as QueueStoreError {
            throw error
        } catch {
            throw QueueStoreError(.corruptRow, field: "state")
        }
        do {
            return try MessageLifecycle(
                state: messageState, attempts: attempts, acceptedAt: acceptedAt, ageClockStartedAt: date(ageClockStartedAt),
                lastLeaseToken: try Self.token(lastLeaseToken, field: "last_lease_token"),
                lastAttemptAt: lastAttemptAt.map(date), lastError: failure)
        } catch let error as QueueStoreError {
            throw error
        } catch {
            throw QueueStoreError(.corruptRow, field: "attempts")
        }
    }

    private static func token(_ text: String?, field: String) throws(QueueStoreError) -> LeaseToken? {
        guard let text else { return nil }
        guard let token = LeaseToken(text) else { throw QueueStoreError(.corruptRow, field: field) }
        return token
    }
}

/// The rules every queue store applies the same way (no I/O): message ids, payload hashes, the millisecond
/// precision of stored times, and the status an outcome is audited with.
public enum QueueStorage {
    /// Requires a UUID in lowercase text (`8-4-4-4-12` hex digits); else `invalidArgument` naming `id`.
    public static func validate(id: String) throws(QueueStoreError) {
        guard id.utf8.count == 36, UUID(uuidString: id) != nil, id == id.lowercased() else {
            throw QueueStoreError(.invalidArgument, field: "id")
        }
    }

    /// Lowercase hex SHA-256 of `bytes` (the payload hash that idempotency compares).
    public static func payloadHash(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Milliseconds since 1970, rounded to the nearest.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The instant `milliseconds` after 1970.
    public static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `date` rounded to the millisecond, as it reads back from a store.
    public static func normalize(_ date: Date) -> Date {
        Self.date(milliseconds(date))
    }

    /// The lifecycle as it reads back from its stored columns (times rounded to the millisecond), so the values
    /// returned to callers equal what a later read gives.
    public static func roundTrip(_ lifecycle: MessageLifecycle) throws(QueueStoreError) -> MessageLifecycle {
        try StoredLifecycle(lifecycle).decoded(acceptedAt: normalize(lifecycle.acceptedAt))
    }

    /// The HTTP status an outcome carries, 0 when no response arrived.
    public static func httpStatus(_ outcome: DeliveryOutcome) -> Int {
        switch outcome {
        case .delivered(let status): status
        case .permanentFailure(let failure), .retryableFailure(let failure, _):
            if case .httpStatus(let status) = failure { status } else { 0 }
        }
    }
}
