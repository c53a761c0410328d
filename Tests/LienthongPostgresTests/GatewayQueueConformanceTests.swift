import Foundation
import LienthongAudit
import LienthongCore
import LienthongPostgres
import LienthongQueue
import XCTest

/// What the gateway needs beyond ``DurableQueue``, run against SQLite and PostgreSQL alike: admissions (acceptance
/// reports, the account-opening ledger and its refusals), the ledger's reads, the workers' wake-up time and the
/// operator actions. Same results, same audit actions on both.
final class GatewayQueueConformanceTests: XCTestCase {
    private let labour = try! MemberID("gov.labour.dongnai")
    private let bank = try! MemberID("bank.970436")
    private let otherBank = try! MemberID("bank.970418")
    private let vss = try! MemberID("gov.vss.dongnai")

    func testSQLiteAndPostgresServeTheGatewayTheSame() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = makeKeys()
        let sqliteAudit = try SQLiteAuditStore(path: directory.appendingPathComponent("lienthong.sqlite").path, keys: keys)
        let sqliteQueue = try SQLiteQueueStore(auditStore: sqliteAudit, instance: "gw-1")
        let sqliteTrace = try await runScenario(sqliteQueue, book: try AccountOpeningLedger(auditStore: sqliteAudit)) {
            try sqliteAudit.records(from: 1, limit: 100_000)
        }
        XCTAssertTrue(try sqliteAudit.verify(publicKey: keys.signingKey.publicKey).isIntact)

        let database = try await TestDatabase.create()
        do {
            let postgresTrace = try await PostgresDatabase.withDatabase(url: database.url) { db in
                let audit = try await PostgresAuditLog(database: db, keys: keys)
                let queue = try await PostgresQueueStore(auditLog: audit, instance: "gw-1")
                let trace = try await runScenario(queue, book: PostgresAccountOpeningBook(database: db)) {
                    try await audit.records(from: 1, limit: 100_000)
                }
                let verification = try await audit.verify(publicKey: keys.signingKey.publicKey)
                XCTAssertTrue(verification.isIntact, "\(verification)")
                return trace
            }
            XCTAssertEqual(sqliteTrace, postgresTrace)
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
    }

    /// A request for the person with a synthetic personal id, to `bank`.
    private func request(_ ref: String, person: String = "075090000001") -> JSONValue {
        .object(["requestRef": .string(ref), "person": .object(["personalId": .string(person)])])
    }

    private func result(_ ref: String, _ outcome: String, accountId: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["requestRef": .string(ref), "outcome": .string(outcome)]
        if let accountId { object["accountId"] = .string(accountId) }
        return .object(object)
    }

    /// Accepts `payload` with its ledger admission; returns "accepted", "duplicate", "conflict" or the refusal's status.
    private func send(
        _ queue: any GatewayQueue, id: String, from sender: MemberID, to recipient: MemberID, type: String, _ payload: JSONValue,
        report: [UInt8]? = nil, at now: Date
    ) async throws -> String {
        let admission = MessageAdmission(
            report: report,
            accountOpening: AccountOpeningAdmission(type: type, id: id, sender: sender, recipient: recipient, payload: payload, now: now))
        do {
            let (result, _) = try await queue.acceptAudited(
                id: id, sender: sender, recipient: recipient, type: type, payload: JCS.canonicalize(payload),
                user: "officer-1", now: now, idempotencyBytes: nil, admission: admission)
            switch result {
            case .accepted: return "accepted"
            case .duplicate: return "duplicate"
            case .conflict: return "conflict"
            }
        } catch let problem as GatewayProblem {
            return "refused \(problem.status)"
        }
    }

