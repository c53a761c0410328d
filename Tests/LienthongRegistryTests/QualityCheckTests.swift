import Foundation
import LienthongCore
import LienthongRegistry
import XCTest

/// Synthetic rows only.
enum Sample {
    static let referenceDate: CalendarDate = {
        do { return try CalendarDate(year: 2025, month: 6, day: 30) } catch { fatalError("bad date") }
    }()

    static let adultID = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 1)
    static let childID = PersonalID.make(provinceCode: "75", birthYear: 2015, sex: .female, serial: 42)

    /// A complete adult row that passes every check.
    static func adult(_ number: Int = 2, _ changes: [ListColumn: String?] = [:]) -> ListRow {
        var text: [ListColumn: String] = [
            .fullName: "Nguyễn Văn An", .dateOfBirth: "15/03/1990", .sex: "Nam", .personalId: adultID.digits,
            .ethnicity: "Kinh", .hometown: "Biên Hòa, Đồng Nai", .permanentResidence: "Phường Tam Hiệp, Biên Hòa, Đồng Nai",
            .category: "Người có công", .accountNumber: "1234567890", .accountType: "Tài khoản ngân hàng",
            .bankOrProvider: "Agribank",
        ]
        for (column, value) in changes { text[column] = value }
        return ListRow(number: number, text: text)
    }

    /// A complete child row without a number (ready for `population.request-personal-id`).
    static func child(_ number: Int = 3, _ changes: [ListColumn: String?] = [:]) -> ListRow {
        var text: [ListColumn: String] = [
            .fullName: "Trần Thị Bé", .dateOfBirth: "01/06/2015", .sex: "Nữ", .ethnicity: "Kinh",
            .parentName: "Trần Văn Cha", .birthRegistrationPlace: "UBND phường Tam Hiệp", .category: "Trẻ em",
        ]
        for (column, value) in changes { text[column] = value }
        return ListRow(number: number, text: text)
    }
}

final class QualityCheckTests: XCTestCase {
    private let check = QualityCheck(referenceDate: Sample.referenceDate)

    private func assess(_ row: ListRow) -> RowAssessment { check.assess(BeneficiaryDraft(row)) }

    private func codes(_ row: ListRow) -> [FindingCode: FindingSeverity] {
        var result: [FindingCode: FindingSeverity] = [:]
        for finding in assess(row).findings { result[finding.code] = finding.severity }
        return result
    }

    func testCompleteAdultIsVerified() {
        let assessment = assess(Sample.adult())
        XCTAssertEqual(assessment.findings, [])
        XCTAssertEqual(assessment.disposition, .verify(Sample.adultID))
    }

    func testCompleteChildWithoutNumberGoesToRequest() {
        let assessment = assess(Sample.child())
        XCTAssertEqual(assessment.findings.map(\.code), [.personalIdMissing])
        XCTAssertEqual(assessment.findings.first?.severity, .warning)
        XCTAssertEqual(assessment.disposition, .requestPersonalID)
        // Separate mother column, or a guardian, count as the parent.
        XCTAssertEqual(assess(Sample.child(3, [.parentName: nil, .motherName: "Lê Thị Mẹ"])).disposition, .requestPersonalID)
        XCTAssertEqual(assess(Sample.child(3, [.parentName: nil, .authorisedName: "Trần Văn Giám"])).disposition,
                       .requestPersonalID)
    }

    func testChildWithoutNumberNeedsEveryRequestField() {
        XCTAssertEqual(codes(Sample.child(3, [.birthRegistrationPlace: nil]))[.birthPlaceMissing], .blocking)
        XCTAssertEqual(codes(Sample.child(3, [.parentName: nil]))[.guardianMissing], .blocking)
        XCTAssertEqual(codes(Sample.child(3, [.sex: nil]))[.sexMissing], .blocking)
        XCTAssertEqual(codes(Sample.child(3, [.sex: "?"]))[.sexInvalid], .blocking)
        XCTAssertEqual(codes(Sample.child(3, [.dateOfBirth: "2015"]))[.dobPartial], .blocking)
        XCTAssertEqual(assess(Sample.child(3, [.birthRegistrationPlace: nil])).disposition, .returnToCommune)
    }

