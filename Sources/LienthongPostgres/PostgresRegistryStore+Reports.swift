public import Foundation
@_spi(RegistryStorage) public import LienthongRegistryStore
import Logging
import PostgresNIO

extension PostgresRegistryStore {
    // MARK: - Reports

    /// The discrepancy list for the commune (see ``RegistryStore/discrepancyReport(batch:period:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func discrepancyReport(batch: String, period: String? = nil) async throws -> DiscrepancyReport {
        if let period { _ = try RegistryRowLogic.checkPeriod(period) }
        let logger = self.logger
        let lines = try await guarded("discrepancyReport") {
            try await database.withSnapshot { connection -> [DiscrepancyLine] in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.rowColumns), c."result", c."registered_name"
                    FROM registry_row r
                    LEFT JOIN registry_account_check c
                      ON c."batch_id" = r."batch_id" AND c."row" = r."row" AND c."period" = \(period ?? "")
                    WHERE r."batch_id" = \(batch) AND (r."disposition" = 'return-to-commune'
                          OR r."verification_status" IN ('mismatch', 'not_found', 'invalid') OR c."result" = 'name_mismatch')
                    ORDER BY r."row"
                    """, logger: logger)
                let decoder = JSONDecoder()
                var lines: [DiscrepancyLine] = []
                for try await row in rows {
                    let columns = row.makeRandomAccess()
                    let n = Self.rowColumnCount
                    lines += RegistryRowLogic.discrepancyLines(
                        try Self.storedRow(columns, decoder), checkResult: try columns[n].decode(String?.self),
                        registeredName: try columns[n + 1].decode(String?.self))
                }
                return lines
            }
        }
        return RegistryRowLogic.discrepancyReport(batch: batch, period: period, lines: lines)
    }

    /// One list per bank for `period`, sorted by BIN (accounts without a bank last); see
    /// ``RegistryStore/bankLists(batch:period:)``.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func bankLists(batch: String, period: String) async throws -> [BankList] {
        _ = try RegistryRowLogic.checkPeriod(period)
        var lines: [(bin: String?, line: PayeeLine)] = []
        try await forEachVerifiedRow(batch: batch, period: period, operation: "bankLists") { visit in
            if let line = RegistryRowLogic.payeeLine(visit.stored, check: visit.check, openingRef: visit.openingRef,
                                                     defaultBankBIN: defaultBankBIN) {
                lines.append(line)
            }
        }
        return RegistryRowLogic.bankLists(lines, period: period)
    }

    /// The people the post office pays in cash for `period`; see ``RegistryStore/cashList(batch:period:)``.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func cashList(batch: String, period: String) async throws -> CashList {
        _ = try RegistryRowLogic.checkPeriod(period)
        var lines: [CashLine] = []
        try await forEachVerifiedRow(batch: batch, period: period, operation: "cashList") { visit in
            if let line = RegistryRowLogic.cashLine(visit.stored, check: visit.check, defaultBankBIN: defaultBankBIN) {
                lines.append(line)
            }
        }
        return RegistryRowLogic.cashList(batch: batch, period: period, lines: lines)
    }

    /// The monthly report of `batch` for `period`; see ``RegistryStore/monthlyReport(batch:period:)``.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func monthlyReport(batch: String, period: String) async throws -> MonthlyReport {
        _ = try RegistryRowLogic.checkPeriod(period)
        let logger = self.logger
        var tally = RegistryRowLogic.MonthlyTally(defaultBankBIN: defaultBankBIN)
        // Rows not verified: counted from the columns alone.
        let groups = try await guarded("monthlyReport") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT "district", "commune", "categories", "disposition", "verification_status", count(*)
                    FROM registry_row
                    WHERE "batch_id" = \(batch)
                      AND ("verification_status" IS NULL OR "verification_status" IN ('not_found', 'invalid'))
                    GROUP BY 1, 2, 3, 4, 5
                    """, logger: logger)
                var groups: [(String?, String?, String?, String, String?, Int)] = []
                for try await group in rows.decode((String?, String?, String?, String, String?, Int).self) {
                    groups.append(group)
                }
                return groups
            }
        }
        for (district, commune, categories, disposition, status, count) in groups {
            tally.addUnverified(district: district, commune: commune, categories: categories, disposition: disposition,
                                verificationStatus: status, count: count)
        }
        // Verified rows: with the period's payment decision.
        try await forEachVerifiedRow(batch: batch, period: period, operation: "monthlyReport") { visit in
            tally.addVerified(visit.stored, check: visit.check)
        }
        return try tally.report(batch: batch, period: period)
    }

    /// Writes the discrepancy list to `directory` as `danh-sach-sai-lech-<batch>[-<period>].csv` and `.xlsx` (the
    /// SQLite store's files, built from ``discrepancyReport(batch:period:)``).
    public func writeDiscrepancyReport(batch: String, period: String? = nil, to directory: URL) async throws -> ReportFiles {
        try RegistryReportFiles.write(try await discrepancyReport(batch: batch, period: period), to: directory)
    }

    /// Writes one list per bank to `directory` as `ngan-hang-<BIN>-<batch>-<period>.csv`/`.xlsx`
    /// (`ngan-hang-khac-…` for accounts without a bank), keyed by BIN (`""` for those).
    public func writeBankLists(batch: String, period: String, to directory: URL) async throws -> [String: ReportFiles] {
        try RegistryReportFiles.write(try await bankLists(batch: batch, period: period), batch: batch, period: period,
                                      to: directory)
    }

    /// Writes the cash list to `directory` as `buu-dien-tien-mat-<batch>-<period>.csv`/`.xlsx`.
    public func writeCashList(batch: String, period: String, to directory: URL) async throws -> ReportFiles {
        try RegistryReportFiles.write(try await cashList(batch: batch, period: period), to: directory)
    }

    /// Writes the monthly report to `directory` as `bao-cao-thang-<period>-<batch>.csv`/`.xlsx`.
    public func writeMonthlyReport(batch: String, period: String, to directory: URL) async throws -> ReportFiles {
        try RegistryReportFiles.write(try await monthlyReport(batch: batch, period: period), to: directory)
    }
}
