import LienthongCore
import LienthongTabular
import XCTest

final class DateTests: XCTestCase {
    private func day(_ y: Int, _ m: Int, _ d: Int) throws -> CalendarDate { try CalendarDate(year: y, month: m, day: d) }

    func testExcel1900SerialsIncludingTheFakeLeapDay() throws {
        XCTAssertEqual(ExcelDate.date(fromSerial: 1), try day(1900, 1, 1))
        XCTAssertEqual(ExcelDate.date(fromSerial: 59), try day(1900, 2, 28))
        XCTAssertNil(ExcelDate.date(fromSerial: 60), "1900-02-29 does not exist")
        XCTAssertEqual(ExcelDate.date(fromSerial: 61), try day(1900, 3, 1))
        XCTAssertEqual(ExcelDate.date(fromSerial: 25_569), try day(1970, 1, 1))
        XCTAssertEqual(ExcelDate.date(fromSerial: 45_292), try day(2024, 1, 1))
        XCTAssertEqual(ExcelDate.date(fromSerial: 2_958_465), try day(9999, 12, 31))
        XCTAssertNil(ExcelDate.date(fromSerial: 0))
        XCTAssertNil(ExcelDate.date(fromSerial: 2_958_466))
        XCTAssertEqual(ExcelDate.date(fromSerialText: "45292.75"), try day(2024, 1, 1))
        XCTAssertNil(ExcelDate.date(fromSerialText: "-3"))
        XCTAssertNil(ExcelDate.date(fromSerialText: "1E5"))
        for serial in [1, 59, 61, 366, 32_874, 45_292, 2_958_465] {
            let date = try XCTUnwrap(ExcelDate.date(fromSerial: serial))
            XCTAssertEqual(ExcelDate.serial(for: date), serial)
        }
        XCTAssertNil(ExcelDate.serial(for: try day(1899, 12, 31)))
    }

    func testExcel1904Serials() throws {
        XCTAssertEqual(ExcelDate.date(fromSerial: 0, system: .system1904), try day(1904, 1, 1))
        XCTAssertEqual(ExcelDate.date(fromSerial: 43_830, system: .system1904), try day(2024, 1, 1))
        XCTAssertEqual(ExcelDate.serial(for: try day(2024, 1, 1), system: .system1904), 43_830)
        XCTAssertNil(ExcelDate.date(fromSerial: -1, system: .system1904))
    }

    func testTabularDateAcceptsEachForm() throws {
        let cases: [(Cell, DateValue?)] = [
            (Cell("01/02/1990"), .day(try day(1990, 2, 1))),
            (Cell("1/2/1990"), .day(try day(1990, 2, 1))),
            (Cell(" 31-12-1985 "), .day(try day(1985, 12, 31))),
            (Cell("31.12.1985"), .day(try day(1985, 12, 31))),
            (Cell("1985-12-31"), .day(try day(1985, 12, 31))),
            (Cell("1985-12-31 00:00:00"), .day(try day(1985, 12, 31))),
            (Cell("1950"), .year(1950)),
            (Cell("45292", kind: .dateSerial), .day(try day(2024, 1, 1))),
            (Cell("32874.5", kind: .dateSerial), .day(try day(1990, 1, 1))),
            (Cell("32874", kind: .number), .day(try day(1990, 1, 1))),
            (Cell("1950", kind: .number), .year(1950)),
            (Cell("30/02/1990"), nil),
            (Cell("1990-02-30"), nil),
            (Cell("01/02/90"), nil),
            (Cell("32874"), nil),
            (Cell("1/2-1990"), nil),
            (Cell("abc"), nil),
            (.empty, nil),
            (Cell("1", kind: .boolean), nil),
        ]
        for (cell, expected) in cases {
            XCTAssertEqual(TabularDate.parse(cell), expected, "\(cell.text) \(cell.kind)")
        }
        XCTAssertEqual(TabularDate.parse(Cell("0", kind: .dateSerial), system: .system1904), .day(try day(1904, 1, 1)))
    }

    func testColumnLetters() {
        XCTAssertEqual([0, 25, 26, 51, 52, 701, 702, 16_383].map(ColumnLetters.letters), ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"])
        XCTAssertEqual(["A", "z", "AA", "XFD"].map { ColumnLetters.index($0) }, [0, 25, 26, 16_383])
        XCTAssertNil(ColumnLetters.index("XFE"))
        XCTAssertNil(ColumnLetters.index("A1"))
        XCTAssertNil(ColumnLetters.index(""))
    }
}
