import Foundation
import LienthongCore
import LienthongSimulators
import XCTest

/// The security suites' scripts: `scripts/pii-scan.py` (personal data in logs, audit records, metrics, problem
/// bodies) and `scripts/tls-grade.py` (grading of an sslyze report) on crafted input, and — only with
/// `LIENTHONG_SECURITY_SUITES=1`, as they run the demo and a gateway — the full `scripts/pii-check.sh` and
/// `scripts/tls-grade.sh`. Skipped when python3 is absent.
final class SecuritySuiteTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var scripts: URL { root.appendingPathComponent("scripts") }

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: - pii-scan.py

    /// A synthetic population written where pii-scan.py reads it, with at least one child listed without a number.
    func population() throws -> (citizens: [SyntheticCitizen], file: URL) {
        let citizens = SyntheticPopulation.generate(citizens: 300, seed: 77)
        let file = folder.appendingPathComponent("citizens.jsonl")
        try SyntheticPopulation.write(citizens, to: file)
        return (citizens, file)
    }

    func write(_ name: String, _ lines: [String]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    /// The hits pii-scan.py printed: `(file name, line, kind, form)`.
    func hits(_ output: String) -> [(file: String, line: Int, kind: String, form: String)] {
        output.split(separator: "\n").compactMap { line in
            // path:line: kind (form) sha256:…
            guard line.contains(" sha256:"), let colon = line.range(of: ": ") else { return nil }
            let location = line[..<colon.lowerBound]
            guard let split = location.lastIndex(of: ":"), let number = Int(location[location.index(after: split)...]) else { return nil }
            let rest = line[colon.upperBound...]
            guard let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")") else { return nil }
            let file = URL(fileURLWithPath: String(location[..<split])).lastPathComponent
            return (file, number, rest[..<open].trimmingCharacters(in: .whitespaces), String(rest[rest.index(after: open)..<close]))
        }
    }

    func testPlantedIdsAndNamesAreFoundAndCleanTextIsNot() throws {
        try requirePython()
        let (citizens, citizensFile) = try population()
        let adult = try XCTUnwrap(citizens.first { $0.personalId != nil && $0.fullName.split(separator: " ").count >= 3 })
        let child = try XCTUnwrap(citizens.first { $0.personalId == nil && $0.assignedPersonalId != nil })
        let id = try XCTUnwrap(adult.personalId)
        let nfd = adult.fullName.decomposedStringWithCanonicalMapping
        XCTAssertNotEqual(Array(nfd.utf8), Array(adult.fullName.utf8), "the name must carry diacritics for the NFD case to mean something")
        let bank = VietnameseName.asciiKey(adult.fullName)

        let planted = try write("planted.log", [
            #"{"level":"info","msg":"exchange","status":"200","ts":"2026-01-01T00:00:00Z"}"#,
            #"{"level":"info","msg":"exchange","note":"\#(id)"}"#,                        // line 2: the id
            #"{"level":"warning","msg":"upstream answered","holder":"\#(nfd)"}"#,          // line 3: NFD name
            "lienthong_requests_total{holder=\"\(bank)\"} 1",                             // line 4: bank form
            "child \(try XCTUnwrap(child.assignedPersonalId)) registered",                // line 5: assigned number
        ])
        let clean = try write("clean.log", [
            #"{"auditSeq":"137","level":"info","logger":"lienthong","member":"gov.labour.dongnai","ms":"10.7","msg":"exchange","requestId":"782def64-ba65-4b3b-af63-36b95b7ff80b","status":"400","target":"population.verify-citizen"}"#,
            #"{"detail":"personalId must be a 12-digit personal id number","status":400,"title":"Bad request","type":"urn:lienthong:error:bad-request"}"#,
            "# HELP lienthong_audit_seq Sequence number of the latest audit record",
            "lienthong_request_duration_seconds_bucket{le=\"0.005\",service=\"population.verify-citizen\"} 12",
            "X-Request-Hash: 6QTe7ycOezEEqEHjeWgmbo4WtKD56HKDRya9ZGxOJnU=",
            "subject 9f2c4e1b7a3d5c6e8f901234567890abcdef1234567890abcdef1234567890ab seq 999999999999",
            // Parts of a name alone, a name in lower-case ASCII, and a number that is nobody's.
            "family \(adult.fullName.split(separator: " ")[0]) given \(adult.fullName.split(separator: " ").last ?? "")",
            bank.lowercased(),
            "000000000000 and 12345",
        ])

        let run = try Self.python([Self.scripts.appendingPathComponent("pii-scan.py").path, "--citizens", citizensFile.path,
                                   planted.path, clean.path])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let found = hits(run.stdout)
        XCTAssertTrue(found.allSatisfy { $0.file == "planted.log" }, "no hit expected in clean text: \(run.stdout)")
        let byLine = Dictionary(grouping: found, by: \.line)
        XCTAssertEqual(byLine.keys.sorted(), [2, 3, 4, 5], run.stdout)
        XCTAssertEqual(byLine[2]?.map(\.kind), ["personal-id"])
        XCTAssertEqual(byLine[3]?.first?.kind, "full-name")
        XCTAssertEqual(byLine[3]?.first?.form, "NFD")
        XCTAssertEqual(byLine[4]?.first?.kind, "full-name")
        XCTAssertEqual(byLine[4]?.first?.form, "ASCII upper-case (bank form)")
        XCTAssertEqual(byLine[5]?.map(\.kind), ["assigned-personal-id"])
        // The report never shows a value.
        for value in [id, adult.fullName, nfd, bank] {
            XCTAssertFalse((run.stdout + run.stderr).contains(value), "pii-scan printed a value it found")
        }

        let cleanOnly = try Self.python([Self.scripts.appendingPathComponent("pii-scan.py").path, "--citizens", citizensFile.path, clean.path])
        XCTAssertEqual(cleanOnly.status, 0, cleanOnly.stdout + cleanOnly.stderr)
        XCTAssertTrue(cleanOnly.stdout.contains("0 hits"), cleanOnly.stdout)
    }

    /// The scanner's folding agrees with the product's `VietnameseName` for the whole population: every bank
    /// form, every name in the other tone-mark style, in NFD and escaped in JSON is a hit, one per line.
    func testEveryFormOfEveryNameOfThePopulationIsFound() throws {
        try requirePython()
        let (citizens, citizensFile) = try population()
        let names = citizens.map(\.fullName).filter { $0.split(separator: " ").count >= 2 }
        var lines: [String] = []
        for name in names {
            lines.append("account name \(VietnameseName.asciiKey(name)) verified")
            lines.append("holder \(VietnameseName.placingToneMarks(name, style: .traditional)) / \(VietnameseName.placingToneMarks(name, style: .modern).decomposedStringWithCanonicalMapping)")
            let escaped = name.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }.joined()
            lines.append(#"{"holderName":"\#(escaped)"}"#)
        }
        let file = try write("forms.log", lines)
        let summary = folder.appendingPathComponent("summary.json")
        let run = try Self.python([Self.scripts.appendingPathComponent("pii-scan.py").path, "--citizens", citizensFile.path,
                                   "--summary-json", summary.path, file.path])
        XCTAssertEqual(run.status, 1)
        let hitLines = Set(hits(run.stdout).map(\.line))
        XCTAssertEqual(hitLines.count, lines.count, "every line holds a name: \(lines.count - hitLines.count) missed")
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
        XCTAssertEqual(figures["numbers"] as? Int, citizens.count, "every citizen has one number (listed or assigned)")
        XCTAssertEqual(figures["lines"] as? Int, lines.count)
    }

    func testScanningForNothingIsAnError() throws {
        try requirePython()
        let empty = try write("empty.jsonl", [""])
        let file = try write("any.log", ["text"])
        let run = try Self.python([Self.scripts.appendingPathComponent("pii-scan.py").path, "--citizens", empty.path, file.path])
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
    }

    // MARK: - tls-grade.py

    /// A minimal sslyze 6 report of a server as the gateway's profile makes it; `change` edits it.
    func sslyzeReport(_ change: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        func completed(_ result: Any) -> [String: Any] { ["status": "COMPLETED", "result": result] }
        func suites(_ names: [String], ecdh: Int = 256) -> [String: Any] {
            ["accepted_cipher_suites": names.map { ["cipher_suite": ["name": $0, "is_anonymous": false, "key_size": 128],
                                                    "ephemeral_key": ["type_name": "ECDH", "size": ecdh]] }]
        }
        let leaf: [String: Any] = [
            "subject": ["rfc4514_string": "CN=localhost"], "issuer": ["rfc4514_string": "CN=Lienthong Example CA"],
            "not_valid_before": "2020-01-01T00:00:00Z", "not_valid_after": "2999-01-01T00:00:00Z",
            "signature_hash_algorithm": ["name": "sha256"], "public_key": ["algorithm": "ECPublicKey", "key_size": 256],
            "subject_alternative_name": ["dns_names": ["localhost"], "ip_addresses": ["127.0.0.1"]],
        ]
        var scan: [String: Any] = [
            "certificate_info": completed(["certificate_deployments": [[
                "received_certificate_chain": [leaf],
                "path_validation_results": [
                    ["trust_store": ["name": "Supplied CA file"], "was_validation_successful": true],
                    ["trust_store": ["name": "Mozilla"], "was_validation_successful": false, "validation_error": "unknown issuer"],
                ],
                "received_chain_has_valid_order": true, "received_chain_contains_anchor_certificate": false,
                "verified_chain_has_sha1_signature": false, "verified_chain_has_legacy_symantec_anchor": false,
                "leaf_certificate_has_must_staple_extension": false, "leaf_certificate_signed_certificate_timestamps_count": 0,
                "leaf_certificate_is_ev": false,
            ]]]),
            "ssl_2_0_cipher_suites": completed(suites([])), "ssl_3_0_cipher_suites": completed(suites([])),
            "tls_1_0_cipher_suites": completed(suites([])), "tls_1_1_cipher_suites": completed(suites([])),
            "tls_1_2_cipher_suites": completed(suites(["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"])),
            "tls_1_3_cipher_suites": completed(suites(["TLS_AES_128_GCM_SHA256"], ecdh: 253)),
            "elliptic_curves": completed(["supported_curves": [["name": "X25519"], ["name": "secp256r1"]]]),
            "tls_compression": completed(["supports_compression": false]),
            "tls_1_3_early_data": completed(["supports_early_data": false]),
            "openssl_ccs_injection": completed(["is_vulnerable_to_ccs_injection": false]),
            "tls_fallback_scsv": completed(["supports_fallback_scsv": true]),
            "heartbleed": completed(["is_vulnerable_to_heartbleed": false]),
            "robot": completed(["robot_result": "NOT_VULNERABLE_RSA_NOT_SUPPORTED"]),
            "session_renegotiation": completed(["supports_secure_renegotiation": true, "is_vulnerable_to_client_renegotiation_dos": false]),
            "session_resumption": completed(["session_id_resumption_result": "FULLY_SUPPORTED"]),
            "http_headers": completed(["strict_transport_security_header": NSNull()]),
            "tls_extended_master_secret": completed(["supports_ems_extension": true]),
        ]
        change(&scan)
        let report: [String: Any] = ["sslyze_version": "test", "server_scan_results": [[
            "connectivity_status": "COMPLETED", "scan_status": "COMPLETED", "scan_result": scan,
        ]]]
        let url = folder.appendingPathComponent("sslyze-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: report).write(to: url)
        return url
    }

    func grade(_ sslyze: URL) throws -> (status: Int32, findings: [[String: Any]], output: String) {
        let out = folder.appendingPathComponent("grade-\(UUID().uuidString).json")
        let run = try Self.python([Self.scripts.appendingPathComponent("tls-grade.py").path, "--grade-only", sslyze.path, "--out", out.path])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any], run.stderr)
        return (run.status, report["findings"] as? [[String: Any]] ?? [], run.stdout + run.stderr)
    }

    func testTLSGraderPassesTheGatewayProfileAndExplainsWhatItExcludes() throws {
        try requirePython()
        let result = try grade(try sslyzeReport())
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.findings.allSatisfy { $0["severity"] as? String == "info" && $0["excludedBecause"] is String }, result.output)
        let ids = Set(result.findings.compactMap { $0["id"] as? String })
        XCTAssertTrue(ids.isSuperset(of: ["cert.public-stores", "cert.ocsp-stapling", "cert.sct", "http.hsts"]), "\(ids)")
    }

    func testTLSGraderFailsOnWeakProtocolsCiphersCertificatesAndVulnerabilities() throws {
        try requirePython()
        func completed(_ result: Any) -> [String: Any] { ["status": "COMPLETED", "result": result] }
        func suite(_ name: String) -> [String: Any] {
            ["cipher_suite": ["name": name, "is_anonymous": false, "key_size": 128], "ephemeral_key": ["type_name": "ECDH", "size": 256]]
        }
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("protocol.TLS 1.0", { $0["tls_1_0_cipher_suites"] = completed(["accepted_cipher_suites": [suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")]]) }),
            ("cipher.TLS_RSA_WITH_AES_128_GCM_SHA256", { $0["tls_1_2_cipher_suites"] = completed(["accepted_cipher_suites": [suite("TLS_RSA_WITH_AES_128_GCM_SHA256")]]) }),
            ("cipher.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", { $0["tls_1_2_cipher_suites"] = completed(["accepted_cipher_suites": [suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")]]) }),
            ("vuln.crime", { $0["tls_compression"] = completed(["supports_compression": true]) }),
            ("vuln.heartbleed", { $0["heartbleed"] = completed(["is_vulnerable_to_heartbleed": true]) }),
            ("vuln.client-renegotiation", { $0["session_renegotiation"] = completed(["supports_secure_renegotiation": true, "is_vulnerable_to_client_renegotiation_dos": true]) }),
            ("curve.secp192r1", { $0["elliptic_curves"] = completed(["supported_curves": [["name": "secp192r1"]]]) }),
            ("scan.robot", { $0["robot"] = ["status": "ERROR", "error_reason": "CONNECTIVITY_ISSUE"] }),
            ("cert.chain", { scan in
                var info = ((scan["certificate_info"] as? [String: Any])?["result"] as? [String: Any]) ?? [:]
                var deployment = (info["certificate_deployments"] as? [[String: Any]])?.first ?? [:]
                deployment["path_validation_results"] = [["trust_store": ["name": "Supplied CA file"], "was_validation_successful": false]]
                info["certificate_deployments"] = [deployment]
                scan["certificate_info"] = completed(info)
            }),
        ]
        for (expected, change) in cases {
            let result = try grade(try sslyzeReport(change))
            XCTAssertEqual(result.status, 1, "\(expected) must fail the grade: \(result.output)")
            let failing = result.findings.filter { ["high", "critical"].contains($0["severity"] as? String) }
            XCTAssertTrue(failing.contains { $0["id"] as? String == expected }, "\(expected) not among \(failing)")
        }
    }

    // MARK: - The full runs (LIENTHONG_SECURITY_SUITES=1)

    /// `lienthong demo --once`, a gateway on its configuration, refused requests, metrics and the audit export,
    /// all scanned: zero hits.
    func testPersonalDataNeverLeavesInLogsAuditMetricsOrProblems() throws {
        var environment = try requireSuites()
        let artifacts = folder.appendingPathComponent("pii")
        environment["PII_ARTIFACTS"] = artifacts.path
        let run = try Self.run("/usr/bin/env", ["bash", Self.scripts.appendingPathComponent("pii-check.sh").path], environment: environment)
        XCTAssertEqual(run.status, 0, "pii-check failed:\n\(run.stdout)\n\(run.stderr)")
        XCTAssertTrue(run.stdout.contains("; 0 hits"), run.stdout)
        // The scan covered real material: the logs, the audit export and problem bodies are not empty.
        let audit = try String(contentsOf: artifacts.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        XCTAssertGreaterThan(audit.split(separator: "\n").count, 100)
        let problems = try FileManager.default.contentsOfDirectory(atPath: artifacts.appendingPathComponent("problems").path)
        XCTAssertGreaterThanOrEqual(problems.count, 15)
        print(run.stdout)
    }

    /// sslyze against the partner listener with a member certificate: no high or critical finding.
    func testPartnerListenerTLSGradesWithoutHighOrCriticalFindings() throws {
        var environment = try requireSuites()
        let report = ProcessInfo.processInfo.environment["TLS_REPORT"].map { URL(fileURLWithPath: $0) }
            ?? folder.appendingPathComponent("tls-report.json")
        environment["TLS_REPORT"] = report.path
        let run = try Self.run("/usr/bin/env", ["bash", Self.scripts.appendingPathComponent("tls-grade.sh").path], environment: environment)
        XCTAssertEqual(run.status, 0, "tls-grade failed:\n\(run.stdout)\n\(run.stderr)")
        let graded = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        XCTAssertEqual(graded["verdict"] as? String, "pass")
        let probes = graded["clientAuthentication"] as? [[String: Any]] ?? []
        XCTAssertEqual(probes.map { $0["answered"] as? Bool }, [true, false, false], "member answered; no certificate and another CA's refused")
        print(run.stdout)
    }

    // MARK: - Support

    func requirePython() throws {
        guard let probe = try? Self.run("/usr/bin/env", ["python3", "-c", "import json, unicodedata"]), probe.status == 0 else {
            throw XCTSkip("python3 is not available")
        }
    }

    /// Skips unless `LIENTHONG_SECURITY_SUITES=1`; returns the scripts' environment with `LIENTHONG_BIN` set to
    /// the `lienthong` built next to the tests (the scripts never build from inside `swift test`).
    func requireSuites() throws -> [String: String] {
        let environment = try securitySuitesEnvironment("the full security suites (they run the demo and a gateway)")
        try requirePython()
        return environment
    }

    static func python(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("/usr/bin/env", ["python3"] + arguments)
    }

    /// Runs a process in the repository root (``runProcess(_:_:directory:environment:)``).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess(executable, arguments, directory: root, environment: environment)
    }
}
