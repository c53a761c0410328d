import Foundation
import LienthongAudit
import LienthongCore
import LienthongPostgres
import LienthongQueue
import XCTest

/// One scenario, run against every ``DurableQueue`` store: same results, same audit actions.
final class DurableQueueConformanceTests: XCTestCase {
    private let labour = try! MemberID("gov.labour.dongnai")
    private let bank = try! MemberID("bank.970436")
    private let vss = try! MemberID("gov.vss.dongnai")
    private let type = "asxh.account-opening-request"

    /// What a scenario run observed, with message ids replaced by labels so two runs compare.
    struct Trace: Equatable {
        var steps: [String] = []
        var audit: [String] = []
    }

    func testSQLiteAndPostgresBehaveTheSame() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = makeKeys()
        let sqliteAudit = try SQLiteAuditStore(
            path: directory.appendingPathComponent("lienthong.sqlite").path, keys: keys, checkpointEvery: 10)
        let sqliteQueue = try SQLiteQueueStore(auditStore: sqliteAudit)
        let sqliteTrace = try await runScenario(sqliteQueue) {
            try sqliteAudit.records(from: 1, limit: 100_000)
        }
        XCTAssertTrue(try sqliteAudit.verify(publicKey: keys.signingKey.publicKey).isIntact)

        let database = try await TestDatabase.create()
        do {
            let postgresTrace = try await PostgresDatabase.withDatabase(url: database.url) { db in
                let audit = try await PostgresAuditLog(database: db, keys: keys, checkpointEvery: 10)
                let queue = try await PostgresQueueStore(auditLog: audit)
                let trace = try await runScenario(queue) { try await audit.records(from: 1, limit: 100_000) }
                let verification = try await audit.verify(publicKey: keys.signingKey.publicKey)
                XCTAssertTrue(verification.isIntact, "\(verification)")
                let checkpoints = try await audit.checkpoints()
                XCTAssertEqual(checkpoints.map(\.seq), [10, 20])
                return trace
            }
            XCTAssertEqual(sqliteTrace.steps, postgresTrace.steps)
            XCTAssertEqual(sqliteTrace.audit, postgresTrace.audit)
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
    }

    private func describe(_ action: MessageLifecycle.Action) -> String {
        switch action {
        case .persist(let state): "persist(\(state.kind.rawValue))"
        case .markDelivered: "markDelivered"
        case .scheduleRetry: "scheduleRetry"
        case .markDead(let reason): "markDead(\(reason.rawValue))"
        case .purge: "purge"
        case .reject(let rejection): "reject(\(rejection.rawValue))"
        }
    }

    /// The scenario: asserts what every store must do and returns the trace to compare stores with.
    func runScenario(
        _ queue: any DurableQueue, records: () async throws -> [AuditRecord]
    ) async throws -> Trace {
        var trace = Trace()
        var labels: [String: String] = [:]
        func label(_ id: String) -> String { labels[id] ?? "?" }
        let policy = try RetryPolicy(base: .seconds(10), cap: .seconds(60), maxAttempts: 2, maxAge: .seconds(3600))

        // Accept: new, duplicate, conflict.
        let m1 = newID(), m2 = newID(), m3 = newID(), m4 = newID()
        labels = [m1: "m1", m2: "m2", m3: "m3", m4: "m4"]
        let first = try await queue.accept(id: m1, sender: labour, recipient: bank, type: type, payload: payload("1"),
                                           user: "officer-1", now: t0)
        guard case .accepted(let accepted) = first else { XCTFail("m1: \(first)"); return trace }
        XCTAssertEqual(accepted.status, .queued)
        let duplicate = try await queue.accept(id: m1, sender: labour, recipient: bank, type: type, payload: payload("1"),
                                               user: "officer-1", now: t0.plus(1))
        guard case .duplicate(let stored) = duplicate else { XCTFail("duplicate: \(duplicate)"); return trace }
        XCTAssertEqual(stored, accepted)
        let conflict = try await queue.accept(id: m1, sender: labour, recipient: bank, type: type, payload: payload("other"),
                                              user: "officer-1", now: t0.plus(1))
        XCTAssertEqual(conflict, .conflict)
        do {
            _ = try await queue.accept(id: "NOT-A-UUID", sender: labour, recipient: bank, type: type, payload: [],
                                       user: "officer-1", now: t0)
            XCTFail("invalid id accepted")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error, QueueStoreError(.invalidArgument, field: "id"))
        }
        _ = try await queue.accept(id: m2, sender: labour, recipient: bank, type: type, payload: payload("2"), user: "officer-1", now: t0.plus(1))
        _ = try await queue.accept(id: m3, sender: labour, recipient: vss, type: type, payload: payload("3"), user: "officer-1", now: t0.plus(2))
        trace.steps.append("accepted")

