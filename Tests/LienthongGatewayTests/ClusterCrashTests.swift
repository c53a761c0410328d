import AsyncHTTPClient
import Foundation
import LienthongAudit
import LienthongClient
import LienthongPKI
import LienthongPostgres
import LienthongQueue
import LienthongSimulators
import Logging
import Synchronization
import XCTest

/// Two real `lienthong serve` processes on ONE PostgreSQL database (issue 8): messages are accepted across both,
/// one instance is killed with SIGKILL midway and restarted, and then
/// - every id answered `202`/`200` reaches the recipient, and so does every id the database stored (an answer lost in
///   the kill may or may not have been stored: those ids are tracked apart, never assumed);
/// - nothing reaches the recipient that was never sent;
/// - an id reaches the recipient more than once only when the gateway had a reason to send it again (delivery is
///   at-least-once): its lease was held by the killed instance at the kill and expired, or an attempt failed and was
///   retried (`message.retry-scheduled`). The audit chain shows no message leased by two instances at once and
///   exactly one `message.delivered` per stored id;
/// - the one audit chain, written by both processes, verifies (`seq` contiguous from 1), and its `message.accepted`
///   records name each stored id once.
///
/// Needs `LIENTHONG_TEST_POSTGRES` (a throw-away server; a fresh database is created and dropped here).
/// `LIENTHONG_CLUSTER_MESSAGES` sets the number of messages (default 10,000).
final class ClusterCrashTests: XCTestCase {
    /// Queue settings: short leases so the survivor recovers the killed instance's leases quickly.
    static let leaseSeconds = 5
    /// Push concurrency per instance (`max_concurrency`).
    static let pushConcurrency = 16
    /// How many leases the killed instance can hold at the kill: its push slots and the messages leased ahead of them,
    /// as the delivery service sizes them (`PushSlots` with its default prefetch).
    static let maxLeasesHeld = PushSlots<Int>(maxConcurrency: pushConcurrency, maxWait: .seconds(1)).maxLeased

    func testTwoGatewaysOnOneDatabaseSurviveSIGKILLOfOne() async throws {
        guard let server = ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"], !server.isEmpty else {
            throw XCTSkip("set LIENTHONG_TEST_POSTGRES (a throw-away PostgreSQL server; scripts/pg-test-server.sh start)")
        }
        let executable = try lienthongExecutable()
        let total = Int(ProcessInfo.processInfo.environment["LIENTHONG_CLUSTER_MESSAGES"] ?? "") ?? 10_000
        let killAfter = total * 4 / 10

