import Foundation
import LienthongConformance
import LienthongPKI
import LienthongSimulators
import Logging
import XCTest

/// The bank suite against the bank simulator's push endpoint over real mTLS, in good mode and with each quirk.
/// The desk runs with an unreachable gateway (`https://127.0.0.1:1`): the push endpoint's answers do not depend on it.
final class BankConformanceTests: XCTestCase {
    private var pki: ConformancePKI!

    static let allIDs: Set<String> = [
        "acknowledges-request", "acknowledges-redelivery", "refuses-missing-message-id", "refuses-unknown-message-type",
        "refuses-malformed-json", "refuses-invalid-payload", "refuses-other-bin", "refusal-is-problem-document",
    ]

    override func setUp() async throws {
        pki = try ConformancePKI()
    }

    override func tearDown() async throws {
        pki?.remove()
    }

    /// Runs the bank suite against a simulated bank 970436 with `quirks`.
    private func run(quirks: Set<BankSimulator.Quirk> = []) async throws -> [ConformanceResult] {
        let logger = Logger(label: "test.conformance.bank") { _ in SwiftLogNoOpLogHandler() }
        let desk = BankDesk(
            configuration: try .examplePKI(bin: "970436", gatewayURL: "https://127.0.0.1:1", certificateDirectory: pki.directory.path),
            logger: logger)
        let tls = try ExamplePKI.serverTLSConfiguration(directory: pki.directory)
        let (port, server) = try await startServer { ready in
            let app = BankSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, bank: desk, quirks: quirks, faults: FaultInjector(), logger: logger,
                onServerRunning: ready)
            return { try await app.runService() }
        }
        let deskTask = Task { try await desk.run() }
        let target = try pki.target(port: port, path: BankSimulator.pushPath)
        let results = await ConformanceSuite.bank(bin: "970436").run(against: target)
        try await target.shutdown()
        deskTask.cancel()
        server.cancel()
        _ = await deskTask.result
        _ = await server.result
        XCTAssertEqual(Set(results.map(\.id)), Self.allIDs)
        assertNoPersonalValues(results)
        return results
    }

    func testConformingBankPassesEveryCheck() async throws {
        let results = try await run()
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(failedIDs(results), [], ConformanceReport(results).table)
        XCTAssertTrue(ConformanceReport(results).allPassed)
    }

    func testWrongStatusFailsEveryRefusalCheck() async throws {
        let results = try await run(quirks: [.wrongStatus])
        XCTAssertEqual(failedIDs(results), [
            "refuses-missing-message-id", "refuses-unknown-message-type", "refuses-malformed-json", "refuses-invalid-payload",
            "refuses-other-bin",
        ], ConformanceReport(results).table)
        let reason = try XCTUnwrap(results.first { $0.id == "refuses-other-bin" }?.reason)
        XCTAssertTrue(reason.contains("expected a 4xx refusal other than 408/429"), reason)
        XCTAssertTrue(reason.contains("got 500"), reason)
    }

    func testMissingAcknowledgedMessageIdFailsTheAcknowledgementChecks() async throws {
        let results = try await run(quirks: [.missingFields])
        XCTAssertEqual(failedIDs(results), ["acknowledges-request", "acknowledges-redelivery"], ConformanceReport(results).table)
        let reason = try XCTUnwrap(results.first { $0.id == "acknowledges-request" }?.reason)
        XCTAssertTrue(reason.contains("expected acknowledgement.acknowledgedMessageId = X-Message-Id, got no such member"), reason)
    }

    func testRefusedRedeliveryFailsOnlyTheRedeliveryCheck() async throws {
        let results = try await run(quirks: [.refusesRedelivery])
        XCTAssertEqual(failedIDs(results), ["acknowledges-redelivery"], ConformanceReport(results).table)
        XCTAssertEqual(results.first { $0.id == "acknowledges-redelivery" }?.reason, "a redelivery: expected 2xx (already recorded), got 409")
    }

    func testPlainTextRefusalsFailOnlyTheProblemDocumentCheck() async throws {
        let results = try await run(quirks: [.plainTextRefusals])
        XCTAssertEqual(failedIDs(results), ["refusal-is-problem-document"], ConformanceReport(results).table)
        let reason = try XCTUnwrap(results.first { $0.id == "refusal-is-problem-document" }?.reason)
        XCTAssertTrue(reason.contains("expected Content-Type application/problem+json, got text/plain"), reason)
    }

    func testServerOfAnotherCAFailsEveryCheckWithATLSReason() async throws {
        let other = try ConformancePKI()
        defer { other.remove() }
        let logger = Logger(label: "test.conformance.bank") { _ in SwiftLogNoOpLogHandler() }
        let desk = BankDesk(
            configuration: try .examplePKI(bin: "970436", gatewayURL: "https://127.0.0.1:1", certificateDirectory: pki.directory.path),
            logger: logger)
        let tls = try ExamplePKI.serverTLSConfiguration(directory: other.directory)
        let (port, server) = try await startServer { ready in
            let app = BankSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, bank: desk, faults: FaultInjector(), logger: logger, onServerRunning: ready)
            return { try await app.runService() }
        }
        let target = try pki.target(port: port, path: BankSimulator.pushPath, timeout: .milliseconds(500))
        let results = await ConformanceSuite.bank(bin: "970436").run(against: target)
        try await target.shutdown()
        server.cancel()
        _ = await server.result
        XCTAssertEqual(failedIDs(results), Self.allIDs)
        XCTAssertTrue(results.allSatisfy { $0.reason.hasPrefix("exchange failed: TLS failure") }, ConformanceReport(results).table)
        XCTAssertEqual(desk.counts.received, 0)
    }

    func testUnreachableBankFailsEveryCheckWithTheExchangeError() async throws {
        let target = try pki.target(port: 1, path: BankSimulator.pushPath, timeout: .milliseconds(300))
        let results = await ConformanceSuite.bank(bin: "970436").run(against: target)
        try await target.shutdown()
        XCTAssertEqual(failedIDs(results), Self.allIDs)
        XCTAssertTrue(results.allSatisfy { $0.reason.hasPrefix("exchange failed") }, ConformanceReport(results).table)
        XCTAssertTrue(ConformanceReport(results).table.hasSuffix("0 of 8 checks passed"))
    }
}
