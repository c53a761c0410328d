public import Foundation
public import LienthongCore
public import LienthongRegistry
@_spi(RegistryStorage) public import LienthongRegistryStore
import Logging
import PostgresNIO

/// The social-security registry's storage (SPEC §6) in PostgreSQL, shared by several gateway instances: the same
/// calls, results (in the same order) and errors as the SQLite ``RegistryStore`` — both conform to
/// ``RegistryRecords``, and one conformance test runs one scenario against both.
///
/// ```swift
/// let registry = try await PostgresRegistryStore(database: database, defaultBankBIN: "970405")   // applies `registry-v1`
/// let batch = try await registry.importList(url: file, name: "ds-xa-an-binh.xlsx", importedBy: "officer-7",
///                                           referenceDate: today, banks: .standard, progress: { _ in })
/// ```
///
/// What is derived from the stored columns (tasks, payment decisions, state transitions, report lines, the
/// import's parsing, checks and duplicate detection) is the SQLite store's own code (``RegistryRowLogic``,
/// ``ListImportReader``, ``ListImportScreening``); only the reads and writes differ:
/// - an import is ONE READ COMMITTED transaction (a file that fails halfway leaves nothing), holding the advisory
///   lock ``importLockKey`` so that imports on several instances run one after the other, as SQLite's single
///   writer does, and each sees the batches committed before it. The rows are screened in chunks of
///   ``importChunkSize``: the personal id numbers a chunk will look up are fetched first in one indexed query
///   (the same rule as ``RegistryStore/contains(personalID:)``), then its rows are written in one statement;
/// - a write that judges the current state first locks the row it judges (`FOR UPDATE`);
/// - reads of several statements run in one REPEATABLE READ snapshot; every list is in SQLite's order (rows by
///   number; batches and jobs newest first, then by id in byte order, `COLLATE "C"`).
///
/// Errors: ``ImportError`` and ``RegistryStoreError`` as the SQLite store; PostgreSQL's `PSQLError` for storage
/// failures (as GRDB's errors there); a column of an unexpected type is ``RegistryStoreError`` `corrupt`. Logs hold
/// ids and counts only.
///
/// Schema (migration `registry-v1`; times are `bigint` milliseconds since 1970; JSON documents `bytea` holding the
/// SQLite store's JSON bytes):
/// - `registry_batch(id PK, file_name, imported_at, imported_by, reference_date, total, to_verify, to_request,
///   returned, with_warnings)`;
/// - `registry_row(batch_id → registry_batch, row, disposition, personal_id, commune, district, categories,
///   account_number, bank_bin, has_warnings, draft, findings, verification_status, verification, verified_at,
///   opened_account, opened_bin)`, primary key `(batch_id, row)`; indexes on `personal_id` (partial, not null) and
///   `(batch_id, verification_status, row)`;
/// - `registry_account_check(batch_id, row, period, result, registered_name, checked_at)`, key
///   `(batch_id, row, period)`;
/// - `registry_opening(request_ref PK, batch_id, row, period, bank_bin, message_id, status, account_id,
///   reason_code, reason, sent_at, updated_on)`, unique `(batch_id, row)`;
/// - `registry_job(id PK, started_at, state, document)`, index on `started_at`.
public final class PostgresRegistryStore: RegistryRecords {
    /// The database holding the registry.
    public let database: PostgresDatabase
    /// The bank asked to open accounts for rows whose list names no bank (`nil`: such rows get no bank).
    public let defaultBankBIN: String?

    /// Rows screened and written per round trip during an import.
    public static let importChunkSize = 500

    /// The advisory lock key held (transaction-scoped) by an import: `"registry"` in ASCII.
    public static let importLockKey: Int64 = 0x7265_6769_7374_7279

    var logger: Logger { database.logger }

