import Foundation
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongSimulators
import XCTest

/// The fault-injection matrix (issue 7, SECURITY.md "Fault matrix"). For each fault: what the gateway answers, that
/// nothing it accepted is lost, and that it recovers without a restart. One real gateway per test with real
/// simulators over mTLS; faults are switched in the simulators (`FaultInjector`) or made real on the machine
/// (a full file system, a database locked by another process). Slow clients are in `FaultMatrixSlowClientTests`.
///
/// Run the whole matrix with `swift test --filter FaultMatrix`.
final class FaultMatrixTests: XCTestCase {
    var harness: GatewayHarness!
    var labour: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
    }

    override func tearDown() async throws {
        try? await labour?.shutdown()
        await harness.stop()
    }

    func start(leaseSeconds: Int = 2) async throws {
        try await harness.start(leaseSeconds: leaseSeconds)
        labour = try harness.client("gov.labour.dongnai")
    }

    // MARK: - Synchronous services: the population database misbehaves

    /// One row of the synchronous matrix: a fault of the population simulator and the problem codes the gateway
    /// may answer while it lasts.
    struct SyncRow {
        var name: String
        var inject: @Sendable (FaultInjector) -> Void
        var allowed: Set<Int>
        var codes: Set<String>
    }

    func testSynchronousCallsAnswerProblemsDuringUpstreamFaultsAndRecoverWithoutARestart() async throws {
        try await start()
        let rows: [SyncRow] = [
            SyncRow(name: "errors", inject: { $0.setErrorRate(1.0) }, allowed: [502], codes: ["upstream-error"]),
            SyncRow(name: "latency beyond the 1.5 s timeout", inject: { $0.setLatency(.seconds(3)) },
                    allowed: [504], codes: ["upstream-timeout"]),
            SyncRow(name: "down (503)", inject: { $0.setDown(mode: .serviceUnavailable) },
                    allowed: [502], codes: ["upstream-unavailable", "upstream-error"]),
            SyncRow(name: "down (connection closed)", inject: { $0.setDown(mode: .closeConnection) },
                    allowed: [502], codes: ["upstream-unavailable", "upstream-error"]),
            SyncRow(name: "flapping every 200 ms", inject: { $0.setFlapping(period: .milliseconds(200)) },
                    allowed: [200, 502], codes: ["upstream-unavailable", "upstream-error"]),
        ]
        let citizen = harness.register.first { $0.personalId != nil }!
        let body = try JSONEncoder().encode(VerifyCitizenRequest(
            personalId: citizen.personalId!, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth))
        for row in rows {
            row.inject(harness.faults)
            var seen: [String] = []
            let flapping = row.allowed.contains(200)
            for _ in 0..<(flapping ? 12 : 4) {
                if flapping { try await Task.sleep(for: .milliseconds(90)) }   // calls spread over both phases
                let answer = try await labour.call(
                    service: "population.verify-citizen", body: body, user: "u", purpose: "asxh.verify-beneficiary")
                XCTAssertTrue(row.allowed.contains(answer.status), "\(row.name): HTTP \(answer.status)")
                seen.append(answer.status == 200 ? "200" : "\(answer.status) \(answer.problem?.type.split(separator: ":").last ?? "-")")
                if answer.status != 200 {
                    XCTAssertEqual(answer.contentType, "application/problem+json", row.name)
                    let code = answer.problem?.type.replacingOccurrences(of: "urn:lienthong:error:", with: "") ?? "-"
                    XCTAssertTrue(row.codes.contains(code), "\(row.name): \(code)")
                    XCTAssertNotNil(answer.auditSeq, "\(row.name): the failed exchange is audited")
                }
            }
            harness.faults.reset()
            // Recovery: the breaker (if it opened) lets a probe through after its cool-down; no restart.
            let healed = try await waitUntil(timeout: .seconds(15)) {
                try await self.labour.call(
                    service: "population.verify-citizen", body: body, user: "u", purpose: "asxh.verify-beneficiary").status == 200
            }
            XCTAssertTrue(healed, "\(row.name): answers 200 again once the fault clears, without a restart")
            print("fault matrix: population \(row.name): \(Set(seen).sorted().joined(separator: ", ")); healed: \(healed)")
        }
        try assertAuditChainVerifies()
    }

    // MARK: - Asynchronous messages: the push recipient misbehaves

    func testMessagesAcceptedDuringRecipientFaultsAreAllDeliveredOnceItRecovers() async throws {
        try await start()
        let rows: [(name: String, inject: @Sendable (FaultInjector) -> Void)] = [
            ("errors", { $0.setErrorRate(1.0) }),
            ("latency beyond the 2 s push timeout", { $0.setLatency(.milliseconds(2500)) }),
            ("down (503)", { $0.setDown(mode: .serviceUnavailable) }),
            ("down (connection closed)", { $0.setDown(mode: .closeConnection) }),
            ("flapping every 150 ms", { $0.setFlapping(period: .milliseconds(150)) }),
            ("429 with Retry-After: 1", { $0.setForcedStatus(429, retryAfterSeconds: 1) }),
        ]
        var all: [UUID] = []
        for row in rows {
            row.inject(harness.recipientFaults)
            let ids = try await acceptMessages(12, label: row.name)
            all += ids
            try await Task.sleep(for: .milliseconds(800))   // the fault meets the delivery attempts
            let deliveredDuringFault = Set(harness.received.uniqueIDs).intersection(ids).count
            harness.recipientFaults.reset()
            let healedAt = ContinuousClock.now
            let delivered = try await waitUntil(timeout: .seconds(60)) {
                Set(self.harness.received.uniqueIDs).isSuperset(of: ids)
            }
            let after = ContinuousClock.now - healedAt
            print("fault matrix: recipient \(row.name): \(ids.count) accepted (202), \(deliveredDuringFault) delivered during the fault, all delivered \(after.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))) after it cleared: \(delivered)")
            XCTAssertTrue(delivered, "\(row.name): \(Set(ids).subtracting(harness.received.uniqueIDs).count) of \(ids.count) accepted messages not delivered after recovery")
        }
        XCTAssertTrue(Set(harness.received.uniqueIDs).isSubset(of: all), "the recipient saw no id that was never accepted")
        for id in all.prefix(6) {
            let status = try await labour.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
            let state = try JSONSerialization.jsonObject(with: status.body) as? [String: Any]
            XCTAssertEqual(state?["status"] as? String, "delivered")
        }
        try assertAuditChainVerifies()
    }

    /// Push delivery never has more than the recipient's `max_concurrency` (4 in the harness) requests open at once,
    /// and does use them: a slow recipient (300 ms per answer) sees several at a time, never a fifth.
    func testPushDeliveryKeepsToTheRecipientsConcurrencyBound() async throws {
        // A 30 s lease: a message may wait 14 s for a slot, so 300 ms pushes are quick enough to lease ahead of.
        try await start(leaseSeconds: 30)
        harness.recipientFaults.setLatency(.milliseconds(300))
        let ids = try await acceptMessages(24, label: "concurrency bound")
        // Messages under lease, sampled while the pushes go on: besides the 4 in flight, up to 4 more are leased
        // ahead and wait for a slot, so a push that ends is followed at once by the next.
        var leasedSamples: [Int] = []
        let delivered = try await waitUntil(timeout: .seconds(60)) {
            leasedSamples.append(try self.harness.sqliteAudit.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queue_message WHERE state = 'leased'") ?? 0
            })
            return Set(self.harness.received.uniqueIDs).isSuperset(of: ids)
        }
        harness.recipientFaults.reset()
        XCTAssertTrue(delivered, "\(Set(ids).subtracting(harness.received.uniqueIDs).count) of \(ids.count) not delivered")
        let peak = harness.received.peakInFlight
        let ahead = leasedSamples.filter { $0 > 5 }.count
        print("fault matrix: push concurrency with a 300 ms recipient: peak \(peak) requests at once (bound 4); leased messages sampled \(leasedSamples)")
        XCTAssertLessThanOrEqual(peak, 4, "more pushes at once than the recipient's max_concurrency")
        XCTAssertGreaterThanOrEqual(peak, 2, "deliveries went out one at a time")
        XCTAssertGreaterThanOrEqual(ahead, 2, "messages are leased ahead of the 4 slots while pushes are in flight")
        XCTAssertLessThanOrEqual(leasedSamples.max() ?? 0, 12, "no more leased than slots, buffer and outcomes being written")
    }

    // MARK: - The gateway's own storage

    /// The data directory is a 12 MiB tmpfs; a filler file takes the free space. Accepts fail with `503` and
    /// `Retry-After` (never `202`, never `500`); once space is freed they succeed again without a restart, and every
    /// message answered `202`, before and after, reaches the recipient.
    func testAFullDiskIsAnswered503AndNothingAcceptedIsLost() async throws {
        let data = harness.dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let mount = try TmpfsMount(at: data, megabytes: 12)
        defer { mount.unmount() }
        try await start()

        let before = try await acceptMessages(10, label: "before")
        let filler = data.appendingPathComponent("filler")
        try fillFileSystem(with: filler)

        var accepted = before
        var refused = 0
        for index in 0..<400 where refused < 5 {
            let id = UUID()
            let answer = try await sendMessage(id: id, index: 10_000 + index)
            switch answer.status {
            case 202: accepted.append(id)
            case 503:
                refused += 1
                XCTAssertEqual(answer.contentType, "application/problem+json")
                XCTAssertNotNil(answer.retryAfter, "503 carries Retry-After")
            default: XCTFail("full disk: HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
            }
        }
        XCTAssertGreaterThan(refused, 0, "a full disk is refused with 503")

        try FileManager.default.removeItem(at: filler)
        let recovered = try await waitUntil(timeout: .seconds(20)) {
            try await self.sendMessage(id: UUID(), index: 20_000).status == 202
        }
        XCTAssertTrue(recovered, "accepts succeed again once space is freed, without a restart")
        accepted += try await acceptMessages(10, label: "after")
        let delivered = try await waitUntil(timeout: .seconds(60)) {
            Set(self.harness.received.uniqueIDs).isSuperset(of: accepted)
        }
        XCTAssertTrue(delivered, "\(Set(accepted).subtracting(harness.received.uniqueIDs).count) of \(accepted.count) accepted messages not delivered")
        try assertAuditChainVerifies()
        print("fault matrix: full disk: \(accepted.count) accepted, \(refused) refused with 503, all accepted delivered")
    }

    /// Another process holds the gateway's database write lock. A short hold (2 s, under the 10 s busy timeout) is
    /// absorbed: the accept waits and answers `202`. A hold beyond the busy timeout is answered `503` with
    /// `Retry-After`; after the lock is released the gateway accepts again without a restart, and every `202`
    /// message is delivered.
    func testADatabaseLockedByAnotherProcessIsWaitedForThenAnswered503() async throws {
        try await start()
        let database = harness.configuration.storage.sqlitePath
        var accepted = try await acceptMessages(3, label: "before")

        // Short hold: absorbed.
        let short = try LockHolder(database: database, seconds: 2)
        let waited = try await sendMessage(id: UUID(), index: 30_000)
        XCTAssertEqual(waited.status, 202, "a 2 s lock is waited for")
        short.wait()

        // Long hold: beyond the busy timeout.
        let long = try LockHolder(database: database, seconds: 14)
        let id = UUID()
        let refused = try await sendMessage(id: id, index: 30_001)
        XCTAssertEqual(refused.status, 503, "a lock held beyond the busy timeout: \(String(decoding: refused.body, as: UTF8.self))")
        XCTAssertEqual(refused.contentType, "application/problem+json")
        XCTAssertNotNil(refused.retryAfter)
        long.wait()

        let again = try await sendMessage(id: id, index: 30_001)
        XCTAssertEqual(again.status, 202, "the refused message is accepted when sent again")
        accepted.append(id)
        accepted += try await acceptMessages(3, label: "after")
        let delivered = try await waitUntil(timeout: .seconds(30)) {
            Set(self.harness.received.uniqueIDs).isSuperset(of: accepted)
        }
        XCTAssertTrue(delivered, "every accepted message is delivered")
        try assertAuditChainVerifies()
    }

    // MARK: - Helpers

    /// Posts `count` account-opening requests to the push recipient `bank.970436`; every one must be answered `202`.
    func acceptMessages(_ count: Int, label: String) async throws -> [UUID] {
        var ids: [UUID] = []
        for _ in 0..<count {
            let id = UUID()
            let answer = try await sendMessage(id: id, index: Int.random(in: 0..<99_999))
            XCTAssertEqual(answer.status, 202, "\(label): \(String(decoding: answer.body, as: UTF8.self))")
            if answer.status == 202 { ids.append(id) }
        }
        return ids
    }

    /// One `asxh.account-opening-request` (synthetic person; the request reference is unique per id).
    func sendMessage(id: UUID, index: Int) async throws -> PartnerClient.Answer {
        let lower = id.uuidString.lowercased()
        let personalId = "0750900" + String(format: "%05d", index % 100_000)
        let body = Data(#"{"id":"\#(lower)","type":"asxh.account-opening-request","to":"bank.970436","payload":{"requestRef":"R-\#(lower)","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"\#(personalId)","dateOfBirth":"1990-01-01"}}}"#.utf8)
        return try await labour.send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "canbo-01")], body: body)
    }

    func assertAuditChainVerifies(file: StaticString = #filePath, line: UInt = #line) throws {
        let key = try Gateway.auditKeys(harness.configuration.audit).signingKey.publicKey
        let result = try harness.sqliteAudit.verify(publicKey: key)
        XCTAssertTrue(result.isIntact, "audit chain verifies: \(result)", file: file, line: line)
    }

    /// Writes zeros to `file` until the file system refuses (ENOSPC).
    func fillFileSystem(with file: URL) throws {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw FaultMatrixError("cannot create the filler file") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
        }
        // The last, partial chunk: single bytes until nothing more fits.
        var byte: UInt8 = 0
        while write(fd, &byte, 1) == 1 {}
    }
}

