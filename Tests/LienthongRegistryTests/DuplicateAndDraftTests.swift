import Foundation
import LienthongCore
import LienthongRegistry
import XCTest

final class DuplicateDetectorTests: XCTestCase {
    private func draft(_ row: ListRow) -> BeneficiaryDraft { BeneficiaryDraft(row) }

    func testSameNumberTwiceIsBlocking() {
        var detector = DuplicateDetector()
        XCTAssertEqual(detector.check(draft(Sample.adult(2))), [])
        XCTAssertEqual(detector.check(draft(Sample.adult(3, [.personalId: nil, .cmnd: Sample.adultID.digits]))).map(\.code),
                       [.duplicateInList], "a 12-digit CMND is the same number")
        // A number cell that lost its leading zero is the same number.
        var row = Sample.adult(4)
        row[.personalId] = RawCell("75090000001", numeric: true)
        let findings = detector.check(draft(row))
        XCTAssertEqual(findings.map(\.severity), [.blocking])
        XCTAssertEqual(findings.first?.relatedRow, 2)
        XCTAssertEqual(findings.first?.column, .personalId)
        XCTAssertTrue(findings.first?.message.contains("dòng 2") ?? false)
    }

    func testSameNineDigitCMNDTwice() {
        var detector = DuplicateDetector()
        XCTAssertEqual(detector.check(draft(Sample.adult(2, [.personalId: nil, .cmnd: "271234567"]))), [])
        XCTAssertEqual(detector.check(draft(Sample.adult(3, [.personalId: nil, .cmnd: "271234567"]))).first?.severity, .blocking)
    }

    func testSameNameAndBirthDateWithoutNumber() {
        var detector = DuplicateDetector()
        XCTAssertEqual(detector.check(draft(Sample.child(2, [.fullName: "Nguyễn Thị Hoà"]))), [])
        // NFD and the old tone-mark style name the same child.
        let nfdOld = "Nguye\u{0302}\u{0303}n Thi\u{0323} Ho\u{0300}a"  // Nguyễn Thị Hòa, decomposed
        let findings = detector.check(draft(Sample.child(5, [.fullName: nfdOld])))
        XCTAssertEqual(findings.map(\.code), [.duplicateInList])
        XCTAssertEqual(findings.first?.severity, .warning)
        XCTAssertEqual(findings.first?.relatedRow, 2)
        XCTAssertNil(findings.first?.column)
        // Another birth date, or an i/y spelling, is someone else.
        XCTAssertEqual(detector.check(draft(Sample.child(6, [.fullName: "Nguyễn Thị Hoà", .dateOfBirth: "02/06/2015"]))), [])
        XCTAssertEqual(detector.check(draft(Sample.child(7, [.fullName: "Lý Thị Bé"]))), [])
        XCTAssertEqual(detector.check(draft(Sample.child(8, [.fullName: "Lí Thị Bé"]))), [])
    }

    func testRowWithoutNumberMatchesEarlierRowWithNumber() {
        var detector = DuplicateDetector()
        _ = detector.check(draft(Sample.child(2, [.personalId: Sample.childID.digits])))
        XCTAssertEqual(detector.check(draft(Sample.child(3))).map(\.code), [.duplicateInList])
        // Rows with numbers are compared by number only.
        let other = PersonalID.make(provinceCode: "75", birthYear: 2015, sex: .female, serial: 43)
        XCTAssertEqual(detector.check(draft(Sample.child(4, [.personalId: other.digits]))), [])
    }

    func testAgainstTheRegistry() {
        var detector = DuplicateDetector(registry: Set([Sample.adultID]))
        let findings = detector.check(draft(Sample.adult(2)))
        XCTAssertEqual(findings.map(\.code), [.duplicateInRegistry])
        XCTAssertEqual(findings.first?.severity, .warning)
        XCTAssertEqual(detector.check(draft(Sample.child(3, [.personalId: Sample.childID.digits]))), [])
    }

    func testKeepsOnlyKeys() {
        var detector = DuplicateDetector()
        for number in 0..<100 {
            let id = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: number)
            _ = detector.check(draft(Sample.adult(number + 2, [.personalId: id.digits, .fullName: "Người \(number)"])))
        }
        XCTAssertEqual(detector.keyCount, 200)
    }
}

final class BeneficiaryDraftTests: XCTestCase {
    func testNormalisedValues() throws {
        let draft = BeneficiaryDraft(ListRow(number: 9, text: [
            .fullName: "  NGUYỄN   văn  an ", .dateOfBirth: "5/3/1990", .sex: "nam", .personalId: "075090000001",
            .commune: "Phường Tam Hiệp", .district: "Thành phố Biên Hòa", .province: "Tỉnh Đồng Nai",
            .category: "Hộ nghèo; BTXH", .accountNumber: "0123 456 789", .bankOrProvider: "NH Agribank",
            .noCapacity: "x", .authorisedName: "Nguyễn Văn Bình",
        ]))
        XCTAssertEqual(draft.row, 9)
        XCTAssertEqual(draft.fullName, "NGUYỄN văn an", "case is kept, spaces collapsed")
        XCTAssertEqual(draft.dateOfBirth, .valid(.full(try CalendarDate(year: 1990, month: 3, day: 5))))
        XCTAssertEqual(draft.sex, .valid(.male))
        XCTAssertEqual(draft.effectivePersonalID, Sample.adultID)
        XCTAssertEqual(draft.residence, "Phường Tam Hiệp, Thành phố Biên Hòa, Tỉnh Đồng Nai")
        XCTAssertEqual(draft.categories, .valid([.poorHousehold, .socialProtection]))
        XCTAssertEqual(draft.accountNumber, .valid("0123456789"))
        XCTAssertEqual(draft.bankBIN, "970405")
        XCTAssertEqual(draft.effectiveAccountType, .bank, "a known bank implies a bank account")
        XCTAssertTrue(draft.cannotTransact)
        XCTAssertEqual(draft.parentOrGuardianName, "Nguyễn Văn Bình")
    }

    func testWalletAccountFallsBackToPhone() {
        let draft = BeneficiaryDraft(ListRow(number: 2, text: [
            .fullName: "A", .dateOfBirth: "1990", .accountType: "Mobile Money", .phone: "0912345678",
            .bankOrProvider: "Viettel Money",
        ]))
        XCTAssertEqual(draft.effectiveAccountNumber, "0912345678")
        XCTAssertNil(draft.bankBIN)
        XCTAssertEqual(draft.effectiveAccountType, .mobileMoney)
        let bank = BeneficiaryDraft(ListRow(number: 2, text: [.fullName: "A", .phone: "0912345678"]))
        XCTAssertNil(bank.effectiveAccountNumber, "a phone is not a bank account")
    }

    func testDraftIsCodable() throws {
        let draft = BeneficiaryDraft(Sample.adult(2, [.dateOfBirth: "1990", .sex: "?"]))
        let data = try JSONEncoder().encode(draft)
        XCTAssertEqual(try JSONDecoder().decode(BeneficiaryDraft.self, from: data), draft)
    }
}
