public import LienthongCore
public import LienthongSOAP

// The gateway's JSON contracts of the three population services (`Contracts/services/population.md`).
// Keys are lowerCamelCase, dates `YYYY-MM-DD`, ids strings.

/// Request of `population.verify-citizen`.
public struct VerifyCitizenRequest: Codable, Sendable, Hashable {
    /// The 12-digit personal id number.
    public var personalId: String
    /// Full name as submitted.
    public var fullName: String
    /// Date of birth, `YYYY-MM-DD`, or a year alone `YYYY` when the submitter's register holds only the year (older
    /// registers of people with meritorious service); a year alone is compared with the register's year.
    public var dateOfBirth: String
    /// Hometown (quê quán); compared only when given.
    public var hometown: String?
    /// Permanent residence (nơi thường trú); compared only when given.
    public var permanentResidence: String?

    /// Creates a request.
    public init(personalId: String, fullName: String, dateOfBirth: String, hometown: String? = nil, permanentResidence: String? = nil) {
        self.personalId = personalId
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.hometown = hometown
        self.permanentResidence = permanentResidence
    }

    /// Checks the fields; the problem names the field, never its value.
    public func validate() throws(GatewayProblem) {
        _ = try ContractValidation.personalID(personalId, field: "personalId")
        try ContractValidation.text(fullName, field: "fullName")
        if Self.birthYear(dateOfBirth) == nil { _ = try ContractValidation.date(dateOfBirth, field: "dateOfBirth", orYear: true) }
        if let hometown { try ContractValidation.text(hometown, field: "hometown") }
        if let permanentResidence { try ContractValidation.text(permanentResidence, field: "permanentResidence") }
    }

    /// The year of a year-only `dateOfBirth` (four digits, 1800–2199); `nil` for anything else.
    public static func birthYear(_ text: String) -> Int? {
        guard text.utf8.count == 4, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let year = Int(text),
              (1800...2199).contains(year) else { return nil }
        return year
    }
}

/// A field compared by `population.verify-citizen`.
public enum VerifiedField: String, Codable, Sendable, Hashable, CaseIterable {
    /// Full name.
    case fullName
    /// Date of birth.
    case dateOfBirth
    /// Hometown.
    case hometown
    /// Permanent residence.
    case permanentResidence
}

/// A difference between the submitted identity and the register.
public struct FieldMismatch: Codable, Sendable, Hashable {
    /// Which field differs.
    public var field: VerifiedField
    /// The value submitted.
    public var submitted: String
    /// The register's value (NFC).
    public var registered: String

    /// Creates a mismatch.
    public init(field: VerifiedField, submitted: String, registered: String) {
        self.field = field
        self.submitted = submitted
        self.registered = registered
    }
}

/// Answer of `population.verify-citizen`.
public struct VerifyCitizenResponse: Codable, Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable {
        /// Every compared field agrees with the register.
        case matched
        /// At least one compared field differs (see ``VerifyCitizenResponse/mismatches``).
        case mismatch
        /// The number is not in the register.
        case notFound = "not_found"
    }

    /// The outcome.
    public var status: Status
    /// The differing fields; empty unless `status` is `mismatch`.
    public var mismatches: [FieldMismatch]

    /// Creates an answer.
    public init(status: Status, mismatches: [FieldMismatch] = []) {
        self.status = status
        self.mismatches = mismatches
    }

    /// Compares a request with the register's record (names and places Vietnamese-aware, date exact; a year-only
    /// submitted date is compared with the register's year, and a difference reports the register's full date).
    public static func compare(_ request: VerifyCitizenRequest, with record: PopulationSOAP.Citizen) -> VerifyCitizenResponse {
        var mismatches: [FieldMismatch] = []
        func compareText(_ field: VerifiedField, _ submitted: String?, _ registered: String?) {
            guard let submitted else { return }
            let registeredValue = registered ?? ""
            if registered == nil || !VietnameseName.sameName(submitted, registeredValue) {
                mismatches.append(FieldMismatch(field: field, submitted: submitted, registered: VietnameseName.normalized(registeredValue)))
            }
        }
        compareText(.fullName, request.fullName, record.fullName)
        let registered = try? CalendarDate(iso: record.dateOfBirth)
        let registeredDate = registered?.iso ?? record.dateOfBirth
        let differs: Bool
        if let year = VerifyCitizenRequest.birthYear(request.dateOfBirth) {
            differs = registered?.year != year
        } else {
            differs = ((try? CalendarDate(iso: request.dateOfBirth))?.iso ?? request.dateOfBirth) != registeredDate
        }
        if differs {
            mismatches.append(FieldMismatch(field: .dateOfBirth, submitted: request.dateOfBirth, registered: registeredDate))
        }
        compareText(.hometown, request.hometown, record.hometown)
        compareText(.permanentResidence, request.permanentResidence, record.permanentResidence)
        return VerifyCitizenResponse(status: mismatches.isEmpty ? .matched : .mismatch, mismatches: mismatches)
    }
}

