import Foundation
import LienthongQueue
import XCTest

final class RetryAfterTests: XCTestCase {
    /// "Sun, 06 Nov 1994 08:49:37 GMT", the RFC 9110 example.
    private let rfcExample = Date(timeIntervalSince1970: 784_111_777)
    /// Two minutes before the RFC example.
    private var twoMinutesBefore: Date { rfcExample.plus(-120) }

    func testDeltaSeconds() {
        XCTAssertEqual(RetryAfter.parse("120", now: t0), .seconds(120))
        XCTAssertEqual(RetryAfter.parse("0", now: t0), .zero)
        XCTAssertEqual(RetryAfter.parse("007", now: t0), .seconds(7))
        XCTAssertEqual(RetryAfter.parse(" \t7 ", now: t0), .seconds(7), "optional whitespace around the value")
        XCTAssertEqual(RetryAfter.parse("86400", now: t0), .seconds(86_400))
    }

    func testDeltaSecondsAreCapped() {
        XCTAssertEqual(RetryAfter.parse("86401", now: t0), .seconds(86_400))
        XCTAssertEqual(RetryAfter.parse("99999999999999999999999999", now: t0), .seconds(86_400), "no overflow")
        XCTAssertEqual(RetryAfter.parse("3600", now: t0, maximum: .seconds(60)), .seconds(60))
        XCTAssertEqual(RetryAfter.parse("59", now: t0, maximum: .seconds(60)), .seconds(59))
        XCTAssertEqual(RetryAfter.defaultMaximum, .seconds(86_400))
    }

    func testRefusesNegativesAndJunk() {
        for junk in ["", "   ", "-5", "-0", "+5", "5.5", "1e3", "12abc", "abc", "5 5", "0x10", "٣", "１２",
                     "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "sun, 06 nov 1994 08:49:37 GMT",
                     "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                     "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                     "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 1994 08:49:37 GMT x",
                     "Sun,06 Nov 1994 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
                     "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94"] {
            XCTAssertNil(RetryAfter.parse(junk, now: twoMinutesBefore), "\(junk.debugDescription) must be refused")
        }
    }

    func testIMFFixdate() {
        XCTAssertEqual(RetryAfter.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT", now: t0), rfcExample)
        XCTAssertEqual(RetryAfter.parseHTTPDate("Thu, 01 Jan 1970 00:00:00 GMT", now: t0), Date(timeIntervalSince1970: 0))
        XCTAssertEqual(RetryAfter.parseHTTPDate("Thu, 29 Feb 2024 00:00:00 GMT", now: t0), Date(timeIntervalSince1970: 1_709_164_800))
        XCTAssertNil(RetryAfter.parseHTTPDate("Wed, 29 Feb 2023 00:00:00 GMT", now: t0), "2023 is not a leap year")
        XCTAssertNil(RetryAfter.parseHTTPDate("Thu, 29 Feb 1900 00:00:00 GMT", now: t0), "1900 is not a leap year")
        XCTAssertNotNil(RetryAfter.parseHTTPDate("Tue, 29 Feb 2000 00:00:00 GMT", now: t0), "2000 is a leap year")
        XCTAssertEqual(RetryAfter.parseHTTPDate("Fri, 31 Dec 9999 23:59:59 GMT", now: t0), Date(timeIntervalSince1970: 253_402_300_799))
        XCTAssertEqual(RetryAfter.parseHTTPDate("Sun, 06 Nov 1994 08:49:60 GMT", now: t0), Date(timeIntervalSince1970: 784_111_800),
                       "a leap second reads as the next minute")
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: twoMinutesBefore), .seconds(120))
        XCTAssertEqual(RetryAfter.parse("  Sun, 06 Nov 1994 08:49:37 GMT ", now: twoMinutesBefore), .seconds(120))
    }

    func testObsoleteDateForms() {
        XCTAssertEqual(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: twoMinutesBefore), .seconds(120))
        XCTAssertEqual(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: twoMinutesBefore), .seconds(120))
        XCTAssertEqual(RetryAfter.parseHTTPDate("Sun Nov 16 08:49:37 1994", now: t0), rfcExample.plus(10 * 86_400))
        // Two-digit years: at most 50 years ahead of now (2025): 75 → 2075, 76 → 1976.
        XCTAssertEqual(RetryAfter.parseHTTPDate("Tuesday, 01-Jan-75 00:00:00 GMT", now: t0), Date(timeIntervalSince1970: 3_313_526_400))
        XCTAssertEqual(RetryAfter.parseHTTPDate("Thursday, 01-Jan-76 00:00:00 GMT", now: t0), Date(timeIntervalSince1970: 189_302_400))
    }

    func testPastDatesMeanNoDelayAndFarDatesAreCapped() {
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: t0), .zero, "a date in the past")
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: rfcExample), .zero, "exactly now")
        XCTAssertEqual(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", now: t0), .seconds(86_400))
        // A date with a fractional `now`: the delay is exact, not rounded.
        let delay = RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: rfcExample.plus(-0.25))
        XCTAssertEqual(delay.map { Double($0.components.attoseconds) * 1e-18 + Double($0.components.seconds) } ?? -1, 0.25, accuracy: 1e-6)
    }
}
