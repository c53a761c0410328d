import Foundation
import HTTPTypes
import Hummingbird
import LienthongConsole
import LienthongCore
import LienthongQueue
import LienthongRegistryStore
import NIOCore

/// The operator console on the admin listener (SPEC §8): server-rendered pages (``LienthongConsole``), no script.
///
/// - `GET /console`, `/console/queue`, `/console/members`, `/console/audit`, `/console/registry`,
///   `/console/labor[?date=YYYY-MM-DD]`, each with `?lang=vi|en` (Vietnamese by default).
/// - `POST /console/queue/retry` (form `id`, `csrf`, `lang`): puts a dead letter back in the queue with the same store
///   call as `lienthong queue retry` (which writes the `operator.retry` audit record, actor `operator`, user
///   `console`), then `303` to `/console/queue?lang=…&done=<id>` or `&failed=<code>&id=<id>`.
/// - `GET|POST /console/login`: the operator-token form (`admin.console_token_file`; an open console shows the form
///   and a POST to it just leads to the overview).
///
/// Access rules are ``ConsoleAccess``'s. Pages answer `200` with ``ConsoleLayout/contentType`` and
/// ``ConsoleLayout/securityHeaders``; a missing registry or labour configuration is an explanatory empty page; a
/// store that cannot be read gives a `500` page in the console's style without internal details.
struct ConsoleRoutes: Sendable {
    let runtime: GatewayRuntime
    let queue: any GatewayQueue
    let registry: RegistryHost?
    let labor: LaborHost?
    let access: ConsoleAccess
    let auditStatus: ConsoleAuditStatus

