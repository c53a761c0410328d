public import Foundation
import GRDB
import LienthongCore
import LienthongRegistry
import LienthongTabular

/// Vietnamese texts of the reports.
enum ReportText {
    static func date(_ birth: BirthDate?) -> String? {
        guard let birth else { return nil }
        func pad(_ n: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(n).count)) + String(n) }
        switch birth {
        case .full(let d): return "\(pad(d.day, 2))/\(pad(d.month, 2))/\(pad(d.year, 4))"
        case .yearMonth(let y, let m): return "\(pad(m, 2))/\(pad(y, 4))"
        case .yearOnly(let y): return pad(y, 4)
        }
    }

    static func sex(_ sex: Sex?) -> String? { sex.map { $0 == .male ? "Nam" : "Nữ" } }

    static func categories(_ draft: BeneficiaryDraft) -> String? {
        draft.categories.value.map { $0.map(\.vietnameseName).joined(separator: ", ") }
    }

    static func field(_ field: RegisteredField) -> String {
        switch field {
        case .fullName: ListColumn.fullName.vietnameseHeader
        case .dateOfBirth: ListColumn.dateOfBirth.vietnameseHeader
        case .sex: ListColumn.sex.vietnameseHeader
        case .hometown: ListColumn.hometown.vietnameseHeader
        case .permanentResidence: ListColumn.permanentResidence.vietnameseHeader
        }
    }

    static func submitted(_ field: RegisteredField, _ draft: BeneficiaryDraft) -> String? {
        switch field {
        case .fullName: draft.fullName
        case .dateOfBirth: date(draft.dateOfBirth.value)
        case .sex: sex(draft.sex.value)
        case .hometown: draft.hometown
        case .permanentResidence: draft.residence
        }
    }

    static func registered(_ difference: FieldDifference) -> String {
        switch difference.field {
        case .dateOfBirth: date(FieldParser.birthDate(RawCell(difference.registered)).value) ?? difference.registered
        case .sex: sex(FieldParser.sex(RawCell(difference.registered)).value) ?? difference.registered
        default: difference.registered
        }
    }

    static func verification(_ code: String) -> String {
        switch code {
        case "pending": "Chờ đối chiếu"
        case "returned-to-commune": "Trả về xã"
        case "matched": "Khớp CSDLQG về dân cư"
        case "mismatch": "Sai lệch, dùng thông tin CSDLQG về dân cư"
        case "not_found": "Không tìm thấy"
        case "invalid": "Không đủ điều kiện đối chiếu"
        case "number_assigned": "Đã cấp số định danh cá nhân"
        default: code
        }
    }

    static func payment(_ status: AccountStatus?) -> String {
        switch status {
        case nil: ""
        case .readyCashless?: "Chi trả không dùng tiền mặt"
        case .awaitingVerification?: "Chờ xác thực tài khoản"
        case .nameMismatch?: "Tên chủ tài khoản không khớp"
        case .needsAccount?: "Cần mở tài khoản"
        case .cashPostOffice?: "Chi trả tiền mặt qua bưu điện"
        }
    }

    static func reason(_ reason: PaymentDecision.Reason) -> String {
        switch reason {
        case .accountVerified: "Tài khoản đã xác thực"
        case .notVerifiedThisPeriod: "Tài khoản chưa xác thực trong kỳ"
        case .accountNameMismatch: "Tên chủ tài khoản không khớp"
        case .noAccount: "Chưa có tài khoản"
        case .accountNotFound: "Tài khoản không tồn tại"
        case .accountClosed: "Tài khoản đã đóng"
        case .noCapacityWithoutGuardian: "Không còn khả năng giao dịch, không có người giám hộ hoặc được ủy quyền"
        case .payeeNotIdentified: "Người nhận chưa có số định danh cá nhân để mở tài khoản"
        }
    }

    static func monthTitle(_ period: String) -> String {
        let parts = period.split(separator: "-")
        return parts.count == 2 ? "Báo cáo tháng \(parts[1])/\(parts[0])" : "Báo cáo tháng \(period)"
    }
}

