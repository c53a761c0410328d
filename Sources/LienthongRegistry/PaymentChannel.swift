/// The result of verifying an account for a payment period (`napas.verify-account`, monthly before each payment,
/// plan II.1.d). Raw values are the NAPAS contract's statuses.
public enum AccountVerification: String, Sendable, Hashable, Codable, CaseIterable {
    /// The account exists, is open and its holder matches.
    case verified
    /// The account exists but the holder's name differs.
    case nameMismatch = "name_mismatch"
    /// No such account.
    case notFound = "account_not_found"
    /// The account is closed.
    case closed = "account_closed"
}

/// Where a beneficiary stands for the payment period.
public enum AccountStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// An account verified for the period: paid without cash.
    case readyCashless = "ready-cashless"
    /// An account is on file but not yet verified for the period: run the account verification first.
    case awaitingVerification = "awaiting-verification"
    /// The account's holder name differs from the payee: returned to the commune to correct before paying into it.
    case nameMismatch = "name-mismatch"
    /// No usable account (none given, not found, or closed): the bank is asked to open one (SPEC §6 account opening).
    case needsAccount = "needs-account"
    /// Paid in cash through the post office: the beneficiary cannot transact and has no guardian or authorised
    /// person, or the payee cannot open an account (no usable personal id number for the bank).
    case cashPostOffice = "cash-post-office"
}

/// Who receives the payment.
public enum Payee: String, Sendable, Hashable, Codable, CaseIterable {
    /// The beneficiary, into their own account.
    case beneficiary
    /// The authorised person or guardian, into their account (plan II.1.d: "tài khoản của cá nhân được ủy quyền").
    case authorisedPerson = "authorised-person"
    /// Nobody by account: the post office pays in cash.
    case postOffice = "post-office"
}

/// The payment decision for one beneficiary and one period, with the reason (a stable code for reports).
public struct PaymentDecision: Sendable, Hashable, Codable {
    /// Why the decision was taken.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The account was verified for the period.
        case accountVerified = "account-verified"
        /// An account is given but has no verification for the period yet.
        case notVerifiedThisPeriod = "not-verified-this-period"
        /// The account's holder name differs.
        case accountNameMismatch = "account-name-mismatch"
        /// No account was given.
        case noAccount = "no-account"
        /// The account does not exist.
        case accountNotFound = "account-not-found"
        /// The account is closed.
        case accountClosed = "account-closed"
        /// The beneficiary cannot transact and has no guardian or authorised person.
        case noCapacityWithoutGuardian = "no-capacity-without-guardian"
        /// An account is needed but the payee has no usable personal id number to open one with.
        case payeeNotIdentified = "payee-not-identified"
    }

    /// The status for the period.
    public var status: AccountStatus
    /// Who is paid.
    public var payee: Payee
    /// Why.
    public var reason: Reason

    /// Creates a decision.
    public init(status: AccountStatus, payee: Payee, reason: Reason) {
        self.status = status
        self.payee = payee
        self.reason = reason
    }

    /// Whether this period's payment goes to an account.
    public var paysCashless: Bool { status == .readyCashless }
}

/// The facts the payment decision depends on (no personal data: flags only).
public struct PaymentSituation: Sendable, Hashable, Codable {
    /// Whether an account (number, or phone for e-wallets and mobile money) is on file.
    public var hasAccount: Bool
    /// Whether an authorised person or guardian receives the payment.
    public var hasAuthorisedPerson: Bool
    /// Whether the payee has a usable personal id number (the bank needs it to open an account).
    public var payeeIdentified: Bool
    /// Whether the beneficiary cannot transact (không còn khả năng giao dịch).
    public var noCapacity: Bool
    /// This period's account verification, `nil` when not run yet.
    public var verification: AccountVerification?

    /// Creates a situation.
    public init(hasAccount: Bool, hasAuthorisedPerson: Bool, payeeIdentified: Bool, noCapacity: Bool,
                verification: AccountVerification?) {
        self.hasAccount = hasAccount
        self.hasAuthorisedPerson = hasAuthorisedPerson
        self.payeeIdentified = payeeIdentified
        self.noCapacity = noCapacity
        self.verification = verification
    }

    /// The situation of a list row. The account columns belong to the payee: the authorised person when one is
    /// named, else the beneficiary. The payee is identified by ``BeneficiaryDraft/authorisedPersonalID`` or by the
    /// beneficiary's number (``BeneficiaryDraft/effectivePersonalID``), respectively.
    public init(draft: BeneficiaryDraft, verification: AccountVerification?) {
        let authorised = draft.authorisedName != nil
        self.init(
            hasAccount: draft.effectiveAccountNumber != nil,
            hasAuthorisedPerson: authorised,
            payeeIdentified: authorised ? draft.authorisedPersonalID.value != nil : draft.effectivePersonalID != nil,
            noCapacity: draft.cannotTransact,
            verification: verification)
    }
}

/// Decides per person who is paid without cash, who needs an account opened and who stays on cash through the post
/// office (plan II.1.d: account information collected and verified monthly before each payment period; the account
/// may be the beneficiary's or an authorised person's; people who cannot transact and have no guardian are paid in
/// cash by the post office).
///
/// Rules, in order:
/// 1. cannot transact and no authorised person or guardian → ``AccountStatus/cashPostOffice``
///    (`no-capacity-without-guardian`);
/// 2. the payee is the authorised person when one is named, else the beneficiary;
/// 3. no account → ``AccountStatus/needsAccount`` (`no-account`) when the payee has a personal id number to open one
///    with, else ``AccountStatus/cashPostOffice`` (`payee-not-identified`);
/// 4. an account, by this period's verification: none yet → ``AccountStatus/awaitingVerification``; verified →
///    ``AccountStatus/readyCashless``; name mismatch → ``AccountStatus/nameMismatch``; not found or closed → as
///    rule 3 (`account-not-found`, `account-closed`).
public enum PaymentChannel {
    /// The decision for a situation.
    public static func decide(_ situation: PaymentSituation) -> PaymentDecision {
        if situation.noCapacity, !situation.hasAuthorisedPerson {
            return PaymentDecision(status: .cashPostOffice, payee: .postOffice, reason: .noCapacityWithoutGuardian)
        }
        let payee: Payee = situation.hasAuthorisedPerson ? .authorisedPerson : .beneficiary
        func open(_ reason: PaymentDecision.Reason) -> PaymentDecision {
            situation.payeeIdentified
                ? PaymentDecision(status: .needsAccount, payee: payee, reason: reason)
                : PaymentDecision(status: .cashPostOffice, payee: .postOffice, reason: .payeeNotIdentified)
        }
        guard situation.hasAccount else { return open(.noAccount) }
        switch situation.verification {
        case nil: return PaymentDecision(status: .awaitingVerification, payee: payee, reason: .notVerifiedThisPeriod)
        case .verified?: return PaymentDecision(status: .readyCashless, payee: payee, reason: .accountVerified)
        case .nameMismatch?: return PaymentDecision(status: .nameMismatch, payee: payee, reason: .accountNameMismatch)
        case .notFound?: return open(.accountNotFound)
        case .closed?: return open(.accountClosed)
        }
    }

    /// The decision for a list row and this period's account verification.
    public static func decide(_ draft: BeneficiaryDraft, verification: AccountVerification?) -> PaymentDecision {
        decide(PaymentSituation(draft: draft, verification: verification))
    }
}
