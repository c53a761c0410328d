public import Crypto
public import Foundation
public import GRDB
public import Logging
import Synchronization

/// The audit log in an SQLite file (GRDB `DatabasePool`, WAL, `synchronous = FULL`).
///
/// ```swift
/// let store = try SQLiteAuditStore(path: "/var/lib/lienthong/audit.sqlite", keys: keys)
/// let record = try await store.append(event)     // durable when this returns
/// let result = try store.verify(publicKey: keys.signingKey.publicKey)
/// ```
///
/// Appends use group commit: concurrent callers are queued and written together in one write
/// transaction by a single writer loop; each caller gets its record back after that transaction
/// committed. The chain head is read from the database inside every write transaction, so it
/// survives restarts (and another process appending to the same file cannot fork the chain).
///
/// A checkpoint is written in the same transaction whenever a record's `seq` is a multiple of
/// `checkpointEvery`; ``checkpointIfDue()`` (called periodically by the gateway) writes one for the
/// current head when `checkpointInterval` elapsed since the last and new records exist.
///
/// Schema: `audit_record` (`seq INTEGER PRIMARY KEY` and one column per SPEC field) and
/// `audit_checkpoint` (`seq INTEGER PRIMARY KEY`, `hash`, `ts`, `key_id`, `sig`).
public final class SQLiteAuditStore: Sendable {
    let pool: DatabasePool
    let appender: GroupCommitAppender
    let writer: AuditBatchWriter
    private let checkpointInterval: Duration
    /// When the last checkpoint was written (or the store opened). Protected by the mutex.
    private let lastCheckpointAt: Mutex<ContinuousClock.Instant>
    private let logger: Logger

    /// The column list, in ``AuditRecord`` field order.
    static let recordColumns = #""seq", "ts", "actor", "user", "action", "target", "ref", "purpose", "outcome", "status", "subject", "prev", "hash""#

    /// Opens (creating if needed) the audit database at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - keys: the subject key and the checkpoint signing key.
    ///   - checkpointEvery: write a checkpoint at every record whose `seq` is a multiple of this (≥ 1).
    ///   - checkpointInterval: the minimum time between timer checkpoints (``checkpointIfDue()``).
    ///   - logger: where store-level events go (never record contents).
    public init(
        path: String, keys: AuditKeys, checkpointEvery: Int = 1000, checkpointInterval: Duration = .seconds(60),
        logger: Logger = Logger(label: "lienthong.audit")
    ) throws {
        precondition(checkpointEvery >= 1, "checkpointEvery must be at least 1")
        var configuration = Configuration()
        configuration.label = "lienthong.audit"
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool.init runs `PRAGMA synchronous = NORMAL` in setUpWALMode(), after
        // Configuration.prepareDatabase; set FULL afterwards on the (single, long-lived) writer connection.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE audit_record (
                    "seq" INTEGER PRIMARY KEY,
                    "ts" TEXT NOT NULL,
                    "actor" TEXT NOT NULL,
                    "user" TEXT NOT NULL,
                    "action" TEXT NOT NULL,
                    "target" TEXT NOT NULL,
                    "ref" TEXT NOT NULL,
                    "purpose" TEXT NOT NULL,
                    "outcome" TEXT NOT NULL,
                    "status" INTEGER NOT NULL,
                    "subject" TEXT NOT NULL,
                    "prev" TEXT NOT NULL,
                    "hash" TEXT NOT NULL
                );
                CREATE TABLE audit_checkpoint (
                    "seq" INTEGER PRIMARY KEY,
                    "hash" TEXT NOT NULL,
                    "ts" TEXT NOT NULL,
                    "key_id" TEXT NOT NULL,
                    "sig" TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("audit-archive-v1") { db in
            try db.execute(sql: SQLiteAuditStore.archiveTableSQL)
        }
        try migrator.migrate(pool)
        let head = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_record") } ?? 0
        logger.info("audit store opened", metadata: ["path": "\(path)", "lastSeq": "\(head)"])

        self.pool = pool
        self.logger = logger
        self.checkpointInterval = checkpointInterval
        self.lastCheckpointAt = Mutex(ContinuousClock.now)
        let writer = AuditBatchWriter(
            hasher: SubjectHasher(key: keys.subjectKey), signingKey: keys.signingKey,
            checkpointEvery: Int64(checkpointEvery))
        self.writer = writer
        self.appender = GroupCommitAppender(pool: pool, writer: writer, logger: logger)
    }

