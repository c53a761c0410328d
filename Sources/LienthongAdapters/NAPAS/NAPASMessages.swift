public import Foundation
import LienthongCore

/// The NAPAS upstream's JSON messages (`Contracts/upstream/napas.openapi.yaml`), shaped on ISO 20022
/// acmt.023 IdentificationVerificationRequest → acmt.024 IdentificationVerificationReport.
///
/// `POST /napas/v1/identification-verification` with headers `Request-ID` (UUID) and `X-JWS-Signature`
/// (detached ES256 JWS over the body, see ``DetachedJWS``); every answer, errors included, is signed too.
public enum NAPASMessages {
    /// The request path.
    public static let path = "/napas/v1/identification-verification"
    /// The request id header (a UUID, echoed on the answer).
    public static let requestIDHeader = "Request-ID"
    /// Longest ISO 20022 `Max35Text` identifier (`msgId`, verification `id`, `memberId`).
    public static let maxIdentifierLength = 35
    /// Longest account identifier.
    public static let maxAccountIdLength = 34
    /// Longest party name (`Max140Text`).
    public static let maxPartyNameLength = 140
    /// Longest registered account name.
    public static let maxAccountNameLength = 50

    /// The kind of account (ISO 20022 cash account type codes; `WALT`, `MOMO` for e-wallets and mobile money).
    public enum AccountType: String, Codable, Sendable, Hashable, CaseIterable {
        /// A bank current account.
        case bankAccount = "CACC"
        /// An e-wallet.
        case eWallet = "WALT"
        /// A mobile-money account.
        case mobileMoney = "MOMO"
    }

    /// Why a verification is `false` (ISO 20022 external verification reason codes).
    public enum ReasonCode: String, Codable, Sendable, Hashable, CaseIterable {
        /// No such account.
        case noSuchAccount = "AC01"
        /// The account is closed.
        case closedAccount = "AC04"
        /// The personal id given is not the account holder's.
        case inconsistentWithEndCustomer = "BE01"
    }

    /// acmt.023 `Assgnmt`.
    public struct Assignment: Codable, Sendable, Hashable {
        /// `MsgId`: unique message id, 1–35 characters.
        public var msgId: String
        /// `CreDtTm`: creation time, RFC 3339.
        public var creDtTm: String
        /// `Assgnr`: who asks.
        public var assigner: Assigner
        /// `Assgne`: the account servicer asked.
        public var assignee: Assignee

        /// Creates an assignment.
        public init(msgId: String, creDtTm: String, assigner: Assigner, assignee: Assignee) {
            self.msgId = msgId
            self.creDtTm = creDtTm
            self.assigner = assigner
            self.assignee = assignee
        }
    }

    /// The requesting member.
    public struct Assigner: Codable, Sendable, Hashable {
        /// The requester's member id at the switch, 1–35 characters.
        public var memberId: String

        /// Creates an assigner.
        public init(memberId: String) {
            self.memberId = memberId
        }
    }

    /// The account servicer (bank, e-wallet or mobile-money provider).
    public struct Assignee: Codable, Sendable, Hashable {
        /// The 6-digit provider code (a bank's BIN).
        public var providerCode: String

        /// Creates an assignee.
        public init(providerCode: String) {
            self.providerCode = providerCode
        }
    }

    /// acmt.023 `PrvtId`: a person's identification.
    public struct PrivateID: Codable, Sendable, Hashable {
        /// The 12-digit personal id number.
        public var id: String
        /// Always `NIDN` (national identity number).
        public var scheme: String

        /// Creates a private id with scheme `NIDN`.
        public init(id: String, scheme: String = "NIDN") {
            self.id = id
            self.scheme = scheme
        }
    }

    /// acmt.023 `Pty`: the party claimed to hold the account.
    public struct Party: Codable, Sendable, Hashable {
        /// The holder's name as the requester knows it (NFC, any case, diacritics allowed).
        public var name: String
        /// The holder's personal id number, when known.
        public var privateId: PrivateID?

        /// Creates a party.
        public init(name: String, privateId: PrivateID? = nil) {
            self.name = name
            self.privateId = privateId
        }
    }

    /// acmt.023 `Acct`: the account to verify.
    public struct Account: Codable, Sendable, Hashable {
        /// The account number or wallet id, 1–34 of `[0-9A-Za-z]`.
        public var id: String
        /// The kind of account.
        public var type: AccountType

        /// Creates an account.
        public init(id: String, type: AccountType) {
            self.id = id
            self.type = type
        }
    }

    /// acmt.023 `Vrfctn`: one verification.
    public struct Verification: Codable, Sendable, Hashable {
        /// `Id`: the verification's id, echoed as `report.originalId`, 1–35 characters.
        public var id: String
        /// The claimed holder.
        public var party: Party
        /// The account.
        public var account: Account

        /// Creates a verification.
        public init(id: String, party: Party, account: Account) {
            self.id = id
            self.party = party
            self.account = account
        }
    }

    /// The request body (acmt.023).
    public struct VerificationRequest: Codable, Sendable, Hashable {
        /// The message header.
        public var assignment: Assignment
        /// The verification asked for.
        public var verification: Verification

        /// Creates a request.
        public init(assignment: Assignment, verification: Verification) {
            self.assignment = assignment
            self.verification = verification
        }

