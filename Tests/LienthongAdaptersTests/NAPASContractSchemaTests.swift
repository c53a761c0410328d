import Foundation
import LienthongAdapters
import LienthongCore
import LienthongSimulators
import XCTest

/// The upstream contract's JSON Schemas (2020-12) against its example files and against the documents our Swift
/// types produce, checked by Python's `jsonschema` (an independent validator).
final class NAPASContractSchemaTests: XCTestCase {
    static let upstream = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Contracts/upstream")

    /// Validates every `napas-<kind>-*.json` in the given folders with the schema of its kind (`request`, `report`,
    /// `error`); prints `{ "<file>": "<first error>" | null }`.
    private static let script = #"""
        import glob, json, os, sys
        import jsonschema
        upstream = sys.argv[1]
        schemas = {
            "request": "napas-verification-request.schema.json",
            "report": "napas-verification-report.schema.json",
            "error": "napas-error.schema.json",
        }
        validators = {}
        for kind, name in schemas.items():
            schema = json.load(open(os.path.join(upstream, name), encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            validators[kind] = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        result = {}
        for folder in sys.argv[2:]:
            for path in sorted(glob.glob(os.path.join(folder, "napas-*.json"))):
                kind = os.path.basename(path).split("-")[1]
                errors = list(validators[kind].iter_errors(json.load(open(path, encoding="utf-8"))))
                result[os.path.basename(path)] = errors[0].message if errors else None
        print(json.dumps(result))
        """#

    private func validate(_ folders: [URL]) throws -> [String: String?] {
        try XCTSkipUnless(Python.canImport("jsonschema"), "python3 with the jsonschema module is not available")
        let output = try Python.run(Self.script, arguments: [Self.upstream.path] + folders.map(\.path))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        return object.mapValues { $0 as? String }
    }

    func testExampleFilesMatchTheSchemas() throws {
        let examples = Self.upstream.appendingPathComponent("examples")
        let results = try validate([examples])
        let expected = try FileManager.default.contentsOfDirectory(atPath: examples.path)
            .filter { $0.hasPrefix("napas-") && $0.hasSuffix(".json") }
        XCTAssertEqual(Set(results.keys), Set(expected))
        XCTAssertGreaterThanOrEqual(results.count, 9)
        for kind in ["request", "report", "error"] {
            XCTAssertTrue(results.keys.contains { $0.hasPrefix("napas-\(kind)-") }, "no \(kind) example")
        }
        for (file, error) in results {
            XCTAssertNil(error, "\(file): \(error ?? "")")
        }
    }

    func testSwiftDocumentsMatchTheSchemasAndBrokenOnesDoNot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-napas-schema-\(UUID().uuidString)")
        let broken = dir.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = JSONEncoder()
        func write(_ value: some Encodable, _ name: String, in folder: URL? = nil) throws {
            try encoder.encode(value).write(to: (folder ?? dir).appendingPathComponent(name))
        }

        let id = PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 123456).digits
        let other = PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 2).digits
        let register = AccountRegister(accounts: [
            .init(providerCode: "970436", accountNumber: "0071000123456", type: .bankAccount, holderName: "DANG THI THUY", holderPersonalId: id),
            .init(providerCode: "970436", accountNumber: "0071000123457", type: .bankAccount, holderName: "DANG THI THUY", holderPersonalId: id, open: false),
        ])
        func request(_ number: String, personalId: String?) -> NAPASMessages.VerificationRequest {
            .init(
                assignment: .init(msgId: NAPASMessages.newIdentifier(), creDtTm: NAPASMessages.timestamp(),
                                  assigner: .init(memberId: "gov.police.dongnai"), assignee: .init(providerCode: "970436")),
                verification: .init(id: NAPASMessages.newIdentifier(),
                                    party: .init(name: "Đặng Thị Thuý", privateId: personalId.map { .init(id: $0) }),
                                    account: .init(id: number, type: .bankAccount)))
        }
        let cases: [(String, String, String?)] = [
            ("verified", "0071000123456", id), ("be01", "0071000123456", other), ("closed", "0071000123457", nil), ("ac01", "0071000999999", nil),
        ]
        for (name, number, personalId) in cases {
            let message = request(number, personalId: personalId)
            XCTAssertNil(message.invalidField())
            try write(message, "napas-request-\(name).json")
            let report = register.report(providerCode: "970436", verification: message.verification)
            try write(NAPASMessages.VerificationReport(assignment: .init(msgId: NAPASMessages.newIdentifier(), creDtTm: NAPASMessages.timestamp()), report: report),
                      "napas-report-\(name).json")
        }
        for code in [NAPASMessages.ErrorCode.formatError, NAPASMessages.ErrorCode.signatureInvalid, NAPASMessages.ErrorCode.internalError, NAPASMessages.ErrorCode.serviceUnavailable] {
            try write(NAPASMessages.ErrorAnswer(errorCode: code, message: "fixed message"), "napas-error-\(code).json")
        }

        // Documents that break the contract: the schema must say so.
        var noOriginal = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("napas-report-verified.json"))) as? [String: Any])
        var report = try XCTUnwrap(noOriginal["report"] as? [String: Any])
        report.removeValue(forKey: "originalId")
        noOriginal["report"] = report
        try JSONSerialization.data(withJSONObject: noOriginal).write(to: broken.appendingPathComponent("napas-report-no-original-id.json"))
        try write(NAPASMessages.VerificationReport(assignment: .init(msgId: "m", creDtTm: "2026-11-29T08:15:30Z"),
                                                   report: .init(originalId: "v", verification: true)),
                  "napas-report-verified-without-name.json", in: broken)
        try write(NAPASMessages.VerificationReport(assignment: .init(msgId: "m", creDtTm: "2026-11-29T08:15:30Z"),
                                                   report: .init(originalId: "v", verification: true, updatedPartyAndAccount: .init(accountName: "Đặng Thị Thuý"))),
                  "napas-report-lowercase-name.json", in: broken)
        var longAccount = request("0071000123456", personalId: nil)
        longAccount.verification.account.id = String(repeating: "1", count: 35)
        XCTAssertEqual(longAccount.invalidField(), "verification.account.id")
        try write(longAccount, "napas-request-long-account.json", in: broken)
        var badTime = request("0071000123456", personalId: nil)
        badTime.assignment.creDtTm = "29/11/2026 08:15"
        XCTAssertEqual(badTime.invalidField(), "assignment.creDtTm")
        try write(badTime, "napas-request-bad-time.json", in: broken)
        try write(NAPASMessages.ErrorAnswer(errorCode: "OOPS", message: "x"), "napas-error-unknown-code.json", in: broken)

        let results = try validate([dir, broken])
        XCTAssertEqual(results.count, 8 + 4 + 6)
        for (file, error) in results {
            if FileManager.default.fileExists(atPath: broken.appendingPathComponent(file).path) {
                XCTAssertNotNil(error, "\(file) should break the schema")
            } else {
                XCTAssertNil(error, "\(file): \(error ?? "")")
            }
        }
    }

    func testTimestampsAreRFC3339() throws {
        let now = NAPASMessages.timestamp(Date(timeIntervalSince1970: 1_764_404_130.125))
        XCTAssertEqual(now, "2025-11-29T08:15:30.125Z")
        XCTAssertNotNil(NAPASMessages.parseTimestamp(now))
        XCTAssertNotNil(NAPASMessages.parseTimestamp("2026-11-29T08:15:30Z"))
        XCTAssertNotNil(NAPASMessages.parseTimestamp("2026-11-29T15:15:30+07:00"))
        XCTAssertNil(NAPASMessages.parseTimestamp("2026-11-29"))
        XCTAssertNil(NAPASMessages.parseTimestamp("yesterday"))
    }
}
