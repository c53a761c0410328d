import LienthongCore
import LienthongLabor
import LienthongTabular
import XCTest

final class LabelsTests: XCTestCase {
    /// Every label (both languages) and raw code parses back to its case, also without diacritics and in capitals.
    private func assertRoundTrip<T: CaseIterable & RawRepresentable & Equatable>(
        _ type: T.Type, label: (T, LaborLanguage) -> String, parse: (String) -> T?,
        file: StaticString = #filePath, line: UInt = #line
    ) where T.RawValue == String {
        for value in type.allCases {
            for text in [value.rawValue, label(value, .vi), label(value, .en)] {
                XCTAssertEqual(parse(text), value, "\(text)", file: file, line: line)
                XCTAssertEqual(parse(VietnameseName.asciiKey(text)), value, "no diacritics: \(text)", file: file, line: line)
                XCTAssertEqual(parse(text.uppercased()), value, "upper case: \(text)", file: file, line: line)
            }
            XCTAssertFalse(label(value, .vi).isEmpty, file: file, line: line)
            XCTAssertFalse(label(value, .en).isEmpty, file: file, line: line)
        }
        XCTAssertNil(parse("zzz không có nghĩa"), file: file, line: line)
        XCTAssertNil(parse("   "), file: file, line: line)
    }

    func testEveryEnumRoundTrips() {
        assertRoundTrip(AreaType.self, label: { $0.label($1) }, parse: AreaType.init(surveyText:))
        assertRoundTrip(EducationLevel.self, label: { $0.label($1) }, parse: EducationLevel.init(surveyText:))
        assertRoundTrip(Qualification.self, label: { $0.label($1) }, parse: Qualification.init(surveyText:))
        assertRoundTrip(EmploymentStatus.self, label: { $0.label($1) }, parse: EmploymentStatus.init(surveyText:))
        assertRoundTrip(EstablishmentType.self, label: { $0.label($1) }, parse: EstablishmentType.init(surveyText:))
        assertRoundTrip(InactivityReason.self, label: { $0.label($1) }, parse: InactivityReason.init(surveyText:))
        assertRoundTrip(IncomeBand.self, label: { $0.label($1) }, parse: IncomeBand.init(surveyText:))
        assertRoundTrip(SocialInsuranceParticipation.self, label: { $0.label($1) },
                        parse: SocialInsuranceParticipation.init(surveyText:))
        assertRoundTrip(WorkerRecordSource.self, label: { $0.label($1) }, parse: WorkerRecordSource.init(surveyText:))
    }

    func testSpecificLabels() {
        XCTAssertEqual(EmploymentStatus.employed.label(.vi), "Có việc làm")
        XCTAssertEqual(EmploymentStatus.inactive.label(.vi), "Không tham gia hoạt động kinh tế")
        XCTAssertEqual(AreaType.rural.label(.vi), "Nông thôn")
        XCTAssertEqual(Qualification.none.label(.vi), "Không có bằng cấp, chứng chỉ")
        XCTAssertEqual(SocialInsuranceParticipation.compulsory.label(.vi), "BHXH bắt buộc")
    }

    func testShortForms() {
        XCTAssertEqual(AreaType(surveyText: "TT"), .urban)
        XCTAssertEqual(AreaType(surveyText: "nt"), .rural)
        XCTAssertEqual(AreaType(surveyText: "nong thon"), .rural)
        XCTAssertEqual(EducationLevel(surveyText: "12/12"), .upperSecondary)
        XCTAssertEqual(EducationLevel(surveyText: "THCS"), .lowerSecondary)
        XCTAssertEqual(Qualification(surveyText: "ĐH"), .university)
        XCTAssertEqual(Qualification(surveyText: "Thạc sĩ"), .postgraduate)
        XCTAssertEqual(Qualification(surveyText: "không"), Qualification.none)
        XCTAssertEqual(EmploymentStatus(surveyText: "co viec lam"), .employed)
        XCTAssertEqual(EmploymentStatus(surveyText: "Ngoài lực lượng lao động"), .inactive)
        XCTAssertEqual(EstablishmentType(surveyText: "FDI"), .foreignInvested)
        XCTAssertEqual(EstablishmentType(surveyText: "htx"), .cooperative)
        XCTAssertEqual(IncomeBand(surveyText: "5-10 triệu"), .from5to10m)
        XCTAssertEqual(SocialInsuranceParticipation(surveyText: "Tự nguyện"), .voluntary)
        XCTAssertEqual(InactivityReason(surveyText: "Nội trợ"), .housework)
    }

    func testEconomicSectorLabelsAndParsing() throws {
        XCTAssertEqual(EconomicSector.all.count, 21)
        let a = try XCTUnwrap(EconomicSector(rawValue: "A"))
        let c = try XCTUnwrap(EconomicSector(rawValue: "C"))
        XCTAssertEqual(a.label(.vi), "Nông nghiệp, lâm nghiệp và thủy sản")
        XCTAssertEqual(try XCTUnwrap(EconomicSector(rawValue: "B")).label(.vi), "Khai khoáng")
        XCTAssertEqual(c.label(.vi), "Công nghiệp chế biến, chế tạo")
        XCTAssertEqual(c.label(.en), "Manufacturing")
        var viNames = Set<String>()
        for sector in EconomicSector.all {
            XCTAssertNotEqual(sector.label(.vi), sector.rawValue)
            XCTAssertNotEqual(sector.label(.en), sector.rawValue)
            viNames.insert(sector.label(.vi))
            for text in [sector.rawValue, sector.rawValue.lowercased(), sector.label(.vi), sector.label(.en),
                         VietnameseName.asciiKey(sector.label(.vi)), "\(sector.rawValue) - \(sector.label(.vi))"] {
                XCTAssertEqual(EconomicSector(surveyText: text), sector, text)
            }
        }
        XCTAssertEqual(viNames.count, 21)
        XCTAssertEqual(EconomicSector(surveyText: "C. Manufacturing"), c)
        XCTAssertEqual(EconomicSector(surveyText: "Nông nghiệp"), a)
        XCTAssertEqual(EconomicSector(surveyText: "Y tế")?.rawValue, "Q")
        XCTAssertNil(EconomicSector(surveyText: "V"))
        XCTAssertNil(EconomicSector(surveyText: "Z - Khác"))
        XCTAssertEqual(EconomicSector(surveyText: "C."), c, "punctuation around a letter is ignored")
    }
}