        // Push lease for the bank: m1 then m2, one attempt each; nothing left for the bank.
        let leased = try await queue.lease(recipient: bank, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                           now: t0.plus(10), actor: "gateway", type: nil)
        XCTAssertEqual(leased.map(\.id), [m1, m2])
        XCTAssertEqual(leased.map(\.lifecycle.attempts), [1, 1])
        XCTAssertEqual(leased.map(\.status), [.delivering, .delivering])
        trace.steps.append("leased " + leased.map { label($0.id) }.joined(separator: ","))
        let again = try await queue.lease(recipient: bank, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                          now: t0.plus(11), actor: "gateway", type: nil)
        XCTAssertEqual(again, [])
        let excluded = try await queue.lease(recipient: nil, excluding: [vss], limit: 10, leaseDuration: .seconds(30),
                                             now: t0.plus(11), actor: "gateway", type: nil)
        XCTAssertEqual(excluded, [])
        guard leased.count == 2, let token1 = leased[0].lifecycle.leaseToken, let token2 = leased[1].lifecycle.leaseToken else {
            return trace
        }
        let read = try await queue.message(id: m1)
        XCTAssertEqual(read, leased[0], "what lease returns equals what a read gives")

        // Deliver m1; a repeated report is rejected.
        let delivered = try await queue.recordDelivery(id: m1, token: token1, outcome: .delivered(status: 200), now: t0.plus(12), policy: policy)
        XCTAssertEqual(delivered, .markDelivered(at: t0.plus(12)))
        let repeated = try await queue.recordDelivery(id: m1, token: token1, outcome: .delivered(status: 200), now: t0.plus(13), policy: policy)
        XCTAssertEqual(repeated, .reject(.alreadyAcknowledged))
        let m1Read = try await queue.message(id: m1)
        XCTAssertEqual(m1Read?.status, .delivered)
        XCTAssertEqual(m1Read?.payload, payload("1"))
        trace.steps.append("m1 " + describe(delivered) + " then " + describe(repeated))

        // m2: retry, then dead after max attempts.
        let retry = try await queue.recordDelivery(
            id: m2, token: token2, outcome: .retryableFailure(.httpStatus(503), retryAfter: nil), now: t0.plus(12), policy: policy)
        guard case .scheduleRetry = retry else { XCTFail("m2: \(retry)"); return trace }
        let notDue = try await queue.lease(recipient: bank, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                           now: t0.plus(13), actor: "gateway", type: nil)
        XCTAssertEqual(notDue, [])
        let second = try await queue.lease(recipient: bank, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                           now: t0.plus(1000), actor: "gateway", type: nil)
        XCTAssertEqual(second.map(\.id), [m2])
        XCTAssertEqual(second.first?.lifecycle.attempts, 2)
        let stale = try await queue.recordDelivery(id: m2, token: token2, outcome: .delivered(status: 200), now: t0.plus(1001), policy: policy)
        XCTAssertEqual(stale, .reject(.staleLease))
        guard let token2b = second.first?.lifecycle.leaseToken else { return trace }
        let dead = try await queue.recordDelivery(
            id: m2, token: token2b, outcome: .retryableFailure(.httpStatus(503), retryAfter: nil), now: t0.plus(1002), policy: policy)
        XCTAssertEqual(dead, .markDead(.attemptsExhausted))
        let m2Read = try await queue.message(id: m2)
        XCTAssertEqual(m2Read?.status, .dead)
        XCTAssertEqual(m2Read?.lifecycle.lastError, .httpStatus(503))
        trace.steps.append("m2 " + [retry, stale, dead].map(describe).joined(separator: ","))

