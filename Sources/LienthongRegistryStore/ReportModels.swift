public import Foundation
public import LienthongCore
public import LienthongRegistry

/// The two files a report is written to.
public struct ReportFiles: Sendable, Hashable, Codable {
    /// The CSV file (UTF-8 with BOM, for Excel).
    public var csv: URL
    /// The XLSX workbook.
    public var xlsx: URL

    /// Creates the pair.
    public init(csv: URL, xlsx: URL) {
        self.csv = csv
        self.xlsx = xlsx
    }
}

/// What kind of problem a line of the commune's discrepancy list reports.
public enum DiscrepancyKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A finding of the data-quality checks on a row returned to the commune.
    case returnedToCommune = "returned-to-commune"
    /// A field differs from the population database (the register's value is used).
    case mismatch
    /// The number is not in the population database.
    case notFound = "not-found"
    /// The row could not be sent (recorded `invalid`).
    case invalid
    /// The account holder's name at the bank differs from the payee's (the period's account check).
    case accountNameMismatch = "account-name-mismatch"

    /// The Vietnamese label.
    public var vietnameseName: String {
        switch self {
        case .returnedToCommune: "Trả về xã bổ sung, chỉnh sửa"
        case .mismatch: "Sai lệch với CSDLQG về dân cư"
        case .notFound: "Không tìm thấy trong CSDLQG về dân cư"
        case .invalid: "Không đủ điều kiện đối chiếu"
        case .accountNameMismatch: "Tên chủ tài khoản không khớp"
        }
    }
}

/// One line of the commune's discrepancy list (one problem of one row). `description` is redacted.
public struct DiscrepancyLine: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// The kind of problem.
    public var kind: DiscrepancyKind
    /// Họ và tên as submitted.
    public var fullName: String?
    /// Ngày sinh as submitted (`dd/mm/yyyy`, `mm/yyyy` or `yyyy`).
    public var dateOfBirth: String?
    /// Số định danh cá nhân as submitted (12 digits).
    public var personalID: String?
    /// Xã/phường.
    public var commune: String?
    /// Quận/huyện.
    public var district: String?
    /// The problem: the finding's or the kind's fixed message.
    public var issue: String
    /// The finding's code (`personal-id-missing`…), for findings.
    public var findingCode: String?
    /// The field concerned, by its Vietnamese header.
    public var field: String?
    /// The submitted value (mismatches, account name mismatches).
    public var submitted: String?
    /// The population database's value (mismatches).
    public var registered: String?
    /// The bank's account holder name (account name mismatches).
    public var bankRegistered: String?

    /// Creates a line.
    public init(row: Int, kind: DiscrepancyKind, fullName: String?, dateOfBirth: String?, personalID: String?,
                commune: String?, district: String?, issue: String, findingCode: String? = nil, field: String? = nil,
                submitted: String? = nil, registered: String? = nil, bankRegistered: String? = nil) {
        self.row = row
        self.kind = kind
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.personalID = personalID
        self.commune = commune
        self.district = district
        self.issue = issue
        self.findingCode = findingCode
        self.field = field
        self.submitted = submitted
        self.registered = registered
        self.bankRegistered = bankRegistered
    }

    /// Redacted.
    public var description: String { "DiscrepancyLine(row \(row), \(kind.rawValue), redacted)" }
}

/// The discrepancy list for the commune: rows returned to it, mismatches with the submitted and registered
/// values, numbers not found, and (for a period) account name mismatches.
public struct DiscrepancyReport: Sendable, Hashable, Codable {
    /// The batch.
    public var batch: String
    /// The period whose account checks are included, if any.
    public var period: String?
    /// The title.
    public var title: String
    /// The lines, by row.
    public var lines: [DiscrepancyLine]

    /// Creates a report.
    public init(batch: String, period: String?, title: String, lines: [DiscrepancyLine]) {
        self.batch = batch
        self.period = period
        self.title = title
        self.lines = lines
    }
}

/// One payee of a bank's list. `description` is redacted.
public struct PayeeLine: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// Họ và tên (the register's value when it differed).
    public var fullName: String?
    /// Ngày sinh.
    public var dateOfBirth: String?
    /// Số định danh cá nhân.
    public var personalID: String?
    /// Who is paid: the beneficiary or the authorised person.
    public var payee: Payee
    /// The payee's name.
    public var payeeName: String?
    /// The payee's personal id number.
    public var payeePersonalID: String?
    /// The account, when one is on file.
    public var accountNumber: String?
    /// Xã/phường.
    public var commune: String?
    /// Quận/huyện.
    public var district: String?
    /// Đối tượng (Vietnamese names).
    public var categories: String?
    /// ``AccountStatus/needsAccount`` or ``AccountStatus/readyCashless``.
    public var status: AccountStatus
    /// The opening's reference, once requested.
    public var openingRef: String?

    /// Creates a line.
    public init(row: Int, fullName: String?, dateOfBirth: String?, personalID: String?, payee: Payee, payeeName: String?,
                payeePersonalID: String?, accountNumber: String?, commune: String?, district: String?,
                categories: String?, status: AccountStatus, openingRef: String?) {
        self.row = row
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.personalID = personalID
        self.payee = payee
        self.payeeName = payeeName
        self.payeePersonalID = payeePersonalID
        self.accountNumber = accountNumber
        self.commune = commune
        self.district = district
        self.categories = categories
        self.status = status
        self.openingRef = openingRef
    }

    /// Redacted.
    public var description: String { "PayeeLine(row \(row), \(status.rawValue), redacted)" }
}

