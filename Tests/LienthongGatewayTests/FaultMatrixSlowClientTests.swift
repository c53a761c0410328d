import Foundation
import LienthongAudit
import LienthongClient
import XCTest

/// Issue 7, fault matrix (slow clients): a request head sent a byte at a time, a TLS handshake never finished, and a
/// normal client served while such clients hold connections.
final class FaultMatrixSlowClientTests: XCTestCase {
    var harness: GatewayHarness!

    override func setUp() async throws { harness = try GatewayHarness() }

    override func tearDown() async throws { await harness.stop() }

    /// Sends a request head one byte at a time, each byte well within the idle timeout, until the server closes
    /// (or 40 s pass).
    func trickle(_ connection: RawConnection, every interval: Duration = .milliseconds(250)) -> Task<Void, Never> {
        Task {
            let head = "POST /v1/services/directory.banks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + String(repeating: "s", count: 400)
            for byte in head {
                if connection.current.closed || Task.isCancelled { return }
                try? await connection.send(String(byte))
                try? await Task.sleep(for: interval)
            }
        }
    }

    func testSlowLorisRequestHeadGets408ThenClose() async throws {
        // The idle timeout (60 s) would not end it: each byte is within it.
        try await harness.start(partnerSettings: ["request_head_timeout_seconds": 2, "idle_timeout_seconds": 60])
        let connection = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
        let sender = trickle(connection)
        let state = await connection.wait(timeout: .seconds(30)) { $0.closed }
        sender.cancel()
        XCTAssertTrue(state.closed, "a slow request head does not hold the connection (closed within 30 s)")
        let answer = try XCTUnwrap(RawAnswer(state.bytes), "an answer before the close")
        XCTAssertEqual(answer.status, 408)
        XCTAssertEqual(answer.headers["content-type"], "application/problem+json")
        XCTAssertEqual(answer.headers["connection"], "close")
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:bad-request")
        XCTAssertEqual(answer.problem?.status, 408)
        let record = try harness.auditRecords().first { $0.target == "partner-listener:request-head-timeout" }
        XCTAssertEqual(record?.status, 408)
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.actor, "gov.labour.dongnai")
        XCTAssertEqual(record?.ref, answer.headers["x-request-id"])
    }

    func testNeverFinishedHandshakeIsDropped() async throws {
        try await harness.start(partnerSettings: ["handshake_timeout_seconds": 2, "idle_timeout_seconds": 60])
        // Plain TCP: connects, never sends a ClientHello.
        let silent = try await RawConnection.open(harness: harness, member: nil)
        // Starts a ClientHello and stops after a few bytes.
        let partial = try await RawConnection.open(harness: harness, member: nil)
        try await partial.send("\u{16}\u{03}\u{01}\u{02}")
        for connection in [silent, partial] {
            let state = await connection.wait(timeout: .seconds(30)) { $0.closed }
            XCTAssertTrue(state.closed, "an unfinished handshake is dropped (closed within 30 s)")
        }
        let record = try await harness.waitForAudit { $0.target == "partner-listener:handshake-timeout" }
        XCTAssertEqual(record?.action, "connection.refused")
        XCTAssertEqual(record?.outcome, .denied)
    }

    func testNormalClientIsServedWhileSlowClientsHoldConnections() async throws {
        // Generous timeouts, so the slow clients still hold their connections while the normal one is served.
        try await harness.start(partnerSettings: ["request_head_timeout_seconds": 8, "handshake_timeout_seconds": 8])
        var slow: [RawConnection] = []
        var senders: [Task<Void, Never>] = []
        for _ in 0..<4 {
            let connection = try await RawConnection.open(harness: harness, member: "gov.labour.dongnai")
            senders.append(trickle(connection))
            slow.append(connection)
        }
        for _ in 0..<4 { slow.append(try await RawConnection.open(harness: harness, member: nil)) }

        let client = try harness.client("gov.labour.dongnai")
        let answer = try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "officer-1", purpose: nil, timeout: .seconds(10))
        try await client.shutdown()
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(slow.allSatisfy { !$0.current.closed }, "the slow clients were still connected while the normal one was served")

        for connection in slow {
            let state = await connection.wait(timeout: .seconds(30)) { $0.closed }
            XCTAssertTrue(state.closed, "every slow client is dropped (within 30 s)")
        }
        for sender in senders { sender.cancel() }
        // Handshake refusals are audited asynchronously: poll until all are in (or 10 s pass).
        var records = try harness.auditRecords()
        let deadline = ContinuousClock.now + .seconds(10)
        while records.filter({ $0.target == "partner-listener:handshake-timeout" }).count < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            records = try harness.auditRecords()
        }
        XCTAssertEqual(records.filter { $0.target == "partner-listener:request-head-timeout" }.count, 4)
        XCTAssertEqual(records.filter { $0.target == "partner-listener:handshake-timeout" }.count, 4)
    }
}
