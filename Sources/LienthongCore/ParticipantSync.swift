/// Whether a person currently contributes to social insurance (tình trạng tham gia).
public enum InsuranceParticipation: String, Sendable, Codable, Hashable, CaseIterable {
    /// Contributing now (đang tham gia).
    case participating
    /// Contributions suspended for a while, e.g. a labour contract on hold (tạm dừng đóng).
    case paused
    /// Left the scheme, e.g. contract ended or one-off withdrawal (dừng tham gia).
    case stopped
}

/// The scheme a person takes part in.
public enum InsuranceScheme: String, Sendable, Codable, Hashable, CaseIterable {
    /// Compulsory social insurance, paid through an employer (BHXH bắt buộc).
    case compulsory
    /// Voluntary social insurance (BHXH tự nguyện).
    case voluntary
    /// Health insurance only, e.g. children under 6, pupils, pensioners (chỉ tham gia BHYT).
    case healthInsuranceOnly = "health-insurance-only"
}

/// Record-by-record validation of the `vss.participant-sync` message (social insurance → labour department),
/// as the receiving member system runs it before it stores anything. I/O-free.
///
/// The gateway only checks the envelope of the message (`records` is an array of objects, see
/// ``MessagePayloads``); this decides which records a receiver may use. The contract is in
/// `Contracts/services/vss.md`, "Message vss.participant-sync".
///
/// ```swift
/// let report = ParticipantSync.validate(payload, today: try CalendarDate(iso: "2025-07-01"))
/// report.accepted.count   // records to store, unchanged
/// report.refused          // [Refusal(index: 3, field: "healthInsuranceCard", reason: "…")]
/// ```
///
/// Each refused record is reported once, with the first problem found in this order:
/// 1. the record is not an object (field `record`);
/// 2. a required member is missing or `null`, or is not a string (in the order `personalId`,
///    `socialInsuranceNumber`, `fullName`, `dateOfBirth`, `sex`, `participation`, `scheme`, `since`);
/// 3. an optional member (`healthInsuranceCard`, `employer`, `economicSector`, `monthlyWageBand`) is present, not
///    `null`, and not a string;
/// 4. formats and values, member by member in the order of 2, then `healthInsuranceCard`, `employer`,
///    `economicSector`, `monthlyWageBand`;
/// 5. the personal id number disagrees with the birth year or the sex (field `personalId`);
/// 6. `dateOfBirth` is after `today`;
/// 7. `since` is before `dateOfBirth` or after `today`;
/// 8. the card's last ten digits are not `socialInsuranceNumber` (field `healthInsuranceCard`);
/// 9. the record repeats the `personalId`, then the `socialInsuranceNumber`, of an earlier record of the batch.
///
/// Duplicates are looked for among all earlier records, refused or not: when a batch carries a person twice the
/// receiver cannot tell which record is right, so the later one never gets in because the first was refused.
/// Members not listed are allowed. Reasons are fixed phrases: they never contain a value from the payload.
public enum ParticipantSync {
    /// The message type this validates.
    public static let messageType = "vss.participant-sync"

    /// Longest accepted text member (`fullName`, `employer`, `economicSector`, `monthlyWageBand`), in characters.
    public static let maxTextLength = 200

    /// Index used by refusals that concern the whole payload rather than one record.
    public static let batchIndex = -1

    /// One refused record (or, with index ``ParticipantSync/batchIndex``, a refused batch).
    public struct Refusal: Codable, Sendable, Hashable, CustomStringConvertible {
        /// Position of the record in the payload's `records` array; `-1` for the payload itself.
        public var index: Int
        /// The member at fault, e.g. `personalId`; `record` when the record is not an object; `records`, `asOf`
        /// or `payload` for a batch refusal.
        public var field: String
        /// What is wrong, as a fixed phrase without any value from the payload.
        public var reason: String

        /// Creates a refusal. `reason` must be a fixed phrase, never an input value.
        public init(index: Int, field: String, reason: String) {
            self.index = index
            self.field = field
            self.reason = reason
        }

