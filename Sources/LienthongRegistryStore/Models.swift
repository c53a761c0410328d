public import Foundation
public import LienthongCore
public import LienthongRegistry

/// The row counts of an imported batch.
public struct BatchCounts: Sendable, Hashable, Codable {
    /// Data rows read (empty rows are skipped and not counted).
    public var total: Int
    /// Rows with a number, to verify against the population database (`population.verify-citizen`).
    public var toVerify: Int
    /// Children without a number, for `population.request-personal-id`.
    public var toRequestPersonalID: Int
    /// Rows with a blocking finding, returned to the commune.
    public var returnedToCommune: Int
    /// Rows with at least one warning (whatever their disposition).
    public var withWarnings: Int

    /// Creates counts.
    public init(total: Int = 0, toVerify: Int = 0, toRequestPersonalID: Int = 0, returnedToCommune: Int = 0,
                withWarnings: Int = 0) {
        self.total = total
        self.toVerify = toVerify
        self.toRequestPersonalID = toRequestPersonalID
        self.returnedToCommune = returnedToCommune
        self.withWarnings = withWarnings
    }
}

/// Where a batch stands.
public enum BatchStatus: String, Sendable, Hashable, Codable {
    /// Imported; no verification result recorded yet.
    case imported
    /// Some, not all, rows to verify have a result.
    case verifying
    /// Every row to verify (or to request a number for) has a result.
    case verified
}

/// An imported list (a batch): its id, where it came from and its counts.
public struct BatchSummary: Sendable, Hashable, Codable {
    /// The batch id (a lower-case UUID).
    public var id: String
    /// The file's name as given to the import.
    public var fileName: String
    /// When the import committed (millisecond precision).
    public var importedAt: Date
    /// The officer (user id) who imported it.
    public var importedBy: String
    /// The day ages were measured against.
    public var referenceDate: CalendarDate
    /// The row counts.
    public var counts: BatchCounts
    /// The verification status.
    public var status: BatchStatus

    /// Creates a summary.
    public init(id: String, fileName: String, importedAt: Date, importedBy: String, referenceDate: CalendarDate,
                counts: BatchCounts, status: BatchStatus) {
        self.id = id
        self.fileName = fileName
        self.importedAt = importedAt
        self.importedBy = importedBy
        self.referenceDate = referenceDate
        self.counts = counts
        self.status = status
    }
}

/// One call the verification run has to make: what `population.verify-citizen` (``Kind/verify``) or
/// `population.request-personal-id` (``Kind/requestPersonalID``) needs for a row. Values are the list's, parsed
/// and normalised. `description` is redacted.
public struct VerificationTask: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which call.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `population.verify-citizen` with ``VerificationTask/personalID``.
        case verify
        /// `population.request-personal-id` for a child without a number.
        case requestPersonalID = "request-personal-id"
    }

    /// The row number in the list.
    public var row: Int
    /// Which call.
    public var kind: Kind
    /// The number to verify (``Kind/verify``), `nil` for a request.
    public var personalID: PersonalID?
    /// Họ và tên.
    public var fullName: String?
    /// Ngày sinh (full for a request).
    public var dateOfBirth: BirthDate?
    /// Giới tính.
    public var sex: Sex?
    /// Quê quán (compared only when given).
    public var hometown: String?
    /// Nơi thường trú as one text (compared only when given).
    public var permanentResidence: String?
    /// A parent's or guardian's name (request).
    public var parentName: String?
    /// Nơi đăng ký khai sinh (request).
    public var birthRegistrationPlace: String?

    /// Creates a task.
    public init(row: Int, kind: Kind, personalID: PersonalID?, fullName: String?, dateOfBirth: BirthDate?, sex: Sex?,
                hometown: String?, permanentResidence: String?, parentName: String?, birthRegistrationPlace: String?) {
        self.row = row
        self.kind = kind
        self.personalID = personalID
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.hometown = hometown
        self.permanentResidence = permanentResidence
        self.parentName = parentName
        self.birthRegistrationPlace = birthRegistrationPlace
    }

    /// Redacted: the row and kind only.
    public var description: String { "VerificationTask(row \(row), \(kind.rawValue), redacted)" }
}

/// How far a batch's verification run is.
public struct VerificationProgress: Sendable, Hashable, Codable {
    /// The batch.
    public var batch: String
    /// Rows to verify or to request a number for.
    public var total: Int
    /// Of those, rows with a result.
    public var done: Int
    /// Results by status code (``VerificationStatus/code``: `matched`, `mismatch`, `not_found`, `invalid`,
    /// `number_assigned`).
    public var byStatus: [String: Int]
    /// Rows returned to the commune at import (never sent).
    public var returnedToCommune: Int

