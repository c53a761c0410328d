public import Foundation
public import GRDB
public import LienthongCore
public import LienthongRegistry
public import LienthongTabular
public import Logging

/// The social-security registry's storage (SPEC §6) in its own SQLite file (GRDB `DatabasePool`, WAL,
/// `synchronous = FULL`): imported lists (batches) with every screened row, the verification run's results, the
/// monthly account checks, the account openings, and the reports.
///
/// ```swift
/// let store = try RegistryStore(path: "/var/lib/lienthong/registry.sqlite", defaultBankBIN: "970405")
/// let batch = try store.importList(url: file, name: "ds-xa-an-binh.xlsx", importedBy: "officer-7",
///                                  referenceDate: today)
/// for task in try store.pendingVerifications(batch: batch.id, limit: 100) {
///     try store.recordVerification(batch: batch.id, row: task.row, status: .matched)   // after the call
/// }
/// ```
///
/// Rows keep the list's values as submitted (the draft); the values later steps use are that draft with the
/// register's values applied (a mismatch's registered fields, an assigned number) and an opened account in place
/// of the list's. Nothing here logs or throws a person's data.
///
/// It conforms to ``RegistryRecords``, as the PostgreSQL store does (same results, same order, same errors).
///
/// Schema (migration `registry-v1`; times are integer milliseconds since 1970):
/// - `registry_batch(id PK, file_name, imported_at, imported_by, reference_date, total, to_verify, to_request,
///   returned, with_warnings)`;
/// - `registry_row(batch_id, row, disposition, personal_id, commune, district, categories, account_number,
///   bank_bin, has_warnings, draft JSON, findings JSON, verification_status, verification JSON, verified_at,
///   opened_account, opened_bin)`, unique `(batch_id, row)`; indexes on `personal_id` (partial, not null) and
///   `(batch_id, verification_status, row)`;
/// - `registry_account_check(batch_id, row, period, result, registered_name, checked_at)`, key
///   `(batch_id, row, period)`;
/// - `registry_opening(request_ref PK, batch_id, row, period, bank_bin, message_id, status, account_id,
///   reason_code, reason, sent_at, updated_on)`, unique `(batch_id, row)`;
/// - (`registry-v2-jobs`) `registry_job(id PK, started_at, state, document JSON)`: background runs (``RegistryJob``).
public final class RegistryStore: Sendable {
    let pool: DatabasePool
    let logger: Logger
    /// The bank asked to open accounts for rows whose list names no bank (`nil`: such rows get no bank).
    public let defaultBankBIN: String?

