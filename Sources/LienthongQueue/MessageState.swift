public import Foundation

/// The token that identifies one lease of one message.
///
/// Every lease gets a fresh token; acknowledging, failing or extending a leased message requires the
/// token of the *current* lease, so a worker (or pull client) whose lease expired and was re-claimed by
/// someone else can never acknowledge the message. Stores compare it in SQL (`WHERE id = ? AND lease = ?`).
///
/// ```swift
/// var rng = SystemRandomNumberGenerator()
/// let token = LeaseToken.random(using: &rng)   // 32 lowercase hex digits
/// LeaseToken("0f3a…")                           // restores a stored token
/// ```
public struct LeaseToken: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The token text: 1 to 128 characters of `A-Z a-z 0-9 - _`.
    public let value: String

    /// Restores a token from its text; `nil` when it is empty, longer than 128 characters or
    /// contains characters other than `A-Z a-z 0-9 - _`.
    public init?(_ value: String) {
        guard LeaseToken.isValid(value) else { return nil }
        self.value = value
    }

    /// A new random token of 128 bits, written as 32 lowercase hex digits.
    public static func random(using rng: inout some RandomNumberGenerator) -> LeaseToken {
        let high = rng.next() as UInt64
        let low = rng.next() as UInt64
        let text = LeaseToken.hex(high) + LeaseToken.hex(low)
        // Hex digits always satisfy `isValid`.
        return LeaseToken(uncheckedValue: text)
    }

    /// Whether `text` is a well-formed token.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// The token text (a lease token is not personal data).
    public var description: String { value }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let token = LeaseToken(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "leaseToken: not a well-formed lease token")
        }
        self = token
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    private init(uncheckedValue: String) { self.value = uncheckedValue }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Why a message ended up `dead`. The raw value is stable and may be stored.
public enum DeadReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The recipient answered with a `4xx` other than 408 and 429: retrying the same request cannot help.
    case permanentFailure = "permanent-failure"
    /// The retry policy's `maxAttempts` delivery attempts were made and none succeeded.
    case attemptsExhausted = "attempts-exhausted"
    /// The retry policy's `maxAge` passed since the message was accepted (or since an operator retry).
    case maxAgeExceeded = "max-age-exceeded"
}

/// The externally visible status of a message (SPEC §4, `GET /v1/messages/{id}`).
public enum MessageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for a delivery attempt (including waiting out a retry back-off).
    case queued
    /// A delivery attempt or a pull lease is in progress.
    case delivering
    /// The recipient accepted the message (push `2xx` or pull acknowledgement).
    case delivered
    /// Delivery was abandoned; an operator may retry it.
    case dead
}

/// The internal state of a message in the outbound queue.
///
/// ```text
///            lease                 deliverySucceeded / ack
/// queued ──────────▶ leased ─────────────────────────────▶ delivered
///   ▲  ▲               │ │ deliveryFailed (retryable)
///   │  │ leaseExpired  │ └──────────────▶ waitingRetry ──lease (when due)──▶ leased
///   │  └───────────────┘ deliveryFailed (permanent / gave up), leaseExpired (exhausted)
///   │                  └──────────────▶ dead
///   └──── operatorRetry ───────────────────┘
/// ```
///
/// The attempt count, age clock and last error live in ``MessageLifecycle``.
public enum MessageState: Sendable, Hashable {
    /// Eligible for a lease now.
    case queued
    /// Leased by a push worker or a pull client until `expiresAt`; only `token` may settle it.
    case leased(token: LeaseToken, expiresAt: Date)
    /// A delivery attempt failed with a retryable failure; eligible for a lease from `notBefore`.
    case waitingRetry(notBefore: Date)
    /// Delivered at the given instant (final).
    case delivered(at: Date)
    /// Delivery abandoned (final until an operator retries it).
    case dead(DeadReason)

