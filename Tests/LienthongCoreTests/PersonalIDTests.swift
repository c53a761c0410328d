import Foundation
import LienthongCore
import XCTest

final class PersonalIDTests: XCTestCase {
    // All numbers here are synthetic: province prefix + century/sex digit + year + made-up serial.

    func testEveryCenturySexDigitGivesBirthYearAndSex() throws {
        let expected: [(Int, Sex)] = [
            (1985, .male), (1985, .female), (2085, .male), (2085, .female), (2185, .male),
            (2185, .female), (2285, .male), (2285, .female), (2385, .male), (2385, .female),
        ]
        for digit in 0...9 {
            let id = try PersonalID("075\(digit)85000123")
            XCTAssertEqual(id.centurySexDigit, digit)
            XCTAssertEqual(id.birthYear, expected[digit].0, "digit \(digit)")
            XCTAssertEqual(id.sex, expected[digit].1, "digit \(digit)")
        }
    }

    func testBirthYearUsesBothYearDigits() throws {
        XCTAssertEqual(try PersonalID("001000000001").birthYear, 1900)
        XCTAssertEqual(try PersonalID("001199000001").birthYear, 1999)
        XCTAssertEqual(try PersonalID("001207000001").birthYear, 2007)
        XCTAssertEqual(try PersonalID("001399000001").birthYear, 2099)
        XCTAssertEqual(try PersonalID("001300000001").sex, .female)
    }

    func testKnownProvincePrefixes() throws {
        XCTAssertEqual(try PersonalID("001190000001").birthRegistration, .province(code: "01", name: "Thành phố Hà Nội"))
        XCTAssertEqual(try PersonalID("075190000001").birthRegistration, .province(code: "75", name: "Tỉnh Đồng Nai"))
        // The prefix is read through the legacy list even where the 2025 list reuses the code.
        XCTAssertEqual(try PersonalID("015190000001").birthRegistration, .province(code: "15", name: "Tỉnh Yên Bái"))
        XCTAssertEqual(try PersonalID("044190000001").birthRegistration, .province(code: "44", name: "Tỉnh Quảng Bình"))
        for province in LegacyProvinces.all {
            let id = try PersonalID("0\(province.code)190000001")
            XCTAssertEqual(id.birthRegistration, .province(code: province.code, name: province.name))
        }
    }

    func testUnknownProvincePrefixesAreRejected() {
        let legacy = Set(LegacyProvinces.all.map(\.code))
        for code in 0...99 {
            let two = code < 10 ? "0\(code)" : "\(code)"
            let text = "0\(two)190000001"
            if legacy.contains(two) {
                XCTAssertNoThrow(try PersonalID(text))
            } else {
                XCTAssertThrowsError(try PersonalID(text)) { error in
                    XCTAssertEqual((error as? IdentifierError)?.code, .unknownProvince, "prefix 0\(two)")
                }
            }
        }
        XCTAssertThrowsError(try PersonalID("003190000001")) { error in
            XCTAssertEqual(error as? IdentifierError,
                           IdentifierError(.unknownProvince, field: "personalId",
                                           detail: "birth-registration province code is not a known province"))
        }
    }

    func testAbroadPrefixIsACountryCode() throws {
        XCTAssertEqual(try PersonalID("840195000001").birthRegistration, .abroad(countryCode: "840"))
        XCTAssertEqual(try PersonalID("100300000001").birthRegistration, .abroad(countryCode: "100"))
        XCTAssertEqual(try PersonalID("840195000001").birthYear, 1995)
    }