        // A fresh database, dropped at the end (WITH (FORCE): the killed instance's connections may linger).
        let databaseName = "x_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        guard var components = URLComponents(string: server) else { throw XCTSkip("LIENTHONG_TEST_POSTGRES is not a URL") }
        components.path = "/" + databaseName
        guard let databaseURL = components.string else { throw XCTSkip("LIENTHONG_TEST_POSTGRES is not a URL") }
        try await PostgresDatabase.withDatabase(url: server, maximumConnections: 1) { admin in
            try await admin.execute("CREATE DATABASE \(databaseName)")
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)")
        let certs = dir.appendingPathComponent("certs")
        let keys = dir.appendingPathComponent("audit-keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try ExamplePKI.create(at: certs, members: ["gov.labour.dongnai", "bank.970436"])
        let pins = try ExamplePKI.readPins(file: certs.appendingPathComponent("pins.txt"))
        // One pair of audit keys for both instances (one chain), outside either data directory.
        let subjectKeyFile = keys.appendingPathComponent("subject.key").path
        let signingKeyFile = keys.appendingPathComponent("signing.pem").path
        let auditKeys = try AuditKeys.generate(subjectKeyFile: subjectKeyFile, signingKeyFile: signingKeyFile)

        // The recipient lives in this process: only gateways are killed. Its latency keeps deliveries in flight, so
        // the killed instance holds leases at the kill.
        let received = ReceivedMessages()
        let faults = FaultInjector()
        faults.setLatency(.milliseconds(100))
        let (stream, ready) = AsyncStream<Int>.makeStream()
        let recipient = RecipientSimulator.makeApplication(
            host: "127.0.0.1", port: 0, tls: try ExamplePKI.serverTLSConfiguration(directory: certs),
            received: received, faults: faults, logger: Logger(label: "cluster") { _ in SwiftLogNoOpLogHandler() },
            onServerRunning: { ready.yield($0) })
        let recipientTask = Task { try await recipient.run() }
        var iterator = stream.makeAsyncIterator()
        guard let recipientPort = await iterator.next() else { throw XCTSkip("the recipient simulator did not start") }

        let config = dir.appendingPathComponent("lienthong.toml")
        try """
        [gateway]
        data_dir = "data"
        log_level = "warning"
        [partner]
        listen = "127.0.0.1:0"
        certificate = "certs/server.pem"
        private_key = "certs/server-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [admin]
        listen = "127.0.0.1:0"
        [outbound]
        certificate = "certs/gateway.pem"
        private_key = "certs/gateway-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [audit]
        subject_key_file = "\(subjectKeyFile)"
        signing_key_file = "\(signingKeyFile)"
        checkpoint_every = 1000
        [queue]
        lease_seconds = \(Self.leaseSeconds)
        retry_base_ms = 100
        retry_cap_seconds = 1
        max_attempts = 1000
        push_timeout_ms = 2000
        [[members]]
        id = "gov.labour.dongnai"
        pins = ["\(try XCTUnwrap(pins.first { $0.member == "gov.labour.dongnai" }).pin)"]
        [[members.sends]]
        type = "asxh.account-opening-request"
        to = ["bank.970436"]
        [[members]]
        id = "bank.970436"
        pins = ["\(try XCTUnwrap(pins.first { $0.member == "bank.970436" }).pin)"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:\(recipientPort)/inbox"
        max_concurrency = \(Self.pushConcurrency)
        """.write(to: config, atomically: true, encoding: .utf8)

        let gateways = [
            GatewayNode(name: "A", executable: executable, config: config, databaseURL: databaseURL, directory: dir, certs: certs),
            GatewayNode(name: "B", executable: executable, config: config, databaseURL: databaseURL, directory: dir, certs: certs),
        ]
        // The observer: this process's own view of the shared database (audit head, chain, verification).
        let observer = try PostgresDatabase(url: databaseURL, maximumConnections: 2, logger: Logger(label: "cluster") { _ in SwiftLogNoOpLogHandler() })
        observer.start()

        func cleanUp() async {
            for gateway in gateways { await gateway.stop() }
            await observer.shutdown()
            recipientTask.cancel()
            _ = try? await PostgresDatabase.withDatabase(url: server, maximumConnections: 1) { admin in
                try await admin.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
            }
            try? FileManager.default.removeItem(at: dir)
        }

        do {
            try await run(
                total: total, killAfter: killAfter, gateways: gateways, observer: observer, auditKeys: auditKeys,
                received: received)
        } catch {
            for gateway in gateways { print("cluster test: gateway \(gateway.name) log tail:\n\(gateway.logTail())") }
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    func run(
        total: Int, killAfter: Int, gateways: [GatewayNode], observer: PostgresDatabase, auditKeys: AuditKeys,
        received: ReceivedMessages
    ) async throws {
        let a = gateways[0], b = gateways[1]
        try await a.start()
        try await b.start()

        let ledger = SendLedger()
        let started = ContinuousClock.now
        let audit = try await PostgresAuditLog(database: observer, keys: auditKeys)

        // Senders take message numbers from the ledger; message k goes to gateway k % 2 while both are up.
        let kill = KillRecord()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    while let number = ledger.next(total: total) {
                        await Self.send(number: number, gateways: gateways, ledger: ledger)
                    }
                }
            }
            // The killer: SIGKILL of A once 40 % are accepted; A is restarted one lease later.
            group.addTask {
                while ledger.acceptedCount < killAfter, !ledger.isFinished(total: total) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let acceptedAtKill = ledger.acceptedCount
                let killedAt = ContinuousClock.now
                let bySignal = await a.kill()
                // Commits A had already sent are processed by now; the head read afterwards bounds A's records.
                try await Task.sleep(for: .milliseconds(500))
                let headAtKill = try await audit.lastSeq()
                kill.set(acceptedAtKill: acceptedAtKill, headAtKill: headAtKill, at: killedAt - started, bySignal: bySignal)
                try await Task.sleep(for: .seconds(Self.leaseSeconds + 1))
                try await a.start()
            }
            try await group.waitForAll()
        }
        let sendingTime = ContinuousClock.now - started
        let sent = ledger.snapshot()
        let killFigures = try XCTUnwrap(kill.value, "gateway A was killed")
        XCTAssertTrue(sent.refused.isEmpty, "\(sent.refused.count) messages refused: statuses \(sent.statuses)")
        XCTAssertTrue(killFigures.bySignal, "gateway A ended by the signal")
        XCTAssertGreaterThan(killFigures.acceptedAtKill, 0, "messages were accepted before the kill")
        XCTAssertLessThan(killFigures.acceptedAtKill, sent.confirmed.count, "messages were accepted after the kill")

