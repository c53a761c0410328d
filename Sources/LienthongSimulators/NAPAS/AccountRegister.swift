public import LienthongAdapters
import LienthongCore

/// The accounts the NAPAS simulator knows: bank accounts, e-wallets and mobile money of synthetic citizens.
///
/// ```swift
/// let citizens = SyntheticPopulation.generate(citizens: 1_000, seed: 42)
/// let register = AccountRegister(citizens: citizens, seed: 42)
/// register.find(providerCode: "970436", accountNumber: "0071000123456")
/// ```
///
/// Generation, deterministic for the same citizens and seed: about 70% of adults (15 or older on
/// `SyntheticPopulation.referenceDate`, with a registered personal id) hold a bank account at one of
/// ``bankBINs``, numbered with 10–14 digits; about 10% of adults also hold an e-wallet (provider ``eWalletProvider``)
/// or mobile money (``mobileMoneyProvider``) whose id is a 10-digit phone-like number starting with `09`; about 5%
/// of accounts are closed. The holder name is the diacritic-free upper-case form of the citizen's name.
public struct AccountRegister: Sendable {
    /// One account.
    public struct Account: Codable, Sendable, Hashable {
        /// The 6-digit BIN or provider code.
        public var providerCode: String
        /// The account number or wallet id.
        public var accountNumber: String
        /// The kind of account.
        public var type: NAPASMessages.AccountType
        /// The registered account name: upper-case ASCII (`VietnameseName.asciiKey` of the holder's name).
        public var holderName: String
        /// The holder's 12-digit personal id number.
        public var holderPersonalId: String
        /// `false` when the account is closed.
        public var open: Bool

        /// Creates an account.
        public init(providerCode: String, accountNumber: String, type: NAPASMessages.AccountType, holderName: String, holderPersonalId: String, open: Bool = true) {
            self.providerCode = providerCode
            self.accountNumber = accountNumber
            self.type = type
            self.holderName = holderName
            self.holderPersonalId = holderPersonalId
            self.open = open
        }
    }

    /// The banks accounts are drawn from (BINs of REFERENCE.md: Vietcombank, VietinBank, BIDV, Agribank, MBBank,
    /// Techcombank).
    public static let bankBINs = ["970436", "970415", "970418", "970405", "970422", "970407"]
    /// The e-wallet provider code.
    public static let eWalletProvider = "971005"
    /// The mobile-money provider code.
    public static let mobileMoneyProvider = "971011"
    /// Share of adults with a bank account.
    public static let bankAccountShare = 0.70
    /// Share of adults with an e-wallet or mobile money.
    public static let walletShare = 0.10
    /// Share of accounts that are closed.
    public static let closedShare = 0.05

    /// Every account, in generation order.
    public private(set) var accounts: [Account]
    private var index: [String: Int]

    /// A register holding exactly `accounts` (a later duplicate of provider code and number replaces an earlier one).
    public init(accounts: [Account]) {
        self.accounts = []
        self.index = [:]
        for account in accounts { add(account) }
    }

    /// Generates the accounts of `citizens` from `seed`.
    public init(citizens: [SyntheticCitizen], seed: UInt64) {
        self.init(accounts: [])
        var rng = SplitMix64(seed: seed ^ 0x4E41_5041_5341_4343)  // "NAPASACC"
        let reference = SyntheticPopulation.referenceDate
        for citizen in citizens {
            guard let personalId = citizen.personalId ?? citizen.assignedPersonalId,
                let birth = try? CalendarDate(iso: citizen.dateOfBirth),
                Self.age(of: birth, on: reference) >= 15
            else { continue }
            let holder = VietnameseName.asciiKey(citizen.fullName)
            if rng.chance(Self.bankAccountShare) {
                let bin = rng.pick(Self.bankBINs)
                var number: String
                repeat {
                    let length = rng.uniform(in: 10...14)
                    number = String(rng.uniform(in: 1...9)) + Self.digits(length - 1, rng: &rng)
                } while index[Self.key(bin, number)] != nil
                add(Account(providerCode: bin, accountNumber: number, type: .bankAccount, holderName: holder,
                            holderPersonalId: personalId, open: !rng.chance(Self.closedShare)))
            }
            if rng.chance(Self.walletShare) {
                let eWallet = rng.chance(0.5)
                let provider = eWallet ? Self.eWalletProvider : Self.mobileMoneyProvider
                var number: String
                repeat {
                    number = "09" + Self.digits(8, rng: &rng)
                } while index[Self.key(provider, number)] != nil
                add(Account(providerCode: provider, accountNumber: number, type: eWallet ? .eWallet : .mobileMoney,
                            holderName: holder, holderPersonalId: personalId, open: !rng.chance(Self.closedShare)))
            }
        }
    }

    /// The account with this provider code and number, if any.
    public func find(providerCode: String, accountNumber: String) -> Account? {
        index[Self.key(providerCode, accountNumber)].map { accounts[$0] }
    }

    /// Adds or replaces an account.
    public mutating func add(_ account: Account) {
        let key = Self.key(account.providerCode, account.accountNumber)
        if let at = index[key] {
            accounts[at] = account
        } else {
            index[key] = accounts.count
            accounts.append(account)
        }
    }

    /// The report the switch gives for `verification` at `providerCode`.
    ///
    /// `AC01` when no account has this provider code, number and type; `AC04` when it is closed; `BE01` (with the
    /// registered name) when a personal id is given and is not the holder's; otherwise verified, with the
    /// registered name. The submitted name is not judged: the requester compares it with the registered one.
    public func report(providerCode: String, verification: NAPASMessages.Verification) -> NAPASMessages.Report {
        guard let account = find(providerCode: providerCode, accountNumber: verification.account.id),
            account.type == verification.account.type
        else {
            return .init(originalId: verification.id, verification: false, reason: .noSuchAccount)
        }
        guard account.open else {
            return .init(originalId: verification.id, verification: false, reason: .closedAccount)
        }
        let registered = NAPASMessages.UpdatedPartyAndAccount(accountName: account.holderName)
        if let privateId = verification.party.privateId, privateId.id != account.holderPersonalId {
            return .init(originalId: verification.id, verification: false, reason: .inconsistentWithEndCustomer,
                         updatedPartyAndAccount: registered)
        }
        return .init(originalId: verification.id, verification: true, updatedPartyAndAccount: registered)
    }

    private static func key(_ provider: String, _ number: String) -> String { provider + ":" + number }

    private static func digits(_ count: Int, rng: inout SplitMix64) -> String {
        var out = ""
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(rng.uniform(10))))) }
        return out
    }

    /// Whole years from `birth` to `date`.
    static func age(of birth: CalendarDate, on date: CalendarDate) -> Int {
        var years = date.year - birth.year
        if (date.month, date.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }
}
