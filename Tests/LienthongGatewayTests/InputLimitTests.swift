import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongPKI
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import XCTest

/// Issue 7: the partner listener's input limits (connections, request-head size, JSON depth), on the wire and in
/// the audit log.
final class InputLimitTests: XCTestCase {
    var harness: GatewayHarness!

    override func setUp() async throws { harness = try GatewayHarness() }

    override func tearDown() async throws { await harness.stop() }

    func testConnectionsOverTheLimitAreAnswered503ThenClosedAtAccept() async throws {
        try await harness.start(partnerSettings: ["max_connections": 2])
        var held: [RawConnection] = []
        for _ in 0..<2 {
            let connection = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
            let state = await connection.wait { $0.handshaken || $0.closed }
            XCTAssertTrue(state.handshaken, "connections within the limit complete the handshake")
            held.append(connection)
        }
        // Over the limit, within the answered margin (max(1, 2/16) = 1): handshake, then 503 to the first request.
        let busy = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
        let busyState = await busy.wait { $0.handshaken || $0.closed }
        XCTAssertTrue(busyState.handshaken)
        // Beyond the margin: closed at accept, no handshake.
        let dropped = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
        let droppedState = await dropped.wait { $0.closed }
        XCTAssertTrue(droppedState.closed, "a connection far over the limit is closed")
        XCTAssertFalse(droppedState.handshaken, "… without a handshake")
        XCTAssertTrue(droppedState.bytes.isEmpty)

        try await busy.send(RawConnection.request(method: "GET", path: "/v1/inbox"))
        let answered = await busy.wait { $0.closed }
        XCTAssertTrue(answered.closed, "the busy answer ends with a close")
        let answer = try XCTUnwrap(RawAnswer(answered.bytes))
        XCTAssertEqual(answer.status, 503)
        XCTAssertEqual(answer.headers["content-type"], "application/problem+json")
        XCTAssertEqual(answer.headers["connection"], "close")
        XCTAssertEqual(answer.headers["retry-after"], "1")
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:rate-limited")
        XCTAssertEqual(answer.problem?.status, 503)
        XCTAssertEqual(answer.problem?.requestId, answer.headers["x-request-id"])
        let record = try harness.auditRecords().first { $0.target == "partner-listener:connection-limit" }
        XCTAssertEqual(record?.status, 503)
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.action, "connection.refused")
        XCTAssertEqual(record?.actor, "gov.labour.dongnai")
        XCTAssertEqual(record?.ref, answer.headers["x-request-id"])
        XCTAssertEqual(record.map { String($0.seq) }, answer.headers["x-audit-seq"])

        let metrics = try await harness.admin("/metrics").body
        XCTAssertTrue(metrics.contains(#"lienthong_partner_refusals_total{reason="connection-limit-at-accept"}"#), metrics)
        XCTAssertTrue(metrics.contains("lienthong_partner_connections_open"))

        // Connections are counted down when they close: a normal client is served again.
        for connection in held { await connection.close() }
        let client = try harness.client("gov.labour.dongnai")
        var status = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            status = try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "officer-1", purpose: nil).status
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await client.shutdown()
        XCTAssertEqual(status, 200)
    }

    func testRequestHeadOverTheLimitGets431Problem() async throws {
        try await harness.start(partnerSettings: ["max_header_bytes": 2048])
        let connection = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
        try await connection.send(RawConnection.request(
            method: "POST", path: "/v1/services/directory.banks",
            headers: [("X-Padding", String(repeating: "a", count: 4000))], body: "{}"))
        let state = await connection.wait { $0.closed }
        XCTAssertTrue(state.closed, "the connection is closed after the answer")
        let answer = try XCTUnwrap(RawAnswer(state.bytes), "an answer before the close")
        XCTAssertEqual(answer.status, 431)
        XCTAssertEqual(answer.headers["content-type"], "application/problem+json")
        XCTAssertEqual(answer.headers["connection"], "close")
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:bad-request")
        XCTAssertEqual(answer.problem?.status, 431)
        let record = try harness.auditRecords().first { $0.target == "partner-listener:header-too-large" }
        XCTAssertEqual(record?.status, 431)
        XCTAssertEqual(record?.ref, answer.headers["x-request-id"])
        XCTAssertEqual(record.map { String($0.seq) }, answer.headers["x-audit-seq"])

        // A head under the limit is served.
        let client = try harness.client("gov.labour.dongnai")
        let served = try await client.send(
            method: .POST, path: "/v1/services/directory.banks",
            headers: [("Content-Type", "application/json"), ("X-User-Id", "officer-1"), ("X-Padding", String(repeating: "b", count: 1000))],
            body: Data("{}".utf8))
        try await client.shutdown()
        XCTAssertEqual(served.status, 200)
    }