    func testChildWithNumberOnlyWarnsAboutGuardian() {
        let row = Sample.child(3, [.personalId: Sample.childID.digits, .parentName: nil, .birthRegistrationPlace: nil])
        let found = codes(row)
        XCTAssertEqual(found[.guardianMissing], .warning)
        XCTAssertNil(found[.birthPlaceMissing], "a child with a number needs no birth-registration place")
        XCTAssertEqual(assess(row).disposition, .verify(Sample.childID))
    }

    func testAdultWithoutNumber() {
        let found = codes(Sample.adult(2, [.personalId: nil]))
        XCTAssertEqual(found[.personalIdMissing], .blocking)
        XCTAssertNil(found[.guardianMissing], "adults need no guardian")
        XCTAssertNil(found[.birthPlaceMissing])
        // A 9-digit CMND does not replace the number.
        XCTAssertEqual(codes(Sample.adult(2, [.personalId: nil, .cmnd: "271234567"]))[.personalIdMissing], .blocking)
        // A 12-digit CMND equals the personal id number.
        let viaCMND = assess(Sample.adult(2, [.personalId: nil, .cmnd: Sample.adultID.digits]))
        XCTAssertEqual(viaCMND.findings, [])
        XCTAssertEqual(viaCMND.disposition, .verify(Sample.adultID))
    }

