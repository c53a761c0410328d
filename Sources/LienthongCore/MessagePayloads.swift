/// The payload contracts of the message types (SPEC §4), checked when a message is accepted.
///
/// Checks are structural (required members, JSON types, formats of ids and dates); a refusal names the JSON path
/// of the offending member, never its value. Members not listed are allowed, so senders can add fields before
/// the contract lists them. Record-level business rules (e.g. the VSS sync's per-record checks) belong to the
/// receiving member system, not to the gateway.
public enum MessagePayloads {
    /// A refusal: the JSON path and what is wrong.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// JSON path such as `payload.person.personalId`.
        public var path: String
        /// What is wrong, without the value.
        public var reason: String
        /// `path: reason`.
        public var description: String { "\(path): \(reason)" }

        /// Creates a refusal.
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// The shape of a member.
    indirect enum Shape: Sendable {
        case string(maxLength: Int)
        case personalID
        case date
        case yearMonth
        case bin
        case oneOf(Set<String>)
        case nonNegativeInteger
        case object(required: [String: Shape], optional: [String: Shape])
        case array(of: Shape, maxItems: Int)
    }

    static let person: Shape = .object(
        required: ["fullName": .string(maxLength: 200), "personalId": .personalID, "dateOfBirth": .date],
        optional: ["sex": .oneOf(["male", "female"]), "permanentResidence": .string(maxLength: 500), "phone": .string(maxLength: 20)])

    /// The contracts, by message type.
    static let shapes: [String: Shape] = [
        "asxh.account-opening-request": .object(
            required: ["requestRef": .string(maxLength: 64), "bank": .object(required: ["bin": .bin], optional: [:]), "person": person],
            optional: [
                "account": .object(required: [:], optional: ["type": .oneOf(["bank", "e-wallet", "mobile-money"]), "currency": .oneOf(["VND"])]),
                "category": .string(maxLength: 64), "authorisedPerson": person,
            ]),
        "asxh.account-opening-result": .object(
            required: ["requestRef": .string(maxLength: 64), "outcome": .oneOf(["acknowledged", "opened", "rejected", "card-delivered"])],
            optional: [
                "accountId": .string(maxLength: 34), "reason": .string(maxLength: 200), "reasonCode": .string(maxLength: 8),
                "acknowledgedMessageId": .string(maxLength: 64), "on": .date,
            ]),
        "asxh.beneficiary-list": .object(
            required: [
                "period": .yearMonth,
                "payees": .array(of: .object(
                    required: ["personalId": .personalID, "fullName": .string(maxLength: 200), "accountId": .string(maxLength: 34),
                               "bin": .bin, "amount": .nonNegativeInteger],
                    optional: ["category": .string(maxLength: 64)]), maxItems: 100_000),
            ],
            optional: [:]),
        "vss.participant-sync": .object(required: ["records": .array(of: .object(required: [:], optional: [:]), maxItems: 100_000)], optional: [:]),
        "labor.worker-records": .object(required: ["records": .array(of: .object(required: [:], optional: [:]), maxItems: 100_000)], optional: [:]),
    ]

    /// Checks `payload` against the contract of `type`.
    public static func validate(type: String, payload: JSONValue) throws(Problem) {
        guard let shape = shapes[type] else { throw Problem(path: "type", reason: "unknown message type") }
        try check(payload, against: shape, at: "payload")
    }

    private static func check(_ value: JSONValue, against shape: Shape, at path: String) throws(Problem) {
        switch shape {
        case .string(let maxLength):
            guard case .string(let s) = value, !s.isEmpty, s.count <= maxLength else {
                throw Problem(path: path, reason: "must be a non-empty string of at most \(maxLength) characters")
            }
        case .personalID:
            guard case .string(let s) = value, (try? PersonalID(s)) != nil else {
                throw Problem(path: path, reason: "must be a 12-digit personal id number")
            }
        case .date:
            guard case .string(let s) = value, (try? CalendarDate(iso: s)) != nil else {
                throw Problem(path: path, reason: "must be a date YYYY-MM-DD")
            }
        case .yearMonth:
            guard case .string(let s) = value, (try? CalendarDate(iso: s + "-01")) != nil, s.count == 7 else {
                throw Problem(path: path, reason: "must be a period YYYY-MM")
            }
        case .bin:
            guard case .string(let s) = value, s.count == 6, s.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw Problem(path: path, reason: "must be a 6-digit BIN")
            }
        case .oneOf(let allowed):
            guard case .string(let s) = value, allowed.contains(s) else {
                throw Problem(path: path, reason: "must be one of \(allowed.sorted().joined(separator: ", "))")
            }
        case .nonNegativeInteger:
            guard case .number(let n) = value, n >= 0, n == n.rounded(), n <= 9_007_199_254_740_991 else {
                throw Problem(path: path, reason: "must be a non-negative integer")
            }
        case .object(let required, let optional):
            guard case .object(let members) = value else { throw Problem(path: path, reason: "must be an object") }
            for (key, shape) in required.sorted(by: { $0.key < $1.key }) {
                guard let member = members[key] else { throw Problem(path: "\(path).\(key)", reason: "is required") }
                try check(member, against: shape, at: "\(path).\(key)")
            }
            for (key, shape) in optional.sorted(by: { $0.key < $1.key }) {
                if let member = members[key], member != .null { try check(member, against: shape, at: "\(path).\(key)") }
            }
        case .array(let element, let maxItems):
            guard case .array(let items) = value else { throw Problem(path: path, reason: "must be an array") }
            guard items.count <= maxItems else { throw Problem(path: path, reason: "must have at most \(maxItems) items") }
            for (i, item) in items.enumerated() { try check(item, against: element, at: "\(path)[\(i)]") }
        }
    }
}