    /// Dead letters listed on the queue page (the rest are counted).
    static let deadLetterPage = 50
    /// Checkpoints listed on the audit page.
    static let checkpointPage = 20
    /// The `user` recorded in the audit log for console actions.
    static let auditUser = "console"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console") { request, _ in await serve(request, .overview) { try await overview($0, $1) } }
        router.get("/console/queue") { request, _ in
            await serve(request, .queue) { language, context in try await queuePage(language, context, flash: Self.flash(request, language)) }
        }
        router.get("/console/members") { request, _ in await serve(request, .members) { members($0, $1) } }
        router.get("/console/audit") { request, _ in await serve(request, .audit) { try await audit($0, $1) } }
        router.get("/console/registry") { request, _ in await serve(request, .registry) { try await registryPage($0, $1) } }
        router.get("/console/labor") { request, _ in
            await serve(request, .labor) { language, context in try await laborPage(request, language, context) }
        }
        router.post("/console/queue/retry") { request, _ in await retry(request) }
        router.get("/console/login") { request, _ in loginForm(request) }
        router.post("/console/login") { request, _ in await login(request) }
    }

    // MARK: - Serving

    /// Checks access, builds the page, and answers it (or the login redirect, or an error page).
    func serve(
        _ request: Request, _ page: ConsolePage,
        build: @Sendable (ConsoleLanguage, ConsoleContext) async throws -> String
    ) async -> Response {
        let language = Self.language(request.uri.queryParameters.get("lang").map { String($0) })
        let context = self.context(page)
        switch access.verdict(request) {
        case .allowed:
            break
        case .missing, .wrong:
            var next = request.uri.path
            if let query = request.uri.query, !query.isEmpty { next += "?" + query }
            let location = ConsoleRenderer.loginPath + "?next=" + HTML.queryValue(ConsoleAccess.safeNext(next) ?? "/console")
                + "&lang=" + language.rawValue
            return Self.redirect(location)
        case .unavailable:
            return errorPage(page, language, .serviceUnavailable, ConsoleMessages.closed)
        case .foreignHost:
            return errorPage(page, language, .forbidden, ConsoleMessages.foreignHost)
        }
        do {
            return Self.html(try await build(language, context))
        } catch let error as ConsolePageError {
            return errorPage(page, language, error.status, error.message)
        } catch {
            runtime.logger.error("console page failed", metadata: ["page": "\(page.rawValue)", "error": "\(type(of: error))"])
            return errorPage(page, language, .internalServerError, ConsoleMessages.internalError)
        }
    }

    /// The frame every page is rendered in: time now, the instance name, an optional refresh.
    func context(_ page: ConsolePage, refresh: Int? = nil) -> ConsoleContext {
        let operatorMember = runtime.configuration.gateway.operatorMember
        return ConsoleContext(now: Date(), instanceName: operatorMember.isEmpty ? "lienthong" : operatorMember, refreshSeconds: refresh)
    }

    /// A page in the console's style with one message (and no internal detail).
    func errorPage(
        _ page: ConsolePage, _ language: ConsoleLanguage, _ status: HTTPResponse.Status, _ message: ConsoleMessages.Text
    ) -> Response {
        let content = "<div class=\"card\" id=\"console-error\"><p>" + HTML.escape(language.pick(message.vi, message.en))
            + "</p><p><a href=\"\(HTML.attribute(ConsolePage.overview.href(language)))\">"
            + HTML.escape(language.pick("Về trang tổng quan", "Back to the overview")) + "</a></p></div>\n"
        let html = ConsoleLayout.render(
            page: page, language: language, context: context(page), content: content,
            flash: ConsoleFlash(kind: .error, message: language.pick("Lỗi \(status.code)", "Error \(status.code)")),
            showsNavigation: page != .login)
        return Self.html(html, status: status)
    }

    // MARK: - Pages

    func overview(_ language: ConsoleLanguage, _ context: ConsoleContext) async throws -> String {
        let depth = try await queue.depth()
        let tallies = runtime.metrics.trafficByService()
        let (status, _) = await auditStatus.current()
        let traffic = tallies.map { ServiceTraffic(service: $0.key, requests: $0.value.requests, errors: $0.value.clientErrors + $0.value.serverErrors) }
            .sorted { ($0.requests, $1.service) > ($1.requests, $0.service) }
        let model = OverviewViewModel(
            context: self.context(.overview, refresh: 30),
            requestsServed: tallies.values.reduce(0) { $0 + $1.requests },
            clientErrors: tallies.values.reduce(0) { $0 + $1.clientErrors },
            serverErrors: tallies.values.reduce(0) { $0 + $1.serverErrors },
            uptimeSeconds: max(0, Int(Date().timeIntervalSince(runtime.metrics.startedAt))),
            messages: Self.stateCounts(depth.map { ($0.state, $0.count) }),
            auditHeadSeq: Int(clamping: try await runtime.auditLog.lastSeq()),
            auditStatus: status,
            trafficByService: traffic)
        return ConsoleRenderer.renderOverview(model, language: language)
    }

    func queuePage(_ language: ConsoleLanguage, _ context: ConsoleContext, flash: ConsoleFlash?) async throws -> String {
        let depth = try await queue.depth()
        var byRecipient: [String: [(MessageState.Kind, Int)]] = [:]
        for row in depth { byRecipient[row.recipient.value, default: []].append((row.state, row.count)) }
        let recipients = byRecipient.keys.sorted().map { RecipientQueueCounts(recipient: $0, counts: Self.stateCounts(byRecipient[$0] ?? [])) }
        let deadTotal = depth.filter { $0.state == .dead }.reduce(0) { $0 + $1.count }
        let dead = try await queue.list(state: .dead, recipient: nil, type: nil, limit: Self.deadLetterPage)
        let rows = dead.map { message in
            DeadLetterRow(
                id: message.id, type: message.type, sender: message.sender.value, recipient: message.recipient.value,
                attempts: message.lifecycle.attempts, lastErrorCode: message.lifecycle.lastError?.description,
                deadSince: message.lifecycle.lastAttemptAt ?? message.acceptedAt)
        }.sorted { ($0.deadSince, $0.id) > ($1.deadSince, $1.id) }
        let model = QueueViewModel(
            context: context, recipients: recipients, deadLetters: rows, moreDeadLetters: max(0, deadTotal - rows.count),
            csrfToken: access.csrfToken, flash: flash)
        return ConsoleRenderer.renderQueue(model, language: language)
    }

    func members(_ language: ConsoleLanguage, _ context: ConsoleContext) -> String {
        let configuration = runtime.configuration
        let seen = runtime.memberCertificates()
        let rows = configuration.members.map { member -> MemberRow in
            var roles: [String] = []
            if member.id.value == configuration.gateway.operatorMember { roles.append(language.pick("vận hành", "operator")) }
            if member.id == configuration.registry?.member { roles.append(language.pick("an sinh xã hội", "registry")) }
            if member.id == configuration.labor?.member { roles.append(language.pick("lao động", "labour")) }
            if roles.isEmpty { roles.append(language.pick("đối tác", "partner")) }
            var description: [String] = []
            if member.name != member.id.value { description.append(member.name) }
            if !member.grants.isEmpty { description.append(language.pick("\(member.grants.count) dịch vụ", "\(member.grants.count) services")) }
            if let delivery = member.delivery { description.append(language.pick("nhận tin: ", "receives: ") + delivery.mode.rawValue) }
            let role = roles.joined(separator: ", ")
            let text = description.joined(separator: " · ")
            guard let certificate = seen[member.id] else { return MemberRow(notConnected: member.id.value, role: role, description: text) }
            return MemberRow(
                id: member.id.value, role: role, description: text, certificateSubject: certificate.subject,
                serial: certificate.serial, notAfter: certificate.notAfter)
        }
        return ConsoleRenderer.renderMembers(MembersViewModel(context: context, members: rows), language: language)
    }

    func audit(_ language: ConsoleLanguage, _ context: ConsoleContext) async throws -> String {
        let store = runtime.auditLog
        let head = try await store.lastSeq()
        let headHash = head > 0 ? try await store.records(from: head, limit: 1).first?.hash : nil
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let checkpoints = try await store.checkpoints().suffix(Self.checkpointPage).reversed().map { checkpoint in
            CheckpointRow(
                seq: Int(clamping: checkpoint.seq), time: formatter.date(from: checkpoint.ts) ?? Date(timeIntervalSince1970: 0),
                hash: checkpoint.hash, keyID: checkpoint.keyId)
        }
        let (status, verifiedAt) = await auditStatus.current()
        let model = AuditViewModel(
            context: context, status: status, verifiedAt: verifiedAt, headSeq: Int(clamping: head),
            headHash: headHash ?? String(repeating: "0", count: 64), checkpoints: Array(checkpoints))
        return ConsoleRenderer.renderAudit(model, language: language)
    }

    func registryPage(_ language: ConsoleLanguage, _ context: ConsoleContext) async throws -> String {
        guard let registry else {
            return Self.notConfigured(.registry, language, context, section: "[registry]", vi: ConsoleMessages.noRegistry.vi, en: ConsoleMessages.noRegistry.en)
        }
        var batches: [RegistryBatchRow] = []
        for batch in try await registry.store.batches() {
            let progress = try await registry.store.verificationProgress(batch: batch.id)
            let status = progress.byStatus
            batches.append(RegistryBatchRow(
                id: batch.id, fileName: batch.fileName, rows: batch.counts.total, importedAt: batch.importedAt,
                verificationDone: progress.done, verificationTotal: progress.total,
                matched: status["matched", default: 0] + status["number_assigned", default: 0],
                mismatch: status["mismatch", default: 0], notFound: status["not_found", default: 0],
                invalid: status["invalid", default: 0] + progress.returnedToCommune))
        }
        let jobs = try await registry.jobs.latest().filter { $0.state == .running }.map { job in
            RegistryJobRow(
                id: job.id, kind: job.kind, batch: job.batch ?? ConsoleFormat.suppressed, startedAt: job.startedAt,
                done: job.progress?.done ?? job.processed ?? 0, total: job.progress?.total ?? 0)
        }
        var frame = context
        if !jobs.isEmpty { frame.refreshSeconds = 10 }
        return ConsoleRenderer.renderRegistry(RegistryViewModel(context: frame, batches: batches, jobs: jobs), language: language)
    }

    func laborPage(_ request: Request, _ language: ConsoleLanguage, _ context: ConsoleContext) async throws -> String {
        guard let labor else {
            return Self.notConfigured(.labor, language, context, section: "[labor]", vi: ConsoleMessages.noLabor.vi, en: ConsoleMessages.noLabor.en)
        }
        var date = CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970)
        if let raw = request.uri.queryParameters.get("date") {
            do { date = try CalendarDate(iso: String(raw), field: "date") } catch {
                throw ConsolePageError(status: .badRequest, message: ConsoleMessages.badDate)
            }
        }
        let model = try await labor.dashboard(on: date, language: language, context: context)
        return ConsoleRenderer.renderLabor(model, language: language)
    }

    /// The explanatory page shown when a part of the system is not configured.
    static func notConfigured(
        _ page: ConsolePage, _ language: ConsoleLanguage, _ context: ConsoleContext, section: String, vi: String, en: String
    ) -> String {
        let content = "<div class=\"card\" id=\"not-configured\"><p>" + HTML.escape(language.pick(vi, en)) + "</p>"
            + "<p class=\"note\">" + HTML.escape(language.pick("Mục cấu hình: ", "Configuration section: "))
            + "<code>" + HTML.escape(section) + "</code></p></div>\n"
        return ConsoleLayout.render(page: page, language: language, context: context, content: content)
    }

    // MARK: - Queue retry

    func retry(_ request: Request) async -> Response {
        let queryLanguage = Self.language(request.uri.queryParameters.get("lang").map { String($0) })
        if let refusal = postRefusal(request, page: .queue, language: queryLanguage) { return refusal }
        let form: [String: String]
        do { form = try await ConsoleForm.read(request) } catch {
            return errorPage(.queue, queryLanguage, error.status, ConsoleMessages.badForm)
        }
        let language = Self.language(form["lang"])
        guard access.originAllowed(request), access.csrfMatches(form["csrf"]) else {
            return invalidForm(.queue, language)
        }
        let back = ConsolePage.queue.path + "?lang=" + language.rawValue
        let id = (form["id"] ?? "").lowercased()
        guard Self.isMessageID(id) else { return Self.redirect(back + "&failed=invalid-id") }
        do {
            let retried = try await queue.retryDead(id: id, now: Date(), user: Self.auditUser)
            runtime.metrics.audit(seq: (try? await runtime.auditLog.lastSeq()) ?? 0)
            return Self.redirect(back + (retried ? "&done=\(id)" : "&failed=not-dead&id=\(id)"))
        } catch let error as QueueStoreError where error.code == .invalidArgument {
            return Self.redirect(back + "&failed=invalid-id")
        } catch {
            runtime.logger.error("console retry failed", metadata: ["error": "\(type(of: error))"])
            return errorPage(.queue, language, .internalServerError, ConsoleMessages.internalError)
        }
    }

    /// Access for a POST other than the login: `401` without a credential, `403` with a wrong one or a foreign host,
    /// `503` when the console is closed; `nil` to go ahead.
    func postRefusal(_ request: Request, page: ConsolePage, language: ConsoleLanguage) -> Response? {
        switch access.verdict(request) {
        case .allowed: nil
        case .missing: errorPage(page, language, .unauthorized, ConsoleMessages.signInFirst)
        case .wrong: errorPage(page, language, .forbidden, ConsoleMessages.signInFirst)
        case .foreignHost: errorPage(page, language, .forbidden, ConsoleMessages.foreignHost)
        case .unavailable: errorPage(page, language, .serviceUnavailable, ConsoleMessages.closed)
        }
    }

    /// `403` for a form whose CSRF token or origin is wrong; nothing was changed.
    func invalidForm(_ page: ConsolePage, _ language: ConsoleLanguage) -> Response {
        let flash = ConsoleFlash.invalidForm(language)
        let content = "<div class=\"card\" id=\"console-error\"><p><a href=\"\(HTML.attribute(page.href(language)))\">"
            + HTML.escape(language.pick("Tải lại trang và thử lại", "Reload the page and try again")) + "</a></p></div>\n"
        let html = ConsoleLayout.render(
            page: page, language: language, context: context(page), content: content, flash: flash, showsNavigation: page != .login)
        return Self.html(html, status: .forbidden)
    }

    /// The flash line of the queue page, from `done=<id>` or `failed=<code>&id=<id>` (ids only, never personal data).
    static func flash(_ request: Request, _ language: ConsoleLanguage) -> ConsoleFlash? {
        let query = request.uri.queryParameters
        if let done = query.get("done").map({ String($0) }), isMessageID(done) {
            return .requeued(messageID: done, language)
        }
        guard let code = query.get("failed").map({ String($0) }) else { return nil }
        let id = query.get("id").map { String($0) }.flatMap { isMessageID($0) ? $0 : nil } ?? ConsoleFormat.suppressed
        switch code {
        case "not-dead": return .requeueFailed(messageID: id, reason: language.pick("không phải thư chết", "not a dead letter"), language)
        case "invalid-id": return .requeueFailed(messageID: id, reason: language.pick("mã tin nhắn không hợp lệ", "not a message id"), language)
        default: return nil
        }
    }

    // MARK: - Login

    func loginForm(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        let language = Self.language(query.get("lang").map { String($0) })
        // An open console shows the form too (signing in then just leads to the overview), so the page can be looked
        // at and captured (scripts/console-screenshots.sh) on loopback.
        if access.mode == .unavailable { return errorPage(.login, language, .serviceUnavailable, ConsoleMessages.closed) }
        let next = ConsoleAccess.safeNext(query.get("next").map { String($0) })
        let model = LoginViewModel(context: context(.login), next: next, csrfToken: access.csrfToken)
        return Self.html(ConsoleRenderer.renderLogin(model, language: language))
    }

    func login(_ request: Request) async -> Response {
        let queryLanguage = Self.language(request.uri.queryParameters.get("lang").map { String($0) })
        switch access.mode {
        case .open: return Self.redirect(ConsolePage.overview.href(queryLanguage))
        case .unavailable: return errorPage(.login, queryLanguage, .serviceUnavailable, ConsoleMessages.closed)
        case .token: break
        }
        let form: [String: String]
        do { form = try await ConsoleForm.read(request) } catch {
            return errorPage(.login, queryLanguage, error.status, ConsoleMessages.badForm)
        }
        let language = Self.language(form["lang"])
        guard access.originAllowed(request), access.csrfMatches(form["csrf"]) else { return invalidForm(.login, language) }
        let next = ConsoleAccess.safeNext(form["next"])
        guard let token = form["token"], access.tokenMatches(token) else {
            runtime.logger.warning("console sign-in refused: wrong operator token")
            let model = LoginViewModel(context: context(.login), failed: true, next: next, csrfToken: access.csrfToken)
            return Self.html(ConsoleRenderer.renderLogin(model, language: language), status: .unauthorized)
        }
        return Self.redirect(next ?? ConsolePage.overview.href(language), cookie: access.sessionCookie(token: token))
    }

    // MARK: - Helpers

    static func language(_ value: String?) -> ConsoleLanguage { ConsoleLanguage(query: value) }

    /// Counts per console state: `queued` and `waiting-retry` are queued, `leased` is in flight.
    static func stateCounts(_ rows: [(MessageState.Kind, Int)]) -> MessageStateCounts {
        var counts = MessageStateCounts()
        for (state, count) in rows {
            switch state {
            case .queued, .waitingRetry: counts.queued += count
            case .leased: counts.inFlight += count
            case .delivered: counts.delivered += count
            case .dead: counts.dead += count
            }
        }
        return counts
    }

    /// A lowercase UUID (`8-4-4-4-12` hex digits), the form of message ids.
    static func isMessageID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else {
                    return false
                }
            }
        }
        return true
    }

    /// The console's response headers: the page type and the security headers.
    static func headers() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = ConsoleLayout.contentType
        for (name, value) in ConsoleLayout.securityHeaders.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return headers
    }

    /// A page.
    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `303 See Other` to a console path, optionally setting the session cookie.
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = headers()
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers, body: .init(byteBuffer: ByteBuffer()))
    }
}

