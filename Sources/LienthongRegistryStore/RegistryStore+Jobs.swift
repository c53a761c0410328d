public import Foundation
import GRDB

/// A background run of the registry (`verify`, `accounts`, `open-accounts`, `results`), as `GET /v1/asxh/jobs/{id}`
/// shows it. Jobs are kept in the registry database, so they outlive the process that ran them: a job still
/// `running` when its gateway stopped is found `interrupted` (cause `restart`) after the next start, and the run can
/// be started again, resuming where the stored results end.
public struct RegistryJob: Sendable, Codable, Equatable {
    /// Where a job stands.
    public enum State: String, Sendable, Codable {
        /// Working.
        case running
        /// Finished every row it could.
        case done
        /// Stopped early (upstream outage, refusal, shutdown, restart); starting it again resumes.
        case interrupted
        /// Stopped by an error retrying will not change.
        case failed
    }

    /// A UUID (lower case).
    public var id: String
    /// `verify`, `accounts`, `open-accounts` or `results`.
    public var kind: String
    /// The batch it works on (`nil` for `results`).
    public var batch: String?
    /// The payment period `YYYY-MM` (`accounts`, `open-accounts`).
    public var period: String?
    /// Where it stands.
    public var state: State
    /// When it started.
    public var startedAt: Date
    /// When it stopped (`nil` while running).
    public var finishedAt: Date?
    /// Verification progress (verify jobs).
    public var progress: VerificationProgress?
    /// Rows or messages handled by this run (accounts checked, requests sent, results recorded).
    public var processed: Int?
    /// Why the job stopped early: `transient(503, …)`, `refused(403, …)`, a store error code, `cancelled`,
    /// `restart` or `internal`.
    public var cause: String?

    /// Creates a job record.
    public init(
        id: String, kind: String, batch: String?, period: String?, state: State, startedAt: Date,
        finishedAt: Date? = nil, progress: VerificationProgress? = nil, processed: Int? = nil, cause: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.batch = batch
        self.period = period
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.progress = progress
        self.processed = processed
        self.cause = cause
    }
}

extension RegistryStore {
    static let jobEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static func decodeJob(_ data: Data) throws -> RegistryJob {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        do { return try decoder.decode(RegistryJob.self, from: data) } catch {
            throw RegistryStoreError(.corrupt, detail: "registry_job.document")
        }
    }

    /// Stores `job` (insert or replace), durably.
    public func saveJob(_ job: RegistryJob) throws {
        let document = try Self.jobEncoder.encode(job)
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO registry_job (id, started_at, state, document) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET state = excluded.state, document = excluded.document
                    """,
                arguments: [job.id, Int64(job.startedAt.timeIntervalSince1970 * 1000), job.state.rawValue, document])
        }
    }

    /// One job, `nil` when unknown.
    public func job(id: String) throws -> RegistryJob? {
        guard let data = try pool.read({ db in try Data.fetchOne(db, sql: "SELECT document FROM registry_job WHERE id = ?", arguments: [id]) }) else {
            return nil
        }
        return try Self.decodeJob(data)
    }

    /// The latest jobs, newest first.
    public func jobs(limit: Int = 50) throws -> [RegistryJob] {
        try pool.read { db in
            try Data.fetchAll(db, sql: "SELECT document FROM registry_job ORDER BY started_at DESC, id LIMIT ?", arguments: [limit])
        }.map(Self.decodeJob)
    }

    /// Marks every job still `running` as `interrupted` with `cause` (at start: the process that ran them is gone).
    /// Returns how many.
    @discardableResult
    public func interruptRunningJobs(cause: String, at date: Date = Date()) throws -> Int {
        try pool.write { db in
            let documents = try Data.fetchAll(db, sql: "SELECT document FROM registry_job WHERE state = 'running'")
            for data in documents {
                var job = try Self.decodeJob(data)
                job.state = .interrupted
                job.finishedAt = date
                job.cause = cause
                try db.execute(
                    sql: "UPDATE registry_job SET state = ?, document = ? WHERE id = ?",
                    arguments: [job.state.rawValue, try Self.jobEncoder.encode(job), job.id])
            }
            return documents.count
        }
    }
}