    // MARK: - Writing

    /// Appends one record; returns it once its transaction has committed.
    public func append(_ event: AuditEvent) async throws -> AuditRecord {
        let records = try await appender.append([event])
        return records[0]
    }

    /// Appends several records, contiguous and in one transaction; returns them once committed.
    public func appendBatch(_ events: [AuditEvent]) async throws -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        return try await appender.append(events)
    }

    /// Runs `work` and appends the audit events it returns, durably and atomically together: both are in
    /// the same group-committed transaction (`synchronous = FULL`), so a state change and its evidence are
    /// never one without the other. Other stores (the queue) keep their tables in this database and write
    /// through here. If `work` throws, its own changes are rolled back (a savepoint) and only this caller fails.
    ///
    /// ```swift
    /// let (inserted, records) = try await store.commit { db in
    ///     try db.execute(sql: "INSERT INTO message ...", arguments: [...])
    ///     return (true, [AuditEvent(actor: sender, action: "message.accepted", outcome: .ok, status: 202)])
    /// }
    /// ```
    public func commit<T: Sendable>(
        _ work: @escaping @Sendable (Database) throws -> (T, [AuditEvent])
    ) async throws -> (T, [AuditRecord]) {
        try await appender.commit(work)
    }

    /// Reads from a snapshot of the database (for stores sharing it, e.g. the queue).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Applies another store's schema migrations to this database (outside any group commit). GRDB keeps
    /// one migration table per database: name migrations with the store's prefix (`queue-v1`), never `v1`.
    public func migrate(_ migrator: DatabaseMigrator) throws {
        try migrator.migrate(pool)
    }

    /// Writes a checkpoint for the current head if `checkpointInterval` has elapsed since the last
    /// checkpoint and the head is not checkpointed yet. Returns the checkpoint written, if any.
    @discardableResult
    public func checkpointIfDue() async throws -> AuditCheckpoint? {
        let now = ContinuousClock.now
        let due = lastCheckpointAt.withLock { now - $0 >= checkpointInterval }
        guard due else { return nil }
        return try await checkpoint()
    }

    /// Writes a checkpoint for the current head now, unless the head is already checkpointed (or the
    /// log is empty). Returns the checkpoint written, if any.
    @discardableResult
    public func checkpoint() async throws -> AuditCheckpoint? {
        let writer = self.writer
        let checkpoint = try await pool.write { db in try writer.checkpointHead(db) }
        lastCheckpointAt.withLock { $0 = ContinuousClock.now }
        return checkpoint
    }

    /// Counters of the group-commit writer since the store was opened.
    public func statistics() async -> AuditStoreStatistics {
        await appender.statistics
    }

    // MARK: - Reading

    /// The `synchronous` pragma of the writer connection (2 = FULL).
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Whether the store can take its write lock now (for readiness probes).
    public func isWritable() -> Bool {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "ROLLBACK")
            }
            return true
        } catch {
            logger.warning("audit store not writable", metadata: ["error": "\(type(of: error))"])
            return false
        }
    }

    /// The `seq` of the last record (0 when empty).
    public func lastSeq() throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_record") ?? Self.archiveAnchor(db)?.seq
        } ?? 0
    }

    /// Up to `limit` records with `seq >= from`, in order.
    public func records(from: Int64 = 1, limit: Int = 1000) throws -> [AuditRecord] {
        try pool.read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(Self.recordColumns) FROM audit_record WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [from, limit])
            var records: [AuditRecord] = []
            while let row = try cursor.next() { records.append(try Self.record(row)) }
            return records
        }
    }

    /// All checkpoints, by `seq`.
    public func checkpoints() throws -> [AuditCheckpoint] {
        try pool.read { db in try Self.fetchCheckpoints(db) }
    }

    /// Verifies the whole log (hashes, links, `seq` contiguity, checkpoints) against the checkpoint
    /// key, streaming rows from one read snapshot. When early records were archived, verification starts
    /// from the archive anchor (the last archived segment's end) instead of genesis; see
    /// ``verify(publicKey:archiveDirectory:)`` for the segments themselves.
    public func verify(publicKey: P256.Signing.PublicKey) throws -> AuditVerification {
        try pool.read { db in try Self.verifyLive(db, publicKey: publicKey) }
    }

    /// Verifies the live tables of `db` from the archive anchor (genesis when nothing is archived).
    static func verifyLive(_ db: Database, publicKey: P256.Signing.PublicKey) throws -> AuditVerification {
        let anchor = try archiveAnchor(db)
        var verifier = AuditVerifier(
            publicKey: publicKey, checkpoints: try Self.fetchCheckpoints(db),
            anchorSeq: anchor?.seq ?? 0, anchorHash: anchor?.hash ?? AuditRecord.genesisHash)
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.recordColumns) FROM audit_record ORDER BY seq")
        while let row = try cursor.next() {
            do {
                verifier.feed(try Self.record(row))
            } catch {
                verifier.feedUnreadableRecord(reason: "row cannot be decoded")
            }
            if verifier.isSettled { break }
        }
        return verifier.finish()
    }

    /// Writes all records as JSON Lines (``AuditExport`` format) to `handle`; returns the count.
    @discardableResult
    public func export(to handle: FileHandle) throws -> Int {
        try pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.recordColumns) FROM audit_record ORDER BY seq")
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            var count = 0
            while let row = try cursor.next() {
                AuditExport.appendLine(for: try Self.record(row), to: &buffer)
                count += 1
                if buffer.count >= 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            return count
        }
    }

    /// Writes all records as JSON Lines to a new (or truncated) file at `url`; returns the count.
    @discardableResult
    public func export(to url: URL) throws -> Int {
        let handle = try Self.createFile(url)
        defer { try? handle.close() }
        let count = try export(to: handle)
        try handle.synchronize()
        return count
    }

    /// Writes all checkpoints as JSON Lines to `handle`; returns the count.
    @discardableResult
    public func exportCheckpoints(to handle: FileHandle) throws -> Int {
        let checkpoints = try checkpoints()
        var buffer: [UInt8] = []
        for checkpoint in checkpoints { buffer.append(contentsOf: AuditExport.line(for: checkpoint)) }
        try handle.write(contentsOf: buffer)
        return checkpoints.count
    }

    /// Writes all checkpoints as JSON Lines to a new (or truncated) file at `url`; returns the count.
    @discardableResult
    public func exportCheckpoints(to url: URL) throws -> Int {
        let handle = try Self.createFile(url)
        defer { try? handle.close() }
        let count = try exportCheckpoints(to: handle)
        try handle.synchronize()
        return count
    }

    private static func createFile(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw AuditError(code: .ioFailure, detail: "\(url.path): cannot create")
        }
        return try FileHandle(forWritingTo: url)
    }

    static func fetchCheckpoints(_ db: Database) throws -> [AuditCheckpoint] {
        let rows = try Row.fetchCursor(db, sql: #"SELECT "seq", "hash", "ts", "key_id", "sig" FROM audit_checkpoint ORDER BY seq"#)
        var checkpoints: [AuditCheckpoint] = []
        while let row = try rows.next() {
            checkpoints.append(AuditCheckpoint(
                seq: try row.decode(Int64.self, atIndex: 0), hash: try row.decode(String.self, atIndex: 1),
                ts: try row.decode(String.self, atIndex: 2), keyId: try row.decode(String.self, atIndex: 3),
                sig: try row.decode(String.self, atIndex: 4)))
        }
        return checkpoints
    }

    private static func outcome(_ row: Row) throws -> AuditOutcome {
        guard let outcome = AuditOutcome(rawValue: try row.decode(String.self, atIndex: 8)) else {
            throw AuditError(code: .corruptStore, detail: "audit_record.outcome is not ok, denied or error")
        }
        return outcome
    }

    static func record(_ row: Row) throws -> AuditRecord {
        AuditRecord(
            seq: try row.decode(Int64.self, atIndex: 0), ts: try row.decode(String.self, atIndex: 1),
            actor: try row.decode(String.self, atIndex: 2), user: try row.decode(String.self, atIndex: 3),
            action: try row.decode(String.self, atIndex: 4), target: try row.decode(String.self, atIndex: 5),
            ref: try row.decode(String.self, atIndex: 6), purpose: try row.decode(String.self, atIndex: 7),
            outcome: try outcome(row), status: try row.decode(Int.self, atIndex: 9),
            subject: try row.decode(String.self, atIndex: 10), prev: try row.decode(String.self, atIndex: 11),
            hash: try row.decode(String.self, atIndex: 12))
    }
}

