public import Foundation
public import LienthongCore
public import LienthongRegistry
import LienthongTabular

// Storage SPI (`@_spi(RegistryStorage) import LienthongRegistryStore`): the pure parts every registry store shares —
// report files from report values, row decoding and decisions, the import's reader and screening — so the SQLite
// and PostgreSQL stores differ only in their reads and writes.

/// Report files written from report values: the same names, sheets and cells as the SQLite store's streaming
/// writers (``RegistryStore/writeDiscrepancyReport(batch:period:to:)`` and the others), for stores that build the
/// reports first. Both files appear only when finished. Storage SPI.
///
/// (No default implementations of the protocol's `write…` requirements: an `async` extension method would be
/// preferred over ``RegistryStore``'s synchronous ones in asynchronous callers.)
@_spi(RegistryStorage) public enum RegistryReportFiles {
    /// Writes `danh-sach-sai-lech-<batch>[-<period>].csv` and `.xlsx`.
    public static func write(_ report: DiscrepancyReport, to directory: URL) throws -> ReportFiles {
        let writer = try discrepancyWriter(directory, batch: report.batch, period: report.period)
        do {
            for line in report.lines { try writer.append(cells(line)) }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes `ngan-hang-<BIN>-<batch>-<period>.csv`/`.xlsx` per list (`ngan-hang-khac-…` for accounts without a
    /// bank), keyed by BIN (`""` for those).
    public static func write(_ lists: [BankList], batch: String, period: String, to directory: URL) throws -> [String: ReportFiles] {
        var writers: [String: ReportWriter] = [:]
        do {
            for list in lists {
                let writer = try bankListWriter(directory, bin: list.bin, batch: batch, period: period)
                writers[list.bin ?? ""] = writer
                for line in list.lines { try writer.append(cells(line)) }
            }
            var files: [String: ReportFiles] = [:]
            for (key, writer) in writers { files[key] = try writer.finish() }
            return files
        } catch {
            for writer in writers.values { writer.abandon() }
            throw error
        }
    }

    /// Writes `buu-dien-tien-mat-<batch>-<period>.csv`/`.xlsx`.
    public static func write(_ list: CashList, to directory: URL) throws -> ReportFiles {
        let writer = try cashListWriter(directory, batch: list.batch, period: list.period)
        do {
            for line in list.lines { try writer.append(cells(line)) }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes `bao-cao-thang-<period>-<batch>.csv`/`.xlsx` (the sheet named after the period).
    public static func write(_ report: MonthlyReport, to directory: URL) throws -> ReportFiles {
        let writer = try ReportWriter(directory: directory, baseName: "bao-cao-thang-\(report.period)-\(report.batch)",
                                      sheetName: report.title.replacingOccurrences(of: "/", with: "-"),
                                      headers: RegistryStore.monthlyHeaders)
        do {
            for count in report.counts {
                try writer.append([count.district, count.commune,
                                   BeneficiaryCategory(rawValue: count.category)?.vietnameseName ?? "Chưa xác định",
                                   ReportText.verification(count.verificationStatus), ReportText.payment(count.paymentStatus)],
                                  count: count.count)
            }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    // The file names, sheets and cells of each report, in one place for the value writers above and the SQLite
    // store's streaming ones.

    static func discrepancyWriter(_ directory: URL, batch: String, period: String?) throws -> ReportWriter {
        try ReportWriter(directory: directory, baseName: "danh-sach-sai-lech-\(batch)" + (period.map { "-\($0)" } ?? ""),
                         sheetName: "Danh sách sai lệch", headers: RegistryStore.discrepancyHeaders)
    }

    static func cells(_ line: DiscrepancyLine) -> [String?] {
        [String(line.row), line.fullName, line.dateOfBirth, line.personalID, line.commune, line.district,
         line.kind.vietnameseName, line.issue, line.field, line.submitted, line.registered, line.bankRegistered]
    }

    static func bankListWriter(_ directory: URL, bin: String?, batch: String, period: String) throws -> ReportWriter {
        try ReportWriter(directory: directory, baseName: "ngan-hang-\(bin ?? "khac")-\(batch)-\(period)",
                         sheetName: "Ngân hàng \(bin ?? "khác") \(period)", headers: RegistryStore.bankListHeaders)
    }

    static func cells(_ line: PayeeLine) -> [String?] {
        [String(line.row), line.fullName, line.dateOfBirth, line.personalID, line.payeeName, line.payeePersonalID,
         line.accountNumber, line.commune, line.district, line.categories, ReportText.payment(line.status), line.openingRef]
    }

    static func cashListWriter(_ directory: URL, batch: String, period: String) throws -> ReportWriter {
        try ReportWriter(directory: directory, baseName: "buu-dien-tien-mat-\(batch)-\(period)",
                         sheetName: "Tiền mặt \(period)", headers: RegistryStore.cashListHeaders)
    }

    static func cells(_ line: CashLine) -> [String?] {
        [String(line.row), line.fullName, line.dateOfBirth, line.personalID, line.residence, line.commune, line.district,
         line.categories, line.receiver, ReportText.reason(line.reason)]
    }
}

// MARK: - Storage SPI

/// What every registry store derives the same way from stored columns: tasks, decisions, state transitions, report
/// lines and the import's screening. Storage SPI (`@_spi(RegistryStorage) import LienthongRegistryStore`): the
/// stores differ only in how they read and write; each calls these so that their results compare equal.
@_spi(RegistryStorage) public enum RegistryRowLogic {
    /// The verification statuses of a verified row (`matched`, `mismatch`, `number_assigned`).
    public static let verifiedStatuses = ["matched", "mismatch", "number_assigned"]

    /// The current time, truncated to the millisecond (what the stores keep).
    public static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// `date` in integer milliseconds since 1970 (rounded down).
    public static func millis(_ date: Date) -> Int64 { RegistryStore.millis(date) }

    /// The date of `millis` milliseconds since 1970.
    public static func date(millis: Int64) -> Date { RegistryStore.date(millis: millis) }

    /// Checks a payment period `YYYY-MM` and returns its first day.
    ///
    /// - Throws: ``RegistryStoreError`` `invalidArgument`.
    public static func checkPeriod(_ period: String) throws(RegistryStoreError) -> CalendarDate {
        try RegistryStore.checkPeriod(period)
    }

    /// Checks a default bank BIN as ``RegistryStore/init(path:defaultBankBIN:logger:)`` does.
    ///
    /// - Throws: ``RegistryStoreError`` `invalidArgument`.
    public static func checkDefaultBankBIN(_ bin: String?) throws(RegistryStoreError) {
        guard let bin else { return }
        do { try BankDirectory.validateBIN(bin, field: "defaultBankBIN") } catch {
            throw RegistryStoreError(.invalidArgument, detail: "defaultBankBIN: must be a 6-digit BIN")
        }
    }

    /// A batch's status: `verified` once every row to verify has a result (at once when there are none), `imported`
    /// before the first, `verifying` in between.
    public static func status(counts: BatchCounts, done: Int) -> BatchStatus {
        let toDo = counts.toVerify + counts.toRequestPersonalID
        return done >= toDo ? .verified : (done == 0 ? .imported : .verifying)
    }

    /// A batch's summary from its stored columns and the number of rows to verify that have a result.
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt` for a bad reference date.
    public static func summary(id: String, fileName: String, importedAtMillis: Int64, importedBy: String,
                               referenceDate: String, counts: BatchCounts, done: Int) throws -> BatchSummary {
        let status = Self.status(counts: counts, done: done)
        guard let reference = try? CalendarDate(iso: referenceDate) else {
            throw RegistryStoreError(.corrupt, detail: "registry_batch.reference_date")
        }
        return BatchSummary(id: id, fileName: fileName, importedAt: date(millis: importedAtMillis), importedBy: importedBy,
                            referenceDate: reference, counts: counts, status: status)
    }

    // MARK: Rows and tasks

    /// The record of a stored row (``RowRecord``).
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt` when a row to verify has no number.
    public static func record(_ stored: StoredRow) throws -> RowRecord {
        let disposition: RowDisposition
        switch stored.disposition {
        case .returnToCommune: disposition = .returnToCommune
        case .requestPersonalID: disposition = .requestPersonalID
        case .verify:
            guard let id = stored.submitted.effectivePersonalID else {
                throw RegistryStoreError(.corrupt, detail: "registry_row.disposition")
            }
            disposition = .verify(id)
        }
        return RowRecord(row: stored.row, disposition: disposition, findings: stored.findings,
                         submitted: stored.submitted, effective: stored.effective, verification: stored.verification)
    }

    /// The call the verification run makes for a pending row.
    public static func verificationTask(_ stored: StoredRow) -> VerificationTask {
        let draft = stored.submitted
        let verify = stored.disposition == .verify
        return VerificationTask(
            row: stored.row, kind: verify ? .verify : .requestPersonalID,
            personalID: verify ? draft.effectivePersonalID : nil, fullName: draft.fullName,
            dateOfBirth: draft.dateOfBirth.value, sex: draft.sex.value, hometown: draft.hometown,
            permanentResidence: draft.residence, parentName: draft.parentOrGuardianName,
            birthRegistrationPlace: draft.birthRegistrationPlace)
    }

    /// The account check of a verified row for `period`, `nil` when its effective values have no account.
    public static func accountCheckTask(_ stored: StoredRow, period: String) -> AccountCheckTask? {
        let draft = stored.effective
        guard let account = draft.effectiveAccountNumber else { return nil }
        let authorised = draft.authorisedName != nil
        return AccountCheckTask(
            row: stored.row, period: period, bin: draft.bankBIN, accountNumber: account,
            accountType: draft.effectiveAccountType, payee: authorised ? .authorisedPerson : .beneficiary,
            holderName: authorised ? draft.authorisedName : draft.fullName,
            holderPersonalID: authorised ? draft.authorisedPersonalID.value : draft.effectivePersonalID)
    }

    /// A stored account check result (`nil` for none).
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt`.
    public static func accountCheck(_ text: String?) throws -> AccountVerification? {
        guard let text else { return nil }
        guard let value = AccountVerification(rawValue: text) else {
            throw RegistryStoreError(.corrupt, detail: "registry_account_check.result")
        }
        return value
    }

    /// The payment decision of a verified row for a period, and the bank concerned.
    public static func decide(_ stored: StoredRow, check: AccountVerification?, defaultBankBIN: String?) -> RowPaymentDecision {
        let draft = stored.effective
        let decision = PaymentChannel.decide(draft, verification: check)
        let bank: String?
        switch decision.status {
        case .needsAccount: bank = draft.bankBIN ?? defaultBankBIN
        case .cashPostOffice: bank = nil
        default: bank = draft.bankBIN
        }
        return RowPaymentDecision(row: stored.row, decision: decision, accountCheck: check, bankBIN: bank)
    }

    /// The opening to request for a verified row, `nil` when one was sent (`openingRef`), the decision is not
    /// ``AccountStatus/needsAccount``, or the payee cannot be identified.
    public static func openingTask(_ stored: StoredRow, check: AccountVerification?, openingRef: String?, batch: String,
                                   period: String, defaultBankBIN: String?) -> OpeningTask? {
        guard openingRef == nil else { return nil }
        let decision = decide(stored, check: check, defaultBankBIN: defaultBankBIN)
        guard decision.decision.status == .needsAccount else { return nil }
        let draft = stored.effective
        guard let name = draft.fullName, let id = draft.effectivePersonalID else { return nil }
        let person = OpeningPerson(fullName: name, personalID: id, dateOfBirth: draft.dateOfBirth.value?.fullDate,
                                   sex: draft.sex.value, permanentResidence: draft.residence, phone: draft.phone.value)
        var authorised: OpeningPerson?
        if let guardian = draft.authorisedName, let guardianID = draft.authorisedPersonalID.value {
            authorised = OpeningPerson(fullName: guardian, personalID: guardianID, dateOfBirth: nil)
        }
        return OpeningTask(
            requestRef: RegistryStore.openingRequestRef(batch: batch, row: stored.row), batch: batch, row: stored.row,
            period: period, bankBIN: decision.bankBIN, person: person, authorisedPerson: authorised,
            payee: decision.decision.payee, category: stored.firstCategory)
    }

    // MARK: State transitions

    /// The write a verification result makes on a row.
    public struct VerificationWrite: Sendable {
        /// ``VerificationStatus/code``.
        public var code: String
        /// The status as stored (JSON).
        public var document: Data
        /// The number assigned to a request row, which becomes the row's `personal_id`.
        public var assignedPersonalID: String?
    }

    /// Judges a verification result for a row with `disposition` and the stored result `existing`: `nil` when the
    /// same result is recorded already (nothing to write).
    ///
    /// - Throws: ``RegistryStoreError`` `conflict` (returned row, another result, a number for a row that had one).
    public static func verificationWrite(disposition: String, existing: Data?,
                                         status: VerificationStatus) throws -> VerificationWrite? {
        guard let disposition = Disposition(rawValue: disposition), disposition != .returnToCommune else {
            throw RegistryStoreError(.conflict, detail: "the row was returned to the commune and is not verified")
        }
        if let existing {
            let previous = try? JSONDecoder().decode(VerificationStatus.self, from: existing)
            guard previous == status else {
                throw RegistryStoreError(.conflict, detail: "the row already has another verification result")
            }
            return nil
        }
        var assigned: String?
        if case .numberAssigned(let id) = status {
            guard disposition == .requestPersonalID else {
                throw RegistryStoreError(.conflict, detail: "a number can only be assigned to a row without one")
            }
            assigned = id.digits
        }
        return VerificationWrite(code: status.code, document: try JSONEncoder().encode(status), assignedPersonalID: assigned)
    }

    /// The progress from the rows of a batch grouped by (returned to the commune, verification status).
    public static func progress(batch: String, groups: [(returned: Bool, status: String?, count: Int)]) -> VerificationProgress {
        var total = 0, done = 0, returned = 0
        var byStatus: [String: Int] = [:]
        for group in groups {
            if group.returned {
                returned += group.count
                continue
            }
            total += group.count
            if let status = group.status {
                done += group.count
                byStatus[status, default: 0] += group.count
            }
        }
        return VerificationProgress(batch: batch, total: total, done: done, byStatus: byStatus, returnedToCommune: returned)
    }

    /// Checks that a row with `status` may get an account check.
    ///
    /// - Throws: ``RegistryStoreError`` `conflict` when the row's identity is not verified.
    public static func checkVerified(_ status: String?) throws {
        guard verifiedStatuses.contains(status ?? "") else {
            throw RegistryStoreError(.conflict, detail: "the row's identity is not verified")
        }
    }

    /// Checks the arguments of an opening sent (period, bank BIN).
    ///
    /// - Throws: ``RegistryStoreError`` `invalidArgument`.
    public static func checkOpeningSent(bank: String, period: String?) throws {
        if let period { _ = try checkPeriod(period) }
        do { try BankDirectory.validateBIN(bank, field: "bank") } catch {
            throw RegistryStoreError(.invalidArgument, detail: "bank: must be a 6-digit BIN")
        }
    }

    /// What recording an opening as sent does.
    public enum OpeningSentWrite: Sendable {
        /// A new opening (status `requested`).
        case insert
        /// The same reference and message id again: nothing.
        case unchanged
        /// Another message id for an unanswered opening: replace the message id, bank and time sent.
        case replaceMessage
    }

    /// Judges an opening sent against the row's existing opening (`nil` for none).
    ///
    /// - Throws: ``RegistryStoreError`` `conflict` (another reference, already answered).
    public static func openingSent(existing: (requestRef: String, messageID: String, status: String)?, requestRef: String,
                                   messageID: String) throws -> OpeningSentWrite {
        guard let existing else { return .insert }
        guard existing.requestRef == requestRef else {
            throw RegistryStoreError(.conflict, detail: "the row already has an opening under another reference")
        }
        if existing.messageID == messageID { return .unchanged }
        guard existing.status == OpeningStatus.requested.rawValue else {
            throw RegistryStoreError(.conflict, detail: "the bank already answered this opening")
        }
        return .replaceMessage
    }

    /// What a bank's result does to an opening.
    public struct OpeningResultWrite: Sendable {
        /// The new status.
        public var status: OpeningStatus
        /// Whether the opened account becomes the row's account (its account checks are dropped).
        public var adoptsAccount: Bool
    }

    /// Judges a bank's result against the opening's stored status: `nil` when nothing changes (a repeated or
    /// older step).
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt` (stored status), `conflict` (see
    ///   ``RegistryStore/recordOpeningResult(requestRef:outcome:accountID:reasonCode:reason:on:)``).
    public static func openingResult(current text: String, outcome: OpeningOutcome,
                                     accountID: String?) throws -> OpeningResultWrite? {
        guard let current = OpeningStatus(rawValue: text) else {
            throw RegistryStoreError(.corrupt, detail: "registry_opening.status")
        }
        let next = OpeningStatus(rawValue: outcome.rawValue) ?? .acknowledged
        if next == current { return nil }
        if next.rank <= current.rank {
            if next.rank == current.rank {
                throw RegistryStoreError(.conflict, detail: "the opening already has the other outcome")
            }
            return nil
        }
        if next == .cardDelivered, current == .rejected {
            throw RegistryStoreError(.conflict, detail: "a card cannot be delivered for a rejected opening")
        }
        if next == .opened || next == .cardDelivered, accountID == nil, current != .opened {
            throw RegistryStoreError(.conflict, detail: "an opened account needs its account id")
        }
        let adopts = (next == .opened || (next == .cardDelivered && current != .opened)) && accountID != nil
        return OpeningResultWrite(status: next, adoptsAccount: adopts)
    }

    /// An opening record from its stored columns.
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt` (status).
    public static func openingRecord(requestRef: String, batch: String, row: Int, period: String?, bankBIN: String,
                                     messageID: String, status: String, accountID: String?, reasonCode: String?,
                                     reason: String?, sentAtMillis: Int64, updatedOn: String?) throws -> OpeningRecord {
        guard let status = OpeningStatus(rawValue: status) else {
            throw RegistryStoreError(.corrupt, detail: "registry_opening.status")
        }
        return OpeningRecord(
            requestRef: requestRef, batch: batch, row: row, period: period, bankBIN: bankBIN, messageID: messageID,
            status: status, accountID: accountID, reasonCode: reasonCode, reason: reason,
            sentAt: date(millis: sentAtMillis), updatedOn: updatedOn.flatMap { try? CalendarDate(iso: $0) })
    }

    // MARK: Jobs

    /// A job as stored (`registry_job.document`: sorted keys, dates in milliseconds).
    public static func encodeJob(_ job: RegistryJob) throws -> Data { try RegistryStore.jobEncoder.encode(job) }

    /// A stored job document.
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt`.
    public static func decodeJob(_ data: Data) throws -> RegistryJob { try RegistryStore.decodeJob(data) }
}

// MARK: - Storage SPI: reports

extension RegistryRowLogic {
    /// The discrepancy lines of one row (in the order of the list), given the period's account check result and
    /// the account servicer's name.
    public static func discrepancyLines(_ stored: StoredRow, checkResult: String?,
                                        registeredName: String?) -> [DiscrepancyLine] {
        let draft = stored.submitted
        var lines: [DiscrepancyLine] = []
        func line(_ kind: DiscrepancyKind, issue: String, code: String? = nil, field: String? = nil,
                  submitted: String? = nil, registered: String? = nil, bank: String? = nil) {
            lines.append(DiscrepancyLine(row: stored.row, kind: kind, fullName: draft.fullName,
                                         dateOfBirth: ReportText.date(draft.dateOfBirth.value),
                                         personalID: draft.effectivePersonalID?.digits, commune: stored.commune,
                                         district: stored.district, issue: issue, findingCode: code, field: field,
                                         submitted: submitted, registered: registered, bankRegistered: bank))
        }
        if stored.disposition == .returnToCommune {
            let ordered = stored.findings.filter { $0.severity == .blocking } + stored.findings.filter { $0.severity == .warning }
            for finding in ordered {
                line(.returnedToCommune, issue: finding.message, code: finding.code.rawValue,
                     field: finding.column?.vietnameseHeader)
            }
        }
        switch stored.verification {
        case .mismatch(let differences)?:
            for difference in differences {
                line(.mismatch, issue: DiscrepancyKind.mismatch.vietnameseName, field: ReportText.field(difference.field),
                     submitted: ReportText.submitted(difference.field, draft), registered: ReportText.registered(difference))
            }
        case .notFound?:
            line(.notFound, issue: DiscrepancyKind.notFound.vietnameseName, field: ListColumn.personalId.vietnameseHeader)
        case .invalid(let findings)?:
            for finding in findings {
                line(.invalid, issue: finding.message, code: finding.code.rawValue, field: finding.column?.vietnameseHeader)
            }
        default:
            break
        }
        if checkResult == AccountVerification.nameMismatch.rawValue {
            let effective = stored.effective
            let payeeName = effective.authorisedName ?? effective.fullName
            line(.accountNameMismatch, issue: DiscrepancyKind.accountNameMismatch.vietnameseName,
                 field: "Tên chủ tài khoản", submitted: payeeName, bank: registeredName)
        }
        return lines
    }

    /// The discrepancy report around its lines.
    public static func discrepancyReport(batch: String, period: String?, lines: [DiscrepancyLine]) -> DiscrepancyReport {
        DiscrepancyReport(batch: batch, period: period, title: RegistryStore.discrepancyTitle(period), lines: lines)
    }

    /// The bank-list line of a verified row and the bank concerned, `nil` when the row is neither to open an
    /// account for nor ready for cashless payment.
    public static func payeeLine(_ stored: StoredRow, check: AccountVerification?, openingRef: String?,
                                 defaultBankBIN: String?) -> (bin: String?, line: PayeeLine)? {
        let decision = decide(stored, check: check, defaultBankBIN: defaultBankBIN)
        guard decision.decision.status == .needsAccount || decision.decision.status == .readyCashless else { return nil }
        let draft = stored.effective
        let authorised = decision.decision.payee == .authorisedPerson
        let line = PayeeLine(
            row: stored.row, fullName: draft.fullName, dateOfBirth: ReportText.date(draft.dateOfBirth.value),
            personalID: draft.effectivePersonalID?.digits, payee: decision.decision.payee,
            payeeName: authorised ? draft.authorisedName : draft.fullName,
            payeePersonalID: authorised ? draft.authorisedPersonalID.value?.digits : draft.effectivePersonalID?.digits,
            accountNumber: decision.decision.status == .readyCashless ? draft.effectiveAccountNumber : nil,
            commune: stored.commune, district: stored.district, categories: ReportText.categories(draft),
            status: decision.decision.status, openingRef: openingRef)
        return (decision.bankBIN, line)
    }

    /// The bank lists from payee lines in row order: one per bank, sorted by BIN (accounts without a bank last).
    public static func bankLists(_ lines: [(bin: String?, line: PayeeLine)], period: String) -> [BankList] {
        var lists: [String: [PayeeLine]] = [:]
        for (bin, line) in lines { lists[bin ?? "", default: []].append(line) }
        return lists.keys.sorted { ($0.isEmpty ? "~" : $0) < ($1.isEmpty ? "~" : $1) }.map { key in
            let bin = key.isEmpty ? nil : key
            return BankList(bin: bin, bankName: bin.flatMap { BankCatalog.standard.bank(bin: $0)?.shortName }, period: period,
                            title: RegistryStore.bankTitle(bin: bin, period: period), lines: lists[key] ?? [])
        }
    }

    /// The cash-list line of a verified row, `nil` unless the post office pays it in cash.
    public static func cashLine(_ stored: StoredRow, check: AccountVerification?, defaultBankBIN: String?) -> CashLine? {
        let decision = decide(stored, check: check, defaultBankBIN: defaultBankBIN)
        guard decision.decision.status == .cashPostOffice else { return nil }
        let draft = stored.effective
        return CashLine(row: stored.row, fullName: draft.fullName, dateOfBirth: ReportText.date(draft.dateOfBirth.value),
                        personalID: draft.effectivePersonalID?.digits, residence: draft.residence,
                        commune: stored.commune, district: stored.district, categories: ReportText.categories(draft),
                        receiver: draft.authorisedName, reason: decision.decision.reason)
    }

    /// The cash list around its lines.
    public static func cashList(batch: String, period: String, lines: [CashLine]) -> CashList {
        CashList(batch: batch, period: period, title: "Danh sách chi trả tiền mặt qua bưu điện — kỳ \(period)", lines: lines)
    }

    /// The monthly report's counts, gathered row group by row group.
    public struct MonthlyTally: Sendable {
        private struct Key: Hashable, Sendable {
            var district: String, commune: String, category: String, verification: String, payment: AccountStatus?
        }

        private var table: [Key: Int] = [:]
        /// Rows counted.
        public private(set) var total = 0
        private let defaultBankBIN: String?

        /// An empty tally; `defaultBankBIN` as the store's.
        public init(defaultBankBIN: String?) {
            self.defaultBankBIN = defaultBankBIN
        }

        private mutating func add(_ district: String?, _ commune: String?, _ categories: String?, _ verification: String,
                                  _ payment: AccountStatus?, _ n: Int) {
            let codes = categories.map { $0.split(separator: ",").map(String.init) } ?? []
            for category in codes.isEmpty ? ["unknown"] : codes {
                table[Key(district: district ?? "", commune: commune ?? "", category: category,
                          verification: verification, payment: payment), default: 0] += n
            }
        }

        /// Adds `count` rows not verified (pending, returned, `not_found`, `invalid`) with these column values.
        public mutating func addUnverified(district: String?, commune: String?, categories: String?, disposition: String,
                                           verificationStatus: String?, count: Int) {
            total += count
            let verification = verificationStatus
                ?? (disposition == Disposition.returnToCommune.rawValue ? "returned-to-commune" : "pending")
            add(district, commune, categories, verification, nil, count)
        }

        /// Adds a verified row with this period's payment decision.
        public mutating func addVerified(_ stored: StoredRow, check: AccountVerification?) {
            total += 1
            add(stored.district, stored.commune, stored.categories, stored.verification?.code ?? "pending",
                RegistryRowLogic.decide(stored, check: check, defaultBankBIN: defaultBankBIN).decision.status, 1)
        }

        /// The counts, sorted by district, commune, category, verification and payment status.
        public var counts: [MonthlyCount] {
            table.map { key, n in
                MonthlyCount(district: key.district, commune: key.commune, category: key.category,
                             verificationStatus: key.verification, paymentStatus: key.payment, count: n)
            }.sorted {
                ($0.district, $0.commune, $0.category, $0.verificationStatus, $0.paymentStatus?.rawValue ?? "")
                    < ($1.district, $1.commune, $1.category, $1.verificationStatus, $1.paymentStatus?.rawValue ?? "")
            }
        }

        /// The monthly report of `batch` for `period`.
        ///
        /// - Throws: ``RegistryStoreError`` `invalidArgument` (period).
        public func report(batch: String, period: String) throws -> MonthlyReport {
            let first = try RegistryStore.checkPeriod(period)
            return MonthlyReport(batch: batch, period: period, title: ReportText.monthTitle(period),
                                 dueOn: RegistryStore.nextMonth(first), totalRows: total, counts: counts)
        }
    }
}

// MARK: - Storage SPI: import

/// A beneficiary list opened for import: the reader with its header row mapped (``ListHeader/map(_:)``), giving
/// the data rows one by one, streaming. Storage SPI.
@_spi(RegistryStorage) public final class ListImportReader {
    private let reader: TabularReader
    private let columns: ColumnIndex

    /// Opens `url` and maps its header row.
    ///
    /// - Throws: ``ImportError`` (unreadable file, a missing or repeated column).
    public init(url: URL, name: String) throws(ImportError) {
        let reader: TabularReader
        do { reader = try TabularReader(url: url, name: name) } catch { throw ImportError(error) }
        do { columns = try ListHeader.map(reader.headers) } catch {
            reader.close()
            throw ImportError(error, file: name, row: reader.headerRow)
        }
        self.reader = reader
    }

    /// The next data row (date-styled cells decoded with the workbook's date system), `nil` at the end.
    ///
    /// - Throws: ``ImportError`` (damaged file, bad row structure, limits).
    public func next() throws(ImportError) -> ListRow? {
        let next: TabularRow?
        do throws(TabularError) { next = try reader.next() } catch { throw ImportError(error) }
        guard let tabular = next else { return nil }
        let cells = tabular.cells.map { cell -> RawCell? in
            if cell.isEmpty { return nil }
            // A date-styled cell is decoded here, with the workbook's own date system (1900 or 1904).
            if cell.kind == .dateSerial, let date = ExcelDate.date(fromSerialText: cell.text, system: reader.dateSystem) {
                return RawCell(date.iso)
            }
            return RawCell(cell.text, numeric: cell.kind == .number || cell.kind == .dateSerial)
        }
        return columns.row(number: tabular.number, cells: cells)
    }

    /// Closes the file.
    public func close() { reader.close() }
}

/// One screened row, as the stores write it to `registry_row`. Storage SPI.
@_spi(RegistryStorage) public struct ScreenedRow: Sendable {
    /// The row number in the list.
    public var number: Int
    /// The stored disposition (`verify`, `request-personal-id`, `return-to-commune`).
    public var disposition: String
    /// The number to verify (disposition `verify`), else `nil`.
    public var personalID: String?
    /// `commune`, `district`, `categories` (codes joined by commas), `account_number`, `bank_bin`.
    public var commune: String?
    /// The district.
    public var district: String?
    /// The category codes joined by commas.
    public var categories: String?
    /// The account number the list gives.
    public var accountNumber: String?
    /// The bank's BIN.
    public var bankBIN: String?
    /// Whether a finding is a warning.
    public var hasWarnings: Bool
    /// The draft (JSON).
    public var draft: Data
    /// The findings (JSON).
    public var findings: Data
}

/// The import's screening of a list (``ListScreening``: checks and duplicates, inside the list and against
/// `registry`) with the batch's counts. Storage SPI.
@_spi(RegistryStorage) public struct ListImportScreening {
    private var screening: ListScreening
    private let encoder = JSONEncoder()
    /// The counts so far.
    public private(set) var counts = BatchCounts()

    /// A screening against `registry` (the personal id numbers of other batches' rows that count as registered).
    public init(referenceDate: CalendarDate, registry: any KnownBeneficiaries, banks: BankMatcher) {
        screening = ListScreening(check: QualityCheck(referenceDate: referenceDate), registry: registry, banks: banks)
    }

    /// The number the duplicate check will look up in the registry for `row` (for a store that fetches them ahead).
    public static func personalID(of row: ListRow, banks: BankMatcher) -> PersonalID? {
        BeneficiaryDraft(row, banks: banks).effectivePersonalID
    }

    /// Screens the next row and counts it.
    public mutating func screen(_ row: ListRow) throws -> ScreenedRow {
        let (draft, assessment) = screening.screen(row)
        let warnings = assessment.findings.contains { $0.severity == .warning }
        counts.total += 1
        if warnings { counts.withWarnings += 1 }
        switch assessment.disposition {
        case .verify: counts.toVerify += 1
        case .requestPersonalID: counts.toRequestPersonalID += 1
        case .returnToCommune: counts.returnedToCommune += 1
        }
        let personalID: String? = {
            if case .verify(let id) = assessment.disposition { return id.digits }
            return nil
        }()
        return ScreenedRow(
            number: row.number, disposition: Disposition(assessment.disposition).rawValue, personalID: personalID,
            commune: draft.commune, district: draft.district,
            categories: draft.categories.value.map { $0.map(\.rawValue).joined(separator: ",") },
            accountNumber: draft.effectiveAccountNumber, bankBIN: draft.bankBIN, hasWarnings: warnings,
            draft: try encoder.encode(draft), findings: try encoder.encode(assessment.findings))
    }
}
