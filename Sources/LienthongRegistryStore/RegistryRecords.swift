public import Foundation
public import LienthongCore
public import LienthongRegistry
import LienthongTabular

/// The social-security registry's storage (SPEC §6) as the gateway, the CLI and the runs use it, whatever the
/// database: the SQLite ``RegistryStore`` (one gateway) and the PostgreSQL `PostgresRegistryStore` (several
/// gateways on one database) both conform, with the same semantics (an import is all or nothing with the same
/// checks, duplicate detection across batches, resumable runs, account checks per period, openings correlated by
/// request reference, background jobs), the same results in the same order, and the same errors
/// (``ImportError``, ``RegistryStoreError``). A conformance test runs one scenario against both.
///
/// The requirements are `async` so that a network database can conform; the SQLite store's synchronous methods
/// satisfy them as they are. Protocols take no default arguments: pass them explicitly (`afterRow: 0`,
/// `limit: .max`, `period: nil`, `banks: .standard, progress: { _ in }`).
///
/// ```swift
/// func verify(_ store: some RegistryRecords, batch: String) async throws {
///     for task in try await store.pendingVerifications(batch: batch, afterRow: 0, limit: 100) {
///         try await store.recordVerification(batch: batch, row: task.row, status: .matched)   // after the call
///     }
/// }
/// ```
public protocol RegistryRecords: Sendable {
    /// The bank asked to open accounts for rows whose list names no bank (`nil`: such rows get no bank).
    var defaultBankBIN: String? { get }

    // MARK: Import and batches

    /// Imports a beneficiary list (CSV or XLSX) as a new batch, atomically; see
    /// ``RegistryStore/importList(url:name:importedBy:referenceDate:banks:progress:)``.
    func importList(url: URL, name: String, importedBy: String, referenceDate: CalendarDate, banks: BankMatcher,
                    progress: (Int) -> Void) async throws -> BatchSummary

    /// Whether `personalID` is in the registry; see ``RegistryStore/contains(personalID:)``.
    func contains(personalID: PersonalID) async throws -> Bool

    /// Every batch, newest first (then by id).
    func batches() async throws -> [BatchSummary]

    /// One batch; throws ``RegistryStoreError`` `notFound`.
    func batch(id: String) async throws -> BatchSummary

    /// Up to `limit` rows of `batch` after row number `after`, in row order; see ``RegistryStore/rows(batch:after:limit:)``.
    func rows(batch: String, after: Int, limit: Int) async throws -> [RowRecord]

    /// One row of `batch`; throws ``RegistryStoreError`` `notFound`.
    func row(batch: String, row: Int) async throws -> RowRecord

    // MARK: Verification

    /// Up to `limit` rows still to verify after row `afterRow`, in row order; see
    /// ``RegistryStore/pendingVerifications(batch:afterRow:limit:)``.
    func pendingVerifications(batch: String, afterRow: Int, limit: Int) async throws -> [VerificationTask]

    /// Records the population database's answer for a row; see ``RegistryStore/recordVerification(batch:row:status:)``.
    func recordVerification(batch: String, row: Int, status: VerificationStatus) async throws

    /// Several answers in one transaction, all or none; see ``RegistryStore/recordVerifications(batch:results:)``.
    func recordVerifications(batch: String, results: [(row: Int, status: VerificationStatus)]) async throws

    /// The verification run's progress; see ``RegistryStore/verificationProgress(batch:)``.
    func verificationProgress(batch: String) async throws -> VerificationProgress

    // MARK: Accounts per period

    /// Up to `limit` verified rows with an account and no check for `period`, after row `afterRow`; see
    /// ``RegistryStore/pendingAccountChecks(batch:period:afterRow:limit:)``.
    func pendingAccountChecks(batch: String, period: String, afterRow: Int, limit: Int) async throws -> [AccountCheckTask]

    /// Records a row's account verification for `period`; see
    /// ``RegistryStore/recordAccountCheck(batch:row:period:result:registeredName:)``.
    func recordAccountCheck(batch: String, row: Int, period: String, result: AccountVerification,
                            registeredName: String?) async throws

    /// The payment decision of every verified row for `period`, in row order; see
    /// ``RegistryStore/paymentDecisions(batch:period:)``.
    func paymentDecisions(batch: String, period: String) async throws -> [RowPaymentDecision]

    // MARK: Account openings

    /// The rows needing an account for `period` with no opening sent, in row order; see
    /// ``RegistryStore/pendingOpenings(batch:period:limit:)``.
    func pendingOpenings(batch: String, period: String, limit: Int) async throws -> [OpeningTask]

    /// Records that an opening request was queued; see
    /// ``RegistryStore/recordOpeningSent(batch:row:requestRef:messageID:bank:period:)``.
    func recordOpeningSent(batch: String, row: Int, requestRef: String, messageID: String, bank: String,
                           period: String?) async throws

    /// Records a bank's result for an opening (steps only move forward); see
    /// ``RegistryStore/recordOpeningResult(requestRef:outcome:accountID:reasonCode:reason:on:)``.
    func recordOpeningResult(requestRef: String, outcome: OpeningOutcome, accountID: String?, reasonCode: String?,
                             reason: String?, on day: CalendarDate?) async throws

    /// Every account opening of `batch`, in row order.
    func openings(batch: String) async throws -> [OpeningRecord]

    // MARK: Jobs

    /// Stores `job` (insert or replace), durably.
    func saveJob(_ job: RegistryJob) async throws

    /// One job, `nil` when unknown.
    func job(id: String) async throws -> RegistryJob?

    /// The latest `limit` jobs, newest first (then by id).
    func jobs(limit: Int) async throws -> [RegistryJob]

    /// Marks every `running` job `interrupted` with `cause`; returns how many.
    @discardableResult
    func interruptRunningJobs(cause: String, at date: Date) async throws -> Int

    // MARK: Reports

    /// The discrepancy list for the commune; see ``RegistryStore/discrepancyReport(batch:period:)``.
    func discrepancyReport(batch: String, period: String?) async throws -> DiscrepancyReport

    /// One list per bank for `period`; see ``RegistryStore/bankLists(batch:period:)``.
    func bankLists(batch: String, period: String) async throws -> [BankList]

    /// The post office's cash list for `period`; see ``RegistryStore/cashList(batch:period:)``.
    func cashList(batch: String, period: String) async throws -> CashList

    /// The monthly report for `period`; see ``RegistryStore/monthlyReport(batch:period:)``.
    func monthlyReport(batch: String, period: String) async throws -> MonthlyReport

    /// Writes the discrepancy list as CSV and XLSX; see ``RegistryStore/writeDiscrepancyReport(batch:period:to:)``.
    func writeDiscrepancyReport(batch: String, period: String?, to directory: URL) async throws -> ReportFiles

    /// Writes one list per bank, keyed by BIN (`""` for accounts without a bank); see
    /// ``RegistryStore/writeBankLists(batch:period:to:)``.
    func writeBankLists(batch: String, period: String, to directory: URL) async throws -> [String: ReportFiles]

    /// Writes the cash list; see ``RegistryStore/writeCashList(batch:period:to:)``.
    func writeCashList(batch: String, period: String, to directory: URL) async throws -> ReportFiles

    /// Writes the monthly report; see ``RegistryStore/writeMonthlyReport(batch:period:to:)``.
    func writeMonthlyReport(batch: String, period: String, to directory: URL) async throws -> ReportFiles
}

extension RegistryStore: RegistryRecords {}