/// A bank's list for a period: payees to open accounts for, and payees whose account is verified.
public struct BankList: Sendable, Hashable, Codable {
    /// The bank's BIN; `nil` for accounts without a known bank (e-wallets, mobile money).
    public var bin: String?
    /// The bank's short name, when known.
    public var bankName: String?
    /// The period.
    public var period: String
    /// The title.
    public var title: String
    /// The payees, by row.
    public var lines: [PayeeLine]

    /// Creates a list.
    public init(bin: String?, bankName: String?, period: String, title: String, lines: [PayeeLine]) {
        self.bin = bin
        self.bankName = bankName
        self.period = period
        self.title = title
        self.lines = lines
    }
}

/// One person the post office pays in cash. `description` is redacted.
public struct CashLine: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// Họ và tên.
    public var fullName: String?
    /// Ngày sinh.
    public var dateOfBirth: String?
    /// Số định danh cá nhân.
    public var personalID: String?
    /// Nơi thường trú.
    public var residence: String?
    /// Xã/phường.
    public var commune: String?
    /// Quận/huyện.
    public var district: String?
    /// Đối tượng (Vietnamese names).
    public var categories: String?
    /// Người nhận thay (authorised person or guardian), when named.
    public var receiver: String?
    /// Why cash.
    public var reason: PaymentDecision.Reason

    /// Creates a line.
    public init(row: Int, fullName: String?, dateOfBirth: String?, personalID: String?, residence: String?,
                commune: String?, district: String?, categories: String?, receiver: String?,
                reason: PaymentDecision.Reason) {
        self.row = row
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.personalID = personalID
        self.residence = residence
        self.commune = commune
        self.district = district
        self.categories = categories
        self.receiver = receiver
        self.reason = reason
    }

    /// Redacted.
    public var description: String { "CashLine(row \(row), \(reason.rawValue), redacted)" }
}

/// The post office's cash list for a period.
public struct CashList: Sendable, Hashable, Codable {
    /// The batch.
    public var batch: String
    /// The period.
    public var period: String
    /// The title.
    public var title: String
    /// The people, by row.
    public var lines: [CashLine]

    /// Creates a list.
    public init(batch: String, period: String, title: String, lines: [CashLine]) {
        self.batch = batch
        self.period = period
        self.title = title
        self.lines = lines
    }
}

/// One count of the monthly report.
public struct MonthlyCount: Sendable, Hashable, Codable {
    /// Quận/huyện (empty when the list has none).
    public var district: String
    /// Xã/phường (empty when the list has none).
    public var commune: String
    /// The category code (``BeneficiaryCategory`` raw value), `"unknown"` when none; a person with several
    /// categories is counted under each.
    public var category: String
    /// The verification status: `pending`, `returned-to-commune` or a ``VerificationStatus/code``.
    public var verificationStatus: String
    /// The period's payment status (``AccountStatus`` raw value), `nil` for rows not verified.
    public var paymentStatus: AccountStatus?
    /// How many.
    public var count: Int

    /// Creates a count.
    public init(district: String, commune: String, category: String, verificationStatus: String,
                paymentStatus: AccountStatus?, count: Int) {
        self.district = district
        self.commune = commune
        self.category = category
        self.verificationStatus = verificationStatus
        self.paymentStatus = paymentStatus
        self.count = count
    }
}

/// The monthly report of a batch for a period (due on the 1st of the month after it): counts by district,
/// commune, category, verification status and payment status.
public struct MonthlyReport: Sendable, Hashable, Codable {
    /// The batch.
    public var batch: String
    /// The period, `YYYY-MM`.
    public var period: String
    /// The title, carrying the period: `Báo cáo tháng MM/YYYY`.
    public var title: String
    /// The day it is due: the 1st of the next month.
    public var dueOn: CalendarDate
    /// The rows of the batch.
    public var totalRows: Int
    /// The counts, sorted by district, commune, category and statuses.
    public var counts: [MonthlyCount]

    /// Creates a report.
    public init(batch: String, period: String, title: String, dueOn: CalendarDate, totalRows: Int, counts: [MonthlyCount]) {
        self.batch = batch
        self.period = period
        self.title = title
        self.dueOn = dueOn
        self.totalRows = totalRows
        self.counts = counts
    }
}
