import Foundation
import GRDB
public import LienthongCore
import LienthongLabor

extension LaborStore {
    /// The analysis snapshot for `date`: one entry per person, the record in force on that date.
    ///
    /// For each person with a record on or before `date`:
    /// - the record is their latest one with an as-of date on or before `date`;
    /// - people whose identity the population database did not find (`not_found`) or refused (`invalid`) are left
    ///   out (``SnapshotResult/excludedIdentity``); people not checked yet are included and counted
    ///   (``SnapshotResult/unverified``);
    /// - the latest social-insurance update on or before `date` replaces the record's participation when it is
    ///   newer than the record (``WorkerRecord/applying(_:)``);
    /// - on an identity mismatch, the register's date of birth replaces the record's.
    ///
    /// Three ordered cursors are merged in one pass (records, updates and identity results, all in personal id
    /// order through their primary keys; the records through a covering index of the analysed columns, so the
    /// records' JSON is never read). Memory beyond the snapshot itself (about 17 bytes a person) is constant.
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt` for a value this version does not write.
    public func snapshot(on date: CalendarDate) throws -> SnapshotResult {
        let limit = date.iso
        return try guarded("snapshot") {
            try pool.read { db in
                let records = try Row.fetchCursor(db, sql: """
                    SELECT CAST(personal_id AS INTEGER), CAST(REPLACE(as_of, '-', '') AS INTEGER), date_of_birth, sex,
                           district_code, commune_code, area, qualification, employment_status, sector, income_band,
                           social_insurance
                    FROM labor_record INDEXED BY labor_record_snapshot
                    WHERE as_of <= ?
                    ORDER BY personal_id, as_of DESC
                    """, arguments: [limit])
                var updates = try MergeCursor(Row.fetchCursor(db, sql: """
                    SELECT CAST(personal_id AS INTEGER), CAST(REPLACE(as_of, '-', '') AS INTEGER), participation
                    FROM labor_si_update WHERE as_of <= ? ORDER BY personal_id, as_of DESC
                    """, arguments: [limit])) { row throws -> UpdateEntry in
                    guard let participation = SocialInsuranceParticipation(rawValue: row[2] as String) else {
                        throw LaborStoreError(.corrupt, detail: "labor_si_update.participation")
                    }
                    return UpdateEntry(person: row[0], asOf: row[1], participation: participation)
                }
                var identities = try MergeCursor(Row.fetchCursor(db, sql: """
                    SELECT CAST(personal_id AS INTEGER), status, registered_date_of_birth
                    FROM labor_identity ORDER BY personal_id
                    """)) { row throws -> IdentityEntry in
                    guard let status = IdentityStatus(rawValue: row[1] as String) else {
                        throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                    }
                    var registered: CalendarDate?
                    if status == .mismatch, let text: String = row[2] {
                        guard let date = try? CalendarDate(iso: text) else {
                            throw LaborStoreError(.corrupt, detail: "labor_identity.registered_date_of_birth")
                        }
                        registered = date
                    }
                    return IdentityEntry(person: row[0], status: status, registeredDateOfBirth: registered)
                }

                var snapshot = LaborSnapshot()
                var considered = 0, excluded = 0, unverified = 0, updated = 0, registeredDates = 0
                var current: Int64 = -1
                while let row = try records.next() {
                    considered += 1
                    let person: Int64 = row[0]
                    if person == current { continue }   // an older record of the same person
                    current = person

                    var dateOfBirth = CalendarDate(daysSinceEpoch: row[2])
                    let identity = try identities.seek(person) { $0.person }
                    if let identity {
                        if identity.status.isExcluded {
                            excluded += 1
                            continue
                        }
                        if let registered = identity.registeredDateOfBirth {
                            if registered != dateOfBirth { registeredDates += 1 }
                            dateOfBirth = registered
                        }
                    } else {
                        unverified += 1
                    }

                    guard let sex = Sex(rawValue: row[3] as String) else { throw Self.corrupt("sex") }
                    guard let area = AreaType(rawValue: row[6] as String) else { throw Self.corrupt("area") }
                    guard let qualification = Qualification(rawValue: row[7] as String) else {
                        throw Self.corrupt("qualification")
                    }
                    guard let status = EmploymentStatus(rawValue: row[8] as String) else {
                        throw Self.corrupt("employment_status")
                    }
                    var sector: EconomicSector?
                    if let letter: String = row[9] {
                        guard let value = EconomicSector(rawValue: letter) else { throw Self.corrupt("sector") }
                        sector = value
                    }
                    guard let income = IncomeBand(rawValue: row[10] as String) else { throw Self.corrupt("income_band") }
                    guard var insurance = SocialInsuranceParticipation(rawValue: row[11] as String) else {
                        throw Self.corrupt("social_insurance")
                    }
                    // The latest update on or before the date is the person's first in (personal_id, as_of DESC).
                    if let update = try updates.seek(person, key: { $0.person }), update.asOf > row[1] as Int64 {
                        if update.participation != insurance { updated += 1 }
                        insurance = update.participation
                    }
                    snapshot.append(dateOfBirth: dateOfBirth, sex: sex, districtCode: row[4], communeCode: row[5],
                                    area: area, qualification: qualification, employmentStatus: status,
                                    sector: sector, incomeBand: income, socialInsurance: insurance)
                }
                return SnapshotResult(date: date, snapshot: snapshot, excludedIdentity: excluded,
                                      unverified: unverified, recordsConsidered: considered,
                                      socialInsuranceUpdated: updated, registeredDatesOfBirth: registeredDates)
            }
        }
    }

    static func corrupt(_ column: String) -> LaborStoreError {
        LaborStoreError(.corrupt, detail: "labor_record.\(column)")
    }
}

/// A social-insurance update as the snapshot merges it (the person's number and the as-of date as integers, in the
/// same order as their text).
struct UpdateEntry {
    var person: Int64
    var asOf: Int64
    var participation: SocialInsuranceParticipation
}

/// An identity result as the snapshot merges it.
struct IdentityEntry {
    var person: Int64
    var status: IdentityStatus
    var registeredDateOfBirth: CalendarDate?
}

/// A cursor over rows in ascending person order, read one entry ahead, for a merge join.
struct MergeCursor<Entry> {
    private let rows: RowCursor
    private let decode: (Row) throws -> Entry
    private var head: Entry?
    private var started = false

    init(_ rows: RowCursor, decode: @escaping (Row) throws -> Entry) {
        self.rows = rows
        self.decode = decode
    }

    /// The first entry of `person`, skipping entries of smaller numbers; `nil` when there is none. Calls must come
    /// with non-decreasing `person`.
    mutating func seek(_ person: Int64, key: (Entry) -> Int64) throws -> Entry? {
        if !started {
            started = true
            head = try rows.next().map(decode)
        }
        while let entry = head, key(entry) < person {
            head = try rows.next().map(decode)
        }
        guard let entry = head, key(entry) == person else { return nil }
        return entry
    }
}
