import LienthongConformance
import XCTest

final class ConformanceReportTests: XCTestCase {
    func testTableNamesEveryCheckAndTheReasonOfFailures() {
        let report = ConformanceReport([
            ConformanceResult(id: "accepts-request", requirement: "a valid request is acknowledged", passed: true, reason: ""),
            ConformanceResult(id: "refuses-other-bin", requirement: "a request for another BIN is refused", passed: false,
                              reason: "expected a 4xx refusal other than 408/429, got 200"),
        ])
        XCTAssertFalse(report.allPassed)
        let lines = report.table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[0].hasPrefix("PASS  accepts-request  "))
        XCTAssertTrue(lines[1].hasPrefix("FAIL  refuses-other-bin"))
        XCTAssertTrue(lines[2].contains("got 200"))
        XCTAssertEqual(lines[3], "1 of 2 checks passed")
        XCTAssertTrue(ConformanceReport([]).allPassed)
    }
}