        // Drain: first every confirmed id, then every id the database stored (confirmed ∪ some of the unknown).
        let drainStarted = ContinuousClock.now
        let deadline = drainStarted + .seconds(120)
        while ContinuousClock.now < deadline, !sent.confirmed.isSubset(of: Set(received.uniqueIDs)) {
            try await Task.sleep(for: .milliseconds(200))
        }
        var chain = try await Self.readChain(audit)
        let stored = Set(chain.filter { $0.action == "message.accepted" }.compactMap { UUID(uuidString: $0.ref) })
        while ContinuousClock.now < deadline, !stored.isSubset(of: Set(received.uniqueIDs)) {
            try await Task.sleep(for: .milliseconds(200))
        }
        let drainTime = ContinuousClock.now - drainStarted
        // Graceful stops let in-flight deliveries record their outcome before the chain is read again.
        for gateway in gateways { await gateway.stop() }
        chain = try await Self.readChain(audit)

        // 1. Every confirmed id delivered; every stored id delivered; nothing unknown delivered.
        let got = Set(received.uniqueIDs)
        XCTAssertTrue(sent.confirmed.isSubset(of: got),
                      "\(sent.confirmed.subtracting(got).count) of \(sent.confirmed.count) accepted messages never delivered")
        XCTAssertTrue(stored.isSubset(of: got), "\(stored.subtracting(got).count) of \(stored.count) stored messages never delivered")
        XCTAssertTrue(got.isSubset(of: sent.attempted), "\(got.subtracting(sent.attempted).count) delivered ids were never sent")
        XCTAssertTrue(got.isSubset(of: stored), "\(got.subtracting(stored).count) delivered ids have no message.accepted record")

        // 2. The chain: intact, contiguous from 1, written by both instances (their answers' X-Audit-Seq).
        let verification = try await audit.verify(publicKey: auditKeys.signingKey.publicKey)
        XCTAssertTrue(verification.isIntact, "audit chain: \(verification)")
        XCTAssertTrue(chain.enumerated().allSatisfy { $0.element.seq == Int64($0.offset + 1) }, "seq contiguous from 1")
        let bySeq = Dictionary(uniqueKeysWithValues: chain.map { ($0.seq, $0) })
        for (gateway, answers) in sent.auditSeqs {
            XCTAssertFalse(answers.isEmpty, "gateway \(gateway) answered with audit seqs")
            let mismatched = answers.filter { seq, id in
                guard let record = bySeq[seq] else { return true }
                return !["message.accepted", "message.duplicate"].contains(record.action) || record.ref != id.uuidString.lowercased()
            }
            XCTAssertTrue(mismatched.isEmpty, "\(mismatched.count) answers of \(gateway) name a seq that is not their message's record")
        }
        let acceptedRecords = chain.filter { $0.action == "message.accepted" }
        XCTAssertEqual(acceptedRecords.count, stored.count, "one message.accepted record per stored id")
        XCTAssertTrue(sent.confirmed.isSubset(of: stored), "every confirmed id has a message.accepted record")
        XCTAssertTrue(stored.isSubset(of: sent.confirmed.union(sent.unknown)), "every stored id was confirmed or sent with an answer lost")

        // Which instance acted is in the chain: push leases and delivery outcomes name their instance as `user`.
        let pushRecords = chain.filter { $0.actor == "gateway" && ["message.leased", "message.delivered"].contains($0.action) }
        XCTAssertEqual(Set(pushRecords.map(\.user)), ["gateway-a", "gateway-b"], "both instances leased and delivered, and say so")

