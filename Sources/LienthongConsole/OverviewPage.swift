/// How many messages are in each state of the durable queue (SPEC §4).
public struct MessageStateCounts: Sendable, Hashable {
    /// Accepted and waiting for (re)delivery (`queued`).
    public var queued: Int
    /// Leased by a delivery worker or a pull client (`delivering`).
    public var inFlight: Int
    /// Delivered (kept until purged).
    public var delivered: Int
    /// Dead letters (gave up; an operator may retry).
    public var dead: Int

    /// Creates the counts.
    public init(queued: Int = 0, inFlight: Int = 0, delivered: Int = 0, dead: Int = 0) {
        self.queued = queued
        self.inFlight = inFlight
        self.delivered = delivered
        self.dead = dead
    }
}

/// The result of the last audit-chain verification.
public enum AuditChainStatus: Sendable, Hashable {
    /// Every hash, link, `seq` and checkpoint signature checked out.
    case verified
    /// The chain is broken; `firstBadSeq` is the first record that failed.
    case broken(firstBadSeq: Int)
    /// Not verified yet (for example just after start-up).
    case unknown
}

/// Requests served by one service (or route group), for the overview's traffic chart.
public struct ServiceTraffic: Sendable, Hashable {
    /// The service code (`population.lookup`, `messages`, …) or route group.
    public var service: String
    /// Requests answered (any status).
    public var requests: Int
    /// Of those, answers with status 4xx or 5xx.
    public var errors: Int

    /// Creates a row.
    public init(service: String, requests: Int, errors: Int) {
        self.service = service
        self.requests = requests
        self.errors = errors
    }
}

/// The overview page (`/console`): traffic, errors, queue depth, audit head.
public struct OverviewViewModel: Sendable, Hashable {
    /// Time, instance name, refresh.
    public var context: ConsoleContext
    /// Requests answered by the partner listener since start-up (all statuses).
    public var requestsServed: Int
    /// Answers with a 4xx status since start-up.
    public var clientErrors: Int
    /// Answers with a 5xx status since start-up.
    public var serverErrors: Int
    /// Seconds since the gateway started.
    public var uptimeSeconds: Int
    /// Messages per queue state (all recipients).
    public var messages: MessageStateCounts
    /// `seq` of the last audit record (0 when the log is empty).
    public var auditHeadSeq: Int
    /// Result of the last chain verification.
    public var auditStatus: AuditChainStatus
    /// Traffic per service since start-up, drawn as bars (requests split into answered-ok and errors).
    public var trafficByService: [ServiceTraffic]

    /// Creates the model.
    public init(
        context: ConsoleContext,
        requestsServed: Int,
        clientErrors: Int,
        serverErrors: Int,
        uptimeSeconds: Int,
        messages: MessageStateCounts,
        auditHeadSeq: Int,
        auditStatus: AuditChainStatus,
        trafficByService: [ServiceTraffic]
    ) {
        self.context = context
        self.requestsServed = requestsServed
        self.clientErrors = clientErrors
        self.serverErrors = serverErrors
        self.uptimeSeconds = uptimeSeconds
        self.messages = messages
        self.auditHeadSeq = auditHeadSeq
        self.auditStatus = auditStatus
        self.trafficByService = trafficByService
    }
}

