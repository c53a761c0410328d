import LienthongAudit
import Logging
import PostgresNIO

/// Group commit within one process: callers queue their work; one drain task takes up to `maxBatch` of them,
/// runs each in a savepoint of one READ COMMITTED transaction, appends all their audit events with a single
/// chain-head lock, commits once, and resumes each caller with its value and records.
///
/// Up to `maxConcurrentBatches` batches run at once, each on its own connection: their work (claims, inserts,
/// updates) proceeds in parallel and only the append itself (head lock to commit) is serialised. Across
/// instances the head lock serialises appends the same way (one chain); one commit (one WAL flush while the head
/// is held) serves a whole batch instead of one caller.
///
/// Two batches lock rows in the database like two separate transactions would: should they ever wait on each
/// other's rows in opposite orders (two settlements of the same ids racing), PostgreSQL's deadlock detector fails
/// one statement, and only that caller's savepoint is rolled back and its caller fails.
actor PostgresGroupCommit {
    typealias Body = @Sendable (PostgresConnection) async throws -> (value: any Sendable, events: [AuditEvent])

    struct Pending: Sendable {
        var isolated: Bool
        var body: Body
        var continuation: CheckedContinuation<(value: any Sendable, records: [AuditRecord]), any Error>
    }

    private var pending: [Pending] = []
    private var runners = 0
    private let maxBatch: Int
    private let maxConcurrentBatches: Int
    private let database: PostgresDatabase
    private let writer: AuditAppender

    init(database: PostgresDatabase, writer: AuditAppender, maxBatch: Int, maxConcurrentBatches: Int) {
        self.database = database
        self.writer = writer
        self.maxBatch = max(1, maxBatch)
        self.maxConcurrentBatches = max(1, maxConcurrentBatches)
    }

    /// Queues `body` for the next batch transaction; returns its value and records after the commit. With
    /// `isolated`, a throwing body rolls back only its own savepoint and fails only its caller.
    func submit(isolated: Bool, _ body: @escaping Body) async throws -> (value: any Sendable, records: [AuditRecord]) {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(isolated: isolated, body: body, continuation: continuation))
            if runners < maxConcurrentBatches {
                runners += 1
                Task { await self.drain() }
            }
        }
    }

    /// The next batch, or `nil` (and this runner ends) when nothing is pending.
    private func takeBatch() -> [Pending]? {
        guard !pending.isEmpty else {
            runners -= 1
            return nil
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(batch.count)
        return batch
    }

    private func drain() async {
        while let batch = takeBatch() {
            await Self.run(batch, database: database, writer: writer)
        }
    }

    private static func run(_ batch: [Pending], database: PostgresDatabase, writer: AuditAppender) async {
        let logger = database.logger
        do {
            let outcomes = try await database.withTransaction {
                connection -> [Result<(value: any Sendable, records: [AuditRecord]), any Error>] in
                var produced: [Result<(value: any Sendable, events: Range<Int>), any Error>] = []
                produced.reserveCapacity(batch.count)
                var events: [AuditEvent] = []
                for item in batch {
                    do {
                        if item.isolated { try await connection.query("SAVEPOINT lienthong_item", logger: logger) }
                        let (value, itemEvents) = try await item.body(connection)
                        if item.isolated { try await connection.query("RELEASE SAVEPOINT lienthong_item", logger: logger) }
                        produced.append(.success((value, events.count..<(events.count + itemEvents.count))))
                        events += itemEvents
                    } catch {
                        guard item.isolated else { throw error }
                        // Undo this caller's changes only; the transaction goes on for the others.
                        try await connection.query("ROLLBACK TO SAVEPOINT lienthong_item", logger: logger)
                        try await connection.query("RELEASE SAVEPOINT lienthong_item", logger: logger)
                        produced.append(.failure(error))
                    }
                }
                let records = try await writer.write(events, on: connection)
                return produced.map { outcome in
                    outcome.map { (value: $0.value, records: Array(records[$0.events])) }
                }
            }
            for (item, outcome) in zip(batch, outcomes) { item.continuation.resume(with: outcome) }
        } catch {
            logger.error("audit batch failed", metadata: ["callers": "\(batch.count)", "error": "\(String(reflecting: type(of: error)))"])
            for item in batch { item.continuation.resume(throwing: error) }
        }
    }
}
