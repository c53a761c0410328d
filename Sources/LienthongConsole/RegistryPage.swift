public import Foundation

/// One imported beneficiary list (`asxh` batch) and its verification progress.
public struct RegistryBatchRow: Sendable, Hashable {
    /// The batch id.
    public var id: String
    /// The imported file's name (escaped when shown).
    public var fileName: String
    /// Rows imported.
    public var rows: Int
    /// When it was imported.
    public var importedAt: Date
    /// Rows whose verification against the population database has an outcome.
    public var verificationDone: Int
    /// Rows to verify (0 before any verification run).
    public var verificationTotal: Int
    /// Rows `matched`.
    public var matched: Int
    /// Rows `mismatch` (the register's values were recorded and used).
    public var mismatch: Int
    /// Rows `not_found` (returned to the commune).
    public var notFound: Int
    /// Rows `invalid` (failed the data-quality checks).
    public var invalid: Int

    /// Creates a row.
    public init(
        id: String, fileName: String, rows: Int, importedAt: Date, verificationDone: Int, verificationTotal: Int,
        matched: Int, mismatch: Int, notFound: Int, invalid: Int
    ) {
        self.id = id
        self.fileName = fileName
        self.rows = rows
        self.importedAt = importedAt
        self.verificationDone = verificationDone
        self.verificationTotal = verificationTotal
        self.matched = matched
        self.mismatch = mismatch
        self.notFound = notFound
        self.invalid = invalid
    }
}

/// A long run in progress (verification, account check, openings).
public struct RegistryJobRow: Sendable, Hashable {
    /// The job id.
    public var id: String
    /// What it does, in the page's language or as a code (`verify`, `account-check`, `openings`).
    public var kind: String
    /// The batch it works on.
    public var batch: String
    /// When it started.
    public var startedAt: Date
    /// Items done.
    public var done: Int
    /// Items in all.
    public var total: Int

    /// Creates a row.
    public init(id: String, kind: String, batch: String, startedAt: Date, done: Int, total: Int) {
        self.id = id
        self.kind = kind
        self.batch = batch
        self.startedAt = startedAt
        self.done = done
        self.total = total
    }
}

/// The registry page (`/console/registry`).
public struct RegistryViewModel: Sendable, Hashable {
    /// Time, instance name, refresh (a refresh of 5–10 s suits a running job).
    public var context: ConsoleContext
    /// Batches, newest first.
    public var batches: [RegistryBatchRow]
    /// Jobs running now.
    public var jobs: [RegistryJobRow]

    /// Creates the model.
    public init(context: ConsoleContext, batches: [RegistryBatchRow], jobs: [RegistryJobRow]) {
        self.context = context
        self.batches = batches
        self.jobs = jobs
    }
}

extension ConsoleRenderer {
    /// The registry page (`/console/registry`).
    public static func renderRegistry(_ model: RegistryViewModel, language: ConsoleLanguage) -> String {
        let l = language
        let offset = model.context.utcOffsetSeconds
        var html = "<h2>\(HTML.escape(l.pick("Việc đang chạy", "Running jobs")))</h2>\n"
        if model.jobs.isEmpty {
            html += "<p class=\"muted\" id=\"no-jobs\">\(HTML.escape(l.pick("Không có việc nào đang chạy.", "No job is running.")))</p>\n"
        } else {
            html += "<table id=\"jobs\">\n"
            html += ConsoleLayout.headerRow([
                (l.pick("Mã việc", "Job"), false), (l.pick("Loại", "Kind"), false), (l.pick("Danh sách", "Batch"), false),
                (l.pick("Bắt đầu", "Started"), false), (l.pick("Tiến độ", "Progress"), false),
            ])
            html += "<tbody>\n"
            for job in model.jobs {
                html += "<tr>" + ConsoleLayout.textCell(job.id, class: "mono") + ConsoleLayout.textCell(job.kind)
                html += ConsoleLayout.textCell(job.batch, class: "mono")
                html += ConsoleLayout.textCell(ConsoleFormat.dateTime(job.startedAt, offsetSeconds: offset))
                html += "<td>" + progress(done: job.done, total: job.total, l) + "</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }

        html += "<h2>\(HTML.escape(l.pick("Danh sách đã nhập", "Imported batches")))</h2>\n"
        if model.batches.isEmpty {
            html += "<p class=\"muted\">\(HTML.escape(l.pick("Chưa nhập danh sách nào.", "No batch imported yet.")))</p>\n"
        } else {
            html += "<table id=\"batches\">\n"
            html += ConsoleLayout.headerRow([
                (l.pick("Mã", "Id"), false), (l.pick("Tệp", "File"), false), (l.pick("Số dòng", "Rows"), true),
                (l.pick("Nhập lúc", "Imported at"), false), (l.pick("Xác minh", "Verification"), false),
                (l.pick("Khớp", "Matched"), true), (l.pick("Sai lệch", "Mismatch"), true),
                (l.pick("Không tìm thấy", "Not found"), true), (l.pick("Không hợp lệ", "Invalid"), true),
            ])
            html += "<tbody>\n"
            for batch in model.batches {
                html += "<tr>" + ConsoleLayout.textCell(batch.id, class: "mono") + ConsoleLayout.textCell(batch.fileName)
                html += ConsoleLayout.numberCell(batch.rows, l)
                html += ConsoleLayout.textCell(ConsoleFormat.dateTime(batch.importedAt, offsetSeconds: offset))
                html += "<td>" + progress(done: batch.verificationDone, total: batch.verificationTotal, l) + "</td>"
                html += ConsoleLayout.numberCell(batch.matched, l) + ConsoleLayout.numberCell(batch.mismatch, l)
                html += ConsoleLayout.numberCell(batch.notFound, l) + ConsoleLayout.numberCell(batch.invalid, l) + "</tr>\n"
            }
            html += "</tbody>\n</table>\n"
            html += "<p class=\"note\">" + HTML.escape(l.pick(
                "Dòng không tìm thấy được trả về xã; dòng sai lệch dùng thông tin của Cơ sở dữ liệu quốc gia về dân cư.",
                "Rows not found are returned to the commune; mismatched rows use the population database's values."
            )) + "</p>\n"
        }
        return ConsoleLayout.render(page: .registry, language: l, context: model.context, content: html)
    }

    /// A `<progress>` bar with the numbers beside it (`120 / 450 (26,7 %)`); "not started" when `total` is 0.
    static func progress(done: Int, total: Int, _ l: ConsoleLanguage) -> String {
        guard total > 0 else {
            return "<span class=\"muted\">\(HTML.escape(l.pick("Chưa chạy", "Not started")))</span>"
        }
        let clamped = min(max(0, done), total)
        let label = "\(ConsoleFormat.integer(clamped, l)) / \(ConsoleFormat.integer(total, l))"
        return "<progress value=\"\(clamped)\" max=\"\(total)\">\(HTML.escape(label))</progress> "
            + HTML.escape(label + " (" + ConsoleFormat.percent(Double(clamped) / Double(total), l) + ")")
    }
}