    /// The schema migrations of the registry.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(name: "registry-v1", statements: [
            """
            CREATE TABLE registry_batch (
                "id" text COLLATE "C" PRIMARY KEY,
                "file_name" text NOT NULL,
                "imported_at" bigint NOT NULL,
                "imported_by" text NOT NULL,
                "reference_date" text NOT NULL,
                "total" integer NOT NULL,
                "to_verify" integer NOT NULL,
                "to_request" integer NOT NULL,
                "returned" integer NOT NULL,
                "with_warnings" integer NOT NULL
            )
            """,
            """
            CREATE TABLE registry_row (
                "batch_id" text COLLATE "C" NOT NULL REFERENCES registry_batch ("id"),
                "row" integer NOT NULL,
                "disposition" text NOT NULL,
                "personal_id" text COLLATE "C",
                "commune" text,
                "district" text,
                "categories" text,
                "account_number" text,
                "bank_bin" text,
                "has_warnings" boolean NOT NULL,
                "draft" bytea NOT NULL,
                "findings" bytea NOT NULL,
                "verification_status" text,
                "verification" bytea,
                "verified_at" bigint,
                "opened_account" text,
                "opened_bin" text,
                PRIMARY KEY ("batch_id", "row")
            )
            """,
            #"CREATE INDEX registry_row_personal_id ON registry_row ("personal_id") WHERE "personal_id" IS NOT NULL"#,
            #"CREATE INDEX registry_row_verification ON registry_row ("batch_id", "verification_status", "row")"#,
            """
            CREATE TABLE registry_account_check (
                "batch_id" text COLLATE "C" NOT NULL,
                "row" integer NOT NULL,
                "period" text NOT NULL,
                "result" text NOT NULL,
                "registered_name" text,
                "checked_at" bigint NOT NULL,
                PRIMARY KEY ("batch_id", "row", "period")
            )
            """,
            """
            CREATE TABLE registry_opening (
                "request_ref" text COLLATE "C" PRIMARY KEY,
                "batch_id" text COLLATE "C" NOT NULL,
                "row" integer NOT NULL,
                "period" text,
                "bank_bin" text NOT NULL,
                "message_id" text NOT NULL,
                "status" text NOT NULL,
                "account_id" text,
                "reason_code" text,
                "reason" text,
                "sent_at" bigint NOT NULL,
                "updated_on" text,
                UNIQUE ("batch_id", "row")
            )
            """,
            """
            CREATE TABLE registry_job (
                "id" text COLLATE "C" PRIMARY KEY,
                "started_at" bigint NOT NULL,
                "state" text NOT NULL,
                "document" bytea NOT NULL
            )
            """,
            #"CREATE INDEX registry_job_started ON registry_job ("started_at")"#,
        ]),
    ]

    /// Opens the registry in `database` (started), applying ``migrations`` when needed.
    ///
    /// - Parameters:
    ///   - database: the database.
    ///   - defaultBankBIN: the bank asked to open accounts for payees whose row names no bank.
    /// - Throws: ``RegistryStoreError`` `invalidArgument` (BIN); PostgreSQL's errors when the migration fails.
    public init(database: PostgresDatabase, defaultBankBIN: String? = nil) async throws {
        try RegistryRowLogic.checkDefaultBankBIN(defaultBankBIN)
        self.database = database
        self.defaultBankBIN = defaultBankBIN
        try await database.migrate(Self.migrations)
    }

    // MARK: - Import

    /// Imports a beneficiary list (CSV or XLSX) as a new batch, atomically (see
    /// ``RegistryStore/importList(url:name:importedBy:referenceDate:banks:progress:)``): the same parsing, checks,
    /// duplicate detection and counts, in ONE transaction.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the file's name as the officer knows it (used in errors and the summary).
    ///   - importedBy: the officer's user id.
    ///   - referenceDate: the day ages are measured against (usually today).
    ///   - banks: the bank lookup for the "Ngân hàng" column.
    ///   - progress: called with the number of rows read so far (every 1,000 rows and at the end).
    /// - Throws: ``ImportError`` for the file's problems (nothing stored); PostgreSQL's errors.
    public func importList(url: URL, name: String, importedBy: String, referenceDate: CalendarDate,
                           banks: BankMatcher = .standard, progress: (Int) -> Void = { _ in }) async throws -> BatchSummary {
        let list = try ListImportReader(url: url, name: name)
        defer { list.close() }
        let id = UUID().uuidString.lowercased()
        let importedAt = RegistryRowLogic.now()
        let logger = self.logger
        let counts = try await guarded("import") {
            try await database.withTransaction { connection -> BatchCounts in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.importLockKey))", logger: logger)
                try await connection.query("""
                    INSERT INTO registry_batch ("id", "file_name", "imported_at", "imported_by", "reference_date", "total",
                                                "to_verify", "to_request", "returned", "with_warnings")
                    VALUES (\(id), \(name), \(RegistryRowLogic.millis(importedAt)), \(importedBy), \(referenceDate.iso),
                            0, 0, 0, 0, 0)
                    """, logger: logger)
                let known = PrefetchedBeneficiaries()
                var screening = ListImportScreening(referenceDate: referenceDate, registry: known, banks: banks)
                var chunk: [ListRow] = []
                chunk.reserveCapacity(Self.importChunkSize)
                var reported = 0
                func flush() async throws {
                    guard !chunk.isEmpty else { return }
                    let numbers = Array(Set(chunk.compactMap { ListImportScreening.personalID(of: $0, banks: banks)?.digits }))
                    known.registered = try await Self.registered(numbers, excluding: id, connection, logger)
                    var screened: [ScreenedRow] = []
                    screened.reserveCapacity(chunk.count)
                    for row in chunk { screened.append(try screening.screen(row)) }
                    try await Self.insert(screened, batch: id, connection, logger)
                    chunk.removeAll(keepingCapacity: true)
                    let total = screening.counts.total
                    if total / 1000 > reported / 1000 { progress(total / 1000 * 1000) }
                    reported = total
                }
                while let row = try list.next() {
                    chunk.append(row)
                    if chunk.count == Self.importChunkSize { try await flush() }
                }
                try await flush()
                let counts = screening.counts
                try await connection.query("""
                    UPDATE registry_batch SET "total" = \(counts.total), "to_verify" = \(counts.toVerify),
                        "to_request" = \(counts.toRequestPersonalID), "returned" = \(counts.returnedToCommune),
                        "with_warnings" = \(counts.withWarnings)
                    WHERE "id" = \(id)
                    """, logger: logger)
                return counts
            }
        }
        progress(counts.total)
        logger.info("registry list imported", metadata: [
            "batch": "\(id)", "rows": "\(counts.total)", "toVerify": "\(counts.toVerify)",
            "toRequest": "\(counts.toRequestPersonalID)", "returned": "\(counts.returnedToCommune)",
        ])
        return BatchSummary(id: id, fileName: name, importedAt: importedAt, importedBy: importedBy,
                            referenceDate: referenceDate, counts: counts,
                            status: RegistryRowLogic.status(counts: counts, done: 0))
    }

    /// Which of `numbers` are registered in batches other than `batch` (the rule of
    /// ``RegistryStore/contains(personalID:)``: a row not returned to the commune and not found `not_found` or
    /// `invalid`).
    private static func registered(_ numbers: [String], excluding batch: String, _ connection: PostgresConnection,
                                   _ logger: Logger) async throws -> Set<String> {
        guard !numbers.isEmpty else { return [] }
        var found: Set<String> = []
        let rows = try await connection.query("""
            SELECT DISTINCT "personal_id" FROM registry_row
            WHERE "personal_id" = ANY(\(numbers)::text[]) AND "batch_id" <> \(batch)
              AND "disposition" <> 'return-to-commune'
              AND ("verification_status" IS NULL OR "verification_status" NOT IN ('not_found', 'invalid'))
            """, logger: logger)
        for try await number in rows.decode(String.self) { found.insert(number) }
        return found
    }

    /// Writes screened rows in one statement.
    private static func insert(_ rows: [ScreenedRow], batch: String, _ connection: PostgresConnection,
                               _ logger: Logger) async throws {
        var sql = """
            INSERT INTO registry_row ("batch_id", "row", "disposition", "personal_id", "commune", "district", "categories",
                                      "account_number", "bank_bin", "has_warnings", "draft", "findings") VALUES
            """
        var binds = PostgresBindings(capacity: rows.count * 12)
        for (index, row) in rows.enumerated() {
            let base = index * 12
            sql += (index == 0 ? " (" : ", (") + (1...12).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
            binds.append(batch)
            binds.append(row.number)
            binds.append(row.disposition)
            binds.append(row.personalID)
            binds.append(row.commune)
            binds.append(row.district)
            binds.append(row.categories)
            binds.append(row.accountNumber)
            binds.append(row.bankBIN)
            binds.append(row.hasWarnings)
            try binds.append(row.draft)
            try binds.append(row.findings)
        }
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    /// Whether `personalID` is in the registry (see ``RegistryStore/contains(personalID:)``), across all batches.
    public func contains(personalID: PersonalID) async throws -> Bool {
        let logger = self.logger
        let digits = personalID.digits
        return try await guarded("contains") {
            try await database.withSnapshot { connection in
                let rows = try await connection.query("""
                    SELECT 1 FROM registry_row WHERE "personal_id" = \(digits) AND "batch_id" <> ''
                      AND "disposition" <> 'return-to-commune'
                      AND ("verification_status" IS NULL OR "verification_status" NOT IN ('not_found', 'invalid'))
                    LIMIT 1
                    """, logger: logger).collect()
                return !rows.isEmpty
            }
        }
    }

    // MARK: - Batches

    /// Every batch, newest first (then by id).
    public func batches() async throws -> [BatchSummary] {
        let logger = self.logger
        return try await guarded("batches") {
            try await database.withSnapshot { connection in
                try await Self.summaries(nil, connection, logger)
            }
        }
    }

    /// One batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    public func batch(id: String) async throws -> BatchSummary {
        let logger = self.logger
        return try await guarded("batch") {
            try await database.withSnapshot { connection in
                guard let summary = try await Self.summaries(id, connection, logger).first else {
                    throw RegistryStoreError(.notFound, detail: "no such batch")
                }
                return summary
            }
        }
    }

    private static func summaries(_ id: String?, _ connection: PostgresConnection,
                                  _ logger: Logger) async throws -> [BatchSummary] {
        let rows = try await connection.query("""
            SELECT b."id", b."file_name", b."imported_at", b."imported_by", b."reference_date", b."total", b."to_verify",
                   b."to_request", b."returned", b."with_warnings",
                   (SELECT count(*) FROM registry_row r WHERE r."batch_id" = b."id"
                      AND r."disposition" <> 'return-to-commune' AND r."verification_status" IS NOT NULL)
            FROM registry_batch b WHERE (\(id)::text IS NULL OR b."id" = \(id)::text)
            ORDER BY b."imported_at" DESC, b."id"
            """, logger: logger)
        var summaries: [BatchSummary] = []
        for try await row in rows {
            let (id, file, importedAt, importedBy, reference, total, toVerify, toRequest, returned, warnings, done) =
                try row.decode((String, String, Int64, String, String, Int, Int, Int, Int, Int, Int).self)
            summaries.append(try RegistryRowLogic.summary(
                id: id, fileName: file, importedAtMillis: importedAt, importedBy: importedBy, referenceDate: reference,
                counts: BatchCounts(total: total, toVerify: toVerify, toRequestPersonalID: toRequest,
                                    returnedToCommune: returned, withWarnings: warnings),
                done: done))
        }
        return summaries
    }

    // MARK: - Rows

    /// Up to `limit` rows of `batch` from row number `after` (exclusive), in row order.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func rows(batch: String, after: Int = 0, limit: Int = 100) async throws -> [RowRecord] {
        let logger = self.logger
        return try await guarded("rows") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.rowColumns) FROM registry_row r
                    WHERE r."batch_id" = \(batch) AND r."row" > \(after) ORDER BY r."row" LIMIT \(max(0, limit))
                    """, logger: logger)
                let decoder = JSONDecoder()
                var records: [RowRecord] = []
                for try await row in rows {
                    records.append(try RegistryRowLogic.record(try Self.storedRow(row.makeRandomAccess(), decoder)))
                }
                return records
            }
        }
    }

    /// One row of `batch`.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    public func row(batch: String, row: Int) async throws -> RowRecord {
        guard let record = try await rows(batch: batch, after: row - 1, limit: 1).first, record.row == row else {
            throw RegistryStoreError(.notFound, detail: "no such row in the batch")
        }
        return record
    }

    // MARK: - Helpers

    /// The columns ``storedRow(_:_:)`` reads, first in a select list (table alias `r`).
    static let rowColumns = """
        r."row", r."disposition", r."draft", r."findings", r."verification", r."opened_account", r."opened_bin",
        r."commune", r."district", r."categories"
        """

    /// The number of columns of ``rowColumns``.
    static let rowColumnCount = 10

    /// A stored row from the first ``rowColumnCount`` columns of `row`.
    static func storedRow(_ row: PostgresRandomAccessRow, _ decoder: JSONDecoder) throws -> StoredRow {
        try StoredRow(
            row: row[0].decode(Int.self), disposition: row[1].decode(String.self), draft: row[2].decode(Data.self),
            findings: row[3].decode(Data.self), verification: row[4].decode(Data?.self),
            openedAccount: row[5].decode(String?.self), openedBIN: row[6].decode(String?.self),
            commune: row[7].decode(String?.self), district: row[8].decode(String?.self),
            categories: row[9].decode(String?.self), decoder: decoder)
    }

    /// Throws ``RegistryStoreError`` `notFound` unless `batch` exists.
    static func requireBatch(_ batch: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let rows = try await connection.query(
            #"SELECT 1 FROM registry_batch WHERE "id" = \#(batch)"#, logger: logger).collect()
        guard !rows.isEmpty else { throw RegistryStoreError(.notFound, detail: "no such batch") }
    }

    /// Runs `body`, turning a column of an unexpected type into ``RegistryStoreError`` `corrupt` (naming the
    /// operation, never a value).
    func guarded<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch is PostgresDecodingError {
            throw RegistryStoreError(.corrupt, detail: "\(operation): a column of an unexpected type")
        }
    }
}

/// The registered numbers among those a chunk of the import looks up (fetched before the chunk is screened).
private final class PrefetchedBeneficiaries: KnownBeneficiaries {
    var registered: Set<String> = []

    func contains(personalID: PersonalID) -> Bool { registered.contains(personalID.digits) }
}
