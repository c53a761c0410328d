public import Foundation
public import LienthongCore
public import LienthongRegistry
@_spi(RegistryStorage) public import LienthongRegistryStore
import Logging
import PostgresNIO

extension PostgresRegistryStore {
    // MARK: - Verification

    /// Up to `limit` rows of `batch` still to verify, in row order, after row `afterRow` (see
    /// ``RegistryStore/pendingVerifications(batch:afterRow:limit:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func pendingVerifications(batch: String, afterRow: Int = 0, limit: Int) async throws -> [VerificationTask] {
        let logger = self.logger
        return try await guarded("pendingVerifications") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.rowColumns) FROM registry_row r
                    WHERE r."batch_id" = \(batch) AND r."verification_status" IS NULL
                      AND r."disposition" <> 'return-to-commune' AND r."row" > \(afterRow)
                    ORDER BY r."row" LIMIT \(max(0, limit))
                    """, logger: logger)
                let decoder = JSONDecoder()
                var tasks: [VerificationTask] = []
                for try await row in rows {
                    tasks.append(RegistryRowLogic.verificationTask(try Self.storedRow(row.makeRandomAccess(), decoder)))
                }
                return tasks
            }
        }
    }

    /// Records the population database's answer for a row (see ``RegistryStore/recordVerification(batch:row:status:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `conflict`.
    public func recordVerification(batch: String, row: Int, status: VerificationStatus) async throws {
        try await recordVerifications(batch: batch, results: [(row: row, status: status)])
    }

    /// Several results in ONE transaction: all are recorded or, when one throws, none.
    public func recordVerifications(batch: String, results: [(row: Int, status: VerificationStatus)]) async throws {
        guard !results.isEmpty else { return }
        let logger = self.logger
        try await guarded("recordVerifications") {
            try await database.withTransaction { connection in
                for result in results {
                    try await Self.applyVerification(batch: batch, row: result.row, status: result.status, connection, logger)
                }
            }
        }
    }

    private static func applyVerification(batch: String, row: Int, status: VerificationStatus,
                                          _ connection: PostgresConnection, _ logger: Logger) async throws {
        let found = try await connection.query("""
            SELECT "disposition", "verification" FROM registry_row WHERE "batch_id" = \(batch) AND "row" = \(row)
            FOR UPDATE
            """, logger: logger).collect()
        guard let stored = found.first else { throw RegistryStoreError(.notFound, detail: "no such row in the batch") }
        let (disposition, existing) = try stored.decode((String, Data?).self)
        guard let write = try RegistryRowLogic.verificationWrite(disposition: disposition, existing: existing,
                                                                 status: status) else { return }
        try await connection.query("""
            UPDATE registry_row SET "verification_status" = \(write.code), "verification" = \(write.document),
                "verified_at" = \(RegistryRowLogic.millis(Date())),
                "personal_id" = COALESCE(\(write.assignedPersonalID)::text, "personal_id")
            WHERE "batch_id" = \(batch) AND "row" = \(row)
            """, logger: logger)
    }

    /// The verification run's progress for a batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func verificationProgress(batch: String) async throws -> VerificationProgress {
        let logger = self.logger
        return try await guarded("verificationProgress") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT "disposition" = 'return-to-commune', "verification_status", count(*) FROM registry_row
                    WHERE "batch_id" = \(batch) GROUP BY 1, 2
                    """, logger: logger)
                var groups: [(returned: Bool, status: String?, count: Int)] = []
                for try await (returned, status, count) in rows.decode((Bool, String?, Int).self) {
                    groups.append((returned, status, count))
                }
                return RegistryRowLogic.progress(batch: batch, groups: groups)
            }
        }
    }

    // MARK: - Accounts per period

    /// Up to `limit` verified rows with an account and no check for `period`, in row order, after row `afterRow`
    /// (see ``RegistryStore/pendingAccountChecks(batch:period:afterRow:limit:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func pendingAccountChecks(batch: String, period: String, afterRow: Int = 0,
                                     limit: Int) async throws -> [AccountCheckTask] {
        _ = try RegistryRowLogic.checkPeriod(period)
        let logger = self.logger
        return try await guarded("pendingAccountChecks") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.rowColumns) FROM registry_row r
                    WHERE r."batch_id" = \(batch) AND r."verification_status" IN ('matched', 'mismatch', 'number_assigned')
                      AND r."account_number" IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM registry_account_check c
                                      WHERE c."batch_id" = r."batch_id" AND c."row" = r."row" AND c."period" = \(period))
                      AND r."row" > \(afterRow)
                    ORDER BY r."row" LIMIT \(max(0, limit))
                    """, logger: logger)
                let decoder = JSONDecoder()
                var tasks: [AccountCheckTask] = []
                for try await row in rows {
                    let stored = try Self.storedRow(row.makeRandomAccess(), decoder)
                    if let task = RegistryRowLogic.accountCheckTask(stored, period: period) { tasks.append(task) }
                }
                return tasks
            }
        }
    }

    /// Records the account verification of a row for `period`; the latest check of a period counts.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `conflict` (the row is not verified), `invalidArgument`.
    public func recordAccountCheck(batch: String, row: Int, period: String, result: AccountVerification,
                                   registeredName: String?) async throws {
        _ = try RegistryRowLogic.checkPeriod(period)
        let logger = self.logger
        try await guarded("recordAccountCheck") {
            try await database.withTransaction { connection in
                let found = try await connection.query("""
                    SELECT "verification_status" FROM registry_row WHERE "batch_id" = \(batch) AND "row" = \(row) FOR SHARE
                    """, logger: logger).collect()
                guard let stored = found.first else {
                    throw RegistryStoreError(.notFound, detail: "no such row in the batch")
                }
                try RegistryRowLogic.checkVerified(try stored.decode(String?.self))
                try await connection.query("""
                    INSERT INTO registry_account_check ("batch_id", "row", "period", "result", "registered_name", "checked_at")
                    VALUES (\(batch), \(row), \(period), \(result.rawValue), \(registeredName)::text,
                            \(RegistryRowLogic.millis(Date())))
                    ON CONFLICT ("batch_id", "row", "period") DO UPDATE SET "result" = EXCLUDED."result",
                        "registered_name" = EXCLUDED."registered_name", "checked_at" = EXCLUDED."checked_at"
                    """, logger: logger)
            }
        }
    }

    /// The payment decision of every verified row of `batch` for `period`, in row order.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func paymentDecisions(batch: String, period: String) async throws -> [RowPaymentDecision] {
        _ = try RegistryRowLogic.checkPeriod(period)
        var decisions: [RowPaymentDecision] = []
        try await forEachVerifiedRow(batch: batch, period: period, operation: "paymentDecisions") { visit in
            decisions.append(RegistryRowLogic.decide(visit.stored, check: visit.check, defaultBankBIN: defaultBankBIN))
        }
        return decisions
    }

    // MARK: - Account openings

    /// The rows of `batch` whose decision for `period` is ``AccountStatus/needsAccount`` and for which no opening
    /// was sent yet, in row order (at most `limit`).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func pendingOpenings(batch: String, period: String, limit: Int = .max) async throws -> [OpeningTask] {
        _ = try RegistryRowLogic.checkPeriod(period)
        var tasks: [OpeningTask] = []
        try await forEachVerifiedRow(batch: batch, period: period, operation: "pendingOpenings") { visit in
            guard tasks.count < limit else { return }
            if let task = RegistryRowLogic.openingTask(visit.stored, check: visit.check, openingRef: visit.openingRef,
                                                       batch: batch, period: period, defaultBankBIN: defaultBankBIN) {
                tasks.append(task)
            }
        }
        return tasks
    }

    /// Records that an opening request was queued for a row (see
    /// ``RegistryStore/recordOpeningSent(batch:row:requestRef:messageID:bank:period:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `conflict`, `invalidArgument`.
    public func recordOpeningSent(batch: String, row: Int, requestRef: String, messageID: String, bank: String,
                                  period: String? = nil) async throws {
        try RegistryRowLogic.checkOpeningSent(bank: bank, period: period)
        let logger = self.logger
        try await guarded("recordOpeningSent") {
            try await database.withTransaction { connection in
                // The row's lock orders two writers of the same row's opening.
                let found = try await connection.query("""
                    SELECT 1 FROM registry_row WHERE "batch_id" = \(batch) AND "row" = \(row) FOR UPDATE
                    """, logger: logger).collect()
                guard !found.isEmpty else { throw RegistryStoreError(.notFound, detail: "no such row in the batch") }
                let existing = try await connection.query("""
                    SELECT "request_ref", "message_id", "status" FROM registry_opening
                    WHERE "batch_id" = \(batch) AND "row" = \(row)
                    """, logger: logger).collect().first.map { row in
                    let (ref, message, status) = try row.decode((String, String, String).self)
                    return (requestRef: ref, messageID: message, status: status)
                }
                let now = RegistryRowLogic.millis(Date())
                switch try RegistryRowLogic.openingSent(existing: existing, requestRef: requestRef, messageID: messageID) {
                case .unchanged:
                    return
                case .replaceMessage:
                    try await connection.query("""
                        UPDATE registry_opening SET "message_id" = \(messageID), "bank_bin" = \(bank), "sent_at" = \(now)
                        WHERE "request_ref" = \(requestRef)
                        """, logger: logger)
                case .insert:
                    try await connection.query("""
                        INSERT INTO registry_opening ("request_ref", "batch_id", "row", "period", "bank_bin", "message_id",
                                                      "status", "sent_at")
                        VALUES (\(requestRef), \(batch), \(row), \(period)::text, \(bank), \(messageID), 'requested', \(now))
                        """, logger: logger)
                }
            }
        }
    }

    /// Records a bank's result for an opening (see
    /// ``RegistryStore/recordOpeningResult(requestRef:outcome:accountID:reasonCode:reason:on:)``).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `conflict`.
    public func recordOpeningResult(requestRef: String, outcome: OpeningOutcome, accountID: String?, reasonCode: String?,
                                    reason: String?, on day: CalendarDate?) async throws {
        let logger = self.logger
        try await guarded("recordOpeningResult") {
            try await database.withTransaction { connection in
                let found = try await connection.query("""
                    SELECT "batch_id", "row", "bank_bin", "status" FROM registry_opening
                    WHERE "request_ref" = \(requestRef) FOR UPDATE
                    """, logger: logger).collect()
                guard let existing = found.first else {
                    throw RegistryStoreError(.notFound, detail: "no such account opening")
                }
                let (batch, row, bin, status) = try existing.decode((String, Int, String, String).self)
                guard let write = try RegistryRowLogic.openingResult(current: status, outcome: outcome,
                                                                     accountID: accountID) else { return }
                try await connection.query("""
                    UPDATE registry_opening SET "status" = \(write.status.rawValue),
                        "account_id" = COALESCE(\(accountID)::text, "account_id"),
                        "reason_code" = COALESCE(\(reasonCode)::text, "reason_code"),
                        "reason" = COALESCE(\(reason)::text, "reason"), "updated_on" = \(day?.iso)::text
                    WHERE "request_ref" = \(requestRef)
                    """, logger: logger)
                if write.adoptsAccount, let accountID {
                    try await connection.query("""
                        UPDATE registry_row SET "opened_account" = \(accountID), "opened_bin" = \(bin),
                            "account_number" = \(accountID), "bank_bin" = \(bin)
                        WHERE "batch_id" = \(batch) AND "row" = \(row)
                        """, logger: logger)
                    try await connection.query("""
                        DELETE FROM registry_account_check WHERE "batch_id" = \(batch) AND "row" = \(row)
                        """, logger: logger)
                }
            }
        }
    }

    /// Every account opening of `batch`, in row order.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    public func openings(batch: String) async throws -> [OpeningRecord] {
        let logger = self.logger
        return try await guarded("openings") {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT "request_ref", "batch_id", "row", "period", "bank_bin", "message_id", "status", "account_id",
                           "reason_code", "reason", "sent_at", "updated_on"
                    FROM registry_opening WHERE "batch_id" = \(batch) ORDER BY "row"
                    """, logger: logger)
                var records: [OpeningRecord] = []
                for try await row in rows {
                    let (ref, batch, number, period, bin, message, status, account, code, reason, sentAt, updatedOn) =
                        try row.decode((String, String, Int, String?, String, String, String, String?, String?, String?,
                                        Int64, String?).self)
                    records.append(try RegistryRowLogic.openingRecord(
                        requestRef: ref, batch: batch, row: number, period: period, bankBIN: bin, messageID: message,
                        status: status, accountID: account, reasonCode: code, reason: reason, sentAtMillis: sentAt,
                        updatedOn: updatedOn))
                }
                return records
            }
        }
    }

    // MARK: - Jobs

    /// Stores `job` (insert or replace), durably.
    public func saveJob(_ job: RegistryJob) async throws {
        let document = try RegistryRowLogic.encodeJob(job)
        let startedAt = Int64(job.startedAt.timeIntervalSince1970 * 1000)
        let logger = self.logger
        try await guarded("saveJob") {
            try await database.withTransaction { connection in
                _ = try await connection.query("""
                    INSERT INTO registry_job ("id", "started_at", "state", "document")
                    VALUES (\(job.id), \(startedAt), \(job.state.rawValue), \(document))
                    ON CONFLICT ("id") DO UPDATE SET "state" = EXCLUDED."state", "document" = EXCLUDED."document"
                    """, logger: logger)
            }
        }
    }

    /// One job, `nil` when unknown.
    public func job(id: String) async throws -> RegistryJob? {
        let logger = self.logger
        let data = try await guarded("job") {
            try await database.withSnapshot { connection in
                try await connection.query(#"SELECT "document" FROM registry_job WHERE "id" = \#(id)"#, logger: logger)
                    .collect().first.map { try $0.decode(Data.self) }
            }
        }
        return try data.map(RegistryRowLogic.decodeJob)
    }

    /// The latest jobs, newest first (then by id).
    public func jobs(limit: Int = 50) async throws -> [RegistryJob] {
        let logger = self.logger
        let documents = try await guarded("jobs") {
            try await database.withSnapshot { connection in
                var documents: [Data] = []
                for try await data in try await connection.query("""
                    SELECT "document" FROM registry_job ORDER BY "started_at" DESC, "id" LIMIT \(max(0, limit))
                    """, logger: logger).decode(Data.self) {
                    documents.append(data)
                }
                return documents
            }
        }
        return try documents.map(RegistryRowLogic.decodeJob)
    }

    /// Marks every job still `running` as `interrupted` with `cause`; returns how many.
    @discardableResult
    public func interruptRunningJobs(cause: String, at date: Date = Date()) async throws -> Int {
        let logger = self.logger
        return try await guarded("interruptRunningJobs") {
            try await database.withTransaction { connection in
                var documents: [Data] = []
                for try await data in try await connection.query("""
                    SELECT "document" FROM registry_job WHERE "state" = 'running' ORDER BY "id" FOR UPDATE
                    """, logger: logger).decode(Data.self) {
                    documents.append(data)
                }
                for data in documents {
                    var job = try RegistryRowLogic.decodeJob(data)
                    job.state = .interrupted
                    job.finishedAt = date
                    job.cause = cause
                    let document = try RegistryRowLogic.encodeJob(job)
                    try await connection.query("""
                        UPDATE registry_job SET "state" = \(job.state.rawValue), "document" = \(document)
                        WHERE "id" = \(job.id)
                        """, logger: logger)
                }
                return documents.count
            }
        }
    }

    // MARK: - Verified rows

    /// A verified row with this period's account check, the servicer's name and the opening reference.
    struct VerifiedRow {
        var stored: StoredRow
        var check: AccountVerification?
        var registeredName: String?
        var openingRef: String?
    }

    /// Visits the verified rows of `batch` in row order with this period's account check and opening reference
    /// (streamed, in one snapshot).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`.
    func forEachVerifiedRow(batch: String, period: String, operation: String,
                            _ body: (VerifiedRow) throws -> Void) async throws {
        let logger = self.logger
        return try await guarded(operation) {
            try await database.withSnapshot { connection in
                try await Self.requireBatch(batch, connection, logger)
                let rows = try await connection.query("""
                    SELECT \(unescaped: Self.rowColumns), c."result", c."registered_name", o."request_ref"
                    FROM registry_row r
                    LEFT JOIN registry_account_check c
                      ON c."batch_id" = r."batch_id" AND c."row" = r."row" AND c."period" = \(period)
                    LEFT JOIN registry_opening o ON o."batch_id" = r."batch_id" AND o."row" = r."row"
                    WHERE r."batch_id" = \(batch) AND r."verification_status" IN ('matched', 'mismatch', 'number_assigned')
                    ORDER BY r."row"
                    """, logger: logger)
                let decoder = JSONDecoder()
                for try await row in rows {
                    let columns = row.makeRandomAccess()
                    let n = Self.rowColumnCount
                    try body(VerifiedRow(
                        stored: try Self.storedRow(columns, decoder),
                        check: try RegistryRowLogic.accountCheck(try columns[n].decode(String?.self)),
                        registeredName: try columns[n + 1].decode(String?.self),
                        openingRef: try columns[n + 2].decode(String?.self)))
                }
            }
        }
    }
}
