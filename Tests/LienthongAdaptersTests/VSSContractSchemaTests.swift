import Foundation
import LienthongAdapters
import LienthongCore
import LienthongSimulators
import XCTest

/// The VSS contract files (`Contracts/upstream/vss-*`) against each other and against the Swift code: the
/// examples validate against the JSON Schemas (with python3 `jsonschema`), what the simulator and the register
/// write validates too, and what the schemas refuse is refused.
final class VSSContractSchemaTests: XCTestCase {
    static let upstream = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Contracts/upstream")

    /// Schema of each example, by file-name prefix.
    static let schemaOfPrefix = [
        "vss-lookup-request": "vss-lookup-request",
        "vss-lookup-response": "vss-lookup-response",
        "vss-error": "vss-error",
        "vss-participant-sync": "vss-participant-sync",
    ]

    func exampleFiles() throws -> [URL] {
        let directory = Self.upstream.appendingPathComponent("examples")
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("vss-") && $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func schema(of file: URL) -> String? {
        Self.schemaOfPrefix.first { file.lastPathComponent.hasPrefix($0.key) }?.value
    }

    func testExamplesAreReadByTheSwiftCode() throws {
        let files = try exampleFiles()
        XCTAssertGreaterThanOrEqual(files.count, 6)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            switch schema(of: file) {
            case "vss-lookup-request"?:
                XCTAssertNoThrow(try VSSUpstream.Query(parsing: bytes), file.lastPathComponent)
            case "vss-lookup-response"?:
                XCTAssertNoThrow(try VSSUpstream.LookupAnswer(parsing: bytes), file.lastPathComponent)
            case "vss-error"?:
                XCTAssertNoThrow(try JSONDecoder().decode(VSSUpstream.ErrorAnswer.self, from: Data(bytes)), file.lastPathComponent)
            case "vss-participant-sync"?:
                let report = ParticipantSync.validate(try JSONValue(parsing: bytes), today: try CalendarDate(iso: "2025-07-01"))
                XCTAssertEqual(report.refused, [], file.lastPathComponent)
                XCTAssertGreaterThan(report.accepted.count, 0)
            default:
                XCTFail("no schema for \(file.lastPathComponent)")
            }
        }
    }