        // Pull: the recipient leases m3 and acknowledges it.
        let pulled = try await queue.lease(recipient: vss, excluding: [], limit: 5, leaseDuration: .seconds(30),
                                           now: t0.plus(1010), actor: vss.value, type: type)
        XCTAssertEqual(pulled.map(\.id), [m3])
        guard let token3 = pulled.first?.lifecycle.leaseToken else { return trace }
        var rng = SystemRandomNumberGenerator()
        let wrong = try await queue.ack(id: m3, recipient: vss, token: LeaseToken.random(using: &rng), now: t0.plus(1011))
        XCTAssertEqual(wrong, .reject(.staleLease))
        do {
            _ = try await queue.ack(id: m3, recipient: bank, token: token3, now: t0.plus(1011))
            XCTFail("another recipient acknowledged")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error.code, .notFound)
        }
        let acked = try await queue.ack(id: m3, recipient: vss, token: token3, now: t0.plus(1012))
        XCTAssertEqual(acked, .markDelivered(at: t0.plus(1012)))
        let ackedAgain = try await queue.ack(id: m3, recipient: vss, token: token3, now: t0.plus(1013))
        XCTAssertEqual(ackedAgain, .reject(.alreadyAcknowledged))
        trace.steps.append("m3 " + [wrong, acked, ackedAgain].map(describe).joined(separator: ","))

        // Expired lease: not before it expires; then back to the queue, leased again.
        _ = try await queue.accept(id: m4, sender: labour, recipient: bank, type: type, payload: payload("4"), user: "officer-1", now: t0.plus(2000))
        let m4Lease = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(5),
                                            now: t0.plus(2001), actor: "gateway", type: nil)
        XCTAssertEqual(m4Lease.map(\.id), [m4])
        let early = try await queue.recoverExpiredLeases(now: t0.plus(2003), policy: policy)
        XCTAssertEqual(early, 0)
        let recovered = try await queue.recoverExpiredLeases(now: t0.plus(2006), policy: policy)
        XCTAssertEqual(recovered, 1)
        let m4Read = try await queue.message(id: m4)
        XCTAssertEqual(m4Read?.lifecycle.state, .queued)
        XCTAssertEqual(m4Read?.lifecycle.lastError, .leaseExpired)
        let m4Again = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(5),
                                            now: t0.plus(2007), actor: "gateway", type: nil)
        XCTAssertEqual(m4Again.map(\.id), [m4])
        XCTAssertEqual(m4Again.first?.lifecycle.attempts, 2)
        // The second expiry exhausts the attempts: dead.
        let exhausted = try await queue.recoverExpiredLeases(now: t0.plus(2020), policy: policy)
        XCTAssertEqual(exhausted, 1)
        let m4Dead = try await queue.message(id: m4)
        XCTAssertEqual(m4Dead?.lifecycle.state, .dead(.attemptsExhausted))
        trace.steps.append("m4 recovered \(early),\(recovered),\(exhausted)")

        // Unknown id.
        do {
            _ = try await queue.recordDelivery(id: newID(), token: token1, outcome: .delivered(status: 200), now: t0.plus(3000), policy: policy)
            XCTFail("unknown id settled")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error.code, .notFound)
        }
        let unknown = try await queue.message(id: newID())
        XCTAssertNil(unknown)

        // Depth and listing.
        let depth = try await queue.depth().map { "\($0.state.rawValue)/\($0.recipient.value)=\($0.count)" }
        XCTAssertEqual(depth, ["dead/bank.970436=2", "delivered/bank.970436=1", "delivered/gov.vss.dongnai=1"])
        trace.steps.append("depth " + depth.joined(separator: " "))
        let deliveredList = try await queue.list(state: .delivered, recipient: nil, type: nil, limit: 10)
        XCTAssertEqual(deliveredList.map(\.id), [m1, m3])
        let all = try await queue.list(state: nil, recipient: bank, type: type, limit: 10)
        XCTAssertEqual(all.map(\.id), [m1, m2, m4])
        trace.steps.append("list " + deliveredList.map { label($0.id) }.joined(separator: ",") + " / "
                           + all.map { label($0.id) }.joined(separator: ","))

        trace.audit = try await records().map { record in
            "\(record.actor) \(record.action) \(record.target) \(labels[record.ref] ?? (record.ref.isEmpty ? "-" : "other")) "
                + "\(record.outcome.rawValue) \(record.status)"
        }
        XCTAssertEqual(trace.audit.first, "gov.labour.dongnai message.accepted \(type) m1 ok 202")
        XCTAssertTrue(trace.audit.contains("gov.vss.dongnai message.acked \(type) m3 denied 409"))
        XCTAssertTrue(trace.audit.contains("gov.vss.dongnai message.leased \(type) m3 ok 200"))
        return trace
    }
}
