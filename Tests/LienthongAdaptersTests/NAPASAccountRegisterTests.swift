import Foundation
import LienthongAdapters
import LienthongCore
import LienthongSimulators
import XCTest

/// The simulator's account register: deterministic, with the promised shares and shapes.
final class NAPASAccountRegisterTests: XCTestCase {
    static let citizens = SyntheticPopulation.generate(citizens: 3_000, seed: 11)

    func testSameSeedSameAccountsOtherSeedOtherAccounts() {
        let a = AccountRegister(citizens: Self.citizens, seed: 7)
        let b = AccountRegister(citizens: SyntheticPopulation.generate(citizens: 3_000, seed: 11), seed: 7)
        XCTAssertEqual(a.accounts, b.accounts)
        XCTAssertFalse(a.accounts.isEmpty)
        let c = AccountRegister(citizens: Self.citizens, seed: 8)
        XCTAssertNotEqual(a.accounts, c.accounts)
    }

    func testSharesAndShapes() throws {
        let register = AccountRegister(citizens: Self.citizens, seed: 7)
        let adults = Self.citizens.filter { citizen in
            guard citizen.registeredPersonalId != nil, let birth = try? CalendarDate(iso: citizen.dateOfBirth) else { return false }
            let reference = SyntheticPopulation.referenceDate
            var age = reference.year - birth.year
            if (reference.month, reference.day) < (birth.month, birth.day) { age -= 1 }
            return age >= 15
        }
        let adultIDs = Set(adults.compactMap(\.registeredPersonalId))
        let byID = Dictionary(Self.citizens.compactMap { c in c.registeredPersonalId.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })

        let bank = register.accounts.filter { $0.type == .bankAccount }
        let wallets = register.accounts.filter { $0.type != .bankAccount }
        let bankShare = Double(bank.count) / Double(adults.count)
        XCTAssertEqual(bankShare, 0.70, accuracy: 0.05)
        XCTAssertEqual(Double(wallets.count) / Double(adults.count), 0.10, accuracy: 0.03)
        let closedShare = Double(register.accounts.filter { !$0.open }.count) / Double(register.accounts.count)
        XCTAssertEqual(closedShare, 0.05, accuracy: 0.025)

        for account in register.accounts {
            XCTAssertTrue(adultIDs.contains(account.holderPersonalId), "only adults hold accounts")
            let citizen = try XCTUnwrap(byID[account.holderPersonalId])
            XCTAssertEqual(account.holderName, VietnameseName.asciiKey(citizen.fullName))
            XCTAssertTrue(NAPASMessages.isAccountName(account.holderName), account.holderName)
            XCTAssertEqual(register.find(providerCode: account.providerCode, accountNumber: account.accountNumber), account)
            switch account.type {
            case .bankAccount:
                XCTAssertTrue(AccountRegister.bankBINs.contains(account.providerCode))
                XCTAssertTrue((10...14).contains(account.accountNumber.count))
                XCTAssertTrue(account.accountNumber.allSatisfy(\.isASCII) && account.accountNumber.allSatisfy(\.isNumber))
                XCTAssertNotEqual(account.accountNumber.first, "0")
            case .eWallet, .mobileMoney:
                XCTAssertEqual(account.providerCode, account.type == .eWallet ? AccountRegister.eWalletProvider : AccountRegister.mobileMoneyProvider)
                XCTAssertTrue(account.accountNumber.hasPrefix("09"))
                XCTAssertEqual(account.accountNumber.count, 10)
                XCTAssertTrue(account.accountNumber.allSatisfy(\.isNumber))
            }
        }
        // Every BIN of the list is used, both wallet kinds occur, and numbers are unique per provider.
        XCTAssertEqual(Set(bank.map(\.providerCode)), Set(AccountRegister.bankBINs))
        XCTAssertEqual(Set(wallets.map(\.type)), [.eWallet, .mobileMoney])
        XCTAssertEqual(Set(register.accounts.map { $0.providerCode + ":" + $0.accountNumber }).count, register.accounts.count)
        XCTAssertTrue((10...14).allSatisfy { length in bank.contains { $0.accountNumber.count == length } })
    }

    func testReports() {
        let id = PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 1).digits
        let other = PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 2).digits
        var register = AccountRegister(accounts: [
            .init(providerCode: "970436", accountNumber: "1234567890", type: .bankAccount, holderName: "NGUYEN VAN AN", holderPersonalId: id),
            .init(providerCode: "970436", accountNumber: "1234567891", type: .bankAccount, holderName: "NGUYEN VAN AN", holderPersonalId: id, open: false),
        ])
        func report(_ number: String, _ type: NAPASMessages.AccountType = .bankAccount, personalId: String? = nil) -> NAPASMessages.Report {
            register.report(providerCode: "970436", verification: .init(
                id: "v", party: .init(name: "x", privateId: personalId.map { .init(id: $0) }), account: .init(id: number, type: type)))
        }
        let registered = NAPASMessages.UpdatedPartyAndAccount(accountName: "NGUYEN VAN AN")
        XCTAssertEqual(report("1234567890"), .init(originalId: "v", verification: true, updatedPartyAndAccount: registered))
        XCTAssertEqual(report("1234567890", personalId: id), .init(originalId: "v", verification: true, updatedPartyAndAccount: registered))
        XCTAssertEqual(report("1234567890", personalId: other), .init(originalId: "v", verification: false, reason: .inconsistentWithEndCustomer, updatedPartyAndAccount: registered))
        XCTAssertEqual(report("1234567891"), .init(originalId: "v", verification: false, reason: .closedAccount))
        XCTAssertEqual(report("1234567892"), .init(originalId: "v", verification: false, reason: .noSuchAccount))
        XCTAssertEqual(report("1234567890", .eWallet), .init(originalId: "v", verification: false, reason: .noSuchAccount))
        register.add(.init(providerCode: "970436", accountNumber: "1234567891", type: .bankAccount, holderName: "NGUYEN VAN AN", holderPersonalId: id))
        XCTAssertEqual(register.accounts.count, 2)
        XCTAssertEqual(report("1234567891").verification, true)
    }
}