    func testWrongLengthAndNonDigits() {
        let wrongLength = ["", "0751900001", "07519000012", "0751900001234", "0751900001230000"]
        for text in wrongLength {
            XCTAssertThrowsError(try PersonalID(text)) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .wrongLength)
            }
        }
        let notDigits = [
            "07519000012a", " 075190000123", "075190000123 ", "075-190-000123", "O75190000123",
            "０７５１９００００１２３", "٠٧٥١٩٠٠٠٠١٢٣", "07519000012\u{0663}",
        ]
        for text in notDigits {
            XCTAssertThrowsError(try PersonalID(text)) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .notDigits)
            }
        }
    }

    func testErrorTextNeverContainsTheInput() {
        let inputs = ["0751900001234", "07519000012x", "003190000001", "98765", "075190000123456789"]
        for input in inputs {
            XCTAssertThrowsError(try PersonalID(input, field: "payeeId")) { error in
                guard let error = error as? IdentifierError else { return XCTFail("wrong error type") }
                XCTAssertEqual(error.field, "payeeId")
                let texts = [error.description, error.detail, String(describing: error), "\(error)"]
                for text in texts {
                    XCTAssertFalse(text.contains(input))
                    // No run of four input characters appears in the message.
                    let characters = Array(input)
                    if characters.count >= 4 {
                        for start in 0...(characters.count - 4) {
                            XCTAssertFalse(text.contains(String(characters[start..<start + 4])), "\(text)")
                        }
                    }
                }
            }
        }
    }

    func testConsistencyWithStatedBirthYearAndSex() throws {
        let id = try PersonalID("075301000042")   // female, 2001
        XCTAssertEqual(id.consistencyProblems(birthYear: 2001, sex: .female), [])
        XCTAssertEqual(id.consistencyProblems(birthYear: nil, sex: nil), [])
        XCTAssertEqual(id.consistencyProblems(birthYear: 1901, sex: .female).map(\.code), [.birthYearMismatch])
        XCTAssertEqual(id.consistencyProblems(birthYear: 2001, sex: .male).map(\.code), [.sexMismatch])
        let both = id.consistencyProblems(birthYear: 2002, sex: .male, field: "guardianId")
        XCTAssertEqual(both.map(\.code), [.birthYearMismatch, .sexMismatch])
        XCTAssertEqual(both.map(\.field), ["guardianId", "guardianId"])
        for problem in both { XCTAssertFalse(problem.detail.contains("2001")) }
    }

    func testMakeBuildsValidNumbers() throws {
        let cases: [(String, Int, Sex, Int, String)] = [
            ("75", 1990, .male, 123, "075090000123"),
            ("01", 1900, .female, 0, "001100000000"),
            ("96", 2000, .male, 999_999, "096200999999"),
            ("79", 2099, .female, 42, "079399000042"),
            ("001", 2105, .male, 7, "001405000007"),
            ("840", 2399, .female, 5, "840999000005"),
        ]
        for (province, year, sex, serial, digits) in cases {
            let id = PersonalID.make(provinceCode: province, birthYear: year, sex: sex, serial: serial)
            XCTAssertEqual(id.digits, digits)
            XCTAssertEqual(id.birthYear, year)
            XCTAssertEqual(id.sex, sex)
        }
    }

    func testCenturySexDigitRejectsUnsupportedCenturies() throws {
        XCTAssertEqual(try PersonalID.centurySexDigit(birthYear: 2024, sex: .female), 3)
        for year in [1899, 2400, 0] {
            XCTAssertThrowsError(try PersonalID.centurySexDigit(birthYear: year, sex: .male)) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .unsupportedCentury)
            }
        }
    }

    func testCodableAsPlainString() throws {
        let id = try PersonalID("075190000123")
        let data = try JSONEncoder().encode(["personalId": id])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"personalId":"075190000123"}"#)
        let decoded = try JSONDecoder().decode([String: PersonalID].self, from: data)
        XCTAssertEqual(decoded["personalId"], id)
        XCTAssertThrowsError(try JSONDecoder().decode([PersonalID].self, from: Data(#"["003190000123"]"#.utf8))) { error in
            XCTAssertFalse("\(error)".contains("003190000123"))
        }
        XCTAssertThrowsError(try JSONDecoder().decode([PersonalID].self, from: Data("[75190000123]".utf8)))
    }

    func testDescriptionIsRedactedAndOrderFollowsDigits() throws {
        let a = try PersonalID("075190000123")
        let b = try PersonalID("079190000001")
        XCTAssertFalse("\(a)".contains("190000123"))
        XCTAssertFalse(String(reflecting: a).contains("190000123"))
        XCTAssertLessThan(a, b)
        XCTAssertEqual([b, a].sorted(), [a, b])
    }
}