/// Request of `population.lookup-citizen`.
public struct LookupCitizenRequest: Codable, Sendable, Hashable {
    /// The 12-digit personal id number.
    public var personalId: String

    /// Creates a request.
    public init(personalId: String) {
        self.personalId = personalId
    }

    /// Checks the fields; the problem names the field, never its value.
    public func validate() throws(GatewayProblem) {
        _ = try ContractValidation.personalID(personalId, field: "personalId")
    }
}

/// A field a lookup may return, chosen by purpose.
public enum CitizenField: String, Codable, Sendable, Hashable, CaseIterable {
    /// Full name.
    case fullName
    /// Date of birth.
    case dateOfBirth
    /// Sex.
    case sex
    /// Hometown.
    case hometown
    /// Permanent residence.
    case permanentResidence
}

/// The minimal identity record of `population.lookup-citizen`; absent fields were not granted to the purpose.
public struct CitizenSummary: Codable, Sendable, Hashable {
    /// The personal id number (always present: the caller sent it).
    public var personalId: String
    /// Full name (NFC).
    public var fullName: String?
    /// Date of birth, `YYYY-MM-DD`.
    public var dateOfBirth: String?
    /// Sex.
    public var sex: Sex?
    /// Hometown (NFC).
    public var hometown: String?
    /// Permanent residence (NFC).
    public var permanentResidence: String?

    /// Creates a summary.
    public init(
        personalId: String, fullName: String? = nil, dateOfBirth: String? = nil, sex: Sex? = nil,
        hometown: String? = nil, permanentResidence: String? = nil
    ) {
        self.personalId = personalId
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.hometown = hometown
        self.permanentResidence = permanentResidence
    }

    /// The register's record reduced to `fields`.
    public init(_ record: PopulationSOAP.Citizen, fields: Set<CitizenField>) {
        self.personalId = record.personalID
        self.fullName = fields.contains(.fullName) ? VietnameseName.normalized(record.fullName) : nil
        self.dateOfBirth = fields.contains(.dateOfBirth) ? record.dateOfBirth : nil
        self.sex = fields.contains(.sex) ? record.sex : nil
        self.hometown = fields.contains(.hometown) ? record.hometown.map(VietnameseName.normalized) : nil
        self.permanentResidence =
            fields.contains(.permanentResidence) ? record.permanentResidence.map(VietnameseName.normalized) : nil
    }
}

/// Answer of `population.lookup-citizen`.
public struct LookupCitizenResponse: Codable, Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable {
        /// The number is in the register.
        case found
        /// The number is not in the register.
        case notFound = "not_found"
    }

    /// The outcome.
    public var status: Status
    /// The record, limited by purpose; absent when not found.
    public var citizen: CitizenSummary?

    /// Creates an answer.
    public init(status: Status, citizen: CitizenSummary? = nil) {
        self.status = status
        self.citizen = citizen
    }
}

