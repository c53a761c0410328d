public import Foundation
public import LienthongCore
public import LienthongLabor
public import LienthongLaborStore
public import LienthongTabular
import Logging
import PostgresNIO

/// The labour records of SPEC §7 in PostgreSQL, shared by several gateway instances: the same calls, results and
/// errors as the SQLite ``LaborStore`` (both conform to ``LaborRecords``; one conformance test runs against both).
///
/// ```swift
/// let labor = try await PostgresLaborStore(database: database)      // applies `labor-v1` when needed
/// try await labor.upsert(records)
/// let result = try await labor.snapshot(on: today)
/// ```
///
/// Semantics (as ``LaborStore``): a person has one record per as-of date, a record for a (person, as-of date)
/// already held replaces it, an older one is kept as history; the record in force on a date is the person's latest
/// one on or before it; the latest social-insurance update on or before the date replaces its participation when it
/// is newer than the record; `not_found` and `invalid` people are left out of snapshots, and on a mismatch the
/// register's date of birth (snapshots) and name (``record(personalID:on:)``) are used.
///
/// Writes are one READ COMMITTED transaction each (all or nothing), records sent in batches of
/// ``batchSize`` as arrays (`unnest`), so a batch is one round trip; a batch's repeated (person, as-of date) keeps
/// its last record and counts the others as replaced, as the SQLite store's one-by-one writes do. A survey import
/// reads the file with ``LaborSurveyReader`` (the SQLite store's parser: same records, same ``LaborSurveyError``s)
/// and writes it in ONE transaction: the first bad row rolls everything back. Reads that take several statements
/// run in one REPEATABLE READ snapshot; the snapshot's rows are streamed in personal id order (`COLLATE "C"`: the
/// byte order SQLite uses), so the district and commune codes are interned in the same order as in SQLite.
///
/// Errors: ``LaborStoreError`` `database` (naming the operation and the SQLSTATE, never a value), `corrupt`,
/// `invalidArgument`; ``LaborSurveyError`` for a survey file's problems. Logs hold counts only.
///
/// Schema (migration `labor-v1`; dates are `date`, times `bigint` milliseconds since 1970, enum columns the Swift
/// raw values):
/// - `labor_record(personal_id, as_of, source, received_at, date_of_birth, sex, district_code, commune_code, area,
///   qualification, employment_status, sector NULL, income_band, social_insurance, record jsonb)`, primary key
///   `(personal_id, as_of)`; the covering index `labor_record_snapshot (personal_id, as_of DESC) INCLUDE (<the
///   analysed columns>)` serves snapshots without reading the JSON;
/// - `labor_si_update(personal_id, as_of, participation, received_at)`, primary key `(personal_id, as_of)`;
/// - `labor_identity(personal_id PK, status, verified_at, registered_name NULL, registered_date_of_birth NULL)`.
public final class PostgresLaborStore: LaborRecords {
    /// The database holding the records.
    public let database: PostgresDatabase

    /// Records per statement when writing.
    public static let batchSize = 1_000

    private var logger: Logger { database.logger }