        /// `records[index].field: reason`, or `field: reason` for a batch refusal.
        public var description: String {
            index == ParticipantSync.batchIndex ? "\(field): \(reason)" : "records[\(index)].\(field): \(reason)"
        }
    }

    /// The outcome of validating one payload.
    public struct Report: Sendable, Hashable {
        /// The accepted record objects, unchanged and in input order.
        public var accepted: [JSONValue]
        /// Positions of the accepted records in the input array (parallel to ``accepted``).
        public var acceptedIndices: [Int]
        /// One refusal per refused record, in input order; or a single batch refusal (index `-1`).
        public var refused: [Refusal]
        /// Number of records in the payload (0 when `records` is not an array).
        public var total: Int

        /// Creates a report.
        public init(accepted: [JSONValue], acceptedIndices: [Int], refused: [Refusal], total: Int) {
            self.accepted = accepted
            self.acceptedIndices = acceptedIndices
            self.refused = refused
            self.total = total
        }

        /// Whether the whole payload was refused (a refusal with index `-1`).
        public var isBatchRefused: Bool { refused.contains { $0.index == ParticipantSync.batchIndex } }
    }

    /// The required members of a record, in checking order.
    public static let requiredFields = [
        "personalId", "socialInsuranceNumber", "fullName", "dateOfBirth", "sex", "participation", "scheme", "since",
    ]
    /// The optional members of a record, in checking order.
    public static let optionalFields = ["healthInsuranceCard", "employer", "economicSector", "monthlyWageBand"]

