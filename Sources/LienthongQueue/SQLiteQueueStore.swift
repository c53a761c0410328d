import Crypto
public import Foundation
public import GRDB
public import LienthongAudit
public import LienthongCore

/// One message of the durable outbound queue, as stored.
///
/// `payload` holds the exact bytes the sender posted. It may contain personal data: it is never logged,
/// never put into an audit record and never named in an error (``description`` omits it).
public struct QueuedMessage: Sendable, Equatable, CustomStringConvertible {
    /// The message id chosen by the sender: a UUID in lowercase text.
    public var id: String
    /// The member that posted the message.
    public var sender: MemberID
    /// The member the message is for.
    public var recipient: MemberID
    /// The message type, e.g. `asxh.account-opening-request`.
    public var type: String
    /// The payload bytes, exactly as sent.
    public var payload: [UInt8]
    /// Lowercase hex SHA-256 of ``payload`` (used for idempotency).
    public var payloadHash: String
    /// When the message was accepted (millisecond precision).
    public var acceptedAt: Date
    /// The delivery lifecycle: state, attempts, lease token, last error, ...
    public var lifecycle: MessageLifecycle

    /// Creates a value (stores build these from rows).
    public init(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8], payloadHash: String,
                acceptedAt: Date, lifecycle: MessageLifecycle) {
        self.id = id
        self.sender = sender
        self.recipient = recipient
        self.type = type
        self.payload = payload
        self.payloadHash = payloadHash
        self.acceptedAt = acceptedAt
        self.lifecycle = lifecycle
    }

    /// The external status of SPEC §4 (`queued | delivering | delivered | dead`).
    public var status: MessageStatus { lifecycle.status }

    /// A description without the payload.
    public var description: String {
        "QueuedMessage(id: \(id), sender: \(sender), recipient: \(recipient), type: \(type), "
            + "state: \(lifecycle.state.kind.rawValue), attempts: \(lifecycle.attempts), payload: \(payload.count) bytes)"
    }
}

/// The result of ``SQLiteQueueStore/accept(id:sender:recipient:type:payload:user:now:)``.
public enum AcceptResult: Sendable, Equatable {
    /// A new message was stored durably (HTTP `202`).
    case accepted(QueuedMessage)
    /// The same sender already sent this id with the same payload; nothing was stored (HTTP `200`).
    case duplicate(QueuedMessage)
    /// The same sender already sent this id with another payload; nothing was stored (HTTP `409`).
    case conflict
}

/// An error of the queue store. Names fields, never values, so it can be logged as it is.
public struct QueueStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// An argument is malformed (e.g. an id that is not a lowercase UUID).
        case invalidArgument
        /// No message matches.
        case notFound
        /// A stored row cannot be decoded.
        case corruptRow
    }

    /// What is wrong.
    public var code: Code
    /// The field concerned, e.g. `id`.
    public var field: String

    /// Creates an error.
    public init(_ code: Code, field: String) {
        self.code = code
        self.field = field
    }

    /// `field: code`.
    public var description: String { "\(field): \(code.rawValue)" }
}

/// The durable outbound queue (SPEC §4) in the audit log's SQLite database.
///
/// Every write runs through ``SQLiteAuditStore/commit(_:)``: the row change and its audit record are in one
/// group-committed transaction with `synchronous = FULL`, so when a call returns both are on disk, and a
/// crash at any instant leaves neither or both. Every state change goes through ``MessageLifecycle``: a
/// write loads the row, applies the event and writes the resulting row back, inside the same transaction.
///
/// ```swift
/// let queue = try SQLiteQueueStore(auditStore: audit)
/// _ = try await queue.recoverExpiredLeases(now: .now, policy: policy)   // at start: crash recovery
/// switch try await queue.accept(id: id, sender: labour, recipient: bank, type: type, payload: body, user: user, now: .now) {
/// case .accepted: ...   // 202
/// case .duplicate: ...  // 200
/// case .conflict: ...   // 409
/// }
/// for message in try await queue.lease(recipient: nil, excluding: breakers.blockedRecipients(now: .now), limit: 16,
///                                      leaseDuration: .seconds(60), now: .now, actor: "gateway") { ... }
/// ```
///
/// Schema (`queue-v1`): table `queue_message`, primary key `(sender, id)`; times are integer milliseconds
/// since 1970 (inputs are rounded to the millisecond), so every value read back equals the value written.
public final class SQLiteQueueStore: Sendable {
    /// The audit store whose database and group commit this store shares.
    public let auditStore: SQLiteAuditStore
    /// This gateway instance's name, the `user` of the records it writes as actor `gateway`.
    public let instance: String