/// Renders the console's pages from their view models. Pure functions: no I/O, no clock (the time comes from the
/// model's ``ConsoleContext``), every model string escaped.
public enum ConsoleRenderer {
    /// The overview page (`/console`).
    public static func renderOverview(_ model: OverviewViewModel, language: ConsoleLanguage) -> String {
        let l = language
        var html = "<section class=\"tiles\" aria-label=\"\(HTML.attribute(l.pick("Lưu lượng", "Traffic")))\">\n"
        html += ConsoleLayout.tile(l.pick("Yêu cầu đã phục vụ", "Requests served"), ConsoleFormat.integer(model.requestsServed, l), id: "requests")
        html += ConsoleLayout.tile(l.pick("Lỗi 4xx", "4xx errors"), ConsoleFormat.integer(model.clientErrors, l), id: "errors-4xx")
        html += ConsoleLayout.tile(l.pick("Lỗi 5xx", "5xx errors"), ConsoleFormat.integer(model.serverErrors, l), id: "errors-5xx")
        html += ConsoleLayout.tile(l.pick("Thời gian chạy", "Uptime"), ConsoleFormat.duration(seconds: model.uptimeSeconds, l), id: "uptime")
        html += "</section>\n"

        html += "<h2>\(HTML.escape(l.pick("Tin nhắn theo trạng thái", "Messages by state")))</h2>\n"
        html += "<section class=\"tiles\" id=\"message-states\">\n"
        html += ConsoleLayout.tile(l.pick("Đang chờ", "Queued"), ConsoleFormat.integer(model.messages.queued, l), id: "state-queued")
        html += ConsoleLayout.tile(l.pick("Đang gửi", "In flight"), ConsoleFormat.integer(model.messages.inFlight, l), id: "state-in-flight")
        html += ConsoleLayout.tile(l.pick("Đã chuyển", "Delivered"), ConsoleFormat.integer(model.messages.delivered, l), id: "state-delivered")
        html += ConsoleLayout.tile(l.pick("Thư chết", "Dead letters"), ConsoleFormat.integer(model.messages.dead, l), id: "state-dead")
        html += "</section>\n"

        html += "<h2>\(HTML.escape(l.pick("Chuỗi nhật ký kiểm toán", "Audit chain")))</h2>\n"
        html += "<div class=\"card\" id=\"audit-summary\"><p>"
        html += auditBadge(model.auditStatus, l)
        html += " " + HTML.escape(l.pick("Bản ghi cuối: seq ", "Head: seq ") + String(model.auditHeadSeq))
        html += " · <a href=\"\(HTML.attribute(ConsolePage.audit.href(l)))\">\(HTML.escape(l.pick("Chi tiết", "Details")))</a></p></div>\n"

        html += "<h2>\(HTML.escape(l.pick("Lưu lượng theo dịch vụ", "Traffic by service")))</h2>\n"
        if model.trafficByService.isEmpty {
            html += "<p class=\"muted\">\(HTML.escape(l.pick("Chưa có yêu cầu nào.", "No requests yet.")))</p>\n"
        } else {
            let rows = model.trafficByService.map {
                ChartRow(label: $0.service, values: [max(0, $0.requests - $0.errors), max(0, $0.errors)])
            }
            html += "<figure>\n<figcaption>\(HTML.escape(l.pick("Yêu cầu theo dịch vụ", "Requests by service")))</figcaption>\n"
            html += SVGChart.stackedBars(
                id: "chart-traffic",
                title: l.pick("Yêu cầu theo dịch vụ", "Requests by service"),
                rows: rows,
                series: [
                    ChartSeries(name: l.pick("Thành công", "Succeeded"), colour: SVGChart.Palette.blue),
                    ChartSeries(name: l.pick("Lỗi", "Errors"), colour: SVGChart.Palette.vermillion),
                ],
                axisLabel: l.pick("Số yêu cầu", "Requests"),
                language: l
            )
            html += "</figure>\n"
        }
        return ConsoleLayout.render(page: .overview, language: l, context: model.context, content: html)
    }

    /// The badge for a chain status: green "Toàn vẹn"/"Verified", red "Bị phá vỡ tại seq N"/"Broken at seq N".
    static func auditBadge(_ status: AuditChainStatus, _ l: ConsoleLanguage) -> String {
        switch status {
        case .verified:
            "<span class=\"badge ok\">\(HTML.escape(l.pick("Toàn vẹn", "Verified")))</span>"
        case .broken(let seq):
            "<span class=\"badge bad\">\(HTML.escape(l.pick("Bị phá vỡ tại seq \(seq)", "Broken at seq \(seq)")))</span>"
        case .unknown:
            "<span class=\"badge warn\">\(HTML.escape(l.pick("Chưa kiểm tra", "Not verified yet")))</span>"
        }
    }
}
