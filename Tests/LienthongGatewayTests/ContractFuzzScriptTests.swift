import Foundation
import XCTest

/// Contract fuzzing (`scripts/contract-fuzz.sh`): schemathesis against a running gateway over mutual TLS. The summary
/// reader of `scripts/contract-fuzz.py` runs on crafted reports whenever python3 is present; the full script only
/// with `LIENTHONG_SECURITY_SUITES=1`, as it runs the demo, the simulators and a gateway (about 2–3 minutes): once
/// on `Contracts/openapi.yaml` (no failure allowed) and once on a copy that omits a status the gateway answers (the
/// script must fail).
final class ContractFuzzScriptTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var scripts: URL { root.appendingPathComponent("scripts") }

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-contract-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: - The summary (crafted reports)

    func testSummaryCountsOperationsAndFailuresFromTheReports() throws {
        try requirePython()
        let junit = try write("junit.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites><testsuite name="schemathesis">
              <testcase name="POST /v1/services/directory.banks"><failure type="failure" message="ST103">1. Test Case ID: a
            - ST103 Undocumented status code
                Received: 400</failure></testcase>
              <testcase name="GET /v1/inbox"/>
            </testsuite></testsuites>
            """)
        let events = try write("events.ndjson", """
            {"ScenarioFinished":{"recorder":{"label":"GET /v1/inbox","interactions":{"a":{},"b":{}}}}}
            {"ScenarioFinished":{"recorder":{"label":"POST /v1/services/directory.banks","interactions":{"c":{}}}}}
            """)
        let run = try Self.run("/usr/bin/env", ["python3", Self.scripts.appendingPathComponent("contract-fuzz.py").path, "summary", events.path, junit.path])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("FAILED POST /v1/services/directory.banks: ST103 Undocumented status code"), run.stdout)
        let summary = try XCTUnwrap(Self.summary(run.stdout), run.stdout)
        XCTAssertEqual(summary.operations, 2)
        XCTAssertEqual(summary.examples, 3)
        XCTAssertEqual(summary.failures, 1)

        let clean = try write("clean.xml", #"<testsuites><testsuite name="schemathesis"><testcase name="GET /v1/inbox"/></testsuite></testsuites>"#)
        let passed = try Self.run("/usr/bin/env", ["python3", Self.scripts.appendingPathComponent("contract-fuzz.py").path, "summary", events.path, clean.path])
        XCTAssertEqual(passed.status, 0, passed.stdout + passed.stderr)
        XCTAssertEqual(Self.summary(passed.stdout)?.failures, 0, passed.stdout)
    }

    // MARK: - The full script (LIENTHONG_SECURITY_SUITES=1)

    func testGatewayAnswersConformToTheContractUnderFuzzing() throws {
        var environment = try requireSuites()
        let out = folder.appendingPathComponent("report")
        environment["CONTRACT_FUZZ_OUT"] = out.path
        let run = try Self.run("/usr/bin/env", ["bash", Self.scripts.appendingPathComponent("contract-fuzz.sh").path], environment: environment)
        XCTAssertEqual(run.status, 0, "contract-fuzz failed:\n\(run.stdout)\n\(run.stderr)")
        let summary = try XCTUnwrap(Self.summary(run.stdout), "no summary line:\n\(run.stdout)\n\(run.stderr)")
        XCTAssertGreaterThan(summary.operations, 0, "no operation was tested")
        XCTAssertGreaterThan(summary.examples, 0, "no request was sent")
        XCTAssertEqual(summary.failures, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("junit.xml").path), "schemathesis wrote no JUnit report")
        print(run.stdout)
    }

    /// The same run on a contract that omits `400` from `POST /v1/services/directory.banks` must fail: the checks
    /// really compare the gateway's answers with the contract.
    func testFuzzingFailsOnAContractThatOmitsAnAnsweredStatus() throws {
        var environment = try requireSuites()
        let contract = try String(contentsOf: Self.root.appendingPathComponent("Contracts/openapi.yaml"), encoding: .utf8)
        let operation = try XCTUnwrap(contract.range(of: "operationId: listBanks"))
        let line = "'400': { $ref: '#/components/responses/BadRequest' }"
        let status = try XCTUnwrap(contract.range(of: line, range: operation.upperBound..<contract.endIndex))
        let broken = contract.replacingCharacters(in: status, with: "'418': { $ref: '#/components/responses/BadRequest' }")
        let schema = folder.appendingPathComponent("openapi-without-400.yaml")
        try Data(broken.utf8).write(to: schema)
        environment["CONTRACT_FUZZ_SCHEMA"] = schema.path
        environment["CONTRACT_FUZZ_OPERATIONS"] = "^listBanks$"
        environment["CONTRACT_FUZZ_MAX_EXAMPLES"] = "5"
        environment["CONTRACT_FUZZ_OUT"] = folder.appendingPathComponent("report").path
        let run = try Self.run("/usr/bin/env", ["bash", Self.scripts.appendingPathComponent("contract-fuzz.sh").path], environment: environment)
        XCTAssertEqual(run.status, 1, "expected a conformance failure:\n\(run.stdout)\n\(run.stderr)")
        let summary = try XCTUnwrap(Self.summary(run.stdout), "no summary line:\n\(run.stdout)\n\(run.stderr)")
        XCTAssertEqual(summary.operations, 1)
        XCTAssertGreaterThan(summary.failures, 0)
        XCTAssertTrue(run.stdout.contains("Undocumented status code"), run.stdout)
    }

    // MARK: - Support

    func write(_ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data((text + "\n").utf8).write(to: url)
        return url
    }

    func requirePython() throws {
        guard let probe = try? Self.run("/usr/bin/env", ["python3", "-c", "import json, xml.etree.ElementTree"]), probe.status == 0 else {
            throw XCTSkip("python3 is not available")
        }
    }

    /// Skips unless `LIENTHONG_SECURITY_SUITES=1`; returns the script's environment with `LIENTHONG_BIN` set to the
    /// `lienthong` built next to the tests (the script never builds from inside `swift test`).
    func requireSuites() throws -> [String: String] {
        let environment = try securitySuitesEnvironment("contract fuzzing (it runs the demo, simulators and a gateway)")
        try requirePython()
        return environment
    }

    /// The script's last line, `contract-fuzz: N operations, N examples, N failures, N errors`.
    static func summary(_ output: String) -> (operations: Int, examples: Int, failures: Int)? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix("contract-fuzz: ") && line.contains(" operations, ") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count >= 4 else { return nil }
            return (numbers[0], numbers[1], numbers[2] + numbers[3])
        }
        return nil
    }

    /// Runs a process in the repository root (``runProcess(_:_:directory:environment:)``).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess(executable, arguments, directory: root, environment: environment)
    }
}