    /// Opens the queue in `auditStore`'s database, creating its table when needed (migration `queue-v1`).
    public init(auditStore: SQLiteAuditStore, instance: String = "") throws {
        self.auditStore = auditStore
        self.instance = instance
        var migrator = DatabaseMigrator()
        migrator.registerMigration("queue-v1") { db in
            try db.execute(sql: """
                CREATE TABLE queue_message (
                    "sender" TEXT NOT NULL,
                    "id" TEXT NOT NULL,
                    "recipient" TEXT NOT NULL,
                    "type" TEXT NOT NULL,
                    "payload" BLOB NOT NULL,
                    "payload_hash" TEXT NOT NULL,
                    "accepted_at" INTEGER NOT NULL,
                    "state" TEXT NOT NULL,
                    "lease_token" TEXT,
                    "lease_expires_at" INTEGER,
                    "not_before" INTEGER,
                    "delivered_at" INTEGER,
                    "dead_reason" TEXT,
                    "attempts" INTEGER NOT NULL,
                    "last_error" TEXT,
                    "age_clock_started_at" INTEGER NOT NULL,
                    "last_attempt_at" INTEGER,
                    "last_lease_token" TEXT,
                    PRIMARY KEY ("sender", "id")
                );
                CREATE INDEX queue_message_state_not_before ON queue_message ("state", "not_before");
                CREATE INDEX queue_message_recipient_state ON queue_message ("recipient", "state");
                CREATE INDEX queue_message_id ON queue_message ("id");
                CREATE INDEX queue_message_state_accepted ON queue_message ("state", "accepted_at");
                """)
        }
        migrator.registerMigration("queue-v2-report") { db in
            try db.execute(sql: """
                CREATE TABLE queue_message_report (
                    "sender" TEXT NOT NULL,
                    "id" TEXT NOT NULL,
                    "report" BLOB NOT NULL,
                    PRIMARY KEY ("sender", "id")
                );
                """)
        }
        // Leasing reads one recipient's due messages oldest first: with this index that is a range of it, however
        // many finished messages the table holds (the (recipient, state) index it replaces made every lease visit
        // all of the recipient's rows and sort them, inside the write transaction).
        migrator.registerMigration("queue-v3-lease-order") { db in
            try db.execute(sql: """
                CREATE INDEX queue_message_recipient_state_accepted ON queue_message ("recipient", "state", "accepted_at");
                DROP INDEX queue_message_recipient_state;
                """)
        }
        try auditStore.migrate(migrator)
        try auditStore.migrate(AccountOpeningLedger.migrator)
    }

    // MARK: - Acceptance reports

    /// The acceptance report stored with the message `(sender, id)` (e.g. the records of a participant sync that
    /// were refused), if any.
    public func report(sender: MemberID, id: String) throws -> [UInt8]? {
        try auditStore.read { db in
            try Data.fetchOne(db, sql: "SELECT report FROM queue_message_report WHERE sender = ? AND id = ?",
                              arguments: [sender.value, id]).map { Array($0) }
        }
    }

    // MARK: - Accepting

    /// Accepts a message, idempotently by `(sender, id)`.
    ///
    /// A new `(sender, id)` is stored as `queued` (`.accepted`, audited `message.accepted`, ok, 202). The same
    /// `(sender, id)` with the same payload hash returns the stored message and stores nothing (`.duplicate`,
    /// audited `message.duplicate`, ok, 200); with another payload it returns `.conflict` (audited
    /// `message.conflict`, denied, 409). The audit record has actor = sender, target = type, ref = id; the
    /// payload never enters it. Returns once the row and its record are durable.
    ///
    /// Throws `invalidArgument` naming `id` (not a lowercase UUID) or `type` (empty or over 128 bytes).
    public func accept(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                       user: String, now: Date) async throws -> AcceptResult {
        try await acceptAudited(id: id, sender: sender, recipient: recipient, type: type, payload: payload, user: user, now: now).result
    }