    func testMalformedNumbers() {
        XCTAssertEqual(codes(Sample.adult(2, [.personalId: "07509000001"]))[.personalIdMalformed], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.personalId: "abc"]))[.personalIdMalformed], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.cmnd: "12345"]))[.cmndMalformed], .warning)
        let other = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 2)
        XCTAssertEqual(codes(Sample.adult(2, [.cmnd: other.digits]))[.cmndInconsistent], .warning)
        XCTAssertEqual(assess(Sample.adult(2, [.cmnd: "12345"])).disposition, .verify(Sample.adultID))
        // A malformed number on a child is not sent to the request either.
        XCTAssertEqual(assess(Sample.child(3, [.personalId: "0750"])).disposition, .returnToCommune)
    }

    func testNineDigitsInPersonalIdColumnAreACMND() {
        let draft = BeneficiaryDraft(Sample.adult(2, [.personalId: "271234567"]))
        XCTAssertEqual(draft.personalID, .absent)
        XCTAssertEqual(draft.cmnd.value?.digits, "271234567")
        XCTAssertEqual(check.findings(for: draft).map(\.code).first, .personalIdMissing)
    }

    func testWrongBirthYearMakesTheNumberInconsistent() {
        let found = codes(Sample.adult(2, [.dateOfBirth: "15/03/1991"]))
        XCTAssertEqual(found[.personalIdInconsistent], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.sex: "Nữ"]))[.personalIdInconsistent], .blocking)
        // A year-only date is compared by year.
        XCTAssertNil(codes(Sample.adult(2, [.dateOfBirth: "1990"]))[.personalIdInconsistent])
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: "1989"]))[.personalIdInconsistent], .blocking)
        // Through a 12-digit CMND too.
        let viaCMND = assess(Sample.adult(2, [.personalId: nil, .cmnd: Sample.adultID.digits, .dateOfBirth: "1991"]))
        XCTAssertEqual(viaCMND.findings.first { $0.code == .personalIdInconsistent }?.column, .cmnd)
    }

    func testNameAndDateOfBirth() {
        XCTAssertEqual(codes(Sample.adult(2, [.fullName: "  "]))[.nameMissing], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: nil]))[.dobMissing], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: "31/02/1990"]))[.dobInvalid], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: "1850"]))[.dobInvalid], .blocking)
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: "01/07/2025"]))[.dobFuture], .blocking)
        XCTAssertNil(codes(Sample.adult(2, [.dateOfBirth: "30/06/2025", .personalId: nil]))[.dobFuture])
        let yearOnly = assess(Sample.adult(2, [.dateOfBirth: "1990"]))
        XCTAssertEqual(yearOnly.findings.map(\.code), [.dobPartial])
        XCTAssertEqual(yearOnly.findings.first?.severity, .warning)
        XCTAssertEqual(yearOnly.disposition, .verify(Sample.adultID))
        XCTAssertEqual(codes(Sample.adult(2, [.dateOfBirth: "32947"])), [:], "Excel serial of 1990-03-15")
    }

    func testOtherWarnings() {
        let found = codes(Sample.adult(2, [
            .sex: nil, .ethnicity: nil, .category: "hưu trí", .accountNumber: "1,2", .accountType: "tiền mặt",
            .bankOrProvider: "Ngân hàng XYZ", .authorisedPersonalId: "12", .noCapacity: "có lẽ", .communeCode: "123",
        ]))
        XCTAssertEqual(found[.sexMissing], .warning)
        XCTAssertEqual(found[.ethnicityMissing], .warning)
        XCTAssertEqual(found[.categoryInvalid], .warning)
        XCTAssertEqual(found[.accountNumberMalformed], .warning)
        XCTAssertEqual(found[.accountTypeInvalid], .warning)
        XCTAssertEqual(found[.authorisedIdMalformed], .warning)
        XCTAssertEqual(found[.noCapacityInvalid], .warning)
        XCTAssertEqual(found[.communeCodeMalformed], .warning)
        XCTAssertEqual(codes(Sample.adult(2, [.category: nil]))[.categoryMissing], .warning)
        XCTAssertEqual(codes(Sample.adult(2, [.bankOrProvider: "Ngân hàng XYZ"]))[.bankUnknown], .warning)
        XCTAssertNil(codes(Sample.adult(2, [.bankOrProvider: "MoMo", .accountType: "Ví điện tử"]))[.bankUnknown])
        XCTAssertTrue(found.values.allSatisfy { $0 == .warning })
        XCTAssertEqual(assess(Sample.adult(2, [.sex: nil, .ethnicity: nil])).disposition, .verify(Sample.adultID))
    }

    func testChildhoodIsMeasuredOnTheReferenceDate() throws {
        // 16th birthday on the reference date: no longer a child.
        let sixteen = BeneficiaryDraft(Sample.child(3, [.dateOfBirth: "30/06/2009"]))
        XCTAssertFalse(sixteen.isChild(on: Sample.referenceDate))
        XCTAssertEqual(check.findings(for: sixteen).first { $0.code == .personalIdMissing }?.severity, .blocking)
        let fifteen = BeneficiaryDraft(Sample.child(3, [.dateOfBirth: "01/07/2009"]))
        XCTAssertTrue(fifteen.isChild(on: Sample.referenceDate))
        // Without a date, the child category decides.
        XCTAssertTrue(BeneficiaryDraft(Sample.child(3, [.dateOfBirth: nil])).isChild(on: Sample.referenceDate))
        XCTAssertEqual(try BirthDate.yearOnly(2010).age(on: CalendarDate(year: 2025, month: 6, day: 30)), 15)
    }

    func testMessagesAreBilingualAndNeverCarryValues() {
        for code in FindingCode.allCases {
            let parts = code.message.components(separatedBy: " / ")
            XCTAssertEqual(parts.count, 2, code.rawValue)
        }
        let bad = Sample.adult(7, [
            .fullName: "Phạm Văn Lỗi", .dateOfBirth: "31/02/1990", .personalId: "07509000001X", .cmnd: "99999",
            .sex: "khác", .category: "hưu trí", .accountNumber: "SỐ-TK-SAI!", .noCapacity: "có lẽ",
        ])
        let findings = assess(bad).findings
        XCTAssertGreaterThan(findings.count, 5)
        for finding in findings {
            XCTAssertEqual(finding.row, 7)
            for value in bad.values.values.map(\.text) where value.count > 3 {
                XCTAssertFalse(finding.message.contains(value), "\(finding.code) leaks a value")
                XCTAssertFalse(finding.description.contains(value))
            }
        }
        XCTAssertFalse(String(describing: BeneficiaryDraft(bad)).contains("Phạm"))
        XCTAssertFalse(String(describing: bad).contains("Phạm"))
    }

    func testFindingsAreCodable() throws {
        let findings = assess(Sample.adult(2, [.personalId: nil])).findings
        let data = try JSONEncoder().encode(findings)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"personal-id-missing\""))
        XCTAssertEqual(try JSONDecoder().decode([Finding].self, from: data), findings)
    }

    func testScreeningCombinesChecksAndDuplicates() {
        var screening = ListScreening(check: check, registry: Set<PersonalID>())
        XCTAssertEqual(screening.screen(Sample.adult(2)).assessment.disposition, .verify(Sample.adultID))
        let second = screening.screen(Sample.adult(5))
        XCTAssertEqual(second.assessment.disposition, .returnToCommune)
        XCTAssertEqual(second.assessment.findings.map(\.code), [.duplicateInList])
        XCTAssertEqual(second.assessment.findings.first?.relatedRow, 2)
        XCTAssertEqual(screening.screen(Sample.child(6)).assessment.disposition, .requestPersonalID)
    }
}
