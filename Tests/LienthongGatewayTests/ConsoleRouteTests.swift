import AsyncHTTPClient
import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongLabor
import LienthongLaborStore
import LienthongQueue
import NIOCore
import NIOHTTP1
import X509
import XCTest

/// The operator console (SPEC §8) on a real gateway's admin listener: pages, access rules, the dead-letter retry,
/// member certificates and the labour charts.
final class ConsoleRouteTests: XCTestCase {
    var harness: GatewayHarness!
    /// A plain-HTTP client that does not follow redirects (so a 303 can be looked at).
    var http: HTTPClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    override func tearDown() async throws {
        try? await http.shutdown()
        await harness.stop()
    }

    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// A request on the admin listener.
    func admin(
        _ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], form: [(String, String)]? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.endpoints.adminPort)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.encode(form)))
        }
        let response = try await http.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: body))
    }

    /// `application/x-www-form-urlencoded` as a browser writes it (space as `+`).
    static func encode(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return form.map { name, value in
            let encode = { (text: String) in
                (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
            }
            return encode(name) + "=" + encode(value)
        }.joined(separator: "&")
    }

    /// The CSRF token of the first form on a page.
    func csrf(_ html: String) throws -> String {
        let pattern = try NSRegularExpression(pattern: #"name="csrf" value="([0-9a-f]{64})""#)
        let match = try XCTUnwrap(pattern.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)), "no csrf field")
        return String(html[try XCTUnwrap(Range(match.range(at: 1), in: html))])
    }


    func assertConsolePage(_ answer: Answer, language: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(answer.status, 200, answer.body, file: file, line: line)
        XCTAssertEqual(answer.header("Content-Type"), "text/html; charset=utf-8", file: file, line: line)
        XCTAssertEqual(answer.header("X-Content-Type-Options"), "nosniff", file: file, line: line)
        XCTAssertTrue(answer.header("Content-Security-Policy")?.contains("default-src 'none'") == true, file: file, line: line)
        XCTAssertTrue(answer.body.contains("<html lang=\"\(language)\">"), file: file, line: line)
        XCTAssertFalse(answer.body.contains("<script"), file: file, line: line)
    }

    // MARK: - Pages

    func testEveryPageAnswersInVietnameseByDefaultAndInEnglishWithLangEn() async throws {
        try await harness.start()
        let pages: [(path: String, vi: String, en: String, element: String)] = [
            ("/console", "<title>Tổng quan · Liên thông</title>", "<title>Overview · Liên thông</title>", "id=\"message-states\""),
            ("/console/queue", "<title>Hàng đợi · Liên thông</title>", "<title>Queue · Liên thông</title>", "id=\"no-dead-letters\""),
            ("/console/members", "<title>Thành viên · Liên thông</title>", "<title>Members · Liên thông</title>", "<table id=\"members\">"),
            ("/console/audit", "<title>Nhật ký kiểm toán · Liên thông</title>", "<title>Audit · Liên thông</title>", "id=\"chain-status\""),
            ("/console/registry", "<title>An sinh xã hội · Liên thông</title>", "<title>Registry · Liên thông</title>", "id=\"not-configured\""),
            ("/console/labor", "<title>Lao động · Liên thông</title>", "<title>Labour · Liên thông</title>", "id=\"not-configured\""),
        ]
        for page in pages {
            let vi = try await admin(page.path)
            assertConsolePage(vi, language: "vi")
            XCTAssertTrue(vi.body.contains(page.vi), page.path)
            XCTAssertTrue(vi.body.contains(page.element), "\(page.path): \(page.element)")
            let en = try await admin(page.path + "?lang=en")
            assertConsolePage(en, language: "en")
            XCTAssertTrue(en.body.contains(page.en), page.path)
            XCTAssertTrue(en.body.contains(page.element), "\(page.path): \(page.element)")
        }
        let labour = try await admin("/console/labor?lang=en")
        XCTAssertTrue(labour.body.contains("[labor]"), "the empty state says which section to add")
        let audit = try await admin("/console/audit")
        XCTAssertTrue(audit.body.contains("Toàn vẹn"), "the chain of a fresh gateway verifies")
        let members = try await admin("/console/members")
        for member in GatewayHarness.members where harness.configuration.members.contains(where: { $0.id.value == member }) {
            XCTAssertTrue(members.body.contains(">\(member)</td>"), member)
        }
        XCTAssertTrue(members.body.contains("chưa kết nối"), "no member has connected yet")
        // The console is open without a token: the login form is shown, and posting it just leads to the overview.
        let login = try await admin("/console/login")
        assertConsolePage(login, language: "vi")
        XCTAssertTrue(login.body.contains("name=\"token\""))
        let signIn = try await admin("/console/login", method: .POST, form: [("token", "x"), ("csrf", try csrf(login.body))])
        XCTAssertEqual(signIn.status, 303)
        XCTAssertEqual(signIn.header("Location"), "/console")
        XCTAssertNil(signIn.header("Set-Cookie"))
        // The metrics and probes are still there.
        let health = try await admin("/healthz")
        XCTAssertEqual(health.status, 200)
    }

    func testAnOpenConsoleRefusesAForeignHostName() async throws {
        try await harness.start()
        let rebound = try await admin("/console", headers: [("Host", "attacker.example:9090")])
        XCTAssertEqual(rebound.status, 403, "DNS rebinding: an open console answers loopback host names only")
        XCTAssertFalse(rebound.body.contains("id=\"message-states\""))
        let local = try await admin("/console", headers: [("Host", "localhost:\(harness.endpoints.adminPort)")])
        XCTAssertEqual(local.status, 200)
    }

    // MARK: - Members

    func testMembersPageShowsTheLastCertificateAMemberPresentedAndWarnsBeforeItExpires() async throws {
        try await harness.start()
        let labour = try harness.client("gov.labour.dongnai")
        let answer = try await labour.call(service: "directory.banks", body: Data("{}".utf8), user: "canbo-01", purpose: nil)
        try await labour.shutdown()
        XCTAssertEqual(answer.status, 200)
        let identified = try await waitForHandshakes(of: "gov.labour.dongnai", count: 1)
        XCTAssertTrue(identified)

        let pem = try String(contentsOf: harness.certs.appendingPathComponent("gov.labour.dongnai.pem"), encoding: .utf8)
        let certificate = try Certificate(pemEncoded: pem)
        let serial = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        let page = try await admin("/console/members")
        assertConsolePage(page, language: "vi")
        let row = try XCTUnwrap(Self.row(of: "gov.labour.dongnai", in: page.body), page.body)
        XCTAssertTrue(row.contains("CN=gov.labour.dongnai"), row)
        XCTAssertTrue(row.contains(serial), row)
        XCTAssertTrue(Self.daysLeftCells(certificate.notValidAfter).contains { row.contains($0) }, "days left figure: \(row)")
        XCTAssertTrue(row.contains("Còn hiệu lực"), row)
        XCTAssertFalse(row.contains("chưa kết nối"))
        let bank = try XCTUnwrap(Self.row(of: "bank.970436", in: page.body))
        XCTAssertTrue(bank.contains("chưa kết nối"), "a member that has not connected: \(bank)")

        // The same member with a certificate ending in 30 days (the harness issues it for now … now + 30 days, rounded
        // to the second): flagged once fewer than 30 days are left, which is at most a second away.
        let soonPEM = try String(contentsOf: harness.certs.appendingPathComponent("to-revoke.pem"), encoding: .utf8)
        let soonEnd = try Certificate(pemEncoded: soonPEM).notValidAfter
        let flaggedFrom = soonEnd.addingTimeInterval(-30 * 86_400 + 0.5)
        if flaggedFrom > Date() { try await Task.sleep(for: .seconds(flaggedFrom.timeIntervalSinceNow)) }
        let soon = try harness.client("to-revoke")
        _ = try await soon.call(service: "directory.banks", body: Data("{}".utf8), user: "canbo-01", purpose: nil)
        try await soon.shutdown()
        let again = try await waitForHandshakes(of: "gov.labour.dongnai", count: 2)
        XCTAssertTrue(again)
        let flagged = try await admin("/console/members?lang=en")
        let flaggedRow = try XCTUnwrap(Self.row(of: "gov.labour.dongnai", in: flagged.body))
        XCTAssertTrue(flaggedRow.hasPrefix("<tr class=\"warning\">"), flaggedRow)
        XCTAssertTrue(flaggedRow.contains("Expires soon"), flaggedRow)
        XCTAssertTrue(flagged.body.contains("not connected yet"))
    }

    func waitForHandshakes(of member: String, count: Int) async throws -> Bool {
        try await waitUntil {
            try self.harness.auditRecords().filter { $0.action == "connection.identified" && $0.actor == member }.count >= count
        }
    }

    /// The `<tr>…</tr>` of a member on the members page.
    static func row(of member: String, in html: String) -> String? {
        guard let cell = html.range(of: "<td class=\"mono\">\(member)</td>") else { return nil }
        guard let start = html.range(of: "<tr", options: .backwards, range: html.startIndex..<cell.lowerBound),
              let end = html.range(of: "</tr>", range: cell.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// The days-left cell as rendered now or a moment earlier (the day may turn between the two clocks).
    static func daysLeftCells(_ notAfter: Date) -> [String] {
        let days = Int((notAfter.timeIntervalSinceNow / 86_400).rounded(.down))
        return [days, days + 1, days - 1].map { value in
            let digits = String(value)
            var grouped = ""
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { grouped.append(".") }
                grouped.append(digit)
            }
            return "<td class=\"num\">\(grouped)</td>"
        }
    }

    // MARK: - Queue

    func testADeadLetterIsListedAndTheRetryFormRequeuesItWithAnAuditRecord() async throws {
        try await harness.start()
        harness.recipientFaults.setForcedStatus(400)
        let labour = try harness.client("gov.labour.dongnai")
        let id = UUID()
        let messageID = id.uuidString.lowercased()
        let payload = #"{"requestRef":"R-\#(messageID.prefix(8))","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"075090000001","dateOfBirth":"1990-01-01"}}"#
        let envelope = #"{"id":"\#(messageID)","type":"asxh.account-opening-request","to":"bank.970436","payload":\#(payload)}"#
        let accepted = try await labour.send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "canbo-01")],
            body: Data(envelope.utf8))
        try await labour.shutdown()
        XCTAssertEqual(accepted.status, 202)
        let queue = try harness.sqliteQueue
        let dead = try await waitUntil { try queue.message(id: messageID)?.status == .dead }
        XCTAssertTrue(dead, "a 400 from the recipient makes the message dead")
        harness.recipientFaults.setForcedStatus(nil)

        let page = try await admin("/console/queue")
        assertConsolePage(page, language: "vi")
        XCTAssertTrue(page.body.contains("<table id=\"dead-letters\">"))
        XCTAssertTrue(page.body.contains(">\(messageID)</td>"), "the dead letter is listed")
        XCTAssertTrue(page.body.contains(">http-400</td>"), "with its last error")
        XCTAssertFalse(page.body.contains("075090000001"), "never the payload")
        XCTAssertFalse(page.body.contains("Nguyễn Văn An"), "never the payload")
        let token = try csrf(page.body)
        let overview = try await admin("/console")
        XCTAssertTrue(overview.body.contains("id=\"state-dead\"><div class=\"label\">Thư chết</div><div class=\"value\">1</div>"), overview.body)

        func retryRecords() throws -> [AuditRecord] {
            try harness.auditRecords().filter { $0.action == "operator.retry" && $0.ref == messageID }
        }
        // Without the CSRF token, with a wrong one, or from another origin: 403 and nothing changes.
        for (form, headers) in [
            ([("id", messageID), ("lang", "vi")], [(String, String)]()),
            ([("id", messageID), ("csrf", String(repeating: "0", count: 64)), ("lang", "vi")], []),
            ([("id", messageID), ("csrf", token), ("lang", "vi")], [("Origin", "http://attacker.example")]),
        ] {
            let refused = try await admin("/console/queue/retry", method: .POST, headers: headers, form: form)
            XCTAssertEqual(refused.status, 403, "\(form) \(headers)")
            XCTAssertTrue(refused.body.contains("Phiên không hợp lệ"), refused.body)
            XCTAssertEqual(try queue.message(id: messageID)?.status, .dead)
            XCTAssertEqual(try retryRecords().count, 0)
        }
        let notForm = try await admin("/console/queue/retry", method: .POST, headers: [("Content-Type", "application/json")])
        XCTAssertEqual(notForm.status, 415)

        // The form as the browser posts it (same origin): requeued, audited, back to the queue page with a flash.
        let origin = "http://127.0.0.1:\(harness.endpoints.adminPort)"
        let retried = try await admin(
            "/console/queue/retry", method: .POST, headers: [("Origin", origin)],
            form: [("id", messageID), ("csrf", token), ("lang", "en")])
        XCTAssertEqual(retried.status, 303, retried.body)
        XCTAssertEqual(retried.header("Location"), "/console/queue?lang=en&done=\(messageID)")
        XCTAssertNotEqual(try queue.message(id: messageID)?.status, .dead, "queued again")
        let records = try retryRecords()
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.actor, "operator")
        XCTAssertEqual(records.first?.user, "console")
        XCTAssertEqual(records.first?.outcome, .ok)
        let delivered = try await waitUntil { self.harness.received.count(of: id) == 1 }
        XCTAssertTrue(delivered, "the requeued message is delivered")

        let after = try await admin(try XCTUnwrap(retried.header("Location")))
        assertConsolePage(after, language: "en")
        XCTAssertTrue(after.body.contains("Requeued: \(messageID)"), after.body)

        // Retrying a message that is no longer dead is refused (and audited as denied by the store).
        let again = try await admin("/console/queue/retry", method: .POST, form: [("id", messageID), ("csrf", token), ("lang", "vi")])
        XCTAssertEqual(again.status, 303)
        XCTAssertEqual(again.header("Location"), "/console/queue?lang=vi&failed=not-dead&id=\(messageID)")
        let refusedPage = try await admin(try XCTUnwrap(again.header("Location")))
        XCTAssertTrue(refusedPage.body.contains("Không thể đưa lại vào hàng đợi: \(messageID)"), refusedPage.body)
        let junk = try await admin("/console/queue/retry", method: .POST, form: [("id", "../x"), ("csrf", token)])
        XCTAssertEqual(junk.header("Location"), "/console/queue?lang=vi&failed=invalid-id")
    }

    // MARK: - Token

    func testWithAConsoleTokenPagesNeedTheTokenCookieOrBearer() async throws {
        let secret = "operator token+with/odd;chars"
        try await harness.start(consoleToken: secret)

        let anonymous = try await admin("/console/queue?lang=en")
        XCTAssertEqual(anonymous.status, 303)
        XCTAssertEqual(anonymous.header("Location"), "/console/login?next=%2Fconsole%2Fqueue%3Flang%3Den&lang=en")
        XCTAssertFalse(anonymous.body.contains("recipients"))
        let retryWithoutToken = try await admin("/console/queue/retry", method: .POST, form: [("id", UUID().uuidString.lowercased())])
        XCTAssertEqual(retryWithoutToken.status, 401)

        let login = try await admin("/console/login?next=%2Fconsole%2Fqueue%3Flang%3Den&lang=en")
        assertConsolePage(login, language: "en")
        XCTAssertTrue(login.body.contains("name=\"token\""))
        XCTAssertTrue(login.body.contains("name=\"next\" value=\"/console/queue?lang=en\""), login.body)
        let token = try csrf(login.body)

        let wrong = try await admin(
            "/console/login", method: .POST,
            form: [("token", "not the token"), ("csrf", token), ("next", "/console/queue?lang=en"), ("lang", "vi")])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertTrue(wrong.body.contains("Mã vận hành không đúng"), "the login page again, with the error")
        XCTAssertTrue(wrong.body.contains("name=\"token\""))
        XCTAssertNil(wrong.header("Set-Cookie"))
        let noCSRF = try await admin("/console/login", method: .POST, form: [("token", secret), ("lang", "vi")])
        XCTAssertEqual(noCSRF.status, 403)
        XCTAssertNil(noCSRF.header("Set-Cookie"))

        let right = try await admin(
            "/console/login", method: .POST,
            form: [("token", secret), ("csrf", token), ("next", "/console/queue?lang=en"), ("lang", "en")])
        XCTAssertEqual(right.status, 303)
        XCTAssertEqual(right.header("Location"), "/console/queue?lang=en")
        let setCookie = try XCTUnwrap(right.header("Set-Cookie"))
        XCTAssertTrue(setCookie.contains("HttpOnly"), setCookie)
        XCTAssertTrue(setCookie.contains("SameSite=Strict"), setCookie)
        XCTAssertTrue(setCookie.contains("Path=/console"), setCookie)
        let cookie = try XCTUnwrap(setCookie.split(separator: ";").first.map(String.init))
        XCTAssertTrue(cookie.hasPrefix("lienthong_console="))

        let withCookie = try await admin("/console/queue?lang=en", headers: [("Cookie", "other=1; " + cookie)])
        assertConsolePage(withCookie, language: "en")
        XCTAssertTrue(withCookie.body.contains("<title>Queue · Liên thông</title>"))
        for path in ["/console", "/console/members", "/console/audit", "/console/registry", "/console/labor"] {
            let page = try await admin(path, headers: [("Cookie", cookie)])
            assertConsolePage(page, language: "vi")
        }
        let bearer = try await admin("/console/members", headers: [("Authorization", "Bearer \(secret)")])
        assertConsolePage(bearer, language: "vi")
        let wrongBearer = try await admin("/console/members", headers: [("Authorization", "Bearer \(secret)x")])
        XCTAssertEqual(wrongBearer.status, 303)
        let wrongCookie = try await admin("/console/members", headers: [("Cookie", "lienthong_console=guess")])
        XCTAssertEqual(wrongCookie.status, 303)
        let wrongRetry = try await admin(
            "/console/queue/retry", method: .POST, headers: [("Cookie", "lienthong_console=guess")],
            form: [("id", UUID().uuidString.lowercased()), ("csrf", token)])
        XCTAssertEqual(wrongRetry.status, 403)

        // `next` never leads outside the console.
        for next in ["https://attacker.example/", "//attacker.example/console", "/console/../metrics", "/metrics"] {
            let signedIn = try await admin(
                "/console/login", method: .POST, form: [("token", secret), ("csrf", token), ("next", next), ("lang", "vi")])
            XCTAssertEqual(signedIn.status, 303)
            XCTAssertEqual(signedIn.header("Location"), "/console", next)
        }
    }

    // MARK: - Labour

    func testLabourPageDrawsFourChartsFromTheLabourStore() async throws {
        try await harness.start(labor: true)
        let path = try XCTUnwrap(harness.configuration.labor?.databaseFile)
        let store = try LaborStore(path: path)
        _ = try store.upsert(Self.workers())

        let page = try await admin("/console/labor?date=2025-06-30")
        assertConsolePage(page, language: "vi")
        XCTAssertEqual(page.body.components(separatedBy: "<svg").count - 1, 4, "pyramid, employment, sectors, social insurance")
        for chart in ["chart-pyramid", "chart-employment", "chart-sectors", "chart-social-insurance"] {
            XCTAssertTrue(page.body.contains("id=\"\(chart)\""), chart)
        }
        XCTAssertTrue(page.body.contains("2025-06-30"))
        XCTAssertFalse(page.body.contains("Người Thử Nghiệm"), "no names on the dashboard")
        let english = try await admin("/console/labor?date=2025-06-30&lang=en")
        assertConsolePage(english, language: "en")
        XCTAssertEqual(english.body.components(separatedBy: "<svg").count - 1, 4)
        XCTAssertTrue(english.body.contains("Population pyramid"))
        let bad = try await admin("/console/labor?date=30-06-2025")
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.body.contains("YYYY-MM-DD"))
    }

    /// Sixty synthetic workers in two districts, enough for cells above the suppression threshold.
    static func workers() throws -> [WorkerRecord] {
        let asOf = try CalendarDate(iso: "2025-01-01")
        return try (0..<60).map { index in
            let sex: Sex = index % 2 == 0 ? .male : .female
            let year = 1960 + (index * 7) % 45
            let status: EmploymentStatus = index % 6 == 0 ? .unemployed : (index % 6 == 1 ? .inactive : .employed)
            let insurance: SocialInsuranceParticipation = index % 3 == 0 ? .compulsory : (index % 3 == 1 ? .voluntary : .none)
            return WorkerRecord(
                personalID: PersonalID.make(provinceCode: "75", birthYear: year, sex: sex, serial: 500 + index),
                fullName: "Người Thử Nghiệm \(index)", dateOfBirth: try CalendarDate(iso: "\(year)-03-15"), sex: sex,
                districtCode: index % 2 == 0 ? "731" : "732", communeCode: "26041", area: index % 4 == 0 ? .rural : .urban,
                education: .upperSecondary, qualification: index % 5 == 0 ? .college : .none, employmentStatus: status,
                sector: status == .employed ? EconomicSector(rawValue: index % 3 == 0 ? "C" : "G") : nil,
                incomeBand: .unknown, socialInsurance: status == .employed ? insurance : .none, asOf: asOf, source: .survey)
        }
    }
}