        // 3. Leases and deliveries per id, from the chain.
        let history = LeaseHistory(chain: chain, headAtKill: killFigures.headAtKill)
        XCTAssertTrue(history.doubleLeased.isEmpty, "\(history.doubleLeased.count) messages leased while already leased")
        XCTAssertTrue(history.leasedAfterDelivery.isEmpty, "\(history.leasedAfterDelivery.count) messages leased after delivery")
        XCTAssertEqual(history.dead, 0, "no message went dead")
        let deliveredTwice = history.deliveredRecords.filter { $0.value > 1 }
        XCTAssertTrue(deliveredTwice.isEmpty, "\(deliveredTwice.count) ids have several message.delivered records")
        let notRecorded = stored.filter { history.deliveredRecords[$0.uuidString.lowercased(), default: 0] != 1 }
        XCTAssertTrue(notRecorded.isEmpty, "\(notRecorded.count) stored ids lack their one message.delivered record")
        XCTAssertLessThanOrEqual(history.leasedByKilled.count, Self.maxLeasesHeld,
                                 "the killed instance held at most its push slots and as many leased ahead")

        // 4. Duplicates at the recipient: only where the gateway had a reason to send again.
        let duplicates = got.filter { received.count(of: $0) > 1 }
        let fromKill = duplicates.filter { history.leasedByKilled.contains($0.uuidString.lowercased()) }
        let fromRetry = duplicates.subtracting(fromKill).filter { history.retried.contains($0.uuidString.lowercased()) }
        let unexplained = duplicates.subtracting(fromKill).subtracting(fromRetry)
        XCTAssertTrue(unexplained.isEmpty,
                      "\(unexplained.count) ids delivered more than once without an expired lease of the killed instance or a retry")
        XCTAssertLessThanOrEqual(fromKill.count, history.leasedByKilled.count)

        let rate = Double(sent.confirmed.count) / max(0.001, sendingTime / .seconds(1))
        print("""
            cluster test: \(total) messages, \(sent.confirmed.count) accepted (202 \(sent.statuses[202, default: 0]), \
            200 \(sent.statuses[200, default: 0])), \(sent.unknown.count) sent with the answer lost (\(stored.intersection(sent.unknown).count) \
            of them stored), \(sent.retriedElsewhere) re-sent to the other gateway; sending \(sendingTime) \
            (\(Int(rate)) accepted/s); A killed at \(killFigures.at) after \(killFigures.acceptedAtKill) accepted (audit head \
            \(killFigures.headAtKill)), \(history.leasedByKilled.count) leases held by A at the kill; drain \(drainTime) after sending; \
            \(received.deliveryCount) deliveries of \(got.count) ids, \(duplicates.count) ids delivered more than once \
            (\(fromKill.count) leased by the killed A, \(fromRetry.count) after a failed attempt), \(history.leaseExpired) lease \
            expiries, \(history.retried.count) ids retried; chain \(chain.count) records (\(verification)); \
            answers with audit seqs: A \(sent.auditSeqs["A"]?.count ?? 0), B \(sent.auditSeqs["B"]?.count ?? 0)
            """)
    }

    /// Sends message `number` until a gateway answers `202`/`200`: first to gateway `number % 2`, and after a
    /// transport error (the answer is lost: the message may be stored) to the other one, same id and body.
    static func send(number: Int, gateways: [GatewayNode], ledger: SendLedger) async {
        let id = UUID()
        let lower = id.uuidString.lowercased()
        let body = Data(#"{"id":"\#(lower)","type":"asxh.account-opening-request","to":"bank.970436","payload":{"requestRef":"R-\#(lower)","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"075090000001","dateOfBirth":"1990-01-01"}}}"#.utf8)
        ledger.attempt(id)
        var target = number % 2
        for attempt in 0..<40 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(100)) }
            if !gateways[target].isUp { target = 1 - target }
            guard let client = gateways[target].client else { continue }
            let answer: PartnerClient.Answer
            do {
                answer = try await client.send(
                    method: .POST, path: "/v1/messages",
                    headers: [("Content-Type", "application/json"), ("X-User-Id", "load")], body: body, timeout: .seconds(15))
            } catch {
                ledger.lost(id)
                target = 1 - target
                continue
            }
            ledger.status(answer.status)
            switch answer.status {
            case 200, 202:
                ledger.confirm(id, by: gateways[target].name, auditSeq: answer.auditSeq)
                return
            case 429, 500...599:
                // Not stored as far as the answer says; but a 5xx may follow a commit: count it as lost.
                if answer.status >= 500 { ledger.lost(id) }
                continue
            default:
                ledger.refuse(id)
                return
            }
        }
    }

    /// The whole chain, in order.
    static func readChain(_ audit: PostgresAuditLog) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        while true {
            let page = try await audit.records(from: Int64(records.count + 1), limit: 10_000)
            if page.isEmpty { return records }
            records += page
        }
    }
}

