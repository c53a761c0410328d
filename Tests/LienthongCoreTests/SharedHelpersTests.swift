import LienthongCore
import XCTest

final class SharedHelpersTests: XCTestCase {
    func testDateInVietnamIsUTCPlusSeven() throws {
        // 2026-11-29T16:59:59Z is 23:59:59 in Vietnam; one second later it is the 30th there.
        let lastSecond = 1_795_971_599.0
        XCTAssertEqual(CalendarDate.inVietnam(secondsSince1970: lastSecond), try CalendarDate(iso: "2026-11-29"))
        XCTAssertEqual(CalendarDate.inVietnam(secondsSince1970: lastSecond + 1), try CalendarDate(iso: "2026-11-30"))
        XCTAssertEqual(CalendarDate.inVietnam(secondsSince1970: -7 * 3600 - 1), try CalendarDate(iso: "1969-12-31"))
    }

    func testOtherToneMarkStyle() {
        XCTAssertEqual(VietnameseName.inOtherToneMarkStyle("Nguyễn Thị Hoà"), "Nguyễn Thị Hòa")
        XCTAssertEqual(VietnameseName.inOtherToneMarkStyle("Nguyễn Thị Hòa"), "Nguyễn Thị Hoà")
        XCTAssertNil(VietnameseName.inOtherToneMarkStyle("Trần Văn An"), "no oa/oe/uy cluster: both styles agree")
    }
}