/// A report written to a CSV and an XLSX file at once, streaming; both appear only when finished.
final class ReportWriter {
    private let csv: CSVWriter
    private let xlsx: XLSXWriter
    private var count = 0

    init(directory: URL, baseName: String, sheetName: String, headers: [String]) throws {
        csv = try CSVWriter(url: directory.appendingPathComponent(baseName + ".csv"), headers: headers)
        do {
            xlsx = try XLSXWriter(url: directory.appendingPathComponent(baseName + ".xlsx"), sheetName: sheetName,
                                  headers: headers)
        } catch {
            csv.abandon()
            throw error
        }
    }

    /// Appends a row after the sequence number (STT), which the writer numbers.
    func append(_ values: [String?]) throws {
        count += 1
        try csv.append([String(count)] + values.map { $0 ?? "" })
        try xlsx.append([.integer(count)] + values.map { $0.map(XLSXWriter.Value.text) ?? .empty })
    }

    /// Appends a row whose last value is a count (a number cell in the workbook).
    func append(_ values: [String?], count value: Int) throws {
        count += 1
        try csv.append([String(count)] + values.map { $0 ?? "" } + [String(value)])
        try xlsx.append([.integer(count)] + values.map { $0.map(XLSXWriter.Value.text) ?? .empty } + [.integer(value)])
    }

    func finish() throws -> ReportFiles {
        try csv.finish()
        try xlsx.finish()
        return ReportFiles(csv: csv.url, xlsx: xlsx.url)
    }

    func abandon() {
        csv.abandon()
        xlsx.abandon()
    }
}

extension RegistryStore {
    // MARK: - Discrepancy list

    /// The headers of the discrepancy list.
    public static let discrepancyHeaders = [
        "STT", "Dòng trong danh sách", "Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Xã/phường", "Quận/huyện",
        "Loại vấn đề", "Vấn đề", "Thông tin", "Giá trị đã khai", "Giá trị trong CSDLQG về dân cư",
        "Giá trị tại ngân hàng",
    ]

    /// The discrepancy list for the commune (see ``DiscrepancyReport``); with `period`, account name mismatches of
    /// that period's checks are included.
    public func discrepancyReport(batch: String, period: String? = nil) throws -> DiscrepancyReport {
        if let period { _ = try Self.checkPeriod(period) }
        var lines: [DiscrepancyLine] = []
        try pool.read { db in try discrepancyLines(db, batch: batch, period: period) { lines.append($0) } }
        return DiscrepancyReport(batch: batch, period: period, title: Self.discrepancyTitle(period), lines: lines)
    }