        /// The dotted path of the first field that breaks the contract (beyond JSON types), `nil` when valid.
        /// Names the field only, never its value.
        public func invalidField() -> String? {
            func identifier(_ s: String) -> Bool {
                !s.isEmpty && s.count <= NAPASMessages.maxIdentifierLength
                    && !s.unicodeScalars.contains { $0.properties.generalCategory == .control }
            }
            if !identifier(assignment.msgId) { return "assignment.msgId" }
            if NAPASMessages.parseTimestamp(assignment.creDtTm) == nil { return "assignment.creDtTm" }
            if !identifier(assignment.assigner.memberId) { return "assignment.assigner.memberId" }
            if !NAPASMessages.isDigits(assignment.assignee.providerCode, count: 6) { return "assignment.assignee.providerCode" }
            if !identifier(verification.id) { return "verification.id" }
            let name = verification.party.name
            if name.allSatisfy(\.isWhitespace) || name.count > NAPASMessages.maxPartyNameLength
                || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            {
                return "verification.party.name"
            }
            if let privateId = verification.party.privateId {
                if (try? PersonalID(privateId.id)) == nil { return "verification.party.privateId.id" }
                if privateId.scheme != "NIDN" { return "verification.party.privateId.scheme" }
            }
            if !NAPASMessages.isAccountID(verification.account.id) { return "verification.account.id" }
            return nil
        }
    }

    /// acmt.024 `Assgnmt` of the answer.
    public struct ReportAssignment: Codable, Sendable, Hashable {
        /// The answer's own message id.
        public var msgId: String
        /// When the answer was created, RFC 3339.
        public var creDtTm: String

        /// Creates an assignment.
        public init(msgId: String, creDtTm: String) {
            self.msgId = msgId
            self.creDtTm = creDtTm
        }
    }

    /// acmt.024 `UpdtdPtyAndAcctId`: what the account servicer holds.
    public struct UpdatedPartyAndAccount: Codable, Sendable, Hashable {
        /// The registered account name: upper-case ASCII, at most 50 characters.
        public var accountName: String
        /// Always `open` (closed accounts are reported with reason `AC04` and no block).
        public var accountStatus: String

        /// Creates the block.
        public init(accountName: String, accountStatus: String = "open") {
            self.accountName = accountName
            self.accountStatus = accountStatus
        }
    }

    /// acmt.024 `Rpt`: the outcome of one verification.
    public struct Report: Codable, Sendable, Hashable {
        /// `OrgnlId`: the request's `verification.id`.
        public var originalId: String
        /// `Vrfctn`: `true` when the account exists, is open and, when a personal id was given, it is the holder's.
        /// The name is not judged by the switch: the requester compares it with ``UpdatedPartyAndAccount/accountName``.
        public var verification: Bool
        /// `Rsn`: why `verification` is `false`.
        public var reason: ReasonCode?
        /// The registered account; present when the account exists and is open.
        public var updatedPartyAndAccount: UpdatedPartyAndAccount?

        /// Creates a report.
        public init(originalId: String, verification: Bool, reason: ReasonCode? = nil, updatedPartyAndAccount: UpdatedPartyAndAccount? = nil) {
            self.originalId = originalId
            self.verification = verification
            self.reason = reason
            self.updatedPartyAndAccount = updatedPartyAndAccount
        }
    }

    /// The `200` answer body (acmt.024).
    public struct VerificationReport: Codable, Sendable, Hashable {
        /// The answer's header.
        public var assignment: ReportAssignment
        /// The outcome.
        public var report: Report

        /// Creates an answer.
        public init(assignment: ReportAssignment, report: Report) {
            self.assignment = assignment
            self.report = report
        }
    }

    /// The body of `400`, `401`, `500` and `503` answers.
    public struct ErrorAnswer: Codable, Sendable, Hashable {
        /// A fixed code: see ``ErrorCode``.
        public var errorCode: String
        /// A fixed explanation, naming a field at most, never a value.
        public var message: String

        /// Creates an error answer.
        public init(errorCode: String, message: String) {
            self.errorCode = errorCode
            self.message = message
        }
    }

    /// The error codes of ``ErrorAnswer``.
    public enum ErrorCode {
        /// `400`: the body or the `Request-ID` breaks the contract.
        public static let formatError = "FORMAT_ERROR"
        /// `401`: the request's signature is missing or does not verify.
        public static let signatureInvalid = "SIGNATURE_INVALID"
        /// `500`: the switch failed.
        public static let internalError = "INTERNAL_ERROR"
        /// `503`: the switch or the account servicer is unavailable.
        public static let serviceUnavailable = "SERVICE_UNAVAILABLE"
    }

    // MARK: Field rules shared by the adapter and the simulator

    /// Whether `s` is exactly `count` ASCII digits.
    public static func isDigits(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Whether `s` is an account id: 1–34 of `[0-9A-Za-z]`.
    public static func isAccountID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxAccountIdLength
            && s.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            }
    }

    /// Whether `s` is a registered account name: 1–50 of upper-case ASCII letters, digits, space and `.,'&()/-`,
    /// starting with a letter or digit.
    public static func isAccountName(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= maxAccountNameLength else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) }
        return alnum(first) && s.utf8.allSatisfy { c in alnum(c) || Array(" .,'&()/-".utf8).contains(c) }
    }

    /// An RFC 3339 timestamp in UTC with milliseconds, e.g. `2026-11-29T20:04:07.123Z`.
    public static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Parses an RFC 3339 timestamp (with or without fractional seconds, `Z` or an offset).
    public static func parseTimestamp(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// A fresh 32-hex-digit id for `msgId` and verification `id` (fits `Max35Text`).
    public static func newIdentifier() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