/// What the audit chain says about leases and deliveries, per message id.
struct LeaseHistory {
    /// Ids leased again while a lease was live (no expiry or settlement in between): two holders at once.
    var doubleLeased: Set<String> = []
    /// Ids leased again after their `message.delivered`.
    var leasedAfterDelivery: Set<String> = []
    /// Ids whose lease was live at the kill (leased at or before `headAtKill`, not settled by then) and whose next
    /// record after the kill is `message.lease-expired`: the killed instance's leases.
    var leasedByKilled: Set<String> = []
    /// Ids with a `message.retry-scheduled` record (a failed attempt, sent again by design).
    var retried: Set<String> = []
    /// `message.delivered` records per id.
    var deliveredRecords: [String: Int] = [:]
    /// `message.lease-expired` records.
    var leaseExpired = 0
    /// `message.dead` records.
    var dead = 0

    init(chain: [AuditRecord], headAtKill: Int64) {
        var leased: Set<String> = []
        var delivered: Set<String> = []
        var openAtKill: Set<String> = []
        var killSeen = false
        for record in chain {
            if !killSeen, record.seq > headAtKill {
                killSeen = true
                openAtKill = leased
            }
            let id = record.ref
            switch record.action {
            case "message.leased":
                if leased.contains(id) { doubleLeased.insert(id) }
                if delivered.contains(id) { leasedAfterDelivery.insert(id) }
                leased.insert(id)
            case "message.lease-expired":
                leaseExpired += 1
                if openAtKill.contains(id) { leasedByKilled.insert(id) }
                leased.remove(id)
            case "message.delivered":
                deliveredRecords[id, default: 0] += 1
                delivered.insert(id)
                leased.remove(id)
            case "message.retry-scheduled":
                retried.insert(id)
                leased.remove(id)
            case "message.dead":
                dead += 1
                leased.remove(id)
            default:
                continue
            }
            // Only the first record after the kill decides whether a lease live at the kill expired.
            if record.seq > headAtKill { openAtKill.remove(id) }
        }
    }
}

/// What the senders did: ids attempted, confirmed (`202`/`200`), lost (a transport error or `5xx`: maybe stored),
/// refused; statuses; the `X-Audit-Seq` of each confirmation per gateway.
final class SendLedger: Sendable {
    struct State {
        var issued = 0
        var attempted: Set<UUID> = []
        var confirmed: Set<UUID> = []
        var lostAnswers: Set<UUID> = []
        var refused: Set<UUID> = []
        var statuses: [Int: Int] = [:]
        var retriedElsewhere = 0
        var auditSeqs: [String: [Int64: UUID]] = [:]
    }

    /// A copy of the figures.
    struct Snapshot {
        var attempted: Set<UUID>
        var confirmed: Set<UUID>
        /// Sent, answer lost, never confirmed afterwards: may or may not be stored.
        var unknown: Set<UUID>
        var refused: Set<UUID>
        var statuses: [Int: Int]
        var retriedElsewhere: Int
        var auditSeqs: [String: [Int64: UUID]]
    }

    private let state = Mutex(State())

    /// The next message number, `nil` once `total` are issued.
    func next(total: Int) -> Int? {
        state.withLock { s in
            guard s.issued < total else { return nil }
            s.issued += 1
            return s.issued - 1
        }
    }

    func isFinished(total: Int) -> Bool { state.withLock { $0.issued >= total } }
    var acceptedCount: Int { state.withLock { $0.confirmed.count } }
    func attempt(_ id: UUID) { state.withLock { _ = $0.attempted.insert(id) } }
    func status(_ status: Int) { state.withLock { $0.statuses[status, default: 0] += 1 } }
    func refuse(_ id: UUID) { state.withLock { _ = $0.refused.insert(id) } }

    func lost(_ id: UUID) {
        state.withLock { s in
            s.lostAnswers.insert(id)
            s.retriedElsewhere += 1
        }
    }

    func confirm(_ id: UUID, by gateway: String, auditSeq: Int64?) {
        state.withLock { s in
            s.confirmed.insert(id)
            if let auditSeq { s.auditSeqs[gateway, default: [:]][auditSeq] = id }
        }
    }

    func snapshot() -> Snapshot {
        state.withLock { s in
            Snapshot(
                attempted: s.attempted, confirmed: s.confirmed, unknown: s.lostAnswers.subtracting(s.confirmed),
                refused: s.refused, statuses: s.statuses, retriedElsewhere: s.retriedElsewhere, auditSeqs: s.auditSeqs)
        }
    }
}

