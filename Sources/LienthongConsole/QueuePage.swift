public import Foundation

/// Messages per state for one recipient.
public struct RecipientQueueCounts: Sendable, Hashable {
    /// The recipient member id.
    public var recipient: String
    /// Counts per state for this recipient.
    public var counts: MessageStateCounts

    /// Creates a row.
    public init(recipient: String, counts: MessageStateCounts) {
        self.recipient = recipient
        self.counts = counts
    }
}

/// One dead letter, with what an operator needs to decide on a retry (no payload: it may hold personal data).
public struct DeadLetterRow: Sendable, Hashable {
    /// The message id (UUID), posted back as the retry form's `id`.
    public var id: String
    /// The message type (`asxh.account-opening-request`, …).
    public var type: String
    /// The sending member id.
    public var sender: String
    /// The recipient member id.
    public var recipient: String
    /// Delivery attempts made.
    public var attempts: Int
    /// Code of the last failure (`http-404`, `timeout`, `max-attempts`, …); `nil` when none was recorded.
    public var lastErrorCode: String?
    /// When the message became dead.
    public var deadSince: Date

    /// Creates a row.
    public init(id: String, type: String, sender: String, recipient: String, attempts: Int, lastErrorCode: String?, deadSince: Date) {
        self.id = id
        self.type = type
        self.sender = sender
        self.recipient = recipient
        self.attempts = attempts
        self.lastErrorCode = lastErrorCode
        self.deadSince = deadSince
    }
}

/// The queue page (`/console/queue`).
///
/// Each dead letter has a retry form: `POST /console/queue/retry` with the fields `id` (message id), `csrf`
/// (``csrfToken``) and `lang` (the page's language, for the redirect back). The handler must check `csrf`, requeue
/// the message, write an operator-action audit record, and redirect (303) to `/console/queue` with a flash message
/// (``ConsoleFlash/requeued(messageID:_:)``).
public struct QueueViewModel: Sendable, Hashable {
    /// Time, instance name, refresh.
    public var context: ConsoleContext
    /// Counts per recipient and state, in the order to show.
    public var recipients: [RecipientQueueCounts]
    /// Dead letters to list (newest first, say), at most a page of them.
    public var deadLetters: [DeadLetterRow]
    /// Dead letters that exist but are not in ``deadLetters`` (shown as "and N more"; 0 when all are listed).
    public var moreDeadLetters: Int
    /// The anti-CSRF token put in every retry form (tied to the operator's session by the caller).
    public var csrfToken: String
    /// A message line after an action (for example after a retry), or `nil`.
    public var flash: ConsoleFlash?

    /// Creates the model.
    public init(
        context: ConsoleContext,
        recipients: [RecipientQueueCounts],
        deadLetters: [DeadLetterRow],
        moreDeadLetters: Int = 0,
        csrfToken: String,
        flash: ConsoleFlash? = nil
    ) {
        self.context = context
        self.recipients = recipients
        self.deadLetters = deadLetters
        self.moreDeadLetters = moreDeadLetters
        self.csrfToken = csrfToken
        self.flash = flash
    }
}

extension ConsoleRenderer {
    /// The path the retry forms post to.
    public static let retryPath = "/console/queue/retry"

