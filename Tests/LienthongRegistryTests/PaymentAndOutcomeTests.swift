import Foundation
import LienthongCore
import LienthongRegistry
import XCTest

final class PaymentChannelTests: XCTestCase {
    private func decide(account: Bool = true, authorised: Bool = false, identified: Bool = true, noCapacity: Bool = false,
                        _ verification: AccountVerification? = nil) -> PaymentDecision {
        PaymentChannel.decide(PaymentSituation(hasAccount: account, hasAuthorisedPerson: authorised,
                                               payeeIdentified: identified, noCapacity: noCapacity,
                                               verification: verification))
    }

    func testVerifiedAccountIsPaidCashless() {
        let decision = decide(.verified)
        XCTAssertEqual(decision, PaymentDecision(status: .readyCashless, payee: .beneficiary, reason: .accountVerified))
        XCTAssertTrue(decision.paysCashless)
        XCTAssertEqual(decide(authorised: true, .verified).payee, .authorisedPerson)
    }

    func testAccountMustBeVerifiedEachPeriod() {
        XCTAssertEqual(decide(nil).status, .awaitingVerification)
        XCTAssertEqual(decide(nil).reason, .notVerifiedThisPeriod)
        XCTAssertFalse(decide(nil).paysCashless)
        XCTAssertEqual(decide(.nameMismatch).status, .nameMismatch)
    }

    func testMissingOrDeadAccountNeedsOpening() {
        XCTAssertEqual(decide(account: false), PaymentDecision(status: .needsAccount, payee: .beneficiary, reason: .noAccount))
        XCTAssertEqual(decide(.notFound), PaymentDecision(status: .needsAccount, payee: .beneficiary, reason: .accountNotFound))
        XCTAssertEqual(decide(.closed).reason, .accountClosed)
        XCTAssertEqual(decide(account: false, authorised: true).payee, .authorisedPerson)
    }

    func testCashThroughThePostOffice() {
        let incapable = decide(account: true, noCapacity: true, .verified)
        XCTAssertEqual(incapable, PaymentDecision(status: .cashPostOffice, payee: .postOffice, reason: .noCapacityWithoutGuardian))
        // With a guardian the guardian's account is used.
        XCTAssertEqual(decide(authorised: true, noCapacity: true, .verified).status, .readyCashless)
        XCTAssertEqual(decide(account: false, authorised: true, noCapacity: true).status, .needsAccount)
        // A payee without a number cannot have an account opened.
        XCTAssertEqual(decide(account: false, identified: false),
                       PaymentDecision(status: .cashPostOffice, payee: .postOffice, reason: .payeeNotIdentified))
        XCTAssertEqual(decide(identified: false, .closed).status, .cashPostOffice)
    }

    func testFromDrafts() {
        XCTAssertEqual(PaymentChannel.decide(BeneficiaryDraft(Sample.adult()), verification: .verified).status, .readyCashless)
        let noCapacity = BeneficiaryDraft(Sample.adult(2, [.noCapacity: "x"]))
        XCTAssertEqual(PaymentChannel.decide(noCapacity, verification: .verified).status, .cashPostOffice)
        let guarded = BeneficiaryDraft(Sample.adult(2, [
            .noCapacity: "Không còn khả năng giao dịch", .authorisedName: "Nguyễn Văn Giám", .accountNumber: nil,
            .authorisedPersonalId: PersonalID.make(provinceCode: "75", birthYear: 1970, sex: .male, serial: 9).digits,
        ]))
        XCTAssertEqual(PaymentChannel.decide(guarded, verification: nil),
                       PaymentDecision(status: .needsAccount, payee: .authorisedPerson, reason: .noAccount))
        // The authorised person has no number: no account can be opened for them.
        let unidentified = BeneficiaryDraft(Sample.adult(2, [.authorisedName: "Nguyễn Văn Giám", .accountNumber: nil]))
        XCTAssertEqual(PaymentChannel.decide(unidentified, verification: nil).status, .cashPostOffice)
        let noAccount = BeneficiaryDraft(Sample.adult(2, [.accountNumber: nil]))
        XCTAssertEqual(PaymentChannel.decide(noAccount, verification: nil).status, .needsAccount)
    }

    func testRawValuesMatchTheContracts() {
        XCTAssertEqual(AccountVerification(rawValue: "name_mismatch"), .nameMismatch)
        XCTAssertEqual(AccountVerification(rawValue: "account_not_found"), .notFound)
        XCTAssertEqual(AccountVerification(rawValue: "account_closed"), .closed)
        XCTAssertEqual(AccountType.eWallet.rawValue, "e-wallet")
        XCTAssertEqual(AccountType.mobileMoney.rawValue, "mobile-money")
        XCTAssertEqual(AccountStatus.cashPostOffice.rawValue, "cash-post-office")
    }
}

final class VerificationStatusTests: XCTestCase {
    func testJSONForms() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json(_ status: VerificationStatus) throws -> String {
            String(decoding: try encoder.encode(status), as: UTF8.self)
        }
        XCTAssertEqual(try json(.matched), #"{"status":"matched"}"#)
        XCTAssertEqual(try json(.notFound), #"{"status":"not_found"}"#)
        XCTAssertEqual(try json(.mismatch([FieldDifference(field: .hometown, registered: "Đồng Nai")])),
                       #"{"differences":[{"field":"hometown","registered":"Đồng Nai"}],"status":"mismatch"}"#)
        XCTAssertEqual(try json(.numberAssigned(Sample.childID)),
                       #"{"personalId":"\#(Sample.childID.digits)","status":"number_assigned"}"#)

        let all: [VerificationStatus] = [
            .matched, .notFound, .mismatch([FieldDifference(field: .fullName, registered: "Nguyễn Thị Hòa")]),
            .invalid([Finding(row: 2, column: .personalId, code: .personalIdMissing, severity: .blocking)]),
            .numberAssigned(Sample.childID),
        ]
        for status in all {
            XCTAssertEqual(try JSONDecoder().decode(VerificationStatus.self, from: encoder.encode(status)), status)
        }
        XCTAssertThrowsError(try JSONDecoder().decode(VerificationStatus.self, from: Data(#"{"status":"maybe"}"#.utf8)))
    }

    func testDescriptionsAreRedacted() {
        let status = VerificationStatus.mismatch([FieldDifference(field: .fullName, registered: "Nguyễn Thị Hòa")])
        XCTAssertEqual(status.description, "mismatch(fullName)")
        XCTAssertFalse(String(describing: status).contains("Nguyễn"))
        XCTAssertFalse(String(describing: VerificationStatus.numberAssigned(Sample.childID)).contains(Sample.childID.digits))
    }

    func testRowOutcome() throws {
        let assessment = QualityCheck(referenceDate: Sample.referenceDate)
            .assess(BeneficiaryDraft(Sample.adult(4, [.fullName: nil, .ethnicity: nil])))
        let outcome = RowOutcome(assessment: assessment)
        XCTAssertEqual(outcome.row, 4)
        guard case .invalid(let findings) = outcome.verification else { return XCTFail("expected invalid") }
        XCTAssertEqual(findings.map(\.code), [.nameMissing], "only blocking findings explain an invalid row")

        let paid = RowOutcome(row: 2, personalID: Sample.adultID, verification: .matched,
                              payment: PaymentDecision(status: .readyCashless, payee: .beneficiary, reason: .accountVerified))
        XCTAssertEqual(try JSONDecoder().decode(RowOutcome.self, from: JSONEncoder().encode(paid)), paid)
    }
}
