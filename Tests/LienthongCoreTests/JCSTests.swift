import LienthongCore
import XCTest

final class JCSTests: XCTestCase {
    private func canonical(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let value = try JSONValue(parsing: Array(json.utf8))
        return String(decoding: JCS.canonicalize(value), as: UTF8.self)
    }

    private func number(_ bits: UInt64) -> String {
        var out: [UInt8] = []
        JCS.appendNumber(Double(bitPattern: bits), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 8785 §3.2.2: the sample input and its canonical output.
    func testRFC8785SampleObject() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        XCTAssertEqual(try canonical(input), expected)
    }

    /// RFC 8785 §3.2.3: members sorted by UTF-16 code units.
    func testRFC8785KeySorting() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        XCTAssertEqual(try canonical(input), expected)
        // U+1F600 (UTF-16 D83D DE00) sorts before U+FB33, although its scalar value is larger.
        XCTAssertTrue(JCS.utf16Precedes("\u{1F600}", "\u{FB33}"))
    }

    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript string forms.
    func testRFC8785AppendixBNumbers() {
        let table: [(UInt64, String)] = [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        ]
        for (bits, expected) in table {
            XCTAssertEqual(number(bits), expected, "bits \(String(bits, radix: 16))")
        }
    }

    func testNumberFormsNamedInTheBrief() {
        func form(_ d: Double) -> String {
            var out: [UInt8] = []
            JCS.appendNumber(d, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(form(333333333.3333333), "333333333.3333333")
        XCTAssertEqual(form(1e30), "1e+30")
        XCTAssertEqual(form(4.5), "4.5")
        XCTAssertEqual(form(0.002), "0.002")
        XCTAssertEqual(form(0.000001), "0.000001")
        XCTAssertEqual(form(1e-7), "1e-7")
        XCTAssertEqual(form(1e21), "1e+21")
        XCTAssertEqual(form(1e20), "100000000000000000000")
        XCTAssertEqual(form(9007199254740992), "9007199254740992")
        XCTAssertEqual(form(-0.0), "0")
        XCTAssertEqual(form(42), "42")
        XCTAssertEqual(form(-42), "-42")
        XCTAssertEqual(form(0.1), "0.1")
        XCTAssertEqual(form(123.456), "123.456")
        XCTAssertEqual(form(.nan), "null")
        XCTAssertEqual(form(.infinity), "null")
    }

    func testIntegerFormMatchesNumberForm() {
        for value: Int64 in [0, 1, -1, 9, 10, 99, 100, 12345, -987654321, 9_007_199_254_740_991, Int64.max, Int64.min] {
            var a: [UInt8] = []
            JCS.appendInteger(value, to: &a)
            XCTAssertEqual(String(decoding: a, as: UTF8.self), String(value))
            if value.magnitude < (1 << 53) {
                var b: [UInt8] = []
                JCS.appendNumber(Double(value), to: &b)
                XCTAssertEqual(a, b)
            }
        }
    }

    func testStringEscaping() {
        var out: [UInt8] = []
        JCS.appendString("a\"b\\c\u{08}\u{0C}\n\r\t\u{00}\u{1F}\u{7F}/é😀", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0000\\u001f\u{7F}/é😀\"")
    }

    func testCanonicalizationIsIdempotent() throws {
        let once = try canonical(#"{"z":[1.0,2.50,{"b":"\u00e9","a":-0}],"a":"x"}"#)
        XCTAssertEqual(once, #"{"a":"x","z":[1,2.5,{"a":0,"b":"é"}]}"#)
        XCTAssertEqual(try canonical(once), once)
    }

    func testParserAcceptsValidDocuments() throws {
        XCTAssertEqual(try JSONValue(parsing: " true "), .bool(true))
        XCTAssertEqual(try JSONValue(parsing: "null"), .null)
        XCTAssertEqual(try JSONValue(parsing: "-0.5e+2"), .number(-50))
        XCTAssertEqual(try JSONValue(parsing: "[]"), .array([]))
        XCTAssertEqual(try JSONValue(parsing: "{}"), .object([:]))
        XCTAssertEqual(try JSONValue(parsing: #""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try JSONValue(parsing: #"{"a":[1,{"b":null}]}"#),
                       .object(["a": .array([.number(1), .object(["b": .null])])]))
    }

    func testParserRefusesInvalidDocuments() {
        let cases: [(String, JSONParseError.Code)] = [
            ("", .unexpectedEnd),
            ("[1,]", .unexpectedByte),
            ("{\"a\":1,}", .unexpectedByte),
            ("01", .invalidNumber),
            ("-", .unexpectedEnd),
            ("1.", .unexpectedEnd),
            ("1.e3", .invalidNumber),
            (".5", .unexpectedByte),
            ("+1", .unexpectedByte),
            ("1e999", .numberOutOfRange),
            ("NaN", .unexpectedByte),
            ("'a'", .unexpectedByte),
            ("\"a\tb\"", .controlCharacterInString),
            (#""\x""#, .invalidEscape),
            (#""\ud800""#, .invalidSurrogate),
            (#""\udc00""#, .invalidSurrogate),
            (#""\ud800\u0041""#, .invalidSurrogate),
            (#"{"a":1,"a":2}"#, .duplicateKey),
            ("true false", .trailingContent),
            ("tru", .unexpectedEnd),
            ("{\"a\" 1}", .unexpectedByte),
            ("[1 2]", .unexpectedByte),
            ("// c\n1", .unexpectedByte),
            ("\"abc", .unexpectedEnd),
        ]
        for (text, code) in cases {
            XCTAssertThrowsError(try JSONValue(parsing: text), "input #\(text)#") { error in
                XCTAssertEqual((error as? JSONParseError)?.code, code, "input #\(text)#")
            }
        }
    }

    func testParserRefusesInvalidUTF8AndBOM() {
        let invalid: [[UInt8]] = [
            [0x22, 0xC3, 0x28, 0x22],              // bad continuation
            [0x22, 0xED, 0xA0, 0x80, 0x22],        // encoded surrogate
            [0x22, 0xC0, 0xAF, 0x22],              // overlong
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],        // invalid byte after an escape
            [0xEF, 0xBB, 0xBF, 0x31],              // byte order mark
        ]
        for bytes in invalid {
            XCTAssertThrowsError(try JSONValue(parsing: bytes))
        }
    }

    func testParserDepthLimit() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try JSONValue(parsing: deep)) { error in
            XCTAssertEqual((error as? JSONParseError)?.code, .tooDeep)
        }
        let ok = String(repeating: "[", count: 5) + String(repeating: "]", count: 5)
        XCTAssertNoThrow(try JSONValue(parsing: ok, maxDepth: 5))
        XCTAssertThrowsError(try JSONValue(parsing: ok, maxDepth: 4))
    }

    func testParseErrorDoesNotEchoContent() {
        XCTAssertThrowsError(try JSONValue(parsing: #"{"secret":012345678901}"#)) { error in
            XCTAssertFalse(String(describing: error).contains("012345678901"))
        }
    }
}
