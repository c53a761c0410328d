import Crypto
public import Foundation
import LienthongAudit
public import LienthongCore
public import LienthongQueue
import Logging
import PostgresNIO

/// The durable outbound queue (SPEC §4) in PostgreSQL, shared by several gateway instances.
///
/// Same calls, results and audit records as ``SQLiteQueueStore`` (both conform to ``DurableQueue``): every
/// write runs through ``PostgresAuditLog/commit(_:)`` (the row change and its audit records in one READ COMMITTED
/// transaction), and every state change through ``MessageLifecycle`` (load the row, apply the event in Swift,
/// write the row back, in the same transaction).
///
/// Several instances: ``lease(recipient:excluding:limit:leaseDuration:now:actor:type:)`` claims rows with
/// `SELECT ... FOR UPDATE SKIP LOCKED` in a CTE, so concurrent workers (in one process or many) take disjoint
/// rows without waiting for each other; settling (``recordDelivery(id:token:outcome:now:policy:)``, ``ack(id:recipient:token:now:)``)
/// locks the message row (`FOR UPDATE`) and checks the lease token through the lifecycle, so a stale worker
/// cannot settle a message someone else re-claimed. Lease expiry recovery skips rows being settled.
///
/// Finished rows leave the hot table: a delivered message is moved to `queue_message_done` in the transaction
/// that delivers it (dead messages stay in `queue_message`, where an operator retry can revive them). Reads by
/// id, ``list(state:recipient:type:limit:)`` and ``depth()`` look in both tables; idempotency too.
///
/// The rows a lease or a recovery changes are written back in one `UPDATE ... FROM jsonb_to_recordset(...)`.
/// Times are integer milliseconds since 1970 (inputs rounded to the millisecond), as in SQLite.
///
/// As a ``GatewayQueue`` it also applies a ``MessageAdmission`` (acceptance report, account-opening ledger step)
/// in the accepting transaction, and offers the operator actions (retry dead messages, purge delivered ones); the
/// ledger's reads are ``PostgresAccountOpeningBook``.
///
/// Schema (`queue-v1`): `queue_message` (primary key `(sender, id)`, `seq` identity for insertion order) and
/// `queue_message_done` (same columns); (`queue-v2`): `queue_message_report`, `account_opening` and
/// `account_opening_step` (the columns of the SQLite ledger, with a `step` identity for order).
public final class PostgresQueueStore: GatewayQueue {
    /// The audit log whose database and transactions this store shares.
    public let auditLog: PostgresAuditLog
    /// This gateway instance's name, the `user` of the records it writes as actor `gateway`.
    public let instance: String

    private var logger: Logger { auditLog.database.logger }

