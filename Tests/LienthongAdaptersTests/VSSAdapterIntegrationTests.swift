import AsyncHTTPClient
import Foundation
import Hummingbird
import LienthongAdapters
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import NIOSSL
import XCTest

/// VSS adapter ↔ VSS simulator over real mTLS on 127.0.0.1 ephemeral ports, with the example PKI in a temp directory.
final class VSSAdapterIntegrationTests: XCTestCase {
    private var fixture: UpstreamFixture!

    static let known = ParticipantRegister.Participant(
        personalId: PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .female, serial: 12345).digits,
        socialInsuranceNumber: "7512345678", fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15", sex: .female,
        participation: .participating, scheme: .compulsory, since: "2012-09-01", healthInsuranceCard: "DN4757512345678",
        employer: "Công ty TNHH Giày Da Tam Phước", economicSector: "C", monthlyWageBand: "5m-10m")
    static let stopped = ParticipantRegister.Participant(
        personalId: PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 4321).digits,
        socialInsuranceNumber: "7500432100", fullName: "Trần Văn Bình", dateOfBirth: "1985-11-02", sex: .male,
        participation: .stopped, scheme: .voluntary, since: "2024-02-01")
    static let unknownPersonalID = PersonalID.make(provinceCode: "01", birthYear: 1980, sex: .male, serial: 1).digits

    static let register: ParticipantRegister = {
        let generated = ParticipantRegister(citizens: SyntheticPopulation.generate(citizens: 200, seed: 3), seed: 3)
        return ParticipantRegister(participants: generated.participants + [known, stopped])
    }()

    override func setUp() async throws {
        fixture = try await UpstreamFixture.make(label: "vss")
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
    }

    /// Runs the simulator on an ephemeral port for the duration of `body`.
    private func withSimulator<T: Sendable>(
        faults: FaultInjector = FaultInjector(),
        answerFaults: VSSAnswerFaults = VSSAnswerFaults(),
        _ body: (Int) async throws -> T
    ) async throws -> T {
        try await fixture.withApplication({ onServerRunning in
            VSSSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: fixture.serverTLS, register: Self.register, faults: faults,
                answerFaults: answerFaults, logger: Logger(label: "test.sim.vss"), onServerRunning: onServerRunning
            )
        }, body: body)
    }

    private func adapter(_ port: Int, timeout: Duration = .seconds(5)) -> VSSAdapter {
        VSSAdapter(endpoint: "https://127.0.0.1:\(port)/", httpClient: fixture.client, timeout: timeout)
    }

    /// The problem `body` throws, or a failure when it throws none.
    private func problem(
        _ body: () async throws(GatewayProblem) -> LookupParticipantResponse, file: StaticString = #filePath, line: UInt = #line
    ) async -> GatewayProblem? {
        do throws(GatewayProblem) {
            let answer = try await body()
            XCTFail("expected a problem, got \(answer.status)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testFoundByPersonalID() async throws {
        try await withSimulator { port in
            let answer = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(personalId: Self.known.personalId), requestID: "p1")
            XCTAssertEqual(answer, LookupParticipantResponse(status: .found, participant: ParticipantSummary(
                personalId: Self.known.personalId, socialInsuranceNumber: "7512345678", participation: .participating,
                scheme: .compulsory, since: "2012-09-01", healthInsuranceCard: "DN4757512345678")))
            // A participant without a card, and one generated from the synthetic population.
            let stopped = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(personalId: Self.stopped.personalId), requestID: "p2")
            XCTAssertEqual(stopped.participant?.participation, .stopped)
            XCTAssertNil(stopped.participant?.healthInsuranceCard)
            let generated = try XCTUnwrap(Self.register.participants.first)
            let other = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(personalId: generated.personalId), requestID: "p3")
            XCTAssertEqual(other.participant?.socialInsuranceNumber, generated.socialInsuranceNumber)
        }
    }

    func testFoundBySocialInsuranceNumber() async throws {
        try await withSimulator { port in
            let answer = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(socialInsuranceNumber: "7512345678"), requestID: "s1")
            XCTAssertEqual(answer.status, .found)
            XCTAssertEqual(answer.participant?.personalId, Self.known.personalId)
            XCTAssertEqual(answer.participant?.scheme, .compulsory)
            // The gateway's answer as JSON: no province code, `not_found` spelled as in the contract.
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(answer)) as? [String: Any]
            let participant = try XCTUnwrap(json?["participant"] as? [String: Any])
            XCTAssertEqual(Set(participant.keys), ["personalId", "socialInsuranceNumber", "participation", "scheme", "since", "healthInsuranceCard"])
        }
    }

    func testNotFound() async throws {
        try await withSimulator { port in
            let byID = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(personalId: Self.unknownPersonalID), requestID: "n1")
            XCTAssertEqual(byID, LookupParticipantResponse(status: .notFound))
            let byNumber = try await self.adapter(port).lookupParticipant(
                LookupParticipantRequest(socialInsuranceNumber: "0100000001"), requestID: "n2")
            XCTAssertEqual(byNumber, LookupParticipantResponse(status: .notFound))
            let text = String(decoding: try JSONEncoder().encode(byNumber), as: UTF8.self)
            XCTAssertEqual(text, #"{"status":"not_found"}"#)
        }
    }

    func testInvalidRequestIsBadRequestBeforeAnyCall() async throws {
        // The simulator is down: a bad request is refused before the upstream is tried.
        let faults = FaultInjector()
        faults.setDown()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port)
            let cases: [(LookupParticipantRequest, String)] = [
                (LookupParticipantRequest(), "one of personalId or socialInsuranceNumber is required"),
                (LookupParticipantRequest(personalId: Self.known.personalId, socialInsuranceNumber: "7512345678"),
                 "give only one of personalId or socialInsuranceNumber"),
                (LookupParticipantRequest(personalId: "07519001234X"), "personalId must be a 12-digit personal id number"),
                (LookupParticipantRequest(personalId: "099190012345"), "personalId must be a 12-digit personal id number"),
                (LookupParticipantRequest(socialInsuranceNumber: "751234567"), "socialInsuranceNumber must be a 10-digit social-insurance number"),
            ]
            for (request, detail) in cases {
                let problem = await self.problem { () async throws(GatewayProblem) in
                    try await adapter.lookupParticipant(request, requestID: "b")
                }
                XCTAssertEqual(problem, GatewayProblem(.badRequest, detail: detail))
            }
            // Decoding the gateway's JSON body: wrong types name the field.
            do throws(GatewayProblem) {
                _ = try ContractValidation.decode(LookupParticipantRequest.self, from: Array(#"{"personalId":75190012345}"#.utf8))
                XCTFail("number accepted as personalId")
            } catch {
                XCTAssertEqual(error, GatewayProblem(.badRequest, detail: "personalId has the wrong type"))
            }
        }
    }

    func testLatencyAboveTimeoutIsUpstreamTimeout() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port, timeout: .milliseconds(500))
            _ = try await adapter.lookupParticipant(LookupParticipantRequest(personalId: Self.known.personalId), requestID: "w")
            faults.setLatency(.seconds(3))
            let problem = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(LookupParticipantRequest(personalId: Self.known.personalId), requestID: "t1")
            }
            XCTAssertEqual(problem, GatewayProblem(.upstreamTimeout, detail: "social insurance did not answer in time"))
            faults.reset()
        }
    }

    func testDownIsUpstreamUnavailable() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port, timeout: .seconds(2))
            let request = LookupParticipantRequest(socialInsuranceNumber: "7512345678")
            faults.setDown(for: .seconds(30))
            let unavailable = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(request, requestID: "d1")
            }
            XCTAssertEqual(unavailable, GatewayProblem(.upstreamUnavailable, detail: "social insurance is unavailable (HTTP 503)"))
            // Closing the connection without answering is unavailable too.
            faults.setDown(mode: .closeConnection)
            let closed = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(request, requestID: "d2")
            }
            XCTAssertEqual(closed?.code, .upstreamUnavailable)
            faults.heal()
            let healed = try await adapter.lookupParticipant(request, requestID: "d3")
            XCTAssertEqual(healed.status, .found)
        }
    }

    func testFaultErrorIsUpstreamError() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port)
            faults.setErrorRate(1)
            let problem = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(LookupParticipantRequest(personalId: Self.known.personalId), requestID: "e1")
            }
            XCTAssertEqual(problem, GatewayProblem(.upstreamError, detail: "social insurance answered with HTTP 500"))
            faults.reset()
            // The upstream's own 400 (a query the gateway would never send) is an upstream error, not a bad request.
            do throws(GatewayProblem) {
                _ = try await adapter.call(.personalID("123"), requestID: "e2")
                XCTFail("malformed query answered")
            } catch {
                XCTAssertEqual(error, GatewayProblem(.upstreamError, detail: "social insurance answered with HTTP 400"))
            }
            // A wrong path (404).
            let misrouted = VSSAdapter(endpoint: "https://127.0.0.1:\(port)/elsewhere", httpClient: self.fixture.client, timeout: .seconds(5))
            let notFound = await self.problem { () async throws(GatewayProblem) in
                try await misrouted.lookupParticipant(LookupParticipantRequest(personalId: Self.known.personalId), requestID: "e3")
            }
            XCTAssertEqual(notFound, GatewayProblem(.upstreamError, detail: "social insurance answered with HTTP 404"))
        }
    }

    func testWrongAnswersAreUpstreamErrors() async throws {
        let answerFaults = VSSAnswerFaults()
        try await withSimulator(answerFaults: answerFaults) { port in
            let adapter = self.adapter(port)
            let request = LookupParticipantRequest(personalId: Self.known.personalId)
            answerFaults.set(.otherPerson)
            let other = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(request, requestID: "o1")
            }
            XCTAssertEqual(other, GatewayProblem(.upstreamError, detail: "social insurance answered about another person than asked for"))
            XCTAssertFalse(other?.detail.contains(Self.known.personalId) ?? true)
            let otherByNumber = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(LookupParticipantRequest(socialInsuranceNumber: "7512345678"), requestID: "o2")
            }
            XCTAssertEqual(otherByNumber?.code, .upstreamError)
            answerFaults.set(.unreadable)
            let unreadable = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(request, requestID: "o3")
            }
            XCTAssertEqual(unreadable, GatewayProblem(.upstreamError, detail: "social insurance answered with an unreadable document"))
            answerFaults.set(.none)
            let fine = try await adapter.lookupParticipant(request, requestID: "o4")
            XCTAssertEqual(fine.status, .found)
        }
    }

    func testSimulatorSpeaksTheUpstreamContract() async throws {
        try await withSimulator { port in
            func post(_ body: String, contentType: String = "application/json", requestID: String? = "req-1") async throws -> (Int, [String: Any], String?) {
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(VSSUpstream.lookupPath)")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: contentType)
                if let requestID { request.headers.add(name: "X-Request-Id", value: requestID) }
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await self.fixture.client.execute(request, timeout: .seconds(5))
                let bytes = try await response.body.collect(upTo: 100_000)
                let json = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any] ?? [:]
                return (Int(response.status.code), json, response.headers.first(name: "X-Request-Id"))
            }
            let (status, found, echoed) = try await post(#"{"personalId":"\#(Self.known.personalId)"}"#)
            XCTAssertEqual(status, 200)
            XCTAssertEqual(echoed, "req-1")
            XCTAssertEqual(found["found"] as? Bool, true)
            XCTAssertEqual((found["participant"] as? [String: Any])?["provinceCode"] as? String, "75")

            let both = try await post(#"{"personalId":"\#(Self.known.personalId)","socialInsuranceNumber":"7512345678"}"#)
            XCTAssertEqual(both.0, 400)
            XCTAssertEqual(both.1["errorCode"] as? String, "INVALID_REQUEST")
            let extra = try await post(#"{"personalId":"\#(Self.known.personalId)","fullName":"x"}"#)
            XCTAssertEqual(extra.1["errorCode"] as? String, "INVALID_REQUEST")
            let duplicateKey = try await post(#"{"personalId":"\#(Self.known.personalId)","personalId":"\#(Self.unknownPersonalID)"}"#)
            XCTAssertEqual(duplicateKey.0, 400)
            let malformed = try await post(#"{"socialInsuranceNumber":"75123456789"}"#)
            XCTAssertEqual(malformed.0, 400)
            XCTAssertFalse((malformed.1["message"] as? String ?? "").contains("75123456789"), "the message never echoes a value")
            let noID = try await post(#"{"personalId":"\#(Self.known.personalId)"}"#, requestID: nil)
            XCTAssertEqual(noID.1["errorCode"] as? String, "MISSING_REQUEST_ID")
            let text = try await post(#"{"personalId":"\#(Self.known.personalId)"}"#, contentType: "text/plain")
            XCTAssertEqual(text.0, 415)
            XCTAssertEqual(text.1["errorCode"] as? String, "UNSUPPORTED_MEDIA_TYPE")
        }
    }

    func testSyncPayloadIsServedForDemos() async throws {
        try await withSimulator { port in
            let request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/_sim/participant-sync?count=12&seed=9&invalid=3")
            let response = try await self.fixture.client.execute(request, timeout: .seconds(5))
            XCTAssertEqual(response.status, .ok)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let payload = try JSONValue(parsing: bytes.readableBytesView)
            XCTAssertEqual(payload, Self.register.syncBatch(count: 12, seed: 9, invalid: 3))
            let report = ParticipantSync.validate(payload, today: SyntheticPopulation.referenceDate)
            XCTAssertEqual(report.total, 12)
            XCTAssertEqual(report.refused.count, 3)
        }
    }

    func testClientWithoutCertificateIsRefused() async throws {
        let ca = try TLSProfile.loadCertificates(file: fixture.path("ca.pem"))
        let anonymous = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: TLSProfile.client(trustRoots: ca)))
        defer { _ = anonymous.shutdown() }
        try await withSimulator { port in
            let adapter = VSSAdapter(endpoint: "https://127.0.0.1:\(port)", httpClient: anonymous, timeout: .seconds(1))
            let problem = await self.problem { () async throws(GatewayProblem) in
                try await adapter.lookupParticipant(LookupParticipantRequest(personalId: Self.known.personalId), requestID: "a1")
            }
            XCTAssertEqual(problem?.code, .upstreamUnavailable)
        }
    }
}
