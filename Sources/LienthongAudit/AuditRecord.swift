public import Crypto
public import LienthongCore

/// The outcome of an audited decision (SPEC §5).
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The action succeeded.
    case ok
    /// The action was refused (authentication, authorisation, validation).
    case denied
    /// The action failed (upstream or internal error).
    case error
}

/// What a caller records: one decision of the gateway (SPEC §5). The store adds `seq`, `ts`,
/// `subject`, `prev` and `hash`.
///
/// ```swift
/// let record = try await store.append(AuditEvent(
///     actor: "GOV:000000001:LDTBXH", user: "officer-17", action: "service-call",
///     target: "population.lookup", ref: requestID, purpose: "asxh-eligibility",
///     outcome: .ok, status: 200, subjectPersonalID: personalID))
/// ```
///
/// `subjectPersonalID` is personal data: it is only ever HMAC-ed into `subject` and never stored,
/// logged or printed (``description`` omits it).
public struct AuditEvent: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Member id of the caller, or `operator`.
    public var actor: String
    /// The end user (X-User-Id), empty when none.
    public var user: String
    /// What happened (`service-call`, `message-accepted`, `connection-refused`, ...).
    public var action: String
    /// Service code or message type, empty when none.
    public var target: String
    /// Request or message id, empty when none.
    public var ref: String
    /// Declared purpose, empty when none.
    public var purpose: String
    /// The outcome.
    public var outcome: AuditOutcome
    /// The HTTP status (0 when none applies).
    public var status: Int
    /// The personal id number the decision concerns, if any. Never stored: only its keyed hash is.
    public var subjectPersonalID: String?

    /// Creates an event; absent textual fields are empty strings.
    public init(
        actor: String, user: String = "", action: String, target: String = "", ref: String = "",
        purpose: String = "", outcome: AuditOutcome, status: Int, subjectPersonalID: String? = nil
    ) {
        self.actor = actor
        self.user = user
        self.action = action
        self.target = target
        self.ref = ref
        self.purpose = purpose
        self.outcome = outcome
        self.status = status
        self.subjectPersonalID = subjectPersonalID
    }

    /// A description without the personal id.
    public var description: String {
        "AuditEvent(actor: \(actor), action: \(action), target: \(target), ref: \(ref), outcome: \(outcome.rawValue), "
            + "status: \(status), subject: \(subjectPersonalID == nil ? "none" : "redacted"))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// One audit log record, exactly the SPEC §5 fields.
///
/// Absent textual fields (`user`, `target`, `ref`, `purpose`, `subject`) are empty strings, never
/// missing or `null`, so every record has the same 13 members. `hash` is the lowercase hex SHA-256 of
/// the RFC 8785 canonical JSON of the other 12 members; `prev` is the previous record's `hash`
/// (``genesisHash`` for `seq` 1).
public struct AuditRecord: Codable, Sendable, Equatable, Hashable {
    /// 1, 2, 3, ... without gaps.
    public var seq: Int64
    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-29T17:04:40.123Z`.
    public var ts: String
    /// Member id or `operator`.
    public var actor: String
    /// X-User-Id, empty when none.
    public var user: String
    /// What happened.
    public var action: String
    /// Service code or message type, empty when none.
    public var target: String
    /// Request or message id, empty when none.
    public var ref: String
    /// Declared purpose, empty when none.
    public var purpose: String
    /// `ok`, `denied` or `error` (encoded as that string).
    public var outcome: AuditOutcome
    /// The HTTP status.
    public var status: Int
    /// First 32 hex digits of HMAC-SHA256(audit key, personal id), empty when none.
    public var subject: String
    /// The previous record's hash (64 zeros for the first record).
    public var prev: String
    /// Lowercase hex SHA-256 of the canonical JSON of the record without `hash`.
    public var hash: String

    /// The `prev` of the first record: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Creates a record from all its fields (no validation: see ``AuditVerifier``).
    public init(
        seq: Int64, ts: String, actor: String, user: String, action: String, target: String, ref: String,
        purpose: String, outcome: AuditOutcome, status: Int, subject: String, prev: String, hash: String
    ) {
        self.seq = seq
        self.ts = ts
        self.actor = actor
        self.user = user
        self.action = action
        self.target = target
        self.ref = ref
        self.purpose = purpose
        self.outcome = outcome
        self.status = status
        self.subject = subject
        self.prev = prev
        self.hash = hash
    }

    /// The member names, in RFC 8785 order, with `hash`.
    public static let memberNames = [
        "action", "actor", "hash", "outcome", "prev", "purpose", "ref", "seq", "status", "subject", "target", "ts", "user",
    ]

    /// Appends the RFC 8785 canonical JSON of this record to `out`, with or without `hash`.
    ///
    /// Equal to `JCS.canonicalize` of the record as a JSON object (members are written directly in
    /// UTF-16 order: all names are ASCII).
    public func appendCanonicalJSON(to out: inout [UInt8], includingHash: Bool) {
        @inline(__always) func member(_ name: StaticString, _ first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        out.append(UInt8(ascii: "{"))
        member("action", true); JCS.appendString(action, to: &out)
        member("actor"); JCS.appendString(actor, to: &out)
        if includingHash { member("hash"); JCS.appendString(hash, to: &out) }
        member("outcome"); JCS.appendString(outcome.rawValue, to: &out)
        member("prev"); JCS.appendString(prev, to: &out)
        member("purpose"); JCS.appendString(purpose, to: &out)
        member("ref"); JCS.appendString(ref, to: &out)
        member("seq"); JCS.appendInteger(seq, to: &out)
        member("status"); JCS.appendInteger(Int64(status), to: &out)
        member("subject"); JCS.appendString(subject, to: &out)
        member("target"); JCS.appendString(target, to: &out)
        member("ts"); JCS.appendString(ts, to: &out)
        member("user"); JCS.appendString(user, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// The canonical JSON bytes of the record without `hash` (the hashed bytes).
    public var canonicalBytesWithoutHash: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        appendCanonicalJSON(to: &out, includingHash: false)
        return out
    }

    /// The record as a ``JSONValue`` object (with `hash`), e.g. for generic JCS tooling.
    public var jsonValue: JSONValue {
        .object([
            "seq": .number(Double(seq)), "ts": .string(ts), "actor": .string(actor), "user": .string(user),
            "action": .string(action), "target": .string(target), "ref": .string(ref), "purpose": .string(purpose),
            "outcome": .string(outcome.rawValue), "status": .number(Double(status)), "subject": .string(subject),
            "prev": .string(prev), "hash": .string(hash),
        ])
    }

    /// Computes the hash of the record's content (ignores the stored `hash`).
    public func computeHash() -> String {
        Hex.encode(SHA256.hash(data: canonicalBytesWithoutHash))
    }

    /// Whether `hash` matches the content, using `scratch` as a reusable encoding buffer.
    func hashMatches(scratch: inout [UInt8]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        appendCanonicalJSON(to: &scratch, includingHash: false)
        let digest = SHA256.hash(data: scratch)
        return digest.withUnsafeBytes { Hex.equals($0, hash) }
    }
}

/// Computes the `subject` field: the first 32 hex digits (128 bits) of HMAC-SHA256(key, personal id).
///
/// The personal id is hashed as given (UTF-8); callers normalise it first (e.g. a validated 12-digit
/// CCCD). Without the key, a subject cannot be linked back to a person.
public struct SubjectHasher: Sendable {
    private let key: SymmetricKey

    /// Creates a hasher with the configured audit subject key.
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The `subject` for `personalID`: 32 lowercase hex digits, or `""` when `nil` or empty.
    public func subject(personalID: String?) -> String {
        guard let personalID, !personalID.isEmpty else { return "" }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(personalID.utf8), using: key)
        return Hex.encode(mac, prefix: 16)
    }
}

/// The hash chain head and the rule that builds the next record (I/O-free).
public struct AuditChain: Sendable, Hashable {
    /// The `seq` of the last record (0 when the log is empty).
    public private(set) var lastSeq: Int64
    /// The `hash` of the last record (``AuditRecord/genesisHash`` when the log is empty).
    public private(set) var lastHash: String

    /// Creates a chain continuing after the given head.
    public init(lastSeq: Int64 = 0, lastHash: String = AuditRecord.genesisHash) {
        self.lastSeq = lastSeq
        self.lastHash = lastHash
    }

    /// Builds the next record from `event`, stamps it with `ts`, links and hashes it, and advances the head.
    public mutating func append(_ event: AuditEvent, ts: String, subjectHasher: SubjectHasher) -> AuditRecord {
        var record = AuditRecord(
            seq: lastSeq + 1, ts: ts, actor: event.actor, user: event.user, action: event.action,
            target: event.target, ref: event.ref, purpose: event.purpose, outcome: event.outcome,
            status: event.status, subject: subjectHasher.subject(personalID: event.subjectPersonalID),
            prev: lastHash, hash: "")
        record.hash = record.computeHash()
        lastSeq = record.seq
        lastHash = record.hash
        return record
    }
}
