import Foundation
import GRDB
public import LienthongCore
import LienthongLabor

extension LaborStore {
    /// People whose identity has not been checked yet (no identity result stored), in personal id number order,
    /// with the name and date of birth of their latest record: the next page of work for the population check.
    ///
    /// - Parameters:
    ///   - afterPersonalID: the last person of the previous page, `nil` for the first page.
    ///   - limit: the page size, at least 1.
    /// - Throws: ``LaborStoreError`` `invalidArgument` for a limit below 1, `database`, or `corrupt`.
    public func pendingIdentities(afterPersonalID: PersonalID?, limit: Int) throws -> [IdentityTask] {
        guard limit >= 1 else { throw LaborStoreError(.invalidArgument, detail: "limit: must be at least 1") }
        return try guarded("pendingIdentities") {
            try pool.read { db in
                // Each person's latest record: the first of their rows in (personal_id, as_of DESC) order.
                let rows = try Row.fetchAll(db, sql: """
                    SELECT r.personal_id, r.record FROM labor_record r
                    WHERE r.personal_id > ?
                      AND NOT EXISTS (SELECT 1 FROM labor_identity i WHERE i.personal_id = r.personal_id)
                      AND r.as_of = (SELECT MAX(l.as_of) FROM labor_record l WHERE l.personal_id = r.personal_id)
                    ORDER BY r.personal_id
                    LIMIT ?
                    """, arguments: [afterPersonalID?.digits ?? "", limit])
                let decoder = JSONDecoder()
                return try rows.map { row in
                    let data: Data = row[1]
                    guard let personalID = try? PersonalID(row[0] as String),
                          let record = try? decoder.decode(WorkerRecord.self, from: data) else {
                        throw LaborStoreError(.corrupt, detail: "labor_record.record")
                    }
                    return IdentityTask(personalID: personalID, fullName: record.fullName,
                                        dateOfBirth: record.dateOfBirth)
                }
            }
        }
    }

    /// Stores the population database's answers in ONE transaction (all or nothing). A person has one identity
    /// result: a later answer replaces the earlier one.
    ///
    /// - Throws: ``LaborStoreError`` `database`; nothing is stored then.
    public func recordIdentities(_ results: [(PersonalID, IdentityResult)]) throws {
        guard !results.isEmpty else { return }
        try guarded("recordIdentities") {
            try pool.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO labor_identity (personal_id, status, verified_at, registered_name,
                                                registered_date_of_birth)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (personal_id) DO UPDATE SET status = excluded.status,
                        verified_at = excluded.verified_at, registered_name = excluded.registered_name,
                        registered_date_of_birth = excluded.registered_date_of_birth
                    """)
                let verifiedAt = Self.nowMillis()
                for (personalID, result) in results {
                    var name: String?
                    var dateOfBirth: String?
                    if case .mismatch(let registeredName, let registeredDateOfBirth) = result {
                        name = registeredName
                        dateOfBirth = registeredDateOfBirth?.iso
                    }
                    try statement.execute(arguments: [personalID.digits, result.status.rawValue, verifiedAt, name,
                                                      dateOfBirth])
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

    /// The stored identity status of a person, `nil` when not checked yet.
    ///
    /// - Throws: ``LaborStoreError`` `database`, or `corrupt`.
    public func identityStatus(of personalID: PersonalID) throws -> IdentityStatus? {
        try guarded("identityStatus") {
            try pool.read { db in
                guard let text = try String.fetchOne(db, sql: "SELECT status FROM labor_identity WHERE personal_id = ?",
                                                     arguments: [personalID.digits]) else { return nil }
                guard let status = IdentityStatus(rawValue: text) else {
                    throw LaborStoreError(.corrupt, detail: "labor_identity.status")
                }
                return status
            }
        }
    }
}
