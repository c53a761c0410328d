import Foundation
import LienthongCore
import LienthongRegistry
import XCTest

final class FieldParserTests: XCTestCase {
    private func date(_ text: String, numeric: Bool = false) -> FieldValue<BirthDate> {
        FieldParser.birthDate(RawCell(text, numeric: numeric))
    }

    private func full(_ y: Int, _ m: Int, _ d: Int) throws -> FieldValue<BirthDate> {
        .valid(.full(try CalendarDate(year: y, month: m, day: d)))
    }

    func testDateForms() throws {
        XCTAssertEqual(date("15/03/1990"), try full(1990, 3, 15))
        XCTAssertEqual(date("5/3/1990"), try full(1990, 3, 5))
        XCTAssertEqual(date("05-03-1990"), try full(1990, 3, 5))
        XCTAssertEqual(date("05.03.1990"), try full(1990, 3, 5))
        XCTAssertEqual(date("1990-03-15"), try full(1990, 3, 15))
        XCTAssertEqual(date("1990/3/15"), try full(1990, 3, 15))
        XCTAssertEqual(date("19900315"), try full(1990, 3, 15))
        XCTAssertEqual(date("1990-03-15 00:00:00"), try full(1990, 3, 15))
        XCTAssertEqual(date("1990-03-15T00:00:00"), try full(1990, 3, 15))
        XCTAssertEqual(date(" 29/02/2000 "), try full(2000, 2, 29))
    }

    func testYearOnlyAndMonthYearStayPartial() {
        XCTAssertEqual(date("1945"), .valid(.yearOnly(1945)))
        XCTAssertEqual(date("1945", numeric: true), .valid(.yearOnly(1945)))
        XCTAssertEqual(date("1945.0", numeric: true), .valid(.yearOnly(1945)))
        XCTAssertEqual(date("00/00/1945"), .valid(.yearOnly(1945)))
        XCTAssertEqual(date("0/0/1945"), .valid(.yearOnly(1945)))
        XCTAssertEqual(date("08/1945"), .valid(.yearMonth(year: 1945, month: 8)))
        XCTAssertEqual(date("00/08/1945"), .valid(.yearMonth(year: 1945, month: 8)))
        XCTAssertEqual(date("1945-08"), .valid(.yearMonth(year: 1945, month: 8)))
        XCTAssertEqual(date("1945-8"), .valid(.yearMonth(year: 1945, month: 8)))
        XCTAssertEqual(BirthDate.yearOnly(1945).text, "1945")
        XCTAssertNil(BirthDate.yearOnly(1945).fullDate)
        XCTAssertFalse(BirthDate.yearMonth(year: 1945, month: 8).isComplete)
    }

    func testExcelSerialsAsTextOrNumber() throws {
        XCTAssertEqual(date("32947"), try full(1990, 3, 15))
        XCTAssertEqual(date("32947", numeric: true), try full(1990, 3, 15))
        XCTAssertEqual(date("32947.0", numeric: true), try full(1990, 3, 15))
        XCTAssertEqual(date("32947.75", numeric: true), try full(1990, 3, 15), "a time fraction is dropped")
        XCTAssertEqual(date("42156"), try full(2015, 6, 1))
        XCTAssertEqual(date("16668"), try full(1945, 8, 19))
        XCTAssertEqual(date("61"), try full(1900, 3, 1))
        XCTAssertEqual(date("59"), try full(1900, 2, 28))
        XCTAssertEqual(date("1"), try full(1900, 1, 1))
        XCTAssertEqual(date("60"), .invalid, "1900-02-29 does not exist")
        XCTAssertEqual(date("0"), .invalid)
    }

    func testInvalidDates() {
        for text in ["31/02/2000", "29/02/1900", "15/13/1990", "15/03/90", "1990-13", "13/1990", "ngày 15", "15/03/1990/1",
                     "99999999", "abc", "15 tháng 3", "3.5"] {
            XCTAssertEqual(date(text), .invalid, text)
        }
        XCTAssertEqual(date("   "), .absent)
        XCTAssertEqual(FieldParser.birthDate(nil), .absent)
    }

