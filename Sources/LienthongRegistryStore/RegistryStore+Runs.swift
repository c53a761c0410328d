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
            return try rows.map { row in
                let stored = try StoredRow(row, decoder: decoder)
                let draft = stored.submitted
                let verify = stored.disposition == .verify
                return VerificationTask(
                    row: stored.row, kind: verify ? .verify : .requestPersonalID,
                    personalID: verify ? draft.effectivePersonalID : nil, fullName: draft.fullName,
                    dateOfBirth: draft.dateOfBirth.value, sex: draft.sex.value, hometown: draft.hometown,
                    permanentResidence: draft.residence, parentName: draft.parentOrGuardianName,
                    birthRegistrationPlace: draft.birthRegistrationPlace)
            }
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
        let disposition = Disposition(rawValue: stored["disposition"])
        guard let disposition, disposition != .returnToCommune else {
            throw RegistryStoreError(.conflict, detail: "the row was returned to the commune and is not verified")
        }
        if let existing = stored["verification"] as Data? {
            let previous = try? JSONDecoder().decode(VerificationStatus.self, from: existing)
            guard previous == status else {
                throw RegistryStoreError(.conflict, detail: "the row already has another verification result")
            }
            return
        }
        var assigned: String?
        if case .numberAssigned(let id) = status {
            guard disposition == .requestPersonalID else {
                throw RegistryStoreError(.conflict, detail: "a number can only be assigned to a row without one")
            }
            assigned = id.digits
        }
        try db.execute(sql: """
            UPDATE registry_row SET verification_status = ?, verification = ?, verified_at = ?,
                   personal_id = COALESCE(?, personal_id)
            WHERE batch_id = ? AND "row" = ?
            """, arguments: [status.code, try JSONEncoder().encode(status), Self.millis(Date()), assigned, batch, row])
    }

    /// The verification run's progress for a batch.
    ///
    /// - Throws: ``RegistryStoreError`` `notFound` for an unknown batch.
    public func verificationProgress(batch: String) throws -> VerificationProgress {
        try pool.read { db in
            try Self.requireBatch(db, batch)
            var total = 0, done = 0, returned = 0
            var byStatus: [String: Int] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT disposition = 'return-to-commune' AS returned, verification_status, COUNT(*) AS n
                FROM registry_row WHERE batch_id = ? GROUP BY 1, 2
                """, arguments: [batch])
            for row in rows {
                let n: Int = row["n"]
                if row["returned"] as Bool {
                    returned += n
                    continue
                }
                total += n
                if let status: String = row["verification_status"] {
                    done += n
                    byStatus[status, default: 0] += n
                }
            }
            return VerificationProgress(batch: batch, total: total, done: done, byStatus: byStatus, returnedToCommune: returned)
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
            return try rows.compactMap { row -> AccountCheckTask? in
                let draft = try StoredRow(row, decoder: decoder).effective
                guard let account = draft.effectiveAccountNumber else { return nil }
                let authorised = draft.authorisedName != nil
                return AccountCheckTask(
                    row: row["row"], period: period, bin: draft.bankBIN, accountNumber: account,
                    accountType: draft.effectiveAccountType, payee: authorised ? .authorisedPerson : .beneficiary,
                    holderName: authorised ? draft.authorisedName : draft.fullName,
                    holderPersonalID: authorised ? draft.authorisedPersonalID.value : draft.effectivePersonalID)
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
            guard ["matched", "mismatch", "number_assigned"].contains(status["verification_status"] as String?) else {
                throw RegistryStoreError(.conflict, detail: "the row's identity is not verified")
            }
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
                guard tasks.count < limit, openingRef == nil else { return }
                let decision = decide(stored, check: check)
                guard decision.decision.status == .needsAccount else { return }
                let draft = stored.effective
                guard let name = draft.fullName, let id = draft.effectivePersonalID else { return }
                let person = OpeningPerson(fullName: name, personalID: id, dateOfBirth: draft.dateOfBirth.value?.fullDate,
                                           sex: draft.sex.value, permanentResidence: draft.residence,
                                           phone: draft.phone.value)
                var authorised: OpeningPerson?
                if let guardian = draft.authorisedName, let guardianID = draft.authorisedPersonalID.value {
                    authorised = OpeningPerson(fullName: guardian, personalID: guardianID, dateOfBirth: nil)
                }
                tasks.append(OpeningTask(
                    requestRef: Self.openingRequestRef(batch: batch, row: stored.row), batch: batch, row: stored.row,
                    period: period, bankBIN: decision.bankBIN, person: person, authorisedPerson: authorised,
                    payee: decision.decision.payee, category: stored.firstCategory))
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
        if let period { _ = try Self.checkPeriod(period) }
        do { try BankDirectory.validateBIN(bank, field: "bank") } catch {
            throw RegistryStoreError(.invalidArgument, detail: "bank: must be a 6-digit BIN")
        }
        try pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM registry_row WHERE batch_id = ? AND \"row\" = ?",
                                    arguments: [batch, row]) ?? false else {
                throw RegistryStoreError(.notFound, detail: "no such row in the batch")
            }
            if let existing = try Row.fetchOne(db, sql: """
                SELECT request_ref, message_id, status FROM registry_opening WHERE batch_id = ? AND "row" = ?
                """, arguments: [batch, row]) {
                guard existing["request_ref"] as String == requestRef else {
                    throw RegistryStoreError(.conflict, detail: "the row already has an opening under another reference")
                }
                if existing["message_id"] as String == messageID { return }
                guard existing["status"] as String == OpeningStatus.requested.rawValue else {
                    throw RegistryStoreError(.conflict, detail: "the bank already answered this opening")
                }
                try db.execute(sql: "UPDATE registry_opening SET message_id = ?, bank_bin = ?, sent_at = ? WHERE request_ref = ?",
                               arguments: [messageID, bank, Self.millis(Date()), requestRef])
                return
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
            guard let current = OpeningStatus(rawValue: existing["status"]) else {
                throw RegistryStoreError(.corrupt, detail: "registry_opening.status")
            }
            let next = OpeningStatus(rawValue: outcome.rawValue) ?? .acknowledged
            if next == current { return }
            if next.rank <= current.rank {
                if next.rank == current.rank {
                    throw RegistryStoreError(.conflict, detail: "the opening already has the other outcome")
                }
                return
            }
            if next == .cardDelivered, current == .rejected {
                throw RegistryStoreError(.conflict, detail: "a card cannot be delivered for a rejected opening")
            }
            if next == .opened || next == .cardDelivered, accountID == nil, current != .opened {
                throw RegistryStoreError(.conflict, detail: "an opened account needs its account id")
            }
            let batch: String = existing["batch_id"]
            let row: Int = existing["row"]
            try db.execute(sql: """
                UPDATE registry_opening SET status = ?, account_id = COALESCE(?, account_id),
                       reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason), updated_on = ?
                WHERE request_ref = ?
                """, arguments: [next.rawValue, accountID, reasonCode, reason, day?.iso, requestRef])
            if next == .opened || (next == .cardDelivered && current != .opened), let accountID {
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
                guard let status = OpeningStatus(rawValue: row["status"]) else {
                    throw RegistryStoreError(.corrupt, detail: "registry_opening.status")
                }
                return OpeningRecord(
                    requestRef: row["request_ref"], batch: row["batch_id"], row: row["row"], period: row["period"] as String?,
                    bankBIN: row["bank_bin"], messageID: row["message_id"], status: status, accountID: row["account_id"],
                    reasonCode: row["reason_code"], reason: row["reason"], sentAt: Self.date(millis: row["sent_at"]),
                    updatedOn: (row["updated_on"] as String?).flatMap { try? CalendarDate(iso: $0) })
            }
        }
    }
}
