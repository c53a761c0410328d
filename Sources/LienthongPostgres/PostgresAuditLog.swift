public import Crypto
import Foundation
public import LienthongAudit
import Logging
import Synchronization
public import PostgresNIO

/// The audit log in PostgreSQL: one hash chain shared by every gateway instance on the database.
///
/// ```swift
/// let audit = try await PostgresAuditLog(database: database, keys: keys)
/// let record = try await audit.append(event)            // durable when this returns
/// let (value, records) = try await audit.commit { connection in
///     try await connection.query("UPDATE ...", logger: logger)
///     return (value, [AuditEvent(actor: "gateway", action: "message.delivered", outcome: .ok, status: 200)])
/// }
/// let result = try await audit.verify(publicKey: keys.signingKey.publicKey)
/// ```
///
/// Every write transaction that appends records locks the single row of `audit_head`
/// (`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`), builds the records from that head with
/// ``AuditChain``, inserts them, moves the head and writes the due checkpoints (every record whose `seq` is a
/// multiple of `checkpointEvery`, signed with ``AuditCheckpoint/sign(record:ts:key:)``), then commits. The head
/// lock serialises appends across connections, processes and machines: there is one chain, `seq` has no gaps, and
/// the chain order is the commit order. In ``commit(_:)`` the caller's work runs first and the head is locked
/// after it, just before the records are built, so the lock is held only for the append itself (and a
/// transaction holding the head never waits for another store's rows: no lock cycles).
/// `ts` is taken under the head lock, so it is in chain order as far as the instances' clocks agree.
///
/// Group commit within a process: concurrent calls are queued and run together, each in a savepoint of one
/// transaction, with one head lock and one commit for the batch (up to `maxBatch` callers); each caller gets its
/// records back after that commit. Checkpoints are also written by ``checkpointIfDue()`` when `checkpointInterval` has
/// passed (each instance runs its own timer; the head lock lets one at a time write, and a head already checkpointed
/// is left alone). Not here: archiving to files and backups (PostgreSQL's own tools, `pg_dump` and WAL archiving,
/// keep the tables; `lienthong audit export` reads them through ``records(from:limit:)``).
///
/// Schema (`audit-v1`): `audit_record` (the columns of the SQLite store, `seq bigint PRIMARY KEY`),
/// `audit_checkpoint` (`seq`, `hash`, `ts`, `key_id`, `sig`) and `audit_head` (one row, `id = 1`).
public final class PostgresAuditLog: AuditLog {
    /// The database the log lives in (shared with other stores, e.g. the queue).
    public let database: PostgresDatabase
    private let appender: AuditAppender
    private let groupCommit: PostgresGroupCommit
    private let checkpointInterval: Duration
    private let lastCheckpointAt: Mutex<ContinuousClock.Instant>

    /// The record column list, in ``AuditRecord`` field order.
    static let recordColumns = #""seq", "ts", "actor", "user", "action", "target", "ref", "purpose", "outcome", "status", "subject", "prev", "hash""#