    /// Opens (creating if needed) the registry database at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - defaultBankBIN: the bank asked to open accounts for payees whose row names no bank.
    ///   - logger: store-level events (ids and counts only).
    public init(path: String, defaultBankBIN: String? = nil, logger: Logger = Logger(label: "lienthong.registry")) throws {
        if let defaultBankBIN {
            do { try BankDirectory.validateBIN(defaultBankBIN, field: "defaultBankBIN") } catch {
                throw RegistryStoreError(.invalidArgument, detail: "defaultBankBIN: must be a 6-digit BIN")
            }
        }
        var configuration = Configuration()
        configuration.label = "lienthong.registry"
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool.init sets `synchronous = NORMAL` after prepareDatabase: set FULL on the writer afterwards.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("registry-v1") { db in
            try db.execute(sql: """
                CREATE TABLE registry_batch (
                    "id" TEXT PRIMARY KEY NOT NULL,
                    "file_name" TEXT NOT NULL,
                    "imported_at" INTEGER NOT NULL,
                    "imported_by" TEXT NOT NULL,
                    "reference_date" TEXT NOT NULL,
                    "total" INTEGER NOT NULL,
                    "to_verify" INTEGER NOT NULL,
                    "to_request" INTEGER NOT NULL,
                    "returned" INTEGER NOT NULL,
                    "with_warnings" INTEGER NOT NULL
                );
                CREATE TABLE registry_row (
                    "batch_id" TEXT NOT NULL REFERENCES registry_batch("id"),
                    "row" INTEGER NOT NULL,
                    "disposition" TEXT NOT NULL,
                    "personal_id" TEXT,
                    "commune" TEXT,
                    "district" TEXT,
                    "categories" TEXT,
                    "account_number" TEXT,
                    "bank_bin" TEXT,
                    "has_warnings" INTEGER NOT NULL,
                    "draft" BLOB NOT NULL,
                    "findings" BLOB NOT NULL,
                    "verification_status" TEXT,
                    "verification" BLOB,
                    "verified_at" INTEGER,
                    "opened_account" TEXT,
                    "opened_bin" TEXT,
                    UNIQUE ("batch_id", "row")
                );
                CREATE INDEX registry_row_personal_id ON registry_row ("personal_id") WHERE "personal_id" IS NOT NULL;
                CREATE INDEX registry_row_verification ON registry_row ("batch_id", "verification_status", "row");
                CREATE TABLE registry_account_check (
                    "batch_id" TEXT NOT NULL,
                    "row" INTEGER NOT NULL,
                    "period" TEXT NOT NULL,
                    "result" TEXT NOT NULL,
                    "registered_name" TEXT,
                    "checked_at" INTEGER NOT NULL,
                    PRIMARY KEY ("batch_id", "row", "period")
                );
                CREATE TABLE registry_opening (
                    "request_ref" TEXT PRIMARY KEY NOT NULL,
                    "batch_id" TEXT NOT NULL,
                    "row" INTEGER NOT NULL,
                    "period" TEXT,
                    "bank_bin" TEXT NOT NULL,
                    "message_id" TEXT NOT NULL,
                    "status" TEXT NOT NULL,
                    "account_id" TEXT,
                    "reason_code" TEXT,
                    "reason" TEXT,
                    "sent_at" INTEGER NOT NULL,
                    "updated_on" TEXT,
                    UNIQUE ("batch_id", "row")
                );
                """)
        }
        migrator.registerMigration("registry-v2-jobs") { db in
            try db.execute(sql: """
                CREATE TABLE registry_job (
                    "id" TEXT PRIMARY KEY NOT NULL,
                    "started_at" INTEGER NOT NULL,
                    "state" TEXT NOT NULL,
                    "document" BLOB NOT NULL
                );
                CREATE INDEX registry_job_started ON registry_job ("started_at");
                """)
        }
        try migrator.migrate(pool)
        self.pool = pool
        self.logger = logger
        self.defaultBankBIN = defaultBankBIN
    }

    /// The `synchronous` pragma of the writer connection (2 = FULL).
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    // MARK: - Import

