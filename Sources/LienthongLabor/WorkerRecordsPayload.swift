public import LienthongCore

/// Decoding of message payloads into labour records: one record of a `labor.worker-records` message (industrial-zone
/// board → labour department), and the social-insurance fact of an accepted `vss.participant-sync` record.
///
/// A `labor.worker-records` record is a JSON object with lowerCamelCase members:
///
/// | member | type | |
/// |---|---|---|
/// | `personalId` | 12-digit string | required |
/// | `fullName` | string (≤ 200 characters) | required |
/// | `dateOfBirth` | `YYYY-MM-DD` | required |
/// | `sex` | `male` / `female` | required |
/// | `ethnicity` | string | optional |
/// | `districtCode` | 3 digits | required |
/// | `communeCode` | 5 digits | required |
/// | `area` | ``AreaType`` code | required |
/// | `education` | ``EducationLevel`` code | optional (default `none`) |
/// | `qualification` | ``Qualification`` code | optional (default `none`) |
/// | `fieldOfStudy` | string | optional |
/// | `employmentStatus` | ``EmploymentStatus`` code | required |
/// | `jobTitle`, `position`, `workplace` | string | optional |
/// | `establishment` | ``EstablishmentType`` code | optional |
/// | `sector` | VSIC section letter `A`…`U` | optional |
/// | `previousJob` | string | optional |
/// | `unemploymentMonths` | whole number 0…600 | optional |
/// | `inactivityReason` | ``InactivityReason`` code | optional |
/// | `wantsTraining`, `wantsJob` | boolean | optional |
/// | `incomeBand` | ``IncomeBand`` code | optional (default `unknown`) |
/// | `socialInsurance` | ``SocialInsuranceParticipation`` code | optional (default `none`) |
/// | `asOf` | `YYYY-MM-DD` | required |
///
/// Enum members take the raw codes exactly (`"employed"`, `"lowerSecondary"`, `"C"`), not labels. `null` is the
/// same as an absent member. Members not listed are ignored.
///
/// Problems are reported in this order, the first one only: the record is not an object (field `record`); a
/// required member missing (`is required`) or of the wrong JSON type, in the order of the table; an optional member
/// of the wrong type; formats and codes in the order of the table; the personal id number against the birth year and
/// the sex (field `personalId`); `dateOfBirth` after `asOf`. Reasons are fixed phrases, never a value.
public enum WorkerRecordsPayload {
    /// The message type of worker records.
    public static let messageType = "labor.worker-records"

    /// Longest accepted text member, in characters.
    public static let maxTextLength = 200
    /// Longest accepted unemployment duration, in months.
    public static let maxUnemploymentMonths = 600

    /// Why a record was refused: the member at fault and a fixed phrase (never the value).
    public struct RecordRefusal: Error, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The member at fault, e.g. `dateOfBirth`; `record` when the record is not an object.
        public var field: String
        /// What is wrong, as a fixed phrase.
        public var reason: String

