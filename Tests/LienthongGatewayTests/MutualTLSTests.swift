import Foundation
import LienthongAudit
import LienthongClient
import LienthongPKI
import NIOSSL
import XCTest

/// SPEC §2: who may connect. Every refusal is checked on the wire and in the audit log.
final class MutualTLSTests: XCTestCase {
    var harness: GatewayHarness!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start()
    }

    override func tearDown() async throws { await harness.stop() }

    func banks(_ client: PartnerClient) async throws -> PartnerClient.Answer {
        try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "officer-1", purpose: nil, timeout: .seconds(10))
    }

    func assertHandshakeRefused(_ name: String, tweak: (inout TLSConfiguration) -> Void = { _ in }, file: StaticString = #filePath, line: UInt = #line) async throws {
        let before = try harness.auditRecords().filter { $0.action == "connection.refused" }.count
        let client = try harness.client(name, tweak: tweak)
        do {
            let answer = try await banks(client)
            XCTFail("\(name): expected the handshake to fail, got HTTP \(answer.status)", file: file, line: line)
        } catch {
            // refused at the handshake, as required
        }
        try? await client.shutdown()
        let deadline = ContinuousClock.now + .seconds(5)
        var after = before
        while ContinuousClock.now < deadline {
            after = try harness.auditRecords().filter { $0.action == "connection.refused" }.count
            if after > before { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertGreaterThan(after, before, "\(name): the refused handshake left no audit record", file: file, line: line)
        let last = try harness.auditRecords().last { $0.action == "connection.refused" }
        XCTAssertEqual(last?.outcome, .denied, file: file, line: line)
        XCTAssertEqual(last?.actor, "unknown", file: file, line: line)
    }

    func testValidMemberCertificateIsServed() async throws {
        let client = try harness.client("gov.labour.dongnai")
        let answer = try await banks(client)
        try await client.shutdown()
        XCTAssertEqual(answer.status, 200)
        let identified = try await harness.waitForAudit { $0.action == "connection.identified" && $0.actor == "gov.labour.dongnai" }
        XCTAssertEqual(identified?.outcome, .ok)
    }

    func testNoClientCertificateIsRefusedAtTheHandshake() async throws {
        try await assertHandshakeRefused("gov.labour.dongnai") { tls in
            tls.certificateChain = []
            tls.privateKey = nil
        }
    }

    func testSelfSignedCertificateIsRefused() async throws { try await assertHandshakeRefused("self-signed") }

    func testCertificateOfAnotherCAIsRefused() async throws { try await assertHandshakeRefused("other-ca") }

    func testExpiredCertificateIsRefused() async throws { try await assertHandshakeRefused("expired") }

    func testNotYetValidCertificateIsRefused() async throws { try await assertHandshakeRefused("not-yet-valid") }

    func testCertificateWithoutClientAuthUsageIsRefused() async throws { try await assertHandshakeRefused("server-eku-only") }

    func testTLS11ClientIsRefused() async throws {
        try await assertHandshakeRefused("gov.labour.dongnai") { tls in
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = .tlsv11
            tls.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
        }
    }

    func testRevokedCertificateIsRefusedWith401OnceTheCRLChanges() async throws {
        let client = try harness.client("to-revoke")
        let first = try await banks(client)
        XCTAssertEqual(first.status, 200, "served before revocation")

        _ = try ExamplePKI.revoke(
            certificateFile: harness.certs.appendingPathComponent("to-revoke.pem"), caDirectory: harness.certs,
            crlFile: harness.certs.appendingPathComponent("crl.pem"))

        var status = 200
        var answer: PartnerClient.Answer?
        let deadline = ContinuousClock.now + .seconds(6)
        while ContinuousClock.now < deadline {
            answer = try await banks(client)
            status = answer!.status
            if status != 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await client.shutdown()
        XCTAssertEqual(status, 401, "the CRL is reloaded without a restart")
        XCTAssertEqual(answer?.problem?.type, "urn:lienthong:error:unauthenticated")
        let record = try harness.auditRecords().last { $0.status == 401 }
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.actor, "gov.labour.dongnai", "the revoked certificate's member is named as actor")
        XCTAssertEqual(record?.ref, answer?.requestID)
    }

    func testValidCertificateOfNoMemberGets403() async throws {
        // gov.ioc.dongnai has a certificate from the trusted CA but is not a configured member.
        let client = try harness.client("gov.ioc.dongnai")
        let answer = try await banks(client)
        try await client.shutdown()
        XCTAssertEqual(answer.status, 403)
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:forbidden")
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.actor, "unknown")
    }

    func testMemberWithoutTheGrantGets403() async throws {
        let client = try harness.client("bank.970436")
        let answer = try await client.call(
            service: "population.verify-citizen", body: Data("{}".utf8), user: "bank-ops", purpose: "asxh.verify-beneficiary")
        try await client.shutdown()
        XCTAssertEqual(answer.status, 403)
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.actor, "bank.970436")
        XCTAssertEqual(record?.target, "population.verify-citizen")
        XCTAssertEqual(record?.outcome, .denied)
    }
}
