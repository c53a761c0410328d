import Crypto
public import Foundation
public import LienthongCore

/// The message types of the account-opening flow (SPEC §4).
public enum AccountOpeningMessageType {
    /// `asxh.account-opening-request` (labour → bank), modelled on ISO 20022 acmt.007 AccountOpeningRequest.
    public static let request = "asxh.account-opening-request"
    /// `asxh.account-opening-result` (bank → labour), modelled on acmt.010 AccountRequestAcknowledgement and
    /// acmt.011 AccountRequestRejection.
    public static let result = "asxh.account-opening-result"
}

/// The `outcome` of an `asxh.account-opening-result`, in the order a bank sends them.
public enum AccountOpeningOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The request was received and registered (acmt.010, status received).
    case acknowledged
    /// The account was opened (acmt.010 with the opened account's `AcctId`).
    case opened
    /// The request was refused (acmt.011 with a reason).
    case rejected
    /// The payment card of the opened account was handed over.
    case cardDelivered = "card-delivered"
}

/// The parts of an acmt.007-shaped `asxh.account-opening-request` a simulated bank uses.
///
/// Holds the personal id and the date of birth because the bank's rules need them; its `description` shows
/// neither (only the request reference), so it can be interpolated into logs safely.
public struct AccountOpeningRequest: Sendable, Hashable, CustomStringConvertible {
    /// `requestRef` (acmt.007 `Refs/PrcId`): the sender's reference of the opening process.
    public var requestRef: String
    /// `bank.bin` (acmt.007 account servicer): the 6-digit BIN of the bank asked to open the account.
    public var bin: String
    /// `person.personalId` (party identification, scheme NIDN).
    public var personalID: PersonalID
    /// `person.dateOfBirth`.
    public var dateOfBirth: CalendarDate
    /// Whether an `authorisedPerson` block (the guardian acting for a minor) is present.
    public var hasAuthorisedPerson: Bool

    /// Creates a request summary.
    public init(requestRef: String, bin: String, personalID: PersonalID, dateOfBirth: CalendarDate, hasAuthorisedPerson: Bool) {
        self.requestRef = requestRef
        self.bin = bin
        self.personalID = personalID
        self.dateOfBirth = dateOfBirth
        self.hasAuthorisedPerson = hasAuthorisedPerson
    }

    /// Reads a payload, checking it against the message contract (``MessagePayloads``) first.
    ///
    /// - Throws: ``MessagePayloads/Problem`` naming the JSON path of the first bad member, never its value.
    public init(payload: JSONValue) throws(MessagePayloads.Problem) {
        try MessagePayloads.validate(type: AccountOpeningMessageType.request, payload: payload)
        // The contract check above guarantees every member read below exists with the right shape.
        guard case .object(let root) = payload,
              case .string(let requestRef)? = root["requestRef"],
              case .object(let bank)? = root["bank"], case .string(let bin)? = bank["bin"],
              case .object(let person)? = root["person"],
              case .string(let personalID)? = person["personalId"], let id = try? PersonalID(personalID),
              case .string(let dateOfBirth)? = person["dateOfBirth"], let born = try? CalendarDate(iso: dateOfBirth)
        else {
            throw MessagePayloads.Problem(path: "payload", reason: "does not match the contract")
        }
        let authorised: Bool
        switch root["authorisedPerson"] {
        case .none, .null?: authorised = false
        case .some: authorised = true
        }
        self.init(requestRef: requestRef, bin: bin, personalID: id, dateOfBirth: born, hasAuthorisedPerson: authorised)
    }

    /// `AccountOpeningRequest(requestRef: …)`: the reference only.
    public var description: String { "AccountOpeningRequest(requestRef: \(requestRef))" }
}

/// The deterministic rules of the simulated bank: decisions, account numbers, result message ids and dates.
///
/// Everything here is a pure function of its arguments, so a bank restarted after a crash makes the same
/// decisions and derives the same ids, and the gateway sees a resent result as the same message.
public enum BankRules {
    /// An acmt.011-shaped rejection reason: a code of at most 8 characters and a fixed text.
    public struct Rejection: Sendable, Hashable, Codable {
        /// The reason code (`reasonCode`; the acmt.011 rejection reason code).
        public var code: String
        /// The reason text (`reason`; the acmt.011 additional information); never holds personal data.
        public var text: String

