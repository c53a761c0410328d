public import Foundation
import GRDB
public import LienthongCore
public import LienthongLabor
public import Logging

/// The labour-supply records of SPEC §7 in their own SQLite file (GRDB `DatabasePool`, WAL, `synchronous = FULL`):
/// every person's records by as-of date, social-insurance updates, and the population database's identity check.
///
/// ```swift
/// let store = try LaborStore(path: "/var/lib/lienthong/labor.sqlite")
/// try store.upsert(records)                                             // labor.worker-records
/// try store.apply(updates)                                              // vss.participant-sync
/// let summary = try store.importSurvey(url: file, name: "ds-xa.xlsx", defaultAsOf: today)
/// for task in try store.pendingIdentities(afterPersonalID: nil, limit: 100) { … }
/// let result = try store.snapshot(on: today)
/// let table = analyse(result.snapshot, by: [.ageGroup, .sex], on: today)
/// ```
///
/// History: a person has one record per as-of date. A record for a (person, as-of date) already held replaces it;
/// a record with an older as-of date than one held is kept as history and changes nothing about the present,
/// because the record in force on a date is the person's latest one with an as-of date on or before it
/// ("updates replace older records of the same person; the as-of date of each record is kept").
///
/// Social-insurance updates (``SocialInsuranceUpdate``) carry no labour fields: on a date, the latest update on
/// or before it replaces the participation of the record in force when it is newer than that record
/// (``WorkerRecord/applying(_:)``).
///
/// Identity is checked once per person (not per record): `not_found` and `invalid` people are left out of
/// snapshots; on a mismatch the register's values are used (its date of birth in snapshots, its name and date of
/// birth in ``record(personalID:on:)``).
///
/// Nothing here logs or throws a person's data.
///
/// Schema (migration `labor-v1`; dates `YYYY-MM-DD` unless said otherwise, times integer milliseconds since 1970;
/// enum columns hold the Swift raw values, e.g. `male`, `urban`, `university`, `employed`, `from5to10m`,
/// `compulsory`):
/// - `labor_record(personal_id, as_of, source, received_at, date_of_birth INTEGER (days since 1970-01-01), sex,
///   district_code, commune_code, area, qualification, employment_status, sector (NULL or a VSIC letter),
///   income_band, social_insurance, record JSON)`, primary key `(personal_id, as_of)`; the covering index
///   `labor_record_snapshot (personal_id, as_of DESC, source, <the analysed columns>)` lets a snapshot and the
///   counts read the small columns in person order without touching the JSON;
/// - `labor_si_update(personal_id, as_of, participation, received_at)`, primary key `(personal_id, as_of DESC)`,
///   without rowid;
/// - `labor_identity(personal_id PK, status ('matched', 'mismatch', 'not_found', 'invalid'), verified_at,
///   registered_name NULL, registered_date_of_birth NULL)`, without rowid.
public final class LaborStore: Sendable {
    let pool: DatabasePool
    let logger: Logger