    func testBirthDateJSONForm() throws {
        let values: [BirthDate] = [.full(try CalendarDate(year: 1990, month: 3, day: 5)), .yearMonth(year: 1945, month: 8),
                                   .yearOnly(1945)]
        let data = try JSONEncoder().encode(values)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["1990-03-05","1945-08","1945"]"#)
        XCTAssertEqual(try JSONDecoder().decode([BirthDate].self, from: data), values)
        XCTAssertThrowsError(try JSONDecoder().decode([BirthDate].self, from: Data(#"["05/03/1990"]"#.utf8)))
    }

    func testPersonalIDPaddingOnlyFromNumbers() {
        let expected = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 1)
        XCTAssertEqual(FieldParser.personalID(RawCell("075090000001")), .valid(expected))
        XCTAssertEqual(FieldParser.personalID(RawCell("75090000001", numeric: true)), .valid(expected))
        XCTAssertEqual(FieldParser.personalID(RawCell("75090000001.0", numeric: true)), .valid(expected))
        XCTAssertEqual(FieldParser.personalID(RawCell("7.5090000001E+10")), .valid(expected), "scientific notation is a number")
        XCTAssertEqual(FieldParser.personalID(RawCell("75090000001")), .invalid, "text is never padded")
        XCTAssertEqual(FieldParser.personalID(RawCell("'075090000001")), .valid(expected))
        XCTAssertEqual(FieldParser.personalID(RawCell(" 075 090 000 001 ")), .valid(expected))
        XCTAssertEqual(FieldParser.personalID(RawCell("075.090.000.001")), .valid(expected))
        // Hà Nội's prefix 001 loses two zeros.
        let hanoi = PersonalID.make(provinceCode: "01", birthYear: 1990, sex: .male, serial: 1)
        XCTAssertEqual(FieldParser.personalID(RawCell("1090000001", numeric: true)), .valid(hanoi))
        XCTAssertEqual(FieldParser.personalID(RawCell("003090000001")), .invalid, "003 is no province")
        XCTAssertEqual(FieldParser.personalID(RawCell("07509000000A")), .invalid)
        XCTAssertEqual(FieldParser.personalID(RawCell("0750900000012")), .invalid)
        XCTAssertEqual(FieldParser.personalID(RawCell("7.51E+1")), .invalid, "not a whole number")
        XCTAssertEqual(FieldParser.personalID(RawCell("")), .absent)
    }

    func testCMND() {
        XCTAssertEqual(FieldParser.cmnd(RawCell("271234567")).value?.digits, "271234567")
        XCTAssertEqual(FieldParser.cmnd(RawCell("12345678", numeric: true)).value?.digits, "012345678")
        XCTAssertEqual(FieldParser.cmnd(RawCell("12345678")), .invalid, "text is never padded")
        XCTAssertEqual(FieldParser.cmnd(RawCell("075090000001")).value?.isTwelveDigit, true)
        XCTAssertEqual(FieldParser.cmnd(RawCell("75090000001", numeric: true)).value?.digits, "075090000001")
        XCTAssertEqual(FieldParser.cmnd(RawCell("2712345")), .invalid)
        XCTAssertEqual(FieldParser.cmnd(RawCell("27123456X")), .invalid)
    }

    func testSex() {
        for text in ["Nam", "NAM", "nam", "male", "Male", "M", "m", "1", "Trai"] {
            XCTAssertEqual(FieldParser.sex(RawCell(text)), .valid(.male), text)
        }
        for text in ["Nữ", "NỮ", "nu", "Nu\u{0303}", "female", "F", "f", "2", "Gái"] {
            XCTAssertEqual(FieldParser.sex(RawCell(text)), .valid(.female), text)
        }
        XCTAssertEqual(FieldParser.sex(RawCell("1.0", numeric: true)), .valid(.male))
        XCTAssertEqual(FieldParser.sex(RawCell("0")), .invalid, "0 is ambiguous")
        XCTAssertEqual(FieldParser.sex(RawCell("khác")), .invalid)
        XCTAssertEqual(FieldParser.sex(RawCell(" ")), .absent)
    }

    func testNoCapacityFlag() {
        for text in ["x", "X", "có", "Có", "co", "yes", "Y", "1", "TRUE", "✓", "Không còn khả năng giao dịch",
                     "Mất năng lực hành vi dân sự"] {
            XCTAssertEqual(FieldParser.flag(RawCell(text)), .valid(true), text)
        }
        for text in ["không", "Không", "no", "0", "false", "-"] {
            XCTAssertEqual(FieldParser.flag(RawCell(text)), .valid(false), text)
        }
        XCTAssertEqual(FieldParser.flag(RawCell("1.0", numeric: true)), .valid(true))
        XCTAssertEqual(FieldParser.flag(RawCell("")), .absent)
        XCTAssertEqual(FieldParser.flag(RawCell("có lẽ")), .invalid)
    }

    func testCategories() {
        XCTAssertEqual(FieldParser.categories(RawCell("Hộ nghèo")), .valid([.poorHousehold]))
        XCTAssertEqual(FieldParser.categories(RawCell("Người có công; Hộ cận nghèo")),
                       .valid([.meritoriousService, .nearPoorHousehold]))
        XCTAssertEqual(FieldParser.categories(RawCell("BTXH, poor household, ho-ngheo")),
                       .valid([.socialProtection, .poorHousehold]))
        XCTAssertEqual(FieldParser.categories(RawCell("Trẻ em;")), .valid([.child]))
        XCTAssertEqual(FieldParser.categories(RawCell("Hộ nghèo, hưu trí")), .invalid)
        XCTAssertEqual(FieldParser.categories(RawCell(" ; ")), .absent)
        XCTAssertEqual(FieldParser.categories(nil), .absent)
    }

    func testAccountTypeNumberPhoneCommuneCode() {
        XCTAssertEqual(FieldParser.accountType(RawCell("Tài khoản ngân hàng")), .valid(.bank))
        XCTAssertEqual(FieldParser.accountType(RawCell("TAI KHOAN NGAN HANG")), .valid(.bank))
        XCTAssertEqual(FieldParser.accountType(RawCell("Ví điện tử")), .valid(.eWallet))
        XCTAssertEqual(FieldParser.accountType(RawCell("e-wallet")), .valid(.eWallet))
        XCTAssertEqual(FieldParser.accountType(RawCell("Mobile Money")), .valid(.mobileMoney))
        XCTAssertEqual(FieldParser.accountType(RawCell("mobile-money")), .valid(.mobileMoney))
        XCTAssertEqual(FieldParser.accountType(RawCell("tiền mặt")), .invalid)

        XCTAssertEqual(FieldParser.accountNumber(RawCell("1234 5678 9012")), .valid("123456789012"))
        XCTAssertEqual(FieldParser.accountNumber(RawCell("0123456789")), .valid("0123456789"))
        XCTAssertEqual(FieldParser.accountNumber(RawCell("1.23457E+15", numeric: true)), .invalid)
        XCTAssertEqual(FieldParser.accountNumber(RawCell(String(repeating: "1", count: 35))), .invalid)
        XCTAssertEqual(FieldParser.accountNumber(RawCell("số tk")), .invalid)

        XCTAssertEqual(FieldParser.phone(RawCell("0912 345 678")), .valid("0912345678"))
        XCTAssertEqual(FieldParser.phone(RawCell("+84 912 345 678")), .valid("0912345678"))
        XCTAssertEqual(FieldParser.phone(RawCell("912345678", numeric: true)), .valid("0912345678"))
        XCTAssertEqual(FieldParser.phone(RawCell("12345")), .invalid)

        XCTAssertEqual(FieldParser.communeCode(RawCell("26041")), .valid("26041"))
        XCTAssertEqual(FieldParser.communeCode(RawCell("4", numeric: true)), .valid("00004"))
        XCTAssertEqual(FieldParser.communeCode(RawCell("4")), .invalid)
    }

    func testTextIsNFCSingleSpacedAndKeepsToneStyle() {
        let nfd = "Nguye\u{0302}\u{0303}n   Thi\u{0323}  Hoa\u{0300}\u{00A0}"
        let nfc = "Nguy\u{1EC5}n Th\u{1ECB} Ho\u{00E0}"
        let stored = FieldParser.text(RawCell(nfd))
        XCTAssertEqual(stored.map { Array($0.unicodeScalars) }, Array(nfc.unicodeScalars), "stored as NFC, single-spaced")
        // Old and new tone-mark styles stay as written.
        let old = "Nguy\u{1EC5}n Th\u{1ECB} H\u{00F2}a"  // Hòa
        XCTAssertEqual(FieldParser.text(RawCell(old)).map { Array($0.unicodeScalars) }, Array(old.unicodeScalars))
        XCTAssertEqual(FieldParser.text(RawCell(nfc)).map { Array($0.unicodeScalars) }, Array(nfc.unicodeScalars))
        XCTAssertNil(FieldParser.text(RawCell(" \u{00A0} ")))
    }

    func testCategoryParsing() {
        XCTAssertEqual(BeneficiaryCategory.parse("Người có công với cách mạng"), .meritoriousService)
        XCTAssertEqual(BeneficiaryCategory.parse("NCC"), .meritoriousService)
        XCTAssertEqual(BeneficiaryCategory.parse("Thân nhân liệt sĩ"), .meritoriousServiceRelative)
        XCTAssertEqual(BeneficiaryCategory.parse("HỘ CẬN NGHÈO"), .nearPoorHousehold)
        XCTAssertEqual(BeneficiaryCategory.parse("Người nghiện ma tuý"), .drugAddiction)
        XCTAssertEqual(BeneficiaryCategory.parse("Người nghiện ma túy"), .drugAddiction)
        XCTAssertEqual(BeneficiaryCategory.parse("child"), .child)
        for category in BeneficiaryCategory.allCases {
            XCTAssertEqual(BeneficiaryCategory.parse(category.rawValue), category)
            XCTAssertEqual(BeneficiaryCategory.parse(category.vietnameseName), category)
            XCTAssertEqual(BeneficiaryCategory.parse(category.englishName), category)
            for alias in category.aliases { XCTAssertEqual(BeneficiaryCategory.parse(alias), category, alias) }
        }
        XCTAssertNil(BeneficiaryCategory.parse("Hưu trí"))
    }

    func testBankMatcher() {
        let matcher = BankMatcher.standard
        XCTAssertEqual(matcher.bank(for: "970405")?.shortName, "Agribank")
        XCTAssertEqual(matcher.bank(for: "Agribank")?.bin, "970405")
        XCTAssertEqual(matcher.bank(for: "NH Agribank")?.bin, "970405")
        XCTAssertEqual(matcher.bank(for: "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam")?.bin, "970405")
        XCTAssertEqual(matcher.bank(for: "VCB")?.bin, "970436")
        XCTAssertEqual(matcher.bank(for: "Ngân hàng TMCP Vietcombank")?.bin, "970436")
        XCTAssertEqual(matcher.bank(for: "bidv")?.bin, "970418")
        XCTAssertNil(matcher.bank(for: "999999"))
        XCTAssertNil(matcher.bank(for: "MoMo"))
        // A configured catalog (e.g. with the Bank for Social Policies) is used as given.
        let catalog = try? BankCatalog.standard.merging([Bank(bin: "999999", shortName: "VBSP", name: "Ngân hàng Chính sách xã hội")])
        let custom = BankMatcher(catalog: catalog ?? .standard)
        XCTAssertEqual(custom.bank(for: "Ngân hàng Chính sách xã hội")?.bin, "999999")
        XCTAssertEqual(custom.bank(for: "VBSP")?.bin, "999999")
    }
}
