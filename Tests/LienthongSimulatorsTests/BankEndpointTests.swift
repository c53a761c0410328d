import AsyncHTTPClient
import Foundation
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import XCTest

/// The push endpoint of the simulated bank over real mTLS, called with the gateway's client identity. The desk
/// is not running here (no gateway), so results stay pending; the flow tests cover sending.
final class BankEndpointTests: XCTestCase {
    private var directory: URL!
    private var client: HTTPClient!
    private var desk: BankDesk!
    private var faults: FaultInjector!
    private var port = 0
    private var server: Task<Void, any Error>?

    static let person = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 5)
    static let name = "Trần Thị Bình"

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bank-ep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ExamplePKI.create(at: directory, members: ["gov.labour.dongnai", "bank.970436"])
        let ca = try TLSProfile.loadCertificates(file: directory.appendingPathComponent("ca.pem").path)
        let gateway = try TLSProfile.loadIdentity(
            certificateFile: directory.appendingPathComponent("gateway.pem").path,
            keyFile: directory.appendingPathComponent("gateway-key.pem").path)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: TLSProfile.mutualClient(certificateChain: gateway.chain, privateKey: gateway.key, trustRoots: ca))
        configuration.timeout.connect = .seconds(2)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        desk = BankDesk(
            configuration: try .examplePKI(bin: "970436", gatewayURL: "https://127.0.0.1:1", certificateDirectory: directory.path),
            logger: logger)
        faults = FaultInjector()
        let (ports, ready) = AsyncStream<Int>.makeStream()
        let app = BankSimulator.makeApplication(
            host: "127.0.0.1", port: 0, tls: try ExamplePKI.serverTLSConfiguration(directory: directory),
            bank: desk, faults: faults, logger: logger
        ) { ready.yield($0) }
        server = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        let bound = await iterator.next()
        port = try XCTUnwrap(bound)
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        server?.cancel()
        _ = await server?.result
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    struct Answer {
        var status: Int
        var contentType: String?
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func post(
        _ body: String, id: String? = UUID().uuidString.lowercased(), type: String? = "asxh.account-opening-request",
        sender: String? = "gov.labour.dongnai", contentType: String = "application/json"
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(BankSimulator.pushPath)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        if let id { request.headers.add(name: "X-Message-Id", value: id) }
        if let type { request.headers.add(name: "X-Message-Type", value: type) }
        if let sender { request.headers.add(name: "X-Sender", value: sender) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Data(buffer: bytes))
    }

    func get(_ path: String) async throws -> Answer {
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Data(buffer: bytes))
    }

    func payload(requestRef: String = "EP-1", bin: String = "970436", withPersonalID: Bool = true) -> String {
        let id = withPersonalID ? #","personalId":"\#(Self.person.digits)""# : ""
        return #"{"requestRef":"\#(requestRef)","bank":{"bin":"\#(bin)"},"person":{"fullName":"\#(Self.name)"\#(id),"dateOfBirth":"1990-02-03"}}"#
    }

    func testValidRequestIsAcknowledgedAcmt010StyleAndADuplicateIsFlagged() async throws {
        let id = UUID().uuidString.lowercased()
        let first = try await post(payload(), id: id)
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(first.contentType, "application/json")
        let answer = try JSONDecoder().decode(BankSimulator.PushAnswer.self, from: first.body)
        XCTAssertEqual(answer.acknowledgement.requestType, "OPEN")
        XCTAssertEqual(answer.acknowledgement.acknowledgedMessageId, id)
        XCTAssertEqual(answer.acknowledgement.requestRef, "EP-1")
        XCTAssertEqual(answer.acknowledgement.status, "received")
        XCTAssertFalse(answer.duplicate)

        let again = try await post(payload(), id: id.uppercased())
        XCTAssertEqual(again.status, 200)
        let second = try JSONDecoder().decode(BankSimulator.PushAnswer.self, from: again.body)
        XCTAssertTrue(second.duplicate)
        XCTAssertEqual(second.acknowledgement, answer.acknowledgement, "same answer for the same message id")

        let counts = desk.counts
        XCTAssertEqual(counts.received, 1)
        XCTAssertEqual(counts.duplicates, 1)
        XCTAssertEqual(counts.resultsPending, 3, "acknowledged, opened, card-delivered wait for the desk to run")
        XCTAssertEqual(desk.status(requestRef: "EP-1"), .requested)
    }

    func testMalformedRequestsAreRefusedWith400ProblemsWithoutPersonalData() async throws {
        let missing = try await post(payload(withPersonalID: false))
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(missing.contentType, "application/problem+json")
        let problem = try JSONDecoder().decode(BankSimulator.Problem.self, from: missing.body)
        XCTAssertEqual(problem.type, "urn:lienthong:bank:invalid-payload")
        XCTAssertEqual(problem.status, 400)
        XCTAssertTrue(problem.detail?.contains("payload.person.personalId") ?? false, problem.detail ?? "")
        XCTAssertFalse(missing.text.contains("Bình"), "no name in the refusal")

        let badID = try await post(payload().replacingOccurrences(of: Self.person.digits, with: "12345"))
        XCTAssertEqual(badID.status, 400)
        XCTAssertFalse(badID.text.contains("12345"), "no value in the refusal")

        let otherBank = try await post(payload(bin: "970418"))
        XCTAssertEqual(otherBank.status, 400)
        XCTAssertEqual(try JSONDecoder().decode(BankSimulator.Problem.self, from: otherBank.body).type, "urn:lienthong:bank:other-bank")

        let unknownType = try await post(payload(), type: "asxh.beneficiary-list")
        XCTAssertEqual(unknownType.status, 400)
        XCTAssertEqual(try JSONDecoder().decode(BankSimulator.Problem.self, from: unknownType.body).type, "urn:lienthong:bank:unknown-message-type")

        let notJSON = try await post("{ not json")
        XCTAssertEqual(notJSON.status, 400)
        let notObject = try await post("[1, 2]")
        XCTAssertEqual(notObject.status, 400)
        let noID = try await post(payload(), id: nil)
        XCTAssertEqual(noID.status, 400)
        let badMessageID = try await post(payload(), id: "not-a-uuid")
        XCTAssertEqual(badMessageID.status, 400)
        let badSender = try await post(payload(), sender: "Labour Department")
        XCTAssertEqual(badSender.status, 400)
        let text = try await post(payload(), contentType: "text/plain")
        XCTAssertEqual(text.status, 415)

        XCTAssertEqual(desk.counts.received, 0, "nothing recorded")
        XCTAssertGreaterThanOrEqual(desk.counts.refused, 6)
    }

    func testFaultsAndTheSimBankRouteWithoutPersonalData() async throws {
        faults.setDown()
        let down = try await post(payload())
        XCTAssertEqual(down.status, 503)
        faults.heal()
        let up = try await post(payload(requestRef: "EP-2"))
        XCTAssertEqual(up.status, 200)

        let summary = try await get("/_sim/bank")
        XCTAssertEqual(summary.status, 200)
        let decoded = try JSONDecoder().decode(BankSimulator.Summary.self, from: summary.body)
        XCTAssertEqual(decoded.bin, "970436")
        XCTAssertEqual(decoded.member, "bank.970436")
        XCTAssertEqual(decoded.counts.received, 1)
        XCTAssertEqual(decoded.requests.map(\.requestRef), ["EP-2"])
        XCTAssertEqual(decoded.requests.first?.status, .requested)
        XCTAssertFalse(summary.text.contains(Self.person.digits), "no personal id number")
        XCTAssertFalse(summary.text.contains("Bình"), "no name")
        XCTAssertFalse(summary.text.contains("1990-02-03"), "no date of birth")

        let faultState = try await get("/_sim/faults")
        XCTAssertEqual(faultState.status, 200, "control routes are not subject to faults")
    }
}