    /// The name of an internal state, for a store's `state` column. The raw value is stable.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// ``MessageState/queued``.
        case queued
        /// ``MessageState/leased(token:expiresAt:)``.
        case leased
        /// ``MessageState/waitingRetry(notBefore:)``.
        case waitingRetry = "waiting-retry"
        /// ``MessageState/delivered(at:)``.
        case delivered
        /// ``MessageState/dead(_:)``.
        case dead
    }

    /// The name of this state.
    public var kind: Kind {
        switch self {
        case .queued: .queued
        case .leased: .leased
        case .waitingRetry: .waitingRetry
        case .delivered: .delivered
        case .dead: .dead
        }
    }

    /// The external status of SPEC §4: `leased` shows as `delivering`, `waitingRetry` as `queued`.
    public var externalStatus: MessageStatus {
        switch self {
        case .queued, .waitingRetry: .queued
        case .leased: .delivering
        case .delivered: .delivered
        case .dead: .dead
        }
    }

    /// Whether the state is final (`delivered` or `dead`): no delivery will be attempted.
    public var isFinal: Bool {
        switch self {
        case .delivered, .dead: true
        case .queued, .leased, .waitingRetry: false
        }
    }

    /// The current lease token, when leased.
    public var leaseToken: LeaseToken? {
        if case .leased(let token, _) = self { return token }
        return nil
    }

    /// When the current lease expires, when leased.
    public var leaseExpiresAt: Date? {
        if case .leased(_, let expiresAt) = self { return expiresAt }
        return nil
    }

    /// When the message becomes eligible again, when waiting for a retry.
    public var notBefore: Date? {
        if case .waitingRetry(let notBefore) = self { return notBefore }
        return nil
    }

    /// When the message was delivered, when delivered.
    public var deliveredAt: Date? {
        if case .delivered(let at) = self { return at }
        return nil
    }

    /// Why the message is dead, when dead.
    public var deadReason: DeadReason? {
        if case .dead(let reason) = self { return reason }
        return nil
    }

    /// Whether a lease may be taken at `now`: queued, or waiting for a retry that is due.
    public func isEligibleForLease(now: Date) -> Bool {
        switch self {
        case .queued: true
        case .waitingRetry(let notBefore): now >= notBefore
        case .leased, .delivered, .dead: false
        }
    }

    /// Rebuilds a state from a store's flattened columns.
    ///
    /// The fields a kind needs must be present (`missingField`) and the others absent (`unexpectedField`),
    /// so a corrupt row is reported rather than silently reinterpreted.
    public init(kind: Kind, leaseToken: LeaseToken?, leaseExpiresAt: Date?, notBefore: Date?,
                deliveredAt: Date?, deadReason: DeadReason?) throws(QueueStateError) {
        let present: [(String, Bool)] = [
            ("leaseToken", leaseToken != nil), ("leaseExpiresAt", leaseExpiresAt != nil),
            ("notBefore", notBefore != nil), ("deliveredAt", deliveredAt != nil), ("deadReason", deadReason != nil),
        ]
        let required: Set<String>
        switch kind {
        case .queued: required = []
        case .leased: required = ["leaseToken", "leaseExpiresAt"]
        case .waitingRetry: required = ["notBefore"]
        case .delivered: required = ["deliveredAt"]
        case .dead: required = ["deadReason"]
        }
        for (field, isPresent) in present {
            if required.contains(field), !isPresent { throw QueueStateError(.missingField, field: field) }
            if !required.contains(field), isPresent { throw QueueStateError(.unexpectedField, field: field) }
        }
        switch kind {
        case .queued: self = .queued
        case .leased: self = .leased(token: leaseToken!, expiresAt: leaseExpiresAt!)
        case .waitingRetry: self = .waitingRetry(notBefore: notBefore!)
        case .delivered: self = .delivered(at: deliveredAt!)
        case .dead: self = .dead(deadReason!)
        }
    }
}

/// An error about stored queue state or queue configuration.
///
/// Errors name fields, never values, so they can be logged as they are.
public struct QueueStateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// A field the state requires is absent.
        case missingField
        /// A field the state does not use is present.
        case unexpectedField
        /// A number is outside its allowed range.
        case outOfRange
        /// Two fields disagree with each other.
        case inconsistent
    }

    /// What is wrong.
    public var code: Code
    /// The name of the field concerned, e.g. `leaseToken`.
    public var field: String

    /// Creates an error.
    public init(_ code: Code, field: String) {
        self.code = code
        self.field = field
    }

    /// `field: code`, e.g. `leaseToken: missingField`.
    public var description: String { "\(field): \(code.rawValue)" }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) * 1e-18
    }
}

extension Date {
    /// This instant moved forward by `duration`.
    func adding(_ duration: Duration) -> Date { addingTimeInterval(duration.timeInterval) }
}
