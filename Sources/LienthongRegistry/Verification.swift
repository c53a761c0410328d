public import LienthongCore

/// A field the population database compares and returns (raw values as in the population contracts).
public enum RegisteredField: String, Sendable, Hashable, Codable, CaseIterable {
    /// Họ, tên đệm, tên.
    case fullName
    /// Ngày tháng năm sinh.
    case dateOfBirth
    /// Giới tính.
    case sex
    /// Quê quán.
    case hometown
    /// Nơi đăng ký thường trú.
    case permanentResidence
}

/// A field where the list and the register differ, with the register's value. The plan (appendix 1, step 3) keeps
/// such rows and records them with the register's values, and reports the difference to the commune.
/// `description` is redacted.
public struct FieldDifference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which field.
    public var field: RegisteredField
    /// The register's value (NFC), which the registry records and uses.
    public var registered: String

    /// Creates a difference.
    public init(field: RegisteredField, registered: String) {
        self.field = field
        self.registered = registered
    }

    /// The field name only.
    public var description: String { "FieldDifference(\(field.rawValue), redacted)" }
}

/// The outcome of checking one row against the population database (SPEC §6).
///
/// JSON: `{"status":"matched"}`, `{"status":"mismatch","differences":[{"field":"fullName","registered":"…"}]}`,
/// `{"status":"not_found"}`, `{"status":"invalid","findings":[…]}`,
/// `{"status":"number_assigned","personalId":"…"}`. `description` names the status and fields only.
public enum VerificationStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Every compared field agrees with the register.
    case matched
    /// The person was found but fields differ; the register's values are recorded and used.
    case mismatch([FieldDifference])
    /// The number is not in the register: the row is returned to the commune (plan appendix 1, step 3).
    case notFound
    /// The row was not sent: blocking data-quality findings.
    case invalid([Finding])
    /// A child without a number: `population.request-personal-id` found the child and returned this number.
    case numberAssigned(PersonalID)

    /// The stable status code: `matched`, `mismatch`, `not_found`, `invalid`, `number_assigned`.
    public var code: String {
        switch self {
        case .matched: "matched"
        case .mismatch: "mismatch"
        case .notFound: "not_found"
        case .invalid: "invalid"
        case .numberAssigned: "number_assigned"
        }
    }

    /// The status and, for a mismatch, the differing field names.
    public var description: String {
        switch self {
        case .mismatch(let differences): "mismatch(\(differences.map(\.field.rawValue).joined(separator: ",")))"
        case .invalid(let findings): "invalid(\(findings.map(\.code.rawValue).joined(separator: ",")))"
        default: code
        }
    }

    private enum CodingKeys: String, CodingKey {
        case status, differences, findings, personalId
    }

    /// Decodes the JSON form above.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let status = try container.decode(String.self, forKey: .status)
        switch status {
        case "matched": self = .matched
        case "mismatch": self = .mismatch(try container.decode([FieldDifference].self, forKey: .differences))
        case "not_found": self = .notFound
        case "invalid": self = .invalid(try container.decode([Finding].self, forKey: .findings))
        case "number_assigned": self = .numberAssigned(try container.decode(PersonalID.self, forKey: .personalId))
        default:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "unknown verification status")
        }
    }

    /// Encodes the JSON form above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .status)
        switch self {
        case .mismatch(let differences): try container.encode(differences, forKey: .differences)
        case .invalid(let findings): try container.encode(findings, forKey: .findings)
        case .numberAssigned(let id): try container.encode(id, forKey: .personalId)
        case .matched, .notFound: break
        }
    }
}

/// What a run recorded for one row: the identity verification and, when decided, the payment channel.
public struct RowOutcome: Sendable, Hashable, Codable {
    /// The row number in the list.
    public var row: Int
    /// The personal id number used (or assigned), when there is one.
    public var personalID: PersonalID?
    /// The identity verification outcome.
    public var verification: VerificationStatus
    /// The payment decision for the period, when an account run has decided it.
    public var payment: PaymentDecision?

    /// Creates an outcome.
    public init(row: Int, personalID: PersonalID?, verification: VerificationStatus, payment: PaymentDecision? = nil) {
        self.row = row
        self.personalID = personalID
        self.verification = verification
        self.payment = payment
    }

    /// The outcome of a row that was not sent because of blocking findings.
    public init(assessment: RowAssessment) {
        self.init(row: assessment.row, personalID: nil,
                  verification: .invalid(assessment.findings.filter { $0.severity == .blocking }))
    }
}
