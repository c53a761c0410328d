import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import XCTest

/// The push-delivery recipient over real mTLS on 127.0.0.1 ephemeral ports, with the example PKI in a temp
/// directory and the gateway's client identity.
final class RecipientSimulatorTests: XCTestCase {
    private var directory: URL!
    private var serverTLS: TLSConfiguration!
    private var client: HTTPClient!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-recipient-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ExamplePKI.create(at: directory, members: [])
        let ca = try TLSProfile.loadCertificates(file: directory.appendingPathComponent("ca.pem").path)
        let server = try TLSProfile.loadIdentity(
            certificateFile: directory.appendingPathComponent("server.pem").path,
            keyFile: directory.appendingPathComponent("server-key.pem").path
        )
        let gateway = try TLSProfile.loadIdentity(
            certificateFile: directory.appendingPathComponent("gateway.pem").path,
            keyFile: directory.appendingPathComponent("gateway-key.pem").path
        )
        serverTLS = TLSProfile.mutualServer(certificateChain: server.chain, privateKey: server.key, trustRoots: ca)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: TLSProfile.mutualClient(certificateChain: gateway.chain, privateKey: gateway.key, trustRoots: ca)
        )
        configuration.timeout.connect = .seconds(2)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Runs the simulator on an ephemeral port for the duration of `body`.
    private func withRecipient<T: Sendable>(
        received: ReceivedMessages,
        faults: FaultInjector = FaultInjector(),
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = RecipientSimulator.makeApplication(
            host: "127.0.0.1", port: 0, tls: serverTLS, received: received, faults: faults,
            logger: Logger(label: "test.sim.recipient")
        ) { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            XCTAssertNotEqual(port, 0)
            do {
                let result = try await body(port)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    private struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        func json() throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        }
    }

    private func send(
        _ port: Int, method: HTTPMethod = .POST, path: String = "/inbox", headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(5))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    private func deliver(_ port: Int, id: String, type: String = "asxh.beneficiary-list", body: String = #"{"period":"2026-11"}"#) async throws -> Answer {
        try await send(port, headers: [
            ("Content-Type", "application/json"), ("X-Message-Id", id), ("X-Message-Type", type), ("X-Sender", "gov.molisa.dongnai"),
        ], body: body)
    }

    func testDeliveryIsRecordedWithHashAndDuplicatesAreCounted() async throws {
        let received = ReceivedMessages()
        let id = UUID()
        let body = #"{"period":"2026-11","payees":[{"ref":"P-0001"}]}"#
        try await withRecipient(received: received) { port in
            let first = try await deliver(port, id: id.uuidString, body: body)
            XCTAssertEqual(first.status, 200)
            XCTAssertEqual(try first.json()["received"] as? String, id.uuidString.lowercased())
            XCTAssertEqual(try first.json()["duplicate"] as? Bool, false)

            let again = try await deliver(port, id: id.uuidString.lowercased(), body: body)
            XCTAssertEqual(again.status, 200)
            XCTAssertEqual(try again.json()["duplicate"] as? Bool, true)

            let other = UUID()
            let otherAnswer = try await deliver(port, id: other.uuidString, type: "vss.participant-sync")
            XCTAssertEqual(otherAnswer.status, 200)

            XCTAssertEqual(received.count(of: id), 2)
            XCTAssertEqual(received.count(of: other), 1)
            XCTAssertEqual(received.count(of: UUID()), 0)
            XCTAssertEqual(received.uniqueIDs, [id, other])
            XCTAssertEqual(received.deliveryCount, 3)
            let all = received.all
            XCTAssertEqual(all.map(\.duplicate), [false, true, false])
            XCTAssertEqual(all[0].type, "asxh.beneficiary-list")
            XCTAssertEqual(all[0].sender, "gov.molisa.dongnai")
            XCTAssertEqual(all[0].bodyBytes, body.utf8.count)
            XCTAssertEqual(all[0].bodySHA256, ReceivedDelivery.sha256Hex(Array(body.utf8)))
            XCTAssertEqual(all[0].bodySHA256.count, 64)
            XCTAssertEqual(all[2].type, "vss.participant-sync")
        }
    }

    func testSHA256HexKnownAnswer() {
        XCTAssertEqual(ReceivedDelivery.sha256Hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(ReceivedDelivery.sha256Hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testMalformedDeliveriesAreRefusedAndNotRecorded() async throws {
        let received = ReceivedMessages()
        let id = UUID().uuidString
        try await withRecipient(received: received) { port in
            let noSender = try await send(port, headers: [
                ("Content-Type", "application/json"), ("X-Message-Id", id), ("X-Message-Type", "asxh.beneficiary-list"),
            ], body: "{}")
            XCTAssertEqual(noSender.status, 400)
            XCTAssertEqual(noSender.headers.first(name: "Content-Type"), "application/problem+json")
            XCTAssertEqual(try noSender.json()["status"] as? Int, 400)
            XCTAssertTrue((try noSender.json()["detail"] as? String)?.contains("X-Sender") ?? false)

            let notUUID = try await deliver(port, id: "msg-0001")
            XCTAssertEqual(notUUID.status, 400)
            XCTAssertTrue((try notUUID.json()["detail"] as? String)?.contains("X-Message-Id") ?? false)

            let wrongType = try await send(port, headers: [
                ("Content-Type", "text/plain"), ("X-Message-Id", id), ("X-Message-Type", "asxh.beneficiary-list"), ("X-Sender", "gov.molisa.dongnai"),
            ], body: "{}")
            XCTAssertEqual(wrongType.status, 415)

            let noType = try await send(port, headers: [
                ("X-Message-Id", id), ("X-Message-Type", "asxh.beneficiary-list"), ("X-Sender", "gov.molisa.dongnai"),
            ], body: "{}")
            XCTAssertEqual(noType.status, 415)

            let notJSON = try await deliver(port, id: id, body: "{not json")
            XCTAssertEqual(notJSON.status, 400)

            let withCharset = try await send(port, headers: [
                ("Content-Type", "Application/JSON; charset=utf-8"), ("X-Message-Id", id), ("X-Message-Type", "t"), ("X-Sender", "s"),
            ], body: "[1]")
            XCTAssertEqual(withCharset.status, 200)
        }
        XCTAssertEqual(received.deliveryCount, 1)
    }

    func testForcedStatusDownAndHeal() async throws {
        let received = ReceivedMessages()
        let faults = FaultInjector()
        try await withRecipient(received: received, faults: faults) { port in
            // 429 with Retry-After, switched over the control route.
            let set = try await send(port, path: "/_sim/faults", headers: [("Content-Type", "application/json")],
                                     body: #"{"forcedStatus":429,"retryAfterSeconds":2}"#)
            XCTAssertEqual(set.status, 200)
            XCTAssertEqual(try set.json()["forcedStatus"] as? Int, 429)
            let throttled = try await deliver(port, id: UUID().uuidString)
            XCTAssertEqual(throttled.status, 429)
            XCTAssertEqual(throttled.headers.first(name: "Retry-After"), "2")

            // 400 through the Swift API, without Retry-After.
            faults.setForcedStatus(400)
            let refused = try await deliver(port, id: UUID().uuidString)
            XCTAssertEqual(refused.status, 400)
            XCTAssertNil(refused.headers.first(name: "Retry-After"))

            // Cleared by `forcedStatus: 0`.
            _ = try await send(port, path: "/_sim/faults", headers: [("Content-Type", "application/json")], body: #"{"forcedStatus":0}"#)
            XCTAssertNil(faults.forcedStatus())

            // Down → 503; the control routes stay reachable.
            faults.setDown()
            let down = try await deliver(port, id: UUID().uuidString)
            XCTAssertEqual(down.status, 503)
            let state = try await send(port, method: .GET, path: "/_sim/faults")
            XCTAssertEqual(try state.json()["down"] as? Bool, true)

            // Down with closed connections → a transport error, nothing recorded.
            faults.setDown(mode: .closeConnection)
            do {
                let answer = try await deliver(port, id: UUID().uuidString)
                XCTFail("answered \(answer.status) while down with closed connections")
            } catch {
                XCTAssertEqual(error as? HTTPClientError, .remoteConnectionClosed)
            }

            // Error rate 1 → 500.
            faults.heal()
            faults.setErrorRate(1)
            let failed = try await deliver(port, id: UUID().uuidString)
            XCTAssertEqual(failed.status, 500)

            // Healed → 200 again.
            faults.reset()
            let id = UUID()
            let healed = try await deliver(port, id: id.uuidString)
            XCTAssertEqual(healed.status, 200)
            XCTAssertEqual(received.uniqueIDs, [id])
        }
    }

    func testReceivedSummaryShape() async throws {
        let received = ReceivedMessages()
        let a = UUID(), b = UUID()
        try await withRecipient(received: received) { port in
            for id in [a, b, a] {
                let answer = try await deliver(port, id: id.uuidString)
                XCTAssertEqual(answer.status, 200)
            }
            let summary = try await send(port, method: .GET, path: "/_sim/received")
            XCTAssertEqual(summary.status, 200)
            let object = try summary.json()
            XCTAssertEqual(Set(object.keys), ["unique", "deliveries", "ids"])
            XCTAssertEqual(object["unique"] as? Int, 2)
            XCTAssertEqual(object["deliveries"] as? Int, 3)
            XCTAssertEqual(object["ids"] as? [String], [a.uuidString.lowercased(), b.uuidString.lowercased()])
        }
    }

    func testJournalHasOneSyncedLinePerDeliveryWithoutPayload() async throws {
        let path = directory.appendingPathComponent("inbox.jsonl").path
        let received = try ReceivedMessages(journalPath: path)
        let a = UUID(), b = UUID()
        let secret = "Nguyễn Thị Hoà"
        let body = #"{"fullName":"\#(secret)"}"#
        try await withRecipient(received: received) { port in
            for id in [a, b, a] {
                let answer = try await deliver(port, id: id.uuidString, body: body)
                XCTAssertEqual(answer.status, 200)
            }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 3)
        XCTAssertFalse(text.contains(secret))
        XCTAssertFalse(text.contains("fullName"))
        let lines = try ReceivedMessages.readJournal(at: path)
        XCTAssertEqual(lines.map(\.messageID), [a, b, a])
        XCTAssertEqual(lines.map(\.duplicate), [false, false, true])
        XCTAssertEqual(Set(lines.map(\.bodySHA256)), [ReceivedDelivery.sha256Hex(Array(body.utf8))])
        XCTAssertEqual(lines.map(\.messageID), received.all.map(\.messageID))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        // A second recorder appends to the same file.
        let again = try ReceivedMessages(journalPath: path)
        try again.record(messageID: b, type: "t", sender: "s", body: Array("{}".utf8))
        XCTAssertEqual(try ReceivedMessages.readJournal(at: path).count, 4)
    }

    func testJournalErrors() throws {
        let missing = directory.appendingPathComponent("no-such-dir/inbox.jsonl").path
        XCTAssertThrowsError(try ReceivedMessages(journalPath: missing)) { error in
            XCTAssertEqual((error as? ReceivedMessagesError)?.code, .openFailed)
        }
        let bad = directory.appendingPathComponent("bad.jsonl")
        try Data("{\"id\":\"x\"}\n".utf8).write(to: bad)
        XCTAssertThrowsError(try ReceivedMessages.readJournal(at: bad.path)) { error in
            XCTAssertEqual(error as? ReceivedMessagesError, ReceivedMessagesError(.malformedLine, line: 1))
        }
    }

    func testValidateHeadersOrder() {
        var fields = HTTPFields()
        XCTAssertThrowsError(try RecipientSimulator.validate(headers: fields)) { error in
            XCTAssertEqual(error as? RecipientSimulator.DeliveryRejection, .init(.missingHeader, header: "X-Message-Id"))
        }
        fields[HTTPField.Name("X-Message-Id")!] = "not-a-uuid"
        fields[HTTPField.Name("X-Message-Type")!] = "labor.worker-records"
        fields[HTTPField.Name("X-Sender")!] = "gov.iz.dongnai"
        XCTAssertThrowsError(try RecipientSimulator.validate(headers: fields)) { error in
            XCTAssertEqual((error as? RecipientSimulator.DeliveryRejection)?.code, .invalidMessageID)
            XCTAssertFalse((error as? RecipientSimulator.DeliveryRejection)?.detail.contains("not-a-uuid") ?? true)
        }
        let id = UUID()
        fields[HTTPField.Name("X-Message-Id")!] = id.uuidString
        XCTAssertThrowsError(try RecipientSimulator.validate(headers: fields)) { error in
            XCTAssertEqual((error as? RecipientSimulator.DeliveryRejection)?.status, 415)
        }
        fields[.contentType] = "application/json"
        XCTAssertEqual(try RecipientSimulator.validate(headers: fields), .init(messageID: id, type: "labor.worker-records", sender: "gov.iz.dongnai"))
    }

    func testForcedStatusAPI() {
        let faults = FaultInjector()
        faults.setForcedStatus(503, retryAfterSeconds: 7)
        XCTAssertEqual(faults.forcedStatus(), .init(status: 503, retryAfterSeconds: 7))
        XCTAssertEqual(faults.snapshot().forcedStatus, 503)
        XCTAssertEqual(faults.snapshot().retryAfterSeconds, 7)
        XCTAssertEqual(faults.decide().action, .proceed)
        faults.setForcedStatus(200)
        XCTAssertNil(faults.forcedStatus())
        faults.setForcedStatus(429, retryAfterSeconds: -1)
        XCTAssertEqual(faults.forcedStatus(), .init(status: 429, retryAfterSeconds: nil))
        faults.reset()
        XCTAssertNil(faults.forcedStatus())
    }
}