        /// Creates a reason.
        public init(code: String, text: String) {
            self.code = code
            self.text = text
        }

        /// `MINR`: the applicant is under the minimum age and no authorised person acts for them.
        public static let minor = Rejection(code: "MINR", text: "applicant under 15 without an authorised person")
        /// `DUPL`: the same person is already the subject of another opening request at this bank.
        public static let duplicate = Rejection(code: "DUPL", text: "an account opening for this person is already in progress")
        /// `KYCF`: the know-your-customer check failed (a seeded share of requests).
        public static let kycFailed = Rejection(code: "KYCF", text: "identity documents could not be checked")

        /// Every reason the simulator can give.
        public static let all: [Rejection] = [.minor, .duplicate, .kycFailed]
    }

    /// What the bank decides for one request.
    public enum Decision: Sendable, Hashable {
        /// Open the account with this 12-digit number.
        case open(accountID: String)
        /// Refuse with this reason.
        case reject(Rejection)

        /// The outcome sent for the decision.
        public var outcome: AccountOpeningOutcome {
            switch self {
            case .open: .opened
            case .reject: .rejected
            }
        }
    }

    /// The age from which a person may open an account alone.
    public static let minimumAge = 15

    /// Decides a request, in this order: `MINR` (under ``minimumAge`` on `today` with no authorised person),
    /// `DUPL` (`isDuplicatePerson`: the personal id was first seen under another request reference), `KYCF`
    /// (a share `kycFailureShare` of requests, chosen by a hash of `seed`, the BIN and the request reference,
    /// so independent of arrival order), otherwise open.
    public static func decide(
        _ request: AccountOpeningRequest, today: CalendarDate, isDuplicatePerson: Bool, seed: UInt64, kycFailureShare: Double
    ) -> Decision {
        if request.dateOfBirth.age(on: today) < minimumAge && !request.hasAuthorisedPerson { return .reject(.minor) }
        if isDuplicatePerson { return .reject(.duplicate) }
        if kycFailureShare > 0, unitInterval(seed: seed, bin: request.bin, requestRef: request.requestRef) < kycFailureShare {
            return .reject(.kycFailed)
        }
        return .open(accountID: accountID(bin: request.bin, requestRef: request.requestRef))
    }

    /// The 12-digit account number opened for `requestRef` at `bin`: SHA-256 of `"<bin>|<requestRef>"`, first
    /// 8 bytes big-endian, modulo 10¹², left-padded with zeros.
    public static func accountID(bin: String, requestRef: String) -> String {
        let value = leadingUInt64(SHA256.hash(data: Array("\(bin)|\(requestRef)".utf8))) % 1_000_000_000_000
        let text = String(value)
        return String(repeating: "0", count: 12 - text.count) + text
    }

    /// The message id of the result with `outcome` answering the request message `requestMessageID`: a UUID
    /// (version 8, RFC 9562 variant) made of the first 16 bytes of SHA-256 of
    /// `"lienthong.bank-sim.result|<lower-case request id>|<outcome>"`.
    public static func resultMessageID(requestMessageID: UUID, outcome: AccountOpeningOutcome) -> UUID {
        let text = "lienthong.bank-sim.result|\(requestMessageID.uuidString.lowercased())|\(outcome.rawValue)"
        var bytes = Array(SHA256.hash(data: Array(text.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Today's date in Vietnam (UTC+7, no daylight saving time).
    public static func today(now: Date = Date()) -> CalendarDate {
        CalendarDate.inVietnam(secondsSince1970: now.timeIntervalSince1970)
    }

    /// A digest of a personal id, so that the bank can recognise a person again without keeping the number.
    static func personKey(_ id: PersonalID, seed: UInt64) -> String {
        Data(SHA256.hash(data: Array("\(seed)|\(id.digits)".utf8))).base64EncodedString()
    }

    /// A number in [0, 1) derived from the seed, the BIN and the request reference.
    static func unitInterval(seed: UInt64, bin: String, requestRef: String) -> Double {
        let value = leadingUInt64(SHA256.hash(data: Array("kyc|\(seed)|\(bin)|\(requestRef)".utf8)))
        return Double(value >> 11) * 0x1.0p-53
    }

    private static func leadingUInt64(_ digest: SHA256.Digest) -> UInt64 {
        digest.prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }
}