/// The figures taken at the kill.
final class KillRecord: Sendable {
    struct Figures {
        var acceptedAtKill: Int
        var headAtKill: Int64
        var at: Duration
        var bySignal: Bool
    }

    private let state = Mutex<Figures?>(nil)
    var value: Figures? { state.withLock { $0 } }
    func set(acceptedAtKill: Int, headAtKill: Int64, at: Duration, bySignal: Bool) {
        state.withLock { $0 = Figures(acceptedAtKill: acceptedAtKill, headAtKill: headAtKill, at: at, bySignal: bySignal) }
    }
}

/// One `lienthong serve` process of the cluster: its own ports and data directory, the shared configuration and
/// database; a partner client of its own (renewed at each start).
final class GatewayNode: Sendable {
    struct State {
        var process: Process?
        var client: PartnerClient?
        var oldClients: [PartnerClient] = []
        var up = false
    }

    let name: String
    private let executable: URL
    private let config: URL
    private let databaseURL: String
    private let certs: URL
    private let dataDir: URL
    private let log: URL
    private let state = Mutex(State())

    init(name: String, executable: URL, config: URL, databaseURL: String, directory: URL, certs: URL) {
        self.name = name
        self.executable = executable
        self.config = config
        self.databaseURL = databaseURL
        self.certs = certs
        self.dataDir = directory.appendingPathComponent("data-\(name)")
        self.log = directory.appendingPathComponent("gateway-\(name).log")
    }

    var isUp: Bool { state.withLock { $0.up } }
    var client: PartnerClient? { state.withLock { $0.client } }

    /// Starts the process on fresh ports and waits for `/readyz`.
    func start() async throws {
        let partnerPort = CrashRecoveryTests.freePort(), adminPort = CrashRecoveryTests.freePort()
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        output.seekToEndOfFile()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--config", config.path]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "LIENTHONG_STORAGE_URL": databaseURL,
            "LIENTHONG_PARTNER_LISTEN": "127.0.0.1:\(partnerPort)",
            "LIENTHONG_ADMIN_LISTEN": "127.0.0.1:\(adminPort)",
            "LIENTHONG_DATA_DIR": dataDir.path,
            "LIENTHONG_INSTANCE": "gateway-\(name.lowercased())",
        ]) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        state.withLock { $0.process = process }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, process.isRunning {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/readyz"), timeout: .seconds(2)),
               response.status == .ok {
                let client = try PartnerClient(
                    baseURL: "https://127.0.0.1:\(partnerPort)",
                    certificateFile: certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                    keyFile: certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                    caFile: certs.appendingPathComponent("ca.pem").path, maxConnections: 8)
                state.withLock { s in
                    if let old = s.client { s.oldClients.append(old) }
                    s.client = client
                    s.up = true
                }
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { process.terminate() }
        XCTFail("gateway \(name) did not become ready within 60 s")
        throw GatewayNodeError(name: name)
    }

    /// SIGKILL; returns once the process is gone, whether it ended by a signal.
    func kill() async -> Bool {
        guard let process = state.withLock({ s -> Process? in
            s.up = false
            return s.process
        }) else { return false }
        Foundation.kill(process.processIdentifier, SIGKILL)
        guard await Self.waitForExit(process, timeout: .seconds(20)) else { return false }
        return process.terminationReason == .uncaughtSignal
    }

    /// SIGTERM, then SIGKILL after 20 s; closes the partner clients.
    func stop() async {
        let (process, clients) = state.withLock { s -> (Process?, [PartnerClient]) in
            s.up = false
            let clients = s.oldClients + (s.client.map { [$0] } ?? [])
            s.client = nil
            s.oldClients = []
            return (s.process, clients)
        }
        for client in clients { try? await client.shutdown() }
        guard let process, process.isRunning else { return }
        process.terminate()
        if !(await Self.waitForExit(process, timeout: .seconds(20))) {
            print("cluster test: gateway \(name) did not stop within 20 s of SIGTERM; SIGKILL")
            Foundation.kill(process.processIdentifier, SIGKILL)
            await Self.waitForExit(process, timeout: .seconds(20))
        }
    }

    /// The last lines of the process's output.
    func logTail() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    @discardableResult
    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return !process.isRunning
    }
}

/// A gateway process that did not start.
struct GatewayNodeError: Error {
    var name: String
}