    func runScenario(
        _ queue: any GatewayQueue, book: any AccountOpeningBook, records: () async throws -> [AuditRecord]
    ) async throws -> [String] {
        var trace: [String] = []
        let requestType = AccountOpeningAdmission.requestType, resultType = AccountOpeningAdmission.resultType

        // Acceptance report: stored with a new message, returned to readers; untouched by a duplicate.
        let sync = newID()
        trace.append(try await send(queue, id: sync, from: vss, to: labour, type: "vss.participant-sync", .object([:]),
                                    report: Array(#"{"refused":1}"#.utf8), at: t0))
        trace.append(try await send(queue, id: sync, from: vss, to: labour, type: "vss.participant-sync", .object([:]),
                                    report: Array(#"{"refused":2}"#.utf8), at: t0.plus(1)))
        let report = try await queue.report(sender: vss, id: sync)
        XCTAssertEqual(report.map { String(decoding: $0, as: UTF8.self) }, #"{"refused":1}"#)
        let none = try await queue.report(sender: labour, id: sync)
        XCTAssertNil(none)

        // Ledger: a request, a second request with its reference refused (nothing stored), then the results.
        let r1 = newID(), r2 = newID()
        trace.append(try await send(queue, id: r1, from: labour, to: bank, type: requestType, request("REF-1"), at: t0.plus(2)))
        trace.append(try await send(queue, id: r2, from: labour, to: bank, type: requestType, request("REF-1"), at: t0.plus(3)))
        let refusedMessage = try await queue.message(id: r2)
        XCTAssertNil(refusedMessage, "a refused admission stores no message")
        let steps: [(MemberID, String, String?, String)] = [
            (otherBank, "acknowledged", nil, "refused 400"),   // not the bank the request went to
            (bank, "opened", nil, "refused 400"),              // opened needs accountId
            (bank, "acknowledged", nil, "accepted"),
            (bank, "opened", "0123456789", "accepted"),
            (bank, "acknowledged", nil, "accepted"),           // trails what is known: accepted, unchanged
            (bank, "rejected", nil, "refused 409"),            // contradicts opened
            (bank, "card-delivered", nil, "accepted"),
        ]
        for (offset, (sender, outcome, account, expected)) in steps.enumerated() {
            let answer = try await send(queue, id: newID(), from: sender, to: labour, type: resultType,
                                        result("REF-1", outcome, accountId: account), at: t0.plus(10 + Double(offset)))
            XCTAssertEqual(answer, expected, "\(sender.value) \(outcome)")
            trace.append(answer)
        }
        trace.append(try await send(queue, id: newID(), from: bank, to: labour, type: resultType, result("REF-404", "acknowledged"), at: t0.plus(20)))
        let opening = try await book.opening(requester: labour, requestRef: "REF-1")
        XCTAssertEqual(opening?.status, .cardDelivered)
        XCTAssertEqual(opening?.accountId, "0123456789")
        XCTAssertEqual(opening?.bank, bank.value)
        XCTAssertEqual(opening?.steps.map(\.outcome), [.requested, .acknowledged, .opened, .acknowledged, .cardDelivered])
        XCTAssertEqual(opening?.steps.first?.messageId, r1)
        trace.append("opening " + (opening?.steps.map(\.outcome.rawValue).joined(separator: ",") ?? "none"))
        let missing = try await book.opening(requester: bank, requestRef: "REF-1")
        XCTAssertNil(missing, "only the requester's references")
        trace.append(try await send(queue, id: newID(), from: labour, to: otherBank, type: requestType, request("REF-2"), at: t0.plus(30)))
        let forPerson = try await book.openings(requester: labour, personalID: "075090000001")
        XCTAssertEqual(forPerson.map(\.requestRef), ["REF-1", "REF-2"])
        let forNobody = try await book.openings(requester: labour, personalID: "075090000099")
        XCTAssertEqual(forNobody, [])

        // Wake-up time: queued now; once all are leased, the earliest lease expiry.
        let wake = try await queue.nextDueDate(now: t0.plus(40))
        XCTAssertEqual(wake, t0.plus(40))
        let leased = try await queue.lease(recipient: nil, excluding: [], limit: 100, leaseDuration: .seconds(30),
                                           now: t0.plus(41), actor: "gateway", type: nil)
        let leaseExpiry = try await queue.nextDueDate(now: t0.plus(42))
        XCTAssertEqual(leaseExpiry, t0.plus(71))
        trace.append("leased \(leased.count)")

        // Operator actions: dead messages retried one by one or by recipient; delivered ones purged.
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(1), maxAttempts: 1, maxAge: .seconds(3600))
        var dead: [String] = []
        for message in leased {
            guard let token = message.lifecycle.leaseToken else { continue }
            if message.recipient == labour {
                _ = try await queue.recordDelivery(id: message.id, token: token, outcome: .delivered(status: 200), now: t0.plus(43), policy: policy)
            } else {
                _ = try await queue.recordDelivery(
                    id: message.id, token: token, outcome: .retryableFailure(.httpStatus(503), retryAfter: nil), now: t0.plus(43), policy: policy)
                dead.append(message.id)
            }
        }
        XCTAssertEqual(dead.count, 2, "the two requests to the banks")
        let nothingDue = try await queue.nextDueDate(now: t0.plus(44))
        XCTAssertNil(nothingDue)
        let deliveredOne = leased.first { $0.recipient == labour }?.id ?? ""
        let notDead = try await queue.retryDead(id: deliveredOne, now: t0.plus(45), user: "op")
        XCTAssertFalse(notDead)
        let unknown = try await queue.retryDead(id: newID(), now: t0.plus(45), user: "op")
        XCTAssertFalse(unknown)
        let retried = try await queue.retryDead(id: dead[0], now: t0.plus(46), user: "op")
        XCTAssertTrue(retried)
        let revived = try await queue.message(id: dead[0])
        XCTAssertEqual(revived?.status, .queued)
        let byRecipient = try await queue.retryAllDead(recipient: otherBank, now: t0.plus(47), user: "op")
        XCTAssertEqual(byRecipient, dead[0] == r1 ? 1 : 0)
        let purged = try await queue.purgeDelivered(olderThan: t0.plus(44), user: "op")
        XCTAssertEqual(purged, leased.filter { $0.recipient == labour }.count)
        let purgedAgain = try await queue.purgeDelivered(olderThan: t0.plus(44), user: "op")
        XCTAssertEqual(purgedAgain, 0)
        trace += ["retry \(notDead) \(unknown) \(retried)", "retry-all \(byRecipient)", "purged \(purged) \(purgedAgain)"]

        // The audit actions, in order (ids left out: they differ between runs); the gateway's own records name the instance.
        let chain = try await records()
        XCTAssertTrue(chain.filter { $0.actor == "gateway" }.allSatisfy { $0.user == "gw-1" })
        XCTAssertFalse(chain.filter { $0.actor == "gateway" }.isEmpty)
        trace += chain.map { "\($0.actor) \($0.user) \($0.action) \($0.outcome.rawValue) \($0.status)" }
        return trace
    }
}