    /// Validates a `vss.participant-sync` payload record by record.
    ///
    /// - Parameters:
    ///   - payload: the message payload `{ "records": [ … ], "asOf"?: "YYYY-MM-DD" }`.
    ///   - today: the receiver's current date; dates of birth and `since` may not be after it.
    /// - Returns: the accepted records unchanged, one refusal per refused record, and the record count. When the
    ///   payload is not an object, `records` is missing or not an array, or `asOf` is malformed or after `today`,
    ///   the report holds a single refusal with index `-1` and accepts nothing.
    public static func validate(_ payload: JSONValue, today: CalendarDate) -> Report {
        guard case .object(let members) = payload else {
            return batchRefusal(field: "payload", reason: "must be an object", total: 0)
        }
        guard let recordsValue = members["records"] else {
            return batchRefusal(field: "records", reason: "is required", total: 0)
        }
        guard case .array(let records) = recordsValue else {
            return batchRefusal(field: "records", reason: "must be an array", total: 0)
        }
        if let asOf = members["asOf"], asOf != .null {
            guard case .string(let text) = asOf, let date = try? CalendarDate(iso: text) else {
                return batchRefusal(field: "asOf", reason: "must be a date YYYY-MM-DD", total: records.count)
            }
            if date > today {
                return batchRefusal(field: "asOf", reason: "must not be after today", total: records.count)
            }
        }

        var report = Report(accepted: [], acceptedIndices: [], refused: [], total: records.count)
        var seenPersonalIDs: [String: Int] = [:]
        var seenSocialInsuranceNumbers: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            let problem = check(record, today: today)
            // Remember well-formed numbers of every record, refused or not (see the type's documentation).
            var duplicate: (field: String, earlier: Int)?
            if case .object(let fields) = record {
                if case .string(let number)? = fields["personalId"], (try? PersonalID(number)) != nil {
                    if let earlier = seenPersonalIDs[number] {
                        duplicate = ("personalId", earlier)
                    } else {
                        seenPersonalIDs[number] = index
                    }
                }
                if case .string(let number)? = fields["socialInsuranceNumber"], (try? SocialInsuranceNumber(number)) != nil {
                    if let earlier = seenSocialInsuranceNumbers[number] {
                        if duplicate == nil { duplicate = ("socialInsuranceNumber", earlier) }
                    } else {
                        seenSocialInsuranceNumbers[number] = index
                    }
                }
            }
            if let problem {
                report.refused.append(Refusal(index: index, field: problem.field, reason: problem.reason))
            } else if let duplicate {
                report.refused.append(Refusal(
                    index: index, field: duplicate.field,
                    reason: "repeats the \(duplicate.field) of record \(duplicate.earlier) of the batch"))
            } else {
                report.accepted.append(record)
                report.acceptedIndices.append(index)
            }
        }
        return report
    }

    private static func batchRefusal(field: String, reason: String, total: Int) -> Report {
        Report(accepted: [], acceptedIndices: [], refused: [Refusal(index: batchIndex, field: field, reason: reason)], total: total)
    }

    /// The first problem of one record (checks 1–8 of the type's documentation), or `nil`.
    static func check(_ record: JSONValue, today: CalendarDate) -> (field: String, reason: String)? {
        guard case .object(let fields) = record else { return ("record", "must be an object") }

        // 2. Required members present and typed.
        var text: [String: String] = [:]
        for name in requiredFields {
            switch fields[name] {
            case nil, .null?: return (name, "is required")
            case .string(let value)?: text[name] = value
            default: return (name, "must be a string")
            }
        }
        // 3. Optional members typed.
        for name in optionalFields {
            switch fields[name] {
            case nil, .null?: break
            case .string(let value)?: text[name] = value
            default: return (name, "must be a string")
            }
        }
        func value(_ name: String) -> String { text[name] ?? "" }

        // 4. Formats and values.
        let personalID: PersonalID
        do { personalID = try PersonalID(value("personalId")) } catch {
            return ("personalId", "must be a 12-digit personal id number")
        }
        let socialInsuranceNumber: SocialInsuranceNumber
        do { socialInsuranceNumber = try SocialInsuranceNumber(value("socialInsuranceNumber")) } catch {
            return ("socialInsuranceNumber", "must be a 10-digit social-insurance number")
        }
        if let reason = textProblem(value("fullName")) { return ("fullName", reason) }
        let dateOfBirth: CalendarDate
        do { dateOfBirth = try CalendarDate(iso: value("dateOfBirth")) } catch {
            return ("dateOfBirth", "must be a date YYYY-MM-DD")
        }
        guard let sex = Sex(rawValue: value("sex")) else { return ("sex", "must be male or female") }
        guard InsuranceParticipation(rawValue: value("participation")) != nil else {
            return ("participation", "must be participating, paused or stopped")
        }
        guard InsuranceScheme(rawValue: value("scheme")) != nil else {
            return ("scheme", "must be compulsory, voluntary or health-insurance-only")
        }
        let since: CalendarDate
        do { since = try CalendarDate(iso: value("since")) } catch {
            return ("since", "must be a date YYYY-MM-DD")
        }
        var card: HealthInsuranceCardCode?
        if let cardText = text["healthInsuranceCard"] {
            do { card = try HealthInsuranceCardCode(cardText) } catch {
                return ("healthInsuranceCard", "must be a 15-character health-insurance card code")
            }
        }
        for name in ["employer", "economicSector", "monthlyWageBand"] {
            if let member = text[name], let reason = textProblem(member) { return (name, reason) }
        }

        // 5–8. Consistency.
        if let first = personalID.consistencyProblems(birthYear: dateOfBirth.year, sex: sex).first {
            switch first.code {
            case .sexMismatch: return ("personalId", "does not match the sex")
            default: return ("personalId", "does not match the birth year of dateOfBirth")
            }
        }
        if dateOfBirth > today { return ("dateOfBirth", "must not be after today") }
        if since < dateOfBirth { return ("since", "must not be before dateOfBirth") }
        if since > today { return ("since", "must not be after today") }
        if let card, card.socialInsuranceNumber != socialInsuranceNumber {
            return ("healthInsuranceCard", "last 10 digits must equal socialInsuranceNumber")
        }
        return nil
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
