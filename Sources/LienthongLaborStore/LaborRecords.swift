public import Foundation
public import LienthongCore
public import LienthongLabor
public import LienthongTabular

/// The labour records of SPEC §7 as the gateway and the CLI use them, whatever the database: the SQLite
/// ``LaborStore`` (one gateway) and the PostgreSQL `PostgresLaborStore` (several gateways on one database) both
/// conform, with the same semantics (history by as-of date, social-insurance updates applied on read, the
/// population check's identity rules, snapshots), the same results and the same errors (``LaborStoreError``,
/// ``LaborSurveyError``). A conformance test runs one scenario against both.
///
/// The requirements are `async` so that a network database can conform; the SQLite store's synchronous methods
/// satisfy them as they are. Protocols take no default arguments: pass `on: nil` for a person's latest record,
/// and `options: TabularOptions(), progress: { _ in }` for a survey import with the default limits.
///
/// ```swift
/// func refresh(_ store: some LaborRecords, records: [WorkerRecord], on date: CalendarDate) async throws -> SnapshotResult {
///     try await store.upsert(records)
///     return try await store.snapshot(on: date)
/// }
/// ```
public protocol LaborRecords: Sendable {
    /// Stores worker records in ONE transaction (all or nothing); see ``LaborStore/upsert(_:)``.
    @discardableResult
    func upsert(_ records: [WorkerRecord]) async throws -> UpsertSummary

    /// Stores social-insurance facts in ONE transaction (all or nothing); see ``LaborStore/apply(_:)``.
    /// Returns the number of facts stored.
    @discardableResult
    func apply(_ updates: [SocialInsuranceUpdate]) async throws -> Int

    /// The person's record in force on `date` (`nil`: their latest), with a newer social-insurance update and the
    /// register's name and date of birth (mismatch) applied; see ``LaborStore/record(personalID:on:)``.
    func record(personalID: PersonalID, on date: CalendarDate?) async throws -> WorkerRecord?

    /// Every record held for the person, oldest as-of date first, as stored; see ``LaborStore/history(personalID:)``.
    func history(personalID: PersonalID) async throws -> [WorkerRecord]

    /// The store's contents in numbers; see ``LaborStore/counts()``.
    func counts() async throws -> LaborCounts

    /// The analysis snapshot for `date`, people in personal id number order; see ``LaborStore/snapshot(on:)``.
    func snapshot(on date: CalendarDate) async throws -> SnapshotResult

    /// The next page of people whose identity has not been checked yet; see
    /// ``LaborStore/pendingIdentities(afterPersonalID:limit:)``.
    func pendingIdentities(afterPersonalID: PersonalID?, limit: Int) async throws -> [IdentityTask]

    /// Stores the population database's answers in ONE transaction (a later answer for a person replaces the
    /// earlier one); see ``LaborStore/recordIdentities(_:)``.
    func recordIdentities(_ results: [(PersonalID, IdentityResult)]) async throws

    /// The stored identity status of a person, `nil` when not checked yet; see ``LaborStore/identityStatus(of:)``.
    func identityStatus(of personalID: PersonalID) async throws -> IdentityStatus?

    /// Imports a commune's survey list (CSV or XLSX) atomically: all rows or nothing; see
    /// ``LaborStore/importSurvey(url:name:defaultAsOf:options:progress:)``.
    @discardableResult
    func importSurvey(url: URL, name: String, defaultAsOf: CalendarDate, options: TabularOptions,
                      progress: (Int) -> Void) async throws -> SurveyImportSummary
}

extension LaborStore: LaborRecords {}

/// The stored form of a worker record (`labor_record.record`), shared by the stores so that every database holds
/// the same JSON: member names as the properties, absent optionals omitted, dates `YYYY-MM-DD`, enums by raw value.
public enum LaborRecordJSON {
    /// The record as JSON (UTF-8), as the SQLite store writes it.
    public static func encode(_ record: WorkerRecord) -> Data { RecordJSON.encode(record) }

    /// The record read back from its JSON.
    ///
    /// - Throws: ``LaborStoreError`` `corrupt` naming `column` (never a value) when the JSON is not a record.
    public static func decode(_ data: Data, column: String = "labor_record.record") throws(LaborStoreError) -> WorkerRecord {
        do { return try JSONDecoder().decode(WorkerRecord.self, from: data) } catch {
            throw LaborStoreError(.corrupt, detail: column)
        }
    }
}