    /// ``accept(id:sender:recipient:type:payload:user:now:)``, also returning the `seq` of the audit record it
    /// wrote (so an HTTP layer can link its request to that record instead of writing a second one).
    ///
    /// `admission` runs inside the same transaction, only for a new message, before it is stored: it stores the
    /// acceptance report and writes the account-opening ledger rows that must commit together with the message,
    /// or throws to refuse it, in which case nothing is stored, no audit record is written here, and the error
    /// reaches the caller.
    ///
    /// `idempotencyBytes`: what idempotency compares when the stored payload is not what the sender posted (a
    /// `vss.participant-sync` is stored without its refused records); the sender's payload by default.
    public func acceptAudited(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                              user: String, now: Date, idempotencyBytes: [UInt8]? = nil,
                              admission: MessageAdmission = MessageAdmission()) async throws -> (result: AcceptResult, auditSeq: Int64) {
        try QueueStorage.validate(id: id)
        guard !type.isEmpty, type.utf8.count <= 128 else { throw QueueStoreError(.invalidArgument, field: "type") }
        let now = QueueStorage.normalize(now)
        let hash = QueueStorage.payloadHash(idempotencyBytes ?? payload)
        let (result, records) = try await auditStore.commit { db -> (AcceptResult, [AuditEvent]) in
            if let existing = try Self.fetch(db, sender: sender, id: id) {
                let result: AcceptResult = existing.payloadHash == hash ? .duplicate(existing) : .conflict
                return (result, [QueueAuditEvents.accept(result, sender: sender.value, user: user, type: type, id: id)])
            }
            if let opening = admission.accountOpening { try AccountOpeningLedger.apply(opening, db) }
            if let report = admission.report {
                try db.execute(sql: "INSERT OR REPLACE INTO queue_message_report (sender, id, report) VALUES (?, ?, ?)",
                               arguments: [sender.value, id, Data(report)])
            }
            let message = QueuedMessage(
                id: id, sender: sender, recipient: recipient, type: type, payload: payload, payloadHash: hash,
                acceptedAt: now, lifecycle: MessageLifecycle(acceptedAt: now))
            try Self.insert(db, message)
            return (.accepted(message), [QueueAuditEvents.accept(.accepted(message), sender: sender.value, user: user, type: type, id: id)])
        }
        return (result, records.last?.seq ?? 0)
    }

    // MARK: - Leasing and settling

