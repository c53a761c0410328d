import Foundation
import LienthongClient
import XCTest

/// The labour analysis API's live answers (`/v1/labor/...`, SPEC §7) against its published contract
/// (`Contracts/openapi.yaml`, `Contracts/services/labor.md`).
///
/// One real gateway with `[labor]` (``GatewayHarness`` with `labor: true, laborPartners: true`) is driven through the
/// exchanges of ``LaborAPITests`` (``LaborTraffic``): the refusals and the IOC feed on an empty store, then the
/// board's records, a social-insurance sync, surveys in CSV and XLSX and two broken ones, a round of taking the inbox,
/// the analyses in JSON, CSV and XLSX, the IOC feed again, and a second round asked for while one runs (`409`). CSV
/// and XLSX answers are recorded without their body (status and content type are checked). Every answer of
/// `/v1/labor` is written as one JSON line and piped to `python3 scripts/check-answer.py`, as
/// ``ContractConformanceTests`` does. Skipped when python3 lacks `jsonschema` or `yaml` (see
/// `scripts/install-deps.sh`).
final class LaborContractTests: XCTestCase {
    var harness: GatewayHarness!

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    func testLaborAnswersConformToTheOpenAPIContract() async throws {
        try ContractConformanceTests.requirePython(modules: "jsonschema, yaml")
        harness = try GatewayHarness()
        try await harness.start(labor: true, laborPartners: true)
        let traffic = try LaborTraffic(harness: harness)
        defer { traffic.shutdown() }

        try await traffic.refusals(emptyStore: true)
        try await traffic.iocFeedAccess()
        try await traffic.sendAndIngest()
        try await traffic.analyses()
        try await traffic.exports()
        try await traffic.iocFeedAccess()
        try await traffic.conflictingRound()
        // The analysis by every dimension once (the enums of the contract's value lists), and crossed pairs.
        for dimension in ["ageGroup", "sex", "area", "district", "commune", "employmentStatus", "sector", "trained",
                          "socialInsurance", "incomeBand"] {
            try await traffic.send(traffic.labour, "GET", "/v1/labor/analysis?by=\(dimension)&date=\(traffic.date)", expect: 200)
        }
        for pair in ["sector,socialInsurance", "incomeBand,trained", "district,area"] {
            try await traffic.send(traffic.labour, "GET", "/v1/labor/analysis?by=\(pair)&date=\(traffic.date)", expect: 200)
        }
        try await traffic.send(traffic.labour, "GET", "/v1/labor/status", expect: 200)

        let lines = traffic.log.lines
        XCTAssertGreaterThanOrEqual(lines.count, 60, "a broad set of exchanges")
        let recorded = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(recorded.count, lines.count, "every recorded answer is one JSON line")
        for type in ["text/csv; charset=utf-8", LaborTraffic.xlsx] {
            XCTAssertTrue(recorded.contains { $0["status"] as? Int == 200 && $0["contentType"] as? String == type },
                          "a 200 answer as \(type)")
        }
        for status in [200, 201, 400, 403, 409, 415] {
            XCTAssertTrue(lines.contains { $0.contains(#""status":\#(status),"#) }, "an answer with status \(status)")
        }
        let run = try ContractConformanceTests.python(["scripts/check-answer.py"], stdin: Data(lines.joined(separator: "\n").utf8))
        let output = run.stdout.split(separator: "\n").map(String.init)
        let failures = output.filter { !$0.hasPrefix("ok ") }
        XCTAssertEqual(run.status, 0, "answers that do not match the contract:\n\(failures.joined(separator: "\n"))\n\(run.stderr)")
        XCTAssertEqual(output.filter { $0.hasPrefix("ok ") }.count, lines.count, "one ok line per answer")
        XCTAssertEqual(output.count, lines.count, run.stdout)
    }
}
