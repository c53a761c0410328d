import Foundation
import LienthongAdapters
import LienthongConformance
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging
import XCTest

/// The VSS suite against the social-insurance simulator over real mTLS, in good mode and with each quirk.
final class VSSConformanceTests: XCTestCase {
    private var pki: ConformancePKI!

    static let sample = ParticipantRegister.Participant(
        personalId: PersonalID.make(provinceCode: "75", birthYear: 1991, sex: .female, serial: 777).digits,
        socialInsuranceNumber: "7500077700", fullName: "Lê Thị Mẫu", dateOfBirth: "1991-04-05", sex: .female,
        participation: .participating, scheme: .compulsory, since: "2015-01-01", healthInsuranceCard: "DN4757500077700")

    static let register: ParticipantRegister = {
        let generated = ParticipantRegister(citizens: SyntheticPopulation.generate(citizens: 50, seed: 4), seed: 4)
        return ParticipantRegister(participants: generated.participants + [sample])
    }()

    static let baseIDs: Set<String> = [
        "answers-lookup-by-personal-id", "answers-lookup-by-social-insurance-number", "refuses-both-numbers",
        "refuses-malformed-number", "refuses-non-json", "refuses-missing-request-id", "echoes-request-id",
    ]

    override func setUp() async throws {
        pki = try ConformancePKI()
    }

    override func tearDown() async throws {
        pki?.remove()
    }

    /// Runs the VSS suite (with the sample unless `withSample` is false) against the simulator with `quirks`.
    private func run(quirks: Set<VSSSimulator.Quirk> = [], withSample: Bool = true) async throws -> [ConformanceResult] {
        let tls = try ExamplePKI.serverTLSConfiguration(directory: pki.directory)
        let (port, server) = try await startServer { ready in
            let app = VSSSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, register: Self.register, faults: FaultInjector(), quirks: quirks,
                logger: Logger(label: "test.conformance.vss") { _ in SwiftLogNoOpLogHandler() }, onServerRunning: ready)
            return { try await app.runService() }
        }
        let target = try pki.target(port: port, path: "/vss/v1/participants/lookup")
        let results = await ConformanceSuite.vss(samplePersonalID: withSample ? Self.sample.personalId : nil).run(against: target)
        try await target.shutdown()
        server.cancel()
        _ = await server.result
        XCTAssertEqual(Set(results.map(\.id)), withSample ? Self.baseIDs.union(["finds-sample"]) : Self.baseIDs)
        assertNoPersonalValues(results, secrets: [Self.sample.personalId, Self.sample.socialInsuranceNumber])
        return results
    }

    func testConformingServicePassesEveryCheck() async throws {
        let results = try await run()
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(failedIDs(results), [], ConformanceReport(results).table)
    }

    func testWithoutASampleTheChecksJudgeShapeOnly() async throws {
        let results = try await run(withSample: false)
        XCTAssertEqual(results.count, 7)
        XCTAssertEqual(failedIDs(results), [], ConformanceReport(results).table)
    }

    func testWrongStatusFailsTheRefusalChecks() async throws {
        let results = try await run(quirks: [.wrongStatus])
        XCTAssertEqual(
            failedIDs(results), ["refuses-both-numbers", "refuses-malformed-number", "refuses-non-json", "refuses-missing-request-id"],
            ConformanceReport(results).table)
        XCTAssertEqual(results.first { $0.id == "refuses-non-json" }?.reason, "a text/plain body: expected HTTP 400 or 415, got 200")
    }

    func testMissingSocialInsuranceNumberFailsTheSampleCheck() async throws {
        let results = try await run(quirks: [.missingFields])
        XCTAssertEqual(failedIDs(results), ["finds-sample"], ConformanceReport(results).table)
        XCTAssertEqual(
            results.first { $0.id == "finds-sample" }?.reason,
            "a lookup of the sample: expected an answer following the contract, got one where participant.socialInsuranceNumber is required and must be a string")
    }

    func testAnswersAboutAnotherPersonFailTheLookupChecks() async throws {
        let results = try await run(quirks: [.ignoresQuery])
        XCTAssertEqual(
            failedIDs(results), ["answers-lookup-by-personal-id", "answers-lookup-by-social-insurance-number", "finds-sample"],
            ConformanceReport(results).table)
        XCTAssertEqual(
            results.first { $0.id == "answers-lookup-by-personal-id" }?.reason,
            "a lookup by personalId: expected participant.personalId = the personalId asked for, got another person")
    }

    func testUnechoedRequestIdFailsTheEchoCheck() async throws {
        let results = try await run(quirks: [.omitsRequestID])
        XCTAssertEqual(failedIDs(results), ["echoes-request-id"], ConformanceReport(results).table)
        XCTAssertEqual(results.first { $0.id == "echoes-request-id" }?.reason, "the answer: expected X-Request-Id echoed, got no X-Request-Id (HTTP 200)")
    }

    func testTheOtherPersonAnswerFaultIsCaughtToo() async throws {
        // The simulator's existing answer fault (not a quirk): an answer about someone else.
        let answerFaults = VSSAnswerFaults()
        answerFaults.set(.otherPerson)
        let tls = try ExamplePKI.serverTLSConfiguration(directory: pki.directory)
        let (port, server) = try await startServer { ready in
            let app = VSSSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: tls, register: Self.register, faults: FaultInjector(), answerFaults: answerFaults,
                logger: Logger(label: "test.conformance.vss") { _ in SwiftLogNoOpLogHandler() }, onServerRunning: ready)
            return { try await app.runService() }
        }
        let target = try pki.target(port: port, path: "/vss/v1/participants/lookup")
        let results = await ConformanceSuite.vss(samplePersonalID: Self.sample.personalId).run(against: target)
        try await target.shutdown()
        server.cancel()
        _ = await server.result
        XCTAssertEqual(
            failedIDs(results), ["answers-lookup-by-personal-id", "answers-lookup-by-social-insurance-number", "finds-sample"],
            ConformanceReport(results).table)
    }
}
