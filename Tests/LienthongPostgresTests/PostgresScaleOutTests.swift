import Foundation
import LienthongAudit
import LienthongCore
import LienthongPostgres
import LienthongQueue
import XCTest

/// Several instances on one database, each with its own `PostgresClient` (as separate gateways would have).
final class PostgresScaleOutTests: XCTestCase {
    private let labour = try! MemberID("gov.labour.dongnai")
    private let banks = [try! MemberID("bank.970436"), try! MemberID("bank.970415")]
    private let type = "asxh.account-opening-request"

    /// One gateway instance: its own client, audit log and queue.
    private struct Instance {
        let database: PostgresDatabase
        let audit: PostgresAuditLog
        let queue: PostgresQueueStore
    }

    private static func openInstance(_ url: String, keys: AuditKeys, checkpointEvery: Int) async throws -> Instance {
        let database = try PostgresDatabase(url: url, maximumConnections: 8)
        database.start()
        do {
            let audit = try await PostgresAuditLog(database: database, keys: keys, checkpointEvery: checkpointEvery)
            return Instance(database: database, audit: audit, queue: try await PostgresQueueStore(auditLog: audit))
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// What one worker saw: the ids it leased and the outcome of each delivery it recorded.
    private struct WorkerLog: Sendable {
        var leased: [String] = []
        var delivered: [String] = []
        var rejected: [String] = []
    }

    /// Accepts `ids` through `queue` from 16 concurrent senders; returns the seconds taken.
    private func acceptAll(_ ids: [String], queues: [any DurableQueue]) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                let queue = queues[lane % queues.count]
                let laneIDs = stride(from: lane, to: ids.count, by: 16).map { ids[$0] }
                let labour = self.labour, banks = self.banks, type = self.type
                group.addTask {
                    for (index, id) in laneIDs.enumerated() {
                        let result = try await queue.accept(
                            id: id, sender: labour, recipient: banks[index % 2], type: type,
                            payload: payload(id), user: "officer-1", now: .now)
                        guard case .accepted = result else { throw QueueStoreError(.invalidArgument, field: "accept") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - started) / .seconds(1)
    }

    func testTwoInstancesDeliverEveryMessageExactlyOnce() async throws {
        let database = try await TestDatabase.create()
        let keys = makeKeys()
        let count = 2000
        // Both instances open (and migrate) at the same time.
        async let openedA = Self.openInstance(database.url, keys: keys, checkpointEvery: 500)
        async let openedB = Self.openInstance(database.url, keys: keys, checkpointEvery: 500)
        let instances = try await [openedA, openedB]
        do {
            let migrations = try await instances[0].database.appliedMigrations()
            XCTAssertEqual(migrations.sorted(), ["audit-v1", "queue-v1", "queue-v2"])

            // Accept, split over both instances, 8 concurrent senders each.
            let ids = (0..<count).map { _ in newID() }
            let acceptSeconds = try await acceptAll(ids, queues: instances.map(\.queue))
            print("figure: PostgreSQL accept, 2 instances x 8 senders: \(count) in \(acceptSeconds) s = \(Int(Double(count) / acceptSeconds)) accepts/s")

            // The same accepts on SQLite (one node, group commit), same machine and run, for comparison.
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let sqliteAudit = try SQLiteAuditStore(path: directory.appendingPathComponent("lienthong.sqlite").path, keys: keys)
            let sqliteSeconds = try await acceptAll((0..<count).map { _ in newID() }, queues: [try SQLiteQueueStore(auditStore: sqliteAudit)])
            print("figure: SQLite accept, 1 node x 16 senders: \(count) in \(sqliteSeconds) s = \(Int(Double(count) / sqliteSeconds)) accepts/s")

            // Deliver: 4 workers per instance lease batches and record deliveries until nothing is left.
            let deliveryStarted = ContinuousClock.now
            let results = try await withThrowingTaskGroup(of: (Int, WorkerLog).self) { group in
                for worker in 0..<8 {
                    let queue = instances[worker % 2].queue
                    group.addTask {
                        var log = WorkerLog()
                        var idleRounds = 0
                        while idleRounds < 3 {
                            let batch = try await queue.lease(recipient: nil, excluding: [], limit: 16, leaseDuration: .seconds(300),
                                                              now: .now, actor: "gateway", type: nil)
                            if batch.isEmpty {
                                idleRounds += 1
                                try await Task.sleep(for: .milliseconds(20))
                                continue
                            }
                            idleRounds = 0
                            log.leased += batch.map(\.id)
                            // Deliver the batch concurrently, as a push worker does, and record each outcome.
                            let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { deliveries in
                                for message in batch {
                                    guard let token = message.lifecycle.leaseToken else { continue }
                                    deliveries.addTask {
                                        let action = try await queue.recordDelivery(
                                            id: message.id, token: token, outcome: .delivered(status: 200), now: .now,
                                            policy: RetryPolicy())
                                        if case .markDelivered = action { return (message.id, true) }
                                        return (message.id, false)
                                    }
                                }
                                var outcomes: [(String, Bool)] = []
                                for try await outcome in deliveries { outcomes.append(outcome) }
                                return outcomes
                            }
                            for (id, delivered) in outcomes {
                                if delivered { log.delivered.append(id) } else { log.rejected.append(id) }
                            }
                        }
                        return (worker % 2, log)
                    }
                }
                var results: [(Int, WorkerLog)] = []
                for try await result in group { results.append(result) }
                return results
            }
            let logs = results.map(\.1)
            let shares = (0..<2).map { instance in results.filter { $0.0 == instance }.reduce(0) { $0 + $1.1.leased.count } }
            print("figure: messages leased per instance: \(shares)")
            let deliverySeconds = (ContinuousClock.now - deliveryStarted) / .seconds(1)
            print("figure: PostgreSQL lease+deliver, 2 instances x 4 workers: \(count) in \(deliverySeconds) s = \(Int(Double(count) / deliverySeconds)) deliveries/s")

            let leased = logs.flatMap(\.leased)
            let delivered = logs.flatMap(\.delivered)
            XCTAssertEqual(leased.count, count, "each message leased once: no lease taken while another was valid")
            XCTAssertEqual(Set(leased).count, count)
            XCTAssertEqual(delivered.count, count)
            XCTAssertEqual(Set(delivered), Set(ids), "every accepted message delivered exactly once")
            XCTAssertEqual(logs.flatMap(\.rejected), [])

            let depth = try await instances[1].queue.depth()
            XCTAssertEqual(depth.map(\.state), [.delivered, .delivered])
            XCTAssertEqual(depth.reduce(0) { $0 + $1.count }, count)
            let one = try await instances[1].queue.message(id: ids[7])
            XCTAssertEqual(one?.status, .delivered)

            // One audit chain: accepted + leased + delivered per message, seq without gaps, intact.
            let records = try await instances[0].audit.records(from: 1, limit: 10 * count)
            XCTAssertEqual(records.map(\.seq), Array(1...Int64(3 * count)))
            var deliveredRefs: [String: Int] = [:]
            for record in records where record.action == "message.delivered" { deliveredRefs[record.ref, default: 0] += 1 }
            XCTAssertEqual(deliveredRefs.count, count)
            XCTAssertTrue(deliveredRefs.values.allSatisfy { $0 == 1 })
            let verification = try await instances[1].audit.verify(publicKey: keys.signingKey.publicKey)
            XCTAssertTrue(verification.isIntact, "\(verification)")
            XCTAssertEqual(verification.recordsChecked, 3 * count)
            XCTAssertEqual(verification.checkpointsChecked, 3 * count / 500)
        } catch {
            for instance in instances { await instance.database.shutdown() }
            try? await database.drop()
            throw error
        }
        for instance in instances { await instance.database.shutdown() }
        try await database.drop()
    }

    func testTwoAuditLogsAppendOneChain() async throws {
        let database = try await TestDatabase.create()
        let keys = makeKeys()
        let first = try PostgresDatabase(url: database.url, maximumConnections: 8)
        let second = try PostgresDatabase(url: database.url, maximumConnections: 8)
        first.start()
        second.start()
        do {
            async let openedA = PostgresAuditLog(database: first, keys: keys, checkpointEvery: 100)
            async let openedB = PostgresAuditLog(database: second, keys: keys, checkpointEvery: 100)
            let logs = try await [openedA, openedB]
            // 1,000 events per instance: 5 tasks each, single appends and batches of 10 alternating.
            let appended = try await withThrowingTaskGroup(of: [AuditRecord].self) { group in
                for task in 0..<10 {
                    let log = logs[task % 2]
                    group.addTask {
                        var records: [AuditRecord] = []
                        var index = 0
                        while index < 200 {
                            if index % 40 == 0 {
                                let events = (0..<10).map { n in
                                    AuditEvent(actor: "gateway", action: "test.batch", ref: "\(task)-\(index + n)", outcome: .ok, status: 200)
                                }
                                records += try await log.append(events)
                                index += 10
                            } else {
                                records.append(try await log.append(AuditEvent(
                                    actor: "gateway", action: "test.single", ref: "\(task)-\(index)", outcome: .ok, status: 200,
                                    subjectPersonalID: "079200000000")))
                                index += 1
                            }
                        }
                        return records
                    }
                }
                var all: [AuditRecord] = []
                for try await records in group { all += records }
                return all
            }
            XCTAssertEqual(appended.count, 2000)
            XCTAssertEqual(Set(appended.map(\.seq)), Set(1...Int64(2000)), "one chain: no seq given twice, none skipped")
            let stored = try await logs[1].records(from: 1, limit: 5000)
            XCTAssertEqual(stored.map(\.seq), Array(1...Int64(2000)))
            XCTAssertEqual(Set(stored), Set(appended), "each caller got back exactly the stored record")
            XCTAssertFalse(stored.contains { $0.subject.contains("079200000000") }, "the personal id is hashed, never stored")
            let lastSeq = try await logs[0].lastSeq()
            XCTAssertEqual(lastSeq, 2000)
            let checkpoints = try await logs[0].checkpoints()
            XCTAssertEqual(checkpoints.map(\.seq), stride(from: 100, through: 2000, by: 100).map(Int64.init))
            let verification = try await logs[0].verify(publicKey: keys.signingKey.publicKey)
            XCTAssertTrue(verification.isIntact, "\(verification)")
            XCTAssertEqual(verification.recordsChecked, 2000)
            XCTAssertEqual(verification.checkpointsChecked, 20)

            // A forged record is caught: the verifier reads what is stored.
            try await first.execute("UPDATE audit_record SET action = 'test.forged' WHERE seq = 1234")
            let forged = try await logs[1].verify(publicKey: keys.signingKey.publicKey)
            XCTAssertFalse(forged.isIntact)
            XCTAssertEqual(forged.firstBadSeq, 1234)
        } catch {
            await first.shutdown()
            await second.shutdown()
            try? await database.drop()
            throw error
        }
        await first.shutdown()
        await second.shutdown()
        try await database.drop()
    }
}
