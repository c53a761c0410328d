import AsyncHTTPClient
import Foundation
import LienthongAudit
import LienthongClient
import LienthongGateway
import LienthongPKI
import LienthongSimulators
import Logging
import XCTest

/// The real `lienthong serve` process, killed with SIGKILL under load and restarted: every message answered `202`
/// reaches the recipient, nothing unknown does, and the audit chain verifies.
/// `LIENTHONG_CRASH_ITERATIONS` sets the number of kill/restart rounds (default 2 in CI).
final class CrashRecoveryTests: XCTestCase {
    func binary() throws -> URL { try lienthongExecutable() }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func testEveryAcceptedMessageSurvivesSIGKILL() async throws {
        let executable = try binary()
        let iterations = Int(ProcessInfo.processInfo.environment["LIENTHONG_CRASH_ITERATIONS"] ?? "") ?? 2
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let certs = dir.appendingPathComponent("certs")
        try ExamplePKI.create(at: certs, members: ["gov.labour.dongnai", "bank.970436"])
        let pins = try ExamplePKI.readPins(file: certs.appendingPathComponent("pins.txt"))

        // The recipient lives in this process: only the gateway is killed.
        let received = ReceivedMessages()
        let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
        let (stream, ready) = AsyncStream<Int>.makeStream()
        let recipient = RecipientSimulator.makeApplication(
            host: "127.0.0.1", port: 0,
            tls: serverTLS,
            received: received, faults: FaultInjector(), logger: Logger(label: "crash") { _ in SwiftLogNoOpLogHandler() },
            onServerRunning: { ready.yield($0) })
        let recipientTask = Task { try await recipient.run() }
        defer { recipientTask.cancel() }
        var iterator = stream.makeAsyncIterator()
        let recipientPort = await iterator.next()!

        let partnerPort = Self.freePort()
        let adminPort = Self.freePort()
        let config = dir.appendingPathComponent("lienthong.toml")
        try """
        [gateway]
        data_dir = "data"
        log_level = "warning"
        [partner]
        listen = "127.0.0.1:\(partnerPort)"
        certificate = "certs/server.pem"
        private_key = "certs/server-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [admin]
        listen = "127.0.0.1:\(adminPort)"
        [outbound]
        certificate = "certs/gateway.pem"
        private_key = "certs/gateway-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [audit]
        subject_key_file = "data/subject.key"
        signing_key_file = "data/signing.pem"
        checkpoint_every = 100
        [queue]
        lease_seconds = 2
        retry_base_ms = 100
        retry_cap_seconds = 1
        [[members]]
        id = "gov.labour.dongnai"
        pins = ["\(pins.first { $0.member == "gov.labour.dongnai" }!.pin)"]
        [[members.sends]]
        type = "asxh.account-opening-request"
        to = ["bank.970436"]
        [[members]]
        id = "bank.970436"
        pins = ["\(pins.first { $0.member == "bank.970436" }!.pin)"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:\(recipientPort)/inbox"
        """.write(to: config, atomically: true, encoding: .utf8)

        func start() async throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["serve", "--config", config.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let response = try? await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/readyz"), timeout: .seconds(2)),
                   response.status == .ok { return process }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.terminate()
            throw XCTSkip("the gateway did not become ready")
        }

        let client = try PartnerClient(
            baseURL: "https://127.0.0.1:\(partnerPort)",
            certificateFile: certs.appendingPathComponent("gov.labour.dongnai.pem").path,
            keyFile: certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
            caFile: certs.appendingPathComponent("ca.pem").path, maxConnections: 8)
        defer { Task { try? await client.shutdown() } }

        let acceptedLock = NSLock()
        nonisolated(unsafe) var accepted: Set<UUID> = []   // guarded by acceptedLock
        nonisolated(unsafe) var attempted: Set<UUID> = []  // guarded by acceptedLock

        var process = try await start()
        for round in 0..<iterations {
            let stop = ContinuousClock.now + .milliseconds(Int.random(in: 400...1200))
            let pid = process.processIdentifier
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while ContinuousClock.now < stop + .seconds(1) {
                            let id = UUID()
                            acceptedLock.withLock { _ = attempted.insert(id) }
                            let body = Data(#"{"id":"\#(id.uuidString.lowercased())","type":"asxh.account-opening-request","to":"bank.970436","payload":{"requestRef":"R-\#(id.uuidString.lowercased())","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"075090000001","dateOfBirth":"1990-01-01"}}}"#.utf8)
                            guard let answer = try? await client.send(
                                method: .POST, path: "/v1/messages",
                                headers: [("Content-Type", "application/json"), ("X-User-Id", "load")], body: body, timeout: .seconds(5))
                            else { continue }
                            if answer.status == 202 { acceptedLock.withLock { _ = accepted.insert(id) } }
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: stop)
                    kill(pid, SIGKILL)
                }
            }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "round \(round): killed, not exited")
            process = try await start()
        }

        let expected = acceptedLock.withLock { accepted }
        XCTAssertFalse(expected.isEmpty, "some messages were accepted before the kills")
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !expected.isSubset(of: Set(received.uniqueIDs)) {
            try await Task.sleep(for: .milliseconds(200))
        }
        process.terminate()
        process.waitUntilExit()
        let got = Set(received.uniqueIDs)
        XCTAssertTrue(expected.isSubset(of: got), "\(expected.subtracting(got).count) of \(expected.count) accepted messages never delivered")
        XCTAssertTrue(got.isSubset(of: acceptedLock.withLock { attempted }), "the recipient saw an id that was never sent")

        let verify = Process()
        verify.executableURL = executable
        verify.arguments = ["audit", "verify", "--config", config.path]
        verify.standardOutput = FileHandle.nullDevice
        verify.standardError = FileHandle.nullDevice
        try verify.run()
        verify.waitUntilExit()
        XCTAssertEqual(verify.terminationStatus, 0, "audit chain intact after the kills")
        print("crash test: \(iterations) kill(s), \(expected.count) accepted, \(got.count) delivered, \(received.deliveryCount - got.count) duplicate deliveries")
    }
}