/// A page that cannot be shown for a reason the operator can act on (a bad `date`, …).
struct ConsolePageError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: ConsoleMessages.Text
}

/// The console's own messages (errors and empty states), in both languages.
enum ConsoleMessages {
    /// A message in Vietnamese and English.
    struct Text: Sendable {
        var vi: String
        var en: String
    }

    static let closed = Text(
        vi: "Bảng điều khiển đang đóng: không đọc được tệp mã vận hành (admin.console_token_file).",
        en: "The console is closed: the operator token file (admin.console_token_file) cannot be read.")
    static let foreignHost = Text(
        vi: "Bảng điều khiển chỉ mở qua địa chỉ loopback khi chưa cấu hình mã vận hành.",
        en: "Without an operator token the console answers on loopback addresses only.")
    static let internalError = Text(
        vi: "Không đọc được dữ liệu. Chi tiết có trong nhật ký của cổng.",
        en: "The data could not be read. The gateway's log has the details.")
    static let badForm = Text(vi: "Biểu mẫu không hợp lệ.", en: "The form could not be read.")
    static let signInFirst = Text(vi: "Cần đăng nhập bằng mã vận hành.", en: "Sign in with the operator token first.")
    static let badDate = Text(vi: "Ngày phải có dạng YYYY-MM-DD.", en: "The date must be YYYY-MM-DD.")
    static let noRegistry = Text(
        vi: "Chưa cấu hình hệ thống an sinh xã hội trên cổng này: thêm mục [registry] vào tệp cấu hình để nhập và xác minh danh sách.",
        en: "The social-security registry is not configured on this gateway: add a [registry] section to import and verify lists.")
    static let noLabor = Text(
        vi: "Chưa cấu hình phân tích lao động trên cổng này: thêm mục [labor] vào tệp cấu hình để xem biểu đồ.",
        en: "Labour analysis is not configured on this gateway: add a [labor] section to see the charts.")
}
