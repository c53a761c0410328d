public import LienthongCore

/// The social-insurance (BHXH / VSS) upstream contract: REST JSON over mTLS (`Contracts/upstream/vss.openapi.yaml`).
///
/// `POST /vss/v1/participants/lookup` with `X-Request-Id`, body `{ "personalId" }` or `{ "socialInsuranceNumber" }`:
/// - `200` `{ "found": true, "participant": { … } }` or `{ "found": false }`;
/// - `400` `{ "errorCode", "message" }` for a malformed request;
/// - `503` while the service is down.
///
/// The adapter encodes ``Query`` and decodes ``LookupAnswer``; the simulator does the opposite. Both sides parse
/// with the strict ``JSONValue`` parser (duplicate keys, invalid UTF-8 and the like are refused).
///
/// ```swift
/// let body = JCS.canonicalize(VSSUpstream.Query.personalID("075190012345").json)
/// let answer = try VSSUpstream.LookupAnswer(parsing: responseBytes)
/// ```
public enum VSSUpstream {
    /// Path of the lookup operation.
    public static let lookupPath = "/vss/v1/participants/lookup"

    /// A refusal of a document that does not follow the contract: the member at fault and a fixed reason, never
    /// a value from the document.
    public struct ContractError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The member at fault, e.g. `participant.since`; `body` for the document itself.
        public var field: String
        /// What is wrong (a fixed phrase).
        public var reason: String

