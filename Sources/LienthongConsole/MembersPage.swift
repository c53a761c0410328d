public import Foundation

/// One member of the exchange and its client certificate.
public struct MemberRow: Sendable, Hashable {
    /// The member id (`labor-dongnai`, `bank-vcb`, …).
    public var id: String
    /// The member's role (`partner`, `upstream`, `registry`, …) as configured.
    public var role: String
    /// A free-text description from the configuration (escaped when shown).
    public var description: String
    /// The certificate's subject, as a string (`CN=labor-dongnai,O=…`).
    public var certificateSubject: String
    /// The certificate's serial number (hex).
    public var serial: String
    /// The certificate's `notAfter`.
    public var notAfter: Date
    /// `false` when no certificate of this member has been seen yet (the member has not connected since the
    /// gateway started): the row shows "chưa kết nối" / "not connected yet" instead of the certificate and is not
    /// counted as expiring or expired.
    public var connected: Bool = true

    /// Creates a row.
    public init(id: String, role: String, description: String, certificateSubject: String, serial: String, notAfter: Date) {
        self.id = id
        self.role = role
        self.description = description
        self.certificateSubject = certificateSubject
        self.serial = serial
        self.notAfter = notAfter
    }

    /// A row for a member whose certificate has not been seen yet (``connected`` is `false`).
    public init(notConnected id: String, role: String, description: String) {
        self.init(id: id, role: role, description: description, certificateSubject: "", serial: "", notAfter: .distantFuture)
        connected = false
    }
}

/// How close a certificate is to its end.
public enum CertificateExpiry: Sendable, Hashable {
    /// More than the warning period left.
    case valid
    /// Within the warning period.
    case expiresSoon
    /// `notAfter` has passed.
    case expired

    /// The state of a certificate ending at `notAfter`, seen at `now`, warning `warningDays` ahead.
    public init(notAfter: Date, now: Date, warningDays: Int) {
        let left = notAfter.timeIntervalSince(now)
        if left <= 0 {
            self = .expired
        } else if left <= Double(warningDays) * 86_400 {
            self = .expiresSoon
        } else {
            self = .valid
        }
    }

    /// Whole days from `now` to `notAfter`, rounded down (negative once expired).
    public static func daysLeft(notAfter: Date, now: Date) -> Int {
        let days = (notAfter.timeIntervalSince(now) / 86_400).rounded(.down)
        return days.isFinite ? Int(max(-1e9, min(1e9, days))) : 0
    }
}

/// The members page (`/console/members`).
public struct MembersViewModel: Sendable, Hashable {
    /// Time (days left are counted from `context.now`), instance name, refresh.
    public var context: ConsoleContext
    /// The members, in the order to show.
    public var members: [MemberRow]
    /// Days ahead of `notAfter` at which a certificate is flagged (default 30).
    public var warningDays: Int

    /// Creates the model.
    public init(context: ConsoleContext, members: [MemberRow], warningDays: Int = 30) {
        self.context = context
        self.members = members
        self.warningDays = warningDays
    }
}

extension ConsoleRenderer {
    /// The members page (`/console/members`): rows within the warning period get the class `warning` and a
    /// "Sắp hết hạn"/"Expires soon" badge, expired ones the class `expired` and a "Đã hết hạn"/"Expired" badge.
    public static func renderMembers(_ model: MembersViewModel, language: ConsoleLanguage) -> String {
        let l = language
        let now = model.context.now
        let states: [CertificateExpiry?] = model.members.map {
            $0.connected ? CertificateExpiry(notAfter: $0.notAfter, now: now, warningDays: model.warningDays) : nil
        }
        let soon = states.filter { $0 == .expiresSoon }.count
        let expired = states.filter { $0 == .expired }.count

        var html = "<section class=\"tiles\">\n"
        html += ConsoleLayout.tile(l.pick("Thành viên", "Members"), ConsoleFormat.integer(model.members.count, l), id: "member-count")
        html += ConsoleLayout.tile(l.pick("Sắp hết hạn", "Expiring soon"), ConsoleFormat.integer(soon, l), id: "expiring-count")
        html += ConsoleLayout.tile(l.pick("Đã hết hạn", "Expired"), ConsoleFormat.integer(expired, l), id: "expired-count")
        html += "</section>\n"
        if model.members.isEmpty {
            html += "<p class=\"muted\">\(HTML.escape(l.pick("Chưa có thành viên.", "No members configured.")))</p>\n"
        } else {
            html += "<table id=\"members\">\n"
            html += ConsoleLayout.headerRow([
                (l.pick("Mã thành viên", "Member id"), false), (l.pick("Vai trò / mô tả", "Role / description"), false),
                (l.pick("Chủ thể chứng thư", "Certificate subject"), false), (l.pick("Số sê-ri", "Serial"), false),
                (l.pick("Hết hạn", "Not after"), false), (l.pick("Còn lại (ngày)", "Days left"), true),
                (l.pick("Tình trạng", "Status"), false),
            ])
            html += "<tbody>\n"
            for (member, state) in zip(model.members, states) {
                guard let state else {
                    html += "<tr class=\"not-connected\">" + ConsoleLayout.textCell(member.id, class: "mono")
                    html += "<td>\(HTML.escape(member.role))<br /><span class=\"muted\">\(HTML.escape(member.description))</span></td>"
                    html += "<td colspan=\"5\" class=\"muted\">" + HTML.escape(l.pick("chưa kết nối", "not connected yet")) + "</td></tr>\n"
                    continue
                }
                let rowClass = switch state {
                case .valid: ""
                case .expiresSoon: " class=\"warning\""
                case .expired: " class=\"expired\""
                }
                html += "<tr\(rowClass)>" + ConsoleLayout.textCell(member.id, class: "mono")
                html += "<td>\(HTML.escape(member.role))<br /><span class=\"muted\">\(HTML.escape(member.description))</span></td>"
                html += ConsoleLayout.textCell(member.certificateSubject, class: "mono")
                html += ConsoleLayout.textCell(member.serial, class: "mono")
                html += ConsoleLayout.textCell(ConsoleFormat.date(member.notAfter, offsetSeconds: model.context.utcOffsetSeconds))
                html += ConsoleLayout.numberCell(CertificateExpiry.daysLeft(notAfter: member.notAfter, now: now), l)
                html += "<td>" + expiryBadge(state, l) + "</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        html += "<p class=\"note\">" + HTML.escape(l.pick(
            "Chứng thư còn \(model.warningDays) ngày trở xuống được đánh dấu; hãy cấp lại trước khi hết hạn.",
            "Certificates with \(model.warningDays) days or less left are flagged; reissue them before they expire."
        )) + "</p>\n"
        return ConsoleLayout.render(page: .members, language: l, context: model.context, content: html)
    }

    static func expiryBadge(_ state: CertificateExpiry, _ l: ConsoleLanguage) -> String {
        switch state {
        case .valid: "<span class=\"badge ok\">\(HTML.escape(l.pick("Còn hiệu lực", "Valid")))</span>"
        case .expiresSoon: "<span class=\"badge warn\">\(HTML.escape(l.pick("Sắp hết hạn", "Expires soon")))</span>"
        case .expired: "<span class=\"badge bad\">\(HTML.escape(l.pick("Đã hết hạn", "Expired")))</span>"
        }
    }
}