/// Counters of the group-commit writer.
public struct AuditStoreStatistics: Sendable, Hashable {
    /// Records appended since the store was opened.
    public var recordsAppended: Int
    /// Write transactions that appended records.
    public var writeTransactions: Int
    /// The largest number of records written in one transaction.
    public var largestBatch: Int
}

/// Builds, links, hashes and inserts records (and due checkpoints) inside a write transaction.
struct AuditBatchWriter: Sendable {
    let hasher: SubjectHasher
    let signingKey: P256.Signing.PrivateKey
    let checkpointEvery: Int64

    private func head(_ db: Database) throws -> AuditChain {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: #"SELECT "seq", "hash" FROM audit_record ORDER BY seq DESC LIMIT 1"#)) else {
            // Every record archived: the chain continues from the last archived segment's end.
            if let anchor = try SQLiteAuditStore.archiveAnchor(db) {
                return AuditChain(lastSeq: anchor.seq, lastHash: anchor.hash)
            }
            return AuditChain()
        }
        return AuditChain(lastSeq: try row.decode(Int64.self, atIndex: 0), lastHash: try row.decode(String.self, atIndex: 1))
    }

    func write(_ events: [AuditEvent], _ db: Database) throws -> [AuditRecord] {
        var chain = try head(db)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit_record (\(SQLiteAuditStore.recordColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var records: [AuditRecord] = []
        records.reserveCapacity(events.count)
        for event in events {
            let record = chain.append(event, ts: AuditTimestamp.now(), subjectHasher: hasher)
            try insert.execute(arguments: [
                record.seq, record.ts, record.actor, record.user, record.action, record.target, record.ref,
                record.purpose, record.outcome.rawValue, record.status, record.subject, record.prev, record.hash,
            ])
            records.append(record)
        }
        for record in records where record.seq % checkpointEvery == 0 {
            try insertCheckpoint(AuditCheckpoint.sign(record: record, ts: AuditTimestamp.now(), key: signingKey), db)
        }
        return records
    }

    func checkpointHead(_ db: Database) throws -> AuditCheckpoint? {
        guard let row = try Row.fetchOne(db, sql: SQLiteAuditRecordQueries.last) else { return nil }
        let record = try SQLiteAuditStore.record(row)
        let lastCheckpointSeq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_checkpoint") ?? 0
        guard record.seq > lastCheckpointSeq else { return nil }
        let checkpoint = try AuditCheckpoint.sign(record: record, ts: AuditTimestamp.now(), key: signingKey)
        try insertCheckpoint(checkpoint, db)
        return checkpoint
    }

    private func insertCheckpoint(_ checkpoint: AuditCheckpoint, _ db: Database) throws {
        try db.execute(
            sql: #"INSERT OR IGNORE INTO audit_checkpoint ("seq", "hash", "ts", "key_id", "sig") VALUES (?, ?, ?, ?, ?)"#,
            arguments: [checkpoint.seq, checkpoint.hash, checkpoint.ts, checkpoint.keyId, checkpoint.sig])
    }
}

enum SQLiteAuditRecordQueries {
    static let last = "SELECT \(SQLiteAuditStore.recordColumns) FROM audit_record ORDER BY seq DESC LIMIT 1"
}

/// Group commit: callers enqueue events; one writer loop takes everything pending, writes it in one
/// transaction, and resumes each caller with its records after the commit.
actor GroupCommitAppender {
    /// One caller's share of a batch: runs inside the batch transaction and yields what the caller
    /// gets back after the commit, with the number of audit records it appended.
    private struct Pending {
        var isolated: Bool
        var body: @Sendable (Database) throws -> (value: any Sendable, records: Int)
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let pool: DatabasePool
    private let writer: AuditBatchWriter
    private let logger: Logger
    private var pending: [Pending] = []
    private var draining = false
    private(set) var statistics = AuditStoreStatistics(recordsAppended: 0, writeTransactions: 0, largestBatch: 0)

    init(pool: DatabasePool, writer: AuditBatchWriter, logger: Logger) {
        self.pool = pool
        self.writer = writer
        self.logger = logger
    }

    func append(_ events: [AuditEvent]) async throws -> [AuditRecord] {
        let writer = self.writer
        let value = try await enqueue(isolated: false) { db in
            let records = try writer.write(events, db)
            return (records, records.count)
        }
        return value as! [AuditRecord]   // the body above returns exactly this type
    }

    /// Runs `work` in the next batch transaction, in a savepoint of its own, then appends the events it
    /// returns. A throwing `work` rolls back only its own savepoint and fails only its caller.
    func commit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> (T, [AuditEvent])) async throws -> (T, [AuditRecord]) {
        let writer = self.writer
        let value = try await enqueue(isolated: true) { db in
            let (result, events) = try work(db)
            let records = try writer.write(events, db)
            return ((result, records), records.count)
        }
        return value as! (T, [AuditRecord])   // the body above returns exactly this type
    }

    private func enqueue(
        isolated: Bool, _ body: @escaping @Sendable (Database) throws -> (value: any Sendable, records: Int)
    ) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(isolated: isolated, body: body, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll()
            let bodies = batch.map { ($0.isolated, $0.body) }
            do {
                let outcomes = try await pool.write { db -> [Result<(value: any Sendable, records: Int), any Error>] in
                    var outcomes: [Result<(value: any Sendable, records: Int), any Error>] = []
                    outcomes.reserveCapacity(bodies.count)
                    for (isolated, body) in bodies {
                        if isolated {
                            var produced: (value: any Sendable, records: Int)?
                            do {
                                try db.inSavepoint {
                                    produced = try body(db)
                                    return .commit
                                }
                                outcomes.append(.success(produced!))
                            } catch {
                                outcomes.append(.failure(error))
                            }
                        } else {
                            outcomes.append(.success(try body(db)))
                        }
                    }
                    return outcomes
                }
                let records = outcomes.reduce(0) { $0 + ((try? $1.get().records) ?? 0) }
                statistics.recordsAppended += records
                statistics.writeTransactions += 1
                statistics.largestBatch = max(statistics.largestBatch, records)
                for (item, outcome) in zip(batch, outcomes) {
                    item.continuation.resume(with: outcome.map(\.value))
                }
            } catch {
                logger.error("audit append failed", metadata: ["callers": "\(batch.count)", "error": "\(type(of: error))"])
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        draining = false
    }
}