        /// Creates an error. `reason` must be a fixed phrase.
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        /// `field: reason`.
        public var description: String { "\(field): \(reason)" }
    }

    // MARK: Request

    /// The lookup request body: exactly one of the two numbers.
    public enum Query: Sendable, Hashable {
        /// `{ "personalId": "…" }` (12 digits).
        case personalID(String)
        /// `{ "socialInsuranceNumber": "…" }` (10 digits).
        case socialInsuranceNumber(String)

        /// The request body.
        public var json: JSONValue {
            switch self {
            case .personalID(let number): .object(["personalId": .string(number)])
            case .socialInsuranceNumber(let number): .object(["socialInsuranceNumber": .string(number)])
            }
        }

        /// Parses and checks a request body strictly: one object with exactly one member, a well-formed number.
        public init(parsing bytes: some Collection<UInt8>) throws(ContractError) {
            let value: JSONValue
            do { value = try JSONValue(parsing: bytes) } catch {
                throw ContractError(field: "body", reason: "is not valid JSON")
            }
            try self.init(value)
        }

        /// Checks a parsed request body.
        public init(_ value: JSONValue) throws(ContractError) {
            guard case .object(let members) = value else { throw ContractError(field: "body", reason: "must be an object") }
            if members.keys.contains(where: { $0 != "personalId" && $0 != "socialInsuranceNumber" }) {
                throw ContractError(field: "body", reason: "has a member other than personalId and socialInsuranceNumber")
            }
            switch (members["personalId"], members["socialInsuranceNumber"]) {
            case (let number?, nil):
                guard case .string(let text) = number, (try? PersonalID(text)) != nil else {
                    throw ContractError(field: "personalId", reason: "must be a 12-digit personal id number")
                }
                self = .personalID(text)
            case (nil, let number?):
                guard case .string(let text) = number, (try? SocialInsuranceNumber(text)) != nil else {
                    throw ContractError(field: "socialInsuranceNumber", reason: "must be a 10-digit social-insurance number")
                }
                self = .socialInsuranceNumber(text)
            case (nil, nil):
                throw ContractError(field: "body", reason: "must have personalId or socialInsuranceNumber")
            case (_?, _?):
                throw ContractError(field: "body", reason: "must have only one of personalId and socialInsuranceNumber")
            }
        }

        /// Whether `participant` is the person this query asks for.
        public func matches(_ participant: Participant) -> Bool {
            switch self {
            case .personalID(let number): participant.personalId == number
            case .socialInsuranceNumber(let number): participant.socialInsuranceNumber == number
            }
        }
    }

    // MARK: Answer

    /// A participant record as the upstream returns it.
    public struct Participant: Codable, Sendable, Hashable {
        /// The 12-digit personal id number.
        public var personalId: String
        /// The 10-digit social-insurance number.
        public var socialInsuranceNumber: String
        /// Whether the person contributes now.
        public var participation: InsuranceParticipation
        /// The scheme.
        public var scheme: InsuranceScheme
        /// Since when the participation state holds, `YYYY-MM-DD`.
        public var since: String
        /// The 15-character health-insurance card code, when the person holds a card.
        public var healthInsuranceCard: String?
        /// The two-digit code of the province managing the record, e.g. `75`.
        public var provinceCode: String

        /// Creates a record.
        public init(
            personalId: String, socialInsuranceNumber: String, participation: InsuranceParticipation,
            scheme: InsuranceScheme, since: String, healthInsuranceCard: String? = nil, provinceCode: String
        ) {
            self.personalId = personalId
            self.socialInsuranceNumber = socialInsuranceNumber
            self.participation = participation
            self.scheme = scheme
            self.since = since
            self.healthInsuranceCard = healthInsuranceCard
            self.provinceCode = provinceCode
        }

        /// The record as a JSON object (`healthInsuranceCard` omitted when absent).
        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "personalId": .string(personalId),
                "socialInsuranceNumber": .string(socialInsuranceNumber),
                "participation": .string(participation.rawValue),
                "scheme": .string(scheme.rawValue),
                "since": .string(since),
                "provinceCode": .string(provinceCode),
            ]
            if let healthInsuranceCard { members["healthInsuranceCard"] = .string(healthInsuranceCard) }
            return .object(members)
        }

        /// Reads and checks a record: every required member present with the right format, the card (when given)
        /// ending with the social-insurance number. Members not in the contract are ignored.
        public init(_ value: JSONValue, path: String = "participant") throws(ContractError) {
            guard case .object(let members) = value else { throw ContractError(field: path, reason: "must be an object") }
            func string(_ name: String) throws(ContractError) -> String {
                guard case .string(let text)? = members[name] else {
                    throw ContractError(field: "\(path).\(name)", reason: "is required and must be a string")
                }
                return text
            }
            let personalId = try string("personalId")
            guard (try? PersonalID(personalId)) != nil else {
                throw ContractError(field: "\(path).personalId", reason: "must be a 12-digit personal id number")
            }
            let number = try string("socialInsuranceNumber")
            guard let socialInsuranceNumber = try? SocialInsuranceNumber(number) else {
                throw ContractError(field: "\(path).socialInsuranceNumber", reason: "must be a 10-digit social-insurance number")
            }
            guard let participation = InsuranceParticipation(rawValue: try string("participation")) else {
                throw ContractError(field: "\(path).participation", reason: "must be participating, paused or stopped")
            }
            guard let scheme = InsuranceScheme(rawValue: try string("scheme")) else {
                throw ContractError(field: "\(path).scheme", reason: "must be compulsory, voluntary or health-insurance-only")
            }
            let since = try string("since")
            guard (try? CalendarDate(iso: since)) != nil else {
                throw ContractError(field: "\(path).since", reason: "must be a date YYYY-MM-DD")
            }
            var card: String?
            switch members["healthInsuranceCard"] {
            case nil, .null?:
                break
            case .string(let text)?:
                guard let code = try? HealthInsuranceCardCode(text) else {
                    throw ContractError(field: "\(path).healthInsuranceCard", reason: "must be a 15-character health-insurance card code")
                }
                guard code.socialInsuranceNumber == socialInsuranceNumber else {
                    throw ContractError(field: "\(path).healthInsuranceCard", reason: "must end with socialInsuranceNumber")
                }
                card = text
            default:
                throw ContractError(field: "\(path).healthInsuranceCard", reason: "must be a string")
            }
            let province = try string("provinceCode")
            guard province.utf8.count == 2, province.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw ContractError(field: "\(path).provinceCode", reason: "must be 2 digits")
            }
            self.init(
                personalId: personalId, socialInsuranceNumber: number, participation: participation, scheme: scheme,
                since: since, healthInsuranceCard: card, provinceCode: province)
        }
    }

    /// The `200` answer of a lookup.
    public enum LookupAnswer: Sendable, Hashable {
        /// `{ "found": true, "participant": { … } }`.
        case found(Participant)
        /// `{ "found": false }`.
        case notFound

        /// The answer document.
        public var json: JSONValue {
            switch self {
            case .found(let participant): .object(["found": .bool(true), "participant": participant.json])
            case .notFound: .object(["found": .bool(false)])
            }
        }

        /// Parses and checks an answer strictly (`found: false` must come without a participant).
        public init(parsing bytes: some Collection<UInt8>) throws(ContractError) {
            let value: JSONValue
            do { value = try JSONValue(parsing: bytes) } catch {
                throw ContractError(field: "body", reason: "is not valid JSON")
            }
            guard case .object(let members) = value else { throw ContractError(field: "body", reason: "must be an object") }
            switch members["found"] {
            case .bool(true)?:
                guard let participant = members["participant"] else {
                    throw ContractError(field: "participant", reason: "is required when found is true")
                }
                self = .found(try Participant(participant))
            case .bool(false)?:
                if let participant = members["participant"], participant != .null {
                    throw ContractError(field: "participant", reason: "must be absent when found is false")
                }
                self = .notFound
            default:
                throw ContractError(field: "found", reason: "is required and must be a boolean")
            }
        }
    }

    /// The `4xx` / `5xx` answer body `{ "errorCode", "message" }`.
    public struct ErrorAnswer: Codable, Sendable, Hashable {
        /// A stable upper-case code, e.g. `INVALID_REQUEST`.
        public var errorCode: String
        /// A fixed human-readable explanation (never a value from the request).
        public var message: String

        /// Creates an error answer.
        public init(errorCode: String, message: String) {
            self.errorCode = errorCode
            self.message = message
        }

        /// The answer document.
        public var json: JSONValue {
            .object(["errorCode": .string(errorCode), "message": .string(message)])
        }
    }
}
