public import LienthongCore

// The gateway's JSON contract of `napas.verify-account` (`Contracts/services/napas.md`).

/// The kind of account of `napas.verify-account`.
public enum AccountKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A bank account (upstream `CACC`).
    case bank
    /// An e-wallet (upstream `WALT`).
    case eWallet = "e-wallet"
    /// A mobile-money account (upstream `MOMO`).
    case mobileMoney = "mobile-money"

    /// The upstream account type.
    public var upstreamType: NAPASMessages.AccountType {
        switch self {
        case .bank: .bankAccount
        case .eWallet: .eWallet
        case .mobileMoney: .mobileMoney
        }
    }
}

/// Request of `napas.verify-account`.
public struct VerifyAccountRequest: Codable, Sendable, Hashable {
    /// The 6-digit BIN of the bank, or the provider code of the e-wallet or mobile-money provider.
    public var bin: String
    /// The account number or wallet id: 1–34 of `[0-9A-Za-z]`.
    public var accountNumber: String
    /// The kind of account; `bank` when absent.
    public var accountType: AccountKind?
    /// The holder's name as the requester knows it (Vietnamese, any case, NFC or NFD).
    public var holderName: String
    /// The holder's 12-digit personal id number; when given the account servicer checks it is the holder's.
    public var personalId: String?

    /// Creates a request.
    public init(bin: String, accountNumber: String, accountType: AccountKind? = nil, holderName: String, personalId: String? = nil) {
        self.bin = bin
        self.accountNumber = accountNumber
        self.accountType = accountType
        self.holderName = holderName
        self.personalId = personalId
    }

    /// ``accountType``, `bank` when absent.
    public var kind: AccountKind { accountType ?? .bank }

    /// Checks the fields; the problem names the field, never its value.
    public func validate() throws(GatewayProblem) {
        guard NAPASMessages.isDigits(bin, count: 6) else {
            throw GatewayProblem(.badRequest, detail: "bin must be 6 digits")
        }
        guard NAPASMessages.isAccountID(accountNumber) else {
            throw GatewayProblem(.badRequest, detail: "accountNumber must be 1 to 34 letters or digits")
        }
        try ContractValidation.text(holderName, field: "holderName")
        if let personalId { _ = try ContractValidation.personalID(personalId, field: "personalId") }
    }
}

/// Answer of `napas.verify-account`.
public struct VerifyAccountResponse: Codable, Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        /// The account exists and is open, the name matches (diacritic-free) and the personal id, when given,
        /// is the holder's.
        case verified
        /// The account exists and is open, but the name or the personal id differs (see ``mismatches``).
        case nameMismatch = "name_mismatch"
        /// No such account.
        case accountNotFound = "account_not_found"
        /// The account is closed.
        case accountClosed = "account_closed"
    }

    /// A field that differs from the account servicer's records.
    public enum Field: String, Codable, Sendable, Hashable, CaseIterable {
        /// The submitted name is not the registered account name.
        case holderName
        /// The submitted personal id is not the holder's.
        case personalId
    }

    /// The outcome.
    public var status: Status
    /// The registered account name (upper-case ASCII) when the account exists and is open.
    public var registeredName: String?
    /// The differing fields, present only with `name_mismatch`.
    public var mismatches: [Field]?

    /// Creates an answer.
    public init(status: Status, registeredName: String? = nil, mismatches: [Field]? = nil) {
        self.status = status
        self.registeredName = registeredName
        self.mismatches = mismatches
    }
}