    /// The schema migrations of the queue.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(name: "queue-v1", statements: [
            """
            CREATE TABLE queue_message (
                "seq" bigint GENERATED ALWAYS AS IDENTITY,
                "sender" text NOT NULL,
                "id" text NOT NULL,
                "recipient" text NOT NULL,
                "type" text NOT NULL,
                "payload" bytea NOT NULL,
                "payload_hash" text NOT NULL,
                "accepted_at" bigint NOT NULL,
                "state" text NOT NULL,
                "lease_token" text,
                "lease_expires_at" bigint,
                "not_before" bigint,
                "delivered_at" bigint,
                "dead_reason" text,
                "attempts" bigint NOT NULL,
                "last_error" text,
                "age_clock_started_at" bigint NOT NULL,
                "last_attempt_at" bigint,
                "last_lease_token" text,
                PRIMARY KEY ("sender", "id")
            )
            """,
            #"CREATE INDEX queue_message_due ON queue_message ("accepted_at", "seq") WHERE "state" IN ('queued', 'waiting-retry')"#,
            #"CREATE INDEX queue_message_leased ON queue_message ("lease_expires_at") WHERE "state" = 'leased'"#,
            #"CREATE INDEX queue_message_id ON queue_message ("id")"#,
            #"CREATE INDEX queue_message_state_recipient ON queue_message ("state", "recipient")"#,
            """
            CREATE TABLE queue_message_done (
                "seq" bigint NOT NULL,
                "sender" text NOT NULL,
                "id" text NOT NULL,
                "recipient" text NOT NULL,
                "type" text NOT NULL,
                "payload" bytea NOT NULL,
                "payload_hash" text NOT NULL,
                "accepted_at" bigint NOT NULL,
                "state" text NOT NULL,
                "lease_token" text,
                "lease_expires_at" bigint,
                "not_before" bigint,
                "delivered_at" bigint,
                "dead_reason" text,
                "attempts" bigint NOT NULL,
                "last_error" text,
                "age_clock_started_at" bigint NOT NULL,
                "last_attempt_at" bigint,
                "last_lease_token" text,
                PRIMARY KEY ("sender", "id")
            )
            """,
            #"CREATE INDEX queue_message_done_id ON queue_message_done ("id")"#,
            #"CREATE INDEX queue_message_done_state_recipient ON queue_message_done ("state", "recipient")"#,
        ]),
        PostgresMigration(name: "queue-v2", statements: [
            """
            CREATE TABLE queue_message_report (
                "sender" text NOT NULL,
                "id" text NOT NULL,
                "report" bytea NOT NULL,
                PRIMARY KEY ("sender", "id")
            )
            """,
            """
            CREATE TABLE account_opening (
                "requester" text NOT NULL,
                "request_ref" text NOT NULL,
                "bank" text NOT NULL,
                "personal_id" text NOT NULL,
                "status" text NOT NULL,
                "account_id" text,
                "reason_code" text,
                "reason" text,
                PRIMARY KEY ("requester", "request_ref")
            )
            """,
            #"CREATE INDEX account_opening_person ON account_opening ("requester", "personal_id")"#,
            """
            CREATE TABLE account_opening_step (
                "step" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                "requester" text NOT NULL,
                "request_ref" text NOT NULL,
                "outcome" text NOT NULL,
                "message_id" text NOT NULL,
                "at" bigint NOT NULL,
                "reason_code" text
            )
            """,
            #"CREATE INDEX account_opening_step_ref ON account_opening_step ("requester", "request_ref")"#,
        ]),
    ]

    /// Opens the queue in `auditLog`'s database, applying its migrations when needed.
    public init(auditLog: PostgresAuditLog, instance: String = "") async throws {
        self.auditLog = auditLog
        self.instance = instance
        try await auditLog.database.migrate(Self.migrations)
    }

    // MARK: - Accepting

    /// Accepts a message, idempotently by `(sender, id)`, as ``SQLiteQueueStore/accept(id:sender:recipient:type:payload:user:now:)``:
    /// `.accepted` (`message.accepted`, ok, 202), `.duplicate` (same payload hash; `message.duplicate`, ok, 200) or
    /// `.conflict` (`message.conflict`, denied, 409). Concurrent accepts of the same `(sender, id)` on several
    /// instances store it once (the primary key decides; the others see the stored row).
    ///
    /// Throws `QueueStoreError` `invalidArgument` naming `id` (not a lowercase UUID) or `type` (empty or over 128 bytes).
    public func accept(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                       user: String, now: Date) async throws -> AcceptResult {
        try await acceptAudited(
            id: id, sender: sender, recipient: recipient, type: type, payload: payload, user: user, now: now,
            idempotencyBytes: nil, admission: MessageAdmission()).result
    }

    /// ``accept(id:sender:recipient:type:payload:user:now:)`` with `admission` applied in the same transaction for a
    /// new message (a refusal it throws rolls back the message and reaches the caller; nothing is audited here),
    /// returning the `seq` of the audit record written. `idempotencyBytes`: what idempotency compares when the
    /// stored payload is not what the sender posted.
    public func acceptAudited(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                              user: String, now: Date, idempotencyBytes: [UInt8]? = nil,
                              admission: MessageAdmission = MessageAdmission()) async throws -> (result: AcceptResult, auditSeq: Int64) {
        try QueueStorage.validate(id: id)
        guard !type.isEmpty, type.utf8.count <= 128 else { throw QueueStoreError(.invalidArgument, field: "type") }
        let now = QueueStorage.normalize(now)
        let hash = QueueStorage.payloadHash(idempotencyBytes ?? payload)
        let logger = self.logger
        let (result, records) = try await auditLog.commit { connection -> (AcceptResult, [AuditEvent]) in
            let message = QueuedMessage(
                id: id, sender: sender, recipient: recipient, type: type, payload: payload, payloadHash: hash,
                acceptedAt: now, lifecycle: MessageLifecycle(acceptedAt: now))
            var existing: QueuedMessage?
            if let seq = try await Self.insert(connection, message, logger: logger) {
                // A finished twin may have left the hot table just before this insert: then it is in the done table.
                if let done = try await Self.fetchDone(connection, sender: sender, id: id, logger: logger) {
                    try await connection.query("DELETE FROM queue_message WHERE seq = \(seq)", logger: logger)
                    existing = done
                }
            } else {
                existing = try await Self.fetch(connection, sender: sender, id: id, logger: logger)
                guard existing != nil else { throw PostgresStoreError(.unexpectedState, field: "queue_message") }
            }
            let result: AcceptResult
            if let existing {
                result = existing.payloadHash == hash ? .duplicate(existing) : .conflict
            } else {
                if let opening = admission.accountOpening {
                    try await PostgresAccountOpeningBook.apply(opening, connection, logger: logger)
                }
                if let report = admission.report {
                    try await connection.query("""
                        INSERT INTO queue_message_report ("sender", "id", "report") VALUES (\(sender.value), \(id), \(Data(report)))
                        ON CONFLICT ("sender", "id") DO UPDATE SET "report" = EXCLUDED."report"
                        """, logger: logger)
                }
                result = .accepted(message)
            }
            return (result, [QueueAuditEvents.accept(result, sender: sender.value, user: user, type: type, id: id)])
        }
        return (result, records.last?.seq ?? 0)
    }

    /// The acceptance report stored with the message `(sender, id)`, if any.
    public func report(sender: MemberID, id: String) async throws -> [UInt8]? {
        let rows = try await auditLog.database.client.query("""
            SELECT "report" FROM queue_message_report WHERE "sender" = \(sender.value) AND "id" = \(id)
            """, logger: logger).collect()
        return try rows.first.map { Array(try $0.makeRandomAccess()[0].decode(Data.self)) }
    }

    // MARK: - Leasing and settling

    /// Leases up to `limit` due messages, oldest first, as ``SQLiteQueueStore/lease(recipient:excluding:limit:leaseDuration:now:actor:type:)``
    /// (`message.leased` per message; status 0 for the `gateway` actor, 200 for a pull recipient).
    ///
    /// The candidates are claimed in a CTE with `FOR UPDATE SKIP LOCKED` (rows another transaction is claiming or
    /// settling are skipped, not waited for), the lease is applied to each with
    /// ``MessageLifecycle/lease(token:now:leaseDuration:)`` and the rows are updated, all in one transaction.
    public func lease(recipient: MemberID?, excluding: Set<MemberID>, limit: Int, leaseDuration: Duration,
                      now: Date, actor: String, type: String? = nil) async throws -> [QueuedMessage] {
        guard limit > 0 else { return [] }
        guard leaseDuration > .zero else { throw QueueStoreError(.invalidArgument, field: "leaseDuration") }
        let now = QueueStorage.normalize(now)
        let nowMS = QueueStorage.milliseconds(now)
        let excluded = excluding.map(\.value).sorted()
        let recipientValue = recipient?.value
        let logger = self.logger
        let (leased, _) = try await auditLog.commit { connection -> ([QueuedMessage], [AuditEvent]) in
            let rows = try await connection.query("""
                WITH claim AS (
                    SELECT "seq", \(unescaped: Self.columns) FROM queue_message
                    WHERE ("state" = 'queued' OR ("state" = 'waiting-retry' AND "not_before" <= \(nowMS)))
                      AND (\(recipientValue)::text IS NULL OR "recipient" = \(recipientValue)::text)
                      AND (\(type)::text IS NULL OR "type" = \(type)::text)
                      AND NOT ("recipient" = ANY(\(excluded)::text[]))
                    ORDER BY "accepted_at", "seq"
                    LIMIT \(Int64(limit))
                    FOR UPDATE SKIP LOCKED
                )
                SELECT \(unescaped: Self.columns) FROM claim ORDER BY "accepted_at", "seq"
                """, logger: logger).collect()
            var rng = SystemRandomNumberGenerator()
            var leased: [QueuedMessage] = []
            var events: [AuditEvent] = []
            for row in rows {
                var message = try Self.decode(row)
                let token = LeaseToken.random(using: &rng)
                guard case .persist = message.lifecycle.lease(token: token, now: now, leaseDuration: leaseDuration) else { continue }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                leased.append(message)
                events.append(QueueAuditEvents.leased(message, actor: actor, instance: self.instance))
            }
            try await Self.update(connection, leased, logger: logger)
            return (leased, events)
        }
        return leased
    }

    /// Records the outcome of a push delivery made under lease `token`, as
    /// ``SQLiteQueueStore/recordDelivery(id:token:outcome:now:policy:)``: `message.delivered`,
    /// `message.retry-scheduled`, `message.dead`, or `message.delivery-rejected` (denied, 409) for a stale token or a
    /// message that is not leased. A delivered message moves to `queue_message_done` in the same transaction.
    /// Throws `QueueStoreError` `notFound` naming `id` when no message has this id.
    public func recordDelivery(id: String, token: LeaseToken, outcome: DeliveryOutcome, now: Date,
                               policy: RetryPolicy) async throws -> MessageLifecycle.Action {
        let now = QueueStorage.normalize(now)
        let logger = self.logger
        let (action, _) = try await auditLog.commit { connection -> (MessageLifecycle.Action?, [AuditEvent]) in
            guard let found = try await Self.fetchForSettling(connection, id: id, token: token, logger: logger) else {
                return (nil, [])
            }
            var message = found.message
            var rng = SystemRandomNumberGenerator()
            let action = message.lifecycle.record(outcome, token: token, now: now, policy: policy, using: &rng)
            let event = QueueAuditEvents.delivery(action, outcome: outcome, message: message, instance: self.instance)
            switch action {
            case .markDelivered, .scheduleRetry, .markDead: break
            case .reject, .persist, .purge: return (action, [event])
            }
            guard found.isHot else { throw PostgresStoreError(.unexpectedState, field: "queue_message_done") }
            message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
            if case .markDelivered = action {
                try await Self.finish(connection, message, logger: logger)
            } else {
                try await Self.update(connection, message, logger: logger)
            }
            return (action, [event])
        }
        guard let action else { throw QueueStoreError(.notFound, field: "id") }
        return action
    }

    /// A pull acknowledgement by `recipient` under lease `token`, as ``SQLiteQueueStore/ack(id:recipient:token:now:)``
    /// (`message.acked`: ok 200, denied 409 for a stale token or repeated acknowledgement, denied 404 and a thrown
    /// `notFound` when no message of this recipient has the id). The delivered message moves to `queue_message_done`.
    public func ack(id: String, recipient: MemberID, token: LeaseToken, now: Date) async throws -> MessageLifecycle.Action {
        try QueueStorage.validate(id: id)
        let now = QueueStorage.normalize(now)
        let logger = self.logger
        let (action, _) = try await auditLog.commit { connection -> (MessageLifecycle.Action?, [AuditEvent]) in
            guard let found = try await Self.fetchForSettling(
                connection, id: id, token: token, recipient: recipient, logger: logger)
            else {
                return (nil, [QueueAuditEvents.acked(recipient: recipient.value, message: nil, id: id, accepted: false)])
            }
            var message = found.message
            let action = message.lifecycle.ack(token: token, now: now)
            guard case .markDelivered = action else {
                return (action, [QueueAuditEvents.acked(recipient: recipient.value, message: message, id: id, accepted: false)])
            }
            guard found.isHot else { throw PostgresStoreError(.unexpectedState, field: "queue_message_done") }
            message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
            try await Self.finish(connection, message, logger: logger)
            return (action, [QueueAuditEvents.acked(recipient: recipient.value, message: message, id: id, accepted: true)])
        }
        guard let action else { throw QueueStoreError(.notFound, field: "id") }
        return action
    }

    /// Returns every lease expired by `now` to the queue, or marks the message dead when `policy` says so, as
    /// ``SQLiteQueueStore/recoverExpiredLeases(now:policy:)`` (`message.lease-expired`, plus `message.dead`). Rows
    /// being settled by another transaction are skipped (`FOR UPDATE SKIP LOCKED`), so several instances may run it.
    public func recoverExpiredLeases(now: Date, policy: RetryPolicy) async throws -> Int {
        let now = QueueStorage.normalize(now)
        let nowMS = QueueStorage.milliseconds(now)
        let logger = self.logger
        let (count, _) = try await auditLog.commit { connection -> (Int, [AuditEvent]) in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM queue_message
                WHERE "state" = 'leased' AND "lease_expires_at" <= \(nowMS)
                ORDER BY "accepted_at", "seq"
                FOR UPDATE SKIP LOCKED
                """, logger: logger).collect()
            var events: [AuditEvent] = []
            var changed: [QueuedMessage] = []
            for row in rows {
                var message = try Self.decode(row)
                let action = message.lifecycle.leaseExpired(now: now, policy: policy)
                switch action {
                case .persist, .markDead:
                    break
                case .reject, .markDelivered, .scheduleRetry, .purge:
                    continue
                }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                changed.append(message)
                let dead = if case .markDead = action { true } else { false }
                events += QueueAuditEvents.leaseExpired(message, dead: dead, instance: self.instance)
            }
            try await Self.update(connection, changed, logger: logger)
            return (changed.count, events)
        }
        return count
    }

    // MARK: - Operator actions

    /// Operator: puts the dead message(s) with this id back to `queued`, as ``SQLiteQueueStore/retryDead(id:now:user:)``
    /// (`operator.retry`: ok 200 per message retried, denied 409 when not dead, denied 404 when none has this id).
    public func retryDead(id: String, now: Date, user: String) async throws -> Bool {
        try QueueStorage.validate(id: id)
        let now = QueueStorage.normalize(now)
        let logger = self.logger
        let (retried, _) = try await auditLog.commit { connection -> (Bool, [AuditEvent]) in
            let hot = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM queue_message WHERE "id" = \(id) ORDER BY "seq" FOR UPDATE
                """, logger: logger).collect().map(Self.decode)
            let done = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM queue_message_done WHERE "id" = \(id) ORDER BY "seq"
                """, logger: logger).collect().map(Self.decode)
            guard !hot.isEmpty || !done.isEmpty else {
                return (false, [AuditEvent(actor: "operator", user: user, action: "operator.retry", ref: id, outcome: .denied, status: 404)])
            }
            var events = done.map { AuditEvent(actor: "operator", user: user, action: "operator.retry", target: $0.type, ref: $0.id, outcome: .denied, status: 409) }
            var changed: [QueuedMessage] = []
            for var message in hot {
                guard case .persist = message.lifecycle.operatorRetry(now: now) else {
                    events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                             ref: message.id, outcome: .denied, status: 409))
                    continue
                }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                changed.append(message)
                events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                         ref: message.id, outcome: .ok, status: 200))
            }
            try await Self.update(connection, changed, logger: logger)
            return (!changed.isEmpty, events)
        }
        return retried
    }

    /// Operator: puts every dead message for `recipient` back to `queued`, as
    /// ``SQLiteQueueStore/retryAllDead(recipient:now:user:)`` (one `operator.retry` per message); returns how many.
    public func retryAllDead(recipient: MemberID, now: Date, user: String) async throws -> Int {
        let now = QueueStorage.normalize(now)
        let logger = self.logger
        let (count, _) = try await auditLog.commit { connection -> (Int, [AuditEvent]) in
            let dead = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM queue_message
                WHERE "recipient" = \(recipient.value) AND "state" = 'dead' ORDER BY "accepted_at", "seq" FOR UPDATE
                """, logger: logger).collect().map(Self.decode)
            var changed: [QueuedMessage] = []
            var events: [AuditEvent] = []
            for var message in dead {
                guard case .persist = message.lifecycle.operatorRetry(now: now) else { continue }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                changed.append(message)
                events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                         ref: message.id, outcome: .ok, status: 200))
            }
            try await Self.update(connection, changed, logger: logger)
            return (changed.count, events)
        }
        return count
    }

    /// Operator: deletes messages delivered before `olderThan` from `queue_message_done`, as
    /// ``SQLiteQueueStore/purgeDelivered(olderThan:user:)`` (one `operator.purge` record, ref = the count).
    public func purgeDelivered(olderThan: Date, user: String) async throws -> Int {
        let cutoff = QueueStorage.milliseconds(QueueStorage.normalize(olderThan))
        let logger = self.logger
        let (count, _) = try await auditLog.commit { connection -> (Int, [AuditEvent]) in
            let rows = try await connection.query("""
                DELETE FROM queue_message_done WHERE "state" = 'delivered' AND "delivered_at" < \(cutoff) RETURNING 1
                """, logger: logger).collect()
            return (rows.count, [AuditEvent(actor: "operator", user: user, action: "operator.purge", target: "delivered",
                                            ref: String(rows.count), outcome: .ok, status: 200)])
        }
        return count
    }

    /// When a worker should look again: `now` when a message is `queued`, otherwise the earliest retry `notBefore`
    /// or lease expiry (another instance's expired lease included); `nil` when nothing is pending.
    public func nextDueDate(now: Date) async throws -> Date? {
        let now = QueueStorage.normalize(now)
        let rows = try await auditLog.database.client.query("""
            SELECT EXISTS (SELECT 1 FROM queue_message WHERE "state" = 'queued'),
                (SELECT MIN("not_before") FROM queue_message WHERE "state" = 'waiting-retry'),
                (SELECT MIN("lease_expires_at") FROM queue_message WHERE "state" = 'leased')
            """, logger: logger).collect()
        guard let row = rows.first?.makeRandomAccess() else { return nil }
        if try row[0].decode(Bool.self) { return now }
        let times = [try row[1].decode(Int64?.self), try row[2].decode(Int64?.self)].compactMap { $0 }
        return times.min().map(QueueStorage.date)
    }

    // MARK: - Reading

    /// The message with this id (the first accepted when several senders used the same id), or `nil`; finished
    /// messages included.
    public func message(id: String) async throws -> QueuedMessage? {
        try await messages(id: id).first
    }

    /// Every message with this id (one per sender that used it), oldest first; finished messages included.
    public func messages(id: String) async throws -> [QueuedMessage] {
        let rows = try await auditLog.database.client.query("""
            SELECT \(unescaped: Self.columns) FROM (
                SELECT "seq", \(unescaped: Self.columns) FROM queue_message WHERE "id" = \(id)
                UNION ALL
                SELECT "seq", \(unescaped: Self.columns) FROM queue_message_done WHERE "id" = \(id)
            ) AS m ORDER BY "seq"
            """, logger: logger).collect()
        return try rows.map(Self.decode)
    }

    /// The message `(sender, id)`, or `nil`; finished messages included.
    public func message(sender: MemberID, id: String) async throws -> QueuedMessage? {
        try await messages(id: id).first { $0.sender == sender }
    }

    /// Up to `limit` messages, oldest first, filtered by internal state, recipient and type when given; finished
    /// messages included.
    public func list(state: MessageState.Kind?, recipient: MemberID?, type: String?, limit: Int) async throws -> [QueuedMessage] {
        let stateValue = state?.rawValue
        let recipientValue = recipient?.value
        let rows = try await auditLog.database.client.query("""
            SELECT \(unescaped: Self.columns) FROM (
                SELECT "seq", \(unescaped: Self.columns) FROM queue_message
                UNION ALL
                SELECT "seq", \(unescaped: Self.columns) FROM queue_message_done
            ) AS m
            WHERE (\(stateValue)::text IS NULL OR "state" = \(stateValue)::text)
              AND (\(recipientValue)::text IS NULL OR "recipient" = \(recipientValue)::text)
              AND (\(type)::text IS NULL OR "type" = \(type)::text)
            ORDER BY "accepted_at", "seq" LIMIT \(Int64(max(0, limit)))
            """, logger: logger).collect()
        return try rows.map(Self.decode)
    }

    /// Message counts by internal state and recipient (for metrics), sorted by state then recipient; finished
    /// messages included, as in SQLite (until purged).
    public func depth() async throws -> [(state: MessageState.Kind, recipient: MemberID, count: Int)] {
        let rows = try await auditLog.database.client.query("""
            SELECT "state", "recipient", COUNT(*) FROM (
                SELECT "state", "recipient" FROM queue_message
                UNION ALL
                SELECT "state", "recipient" FROM queue_message_done
            ) AS m GROUP BY "state", "recipient" ORDER BY "state", "recipient"
            """, logger: logger).collect()
        return try rows.map { row in
            let row = row.makeRandomAccess()
            guard let state = MessageState.Kind(rawValue: try row[0].decode(String.self)) else {
                throw QueueStoreError(.corruptRow, field: "state")
            }
            guard let recipient = try? MemberID(try row[1].decode(String.self)) else {
                throw QueueStoreError(.corruptRow, field: "recipient")
            }
            return (state: state, recipient: recipient, count: Int(try row[2].decode(Int64.self)))
        }
    }

    // MARK: - Rows

    static let columns = """
        "sender", "id", "recipient", "type", "payload", "payload_hash", "accepted_at", "state", "lease_token", \
        "lease_expires_at", "not_before", "delivered_at", "dead_reason", "attempts", "last_error", \
        "age_clock_started_at", "last_attempt_at", "last_lease_token"
        """

    /// Inserts a new message unless `(sender, id)` is taken; returns its `seq` when inserted.
    private static func insert(_ connection: PostgresConnection, _ message: QueuedMessage, logger: Logger) async throws -> Int64? {
        let lifecycle = LifecycleColumns(message.lifecycle)
        let rows = try await connection.query("""
            INSERT INTO queue_message (\(unescaped: columns)) VALUES (
                \(message.sender.value), \(message.id), \(message.recipient.value), \(message.type), \(Data(message.payload)),
                \(message.payloadHash), \(QueueStorage.milliseconds(message.acceptedAt)), \(lifecycle.state), \(lifecycle.leaseToken),
                \(lifecycle.leaseExpiresAt), \(lifecycle.notBefore), \(lifecycle.deliveredAt), \(lifecycle.deadReason),
                \(lifecycle.attempts), \(lifecycle.lastError), \(lifecycle.ageClockStartedAt), \(lifecycle.lastAttemptAt),
                \(lifecycle.lastLeaseToken))
            ON CONFLICT ("sender", "id") DO NOTHING
            RETURNING "seq"
            """, logger: logger).collect()
        return try rows.first?.makeRandomAccess()[0].decode(Int64.self)
    }

    /// Writes the lifecycle columns of several messages in the hot table in one statement (the rows travel as a
    /// JSON array, so absent values are SQL NULLs).
    private static func update(_ connection: PostgresConnection, _ messages: [QueuedMessage], logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let rows = String(decoding: try encoder.encode(messages.map(LifecycleColumns.init)), as: UTF8.self)
        let updated = try await connection.query("""
            UPDATE queue_message AS q SET "state" = u.state, "lease_token" = u.lease_token,
                "lease_expires_at" = u.lease_expires_at, "not_before" = u.not_before, "delivered_at" = u.delivered_at,
                "dead_reason" = u.dead_reason, "attempts" = u.attempts, "last_error" = u.last_error,
                "age_clock_started_at" = u.age_clock_started_at, "last_attempt_at" = u.last_attempt_at,
                "last_lease_token" = u.last_lease_token
            FROM jsonb_to_recordset(\(rows)::jsonb) AS u(
                sender text, id text, state text, lease_token text, lease_expires_at bigint, not_before bigint,
                delivered_at bigint, dead_reason text, attempts bigint, last_error text, age_clock_started_at bigint,
                last_attempt_at bigint, last_lease_token text)
            WHERE q."sender" = u.sender AND q."id" = u.id
            RETURNING 1
            """, logger: logger).collect()
        guard updated.count == messages.count else { throw QueueStoreError(.notFound, field: "id") }
    }

    /// Writes the lifecycle columns of `(sender, id)` in the hot table.
    private static func update(_ connection: PostgresConnection, _ message: QueuedMessage, logger: Logger) async throws {
        let lifecycle = LifecycleColumns(message.lifecycle)
        let rows = try await connection.query("""
            UPDATE queue_message SET "state" = \(lifecycle.state), "lease_token" = \(lifecycle.leaseToken),
                "lease_expires_at" = \(lifecycle.leaseExpiresAt), "not_before" = \(lifecycle.notBefore),
                "delivered_at" = \(lifecycle.deliveredAt), "dead_reason" = \(lifecycle.deadReason),
                "attempts" = \(lifecycle.attempts), "last_error" = \(lifecycle.lastError),
                "age_clock_started_at" = \(lifecycle.ageClockStartedAt), "last_attempt_at" = \(lifecycle.lastAttemptAt),
                "last_lease_token" = \(lifecycle.lastLeaseToken)
            WHERE "sender" = \(message.sender.value) AND "id" = \(message.id)
            RETURNING 1
            """, logger: logger).collect()
        guard rows.count == 1 else { throw QueueStoreError(.notFound, field: "id") }
    }

    /// Moves a finished message from the hot table to `queue_message_done` with its final lifecycle, in one
    /// statement of the transaction that finishes it.
    private static func finish(_ connection: PostgresConnection, _ message: QueuedMessage, logger: Logger) async throws {
        let lifecycle = LifecycleColumns(message.lifecycle)
        let rows = try await connection.query("""
            WITH moved AS (
                DELETE FROM queue_message WHERE "sender" = \(message.sender.value) AND "id" = \(message.id)
                RETURNING "seq", "sender", "id", "recipient", "type", "payload", "payload_hash", "accepted_at"
            )
            INSERT INTO queue_message_done ("seq", \(unescaped: columns))
            SELECT "seq", "sender", "id", "recipient", "type", "payload", "payload_hash", "accepted_at",
                \(lifecycle.state), \(lifecycle.leaseToken), \(lifecycle.leaseExpiresAt), \(lifecycle.notBefore),
                \(lifecycle.deliveredAt), \(lifecycle.deadReason), \(lifecycle.attempts), \(lifecycle.lastError),
                \(lifecycle.ageClockStartedAt), \(lifecycle.lastAttemptAt), \(lifecycle.lastLeaseToken)
            FROM moved
            RETURNING 1
            """, logger: logger).collect()
        guard rows.count == 1 else { throw QueueStoreError(.notFound, field: "id") }
    }

    /// The message `(sender, id)` in either table, or `nil`.
    private static func fetch(_ connection: PostgresConnection, sender: MemberID, id: String, logger: Logger) async throws -> QueuedMessage? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM queue_message WHERE "sender" = \(sender.value) AND "id" = \(id)
            UNION ALL
            SELECT \(unescaped: columns) FROM queue_message_done WHERE "sender" = \(sender.value) AND "id" = \(id)
            """, logger: logger).collect()
        return try rows.first.map(decode)
    }

    private static func fetchDone(_ connection: PostgresConnection, sender: MemberID, id: String, logger: Logger) async throws -> QueuedMessage? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM queue_message_done WHERE "sender" = \(sender.value) AND "id" = \(id)
            """, logger: logger).collect()
        return try rows.first.map(decode)
    }

    /// The message with `id` that `token` refers to, as in SQLite: the one whose current (or last) lease token
    /// is `token`; otherwise, when exactly one message has this id, that one. Hot rows are locked (`FOR UPDATE`)
    /// for the rest of the transaction; finished rows are read from `queue_message_done`.
    private static func fetchForSettling(
        _ connection: PostgresConnection, id: String, token: LeaseToken, recipient: MemberID? = nil, logger: Logger
    ) async throws -> (message: QueuedMessage, isHot: Bool)? {
        let recipientValue = recipient?.value
        let hot = try await connection.query("""
            SELECT "seq", \(unescaped: columns) FROM queue_message
            WHERE "id" = \(id) AND (\(recipientValue)::text IS NULL OR "recipient" = \(recipientValue)::text)
            ORDER BY "seq" FOR UPDATE
            """, logger: logger).collect()
        var messages: [(seq: Int64, message: QueuedMessage, isHot: Bool)] = []
        for row in hot { messages.append((try row.makeRandomAccess()[0].decode(Int64.self), try decode(row, offset: 1), true)) }
        // The common case: the current lease's row, locked; no need to look at finished rows.
        if let current = messages.first(where: { $0.message.lifecycle.leaseToken == token }) { return (current.message, true) }
        let done = try await connection.query("""
            SELECT "seq", \(unescaped: columns) FROM queue_message_done
            WHERE "id" = \(id) AND (\(recipientValue)::text IS NULL OR "recipient" = \(recipientValue)::text)
            ORDER BY "seq"
            """, logger: logger).collect()
        for row in done { messages.append((try row.makeRandomAccess()[0].decode(Int64.self), try decode(row, offset: 1), false)) }
        messages.sort { $0.seq < $1.seq }
        if let current = messages.first(where: { $0.message.lifecycle.leaseToken == token }) { return (current.message, current.isHot) }
        if let last = messages.first(where: { $0.message.lifecycle.lastLeaseToken == token }) { return (last.message, last.isHot) }
        return messages.count == 1 ? (messages[0].message, messages[0].isHot) : nil
    }

    /// Decodes the ``columns`` starting at column `offset`.
    private static func decode(_ row: PostgresRow) throws -> QueuedMessage {
        try decode(row, offset: 0)
    }

    private static func decode(_ row: PostgresRow, offset: Int) throws -> QueuedMessage {
        let row = row.makeRandomAccess()
        func text(_ index: Int, _ field: String) throws -> String {
            do { return try row[offset + index].decode(String.self) } catch { throw QueueStoreError(.corruptRow, field: field) }
        }
        func optionalText(_ index: Int, _ field: String) throws -> String? {
            do { return try row[offset + index].decode(String?.self) } catch { throw QueueStoreError(.corruptRow, field: field) }
        }
        func integer(_ index: Int, _ field: String) throws -> Int64 {
            do { return try row[offset + index].decode(Int64.self) } catch { throw QueueStoreError(.corruptRow, field: field) }
        }
        func optionalInteger(_ index: Int, _ field: String) throws -> Int64? {
            do { return try row[offset + index].decode(Int64?.self) } catch { throw QueueStoreError(.corruptRow, field: field) }
        }
        let payload: Data
        do { payload = try row[offset + 4].decode(Data.self) } catch { throw QueueStoreError(.corruptRow, field: "payload") }
        return try StoredMessage(
            sender: try text(0, "sender"), id: try text(1, "id"), recipient: try text(2, "recipient"),
            type: try text(3, "type"), payload: [UInt8](payload), payloadHash: try text(5, "payload_hash"),
            acceptedAt: try integer(6, "accepted_at"),
            lifecycle: StoredLifecycle(
                state: try text(7, "state"), leaseToken: try optionalText(8, "lease_token"),
                leaseExpiresAt: try optionalInteger(9, "lease_expires_at"), notBefore: try optionalInteger(10, "not_before"),
                deliveredAt: try optionalInteger(11, "delivered_at"), deadReason: try optionalText(12, "dead_reason"),
                attempts: Int(try integer(13, "attempts")), lastError: try optionalText(14, "last_error"),
                ageClockStartedAt: try integer(15, "age_clock_started_at"),
                lastAttemptAt: try optionalInteger(16, "last_attempt_at"), lastLeaseToken: try optionalText(17, "last_lease_token"))
        ).decoded()
    }

}