    /// Rows still without a result.
    public var pending: Int { total - done }

    /// Creates a progress value.
    public init(batch: String, total: Int, done: Int, byStatus: [String: Int], returnedToCommune: Int) {
        self.batch = batch
        self.total = total
        self.done = done
        self.byStatus = byStatus
        self.returnedToCommune = returnedToCommune
    }
}

/// One account to verify for a payment period (`napas.verify-account`). `description` is redacted.
public struct AccountCheckTask: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// The period, `YYYY-MM`.
    public var period: String
    /// The bank's BIN, `nil` when the list names no known bank (e-wallet or mobile-money providers).
    public var bin: String?
    /// The account (or wallet) number.
    public var accountNumber: String
    /// The account type, `nil` when not known.
    public var accountType: AccountType?
    /// Who holds the account.
    public var payee: Payee
    /// The holder's name: the authorised person's, else the beneficiary's (register's value when it differed).
    public var holderName: String?
    /// The holder's personal id number, when known.
    public var holderPersonalID: PersonalID?

    /// Creates a task.
    public init(row: Int, period: String, bin: String?, accountNumber: String, accountType: AccountType?, payee: Payee,
                holderName: String?, holderPersonalID: PersonalID?) {
        self.row = row
        self.period = period
        self.bin = bin
        self.accountNumber = accountNumber
        self.accountType = accountType
        self.payee = payee
        self.holderName = holderName
        self.holderPersonalID = holderPersonalID
    }

    /// Redacted: the row and period only.
    public var description: String { "AccountCheckTask(row \(row), \(period), redacted)" }
}

/// The payment decision of one verified row for a period.
public struct RowPaymentDecision: Sendable, Hashable, Codable {
    /// The row number in the list.
    public var row: Int
    /// The decision (``PaymentChannel``).
    public var decision: PaymentDecision
    /// This period's account verification, `nil` when none.
    public var accountCheck: AccountVerification?
    /// The bank concerned: the account's bank, or for ``AccountStatus/needsAccount`` the bank asked to open one
    /// (the row's bank, else the store's default bank); `nil` when none.
    public var bankBIN: String?

    /// Creates a decision.
    public init(row: Int, decision: PaymentDecision, accountCheck: AccountVerification?, bankBIN: String?) {
        self.row = row
        self.decision = decision
        self.accountCheck = accountCheck
        self.bankBIN = bankBIN
    }
}

/// A person block of `asxh.account-opening-request`. `description` is redacted.
public struct OpeningPerson: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Full name (NFC).
    public var fullName: String
    /// The personal id number.
    public var personalID: PersonalID
    /// The full date of birth; `nil` when the list gives none (only a year, or an authorised person, whose date of
    /// birth lists do not carry): the request cannot be built until it is known.
    public var dateOfBirth: CalendarDate?
    /// Sex, when known.
    public var sex: Sex?
    /// Permanent residence as one text, when known.
    public var permanentResidence: String?
    /// Phone, when known.
    public var phone: String?

    /// Creates a person block.
    public init(fullName: String, personalID: PersonalID, dateOfBirth: CalendarDate?, sex: Sex? = nil,
                permanentResidence: String? = nil, phone: String? = nil) {
        self.fullName = fullName
        self.personalID = personalID
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.permanentResidence = permanentResidence
        self.phone = phone
    }

    /// Redacted.
    public var description: String { "OpeningPerson(redacted)" }
}