    /// The schema migrations of the audit log.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(name: "audit-v1", statements: [
            """
            CREATE TABLE audit_record (
                "seq" bigint PRIMARY KEY,
                "ts" text NOT NULL,
                "actor" text NOT NULL,
                "user" text NOT NULL,
                "action" text NOT NULL,
                "target" text NOT NULL,
                "ref" text NOT NULL,
                "purpose" text NOT NULL,
                "outcome" text NOT NULL,
                "status" bigint NOT NULL,
                "subject" text NOT NULL,
                "prev" text NOT NULL,
                "hash" text NOT NULL
            )
            """,
            """
            CREATE TABLE audit_checkpoint (
                "seq" bigint PRIMARY KEY,
                "hash" text NOT NULL,
                "ts" text NOT NULL,
                "key_id" text NOT NULL,
                "sig" text NOT NULL
            )
            """,
            """
            CREATE TABLE audit_head (
                "id" smallint PRIMARY KEY CHECK ("id" = 1),
                "seq" bigint NOT NULL,
                "hash" text NOT NULL
            )
            """,
            "INSERT INTO audit_head (\"id\", \"seq\", \"hash\") VALUES (1, 0, '\(AuditRecord.genesisHash)')",
        ]),
    ]

    /// Opens the audit log in `database` (started), applying its migrations when needed.
    ///
    /// - Parameters:
    ///   - database: the database, already started.
    ///   - keys: the subject key and the checkpoint signing key.
    ///   - checkpointEvery: write a checkpoint at every record whose `seq` is a multiple of this (≥ 1).
    ///   - checkpointInterval: ``checkpointIfDue()`` writes one when this much time has passed since the last.
    ///   - maxBatch: the most callers group-committed in one transaction (1: one transaction per call).
    ///   - maxConcurrentBatches: how many batch transactions may run at once (each holds one pooled connection).
    public init(
        database: PostgresDatabase, keys: AuditKeys, checkpointEvery: Int = 1000, checkpointInterval: Duration = .seconds(60),
        maxBatch: Int = 64, maxConcurrentBatches: Int = 2
    ) async throws {
        precondition(checkpointEvery >= 1, "checkpointEvery must be at least 1")
        self.database = database
        self.checkpointInterval = checkpointInterval
        self.lastCheckpointAt = Mutex(ContinuousClock.now)
        let appender = AuditAppender(
            hasher: SubjectHasher(key: keys.subjectKey), signingKey: keys.signingKey,
            checkpointEvery: Int64(checkpointEvery), logger: database.logger)
        self.appender = appender
        self.groupCommit = PostgresGroupCommit(
            database: database, writer: appender, maxBatch: maxBatch, maxConcurrentBatches: maxConcurrentBatches)
        try await database.migrate(Self.migrations)
    }

    private var logger: Logger { database.logger }

    // MARK: - Writing

    /// Appends one record; returns it once its transaction has committed.
    public func append(_ event: AuditEvent) async throws -> AuditRecord {
        let records = try await append([event])
        guard let record = records.first else { throw PostgresStoreError(.unexpectedState, field: "audit_record") }
        return record
    }

    /// Appends several records, contiguous and in one transaction; returns them once committed.
    public func append(_ events: [AuditEvent]) async throws -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        return try await groupCommit.submit(isolated: false) { _ in ((), events) }.records
    }

    /// Runs `work` and appends the audit events it returns in the same READ COMMITTED transaction, so a state
    /// change and its evidence commit together or not at all. `work` runs in a savepoint of a group-committed
    /// transaction: if it throws, only its own changes are rolled back and only this caller fails. `work` must
    /// not commit, roll back or change the isolation level itself.
    ///
    /// ```swift
    /// let (inserted, records) = try await audit.commit { connection in
    ///     try await connection.query("INSERT INTO ...", logger: logger)
    ///     return (true, [AuditEvent(actor: sender, action: "message.accepted", outcome: .ok, status: 202)])
    /// }
    /// ```
    public func commit<T: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> (T, [AuditEvent])
    ) async throws -> (T, [AuditRecord]) {
        let (value, records) = try await groupCommit.submit(isolated: true) { connection in
            let (value, events) = try await work(connection)
            return (value, events)
        }
        guard let value = value as? T else { throw PostgresStoreError(.unexpectedState, field: "commit") }
        return (value, records)
    }

    /// Writes a checkpoint for the current head now, unless the head is already checkpointed (or the log is
    /// empty). Returns the checkpoint written, if any. Serialised with appends by the head lock.
    @discardableResult
    public func checkpoint() async throws -> AuditCheckpoint? {
        let appender = self.appender
        let checkpoint = try await database.withTransaction { connection in try await appender.checkpointHead(connection) }
        lastCheckpointAt.withLock { $0 = ContinuousClock.now }
        return checkpoint
    }

    /// Writes a checkpoint for the current head if `checkpointInterval` has passed since this instance last
    /// wrote one and the head is not checkpointed yet. Returns the checkpoint written, if any.
    @discardableResult
    public func checkpointIfDue() async throws -> AuditCheckpoint? {
        let now = ContinuousClock.now
        guard lastCheckpointAt.withLock({ now - $0 >= checkpointInterval }) else { return nil }
        return try await checkpoint()
    }

    /// Whether the database answers and takes writes now (a read-write transaction that locks the chain head
    /// with `NOWAIT` would block appends, so this only checks that the server is up and not read-only).
    public func isWritable() async -> Bool {
        do {
            let rows = try await database.client.query("SELECT pg_is_in_recovery()", logger: logger).collect()
            return try rows.first?.makeRandomAccess()[0].decode(Bool.self) == false
        } catch {
            logger.warning("audit log not writable", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return false
        }
    }

    // MARK: - Reading

    /// The `seq` of the last record (0 when empty).
    public func lastSeq() async throws -> Int64 {
        let rows = try await database.client.query("SELECT seq FROM audit_head WHERE id = 1", logger: logger).collect()
        return try rows.first?.makeRandomAccess()[0].decode(Int64.self) ?? 0
    }

    /// Up to `limit` records with `seq >= from`, in order.
    public func records(from: Int64 = 1, limit: Int = 1000) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.recordColumns) FROM audit_record WHERE seq >= \(from) ORDER BY seq LIMIT \(max(0, limit))
            """, logger: logger)
        for try await row in rows { records.append(try Self.record(row)) }
        return records
    }

    /// All checkpoints, by `seq`.
    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await Self.fetchCheckpoints(database.client.query(
            #"SELECT "seq", "hash", "ts", "key_id", "sig" FROM audit_checkpoint ORDER BY seq"#, logger: logger))
    }

    /// Verifies the whole log (hashes, links, `seq` contiguity from 1, checkpoints) against the checkpoint key with
    /// ``AuditVerifier``, streaming the records from one snapshot (a REPEATABLE READ read-only transaction).
    public func verify(publicKey: P256.Signing.PublicKey) async throws -> AuditVerification {
        let logger = self.logger
        return try await database.withSnapshot { connection in
            let checkpoints = try await Self.fetchCheckpoints(connection.query(
                #"SELECT "seq", "hash", "ts", "key_id", "sig" FROM audit_checkpoint ORDER BY seq"#, logger: logger))
            var verifier = AuditVerifier(publicKey: publicKey, checkpoints: checkpoints)
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.recordColumns) FROM audit_record ORDER BY seq", logger: logger)
            for try await row in rows {
                // Keep draining the stream after the result is settled: the connection must finish the query.
                guard !verifier.isSettled else { continue }
                do {
                    verifier.feed(try Self.record(row))
                } catch {
                    verifier.feedUnreadableRecord(reason: "row cannot be decoded")
                }
            }
            return verifier.finish()
        }
    }

    private static func fetchCheckpoints(_ rows: PostgresRowSequence) async throws -> [AuditCheckpoint] {
        var checkpoints: [AuditCheckpoint] = []
        for try await row in rows {
            let row = row.makeRandomAccess()
            checkpoints.append(AuditCheckpoint(
                seq: try row[0].decode(Int64.self), hash: try row[1].decode(String.self),
                ts: try row[2].decode(String.self), keyId: try row[3].decode(String.self),
                sig: try row[4].decode(String.self)))
        }
        return checkpoints
    }

    static func record(_ row: PostgresRow) throws -> AuditRecord {
        let row = row.makeRandomAccess()
        guard let outcome = AuditOutcome(rawValue: try row[8].decode(String.self)) else {
            throw PostgresStoreError(.corruptRow, field: "audit_record.outcome")
        }
        return AuditRecord(
            seq: try row[0].decode(Int64.self), ts: try row[1].decode(String.self),
            actor: try row[2].decode(String.self), user: try row[3].decode(String.self),
            action: try row[4].decode(String.self), target: try row[5].decode(String.self),
            ref: try row[6].decode(String.self), purpose: try row[7].decode(String.self),
            outcome: outcome, status: Int(try row[9].decode(Int64.self)),
            subject: try row[10].decode(String.self), prev: try row[11].decode(String.self),
            hash: try row[12].decode(String.self))
    }
}

/// Builds, links, hashes and inserts records (and due checkpoints) inside an open transaction, from the chain
/// head it locks.
struct AuditAppender: Sendable {
    let hasher: SubjectHasher
    let signingKey: P256.Signing.PrivateKey
    let checkpointEvery: Int64
    let logger: Logger

    /// Locks the chain head for the rest of the transaction and returns it.
    func lockHead(_ connection: PostgresConnection) async throws -> AuditChain {
        let rows = try await connection.query(
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", logger: logger).collect()
        guard let row = rows.first?.makeRandomAccess() else { throw PostgresStoreError(.unexpectedState, field: "audit_head") }
        return AuditChain(lastSeq: try row[0].decode(Int64.self), lastHash: try row[1].decode(String.self))
    }

    /// Appends `events` inside the caller's open transaction: head lock, records, head update, checkpoints.
    func write(_ events: [AuditEvent], on connection: PostgresConnection) async throws -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        var chain = try await lockHead(connection)
        var records: [AuditRecord] = []
        records.reserveCapacity(events.count)
        for event in events {
            records.append(chain.append(event, ts: AuditTimestamp.now(), subjectHasher: hasher))
        }
        try await connection.query("""
            INSERT INTO audit_record (\(unescaped: PostgresAuditLog.recordColumns))
            SELECT * FROM unnest(\(records.map(\.seq))::bigint[], \(records.map(\.ts))::text[],
                \(records.map(\.actor))::text[], \(records.map(\.user))::text[], \(records.map(\.action))::text[],
                \(records.map(\.target))::text[], \(records.map(\.ref))::text[], \(records.map(\.purpose))::text[],
                \(records.map(\.outcome.rawValue))::text[], \(records.map { Int64($0.status) })::bigint[],
                \(records.map(\.subject))::text[], \(records.map(\.prev))::text[], \(records.map(\.hash))::text[])
            """, logger: logger)
        try await connection.query(
            "UPDATE audit_head SET seq = \(chain.lastSeq), hash = \(chain.lastHash) WHERE id = 1", logger: logger)
        var checkpoints: [AuditCheckpoint] = []
        for record in records where record.seq % checkpointEvery == 0 {
            checkpoints.append(try AuditCheckpoint.sign(record: record, ts: AuditTimestamp.now(), key: signingKey))
        }
        try await insertCheckpoints(checkpoints, on: connection)
        return records
    }

    /// Writes a checkpoint for the head unless it is already checkpointed or the log is empty.
    func checkpointHead(_ connection: PostgresConnection) async throws -> AuditCheckpoint? {
        let head = try await lockHead(connection)
        guard head.lastSeq > 0 else { return nil }
        let last = try await connection.query(
            "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoint", logger: logger).collect()
        let lastCheckpointSeq = try last.first?.makeRandomAccess()[0].decode(Int64.self) ?? 0
        guard head.lastSeq > lastCheckpointSeq else { return nil }
        let rows = try await connection.query("""
            SELECT \(unescaped: PostgresAuditLog.recordColumns) FROM audit_record WHERE seq = \(head.lastSeq)
            """, logger: logger).collect()
        guard let row = rows.first else { throw PostgresStoreError(.unexpectedState, field: "audit_head") }
        let checkpoint = try AuditCheckpoint.sign(record: try PostgresAuditLog.record(row), ts: AuditTimestamp.now(), key: signingKey)
        try await insertCheckpoints([checkpoint], on: connection)
        return checkpoint
    }

    private func insertCheckpoints(_ checkpoints: [AuditCheckpoint], on connection: PostgresConnection) async throws {
        for checkpoint in checkpoints {
            try await connection.query("""
                INSERT INTO audit_checkpoint ("seq", "hash", "ts", "key_id", "sig")
                VALUES (\(checkpoint.seq), \(checkpoint.hash), \(checkpoint.ts), \(checkpoint.keyId), \(checkpoint.sig))
                ON CONFLICT ("seq") DO NOTHING
                """, logger: logger)
        }
    }
}