/// The stored form of a lifecycle's columns (with the message key, for batched updates).
private struct LifecycleColumns: Encodable {
    var sender: String
    var id: String
    var state: String
    var leaseToken: String?
    var leaseExpiresAt: Int64?
    var notBefore: Int64?
    var deliveredAt: Int64?
    var deadReason: String?
    var attempts: Int64
    var lastError: String?
    var ageClockStartedAt: Int64
    var lastAttemptAt: Int64?
    var lastLeaseToken: String?

    init(_ message: QueuedMessage) {
        self.init(message.lifecycle, sender: message.sender.value, id: message.id)
    }

    init(_ lifecycle: MessageLifecycle, sender: String = "", id: String = "") {
        let stored = StoredLifecycle(lifecycle)
        self.sender = sender
        self.id = id
        self.state = stored.state
        self.leaseToken = stored.leaseToken
        self.leaseExpiresAt = stored.leaseExpiresAt
        self.notBefore = stored.notBefore
        self.deliveredAt = stored.deliveredAt
        self.deadReason = stored.deadReason
        self.attempts = Int64(stored.attempts)
        self.lastError = stored.lastError
        self.ageClockStartedAt = stored.ageClockStartedAt
        self.lastAttemptAt = stored.lastAttemptAt
        self.lastLeaseToken = stored.lastLeaseToken
    }
}