    /// Leases up to `limit` due messages, oldest first: `queued` ones and `waiting-retry` ones whose
    /// `notBefore` has passed. Only messages for `recipient` when given; never messages for a member in
    /// `excluding` (recipients whose circuit breaker is open).
    ///
    /// Each message gets a fresh random ``LeaseToken`` through ``MessageLifecycle/lease(token:now:leaseDuration:)``
    /// (one attempt counted) and one `message.leased` audit record (actor = `actor`: `gateway` for push
    /// workers, the recipient for pull; status 0 for push, 200 for pull).
    ///
    /// Selecting and updating happen in one write transaction. SQLite has a single writer, so no other
    /// transaction can lease the same rows in between: there is no need for `SELECT ... FOR UPDATE SKIP LOCKED`.
    ///
    /// `type`, when given, leases only messages of that type (a pull recipient with one consumer per type).
    public func lease(recipient: MemberID?, excluding: Set<MemberID>, limit: Int, leaseDuration: Duration,
                      now: Date, actor: String, type: String? = nil) async throws -> [QueuedMessage] {
        guard limit > 0 else { return [] }
        guard leaseDuration > .zero else { throw QueueStoreError(.invalidArgument, field: "leaseDuration") }
        let now = QueueStorage.normalize(now)
        let nowMS = QueueStorage.milliseconds(now)
        let excluded = excluding.map(\.value).sorted()
        let (leased, _) = try await auditStore.commit { db -> ([QueuedMessage], [AuditEvent]) in
            let (sql, arguments) = Self.leaseQuery(recipient: recipient?.value, type: type, excluded: excluded, now: nowMS, limit: limit)
            let candidates = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.decode)
            var rng = SystemRandomNumberGenerator()
            var leased: [QueuedMessage] = []
            var events: [AuditEvent] = []
            for var message in candidates {
                let token = LeaseToken.random(using: &rng)
                guard case .persist = message.lifecycle.lease(token: token, now: now, leaseDuration: leaseDuration) else { continue }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                try Self.update(db, message)
                leased.append(message)
                events.append(QueueAuditEvents.leased(message, actor: actor, instance: self.instance))
            }
            return (leased, events)
        }
        return leased
    }

    /// The due messages, oldest first, at most `limit`: two ordered index ranges (queued; waiting-retry and due
    /// by `now`), each cut at `limit` and merged by age, so leasing neither visits finished rows nor sorts the
    /// whole backlog (`queue_message_recipient_state_accepted` and `queue_message_state_accepted` give the order).
    static func leaseQuery(recipient: String?, type: String?, excluded: [String], now: Int64, limit: Int)
        -> (sql: String, arguments: StatementArguments)
    {
        var filters = ""
        var filterArguments: StatementArguments = []
        if let recipient {
            filters += #" AND "recipient" = ?"#
            filterArguments += [recipient]
        }
        if let type {
            filters += #" AND "type" = ?"#
            filterArguments += [type]
        }
        if !excluded.isEmpty {
            filters += #" AND "recipient" NOT IN ("# + Array(repeating: "?", count: excluded.count).joined(separator: ", ") + ")"
            filterArguments += StatementArguments(excluded)
        }
        let sql = """
            SELECT \(columns) FROM queue_message WHERE rowid IN (
                SELECT rowid FROM (
                    SELECT rowid FROM queue_message WHERE "state" = 'queued'\(filters)
                    ORDER BY "accepted_at", rowid LIMIT ?)
                UNION ALL
                SELECT rowid FROM (
                    SELECT rowid FROM queue_message WHERE "state" = 'waiting-retry' AND "not_before" <= ?\(filters)
                    ORDER BY "accepted_at", rowid LIMIT ?))
            ORDER BY "accepted_at", rowid LIMIT ?
            """
        var arguments = filterArguments
        arguments += [limit, now]
        arguments += filterArguments
        arguments += [limit, limit]
        return (sql, arguments)
    }

    /// Records the outcome of a push delivery made under lease `token`.
    ///
    /// The outcome is applied with ``MessageLifecycle/record(_:token:now:policy:using:)``: delivered
    /// (`message.delivered`, ok, the HTTP status), retry scheduled (`message.retry-scheduled`, error, the HTTP
    /// status or 0) or dead (`message.dead`, error, the HTTP status or 0). A stale token (the lease was
    /// re-claimed) or a message that is not leased changes nothing and returns the rejection (audited
    /// `message.delivery-rejected`, denied, 409). Actor `gateway`.
    ///
    /// The message is found by `id` and the token (ids are UUIDs; `(sender, id)` is the key). Throws
    /// `notFound` naming `id` when no message has this id.
    public func recordDelivery(id: String, token: LeaseToken, outcome: DeliveryOutcome, now: Date,
                               policy: RetryPolicy) async throws -> MessageLifecycle.Action {
        let now = QueueStorage.normalize(now)
        let (action, _) = try await auditStore.commit { db -> (MessageLifecycle.Action?, [AuditEvent]) in
            guard var message = try Self.fetch(db, id: id, token: token) else { return (nil, []) }
            var rng = SystemRandomNumberGenerator()
            let action = message.lifecycle.record(outcome, token: token, now: now, policy: policy, using: &rng)
            let event = QueueAuditEvents.delivery(action, outcome: outcome, message: message, instance: self.instance)
            switch action {
            case .markDelivered, .scheduleRetry, .markDead: break
            case .reject, .persist, .purge: return (action, [event])
            }
            message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
            try Self.update(db, message)
            return (action, [event])
        }
        guard let action else { throw QueueStoreError(.notFound, field: "id") }
        return action
    }

    /// A pull acknowledgement (`POST /v1/inbox/{id}/ack`) by `recipient` with lease `token`.
    ///
    /// Applied with ``MessageLifecycle/ack(token:now:)``: `.markDelivered` (audited `message.acked`, ok,
    /// 200). A stale or wrong token, or a message that is not leased, changes nothing and returns the
    /// rejection (audited `message.acked`, denied, 409; a repeated acknowledgement is `.reject(.alreadyAcknowledged)`).
    /// A message that does not exist or is for another recipient throws `notFound` naming `id` (audited
    /// `message.acked`, denied, 404), so a member cannot probe others' messages. Actor = `recipient`.
    /// Throws `invalidArgument` naming `id` when it is not a lowercase UUID (nothing audited).
    public func ack(id: String, recipient: MemberID, token: LeaseToken, now: Date) async throws -> MessageLifecycle.Action {
        try QueueStorage.validate(id: id)
        let now = QueueStorage.normalize(now)
        let (action, _) = try await auditStore.commit { db -> (MessageLifecycle.Action?, [AuditEvent]) in
            guard var message = try Self.fetch(db, id: id, token: token, recipient: recipient) else {
                return (nil, [QueueAuditEvents.acked(recipient: recipient.value, message: nil, id: id, accepted: false)])
            }
            let action = message.lifecycle.ack(token: token, now: now)
            guard case .markDelivered = action else {
                return (action, [QueueAuditEvents.acked(recipient: recipient.value, message: message, id: id, accepted: false)])
            }
            message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
            try Self.update(db, message)
            return (action, [QueueAuditEvents.acked(recipient: recipient.value, message: message, id: id, accepted: true)])
        }
        guard let action else { throw QueueStoreError(.notFound, field: "id") }
        return action
    }

    /// Returns every lease that expired by `now` to the queue, or marks the message dead when `policy` says
    /// its attempts or age are used up (``MessageLifecycle/leaseExpired(now:policy:)``). Run periodically
    /// and at start: after a crash, the leases of the crashed workers expire and their messages are
    /// offered again. Audited `message.lease-expired` (error, 0) per message, plus `message.dead` when it
    /// gave up. Actor `gateway`. Returns the number of expired leases handled.
    public func recoverExpiredLeases(now: Date, policy: RetryPolicy) async throws -> Int {
        let now = QueueStorage.normalize(now)
        let nowMS = QueueStorage.milliseconds(now)
        let (count, _) = try await auditStore.commit { db -> (Int, [AuditEvent]) in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM queue_message WHERE "state" = 'leased' AND "lease_expires_at" <= ?
                ORDER BY "accepted_at", rowid
                """, arguments: [nowMS])
            var events: [AuditEvent] = []
            var count = 0
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
                try Self.update(db, message)
                count += 1
                let dead = if case .markDead = action { true } else { false }
                events += QueueAuditEvents.leaseExpired(message, dead: dead, instance: self.instance)
            }
            return (count, events)
        }
        return count
    }

    // MARK: - Operator actions

    /// Operator: puts the dead message(s) with this id back to `queued`, attempts reset and age clock
    /// restarted (``MessageLifecycle/operatorRetry(now:)``). Audited `operator.retry` (actor `operator`,
    /// user = `user`): ok 200 per message retried; denied 409 when the message is not dead, 404 when none
    /// has this id. Returns whether a message was retried. Throws `invalidArgument` naming `id` when it is
    /// not a lowercase UUID.
    public func retryDead(id: String, now: Date, user: String) async throws -> Bool {
        try QueueStorage.validate(id: id)
        let now = QueueStorage.normalize(now)
        let (retried, _) = try await auditStore.commit { db -> (Bool, [AuditEvent]) in
            let messages = try Row.fetchAll(
                db, sql: #"SELECT \#(Self.columns) FROM queue_message WHERE "id" = ? ORDER BY rowid"#, arguments: [id]
            ).map(Self.decode)
            guard !messages.isEmpty else {
                return (false, [AuditEvent(actor: "operator", user: user, action: "operator.retry", ref: id, outcome: .denied, status: 404)])
            }
            var retried = false
            var events: [AuditEvent] = []
            for var message in messages {
                guard case .persist = message.lifecycle.operatorRetry(now: now) else {
                    events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                             ref: message.id, outcome: .denied, status: 409))
                    continue
                }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                try Self.update(db, message)
                retried = true
                events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                         ref: message.id, outcome: .ok, status: 200))
            }
            return (retried, events)
        }
        return retried
    }

    /// Operator: puts every dead message for `recipient` back to `queued` (attempts reset). One
    /// `operator.retry` record (ok, 200) per message. Returns how many were retried.
    public func retryAllDead(recipient: MemberID, now: Date, user: String) async throws -> Int {
        let now = QueueStorage.normalize(now)
        let (count, _) = try await auditStore.commit { db -> (Int, [AuditEvent]) in
            let messages = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM queue_message WHERE "recipient" = ? AND "state" = 'dead'
                ORDER BY "accepted_at", rowid
                """, arguments: [recipient.value]).map(Self.decode)
            var events: [AuditEvent] = []
            for var message in messages {
                guard case .persist = message.lifecycle.operatorRetry(now: now) else { continue }
                message.lifecycle = try QueueStorage.roundTrip(message.lifecycle)
                try Self.update(db, message)
                events.append(AuditEvent(actor: "operator", user: user, action: "operator.retry", target: message.type,
                                         ref: message.id, outcome: .ok, status: 200))
            }
            return (events.count, events)
        }
        return count
    }

    /// Operator: deletes delivered messages delivered before `olderThan`. Each is checked with
    /// ``MessageLifecycle/purge()``. One `operator.purge` record (actor `operator`, target `delivered`,
    /// ref = the count). Returns the count.
    public func purgeDelivered(olderThan: Date, user: String) async throws -> Int {
        let cutoff = QueueStorage.milliseconds(QueueStorage.normalize(olderThan))
        let (count, _) = try await auditStore.commit { db -> (Int, [AuditEvent]) in
            let messages = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM queue_message WHERE "state" = 'delivered' AND "delivered_at" < ?
                """, arguments: [cutoff]).map(Self.decode)
            var count = 0
            for message in messages {
                guard case .purge = message.lifecycle.purge() else { continue }
                try db.execute(sql: #"DELETE FROM queue_message WHERE "sender" = ? AND "id" = ?"#,
                               arguments: [message.sender.value, message.id])
                count += 1
            }
            return (count, [AuditEvent(actor: "operator", user: user, action: "operator.purge", target: "delivered",
                                       ref: String(count), outcome: .ok, status: 200)])
        }
        return count
    }

    // MARK: - Reading

    /// The message with this id (the first accepted when several senders used the same id), or `nil`.
    public func message(id: String) throws -> QueuedMessage? {
        try auditStore.read { db in
            try Row.fetchOne(db, sql: #"SELECT \#(Self.columns) FROM queue_message WHERE "id" = ? ORDER BY rowid LIMIT 1"#,
                             arguments: [id]).map(Self.decode)
        }
    }

    /// Every message with this id (one per sender that used it), oldest first: an HTTP layer that must show
    /// a message only to its sender or recipient filters these rather than trusting the first one.
    public func messages(id: String) throws -> [QueuedMessage] {
        try auditStore.read { db in
            try Row.fetchAll(db, sql: #"SELECT \#(Self.columns) FROM queue_message WHERE "id" = ? ORDER BY rowid"#,
                             arguments: [id]).map(Self.decode)
        }
    }

    /// The message `(sender, id)`, or `nil`.
    public func message(sender: MemberID, id: String) throws -> QueuedMessage? {
        try auditStore.read { db in try Self.fetch(db, sender: sender, id: id) }
    }

    /// Up to `limit` messages, oldest first, filtered by internal state, recipient and type when given.
    public func list(state: MessageState.Kind?, recipient: MemberID?, type: String?, limit: Int) throws -> [QueuedMessage] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let state {
            conditions.append(#""state" = ?"#)
            arguments += [state.rawValue]
        }
        if let recipient {
            conditions.append(#""recipient" = ?"#)
            arguments += [recipient.value]
        }
        if let type {
            conditions.append(#""type" = ?"#)
            arguments += [type]
        }
        var sql = "SELECT \(Self.columns) FROM queue_message"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += #" ORDER BY "accepted_at", rowid LIMIT ?"#
        arguments += [max(0, limit)]
        let query = sql
        let queryArguments = arguments
        return try auditStore.read { db in
            try Row.fetchAll(db, sql: query, arguments: queryArguments).map(Self.decode)
        }
    }

    /// Message counts by internal state and recipient (for metrics), sorted by state then recipient.
    public func depth() throws -> [(state: MessageState.Kind, recipient: MemberID, count: Int)] {
        try auditStore.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT "state", "recipient", COUNT(*) FROM queue_message GROUP BY "state", "recipient" ORDER BY "state", "recipient"
                """)
            return try rows.map { row in
                guard let state = MessageState.Kind(rawValue: try row.decode(String.self, atIndex: 0)) else {
                    throw QueueStoreError(.corruptRow, field: "state")
                }
                guard let recipient = try? MemberID(try row.decode(String.self, atIndex: 1)) else {
                    throw QueueStoreError(.corruptRow, field: "recipient")
                }
                return (state: state, recipient: recipient, count: try row.decode(Int.self, atIndex: 2))
            }
        }
    }

    /// When a worker should look again: `now` when a message is `queued`, otherwise the earliest
    /// retry `notBefore` or lease expiry (for ``recoverExpiredLeases(now:policy:)``); `nil` when nothing is pending.
    public func nextDueDate(now: Date) throws -> Date? {
        let now = QueueStorage.normalize(now)
        return try auditStore.read { db -> Date? in
            if try Bool.fetchOne(db.cachedStatement(sql: #"SELECT EXISTS (SELECT 1 FROM queue_message WHERE "state" = 'queued')"#)) == true {
                return now
            }
            let earliest = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT MIN(t) FROM (
                    SELECT MIN("not_before") AS t FROM queue_message WHERE "state" = 'waiting-retry'
                    UNION ALL
                    SELECT MIN("lease_expires_at") AS t FROM queue_message WHERE "state" = 'leased')
                """))
            return earliest.map(QueueStorage.date)
        }
    }

    // MARK: - Rows

    static let columns = """
        "sender", "id", "recipient", "type", "payload", "payload_hash", "accepted_at", "state", "lease_token", \
        "lease_expires_at", "not_before", "delivered_at", "dead_reason", "attempts", "last_error", \
        "age_clock_started_at", "last_attempt_at", "last_lease_token"
        """

    /// ``columns`` with an empty blob in the payload's place, for settling a delivery (outcome or acknowledgement):
    /// that reads the lifecycle and writes it back, and would otherwise read every payload back from the database.
    /// Decoded by ``decode(_:)`` like ``columns``; the message it gives has an empty ``QueuedMessage/payload``.
    static let columnsWithoutPayload = """
        "sender", "id", "recipient", "type", x'', "payload_hash", "accepted_at", "state", "lease_token", \
        "lease_expires_at", "not_before", "delivered_at", "dead_reason", "attempts", "last_error", \
        "age_clock_started_at", "last_attempt_at", "last_lease_token"
        """

    private static func fetch(_ db: Database, sender: MemberID, id: String) throws -> QueuedMessage? {
        try Row.fetchOne(db.cachedStatement(sql: #"SELECT \#(columns) FROM queue_message WHERE "sender" = ? AND "id" = ?"#),
                         arguments: [sender.value, id]).map(decode)
    }

    /// The message with `id` that `token` refers to: the one whose current (or last) lease token is
    /// `token`; otherwise, when exactly one message has this id, that one (so the lifecycle can say why the
    /// token is refused). With `recipient`, only that recipient's messages count. Its payload is left empty
    /// (``columnsWithoutPayload``): settling a delivery needs the lifecycle, never the payload.
    private static func fetch(_ db: Database, id: String, token: LeaseToken, recipient: MemberID? = nil) throws -> QueuedMessage? {
        var sql = #"SELECT \#(columnsWithoutPayload) FROM queue_message WHERE "id" = ?"#
        var arguments: StatementArguments = [id]
        if let recipient {
            sql += #" AND "recipient" = ?"#
            arguments += [recipient.value]
        }
        let messages = try Row.fetchAll(db.cachedStatement(sql: sql + " ORDER BY rowid"), arguments: arguments).map(decode)
        if let current = messages.first(where: { $0.lifecycle.leaseToken == token }) { return current }
        if let last = messages.first(where: { $0.lifecycle.lastLeaseToken == token }) { return last }
        return messages.count == 1 ? messages[0] : nil
    }

    private static func insert(_ db: Database, _ message: QueuedMessage) throws {
        try db.cachedStatement(sql: """
            INSERT INTO queue_message (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments([
                message.sender.value, message.id, message.recipient.value, message.type, Data(message.payload),
                message.payloadHash, QueueStorage.milliseconds(message.acceptedAt),
            ] as [(any DatabaseValueConvertible)?]) + lifecycleArguments(message.lifecycle))
    }

    /// Writes the lifecycle columns of `(sender, id)`.
    private static func update(_ db: Database, _ message: QueuedMessage) throws {
        try db.cachedStatement(sql: """
            UPDATE queue_message SET "state" = ?, "lease_token" = ?, "lease_expires_at" = ?, "not_before" = ?,
                "delivered_at" = ?, "dead_reason" = ?, "attempts" = ?, "last_error" = ?, "age_clock_started_at" = ?,
                "last_attempt_at" = ?, "last_lease_token" = ?
            WHERE "sender" = ? AND "id" = ?
            """).execute(arguments: lifecycleArguments(message.lifecycle) + [message.sender.value, message.id])
        guard db.changesCount == 1 else { throw QueueStoreError(.notFound, field: "id") }
    }

    private static func lifecycleArguments(_ lifecycle: MessageLifecycle) -> StatementArguments {
        let stored = StoredLifecycle(lifecycle)
        let values: [(any DatabaseValueConvertible)?] = [
            stored.state, stored.leaseToken, stored.leaseExpiresAt, stored.notBefore, stored.deliveredAt,
            stored.deadReason, stored.attempts, stored.lastError, stored.ageClockStartedAt, stored.lastAttemptAt,
            stored.lastLeaseToken,
        ]
        return StatementArguments(values)
    }

    /// Decodes a row selected as ``columns`` (by position: looking columns up by name costs a lowercased copy of
    /// each name per row).
    private static func decode(_ row: Row) throws -> QueuedMessage {
        try StoredMessage(
            sender: row.decode(String.self, atIndex: 0), id: row.decode(String.self, atIndex: 1),
            recipient: row.decode(String.self, atIndex: 2), type: row.decode(String.self, atIndex: 3),
            payload: [UInt8](row.decode(Data.self, atIndex: 4)),
            payloadHash: row.decode(String.self, atIndex: 5),
            acceptedAt: row.decode(Int64.self, atIndex: 6),
            lifecycle: StoredLifecycle(
                state: row.decode(String.self, atIndex: 7),
                leaseToken: row.decode(String?.self, atIndex: 8),
                leaseExpiresAt: row.decode(Int64?.self, atIndex: 9),
                notBefore: row.decode(Int64?.self, atIndex: 10),
                deliveredAt: row.decode(Int64?.self, atIndex: 11),
                deadReason: row.decode(String?.self, atIndex: 12),
                attempts: row.decode(Int.self, atIndex: 13),
                lastError: row.decode(String?.self, atIndex: 14),
                ageClockStartedAt: row.decode(Int64.self, atIndex: 15),
                lastAttemptAt: row.decode(Int64?.self, atIndex: 16),
                lastLeaseToken: row.decode(String?.self, atIndex: 17))
        ).decoded()
    }
}