    /// Imports a beneficiary list (CSV or XLSX) as a new batch, atomically.
    ///
    /// The file is streamed row by row (never held whole). Headers are matched by ``ListHeader/map(_:)``
    /// (Vietnamese or English, any order). Each row is parsed, checked and de-duplicated by ``ListScreening``:
    /// inside the list, and against the registry — personal id numbers of earlier batches' rows that were not
    /// returned to the commune and not found `not_found`/`invalid` (an indexed look-up per row). Every row is
    /// stored with its draft, findings and disposition in ONE write transaction: a file that fails halfway
    /// (damaged XLSX, bad row structure) leaves nothing behind.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the file's name as the officer knows it (used in errors and the summary).
    ///   - importedBy: the officer's user id.
    ///   - referenceDate: the day ages are measured against (usually today).
    ///   - banks: the bank lookup for the "Ngân hàng" column.
    ///   - progress: called with the number of rows read so far (every 1,000 rows and at the end).
    /// - Throws: ``ImportError`` for the file's problems (file, row, column, reason; never a value); GRDB's
    ///   errors for storage failures.
    public func importList(url: URL, name: String, importedBy: String, referenceDate: CalendarDate,
                           banks: BankMatcher = .standard, progress: (Int) -> Void = { _ in }) throws -> BatchSummary {
        let list = try ListImportReader(url: url, name: name)
        defer { list.close() }
        let id = UUID().uuidString.lowercased()
        let importedAt = RegistryRowLogic.now()
        let counts = try pool.write { db -> BatchCounts in
            try db.execute(sql: """
                INSERT INTO registry_batch (id, file_name, imported_at, imported_by, reference_date, total, to_verify,
                                            to_request, returned, with_warnings)
                VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0)
                """, arguments: [id, name, Self.millis(importedAt), importedBy, referenceDate.iso])
            let insert = try db.makeStatement(sql: """
                INSERT INTO registry_row (batch_id, row, disposition, personal_id, commune, district, categories,
                                          account_number, bank_bin, has_warnings, draft, findings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let known = StoredBeneficiaries(statement: try db.makeStatement(sql: Self.knownSQL), batch: id)
            var screening = ListImportScreening(referenceDate: referenceDate, registry: known, banks: banks)
            while let listRow = try list.next() {
                let row = try screening.screen(listRow)
                if let failure = known.failure { throw failure }
                try insert.execute(arguments: [
                    id, row.number, row.disposition, row.personalID, row.commune, row.district, row.categories,
                    row.accountNumber, row.bankBIN, row.hasWarnings, row.draft, row.findings,
                ])
                if screening.counts.total % 1000 == 0 { progress(screening.counts.total) }
            }
            let counts = screening.counts
            try db.execute(sql: """
                UPDATE registry_batch SET total = ?, to_verify = ?, to_request = ?, returned = ?, with_warnings = ?
                WHERE id = ?
                """, arguments: [counts.total, counts.toVerify, counts.toRequestPersonalID, counts.returnedToCommune,
                                 counts.withWarnings, id])
            return counts
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

    /// Whether a personal id number is registered: a row of another batch with that number, not returned to the
    /// commune and not found `not_found` or `invalid`.
    static let knownSQL = """
        SELECT 1 FROM registry_row WHERE personal_id = ? AND batch_id <> ? AND disposition <> 'return-to-commune'
        AND (verification_status IS NULL OR verification_status NOT IN ('not_found', 'invalid')) LIMIT 1
        """

    /// Whether `personalID` is in the registry (see ``importList(url:name:importedBy:referenceDate:banks:progress:)``
    /// for what counts), across all batches.
    public func contains(personalID: PersonalID) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: Self.knownSQL, arguments: [personalID.digits, ""]) ?? false
        }
    }

    // MARK: - Batches

    /// Every batch, newest first.
    public func batches() throws -> [BatchSummary] {
        try pool.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM registry_batch ORDER BY imported_at DESC, id")
            return try ids.map { try Self.summary(db, batch: $0) }
        }
    }

    /// One batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    public func batch(id: String) throws -> BatchSummary {
        try pool.read { db in try Self.summary(db, batch: id) }
    }

    static func summary(_ db: Database, batch: String) throws -> BatchSummary {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM registry_batch WHERE id = ?", arguments: [batch]) else {
            throw RegistryStoreError(.notFound, detail: "no such batch")
        }
        let counts = BatchCounts(total: row["total"], toVerify: row["to_verify"], toRequestPersonalID: row["to_request"],
                                 returnedToCommune: row["returned"], withWarnings: row["with_warnings"])
        let done = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM registry_row WHERE batch_id = ? AND disposition <> 'return-to-commune'
            AND verification_status IS NOT NULL
            """, arguments: [batch]) ?? 0
        return try RegistryRowLogic.summary(id: row["id"], fileName: row["file_name"], importedAtMillis: row["imported_at"],
                                            importedBy: row["imported_by"], referenceDate: row["reference_date"],
                                            counts: counts, done: done)
    }

    static func requireBatch(_ db: Database, _ batch: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM registry_batch WHERE id = ?", arguments: [batch]) ?? false else {
            throw RegistryStoreError(.notFound, detail: "no such batch")
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// Checks a payment period `YYYY-MM`.
    static func checkPeriod(_ period: String) throws(RegistryStoreError) -> CalendarDate {
        guard period.utf8.count == 7, let first = try? CalendarDate(iso: period + "-01") else {
            throw RegistryStoreError(.invalidArgument, detail: "period: must be YYYY-MM")
        }
        return first
    }
}

/// A row's disposition as stored.
enum Disposition: String {
    case verify
    case requestPersonalID = "request-personal-id"
    case returnToCommune = "return-to-commune"

    init(_ disposition: RowDisposition) {
        switch disposition {
        case .verify: self = .verify
        case .requestPersonalID: self = .requestPersonalID
        case .returnToCommune: self = .returnToCommune
        }
    }
}

/// The registry as the duplicate check sees it during an import: one prepared, indexed query per look-up, inside
/// the import's transaction. A storage failure is kept and rethrown by the import.
final class StoredBeneficiaries: KnownBeneficiaries {
    private let statement: Statement
    private let batch: String
    private(set) var failure: (any Error)?

    init(statement: Statement, batch: String) {
        self.statement = statement
        self.batch = batch
    }

    func contains(personalID: PersonalID) -> Bool {
        do {
            return try Bool.fetchOne(statement, arguments: [personalID.digits, batch]) ?? false
        } catch {
            failure = failure ?? error
            return false
        }
    }
}
