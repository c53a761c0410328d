import Foundation
import LienthongCore
import XCTest

final class IdentifierTests: XCTestCase {
    // MARK: CMND, social insurance, health insurance

    func testCMNDAcceptsNineDigitsAndValidTwelveDigitForm() throws {
        let nine = try CMND("271234567")
        XCTAssertFalse(nine.isTwelveDigit)
        XCTAssertNil(nine.personalID)
        let twelve = try CMND("075190000123")
        XCTAssertTrue(twelve.isTwelveDigit)
        XCTAssertEqual(twelve.personalID, try PersonalID("075190000123"))
        XCTAssertThrowsError(try CMND("003190000123")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .unknownProvince) }
        XCTAssertThrowsError(try CMND("27123456")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength) }
        XCTAssertThrowsError(try CMND("2712345678")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength) }
        XCTAssertThrowsError(try CMND("27123456x")) { error in
            XCTAssertEqual(error as? IdentifierError,
                           IdentifierError(.notDigits, field: "cmnd", detail: "CMND number must contain only the digits 0-9"))
        }
        XCTAssertFalse("\(nine)".contains("1234567"))
    }

    func testSocialInsuranceNumber() throws {
        let number = try SocialInsuranceNumber("7512345678")
        XCTAssertEqual(number.provinceCode, "75")
        XCTAssertThrowsError(try SocialInsuranceNumber("751234567")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength) }
        XCTAssertThrowsError(try SocialInsuranceNumber("75123456789")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength) }
        XCTAssertThrowsError(try SocialInsuranceNumber("75-1234567")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .notDigits) }
        let json = try JSONEncoder().encode([number])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["7512345678"]"#)
        XCTAssertEqual(try JSONDecoder().decode([SocialInsuranceNumber].self, from: json), [number])
    }

    func testHealthInsuranceCardCode() throws {
        let card = try HealthInsuranceCardCode("DN4797512345678")
        XCTAssertEqual(card.group, "DN")
        XCTAssertEqual(card.level, 4)
        XCTAssertEqual(card.province, "79")
        XCTAssertEqual(card.socialInsuranceNumber, try SocialInsuranceNumber("7512345678"))
        XCTAssertEqual(try HealthInsuranceCardCode("TE1750000000001").level, 1)
        XCTAssertEqual(try HealthInsuranceCardCode("HN5010000000001").level, 5)

        let malformed = ["dn4797512345678", "D14797512345678", "DN0797512345678", "DN6797512345678",
                         "DN4A97512345678", "DN479751234567X", "ĐN4797512345678"]
        for text in malformed {
            XCTAssertThrowsError(try HealthInsuranceCardCode(text), text) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidFormat)
                XCTAssertEqual((error as? IdentifierError)?.field, "healthInsuranceCard")
            }
        }
        for text in ["", "DN479751234567", "DN47975123456789"] {
            XCTAssertThrowsError(try HealthInsuranceCardCode(text), text) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .wrongLength)
            }
        }
        let json = try JSONEncoder().encode([card])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["DN4797512345678"]"#)
        XCTAssertThrowsError(try JSONDecoder().decode([HealthInsuranceCardCode].self, from: Data(#"["DN9797512345678"]"#.utf8)))
    }

    // MARK: Member ids

    func testMemberIDPattern() throws {
        let valid = ["gov.labour.dongnai", "bank.970436", "fin.napas", "gov.commune.26734", "a.b", "a-1.b-2",
                     "gov.iz.dongnai", "x.-", "a.0", "a--.b.c.d"]
        for text in valid {
            XCTAssertEqual(try MemberID(text).value, text)
            XCTAssertTrue(MemberID.isValid(text), text)
        }
        let invalid = ["", "gov", "Gov.x", "1gov.x", "gov.", ".gov", "gov..x", "gov.x.", "gov_x.y", "gov.X",
                       "-gov.x", "gov.lao động", " gov.x", "gov.x ", "gov x.y", "gov.x/y", "ggov.x\n", "đ.x"]
        for text in invalid {
            XCTAssertFalse(MemberID.isValid(text), text)
            XCTAssertThrowsError(try MemberID(text), text) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidFormat)
                XCTAssertEqual((error as? IdentifierError)?.field, "memberId")
            }
        }
    }

    func testMemberIDHelpersAndCoding() throws {
        let bank = try MemberID("bank.970436")
        XCTAssertEqual(bank.bankBIN, "970436")
        XCTAssertNil(try MemberID("bank.97043").bankBIN)
        XCTAssertNil(try MemberID("fin.napas").bankBIN)
        XCTAssertEqual(try MemberID("gov.labour.dongnai").segments, ["gov", "labour", "dongnai"])
        XCTAssertEqual("\(bank)", "bank.970436")
        XCTAssertLessThan(bank, try MemberID("fin.napas"))
        let json = try JSONEncoder().encode([bank])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["bank.970436"]"#)
        XCTAssertEqual(try JSONDecoder().decode([MemberID].self, from: json), [bank])
        XCTAssertThrowsError(try JSONDecoder().decode([MemberID].self, from: Data(#"["Bank.1"]"#.utf8)))
    }

    // MARK: Calendar dates

    func testLeapYears() throws {
        for year in [2000, 2024, 1996, 2400, 1600] {
            XCTAssertNoThrow(try CalendarDate(year: year, month: 2, day: 29), "\(year)")
            XCTAssertTrue(CalendarDate.isLeapYear(year))
        }
        for year in [1900, 2023, 2100, 1800, 2025] {
            XCTAssertThrowsError(try CalendarDate(year: year, month: 2, day: 29), "\(year)") { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidDate)
            }
            XCTAssertFalse(CalendarDate.isLeapYear(year))
        }
    }

    func testInvalidDates() {
        let invalid: [(Int, Int, Int)] = [(2024, 4, 31), (2024, 6, 31), (2024, 9, 31), (2024, 11, 31), (2024, 1, 32),
                                          (2024, 13, 1), (2024, 0, 1), (2024, 1, 0), (0, 1, 1), (10000, 1, 1), (2024, 2, 30)]
        for (y, m, d) in invalid {
            XCTAssertThrowsError(try CalendarDate(year: y, month: m, day: d)) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidDate)
            }
        }
        XCTAssertNoThrow(try CalendarDate(year: 2024, month: 12, day: 31))
        XCTAssertNoThrow(try CalendarDate(year: 1, month: 1, day: 1))
    }

    func testISOParsingIsStrict() throws {
        let date = try CalendarDate(iso: "2024-02-29")
        XCTAssertEqual([date.year, date.month, date.day], [2024, 2, 29])
        XCTAssertEqual(date.iso, "2024-02-29")
        XCTAssertEqual(try CalendarDate(year: 99, month: 1, day: 5).iso, "0099-01-05")
        let malformed = ["2024-2-29", "2024/02/29", "24-02-29", " 2024-02-29", "2024-02-29 ", "2024-02-290",
                         "2024-02-2", "", "2024-02-29T00:00:00Z", "+024-02-29", "2024-0a-29", "２０２４-02-29", "29/02/2024"]
        for text in malformed {
            XCTAssertThrowsError(try CalendarDate(iso: text, field: "dateOfBirth"), text) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidFormat)
                XCTAssertEqual((error as? IdentifierError)?.field, "dateOfBirth")
                XCTAssertFalse((error as? IdentifierError)?.description.contains(text) ?? true)
            }
        }
        for text in ["2023-02-29", "2024-04-31", "0000-01-01", "2024-00-10", "2024-13-01"] {
            XCTAssertThrowsError(try CalendarDate(iso: text), text) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .invalidDate)
            }
        }
    }

    func testDayMonthYearForm() throws {
        XCTAssertEqual(try CalendarDate(dayMonthYear: "29/02/2000"), try CalendarDate(iso: "2000-02-29"))
        XCTAssertThrowsError(try CalendarDate(dayMonthYear: "29/02/2001")) { XCTAssertEqual(($0 as? IdentifierError)?.code, .invalidDate) }
        for text in ["1/2/2000", "2000-02-01", "01/02/00", "01.02.2000"] {
            XCTAssertThrowsError(try CalendarDate(dayMonthYear: text), text) { XCTAssertEqual(($0 as? IdentifierError)?.code, .invalidFormat) }
        }
    }

    func testOrderingCodingAndDayArithmetic() throws {
        let a = try CalendarDate(iso: "1999-12-31")
        let b = try CalendarDate(iso: "2000-01-01")
        XCTAssertLessThan(a, b)
        XCTAssertEqual(a.adding(days: 1), b)
        XCTAssertEqual(try CalendarDate(iso: "1970-01-01").daysSinceEpoch, 0)
        XCTAssertEqual(try CalendarDate(iso: "2000-03-01").daysSinceEpoch, 11017)
        XCTAssertEqual(CalendarDate(daysSinceEpoch: -1), try CalendarDate(iso: "1969-12-31"))
        // Walking day by day from 1896 to 2104 agrees with the month lengths.
        var date = try CalendarDate(iso: "1896-01-01")
        var days = date.daysSinceEpoch
        while date.year < 2104 {
            let next = date.adding(days: 1)
            XCTAssertEqual(next.daysSinceEpoch, days + 1)
            if date.day == CalendarDate.daysInMonth(year: date.year, month: date.month) {
                XCTAssertEqual(next.day, 1)
                XCTAssertEqual(next.month, date.month == 12 ? 1 : date.month + 1)
            } else {
                XCTAssertEqual([next.year, next.month, next.day], [date.year, date.month, date.day + 1])
            }
            date = next
            days += 1
        }
        let json = try JSONEncoder().encode(["dateOfBirth": b])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"{"dateOfBirth":"2000-01-01"}"#)
        XCTAssertEqual(try JSONDecoder().decode([String: CalendarDate].self, from: json)["dateOfBirth"], b)
        XCTAssertThrowsError(try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2001-02-29"]"#.utf8)))
    }

    func testAge() throws {
        let born = try CalendarDate(iso: "2008-02-29")
        XCTAssertEqual(born.age(on: try CalendarDate(iso: "2023-02-28")), 14)
        XCTAssertEqual(born.age(on: try CalendarDate(iso: "2023-03-01")), 15)
        XCTAssertEqual(born.age(on: try CalendarDate(iso: "2024-02-29")), 16)
    }

    // MARK: Provinces

    func testLegacyProvinceList() {
        XCTAssertEqual(LegacyProvinces.all.count, 63)
        XCTAssertEqual(Set(LegacyProvinces.all.map(\.code)).count, 63)
        XCTAssertEqual(LegacyProvinces.name(code: "75"), "Tỉnh Đồng Nai")
        XCTAssertEqual(LegacyProvinces.name(code: "77"), "Tỉnh Bà Rịa - Vũng Tàu")
        XCTAssertNil(LegacyProvinces.name(code: "03"))
        XCTAssertNil(LegacyProvinces.name(code: "075"))
        XCTAssertEqual(LegacyProvinces.all.map(\.code), LegacyProvinces.all.map(\.code).sorted())
    }

    func testProvinces2025AndTheLegacyMapping() {
        XCTAssertEqual(Provinces2025.all.count, 34)
        XCTAssertEqual(Set(Provinces2025.all.map(\.code)).count, 34)
        XCTAssertEqual(Provinces2025.name(code: "79"), "TP Hồ Chí Minh")
        XCTAssertEqual(Provinces2025.name(code: "15"), "Lào Cai")
        XCTAssertNil(Provinces2025.name(code: "77"))
        // Every legacy province has a successor among the 34, and every one of the 34 succeeds some province.
        var successors = Set<String>()
        for province in LegacyProvinces.all {
            guard let successor = Provinces2025.successor(ofLegacyCode: province.code) else {
                XCTFail("no successor for \(province.code)")
                continue
            }
            XCTAssertNotNil(Provinces2025.name(code: successor), province.code)
            successors.insert(successor)
        }
        XCTAssertEqual(successors, Set(Provinces2025.all.map(\.code)))
        // The moves REFERENCE.md names.
        let stated = ["15": "15", "24": "24", "44": "44", "52": "52", "80": "80", "82": "82", "91": "91",
                      "74": "79", "77": "79", "93": "92", "94": "92", "70": "75", "75": "75"]
        for (legacy, new) in stated { XCTAssertEqual(Provinces2025.successor(ofLegacyCode: legacy), new, legacy) }
        // Resolution 202/2025/QH15 mergers whose old code is not the new one.
        let merged = ["10": "15", "27": "24", "45": "44", "64": "52", "72": "80", "87": "82", "89": "91",
                      "02": "08", "06": "19", "17": "25", "26": "25", "30": "31", "34": "33", "35": "37", "36": "37",
                      "49": "48", "62": "51", "54": "66", "58": "56", "60": "68", "67": "68", "83": "86", "84": "86",
                      "95": "96"]
        for (legacy, new) in merged { XCTAssertEqual(Provinces2025.successor(ofLegacyCode: legacy), new, legacy) }
        // Unchanged provinces keep their code.
        for code in ["01", "04", "11", "12", "14", "20", "22", "38", "40", "42", "46"] {
            XCTAssertEqual(Provinces2025.successor(ofLegacyCode: code), code)
        }
        XCTAssertNil(Provinces2025.successor(ofLegacyCode: "03"))
        XCTAssertNil(Provinces2025.successor(ofLegacyCode: "075"))
    }
}
