public import Foundation

/// One signed checkpoint of the audit chain.
public struct CheckpointRow: Sendable, Hashable {
    /// The checkpointed record's `seq`.
    public var seq: Int
    /// The checkpoint's `ts` (parse the stored RFC 3339 string).
    public var time: Date
    /// The checkpointed record's `hash` (lowercase hex; shown shortened).
    public var hash: String
    /// Id of the key that signed it (`keyId`).
    public var keyID: String

    /// Creates a row.
    public init(seq: Int, time: Date, hash: String, keyID: String) {
        self.seq = seq
        self.time = time
        self.hash = hash
        self.keyID = keyID
    }
}

/// The audit page (`/console/audit`).
public struct AuditViewModel: Sendable, Hashable {
    /// Time, instance name, refresh.
    public var context: ConsoleContext
    /// Result of the last verification (broken names the first bad `seq`).
    public var status: AuditChainStatus
    /// When that verification ran; `nil` if never.
    public var verifiedAt: Date?
    /// `seq` of the last record (0 when empty).
    public var headSeq: Int
    /// `hash` of the last record (64 zeros when empty); shown shortened, full in a tooltip.
    public var headHash: String
    /// The latest checkpoints, newest first.
    public var checkpoints: [CheckpointRow]

    /// Creates the model.
    public init(
        context: ConsoleContext, status: AuditChainStatus, verifiedAt: Date?, headSeq: Int, headHash: String,
        checkpoints: [CheckpointRow]
    ) {
        self.context = context
        self.status = status
        self.verifiedAt = verifiedAt
        self.headSeq = headSeq
        self.headHash = headHash
        self.checkpoints = checkpoints
    }
}

extension ConsoleRenderer {
    /// The audit page (`/console/audit`).
    public static func renderAudit(_ model: AuditViewModel, language: ConsoleLanguage) -> String {
        let l = language
        let offset = model.context.utcOffsetSeconds
        var html = "<div class=\"card\" id=\"chain-status\">\n<p>"
        html += HTML.escape(l.pick("Trạng thái chuỗi: ", "Chain status: ")) + auditBadge(model.status, l)
        if case .broken(let seq) = model.status {
            html += " <strong>" + HTML.escape(l.pick("Bản ghi hỏng đầu tiên: seq \(seq)", "First bad record: seq \(seq)")) + "</strong>"
        }
        html += "</p>\n<p>" + HTML.escape(l.pick("Kiểm tra lần cuối: ", "Last verified: "))
        html += HTML.escape(model.verifiedAt.map { ConsoleFormat.dateTime($0, offsetSeconds: offset) } ?? ConsoleFormat.suppressed)
        html += "</p>\n<p>" + HTML.escape(l.pick("Bản ghi cuối: seq ", "Head: seq ")) + "<strong id=\"head-seq\">\(model.headSeq)</strong>"
        html += " · hash <code title=\"\(HTML.attribute(model.headHash))\">\(HTML.escape(ConsoleFormat.shortHash(model.headHash)))</code></p>\n"
        html += "<p class=\"note\">" + HTML.escape(l.pick(
            "Kiểm tra toàn bộ bằng: lienthong audit verify",
            "Full check: lienthong audit verify"
        )) + "</p>\n</div>\n"

        html += "<h2>\(HTML.escape(l.pick("Điểm kiểm tra gần nhất", "Latest checkpoints")))</h2>\n"
        if model.checkpoints.isEmpty {
            html += "<p class=\"muted\">\(HTML.escape(l.pick("Chưa có điểm kiểm tra.", "No checkpoints yet.")))</p>\n"
        } else {
            html += "<table id=\"checkpoints\">\n"
            html += ConsoleLayout.headerRow([
                ("seq", true), (l.pick("Thời điểm", "Time"), false), (l.pick("Hash (đầu)", "Hash (prefix)"), false),
                (l.pick("Khóa ký", "Signing key"), false),
            ])
            html += "<tbody>\n"
            for checkpoint in model.checkpoints {
                html += "<tr><td class=\"num\">\(checkpoint.seq)</td>"
                html += ConsoleLayout.textCell(ConsoleFormat.dateTime(checkpoint.time, offsetSeconds: offset))
                html += "<td><code title=\"\(HTML.attribute(checkpoint.hash))\">\(HTML.escape(ConsoleFormat.shortHash(checkpoint.hash)))</code></td>"
                html += ConsoleLayout.textCell(checkpoint.keyID, class: "mono") + "</tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        return ConsoleLayout.render(page: .audit, language: l, context: model.context, content: html)
    }
}