    func testExamplesAndGeneratedDocumentsAgainstTheSchemas() throws {
        try XCTSkipUnless(Python.canImport("jsonschema"), "python3 with the jsonschema module is not available")
        var cases: [[String: Any]] = []
        func add(_ schema: String, _ value: JSONValue, valid: Bool, _ name: String) throws {
            let instance = try JSONSerialization.jsonObject(with: Data(JCS.canonicalize(value)), options: [.fragmentsAllowed])
            cases.append(["schema": schema, "instance": instance, "valid": valid, "name": name])
        }
        for file in try exampleFiles() {
            let schema = try XCTUnwrap(schema(of: file), file.lastPathComponent)
            let instance = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
            cases.append(["schema": schema, "instance": instance, "valid": true, "name": file.lastPathComponent])
        }

        // What the simulator writes.
        let register = ParticipantRegister(citizens: SyntheticPopulation.generate(citizens: 400, seed: 5), seed: 5)
        for participant in register.participants.prefix(60) {
            try add("vss-lookup-response", VSSUpstream.LookupAnswer.found(participant.upstreamRecord).json, valid: true, "generated answer")
            try add("vss-lookup-request", VSSUpstream.Query.personalID(participant.personalId).json, valid: true, "query by id")
            try add("vss-lookup-request", VSSUpstream.Query.socialInsuranceNumber(participant.socialInsuranceNumber).json, valid: true, "query by number")
        }
        try add("vss-lookup-response", VSSUpstream.LookupAnswer.notFound.json, valid: true, "not found")
        try add("vss-error", VSSUpstream.ErrorAnswer(errorCode: "INVALID_REQUEST", message: "body: must be an object").json, valid: true, "error")
        try add("vss-participant-sync", register.syncBatch(count: 200, seed: 3), valid: true, "generated sync")

        // What the schemas must refuse.
        let id = try XCTUnwrap(register.participants.first)
        try add("vss-lookup-request", .object(["personalId": .string(id.personalId), "socialInsuranceNumber": .string(id.socialInsuranceNumber)]), valid: false, "both keys")
        try add("vss-lookup-request", .object([:]), valid: false, "no key")
        try add("vss-lookup-request", .object(["personalId": .string(id.personalId), "extra": .bool(true)]), valid: false, "extra member")
        try add("vss-lookup-request", .object(["socialInsuranceNumber": .string("751234567")]), valid: false, "9 digits")
        try add("vss-lookup-response", .object(["found": .bool(true)]), valid: false, "found without participant")
        try add("vss-lookup-response", .object(["found": .bool(false), "participant": id.upstreamRecord.json]), valid: false, "not found with participant")
        var badCard = id.upstreamRecord
        badCard.healthInsuranceCard = "dn4757512345678"
        try add("vss-lookup-response", VSSUpstream.LookupAnswer.found(badCard).json, valid: false, "lower-case card")
        try add("vss-lookup-response", .object(["found": .bool(true), "participant": .object(["personalId": .string(id.personalId)])]), valid: false, "partial participant")
        try add("vss-error", .object(["errorCode": .string("OOPS"), "message": .string("x")]), valid: false, "unknown error code")
        try add("vss-participant-sync", .object(["asOf": .string("2025-07-01")]), valid: false, "no records")
        var missingName = id.syncRecord
        if case .object(var members) = missingName {
            members["fullName"] = nil
            missingName = .object(members)
        }
        try add("vss-participant-sync", .object(["records": .array([missingName])]), valid: false, "record without fullName")
        var badSex = id.syncRecord
        if case .object(var members) = badSex {
            members["sex"] = .string("M")
            badSex = .object(members)
        }
        try add("vss-participant-sync", .object(["records": .array([badSex])]), valid: false, "sex M")

        let input = FileManager.default.temporaryDirectory.appendingPathComponent("vss-schema-cases-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: input) }
        try JSONSerialization.data(withJSONObject: ["cases": cases]).write(to: input)
        let output = try Python.run(Self.script, arguments: [Self.upstream.path, input.path])
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "ok \(cases.count)")
    }

    func testOpenAPIDocumentIsValid() throws {
        try XCTSkipUnless(Python.canImport("openapi_spec_validator", "yaml"), "python3 openapi-spec-validator is not installed")
        let script = """
            import sys, yaml
            from openapi_spec_validator import validate
            path = sys.argv[1]
            spec = yaml.safe_load(open(path, encoding="utf-8"))
            validate(spec, base_uri="file://" + path)
            print(spec["openapi"], " ".join(spec["paths"]))
            """
        let output = try Python.run(script, arguments: [Self.upstream.appendingPathComponent("vss.openapi.yaml").path])
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "3.1.0 \(VSSUpstream.lookupPath)")
    }

    // MARK: Python

    static let script = """
        import json, sys
        import jsonschema
        directory, cases_path = sys.argv[1], sys.argv[2]
        validators = {}
        def validator(name):
            if name not in validators:
                schema = json.load(open(f"{directory}/{name}.schema.json", encoding="utf-8"))
                jsonschema.Draft202012Validator.check_schema(schema)
                validators[name] = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
            return validators[name]
        cases = json.load(open(cases_path, encoding="utf-8"))["cases"]
        failures = []
        for case in cases:
            errors = list(validator(case["schema"]).iter_errors(case["instance"]))
            if case["valid"] and errors:
                failures.append(f"{case['name']}: refused: {errors[0].message[:200]}")
            if not case["valid"] and not errors:
                failures.append(f"{case['name']}: accepted but should be refused")
        if failures:
            print("\\n".join(failures))
            sys.exit(1)
        print("ok", len(cases))
        """
}