    /// Opens (creating if needed) the labour database at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - logger: store-level events (counts only).
    /// - Throws: ``LaborStoreError`` `database` when the file cannot be opened or migrated.
    public init(path: String, logger: Logger = Logger(label: "lienthong.labor")) throws {
        var configuration = Configuration()
        configuration.label = "lienthong.labor"
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            // 32 MiB of page cache per connection: a million-row import touches three B-trees at random places.
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // DatabasePool.init sets `synchronous = NORMAL` after prepareDatabase: set FULL on the writer afterwards.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            var migrator = DatabaseMigrator()
            migrator.registerMigration("labor-v1") { db in try db.execute(sql: Self.schemaV1) }
            try migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw LaborStoreError(.database, detail: "open: SQLite error \(error.resultCode.rawValue)")
        }
        self.pool = pool
        self.logger = logger
    }

    static let schemaV1 = """
        CREATE TABLE labor_record (
            "personal_id" TEXT NOT NULL,
            "as_of" TEXT NOT NULL,
            "source" TEXT NOT NULL,
            "received_at" INTEGER NOT NULL,
            "date_of_birth" INTEGER NOT NULL,
            "sex" TEXT NOT NULL,
            "district_code" TEXT NOT NULL,
            "commune_code" TEXT NOT NULL,
            "area" TEXT NOT NULL,
            "qualification" TEXT NOT NULL,
            "employment_status" TEXT NOT NULL,
            "sector" TEXT,
            "income_band" TEXT NOT NULL,
            "social_insurance" TEXT NOT NULL,
            "record" BLOB NOT NULL,
            PRIMARY KEY ("personal_id", "as_of")
        );
        CREATE INDEX labor_record_snapshot ON labor_record (
            "personal_id", "as_of" DESC, "source", "date_of_birth", "sex", "district_code", "commune_code", "area",
            "qualification", "employment_status", "sector", "income_band", "social_insurance"
        );
        CREATE TABLE labor_si_update (
            "personal_id" TEXT NOT NULL,
            "as_of" TEXT NOT NULL,
            "participation" TEXT NOT NULL,
            "received_at" INTEGER NOT NULL,
            PRIMARY KEY ("personal_id", "as_of" DESC)
        ) WITHOUT ROWID;
        CREATE TABLE labor_identity (
            "personal_id" TEXT PRIMARY KEY NOT NULL,
            "status" TEXT NOT NULL CHECK ("status" IN ('matched', 'mismatch', 'not_found', 'invalid')),
            "verified_at" INTEGER NOT NULL,
            "registered_name" TEXT,
            "registered_date_of_birth" TEXT
        ) WITHOUT ROWID;
        """

    /// The `synchronous` pragma of the writer connection (2 = FULL).
    public func synchronousMode() throws -> Int {
        try guarded("pragma") {
            try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        }
    }

    // MARK: - Writing

    /// Stores worker records (`labor.worker-records`, or any other source) in ONE transaction: all or nothing.
    ///
    /// A record for a (person, as-of date) already held replaces it (counted in ``UpsertSummary/replaced``); any
    /// other record is added to the person's history, whether it is newer or older than what is held.
    ///
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    @discardableResult
    public func upsert(_ records: [WorkerRecord]) throws -> UpsertSummary {
        guard !records.isEmpty else { return UpsertSummary() }
        let summary = try guarded("upsert") {
            try pool.write { db -> UpsertSummary in
                let writer = try RecordWriter(db)
                let receivedAt = Self.nowMillis()
                var summary = UpsertSummary()
                for record in records {
                    if try writer.write(record, receivedAt: receivedAt) { summary.replaced += 1 } else { summary.inserted += 1 }
                }
                return summary
            }
        }
        logger.info("labor records stored", metadata: [
            "inserted": "\(summary.inserted)", "replaced": "\(summary.replaced)",
        ])
        return summary
    }

    /// Stores social-insurance facts (accepted `vss.participant-sync` records) in ONE transaction: all or nothing.
    /// A fact for a (person, as-of date) already held replaces it. Facts never create records: they change a
    /// snapshot only for people who have a record older than the fact.
    ///
    /// - Returns: the number of facts stored.
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    @discardableResult
    public func apply(_ updates: [SocialInsuranceUpdate]) throws -> Int {
        guard !updates.isEmpty else { return 0 }
        try guarded("apply") {
            try pool.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO labor_si_update (personal_id, as_of, participation, received_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (personal_id, as_of) DO UPDATE SET participation = excluded.participation,
                    received_at = excluded.received_at
                    """)
                let receivedAt = Self.nowMillis()
                for update in updates {
                    try statement.execute(arguments: [update.personalID.digits, update.asOf.iso,
                                                      update.participation.rawValue, receivedAt])
                }
            }
        }
        logger.info("labor social-insurance updates stored", metadata: ["updates": "\(updates.count)"])
        return updates.count
    }

    // MARK: - Reading

    /// The person's record in force on `date` (their latest record with an as-of date on or before it; `nil`
    /// date: their latest record), as a snapshot sees it: with the participation of a newer social-insurance
    /// update on or before the date, and on an identity mismatch with the register's name and date of birth.
    /// People whose identity was not found are returned too (the record exists; snapshots leave them out).
    ///
    /// - Returns: `nil` when the person has no record on or before the date.
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt` when the stored record cannot be decoded.
    public func record(personalID: PersonalID, on date: CalendarDate? = nil) throws -> WorkerRecord? {
        let limit = date?.iso ?? "9999-12-31"
        return try guarded("record") {
            try pool.read { db -> WorkerRecord? in
                guard let data = try Data.fetchOne(db, sql: """
                    SELECT record FROM labor_record WHERE personal_id = ? AND as_of <= ? ORDER BY as_of DESC LIMIT 1
                    """, arguments: [personalID.digits, limit]) else { return nil }
                var record: WorkerRecord
                do { record = try JSONDecoder().decode(WorkerRecord.self, from: data) } catch {
                    throw LaborStoreError(.corrupt, detail: "labor_record.record")
                }
                if let row = try Row.fetchOne(db, sql: """
                    SELECT as_of, participation FROM labor_si_update WHERE personal_id = ? AND as_of <= ?
                    ORDER BY as_of DESC LIMIT 1
                    """, arguments: [personalID.digits, limit]) {
                    guard let asOf = try? CalendarDate(iso: row[0]),
                          let participation = SocialInsuranceParticipation(rawValue: row[1]) else {
                        throw LaborStoreError(.corrupt, detail: "labor_si_update")
                    }
                    record = record.applying(SocialInsuranceUpdate(personalID: personalID, participation: participation,
                                                                   asOf: asOf))
                }
                if let identity = try Row.fetchOne(db, sql: """
                    SELECT status, registered_name, registered_date_of_birth FROM labor_identity WHERE personal_id = ?
                    """, arguments: [personalID.digits]), identity[0] as String == IdentityStatus.mismatch.rawValue {
                    if let name: String = identity[1] { record.fullName = name }
                    if let text: String = identity[2] {
                        guard let date = try? CalendarDate(iso: text) else {
                            throw LaborStoreError(.corrupt, detail: "labor_identity.registered_date_of_birth")
                        }
                        record.dateOfBirth = date
                    }
                }
                return record
            }
        }
    }

    /// Every record held for the person, oldest as-of date first, as stored (no update or register value applied).
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt` when a stored record cannot be decoded.
    public func history(personalID: PersonalID) throws -> [WorkerRecord] {
        try guarded("history") {
            try pool.read { db in
                let decoder = JSONDecoder()
                return try Data.fetchAll(db, sql: """
                    SELECT record FROM labor_record WHERE personal_id = ? ORDER BY as_of
                    """, arguments: [personalID.digits]).map { data in
                    do { return try decoder.decode(WorkerRecord.self, from: data) } catch {
                        throw LaborStoreError(.corrupt, detail: "labor_record.record")
                    }
                }
            }
        }
    }

    /// The store's contents in numbers (records, people, by source, by identity status, latest as-of date).
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt` for a value this version does not write.
    public func counts() throws -> LaborCounts {
        try guarded("counts") {
            try pool.read { db in
                var counts = LaborCounts()
                counts.records = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM labor_record") ?? 0
                counts.people = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT personal_id) FROM labor_record") ?? 0
                for row in try Row.fetchAll(db, sql: "SELECT source, COUNT(*) FROM labor_record GROUP BY source") {
                    guard let source = WorkerRecordSource(rawValue: row[0]) else {
                        throw LaborStoreError(.corrupt, detail: "labor_record.source")
                    }
                    counts.bySource[source] = row[1]
                }
                for row in try Row.fetchAll(db, sql: """
                    SELECT i.status, COUNT(*) FROM labor_identity i
                    WHERE EXISTS (SELECT 1 FROM labor_record r WHERE r.personal_id = i.personal_id) GROUP BY i.status
                    """) {
                    guard let status = IdentityStatus(rawValue: row[0]) else {
                        throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                    }
                    counts.byIdentity[status] = row[1]
                }
                counts.unverified = counts.people - counts.byIdentity.values.reduce(0, +)
                counts.socialInsuranceUpdates = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM labor_si_update") ?? 0
                if let latest = try String.fetchOne(db, sql: "SELECT MAX(as_of) FROM labor_record") {
                    guard let date = try? CalendarDate(iso: latest) else {
                        throw LaborStoreError(.corrupt, detail: "labor_record.as_of")
                    }
                    counts.latestAsOf = date
                }
                return counts
            }
        }
    }

    // MARK: - Helpers

    /// Runs `body`, turning SQLite's errors into ``LaborStoreError`` `database` (the result code and the
    /// operation; never SQL arguments). Other errors pass through.
    func guarded<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw LaborStoreError(.database, detail: "\(operation): SQLite error \(error.resultCode.rawValue)")
        }
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// Writes worker records inside a write transaction: one prepared insert, and an update when the (person, as-of
/// date) is already held.
struct RecordWriter {
    private let insert: Statement
    private let update: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        insert = try db.makeStatement(sql: """
            INSERT INTO labor_record (personal_id, as_of, source, received_at, date_of_birth, sex, district_code,
                                      commune_code, area, qualification, employment_status, sector, income_band,
                                      social_insurance, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (personal_id, as_of) DO NOTHING
            """)
        update = try db.makeStatement(sql: """
            UPDATE labor_record SET source = ?3, received_at = ?4, date_of_birth = ?5, sex = ?6, district_code = ?7,
                   commune_code = ?8, area = ?9, qualification = ?10, employment_status = ?11, sector = ?12,
                   income_band = ?13, social_insurance = ?14, record = ?15
            WHERE personal_id = ?1 AND as_of = ?2
            """)
    }

    /// Stores `record`; returns whether it replaced one held for the same person and as-of date.
    func write(_ record: WorkerRecord, receivedAt: Int64) throws -> Bool {
        let json = RecordJSON.encode(record)
        let arguments: StatementArguments = [
            record.personalID.digits, record.asOf.iso, record.source.rawValue, receivedAt,
            record.dateOfBirth.daysSinceEpoch, record.sex.rawValue, record.districtCode, record.communeCode,
            record.area.rawValue, record.qualification.rawValue, record.employmentStatus.rawValue,
            record.sector?.rawValue, record.incomeBand.rawValue, record.socialInsurance.rawValue, json,
        ]
        try insert.execute(arguments: arguments)
        if db.changesCount > 0 { return false }
        try update.execute(arguments: arguments)
        return true
    }
}