    /// Writes the discrepancy list to `directory` as `danh-sach-sai-lech-<batch>[-<period>].csv` and `.xlsx`.
    public func writeDiscrepancyReport(batch: String, period: String? = nil, to directory: URL) throws -> ReportFiles {
        if let period { _ = try Self.checkPeriod(period) }
        return try pool.read { db in
            try Self.requireBatch(db, batch)
            let writer = try RegistryReportFiles.discrepancyWriter(directory, batch: batch, period: period)
            do {
                try discrepancyLines(db, batch: batch, period: period) { line in try writer.append(RegistryReportFiles.cells(line)) }
                return try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
        }
    }

    static func discrepancyTitle(_ period: String?) -> String {
        "Danh sách sai lệch cần xã rà soát" + (period.map { " — kỳ \(ReportText.monthTitle($0).dropFirst("Báo cáo tháng ".count))" } ?? "")
    }

    func discrepancyLines(_ db: Database, batch: String, period: String?, _ body: (DiscrepancyLine) throws -> Void) throws {
        try Self.requireBatch(db, batch)
        let decoder = JSONDecoder()
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(StoredRow.columns), c.result AS check_result, c.registered_name
            FROM registry_row r
            LEFT JOIN registry_account_check c ON c.batch_id = r.batch_id AND c."row" = r."row" AND c.period = ?
            WHERE r.batch_id = ? AND (r.disposition = 'return-to-commune'
                  OR r.verification_status IN ('mismatch', 'not_found', 'invalid') OR c.result = 'name_mismatch')
            ORDER BY r."row"
            """, arguments: [period ?? "", batch])
        while let row = try cursor.next() {
            let stored = try StoredRow(row, decoder: decoder)
            for line in RegistryRowLogic.discrepancyLines(stored, checkResult: row["check_result"],
                                                          registeredName: row["registered_name"]) {
                try body(line)
            }
        }
    }

    // MARK: - Bank lists

    /// The headers of a bank's list.
    public static let bankListHeaders = [
        "STT", "Dòng trong danh sách", "Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Người nhận",
        "Số định danh người nhận", "Số tài khoản", "Xã/phường", "Quận/huyện", "Đối tượng", "Tình trạng",
        "Mã yêu cầu mở tài khoản",
    ]

    /// One list per bank for `period`: payees to open accounts for (``AccountStatus/needsAccount``) and payees
    /// whose account is verified (``AccountStatus/readyCashless``), sorted by BIN (accounts without a bank last).
    public func bankLists(batch: String, period: String) throws -> [BankList] {
        _ = try Self.checkPeriod(period)
        var lines: [(bin: String?, line: PayeeLine)] = []
        try pool.read { db in
            try payeeLines(db, batch: batch, period: period) { bin, line in lines.append((bin, line)) }
        }
        return RegistryRowLogic.bankLists(lines, period: period)
    }

    /// Writes one list per bank to `directory` as `ngan-hang-<BIN>-<batch>-<period>.csv`/`.xlsx`
    /// (`ngan-hang-khac-…` for accounts without a bank), keyed by BIN (`""` for those).
    public func writeBankLists(batch: String, period: String, to directory: URL) throws -> [String: ReportFiles] {
        _ = try Self.checkPeriod(period)
        return try pool.read { db in
            var writers: [String: ReportWriter] = [:]
            do {
                try payeeLines(db, batch: batch, period: period) { bin, line in
                    let key = bin ?? ""
                    let writer: ReportWriter
                    if let existing = writers[key] {
                        writer = existing
                    } else {
                        writer = try RegistryReportFiles.bankListWriter(directory, bin: bin, batch: batch, period: period)
                        writers[key] = writer
                    }
                    try writer.append(RegistryReportFiles.cells(line))
                }
                var files: [String: ReportFiles] = [:]
                for (key, writer) in writers { files[key] = try writer.finish() }
                return files
            } catch {
                for writer in writers.values { writer.abandon() }
                throw error
            }
        }
    }

    static func bankTitle(bin: String?, period: String) -> String {
        let name = bin.flatMap { BankCatalog.standard.bank(bin: $0)?.shortName } ?? bin ?? "khác"
        return "Danh sách chi trả qua ngân hàng \(name) — kỳ \(period)"
    }

    func payeeLines(_ db: Database, batch: String, period: String, _ body: (String?, PayeeLine) throws -> Void) throws {
        try Self.requireBatch(db, batch)
        try forEachVerifiedRow(db, batch: batch, period: period) { stored, check, _, openingRef in
            if let (bin, line) = RegistryRowLogic.payeeLine(stored, check: check, openingRef: openingRef,
                                                            defaultBankBIN: defaultBankBIN) {
                try body(bin, line)
            }
        }
    }

    // MARK: - Post-office cash list

    /// The headers of the post office's cash list.
    public static let cashListHeaders = [
        "STT", "Dòng trong danh sách", "Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Nơi thường trú",
        "Xã/phường", "Quận/huyện", "Đối tượng", "Người nhận thay", "Lý do chi trả tiền mặt",
    ]

    /// The people the post office pays in cash for `period` (``AccountStatus/cashPostOffice``).
    public func cashList(batch: String, period: String) throws -> CashList {
        _ = try Self.checkPeriod(period)
        var lines: [CashLine] = []
        try pool.read { db in try cashLines(db, batch: batch, period: period) { lines.append($0) } }
        return RegistryRowLogic.cashList(batch: batch, period: period, lines: lines)
    }

    /// Writes the cash list to `directory` as `buu-dien-tien-mat-<batch>-<period>.csv`/`.xlsx`.
    public func writeCashList(batch: String, period: String, to directory: URL) throws -> ReportFiles {
        _ = try Self.checkPeriod(period)
        return try pool.read { db in
            try Self.requireBatch(db, batch)
            let writer = try RegistryReportFiles.cashListWriter(directory, batch: batch, period: period)
            do {
                try cashLines(db, batch: batch, period: period) { line in try writer.append(RegistryReportFiles.cells(line)) }
                return try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
        }
    }

    func cashLines(_ db: Database, batch: String, period: String, _ body: (CashLine) throws -> Void) throws {
        try Self.requireBatch(db, batch)
        try forEachVerifiedRow(db, batch: batch, period: period) { stored, check, _, _ in
            if let line = RegistryRowLogic.cashLine(stored, check: check, defaultBankBIN: defaultBankBIN) { try body(line) }
        }
    }

    // MARK: - Monthly report

    /// The headers of the monthly report.
    public static let monthlyHeaders = [
        "STT", "Quận/huyện", "Xã/phường", "Đối tượng", "Trạng thái đối chiếu", "Trạng thái chi trả", "Số lượng",
    ]

    /// The monthly report of `batch` for `period` (``MonthlyReport``).
    public func monthlyReport(batch: String, period: String) throws -> MonthlyReport {
        let first = try Self.checkPeriod(period)
        let (total, counts) = try pool.read { db in try monthlyCounts(db, batch: batch, period: period) }
        return MonthlyReport(batch: batch, period: period, title: ReportText.monthTitle(period),
                             dueOn: Self.nextMonth(first), totalRows: total, counts: counts)
    }

    /// Writes the monthly report to `directory` as `bao-cao-thang-<period>-<batch>.csv`/`.xlsx`; the sheet is
    /// named after the period (`Báo cáo tháng MM-YYYY`).
    public func writeMonthlyReport(batch: String, period: String, to directory: URL) throws -> ReportFiles {
        try RegistryReportFiles.write(try monthlyReport(batch: batch, period: period), to: directory)
    }

    static func nextMonth(_ first: CalendarDate) -> CalendarDate {
        first.adding(days: CalendarDate.daysInMonth(year: first.year, month: first.month))
    }

    func monthlyCounts(_ db: Database, batch: String, period: String) throws -> (Int, [MonthlyCount]) {
        try Self.requireBatch(db, batch)
        var tally = RegistryRowLogic.MonthlyTally(defaultBankBIN: defaultBankBIN)
        // Rows not verified: counted from the columns alone.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT district, commune, categories, disposition, verification_status, COUNT(*) AS n FROM registry_row
            WHERE batch_id = ? AND (verification_status IS NULL OR verification_status IN ('not_found', 'invalid'))
            GROUP BY 1, 2, 3, 4, 5
            """, arguments: [batch])
        while let row = try rows.next() {
            tally.addUnverified(district: row["district"], commune: row["commune"], categories: row["categories"],
                                disposition: row["disposition"], verificationStatus: row["verification_status"],
                                count: row["n"])
        }
        // Verified rows: with the period's payment decision.
        try forEachVerifiedRow(db, batch: batch, period: period) { stored, check, _, _ in
            tally.addVerified(stored, check: check)
        }
        return (tally.total, tally.counts)
    }
}