    func testMalformedRequestGets400Problem() async throws {
        try await harness.start()
        let connection = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
        try await connection.send("NOT HTTP AT ALL\r\n\r\n")
        let state = await connection.wait { $0.closed }
        let answer = try XCTUnwrap(RawAnswer(state.bytes))
        XCTAssertEqual(answer.status, 400)
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:bad-request")
        let record = try await harness.waitForAudit { $0.target == "partner-listener:malformed-request" }
        XCTAssertEqual(record?.ref, answer.headers["x-request-id"])
    }

    func testDefaultsOfTheNewPartnerKeys() async throws {
        try await harness.start()
        let partner = harness.configuration.partner
        XCTAssertEqual(partner.maxConnections, 1024)
        XCTAssertEqual(partner.maxHeaderBytes, 16_384)
        XCTAssertEqual(partner.requestHeadTimeoutSeconds, 10)
        XCTAssertEqual(partner.handshakeTimeoutSeconds, 10)
    }

    /// A message envelope whose payload nests `depth` arrays.
    func nestedMessage(depth: Int) -> Data {
        let nested = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        return Data("""
        {"id":"\(UUID().uuidString.lowercased())","type":"asxh.account-opening-request","to":"bank.970436","payload":{"deep":\(nested)}}
        """.utf8)
    }

    func testJSONNestedBeyondTheDepthLimitGets400() async throws {
        try await harness.start()
        let client = try harness.client("gov.labour.dongnai")
        let headers = [("Content-Type", "application/json"), ("X-User-Id", "officer-1")]

        let deep = try await client.send(method: .POST, path: "/v1/messages", headers: headers, body: nestedMessage(depth: 200))
        XCTAssertEqual(deep.status, 400)
        XCTAssertEqual(deep.contentType, "application/problem+json")
        XCTAssertEqual(deep.problem?.type, "urn:lienthong:error:bad-request")
        XCTAssertNotNil(deep.auditSeq, "audited like any exchange")

        // 100 deep is within the parser's limit (128): refused for another reason (the payload's shape) or accepted.
        let shallower = try await client.send(method: .POST, path: "/v1/messages", headers: headers, body: nestedMessage(depth: 100))
        XCTAssertTrue([202, 400].contains(shallower.status), "got \(shallower.status)")
        if shallower.status == 400 {
            XCTAssertNotEqual(shallower.problem?.detail, deep.problem?.detail, "not refused for its depth")
        }
        // And the gateway still serves.
        let after = try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "officer-1", purpose: nil)
        try await client.shutdown()
        XCTAssertEqual(after.status, 200)
    }
}

/// A raw connection to the partner listener (TLS with a member's certificate, or plain TCP), for requests no HTTP
/// client sends: what it reads is collected until the server closes.
final class RawConnection: Sendable {
    struct State: Sendable {
        var bytes: [UInt8] = []
        var handshaken = false
        var closed = false
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to the harness's partner port; `member` nil makes a plain TCP connection that never starts TLS.
    static func open(harness: GatewayHarness, member: String?) async throws -> RawConnection {
        let context: NIOSSLContext? = try member.map { name in
            let identity = try TLSProfile.loadIdentity(
                certificateFile: harness.certs.appendingPathComponent("\(name).pem").path,
                keyFile: harness.certs.appendingPathComponent("\(name)-key.pem").path)
            let roots = try TLSProfile.loadCertificates(file: harness.certs.appendingPathComponent("ca.pem").path)
            return try NIOSSLContext(configuration: TLSProfile.mutualClient(
                certificateChain: identity.chain, privateKey: identity.key, trustRoots: roots))
        }
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let context { try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil)) }
                    try sync.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: harness.endpoints.partnerPort).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Writes `text`.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Waits (30 s at most) until `predicate` holds, and returns the state then.
    func wait(timeout: Duration = .seconds(30), until predicate: (State) -> Bool) async -> State {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = current
            if predicate(now) { return now }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return current
    }

    /// What was read so far.
    var current: State { collector.state.withLock { $0 } }

    func close() async { try? await channel.close() }

    /// An HTTP/1.1 request as text.
    static func request(method: String, path: String, headers: [(String, String)] = [], body: String = "") -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-User-Id: officer-1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return text
    }

    /// Collects what the connection reads.
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state = Mutex<State>(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.withLock { $0.bytes += buffer.readableBytesView }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { state.withLock { $0.handshaken = true } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A raw HTTP/1.1 answer: status, headers (names lowercased) and body.
struct RawAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
        self.body = Data(text[split.upperBound...].utf8)
    }

    var problem: ProblemDocument? { try? JSONDecoder().decode(ProblemDocument.self, from: body) }
}