    /// The queue page (`/console/queue`).
    public static func renderQueue(_ model: QueueViewModel, language: ConsoleLanguage) -> String {
        let l = language
        let offset = model.context.utcOffsetSeconds
        var html = "<h2>\(HTML.escape(l.pick("Theo bên nhận", "By recipient")))</h2>\n"
        if model.recipients.isEmpty {
            html += "<p class=\"muted\">\(HTML.escape(l.pick("Hàng đợi trống.", "The queue is empty.")))</p>\n"
        } else {
            html += "<table id=\"recipients\">\n"
            html += ConsoleLayout.headerRow([
                (l.pick("Bên nhận", "Recipient"), false), (l.pick("Đang chờ", "Queued"), true),
                (l.pick("Đang gửi", "In flight"), true), (l.pick("Đã chuyển", "Delivered"), true),
                (l.pick("Thư chết", "Dead"), true),
            ])
            html += "<tbody>\n"
            var total = MessageStateCounts()
            for row in model.recipients {
                html += "<tr>" + ConsoleLayout.textCell(row.recipient, class: "mono")
                html += ConsoleLayout.numberCell(row.counts.queued, l) + ConsoleLayout.numberCell(row.counts.inFlight, l)
                html += ConsoleLayout.numberCell(row.counts.delivered, l) + ConsoleLayout.numberCell(row.counts.dead, l) + "</tr>\n"
                total.queued += row.counts.queued
                total.inFlight += row.counts.inFlight
                total.delivered += row.counts.delivered
                total.dead += row.counts.dead
            }
            html += "</tbody>\n<tfoot><tr><th scope=\"row\">\(HTML.escape(l.pick("Tổng", "Total")))</th>"
            html += ConsoleLayout.numberCell(total.queued, l) + ConsoleLayout.numberCell(total.inFlight, l)
            html += ConsoleLayout.numberCell(total.delivered, l) + ConsoleLayout.numberCell(total.dead, l)
            html += "</tr></tfoot>\n</table>\n"
        }

        html += "<h2>\(HTML.escape(l.pick("Thư chết", "Dead letters")))</h2>\n"
        if model.deadLetters.isEmpty {
            html += "<p class=\"muted\" id=\"no-dead-letters\">\(HTML.escape(l.pick("Không có thư chết.", "No dead letters.")))</p>\n"
        } else {
            html += "<table id=\"dead-letters\">\n"
            html += ConsoleLayout.headerRow([
                (l.pick("Mã tin nhắn", "Message id"), false), (l.pick("Loại", "Type"), false),
                (l.pick("Bên gửi", "Sender"), false), (l.pick("Bên nhận", "Recipient"), false),
                (l.pick("Số lần thử", "Attempts"), true), (l.pick("Lỗi cuối", "Last error"), false),
                (l.pick("Chết từ", "Dead since"), false), (l.pick("Thao tác", "Action"), false),
            ])
            html += "<tbody>\n"
            for row in model.deadLetters {
                html += "<tr>" + ConsoleLayout.textCell(row.id, class: "mono") + ConsoleLayout.textCell(row.type, class: "mono")
                html += ConsoleLayout.textCell(row.sender) + ConsoleLayout.textCell(row.recipient)
                html += ConsoleLayout.numberCell(row.attempts, l)
                html += ConsoleLayout.textCell(row.lastErrorCode ?? ConsoleFormat.suppressed, class: "mono")
                html += ConsoleLayout.textCell(ConsoleFormat.dateTime(row.deadSince, offsetSeconds: offset))
                html += "<td><form class=\"inline\" method=\"post\" action=\"\(retryPath)\">"
                html += "<input type=\"hidden\" name=\"id\" value=\"\(HTML.attribute(row.id))\" />"
                html += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.attribute(model.csrfToken))\" />"
                html += ConsoleLayout.hiddenLanguage(l)
                html += "<button type=\"submit\" aria-label=\"\(HTML.attribute(l.pick("Thử lại ", "Retry ") + row.id))\">"
                html += HTML.escape(l.pick("Thử lại", "Retry")) + "</button></form></td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
            if model.moreDeadLetters > 0 {
                html += "<p class=\"note\">" + HTML.escape(l.pick(
                    "… và \(ConsoleFormat.integer(model.moreDeadLetters, l)) thư chết khác (dùng lienthong queue list).",
                    "… and \(ConsoleFormat.integer(model.moreDeadLetters, l)) more (use lienthong queue list)."
                )) + "</p>\n"
            }
            html += "<p class=\"note\">" + HTML.escape(l.pick(
                "Mỗi lần thử lại là một thao tác của người vận hành và được ghi vào nhật ký kiểm toán.",
                "Each retry is an operator action and is recorded in the audit log."
            )) + "</p>\n"
        }
        return ConsoleLayout.render(page: .queue, language: l, context: model.context, content: html, flash: model.flash)
    }
}