/// Which fields each purpose may receive from `population.lookup-citizen`.
///
/// ```swift
/// guard let fields = PurposePolicy.standard.fields(for: purpose) else { /* 403 forbidden */ }
/// ```
public struct PurposePolicy: Sendable, Hashable {
    /// Purpose code → granted fields.
    public var table: [String: Set<CitizenField>]

    /// Creates a policy from a table.
    public init(_ table: [String: Set<CitizenField>]) {
        self.table = table
    }

    /// The built-in table:
    /// - `asxh.verify-beneficiary`: all five fields;
    /// - `asxh.verify-account`: full name and date of birth (to compare with the account holder);
    /// - `labor.analysis`: date of birth, sex, permanent residence (no name).
    public static let standard = PurposePolicy([
        "asxh.verify-beneficiary": Set(CitizenField.allCases),
        "asxh.verify-account": [.fullName, .dateOfBirth],
        "labor.analysis": [.dateOfBirth, .sex, .permanentResidence],
    ])

    /// The fields granted to `purpose`, or `nil` for an unknown purpose (the caller refuses with 403).
    public func fields(for purpose: String) -> Set<CitizenField>? {
        table[purpose]
    }
}

/// Request of `population.request-personal-id`: a child without a number.
public struct RequestPersonalIDRequest: Codable, Sendable, Hashable {
    /// The child's full name.
    public var fullName: String
    /// Date of birth, `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// Sex.
    public var sex: Sex
    /// The father's or the mother's full name.
    public var parentName: String
    /// Where the birth was registered.
    public var birthRegistrationPlace: String

    /// Creates a request.
    public init(fullName: String, dateOfBirth: String, sex: Sex, parentName: String, birthRegistrationPlace: String) {
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.parentName = parentName
        self.birthRegistrationPlace = birthRegistrationPlace
    }

    /// Checks the fields; the problem names the field, never its value.
    public func validate() throws(GatewayProblem) {
        try ContractValidation.text(fullName, field: "fullName")
        _ = try ContractValidation.date(dateOfBirth, field: "dateOfBirth")
        try ContractValidation.text(parentName, field: "parentName")
        try ContractValidation.text(birthRegistrationPlace, field: "birthRegistrationPlace")
    }
}

/// Answer of `population.request-personal-id`.
public struct RequestPersonalIDResponse: Codable, Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable {
        /// One child matched; ``RequestPersonalIDResponse/personalId`` holds the number.
        case matched
        /// No child matched.
        case notFound = "not_found"
    }

    /// The outcome.
    public var status: Status
    /// The number, when matched.
    public var personalId: String?

    /// Creates an answer.
    public init(status: Status, personalId: String? = nil) {
        self.status = status
        self.personalId = personalId
    }
}

/// Field checks and JSON decoding for the contracts, raising `bad-request` problems that name fields only.
public enum ContractValidation {
    /// Longest accepted name or place, in characters.
    public static let maxTextLength = 200

    /// A 12-digit personal id number.
    public static func personalID(_ text: String, field: String) throws(GatewayProblem) -> PersonalID {
        do {
            return try PersonalID(text, field: field)
        } catch {
            throw GatewayProblem(.badRequest, detail: "\(field) must be a 12-digit personal id number")
        }
    }

    /// A `YYYY-MM-DD` date; `orYear` names the year-only form in the problem for fields that accept it.
    public static func date(_ text: String, field: String, orYear: Bool = false) throws(GatewayProblem) -> CalendarDate {
        do {
            return try CalendarDate(iso: text, field: field)
        } catch {
            throw GatewayProblem(.badRequest, detail: "\(field) must be a date YYYY-MM-DD\(orYear ? " or a year YYYY" : "")")
        }
    }

    /// A non-empty name or place of bounded length.
    public static func text(_ text: String, field: String) throws(GatewayProblem) {
        if text.allSatisfy(\.isWhitespace) { throw GatewayProblem(.badRequest, detail: "\(field) is required") }
        if text.count > maxTextLength {
            throw GatewayProblem(.badRequest, detail: "\(field) is longer than \(maxTextLength) characters")
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw GatewayProblem(.badRequest, detail: "\(field) contains control characters")
        }
    }
}
