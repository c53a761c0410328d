import Crypto
import Foundation
import GRDB
import LienthongAudit
import LienthongCore
import XCTest

@testable import LienthongQueue

final class SQLiteQueueStoreTests: XCTestCase {
    private var directory: URL!
    private var keys: AuditKeys!

    private let labour = try! MemberID("gov.labour.dongnai")
    private let bank = try! MemberID("bank.970436")
    private let otherBank = try! MemberID("bank.970415")
    private let vss = try! MemberID("gov.vss.dongnai")
    private let type = "asxh.account-opening-request"

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keys = AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var path: String { directory.appendingPathComponent("lienthong.sqlite").path }

    private func open() throws -> (SQLiteAuditStore, SQLiteQueueStore) {
        let audit = try SQLiteAuditStore(path: path, keys: keys, checkpointEvery: 10)
        return (audit, try SQLiteQueueStore(auditStore: audit))
    }

    private func newID() -> String { UUID().uuidString.lowercased() }

    private func payload(_ text: String) -> [UInt8] { Array(#"{"citizen":"SYNTHPAYLOAD-\#(text)"}"#.utf8) }

    private func policy(maxAttempts: Int = 5) throws -> RetryPolicy {
        try RetryPolicy(base: .seconds(10), cap: .seconds(60), maxAttempts: maxAttempts, maxAge: .seconds(3600))
    }

    @discardableResult
    private func accept(_ queue: SQLiteQueueStore, id: String? = nil, sender: MemberID? = nil, recipient: MemberID? = nil,
                        payload: [UInt8]? = nil, now: Date = t0) async throws -> QueuedMessage {
        let result = try await queue.accept(
            id: id ?? newID(), sender: sender ?? labour, recipient: recipient ?? bank, type: type,
            payload: payload ?? self.payload("synthetic"), user: "officer-1", now: now)
        guard case .accepted(let message) = result else {
            XCTFail("expected accepted, got \(result)")
            throw QueueStoreError(.invalidArgument, field: "test")
        }
        return message
    }

    private func records(_ audit: SQLiteAuditStore) throws -> [AuditRecord] {
        try audit.records(from: 1, limit: 100_000)
    }

    private func assertChainIntact(_ audit: SQLiteAuditStore, file: StaticString = #filePath, line: UInt = #line) throws {
        let verification = try audit.verify(publicKey: keys.signingKey.publicKey)
        XCTAssertTrue(verification.isIntact, verification.reason, file: file, line: line)
    }

    // MARK: - Accept

    func testAcceptDuplicateConflictAndPerSenderIdentity() async throws {
        let (audit, queue) = try open()
        XCTAssertEqual(try audit.synchronousMode(), 2)
        let id = newID()
        let body = payload("a")
        let first = try await queue.accept(id: id, sender: labour, recipient: bank, type: type, payload: body, user: "u1", now: t0)
        guard case .accepted(let message) = first else { return XCTFail("expected accepted") }
        XCTAssertEqual(message.payload, body)
        XCTAssertEqual(message.status, .queued)
        XCTAssertEqual(message.lifecycle.attempts, 0)
        XCTAssertEqual(message.payloadHash.count, 64)
        XCTAssertEqual(try queue.message(id: id), message)

        let again = try await queue.accept(id: id, sender: labour, recipient: bank, type: type, payload: body, user: "u1", now: t0.plus(5))
        XCTAssertEqual(again, .duplicate(message))
        let conflict = try await queue.accept(id: id, sender: labour, recipient: bank, type: type, payload: payload("b"), user: "u1", now: t0.plus(6))
        XCTAssertEqual(conflict, .conflict)
        XCTAssertEqual(try queue.list(state: nil, recipient: nil, type: nil, limit: 100).count, 1)

        // The same id from another sender is another message.
        let other = try await queue.accept(id: id, sender: vss, recipient: bank, type: type, payload: payload("b"), user: "", now: t0.plus(7))
        guard case .accepted(let otherMessage) = other else { return XCTFail("expected accepted") }
        XCTAssertEqual(otherMessage.sender, vss)
        XCTAssertEqual(try queue.list(state: nil, recipient: nil, type: nil, limit: 100).count, 2)
        let audited = try await queue.acceptAudited(id: id, sender: vss, recipient: bank, type: type, payload: payload("b"), user: "", now: t0.plus(8))
        XCTAssertEqual(audited.result, .duplicate(otherMessage))
        XCTAssertEqual(audited.auditSeq, try audit.lastSeq())
        XCTAssertEqual(try queue.message(sender: vss, id: id)?.payload, payload("b"))
        XCTAssertEqual(try queue.message(sender: labour, id: id)?.payload, body)

        let actions = try records(audit).map { "\($0.action)/\($0.outcome.rawValue)/\($0.status)" }
        XCTAssertEqual(actions, ["message.accepted/ok/202", "message.duplicate/ok/200", "message.conflict/denied/409",
                                 "message.accepted/ok/202", "message.duplicate/ok/200"])
        let first0 = try records(audit)[0]
        XCTAssertEqual(first0.actor, labour.value)
        XCTAssertEqual(first0.target, type)
        XCTAssertEqual(first0.ref, id)
        XCTAssertEqual(first0.user, "u1")
        // The payload never enters the audit log.
        for record in try records(audit) {
            for field in [record.actor, record.user, record.action, record.target, record.ref, record.purpose, record.subject] {
                XCTAssertFalse(field.contains("SYNTHPAYLOAD"))
            }
        }
        try assertChainIntact(audit)
    }

    func testAcceptRejectsMalformedIDWithoutNamingIt() async throws {
        let (audit, queue) = try open()
        for bad in ["not-a-uuid", UUID().uuidString.uppercased(), ""] {
            do {
                _ = try await queue.accept(id: bad, sender: labour, recipient: bank, type: type, payload: [], user: "", now: t0)
                XCTFail("accepted a malformed id")
            } catch let error as QueueStoreError {
                XCTAssertEqual(error, QueueStoreError(.invalidArgument, field: "id"))
            }
        }
        XCTAssertEqual(try audit.lastSeq(), 0)
        var rng = SystemRandomNumberGenerator()
        do {
            _ = try await queue.ack(id: "../etc", recipient: bank, token: .random(using: &rng), now: t0)
            XCTFail("acknowledged a malformed id")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error, QueueStoreError(.invalidArgument, field: "id"))
        }
        XCTAssertEqual(try audit.lastSeq(), 0)
    }

    func testPayloadBytesAreKeptExactly() async throws {
        let (_, queue) = try open()
        let empty = try await accept(queue, payload: [])
        XCTAssertEqual(try queue.message(id: empty.id)?.payload, [])
        let binary: [UInt8] = [0, 0xFF, 0x7B, 0x00, 0x0A, 0xC3, 0xA1]
        let stored = try await accept(queue, payload: binary)
        XCTAssertEqual(try queue.message(id: stored.id)?.payload, binary)
        XCTAssertEqual(stored.payloadHash, SHA256.hash(data: binary).map { String(format: "%02x", $0) }.joined())
    }

    // MARK: - Lease, ack, record

    func testLeaseTokensAttemptsAndStaleTokens() async throws {
        let (audit, queue) = try open()
        let first = try await accept(queue, now: t0)
        let second = try await accept(queue, now: t0.plus(1))
        let leased = try await queue.lease(recipient: bank, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                           now: t0.plus(2), actor: bank.value)
        XCTAssertEqual(leased.map(\.id), [first.id, second.id], "oldest first")
        XCTAssertEqual(leased.map(\.lifecycle.attempts), [1, 1])
        XCTAssertEqual(leased.map(\.status), [.delivering, .delivering])
        let tokens = leased.compactMap(\.lifecycle.leaseToken)
        XCTAssertEqual(Set(tokens).count, 2)
        XCTAssertEqual(try queue.message(id: first.id), leased[0])
        // Leased messages are not leased again.
        let none = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: t0.plus(3), actor: "gateway")
        XCTAssertTrue(none.isEmpty)

        // Wrong recipient cannot ack (not found, nothing changes).
        do {
            _ = try await queue.ack(id: first.id, recipient: otherBank, token: tokens[0], now: t0.plus(4))
            XCTFail("another recipient acknowledged")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error.code, .notFound)
        }
        // The other message's token is stale for this one.
        let wrong = try await queue.ack(id: first.id, recipient: bank, token: tokens[1], now: t0.plus(4))
        XCTAssertEqual(wrong, .reject(.staleLease))
        let wrongRecord = try await queue.recordDelivery(id: first.id, token: tokens[1], outcome: .delivered(status: 200),
                                                         now: t0.plus(4), policy: policy())
        XCTAssertEqual(wrongRecord, .reject(.staleLease))
        XCTAssertEqual(try queue.message(id: first.id), leased[0], "nothing changed")

