import Foundation
import GRDB
public import LienthongRegistry

/// One stored row: the list's values, the checks, and what the runs recorded. `description` is redacted.
public struct RowRecord: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// What the import decided.
    public var disposition: RowDisposition
    /// The findings of the checks, in check order.
    public var findings: [Finding]
    /// The list's values as submitted.
    public var submitted: BeneficiaryDraft
    /// The values later steps use (the register's values, an assigned number, an opened account applied).
    public var effective: BeneficiaryDraft
    /// The verification result, `nil` while pending (or for a row returned to the commune).
    public var verification: VerificationStatus?

    /// Creates a record.
    public init(row: Int, disposition: RowDisposition, findings: [Finding], submitted: BeneficiaryDraft,
                effective: BeneficiaryDraft, verification: VerificationStatus?) {
        self.row = row
        self.disposition = disposition
        self.findings = findings
        self.submitted = submitted
        self.effective = effective
        self.verification = verification
    }

    /// Redacted.
    public var description: String { "RowRecord(row \(row), redacted)" }
}

extension RegistryStore {
    /// Up to `limit` rows of `batch` from row number `after` (exclusive), in row order: for paging through a batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func rows(batch: String, after: Int = 0, limit: Int = 100) throws -> [RowRecord] {
        try pool.read { db in
            try Self.requireBatch(db, batch)
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: """
                SELECT \(StoredRow.columns), r.personal_id FROM registry_row r WHERE r.batch_id = ? AND r."row" > ?
                ORDER BY r."row" LIMIT ?
                """, arguments: [batch, after, max(0, limit)]).map { row in
                try RegistryRowLogic.record(try StoredRow(row, decoder: decoder))
            }
        }
    }

    /// One row of `batch`.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    public func row(batch: String, row: Int) throws -> RowRecord {
        guard let record = try rows(batch: batch, after: row - 1, limit: 1).first, record.row == row else {
            throw RegistryStoreError(.notFound, detail: "no such row in the batch")
        }
        return record
    }
}
