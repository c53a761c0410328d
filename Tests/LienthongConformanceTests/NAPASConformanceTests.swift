import Foundation
import LienthongAdapters
import LienthongConformance
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging
import XCTest

/// The NAPAS suite against the NAPAS simulator over real mTLS, in good mode and with each of its quirks. The kit
/// signs as the gateway (`gateway-key.pem`), the switch as `fin.napas`; key ids are certificate pins.
final class NAPASConformanceTests: XCTestCase {
    private var pki: ConformancePKI!

    static let knownAccount = "0071000999888"
    static let holderPersonalId = PersonalID.make(provinceCode: "75", birthYear: 1988, sex: .female, serial: 4242).digits

    static let baseIDs: Set<String> = [
        "signs-answers", "reports-original-id", "report-is-well-formed", "refuses-unsigned-request", "refuses-bad-signature",
        "refuses-malformed-request", "signs-error-answers",
    ]

    override func setUp() async throws {
        pki = try ConformancePKI()
    }

    override func tearDown() async throws {
        pki?.remove()
    }

    /// Runs the NAPAS suite (with the known account unless `withKnownAccount` is false) against the simulator.
    private func run(quirks: Set<NAPASSimulator.Quirk> = [], withKnownAccount: Bool = true) async throws -> [ConformanceResult] {
        var register = AccountRegister(citizens: SyntheticPopulation.generate(citizens: 50, seed: 9), seed: 9)
        register.add(.init(
            providerCode: "970436", accountNumber: Self.knownAccount, type: .bankAccount, holderName: "TRAN THI KIEM",
            holderPersonalId: Self.holderPersonalId))
        let gateway = try pki.signer("gateway")
        let napas = try pki.signer("fin.napas")
        let tls = try ExamplePKI.serverTLSConfiguration(directory: pki.directory)
        let (port, server) = try await startServer { [register] ready in
            let app = NAPASSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, register: register, signer: napas,
                requestVerifier: JWSVerifier(keys: [gateway.keyID: gateway.publicKey]), quirks: quirks, faults: FaultInjector(),
                logger: Logger(label: "test.conformance.napas") { _ in SwiftLogNoOpLogHandler() }, onServerRunning: ready)
            return { try await app.runService() }
        }
        let target = try pki.target(port: port, path: NAPASMessages.path)
        let suite = ConformanceSuite.napas(
            signer: gateway, partnerKeys: JWSVerifier(keys: [napas.keyID: napas.publicKey]), providerCode: "970436",
            knownAccount: withKnownAccount ? .init(number: Self.knownAccount) : nil)
        let results = await suite.run(against: target)
        try await target.shutdown()
        server.cancel()
        _ = await server.result
        XCTAssertEqual(Set(results.map(\.id)), withKnownAccount ? Self.baseIDs.union(["verifies-known-account"]) : Self.baseIDs)
        assertNoPersonalValues(results, secrets: [Self.knownAccount, "TRAN THI KIEM"])
        return results
    }

    func testConformingSwitchPassesEveryCheck() async throws {
        let results = try await run()
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(failedIDs(results), [], ConformanceReport(results).table)
    }

    func testWithoutAKnownAccountTheChecksJudgeShapeOnly() async throws {
        let results = try await run(withKnownAccount: false)
        XCTAssertEqual(results.count, 7)
        XCTAssertEqual(failedIDs(results), [], ConformanceReport(results).table)
    }

    func testUnsignedAnswersFailTheSignatureChecks() async throws {
        let results = try await run(quirks: [.unsignedAnswers])
        XCTAssertEqual(failedIDs(results), ["signs-answers", "signs-error-answers"], ConformanceReport(results).table)
        let reason = try XCTUnwrap(results.first { $0.id == "signs-answers" }?.reason)
        XCTAssertEqual(reason, "the answer to a valid request: expected one X-JWS-Signature header, got 0 (HTTP 200)")
    }

    func testBadSignatureFailsTheSignatureChecks() async throws {
        let results = try await run(quirks: [.badSignature])
        XCTAssertEqual(failedIDs(results), ["signs-answers", "signs-error-answers"], ConformanceReport(results).table)
        let reason = try XCTUnwrap(results.first { $0.id == "signs-error-answers" }?.reason)
        XCTAssertTrue(reason.hasSuffix("got one refused as badSignature"), reason)
    }

    func testWrongStatusFailsTheRefusalChecks() async throws {
        let results = try await run(quirks: [.wrongStatus])
        XCTAssertEqual(
            failedIDs(results), ["refuses-unsigned-request", "refuses-bad-signature", "refuses-malformed-request"],
            ConformanceReport(results).table)
        XCTAssertEqual(results.first { $0.id == "refuses-unsigned-request" }?.reason, "an unsigned request: expected HTTP 401, got 200")
    }

    func testMissingOriginalIdFailsTheCorrelationCheck() async throws {
        let results = try await run(quirks: [.missingFields])
        XCTAssertEqual(failedIDs(results), ["reports-original-id"], ConformanceReport(results).table)
        XCTAssertEqual(
            results.first { $0.id == "reports-original-id" }?.reason,
            "the report: expected report.originalId = verification.id, got no such member")
    }

    func testRequestsSignedWithAKeyTheSwitchDoesNotKnowAreRefused() async throws {
        // The kit presenting another key: every signed request is refused, so the report checks fail, and the kit
        // tells why (401 where 200 was due), while the refusal and answer-signature checks still pass.
        let stranger = try pki.signer("bank.970418")
        let gateway = try pki.signer("gateway")
        let napas = try pki.signer("fin.napas")
        let tls = try ExamplePKI.serverTLSConfiguration(directory: pki.directory)
        let (port, server) = try await startServer { ready in
            let app = NAPASSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, register: AccountRegister(accounts: []), signer: napas,
                requestVerifier: JWSVerifier(keys: [gateway.keyID: gateway.publicKey]), faults: FaultInjector(),
                logger: Logger(label: "test.conformance.napas") { _ in SwiftLogNoOpLogHandler() }, onServerRunning: ready)
            return { try await app.runService() }
        }
        let target = try pki.target(port: port, path: NAPASMessages.path)
        let results = await ConformanceSuite.napas(
            signer: stranger, partnerKeys: JWSVerifier(keys: [napas.keyID: napas.publicKey]), providerCode: "970436"
        ).run(against: target)
        try await target.shutdown()
        server.cancel()
        _ = await server.result
        XCTAssertEqual(failedIDs(results), ["reports-original-id", "report-is-well-formed", "refuses-malformed-request"], ConformanceReport(results).table)
        XCTAssertEqual(results.first { $0.id == "reports-original-id" }?.reason, "a valid request: expected HTTP 200, got 401")
    }
}