/// An account opening to request from a bank (`asxh.account-opening-request`, Contracts/services/bank.md).
/// `description` is redacted.
public struct OpeningTask: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The deterministic reference of the opening: `asxh-<batch id>-<row>`.
    public var requestRef: String
    /// The batch.
    public var batch: String
    /// The row number in the list.
    public var row: Int
    /// The period whose payment decision asked for it.
    public var period: String
    /// The bank asked: the row's bank, else the store's default bank; `nil` when there is neither.
    public var bankBIN: String?
    /// The beneficiary (the register's values where they differed from the list).
    public var person: OpeningPerson
    /// The authorised person or guardian, when the list names one with a personal id number.
    public var authorisedPerson: OpeningPerson?
    /// Who the payment decision names as payee.
    public var payee: Payee
    /// The beneficiary's first category code (``BeneficiaryCategory`` raw value), when known.
    public var category: String?

    /// Creates a task.
    public init(requestRef: String, batch: String, row: Int, period: String, bankBIN: String?, person: OpeningPerson,
                authorisedPerson: OpeningPerson?, payee: Payee, category: String?) {
        self.requestRef = requestRef
        self.batch = batch
        self.row = row
        self.period = period
        self.bankBIN = bankBIN
        self.person = person
        self.authorisedPerson = authorisedPerson
        self.payee = payee
        self.category = category
    }

    /// Redacted: the reference and row only.
    public var description: String { "OpeningTask(\(requestRef), row \(row), redacted)" }

    /// The `asxh.account-opening-request` payload, checked against the message contract (``MessagePayloads``).
    ///
    /// - Throws: ``RegistryStoreError`` `invalidArgument` naming the JSON member that is missing (no bank, a
    ///   date of birth that is not a full date); never a value.
    public func requestPayload() throws(RegistryStoreError) -> JSONValue {
        guard let bankBIN else { throw RegistryStoreError(.invalidArgument, detail: "payload.bank.bin: no bank for the row") }
        var root: [String: JSONValue] = [
            "requestRef": .string(requestRef),
            "bank": .object(["bin": .string(bankBIN)]),
            "account": .object(["type": .string("bank"), "currency": .string("VND")]),
            "person": try Self.block(person, path: "payload.person"),
        ]
        if let category { root["category"] = .string(category) }
        if let authorisedPerson { root["authorisedPerson"] = try Self.block(authorisedPerson, path: "payload.authorisedPerson") }
        let payload = JSONValue.object(root)
        do {
            try MessagePayloads.validate(type: "asxh.account-opening-request", payload: payload)
        } catch {
            throw RegistryStoreError(.invalidArgument, detail: error.description)
        }
        return payload
    }

    private static func block(_ person: OpeningPerson, path: String) throws(RegistryStoreError) -> JSONValue {
        guard let born = person.dateOfBirth else {
            throw RegistryStoreError(.invalidArgument, detail: "\(path).dateOfBirth: no full date of birth")
        }
        var members: [String: JSONValue] = [
            "fullName": .string(person.fullName), "personalId": .string(person.personalID.digits),
            "dateOfBirth": .string(born.iso),
        ]
        if let sex = person.sex { members["sex"] = .string(sex == .male ? "male" : "female") }
        if let residence = person.permanentResidence { members["permanentResidence"] = .string(residence) }
        if let phone = person.phone { members["phone"] = .string(phone) }
        return .object(members)
    }
}

/// A bank's answer about an account opening (`asxh.account-opening-result` `outcome`).
public enum OpeningOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The bank received the request.
    case acknowledged
    /// The account was opened (`accountId`).
    case opened
    /// The bank refused (`reasonCode`, `reason`).
    case rejected
    /// The card was delivered (`accountId`).
    case cardDelivered = "card-delivered"
}

/// Where an account opening stands: `requested → acknowledged → opened | rejected → card-delivered`.
public enum OpeningStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Sent to the bank; no answer yet.
    case requested
    /// The bank acknowledged it.
    case acknowledged
    /// The account was opened.
    case opened
    /// The bank refused.
    case rejected
    /// The card was delivered.
    case cardDelivered = "card-delivered"

    var rank: Int {
        switch self {
        case .requested: 0
        case .acknowledged: 1
        case .opened, .rejected: 2
        case .cardDelivered: 3
        }
    }
}

/// One account opening as tracked. `description` is redacted.
public struct OpeningRecord: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The request reference.
    public var requestRef: String
    /// The batch.
    public var batch: String
    /// The row number in the list.
    public var row: Int
    /// The period it was requested for, when recorded.
    public var period: String?
    /// The bank asked.
    public var bankBIN: String
    /// The request's message id (the queue's envelope id).
    public var messageID: String
    /// Where it stands.
    public var status: OpeningStatus
    /// The opened account, once opened.
    public var accountID: String?
    /// The rejection code, when rejected.
    public var reasonCode: String?
    /// The rejection reason (the bank's fixed text), when rejected.
    public var reason: String?
    /// When it was sent.
    public var sentAt: Date
    /// The bank's business date of the last step, when answered.
    public var updatedOn: CalendarDate?

    /// Creates a record.
    public init(requestRef: String, batch: String, row: Int, period: String?, bankBIN: String, messageID: String,
                status: OpeningStatus, accountID: String?, reasonCode: String?, reason: String?, sentAt: Date,
                updatedOn: CalendarDate?) {
        self.requestRef = requestRef
        self.batch = batch
        self.row = row
        self.period = period
        self.bankBIN = bankBIN
        self.messageID = messageID
        self.status = status
        self.accountID = accountID
        self.reasonCode = reasonCode
        self.reason = reason
        self.sentAt = sentAt
        self.updatedOn = updatedOn
    }

    /// Redacted: reference, row and status.
    public var description: String { "OpeningRecord(\(requestRef), row \(row), \(status.rawValue))" }
}
