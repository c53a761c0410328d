import Foundation
import GRDB
public import LienthongCore
public import LienthongRegistry

extension RegistryStore {
    // MARK: - Verification

    /// Up to `limit` rows of `batch` still to verify (disposition verify or request-personal-id, no result yet),
    /// in row order, after row `afterRow` (a run pages forward while earlier rows' calls are in flight). A run that
    /// stopped resumes by asking again from the start.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func pendingVerifications(batch: String, afterRow: Int = 0, limit: Int) throws -> [VerificationTask] {
        try pool.read { db in
            try Self.requireBatch(db, batch)
            let decoder = JSONDecoder()
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(StoredRow.columns) FROM registry_row r
                WHERE r.batch_id = ? AND r.verification_status IS NULL AND r.disposition <> 'return-to-commune'
                  AND r."row" > ?
                ORDER BY r."row" LIMIT ?
                """, arguments: [batch, afterRow, max(0, limit)])
            return try rows.map { row in RegistryRowLogic.verificationTask(try StoredRow(row, decoder: decoder)) }
        }
    }

    /// Records the population database's answer for a row.
    ///
    /// Idempotent: recording the same status again changes nothing. A mismatch stores the register's values,
    /// which then replace the list's for every later step (accounts, openings, reports); `numberAssigned` fills
    /// the row's personal id number (a request row only).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` (no such batch or row); `conflict` when the row was returned to
    ///   the commune, already has another result, or `numberAssigned` is recorded for a row that had a number.
    public func recordVerification(batch: String, row: Int, status: VerificationStatus) throws {
        try pool.write { db in try Self.applyVerification(db, batch: batch, row: row, status: status) }
    }

    /// ``recordVerification(batch:row:status:)`` for several rows in one transaction (one fsync for all): all are
    /// recorded or, when one throws, none.
    public func recordVerifications(batch: String, results: [(row: Int, status: VerificationStatus)]) throws {
        guard !results.isEmpty else { return }
        try pool.write { db in
            for result in results { try Self.applyVerification(db, batch: batch, row: result.row, status: result.status) }
        }
    }

    private static func applyVerification(_ db: Database, batch: String, row: Int, status: VerificationStatus) throws {
        guard let stored = try Row.fetchOne(db, sql: """
            SELECT disposition, verification FROM registry_row WHERE batch_id = ? AND "row" = ?
            """, arguments: [batch, row]) else {
            throw RegistryStoreError(.notFound, detail: "no such row in the batch")
        }
        guard let write = try RegistryRowLogic.verificationWrite(
            disposition: stored["disposition"], existing: stored["verification"] as Data?, status: status) else { return }
        try db.execute(sql: """
            UPDATE registry_row SET verification_status = ?, verification = ?, verified_at = ?,
                   personal_id = COALESCE(?, personal_id)
            WHERE batch_id = ? AND "row" = ?
            """, arguments: [write.code, write.document, Self.millis(Date()), write.assignedPersonalID, batch, row])
    }

    /// The verification run's progress for a batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func verificationProgress(batch: String) throws -> VerificationProgress {
        try pool.read { db in
            try Self.requireBatch(db, batch)
            let rows = try Row.fetchAll(db, sql: """
                SELECT disposition = 'return-to-commune' AS returned, verification_status, COUNT(*) AS n
                FROM registry_row WHERE batch_id = ? GROUP BY 1, 2
                """, arguments: [batch])
            return RegistryRowLogic.progress(batch: batch, groups: rows.map { row in
                (returned: row["returned"] as Bool, status: row["verification_status"] as String?, count: row["n"] as Int)
            })
        }
    }

    // MARK: - Accounts per period

    /// Up to `limit` verified rows (matched, mismatch, number assigned) of `batch` with an account and no account
    /// check for `period` (`YYYY-MM`), in row order, after row `afterRow`.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func pendingAccountChecks(batch: String, period: String, afterRow: Int = 0, limit: Int) throws -> [AccountCheckTask] {
        _ = try Self.checkPeriod(period)
        return try pool.read { db in
            try Self.requireBatch(db, batch)
            let decoder = JSONDecoder()
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(StoredRow.columns) FROM registry_row r
                WHERE r.batch_id = ? AND r.verification_status IN ('matched', 'mismatch', 'number_assigned')
                  AND r.account_number IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM registry_account_check c
                                  WHERE c.batch_id = r.batch_id AND c."row" = r."row" AND c.period = ?)
                  AND r."row" > ?
                ORDER BY r."row" LIMIT ?
                """, arguments: [batch, period, afterRow, max(0, limit)])
            return try rows.compactMap { row in
                RegistryRowLogic.accountCheckTask(try StoredRow(row, decoder: decoder), period: period)
            }
        }
    }

    /// Records the account verification of a row for `period`. The latest check of a period counts (recording the
    /// same result again changes nothing visible).
    ///
    /// - Parameter registeredName: the account servicer's name for the account, when it answered one.
    /// - Throws: ``RegistryStoreError`` `notFound` (no such row), `conflict` (the row is not verified),
    ///   `invalidArgument` (period).
    public func recordAccountCheck(batch: String, row: Int, period: String, result: AccountVerification,
                                   registeredName: String?) throws {
        _ = try Self.checkPeriod(period)
        try pool.write { db in
            guard let status = try Row.fetchOne(db, sql: """
                SELECT verification_status FROM registry_row WHERE batch_id = ? AND "row" = ?
                """, arguments: [batch, row]) else {
                throw RegistryStoreError(.notFound, detail: "no such row in the batch")
            }
            try RegistryRowLogic.checkVerified(status["verification_status"])
            try db.execute(sql: """
                INSERT OR REPLACE INTO registry_account_check (batch_id, "row", period, result, registered_name, checked_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [batch, row, period, result.rawValue, registeredName, Self.millis(Date())])
        }
    }

    /// The payment decision of every verified row of `batch` for `period` (``PaymentChannel``): ready for
    /// cashless payment, awaiting the account check, name mismatch, needs an account opened, or cash through the
    /// post office.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func paymentDecisions(batch: String, period: String) throws -> [RowPaymentDecision] {
        _ = try Self.checkPeriod(period)
        return try pool.read { db in
            try Self.requireBatch(db, batch)
            var decisions: [RowPaymentDecision] = []
            try forEachVerifiedRow(db, batch: batch, period: period) { stored, check, _, _ in
                decisions.append(decide(stored, check: check))
            }
            return decisions
        }
    }

    // MARK: - Account openings

    /// The deterministic request reference of a row's account opening: `asxh-<batch>-<row>`.
    public static func openingRequestRef(batch: String, row: Int) -> String { "asxh-\(batch)-\(row)" }

    /// The rows of `batch` whose decision for `period` is ``AccountStatus/needsAccount`` and for which no opening
    /// was sent yet, in row order (at most `limit`).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound`, `invalidArgument` (period).
    public func pendingOpenings(batch: String, period: String, limit: Int = .max) throws -> [OpeningTask] {
        _ = try Self.checkPeriod(period)
        return try pool.read { db in
            try Self.requireBatch(db, batch)
            var tasks: [OpeningTask] = []
            try forEachVerifiedRow(db, batch: batch, period: period) { stored, check, _, openingRef in
                guard tasks.count < limit,
                      let task = RegistryRowLogic.openingTask(stored, check: check, openingRef: openingRef, batch: batch,
                                                              period: period, defaultBankBIN: defaultBankBIN) else { return }
                tasks.append(task)
            }
            return tasks
        }
    }

    /// Records that an opening request was queued for a row (status `requested`); `period` is the payment period
    /// whose decision asked for it, when known. Recording the same reference
    /// and message id again changes nothing; another message id replaces it while the bank has not answered.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` (no such row), `conflict` (the row already has an answered
    ///   opening or another reference), `invalidArgument` (BIN).
    public func recordOpeningSent(batch: String, row: Int, requestRef: String, messageID: String, bank: String,
                                  period: String? = nil) throws {
        try RegistryRowLogic.checkOpeningSent(bank: bank, period: period)
        try pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM registry_row WHERE batch_id = ? AND \"row\" = ?",
                                    arguments: [batch, row]) ?? false else {
                throw RegistryStoreError(.notFound, detail: "no such row in the batch")
            }
            let existing = try Row.fetchOne(db, sql: """
                SELECT request_ref, message_id, status FROM registry_opening WHERE batch_id = ? AND "row" = ?
                """, arguments: [batch, row]).map { row in
                (requestRef: row["request_ref"] as String, messageID: row["message_id"] as String, status: row["status"] as String)
            }
            switch try RegistryRowLogic.openingSent(existing: existing, requestRef: requestRef, messageID: messageID) {
            case .unchanged:
                return
            case .replaceMessage:
                try db.execute(sql: "UPDATE registry_opening SET message_id = ?, bank_bin = ?, sent_at = ? WHERE request_ref = ?",
                               arguments: [messageID, bank, Self.millis(Date()), requestRef])
                return
            case .insert:
                break
            }
            try db.execute(sql: """
                INSERT INTO registry_opening (request_ref, batch_id, "row", period, bank_bin, message_id, status, sent_at)
                VALUES (?, ?, ?, ?, ?, ?, 'requested', ?)
                """, arguments: [requestRef, batch, row, period, bank, messageID, Self.millis(Date())])
        }
    }

    /// Records a bank's result for an opening. Steps only move forward (`requested → acknowledged →
    /// opened | rejected → card-delivered`); a repeated or older step changes nothing. An opened account becomes
    /// the row's account (and the row's earlier account checks, which were of the old account, are dropped).
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` (unknown reference), `conflict` (opened after rejected or the
    ///   reverse, card delivered for a rejected opening, an opened result without an account id).
    public func recordOpeningResult(requestRef: String, outcome: OpeningOutcome, accountID: String?, reasonCode: String?,
                                    reason: String?, on day: CalendarDate?) throws {
        try pool.write { db in
            guard let existing = try Row.fetchOne(db, sql: """
                SELECT batch_id, "row", bank_bin, status FROM registry_opening WHERE request_ref = ?
                """, arguments: [requestRef]) else {
                throw RegistryStoreError(.notFound, detail: "no such account opening")
            }
            guard let write = try RegistryRowLogic.openingResult(current: existing["status"], outcome: outcome,
                                                                 accountID: accountID) else { return }
            let next = write.status
            let batch: String = existing["batch_id"]
            let row: Int = existing["row"]
            try db.execute(sql: """
                UPDATE registry_opening SET status = ?, account_id = COALESCE(?, account_id),
                       reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason), updated_on = ?
                WHERE request_ref = ?
                """, arguments: [next.rawValue, accountID, reasonCode, reason, day?.iso, requestRef])
            if write.adoptsAccount, let accountID {
                let bin: String = existing["bank_bin"]
                try db.execute(sql: """
                    UPDATE registry_row SET opened_account = ?, opened_bin = ?, account_number = ?, bank_bin = ?
                    WHERE batch_id = ? AND "row" = ?
                    """, arguments: [accountID, bin, accountID, bin, batch, row])
                try db.execute(sql: "DELETE FROM registry_account_check WHERE batch_id = ? AND \"row\" = ?",
                               arguments: [batch, row])
            }
        }
    }

    /// Every account opening of `batch`, in row order.
    public func openings(batch: String) throws -> [OpeningRecord] {
        try pool.read { db in
            try Self.requireBatch(db, batch)
            return try Row.fetchAll(db, sql: "SELECT * FROM registry_opening WHERE batch_id = ? ORDER BY \"row\"",
                                    arguments: [batch]).map { row in
                try RegistryRowLogic.openingRecord(
                    requestRef: row["request_ref"], batch: row["batch_id"], row: row["row"], period: row["period"],
                    bankBIN: row["bank_bin"], messageID: row["message_id"], status: row["status"],
                    accountID: row["account_id"], reasonCode: row["reason_code"], reason: row["reason"],
                    sentAtMillis: row["sent_at"], updatedOn: row["updated_on"])
            }
        }
    }
}