    /// The schema migrations of the labour records.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(name: "labor-v1", statements: [
            """
            CREATE TABLE labor_record (
                "personal_id" text COLLATE "C" NOT NULL,
                "as_of" date NOT NULL,
                "source" text NOT NULL,
                "received_at" bigint NOT NULL,
                "date_of_birth" date NOT NULL,
                "sex" text NOT NULL,
                "district_code" text NOT NULL,
                "commune_code" text NOT NULL,
                "area" text NOT NULL,
                "qualification" text NOT NULL,
                "employment_status" text NOT NULL,
                "sector" text,
                "income_band" text NOT NULL,
                "social_insurance" text NOT NULL,
                "record" jsonb NOT NULL,
                PRIMARY KEY ("personal_id", "as_of")
            )
            """,
            """
            CREATE INDEX labor_record_snapshot ON labor_record ("personal_id", "as_of" DESC) INCLUDE (
                "source", "date_of_birth", "sex", "district_code", "commune_code", "area", "qualification",
                "employment_status", "sector", "income_band", "social_insurance")
            """,
            """
            CREATE TABLE labor_si_update (
                "personal_id" text COLLATE "C" NOT NULL,
                "as_of" date NOT NULL,
                "participation" text NOT NULL,
                "received_at" bigint NOT NULL,
                PRIMARY KEY ("personal_id", "as_of")
            )
            """,
            """
            CREATE TABLE labor_identity (
                "personal_id" text COLLATE "C" PRIMARY KEY,
                "status" text NOT NULL CHECK ("status" IN ('matched', 'mismatch', 'not_found', 'invalid')),
                "verified_at" bigint NOT NULL,
                "registered_name" text,
                "registered_date_of_birth" date
            )
            """,
        ]),
    ]

    /// Opens the labour records in `database` (started), applying ``migrations`` when needed.
    ///
    /// - Throws: ``LaborStoreError`` `database` when the migration fails.
    public init(database: PostgresDatabase) async throws {
        self.database = database
        _ = try await Self.guarded("open") { try await database.migrate(Self.migrations) }
    }

    // MARK: - Writing

    /// Stores worker records in ONE transaction: all or nothing (see ``LaborStore/upsert(_:)``).
    ///
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    @discardableResult
    public func upsert(_ records: [WorkerRecord]) async throws -> UpsertSummary {
        guard !records.isEmpty else { return UpsertSummary() }
        let logger = self.logger
        let summary = try await Self.guarded("upsert") {
            try await database.withTransaction { connection -> UpsertSummary in
                let receivedAt = Self.nowMillis()
                var summary = UpsertSummary()
                var start = records.startIndex
                while start < records.endIndex {
                    let end = min(start + Self.batchSize, records.endIndex)
                    let batch = try await Self.write(records[start..<end], receivedAt: receivedAt, connection, logger)
                    summary.inserted += batch.inserted
                    summary.replaced += batch.replaced
                    start = end
                }
                return summary
            }
        }
        logger.info("labor records stored", metadata: [
            "inserted": "\(summary.inserted)", "replaced": "\(summary.replaced)",
        ])
        return summary
    }

    /// Stores social-insurance facts in ONE transaction: all or nothing (see ``LaborStore/apply(_:)``). A fact for
    /// a (person, as-of date) already held, or repeated in `updates`, replaces the earlier one.
    ///
    /// - Returns: the number of facts given.
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    @discardableResult
    public func apply(_ updates: [SocialInsuranceUpdate]) async throws -> Int {
        guard !updates.isEmpty else { return 0 }
        let logger = self.logger
        try await Self.guarded("apply") {
            try await database.withTransaction { connection in
                let receivedAt = Self.nowMillis()
                // One statement cannot update a row twice: the last fact for a (person, as-of date) wins, as it
                // does when the facts are written one after the other.
                var position: [Key: Int] = [:]
                var latest: [SocialInsuranceUpdate] = []
                for update in updates {
                    let key = Key(person: update.personalID.digits, asOf: update.asOf.daysSinceEpoch)
                    if let index = position[key] { latest[index] = update } else {
                        position[key] = latest.count
                        latest.append(update)
                    }
                }
                var start = latest.startIndex
                while start < latest.endIndex {
                    let batch = latest[start..<min(start + Self.batchSize, latest.endIndex)]
                    let people = batch.map(\.personalID.digits)
                    let dates = batch.map(\.asOf.iso)
                    let participations = batch.map(\.participation.rawValue)
                    try await connection.query("""
                        INSERT INTO labor_si_update ("personal_id", "as_of", "participation", "received_at")
                        SELECT x.p, x.a::date, x.s, \(receivedAt)
                        FROM unnest(\(people)::text[], \(dates)::text[], \(participations)::text[]) AS x(p, a, s)
                        ON CONFLICT ("personal_id", "as_of") DO UPDATE SET "participation" = EXCLUDED."participation",
                            "received_at" = EXCLUDED."received_at"
                        """, logger: logger)
                    start += batch.count
                }
            }
        }
        logger.info("labor social-insurance updates stored", metadata: ["updates": "\(updates.count)"])
        return updates.count
    }

    /// Imports a commune's survey list (CSV or XLSX) in ONE transaction: all or nothing (see
    /// ``LaborStore/importSurvey(url:name:defaultAsOf:options:progress:)``). Rows are read one by one with
    /// ``LaborSurveyReader`` and written in batches; the distinct people are counted in a temporary table dropped
    /// at commit (and with everything else on rollback).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the file's name as the officer knows it (used in errors and the summary).
    ///   - defaultAsOf: the as-of date of rows without an as-of value.
    ///   - options: the reader's limits.
    ///   - progress: called with the number of rows read so far (every 10,000 rows and at the end).
    /// - Throws: ``LaborSurveyError`` for the file's problems (nothing stored); ``LaborStoreError`` `database`.
    @discardableResult
    public func importSurvey(url: URL, name: String, defaultAsOf: CalendarDate,
                             options: TabularOptions = TabularOptions(),
                             progress: (Int) -> Void = { _ in }) async throws -> SurveyImportSummary {
        let file = try LaborSurveyReader(url: url, name: name, defaultAsOf: defaultAsOf, options: options)
        defer { file.close() }
        let logger = self.logger
        let summary = try await Self.guarded("import") {
            try await database.withTransaction { connection -> SurveyImportSummary in
                try await connection.query(#"""
                    CREATE TEMP TABLE IF NOT EXISTS labor_import_person ("personal_id" text COLLATE "C" PRIMARY KEY)
                    ON COMMIT DROP
                    """#, logger: logger)
                try await connection.query("DELETE FROM labor_import_person", logger: logger)
                let receivedAt = Self.nowMillis()
                var rows = 0, inserted = 0, replaced = 0
                var batch: [WorkerRecord] = []
                batch.reserveCapacity(Self.batchSize)
                func flush() async throws {
                    guard !batch.isEmpty else { return }
                    let written = try await Self.write(batch[...], receivedAt: receivedAt, connection, logger)
                    inserted += written.inserted
                    replaced += written.replaced
                    let people = batch.map(\.personalID.digits)
                    try await connection.query("""
                        INSERT INTO labor_import_person ("personal_id") SELECT unnest(\(people)::text[])
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                    batch.removeAll(keepingCapacity: true)
                }
                while let record = try file.next() {
                    rows += 1
                    batch.append(record)
                    if batch.count == Self.batchSize { try await flush() }
                    if rows % 10_000 == 0 { progress(rows) }
                }
                try await flush()
                let counted = try await connection.query(
                    "SELECT count(*) FROM labor_import_person", logger: logger).collect()
                let people = try counted.first?.decode(Int.self) ?? 0
                return SurveyImportSummary(fileName: name, rows: rows, people: people, inserted: inserted,
                                           replaced: replaced)
            }
        }
        progress(summary.rows)
        logger.info("labor survey imported", metadata: [
            "rows": "\(summary.rows)", "people": "\(summary.people)", "inserted": "\(summary.inserted)",
            "replaced": "\(summary.replaced)",
        ])
        return summary
    }

    /// Stores the population database's answers in ONE transaction (all or nothing); a later answer for a person
    /// replaces the earlier one (see ``LaborStore/recordIdentities(_:)``).
    ///
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    public func recordIdentities(_ results: [(PersonalID, IdentityResult)]) async throws {
        guard !results.isEmpty else { return }
        let logger = self.logger
        try await Self.guarded("recordIdentities") {
            try await database.withTransaction { connection in
                let verifiedAt = Self.nowMillis()
                for (personalID, result) in results {
                    var name: String?
                    var dateOfBirth: String?
                    if case .mismatch(let registeredName, let registeredDateOfBirth) = result {
                        name = registeredName
                        dateOfBirth = registeredDateOfBirth?.iso
                    }
                    try await connection.query("""
                        INSERT INTO labor_identity ("personal_id", "status", "verified_at", "registered_name",
                                                    "registered_date_of_birth")
                        VALUES (\(personalID.digits), \(result.status.rawValue), \(verifiedAt), \(name)::text,
                                \(dateOfBirth)::date)
                        ON CONFLICT ("personal_id") DO UPDATE SET "status" = EXCLUDED."status",
                            "verified_at" = EXCLUDED."verified_at", "registered_name" = EXCLUDED."registered_name",
                            "registered_date_of_birth" = EXCLUDED."registered_date_of_birth"
                        """, logger: logger)
                }
            }
        }
        var byStatus: [IdentityStatus: Int] = [:]
        for (_, result) in results { byStatus[result.status, default: 0] += 1 }
        logger.info("labor identities recorded", metadata: [
            "matched": "\(byStatus[.matched] ?? 0)", "mismatch": "\(byStatus[.mismatch] ?? 0)",
            "notFound": "\(byStatus[.notFound] ?? 0)", "invalid": "\(byStatus[.invalid] ?? 0)",
        ])
    }

    // MARK: - Reading

    /// The person's record in force on `date` (`nil`: their latest), as a snapshot sees it (see
    /// ``LaborStore/record(personalID:on:)``).
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt`.
    public func record(personalID: PersonalID, on date: CalendarDate? = nil) async throws -> WorkerRecord? {
        let limit = date?.iso ?? "9999-12-31"
        let person = personalID.digits
        let logger = self.logger
        return try await Self.guarded("record") {
            try await database.withSnapshot { connection -> WorkerRecord? in
                let found = try await connection.query("""
                    SELECT "record"::text FROM labor_record WHERE "personal_id" = \(person) AND "as_of" <= \(limit)::date
                    ORDER BY "as_of" DESC LIMIT 1
                    """, logger: logger).collect()
                guard let row = found.first else { return nil }
                var record = try LaborRecordJSON.decode(Data(try row.decode(String.self).utf8))
                let updates = try await connection.query("""
                    SELECT "as_of" - DATE '1970-01-01', "participation" FROM labor_si_update
                    WHERE "personal_id" = \(person) AND "as_of" <= \(limit)::date ORDER BY "as_of" DESC LIMIT 1
                    """, logger: logger).collect()
                if let update = updates.first {
                    let (days, text) = try update.decode((Int, String).self)
                    guard let participation = SocialInsuranceParticipation(rawValue: text) else {
                        throw LaborStoreError(.corrupt, detail: "labor_si_update")
                    }
                    record = record.applying(SocialInsuranceUpdate(
                        personalID: personalID, participation: participation, asOf: CalendarDate(daysSinceEpoch: days)))
                }
                let identities = try await connection.query("""
                    SELECT "status", "registered_name", "registered_date_of_birth" - DATE '1970-01-01'
                    FROM labor_identity WHERE "personal_id" = \(person)
                    """, logger: logger).collect()
                if let identity = identities.first {
                    let (status, name, days) = try identity.decode((String, String?, Int?).self)
                    if status == IdentityStatus.mismatch.rawValue {
                        if let name { record.fullName = name }
                        if let days { record.dateOfBirth = CalendarDate(daysSinceEpoch: days) }
                    }
                }
                return record
            }
        }
    }

    /// Every record held for the person, oldest as-of date first, as stored (see ``LaborStore/history(personalID:)``).
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt`.
    public func history(personalID: PersonalID) async throws -> [WorkerRecord] {
        let person = personalID.digits
        let logger = self.logger
        return try await Self.guarded("history") {
            try await database.withSnapshot { connection in
                var records: [WorkerRecord] = []
                for try await text in try await connection.query("""
                    SELECT "record"::text FROM labor_record WHERE "personal_id" = \(person) ORDER BY "as_of"
                    """, logger: logger).decode(String.self) {
                    records.append(try LaborRecordJSON.decode(Data(text.utf8)))
                }
                return records
            }
        }
    }

    /// The store's contents in numbers (see ``LaborStore/counts()``), from one snapshot of the database.
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt`.
    public func counts() async throws -> LaborCounts {
        let logger = self.logger
        return try await Self.guarded("counts") {
            try await database.withSnapshot { connection in
                var counts = LaborCounts()
                let totals = try await connection.query("""
                    SELECT count(*), count(DISTINCT "personal_id"), max("as_of") - DATE '1970-01-01',
                           (SELECT count(*) FROM labor_si_update)
                    FROM labor_record
                    """, logger: logger).collect()
                if let row = totals.first {
                    let (records, people, latest, updates) = try row.decode((Int, Int, Int?, Int).self)
                    counts.records = records
                    counts.people = people
                    counts.latestAsOf = latest.map(CalendarDate.init(daysSinceEpoch:))
                    counts.socialInsuranceUpdates = updates
                }
                for try await (text, count) in try await connection.query("""
                    SELECT "source", count(*) FROM labor_record GROUP BY "source"
                    """, logger: logger).decode((String, Int).self) {
                    guard let source = WorkerRecordSource(rawValue: text) else {
                        throw LaborStoreError(.corrupt, detail: "labor_record.source")
                    }
                    counts.bySource[source] = count
                }
                for try await (text, count) in try await connection.query("""
                    SELECT i."status", count(*) FROM labor_identity i
                    WHERE EXISTS (SELECT 1 FROM labor_record r WHERE r."personal_id" = i."personal_id")
                    GROUP BY i."status"
                    """, logger: logger).decode((String, Int).self) {
                    guard let status = IdentityStatus(rawValue: text) else {
                        throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                    }
                    counts.byIdentity[status] = count
                }
                counts.unverified = counts.people - counts.byIdentity.values.reduce(0, +)
                return counts
            }
        }
    }

    /// The analysis snapshot for `date` (see ``LaborStore/snapshot(on:)``): each person's latest record on or
    /// before it, `not_found` and `invalid` people left out, a newer social-insurance update's participation and a
    /// mismatch's registered date of birth applied.
    ///
    /// One statement in a REPEATABLE READ snapshot picks each person's record (`DISTINCT ON`, through the covering
    /// index), their identity result and their latest update newer than the record; its rows are streamed in
    /// personal id order into the ``LaborSnapshot``, so memory beyond the snapshot itself stays constant.
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt` for a value this version does not write.
    public func snapshot(on date: CalendarDate) async throws -> SnapshotResult {
        let limit = date.iso
        let logger = self.logger
        return try await Self.guarded("snapshot") {
            try await database.withSnapshot { connection in
                let total = try await connection.query("""
                    SELECT count(*) FROM labor_record WHERE "as_of" <= \(limit)::date
                    """, logger: logger).collect()
                let considered = try total.first?.decode(Int.self) ?? 0
                let rows = try await connection.query("""
                    SELECT r."date_of_birth" - DATE '1970-01-01', r."sex", r."district_code", r."commune_code",
                           r."area", r."qualification", r."employment_status", r."sector", r."income_band",
                           r."social_insurance", i."status", i."registered_date_of_birth" - DATE '1970-01-01',
                           (SELECT u."participation" FROM labor_si_update u
                            WHERE u."personal_id" = r."personal_id" AND u."as_of" <= \(limit)::date
                              AND u."as_of" > r."as_of"
                            ORDER BY u."as_of" DESC LIMIT 1)
                    FROM (SELECT DISTINCT ON ("personal_id") "personal_id", "as_of", "date_of_birth", "sex",
                                 "district_code", "commune_code", "area", "qualification", "employment_status",
                                 "sector", "income_band", "social_insurance"
                          FROM labor_record WHERE "as_of" <= \(limit)::date
                          ORDER BY "personal_id", "as_of" DESC) r
                    LEFT JOIN labor_identity i ON i."personal_id" = r."personal_id"
                    ORDER BY r."personal_id"
                    """, logger: logger)
                var snapshot = LaborSnapshot()
                var excluded = 0, unverified = 0, updated = 0, registeredDates = 0
                for try await row in rows {
                    let (birthDays, sexText, district, commune, areaText, qualificationText, statusText, sectorText,
                         incomeText, insuranceText, identityText, registeredDays, updateText) = try row.decode(
                        (Int, String, String, String, String, String, String, String?, String, String, String?, Int?,
                         String?).self)
                    var dateOfBirth = CalendarDate(daysSinceEpoch: birthDays)
                    if let identityText {
                        guard let identity = IdentityStatus(rawValue: identityText) else {
                            throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                        }
                        if identity.isExcluded {
                            excluded += 1
                            continue
                        }
                        if identity == .mismatch, let registeredDays {
                            let registered = CalendarDate(daysSinceEpoch: registeredDays)
                            if registered != dateOfBirth { registeredDates += 1 }
                            dateOfBirth = registered
                        }
                    } else {
                        unverified += 1
                    }
                    guard let sex = Sex(rawValue: sexText) else { throw Self.corrupt("sex") }
                    guard let area = AreaType(rawValue: areaText) else { throw Self.corrupt("area") }
                    guard let qualification = Qualification(rawValue: qualificationText) else {
                        throw Self.corrupt("qualification")
                    }
                    guard let status = EmploymentStatus(rawValue: statusText) else {
                        throw Self.corrupt("employment_status")
                    }
                    var sector: EconomicSector?
                    if let sectorText {
                        guard let value = EconomicSector(rawValue: sectorText) else { throw Self.corrupt("sector") }
                        sector = value
                    }
                    guard let income = IncomeBand(rawValue: incomeText) else { throw Self.corrupt("income_band") }
                    guard var insurance = SocialInsuranceParticipation(rawValue: insuranceText) else {
                        throw Self.corrupt("social_insurance")
                    }
                    if let updateText {
                        guard let participation = SocialInsuranceParticipation(rawValue: updateText) else {
                            throw LaborStoreError(.corrupt, detail: "labor_si_update.participation")
                        }
                        if participation != insurance { updated += 1 }
                        insurance = participation
                    }
                    snapshot.append(dateOfBirth: dateOfBirth, sex: sex, districtCode: district, communeCode: commune,
                                    area: area, qualification: qualification, employmentStatus: status,
                                    sector: sector, incomeBand: income, socialInsurance: insurance)
                }
                return SnapshotResult(date: date, snapshot: snapshot, excludedIdentity: excluded,
                                      unverified: unverified, recordsConsidered: considered,
                                      socialInsuranceUpdated: updated, registeredDatesOfBirth: registeredDates)
            }
        }
    }

    /// People whose identity has not been checked yet, in personal id order, with the name and date of birth of
    /// their latest record (see ``LaborStore/pendingIdentities(afterPersonalID:limit:)``).
    ///
    /// - Throws: ``LaborStoreError`` `invalidArgument` for a limit below 1, `database`, or `corrupt`.
    public func pendingIdentities(afterPersonalID: PersonalID?, limit: Int) async throws -> [IdentityTask] {
        guard limit >= 1 else { throw LaborStoreError(.invalidArgument, detail: "limit: must be at least 1") }
        let after = afterPersonalID?.digits ?? ""
        let logger = self.logger
        return try await Self.guarded("pendingIdentities") {
            try await database.withSnapshot { connection in
                var tasks: [IdentityTask] = []
                for try await (digits, name, days) in try await connection.query("""
                    SELECT DISTINCT ON (r."personal_id") r."personal_id", r."record"->>'fullName',
                           r."date_of_birth" - DATE '1970-01-01'
                    FROM labor_record r
                    WHERE r."personal_id" > \(after)
                      AND NOT EXISTS (SELECT 1 FROM labor_identity i WHERE i."personal_id" = r."personal_id")
                    ORDER BY r."personal_id", r."as_of" DESC
                    LIMIT \(limit)
                    """, logger: logger).decode((String, String?, Int).self) {
                    guard let personalID = try? PersonalID(digits), let name else {
                        throw LaborStoreError(.corrupt, detail: "labor_record.record")
                    }
                    tasks.append(IdentityTask(personalID: personalID, fullName: name,
                                              dateOfBirth: CalendarDate(daysSinceEpoch: days)))
                }
                return tasks
            }
        }
    }

    /// The stored identity status of a person, `nil` when not checked yet.
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt`.
    public func identityStatus(of personalID: PersonalID) async throws -> IdentityStatus? {
        let person = personalID.digits
        let logger = self.logger
        return try await Self.guarded("identityStatus") {
            try await database.withSnapshot { connection -> IdentityStatus? in
                let rows = try await connection.query("""
                    SELECT "status" FROM labor_identity WHERE "personal_id" = \(person)
                    """, logger: logger).collect()
                guard let row = rows.first else { return nil }
                guard let status = IdentityStatus(rawValue: try row.decode(String.self)) else {
                    throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                }
                return status
            }
        }
    }

    // MARK: - Helpers

    /// A (person, as-of date) key.
    private struct Key: Hashable {
        var person: String
        var asOf: Int
    }

    /// Writes `records` (at most a batch) in one statement on `connection`, inside the caller's transaction.
    ///
    /// A (person, as-of date) repeated in `records` keeps its last record, the earlier ones counted as replaced;
    /// each remaining record is counted as inserted when the row is new (`xmax = 0` in `RETURNING`: no earlier
    /// version of the row) and as replaced otherwise, which is what writing them one by one would count.
    private static func write(_ records: ArraySlice<WorkerRecord>, receivedAt: Int64, _ connection: PostgresConnection,
                              _ logger: Logger) async throws -> UpsertSummary {
        var summary = UpsertSummary()
        var position: [Key: Int] = [:]
        var unique: [WorkerRecord] = []
        unique.reserveCapacity(records.count)
        for record in records {
            let key = Key(person: record.personalID.digits, asOf: record.asOf.daysSinceEpoch)
            if let index = position[key] {
                unique[index] = record
                summary.replaced += 1
            } else {
                position[key] = unique.count
                unique.append(record)
            }
        }
        let people = unique.map(\.personalID.digits)
        let asOf = unique.map(\.asOf.iso)
        let sources = unique.map(\.source.rawValue)
        let births = unique.map(\.dateOfBirth.iso)
        let sexes = unique.map(\.sex.rawValue)
        let districts = unique.map(\.districtCode)
        let communes = unique.map(\.communeCode)
        let areas = unique.map(\.area.rawValue)
        let qualifications = unique.map(\.qualification.rawValue)
        let statuses = unique.map(\.employmentStatus.rawValue)
        let sectors = unique.map { $0.sector?.rawValue ?? "" }   // no sector letter is empty
        let incomes = unique.map(\.incomeBand.rawValue)
        let insurances = unique.map(\.socialInsurance.rawValue)
        let json = unique.map { String(decoding: LaborRecordJSON.encode($0), as: UTF8.self) }
        let rows = try await connection.query("""
            INSERT INTO labor_record ("personal_id", "as_of", "source", "received_at", "date_of_birth", "sex",
                "district_code", "commune_code", "area", "qualification", "employment_status", "sector", "income_band",
                "social_insurance", "record")
            SELECT x.p, x.a::date, x.s, \(receivedAt), x.b::date, x.sx, x.d, x.c, x.ar, x.q, x.e, NULLIF(x.sec, ''),
                   x.i, x.si, x.r::jsonb
            FROM unnest(\(people)::text[], \(asOf)::text[], \(sources)::text[], \(births)::text[], \(sexes)::text[],
                        \(districts)::text[], \(communes)::text[], \(areas)::text[], \(qualifications)::text[],
                        \(statuses)::text[], \(sectors)::text[], \(incomes)::text[], \(insurances)::text[],
                        \(json)::text[])
                AS x(p, a, s, b, sx, d, c, ar, q, e, sec, i, si, r)
            ON CONFLICT ("personal_id", "as_of") DO UPDATE SET "source" = EXCLUDED."source",
                "received_at" = EXCLUDED."received_at", "date_of_birth" = EXCLUDED."date_of_birth",
                "sex" = EXCLUDED."sex", "district_code" = EXCLUDED."district_code",
                "commune_code" = EXCLUDED."commune_code", "area" = EXCLUDED."area",
                "qualification" = EXCLUDED."qualification", "employment_status" = EXCLUDED."employment_status",
                "sector" = EXCLUDED."sector", "income_band" = EXCLUDED."income_band",
                "social_insurance" = EXCLUDED."social_insurance", "record" = EXCLUDED."record"
            RETURNING (xmax = 0)
            """, logger: logger)
        for try await isNew in rows.decode(Bool.self) {
            if isNew { summary.inserted += 1 } else { summary.replaced += 1 }
        }
        return summary
    }

    /// Runs `body`, turning the driver's errors into ``LaborStoreError`` (the operation and the SQLSTATE or the
    /// driver's code; never a value or the statement). Other errors pass through.
    private static func guarded<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError {
            let code = error.serverInfo?[.sqlState] ?? error.code.description
            throw LaborStoreError(.database, detail: "\(operation): PostgreSQL error \(code)")
        } catch is PostgresDecodingError {
            throw LaborStoreError(.corrupt, detail: "\(operation): a column of an unexpected type")
        }
    }

    private static func corrupt(_ column: String) -> LaborStoreError {
        LaborStoreError(.corrupt, detail: "labor_record.\(column)")
    }

    private static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