struct FaultMatrixError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A size-limited tmpfs mounted on a folder for the length of a test (needs root or CAP_SYS_ADMIN; the test is
/// skipped, saying why, where the machine does not allow mounts).
struct TmpfsMount {
    let folder: URL

    init(at folder: URL, megabytes: Int) throws {
        self.folder = folder
        let (status, output) = try Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", folder.path])
        guard status == 0 else {
            throw XCTSkip("full-disk row needs a size-limited file system; mount -t tmpfs is not allowed here (\(output.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
    }

    func unmount() {
        _ = try? Self.run(["/bin/umount", "-l", folder.path])
    }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let result = try runProcess(arguments[0], Array(arguments.dropFirst()))
        return (result.status, result.stdout + result.stderr)
    }
}

/// Another process (Python's sqlite3) that takes the database's write lock (`BEGIN IMMEDIATE`) and holds it.
/// `init` returns once the lock is held.
final class LockHolder {
    private let process: Process

    init(database: String, seconds: Double) throws {
        let script = """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
        c.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
        c.execute("ROLLBACK")
        """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, database, String(seconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let line = pipe.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("locked") else {
            process.terminate()
            throw FaultMatrixError("the lock holder did not take the lock")
        }
    }

    /// Waits until the holder released the lock and exited.
    func wait() { process.waitUntilExit() }
}