        /// Creates a refusal. `reason` must be a fixed phrase.
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        /// `field: reason`.
        public var description: String { "\(field): \(reason)" }
    }

    /// The required string members, in checking order.
    public static let requiredFields = [
        "personalId", "fullName", "dateOfBirth", "sex", "districtCode", "communeCode", "area", "employmentStatus", "asOf",
    ]
    /// The optional string members, in checking order.
    public static let optionalTextFields = [
        "ethnicity", "education", "qualification", "fieldOfStudy", "jobTitle", "position", "workplace",
        "establishment", "sector", "previousJob", "inactivityReason", "incomeBand", "socialInsurance",
    ]

    /// Decodes one record of a `labor.worker-records` payload (see the type's documentation).
    ///
    /// - Parameters:
    ///   - record: one element of the payload's `records`.
    ///   - source: where the record came from (``WorkerRecordSource/industrialZone`` for this message).
    public static func workerRecord(from record: JSONValue, source: WorkerRecordSource) -> Result<WorkerRecord, RecordRefusal> {
        guard case .object(let fields) = record else { return refuse("record", "must be an object") }

        var text: [String: String] = [:]
        for name in requiredFields {
            switch fields[name] {
            case nil, .null?: return refuse(name, "is required")
            case .string(let value)?: text[name] = value
            default: return refuse(name, "must be a string")
            }
        }
        for name in optionalTextFields {
            switch fields[name] {
            case nil, .null?: break
            case .string(let value)?: text[name] = value
            default: return refuse(name, "must be a string")
            }
        }
        var months: Int?
        switch fields["unemploymentMonths"] {
        case nil, .null?: break
        case .number(let value)?:
            guard value.rounded() == value, value >= 0, value <= Double(maxUnemploymentMonths) else {
                return refuse("unemploymentMonths", "must be a whole number from 0 to \(maxUnemploymentMonths)")
            }
            months = Int(value)
        default: return refuse("unemploymentMonths", "must be a number")
        }
        var flags: [String: Bool] = [:]
        for name in ["wantsTraining", "wantsJob"] {
            switch fields[name] {
            case nil, .null?: break
            case .bool(let value)?: flags[name] = value
            default: return refuse(name, "must be a boolean")
            }
        }
        func value(_ name: String) -> String { text[name] ?? "" }

        // Formats and codes, in table order.
        guard let personalID = try? PersonalID(value("personalId")) else {
            return refuse("personalId", "must be a 12-digit personal id number")
        }
        if let reason = textProblem(value("fullName")) { return refuse("fullName", reason) }
        guard let dateOfBirth = try? CalendarDate(iso: value("dateOfBirth")) else {
            return refuse("dateOfBirth", "must be a date YYYY-MM-DD")
        }
        guard let sex = Sex(rawValue: value("sex")) else { return refuse("sex", "must be male or female") }
        if let ethnicity = text["ethnicity"], let reason = textProblem(ethnicity) { return refuse("ethnicity", reason) }
        guard isDigits(value("districtCode"), count: 3) else { return refuse("districtCode", "must be 3 digits") }
        guard isDigits(value("communeCode"), count: 5) else { return refuse("communeCode", "must be 5 digits") }
        guard let area = AreaType(rawValue: value("area")) else { return refuse("area", codesReason(AreaType.self)) }
        var education = EducationLevel.none
        if let code = text["education"] {
            guard let parsed = EducationLevel(rawValue: code) else {
                return refuse("education", codesReason(EducationLevel.self))
            }
            education = parsed
        }
        var qualification = Qualification.none
        if let code = text["qualification"] {
            guard let parsed = Qualification(rawValue: code) else {
                return refuse("qualification", codesReason(Qualification.self))
            }
            qualification = parsed
        }
        if let field = text["fieldOfStudy"], let reason = textProblem(field) { return refuse("fieldOfStudy", reason) }
        guard let status = EmploymentStatus(rawValue: value("employmentStatus")) else {
            return refuse("employmentStatus", codesReason(EmploymentStatus.self))
        }
        for name in ["jobTitle", "position", "workplace"] {
            if let member = text[name], let reason = textProblem(member) { return refuse(name, reason) }
        }
        var establishment: EstablishmentType?
        if let code = text["establishment"] {
            guard let parsed = EstablishmentType(rawValue: code) else {
                return refuse("establishment", codesReason(EstablishmentType.self))
            }
            establishment = parsed
        }
        var sector: EconomicSector?
        if let code = text["sector"] {
            guard let parsed = EconomicSector(rawValue: code), parsed.rawValue == code else {
                return refuse("sector", "must be a VSIC section letter A to U")
            }
            sector = parsed
        }
        if let member = text["previousJob"], let reason = textProblem(member) { return refuse("previousJob", reason) }
        var inactivityReason: InactivityReason?
        if let code = text["inactivityReason"] {
            guard let parsed = InactivityReason(rawValue: code) else {
                return refuse("inactivityReason", codesReason(InactivityReason.self))
            }
            inactivityReason = parsed
        }
        var incomeBand = IncomeBand.unknown
        if let code = text["incomeBand"] {
            guard let parsed = IncomeBand(rawValue: code) else { return refuse("incomeBand", codesReason(IncomeBand.self)) }
            incomeBand = parsed
        }
        var socialInsurance = SocialInsuranceParticipation.none
        if let code = text["socialInsurance"] {
            guard let parsed = SocialInsuranceParticipation(rawValue: code) else {
                return refuse("socialInsurance", codesReason(SocialInsuranceParticipation.self))
            }
            socialInsurance = parsed
        }
        guard let asOf = try? CalendarDate(iso: value("asOf")) else { return refuse("asOf", "must be a date YYYY-MM-DD") }

        // Consistency.
        if let problem = personalID.consistencyProblems(birthYear: dateOfBirth.year, sex: sex).first {
            return refuse("personalId", problem.code == .sexMismatch ? "does not match the sex"
                                                                      : "does not match the birth year of dateOfBirth")
        }
        if dateOfBirth > asOf { return refuse("dateOfBirth", "must not be after asOf") }

        return .success(WorkerRecord(
            personalID: personalID, fullName: VietnameseName.normalized(value("fullName")), dateOfBirth: dateOfBirth,
            sex: sex, ethnicity: text["ethnicity"], districtCode: value("districtCode"),
            communeCode: value("communeCode"), area: area, education: education, qualification: qualification,
            fieldOfStudy: text["fieldOfStudy"], employmentStatus: status, jobTitle: text["jobTitle"],
            position: text["position"], workplace: text["workplace"], establishment: establishment, sector: sector,
            previousJob: text["previousJob"], unemploymentMonths: months, inactivityReason: inactivityReason,
            wantsTraining: flags["wantsTraining"], wantsJob: flags["wantsJob"], incomeBand: incomeBand,
            socialInsurance: socialInsurance, asOf: asOf, source: source))
    }

    /// The social-insurance fact of one accepted `vss.participant-sync` record (see ``ParticipantSync``): someone
    /// `participating` in the `compulsory` scheme → ``SocialInsuranceParticipation/compulsory``, in the `voluntary`
    /// scheme → ``SocialInsuranceParticipation/voluntary``; `paused`, `stopped`, or `health-insurance-only` →
    /// ``SocialInsuranceParticipation/none``.
    ///
    /// - Parameters:
    ///   - record: a record that ``ParticipantSync/validate(_:today:)`` accepted.
    ///   - asOf: the date the fact describes (the message's `asOf`, or the day it was received).
    /// - Returns: `nil` when the record lacks a valid `personalId`, `participation` or `scheme`.
    public static func socialInsuranceUpdate(fromParticipantSync record: JSONValue, asOf: CalendarDate) -> SocialInsuranceUpdate? {
        guard case .object(let fields) = record,
              case .string(let number)? = fields["personalId"], let personalID = try? PersonalID(number),
              case .string(let participationText)? = fields["participation"],
              let participation = InsuranceParticipation(rawValue: participationText),
              case .string(let schemeText)? = fields["scheme"],
              let scheme = InsuranceScheme(rawValue: schemeText) else { return nil }
        let result: SocialInsuranceParticipation
        switch (participation, scheme) {
        case (.participating, .compulsory): result = .compulsory
        case (.participating, .voluntary): result = .voluntary
        default: result = .none
        }
        return SocialInsuranceUpdate(personalID: personalID, participation: result, asOf: asOf)
    }

    private static func refuse(_ field: String, _ reason: String) -> Result<WorkerRecord, RecordRefusal> {
        .failure(RecordRefusal(field: field, reason: reason))
    }

    private static func codesReason<T: CaseIterable & RawRepresentable>(_ type: T.Type) -> String where T.RawValue == String {
        "must be one of " + type.allCases.map(\.rawValue).joined(separator: ", ")
    }

    private static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Why a text member is unacceptable, or `nil`.
    private static func textProblem(_ text: String) -> String? {
        if text.allSatisfy(\.isWhitespace) { return "must not be empty" }
        if text.count > maxTextLength { return "must have at most \(maxTextLength) characters" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }
}
