import Foundation
import LienthongConfig
import LienthongGateway
import LienthongPKI
import XCTest

final class ConfigurationContentCheckTests: XCTestCase {
    func testGoodFilesPassAndBadFilesAreNamedByKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfgcheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        func config(outboundKey: String, crl: String) throws -> GatewayConfiguration {
            try ConfigurationLoader.parse(text: """
                [partner]
                certificate = "server.pem"
                private_key = "server-key.pem"
                trust_anchors = ["ca.pem"]
                crl_files = ["\(crl)"]
                [outbound]
                certificate = "gateway.pem"
                private_key = "\(outboundKey)"
                trust_anchors = ["ca.pem"]
                [audit]
                subject_key_file = "s.key"
                signing_key_file = "k.pem"
                """, file: "t.toml", baseDirectory: dir.path)
        }
        XCTAssertEqual(ConfigurationContentCheck.problems(in: try config(outboundKey: "gateway-key.pem", crl: "crl.pem")), [])

        try Data("not a CRL".utf8).write(to: dir.appendingPathComponent("junk.pem"))
        let problems = ConfigurationContentCheck.problems(in: try config(outboundKey: "bank.970436-key.pem", crl: "junk.pem"))
        XCTAssertEqual(Set(problems.map(\.key)), ["outbound.certificate", "partner.crl_files[0]"])
        XCTAssertFalse(problems.contains { $0.message.contains("PRIVATE KEY") }, "no key material in messages")
    }

    func testLabourAgeBandsFollowTheAnalysisRules() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfgcheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ExamplePKI.create(at: dir, members: ["gov.labour.dongnai"])
        func config(bands: String) throws -> GatewayConfiguration {
            try ConfigurationLoader.parse(text: """
                [partner]
                certificate = "server.pem"
                private_key = "server-key.pem"
                trust_anchors = ["ca.pem"]
                [outbound]
                certificate = "gateway.pem"
                private_key = "gateway-key.pem"
                trust_anchors = ["ca.pem"]
                [audit]
                subject_key_file = "s.key"
                signing_key_file = "k.pem"
                [labor]
                certificate = "gov.labour.dongnai.pem"
                private_key = "gov.labour.dongnai-key.pem"
                age_bands = \(bands)
                """, file: "t.toml", baseDirectory: dir.path)
        }
        XCTAssertEqual(ConfigurationContentCheck.problems(in: try config(bands: "[15, 30, 60]")), [])
        for bad in ["[10, 20]", "[15, 15, 30]", "[30, 20]", "[]"] {
            XCTAssertEqual(ConfigurationContentCheck.problems(in: try config(bands: bad)).map(\.key), ["labor.age_bands"], bad)
        }
    }

    func testTheExampleConfigurationIsClean() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigurationLoader.load(path: root.appendingPathComponent("lienthong.example.toml").path, environment: [:])
        XCTAssertEqual(ConfigurationContentCheck.problems(in: config), [])
        XCTAssertEqual(Set(config.upstreams.keys), ["population", "vss", "napas"])
    }

    func testNAPASSigningCertificatesMustHoldP256KeysAndTheOutboundKeyMustSign() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfgcheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ExamplePKI.create(at: dir, members: ["fin.napas"])
        try Data("not a certificate".utf8).write(to: dir.appendingPathComponent("junk.pem"))
        func config(signing: String) throws -> GatewayConfiguration {
            try ConfigurationLoader.parse(text: """
                [partner]
                certificate = "server.pem"
                private_key = "server-key.pem"
                trust_anchors = ["ca.pem"]
                [outbound]
                certificate = "gateway.pem"
                private_key = "gateway-key.pem"
                trust_anchors = ["ca.pem"]
                [audit]
                subject_key_file = "s.key"
                signing_key_file = "k.pem"
                [upstreams.napas]
                url = "https://127.0.0.1:1/napas"
                signing_certificates = ["\(signing)"]
                """, file: "t.toml", baseDirectory: dir.path)
        }
        XCTAssertEqual(ConfigurationContentCheck.problems(in: try config(signing: "fin.napas.pem")), [])
        XCTAssertEqual(ConfigurationContentCheck.problems(in: try config(signing: "junk.pem")).map(\.key),
                       ["upstreams.napas.signing_certificates[0]"])
    }
}