        let acked = try await queue.ack(id: first.id, recipient: bank, token: tokens[0], now: t0.plus(5))
        XCTAssertEqual(acked, .markDelivered(at: t0.plus(5)))
        XCTAssertEqual(try queue.message(id: first.id)?.status, .delivered)
        let repeated = try await queue.ack(id: first.id, recipient: bank, token: tokens[0], now: t0.plus(6))
        XCTAssertEqual(repeated, .reject(.alreadyAcknowledged))

        let pushed = try await queue.recordDelivery(id: second.id, token: tokens[1], outcome: .delivered(status: 204),
                                                    now: t0.plus(7), policy: policy())
        XCTAssertEqual(pushed, .markDelivered(at: t0.plus(7)))
        XCTAssertEqual(try queue.message(id: second.id)?.lifecycle.state, .delivered(at: t0.plus(7)))

        let actions = try records(audit).map { "\($0.action)/\($0.outcome.rawValue)/\($0.status)" }
        XCTAssertEqual(Array(actions.dropFirst(2)), [
            "message.leased/ok/200", "message.leased/ok/200",
            "message.acked/denied/404", "message.acked/denied/409", "message.delivery-rejected/denied/409",
            "message.acked/ok/200", "message.acked/denied/409", "message.delivered/ok/204",
        ])
        try assertChainIntact(audit)
    }

    func testExpiredLeaseIsRedeliveredAndOldTokenIsStale() async throws {
        let (audit, queue) = try open()
        let message = try await accept(queue, now: t0)
        let lease1 = try await queue.lease(recipient: bank, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0, actor: bank.value)
        let token1 = try XCTUnwrap(lease1.first?.lifecycle.leaseToken)
        // Not expired yet: nothing recovered.
        let early = try await queue.recoverExpiredLeases(now: t0.plus(29), policy: policy())
        XCTAssertEqual(early, 0)
        XCTAssertEqual(try queue.nextDueDate(now: t0.plus(29)), t0.plus(30))
        let recovered = try await queue.recoverExpiredLeases(now: t0.plus(30), policy: policy())
        XCTAssertEqual(recovered, 1)
        let requeued = try XCTUnwrap(try queue.message(id: message.id))
        XCTAssertEqual(requeued.lifecycle.state, .queued)
        XCTAssertEqual(requeued.lifecycle.lastError, .leaseExpired)

        let lease2 = try await queue.lease(recipient: bank, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(31), actor: bank.value)
        let token2 = try XCTUnwrap(lease2.first?.lifecycle.leaseToken)
        XCTAssertNotEqual(token1, token2)
        XCTAssertEqual(lease2.first?.lifecycle.attempts, 2)
        let stale = try await queue.ack(id: message.id, recipient: bank, token: token1, now: t0.plus(32))
        XCTAssertEqual(stale, .reject(.staleLease))
        let ok = try await queue.ack(id: message.id, recipient: bank, token: token2, now: t0.plus(33))
        XCTAssertEqual(ok, .markDelivered(at: t0.plus(33)))
        XCTAssertTrue(try records(audit).contains { $0.action == "message.lease-expired" && $0.ref == message.id && $0.actor == "gateway" })
        try assertChainIntact(audit)
    }

    func testLeaseExpiryExhaustingAttemptsMarksDead() async throws {
        let (audit, queue) = try open()
        let message = try await accept(queue, now: t0)
        _ = try await queue.lease(recipient: nil, excluding: [], limit: 1, leaseDuration: .seconds(10), now: t0, actor: "gateway")
        let count = try await queue.recoverExpiredLeases(now: t0.plus(10), policy: policy(maxAttempts: 1))
        XCTAssertEqual(count, 1)
        XCTAssertEqual(try queue.message(id: message.id)?.lifecycle.state, .dead(.attemptsExhausted))
        XCTAssertEqual(try records(audit).suffix(2).map(\.action), ["message.lease-expired", "message.dead"])
    }

    func testRetryableOutcomeSchedulesRetryAndPermanentIsDead() async throws {
        let (audit, queue) = try open()
        let retried = try await accept(queue, now: t0)
        let permanent = try await accept(queue, now: t0.plus(1))
        let leased = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: t0.plus(2), actor: "gateway")
        XCTAssertEqual(leased.count, 2)

        let now = t0.plus(3)
        let outcome = DeliveryOutcome.classify(status: 503, error: nil, retryAfterHeader: nil, now: now)
        let action = try await queue.recordDelivery(id: retried.id, token: leased[0].lifecycle.leaseToken!, outcome: outcome,
                                                    now: now, policy: policy())
        guard case .scheduleRetry(let at) = action else { return XCTFail("expected a scheduled retry, got \(action)") }
        // Base 10 s, equal jitter: the first retry is 5 to 10 s later.
        XCTAssertGreaterThanOrEqual(at.timeIntervalSince(now), 5)
        XCTAssertLessThanOrEqual(at.timeIntervalSince(now), 10.001)
        let stored = try XCTUnwrap(try queue.message(id: retried.id))
        XCTAssertEqual(stored.lifecycle.state.kind, .waitingRetry)
        XCTAssertEqual(stored.status, .queued)
        XCTAssertEqual(stored.lifecycle.lastError, .httpStatus(503))
        let notBefore = try XCTUnwrap(stored.lifecycle.state.notBefore)
        XCTAssertEqual(notBefore.timeIntervalSince1970, at.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try queue.nextDueDate(now: now), notBefore)

        // Not leased before it is due; leased once due.
        let tooEarly = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30),
                                             now: notBefore.addingTimeInterval(-0.5), actor: "gateway")
        XCTAssertTrue(tooEarly.isEmpty)
        let due = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: notBefore, actor: "gateway")
        XCTAssertEqual(due.map(\.id), [retried.id])
        XCTAssertEqual(due.first?.lifecycle.attempts, 2)
        // Settling reads the row without its payload (`columnsWithoutPayload`) and writes only the lifecycle back:
        // the payload pushed again is the one accepted.
        XCTAssertEqual(due.first?.payload, retried.payload)
        XCTAssertFalse(retried.payload.isEmpty)
        XCTAssertEqual(try queue.message(id: retried.id)?.payload, retried.payload)

        let dead = try await queue.recordDelivery(id: permanent.id, token: leased[1].lifecycle.leaseToken!,
                                                  outcome: .classify(status: 400, error: nil, retryAfterHeader: nil, now: now),
                                                  now: now, policy: policy())
        XCTAssertEqual(dead, .markDead(.permanentFailure))
        XCTAssertEqual(try queue.message(id: permanent.id)?.status, .dead)
        XCTAssertEqual(try queue.message(id: permanent.id)?.lifecycle.lastError, .httpStatus(400))

        let actions = try records(audit).map { "\($0.action)/\($0.outcome.rawValue)/\($0.status)/\($0.actor)" }
        XCTAssertTrue(actions.contains("message.retry-scheduled/error/503/gateway"))
        XCTAssertTrue(actions.contains("message.dead/error/400/gateway"))
        XCTAssertTrue(actions.contains("message.leased/ok/0/gateway"))
        try assertChainIntact(audit)
    }

    func testRetryAfterIsHonoured() async throws {
        let (_, queue) = try open()
        let message = try await accept(queue, now: t0)
        let leased = try await queue.lease(recipient: nil, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0, actor: "gateway")
        let outcome = DeliveryOutcome.classify(status: 429, error: nil, retryAfterHeader: "120", now: t0.plus(1))
        let action = try await queue.recordDelivery(id: message.id, token: leased[0].lifecycle.leaseToken!, outcome: outcome,
                                                    now: t0.plus(1), policy: policy())
        XCTAssertEqual(action, .scheduleRetry(at: t0.plus(121)))
        let none = try await queue.lease(recipient: nil, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(120), actor: "gateway")
        XCTAssertTrue(none.isEmpty)
        let due = try await queue.lease(recipient: nil, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(121), actor: "gateway")
        XCTAssertEqual(due.map(\.id), [message.id])
    }

    func testLeaseTakesTheOldestDueMessagesAcrossQueuedAndRetryingUpToTheLimit() async throws {
        let (_, queue) = try open()
        var accepted: [QueuedMessage] = []
        for second in 0..<5 { accepted.append(try await accept(queue, now: t0.plus(Double(second)))) }
        let first = try await queue.lease(recipient: bank, excluding: [], limit: 2, leaseDuration: .seconds(30), now: t0.plus(5), actor: "gateway")
        XCTAssertEqual(first.map(\.id), [accepted[0].id, accepted[1].id])
        // The oldest waits for a retry (due 5 to 10 s later); the second is delivered.
        _ = try await queue.recordDelivery(id: accepted[0].id, token: first[0].lifecycle.leaseToken!,
                                           outcome: .classify(status: 503, error: nil, retryAfterHeader: nil, now: t0.plus(6)),
                                           now: t0.plus(6), policy: policy())
        _ = try await queue.recordDelivery(id: accepted[1].id, token: first[1].lifecycle.leaseToken!, outcome: .delivered(status: 200),
                                           now: t0.plus(6), policy: policy())
        // Before the retry is due only queued messages come, oldest first, cut at the limit.
        let early = try await queue.lease(recipient: bank, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(7), actor: "gateway")
        XCTAssertEqual(early.map(\.id), [accepted[2].id])
        // Once due, the retried message is older than every queued one: it comes first, and the limit still holds.
        let due = try await queue.lease(recipient: bank, excluding: [], limit: 2, leaseDuration: .seconds(30), now: t0.plus(17), actor: "gateway")
        XCTAssertEqual(due.map(\.id), [accepted[0].id, accepted[3].id])
        let rest = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: t0.plus(18), actor: "gateway")
        XCTAssertEqual(rest.map(\.id), [accepted[4].id])
    }

    /// Leasing reads index ranges only: finished messages pile up in the table (until purged) and must not be
    /// visited or sorted by every lease, which runs inside the single write transaction.
    func testLeaseQueryReadsIndexRangesWithoutScanningTheTable() throws {
        let (audit, _) = try open()
        for (recipient, type, excluded) in [("bank.970436", nil, []), (nil, nil, ["bank.970415"]), ("bank.970436", "t", [])] as [(String?, String?, [String])] {
            let (sql, arguments) = SQLiteQueueStore.leaseQuery(recipient: recipient, type: type, excluded: excluded, now: 0, limit: 32)
            let plan = try audit.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
            XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN queue_message") }, "a full scan for \(recipient ?? "any recipient"): \(plan)")
            if recipient != nil {
                XCTAssertTrue(plan.contains { $0.contains("queue_message_recipient_state_accepted (recipient=? AND state=?)") }, "\(plan)")
            }
        }
    }

    func testUnknownIDIsNotFound() async throws {
        let (_, queue) = try open()
        var rng = SystemRandomNumberGenerator()
        do {
            _ = try await queue.recordDelivery(id: newID(), token: .random(using: &rng), outcome: .delivered(status: 200),
                                               now: t0, policy: policy())
            XCTFail("recorded a delivery for an unknown id")
        } catch let error as QueueStoreError {
            XCTAssertEqual(error, QueueStoreError(.notFound, field: "id"))
        }
    }

    func testExcludingSkipsBlockedRecipient() async throws {
        let (_, queue) = try open()
        let blocked1 = try await accept(queue, recipient: bank, now: t0)
        let open1 = try await accept(queue, recipient: otherBank, now: t0.plus(1))
        let blocked2 = try await accept(queue, recipient: bank, now: t0.plus(2))
        let open2 = try await accept(queue, recipient: otherBank, now: t0.plus(3))
        let leased = try await queue.lease(recipient: nil, excluding: [bank], limit: 10, leaseDuration: .seconds(30), now: t0.plus(4), actor: "gateway")
        XCTAssertEqual(leased.map(\.id), [open1.id, open2.id])
        XCTAssertEqual(try queue.message(id: blocked1.id)?.lifecycle.state, .queued)
        XCTAssertEqual(try queue.message(id: blocked2.id)?.lifecycle.state, .queued)
        // Limit and the recipient filter.
        let one = try await queue.lease(recipient: bank, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(5), actor: bank.value)
        XCTAssertEqual(one.map(\.id), [blocked1.id])

        let depth = try queue.depth()
        XCTAssertEqual(depth.first { $0.state == .leased && $0.recipient == otherBank }?.count, 2)
        XCTAssertEqual(depth.first { $0.state == .leased && $0.recipient == bank }?.count, 1)
        XCTAssertEqual(depth.first { $0.state == .queued && $0.recipient == bank }?.count, 1)
        XCTAssertEqual(try queue.list(state: .leased, recipient: otherBank, type: nil, limit: 10).map(\.id), [open1.id, open2.id])
        XCTAssertEqual(try queue.list(state: nil, recipient: nil, type: "other.type", limit: 10).count, 0)
        XCTAssertEqual(try queue.list(state: nil, recipient: nil, type: type, limit: 3).count, 3)
    }

    func testConcurrentLeasesNeverShareAMessage() async throws {
        let (audit, queue) = try open()
        var ids: Set<String> = []
        for index in 0..<50 { ids.insert(try await accept(queue, now: t0.plus(Double(index))).id) }
        let before = await audit.statistics()
        let single = try await queue.lease(recipient: nil, excluding: [], limit: 5, leaseDuration: .seconds(60), now: t0.plus(60), actor: "gateway")
        let afterOne = await audit.statistics()
        XCTAssertEqual(single.count, 5)
        XCTAssertEqual(afterOne.writeTransactions - before.writeTransactions, 1, "one lease call is one transaction")
        XCTAssertEqual(afterOne.recordsAppended - before.recordsAppended, 5)
        let batches = try await withThrowingTaskGroup(of: [QueuedMessage].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(60), now: t0.plus(61), actor: "gateway")
                }
            }
            var all: [[QueuedMessage]] = []
            for try await batch in group { all.append(batch) }
            return all
        }
        let leasedIDs = single.map(\.id) + batches.flatMap { $0.map(\.id) }
        XCTAssertEqual(leasedIDs.count, 50, "each message leased exactly once")
        XCTAssertEqual(Set(leasedIDs), ids)
        try assertChainIntact(audit)
    }

    func testSameIDFromTwoSendersIsFoundByToken() async throws {
        let (_, queue) = try open()
        let id = newID()
        _ = try await accept(queue, id: id, sender: labour, recipient: bank, now: t0)
        _ = try await accept(queue, id: id, sender: vss, recipient: otherBank, now: t0.plus(1))
        XCTAssertEqual(try queue.messages(id: id).map(\.sender), [labour, vss])
        let leased = try await queue.lease(recipient: otherBank, excluding: [], limit: 10, leaseDuration: .seconds(60), now: t0.plus(2), actor: otherBank.value)
        XCTAssertEqual(leased.map(\.sender), [vss])
        let action = try await queue.ack(id: id, recipient: otherBank, token: leased[0].lifecycle.leaseToken!, now: t0.plus(3))
        XCTAssertEqual(action, .markDelivered(at: t0.plus(3)))
        XCTAssertEqual(try queue.message(sender: vss, id: id)?.status, .delivered)
        XCTAssertEqual(try queue.message(sender: labour, id: id)?.status, .queued)
    }

    // MARK: - Operator

    func testOperatorRetryOneAndAllOfRecipient() async throws {
        let (audit, queue) = try open()
        var ids: [String] = []
        for index in 0..<3 {
            ids.append(try await accept(queue, recipient: index < 2 ? bank : otherBank, now: t0.plus(Double(index))).id)
        }
        let leased = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: t0.plus(5), actor: "gateway")
        for message in leased {
            let action = try await queue.recordDelivery(id: message.id, token: message.lifecycle.leaseToken!,
                                                        outcome: .permanentFailure(.httpStatus(422)), now: t0.plus(6), policy: policy())
            XCTAssertEqual(action, .markDead(.permanentFailure))
        }
        XCTAssertEqual(try queue.list(state: .dead, recipient: nil, type: nil, limit: 10).count, 3)

        let one = try await queue.retryDead(id: ids[2], now: t0.plus(7), user: "admin")
        XCTAssertTrue(one)
        let retried = try XCTUnwrap(try queue.message(id: ids[2]))
        XCTAssertEqual(retried.lifecycle.state, .queued)
        XCTAssertEqual(retried.lifecycle.attempts, 0)
        XCTAssertEqual(retried.lifecycle.ageClockStartedAt, t0.plus(7))
        let notDead = try await queue.retryDead(id: ids[2], now: t0.plus(8), user: "admin")
        XCTAssertFalse(notDead)
        let unknown = try await queue.retryDead(id: newID(), now: t0.plus(8), user: "admin")
        XCTAssertFalse(unknown)

        let all = try await queue.retryAllDead(recipient: bank, now: t0.plus(9), user: "admin")
        XCTAssertEqual(all, 2)
        XCTAssertEqual(try queue.list(state: .dead, recipient: nil, type: nil, limit: 10).count, 0)
        XCTAssertEqual(try queue.list(state: .queued, recipient: bank, type: nil, limit: 10).count, 2)

        let operatorRecords = try records(audit).filter { $0.action == "operator.retry" }
        XCTAssertEqual(operatorRecords.map { "\($0.outcome.rawValue)/\($0.status)" }, ["ok/200", "denied/409", "denied/404", "ok/200", "ok/200"])
        XCTAssertTrue(operatorRecords.allSatisfy { $0.actor == "operator" && $0.user == "admin" })
        try assertChainIntact(audit)
    }

    func testPurgeOnlyDeliveredOlderThanCutoff() async throws {
        let (audit, queue) = try open()
        let old = try await accept(queue, now: t0)
        let recent = try await accept(queue, now: t0.plus(1))
        let pending = try await accept(queue, now: t0.plus(2))
        let dead = try await accept(queue, now: t0.plus(3))
        let leased = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(600), now: t0.plus(4), actor: "gateway")
        let token = Dictionary(uniqueKeysWithValues: leased.map { ($0.id, $0.lifecycle.leaseToken!) })
        _ = try await queue.recordDelivery(id: old.id, token: token[old.id]!, outcome: .delivered(status: 200), now: t0.plus(10), policy: policy())
        _ = try await queue.recordDelivery(id: recent.id, token: token[recent.id]!, outcome: .delivered(status: 200), now: t0.plus(100), policy: policy())
        _ = try await queue.recordDelivery(id: dead.id, token: token[dead.id]!, outcome: .permanentFailure(.httpStatus(404)), now: t0.plus(5), policy: policy())

        let purged = try await queue.purgeDelivered(olderThan: t0.plus(50), user: "admin")
        XCTAssertEqual(purged, 1)
        XCTAssertNil(try queue.message(id: old.id))
        XCTAssertNotNil(try queue.message(id: recent.id))
        XCTAssertNotNil(try queue.message(id: pending.id))
        XCTAssertNotNil(try queue.message(id: dead.id))
        let record = try XCTUnwrap(try records(audit).last)
        XCTAssertEqual(record.action, "operator.purge")
        XCTAssertEqual(record.actor, "operator")
        XCTAssertEqual(record.ref, "1")
        try assertChainIntact(audit)
    }

    // MARK: - Durability

    func testStateSurvivesReopen() async throws {
        var leasedToken: LeaseToken?
        var ids: [String] = []
        do {
            let (audit, queue) = try open()
            ids.append(try await accept(queue, now: t0).id)
            ids.append(try await accept(queue, now: t0.plus(1)).id)
            let leased = try await queue.lease(recipient: nil, excluding: [], limit: 1, leaseDuration: .seconds(30), now: t0.plus(2), actor: "gateway")
            leasedToken = leased.first?.lifecycle.leaseToken
            XCTAssertEqual(try audit.lastSeq(), 3)
        }
        let (audit, queue) = try open()   // migration runs again: must be a no-op
        let first = try XCTUnwrap(try queue.message(id: ids[0]))
        XCTAssertEqual(first.lifecycle.leaseToken, leasedToken)
        XCTAssertEqual(first.lifecycle.attempts, 1)
        XCTAssertEqual(try queue.message(id: ids[1])?.lifecycle.state, .queued)
        // Crash recovery: the lease of the "crashed" worker expires and the message is offered again.
        let recovered = try await queue.recoverExpiredLeases(now: t0.plus(40), policy: policy())
        XCTAssertEqual(recovered, 1)
        let again = try await queue.lease(recipient: nil, excluding: [], limit: 10, leaseDuration: .seconds(30), now: t0.plus(41), actor: "gateway")
        XCTAssertEqual(Set(again.map(\.id)), Set(ids))
        XCTAssertEqual(try audit.lastSeq(), 6)
        try assertChainIntact(audit)
    }

    func testConcurrentAcceptsAreGroupCommitted() async throws {
        let (audit, queue) = try open()
        let before = await audit.statistics()
        let sender = labour
        let recipient = bank
        let type = self.type
        let results = try await withThrowingTaskGroup(of: AcceptResult.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await queue.accept(id: UUID().uuidString.lowercased(), sender: sender, recipient: recipient, type: type,
                                           payload: Array("{\"n\":\(index)}".utf8), user: "", now: t0.plus(Double(index)))
                }
            }
            var results: [AcceptResult] = []
            for try await result in group { results.append(result) }
            return results
        }
        XCTAssertEqual(results.count, 200)
        XCTAssertTrue(results.allSatisfy { if case .accepted = $0 { true } else { false } })
        let after = await audit.statistics()
        XCTAssertEqual(after.recordsAppended - before.recordsAppended, 200)
        XCTAssertLessThan(after.writeTransactions - before.writeTransactions, 200)
        XCTAssertEqual(try queue.list(state: .queued, recipient: nil, type: nil, limit: 1000).count, 200)
        try assertChainIntact(audit)
    }
}
