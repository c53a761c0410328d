import Foundation
import LienthongConsole
import LienthongCore
import XCTest

final class ConsolePagesTests: XCTestCase {
    // MARK: Whole pages

    func testEveryPageIsWellFormedXMLInBothLanguages() throws {
        for language in ConsoleLanguage.allCases {
            for (name, html) in ConsoleFixtures.pages(language) {
                XCTAssertNil(XMLCheck.problem(in: html), "\(name) (\(language))")
            }
        }
    }

    func testXMLCheckCatchesUnbalancedMarkup() {
        // The well-formedness check above must be able to fail.
        for content in ["<p><b>x</p>", "<p>a &nbsp; b</p>", "<input type=hidden />", "<br>", "<p>R&D</p>"] {
            let broken = ConsoleLayout.render(page: .overview, language: .vi, context: ConsoleFixtures.context, content: content)
            XCTAssertNotNil(XMLCheck.problem(in: broken), content)
        }
    }

    func testNoOutsideURLScriptOrFontAnywhere() throws {
        let url = try NSRegularExpression(pattern: "(?i)(https?:|ftp:|wss?:)?//[a-z0-9]")
        for language in ConsoleLanguage.allCases {
            for (name, html) in ConsoleFixtures.pages(language) {
                let range = NSRange(html.startIndex..., in: html)
                XCTAssertEqual(url.numberOfMatches(in: html, range: range), 0, "\(name) has a URL")
                XCTAssertFalse(html.lowercased().contains("<script"), name)
                XCTAssertFalse(html.contains("url("), name)
                XCTAssertFalse(html.contains("@import"), name)
                XCTAssertFalse(html.contains("@font-face"), name)
                XCTAssertFalse(html.contains(" src="), name)
            }
        }
        // The regex itself finds a URL when there is one.
        let sample = "<a href=\"https://example.org\">x</a>"
        XCTAssertEqual(url.numberOfMatches(in: sample, range: NSRange(sample.startIndex..., in: sample)), 1)
    }

    func testLayoutHasLanguageNavigationAndRefresh() {
        let vi = ConsoleRenderer.renderQueue(ConsoleFixtures.queue, language: .vi)
        XCTAssertTrue(vi.hasPrefix("<!DOCTYPE html>\n<html lang=\"vi\">"))
        for label in ["Tổng quan", "Hàng đợi", "Thành viên", "Nhật ký kiểm toán", "An sinh xã hội", "Lao động"] {
            XCTAssertTrue(vi.contains(">\(label)</a>"), label)
        }
        XCTAssertTrue(vi.contains("<a href=\"/console/queue\" aria-current=\"page\">Hàng đợi</a>"))
        XCTAssertTrue(vi.contains("<a href=\"/console/labor\">Lao động</a>"))
        XCTAssertTrue(vi.contains("href=\"/console/queue?lang=en\""))
        XCTAssertTrue(vi.contains(">English</a>"))
        XCTAssertTrue(vi.contains("<meta http-equiv=\"refresh\" content=\"30\" />"))
        XCTAssertTrue(vi.contains("<meta charset=\"utf-8\" />"))
        XCTAssertTrue(vi.contains("<title>Hàng đợi · Liên thông</title>"))
        XCTAssertTrue(vi.contains("2026-06-30 10:00 (UTC+07:00)"), "footer time in Vietnam")

        let en = ConsoleRenderer.renderLabor(ConsoleFixtures.labor, language: .en)
        XCTAssertTrue(en.contains("<html lang=\"en\">"))
        for label in ["Overview", "Queue", "Members", "Audit", "Registry", "Labour"] {
            XCTAssertTrue(en.contains(">\(label)</a>"), label)
        }
        XCTAssertTrue(en.contains("<a href=\"/console/queue?lang=en\">Queue</a>"))
        XCTAssertTrue(en.contains("href=\"/console/labor?lang=vi\""))
        XCTAssertTrue(en.contains(">Tiếng Việt</a>"))
        XCTAssertFalse(en.contains(">Tổng quan</a>"))

        var quiet = ConsoleFixtures.overview
        quiet.context.refreshSeconds = nil
        XCTAssertFalse(ConsoleRenderer.renderOverview(quiet, language: .vi).contains("http-equiv"))
    }

    func testPagePaths() {
        XCTAssertEqual(ConsolePage.navigation.map(\.path), [
            "/console", "/console/queue", "/console/members", "/console/audit", "/console/registry", "/console/labor",
        ])
        XCTAssertEqual(ConsolePage.login.path, "/console/login")
        XCTAssertEqual(ConsolePage(path: "/console/"), .overview)
        XCTAssertEqual(ConsolePage(path: "/console/labor"), .labor)
        XCTAssertNil(ConsolePage(path: "/console/nope"))
        XCTAssertEqual(ConsolePage.members.href(.en), "/console/members?lang=en")
        XCTAssertEqual(ConsoleLanguage(query: "en"), .en)
        XCTAssertEqual(ConsoleLanguage(query: "fr"), .vi)
    }

    // MARK: Overview

    func testOverviewShowsTrafficQueueAndAudit() {
        let html = ConsoleRenderer.renderOverview(ConsoleFixtures.overview, language: .vi)
        XCTAssertTrue(html.contains("<h1>Tổng quan</h1>"))
        XCTAssertTrue(html.contains("<div class=\"value\">123.456</div>"), "requests with Vietnamese grouping")
        XCTAssertTrue(html.contains("<div class=\"tile\" id=\"errors-4xx\"><div class=\"label\">Lỗi 4xx</div><div class=\"value\">321</div>"))
        XCTAssertTrue(html.contains("<div class=\"tile\" id=\"errors-5xx\"><div class=\"label\">Lỗi 5xx</div><div class=\"value\">7</div>"))
        XCTAssertTrue(html.contains("3 ngày 4 giờ 5 phút"))
        XCTAssertTrue(html.contains("id=\"state-queued\"><div class=\"label\">Đang chờ</div><div class=\"value\">12</div>"))
        XCTAssertTrue(html.contains("id=\"state-in-flight\"><div class=\"label\">Đang gửi</div><div class=\"value\">3</div>"))
        XCTAssertTrue(html.contains("id=\"state-delivered\"><div class=\"label\">Đã chuyển</div><div class=\"value\">4.567</div>"))
        XCTAssertTrue(html.contains("id=\"state-dead\"><div class=\"label\">Thư chết</div><div class=\"value\">2</div>"))
        XCTAssertTrue(html.contains("<span class=\"badge ok\">Toàn vẹn</span> Bản ghi cuối: seq 98765"))
        XCTAssertEqual(html.occurrences(of: "<svg "), 1)
        XCTAssertTrue(html.contains("population.lookup"))
        XCTAssertTrue(html.contains("<title>Lỗi, napas.verify-account: 200</title>"))

        let en = ConsoleRenderer.renderOverview(ConsoleFixtures.overview, language: .en)
        XCTAssertTrue(en.contains("<div class=\"value\">123,456</div>"))
        XCTAssertTrue(en.contains("3 d 4 h 5 min"))
    }

    // MARK: Queue

    func testQueueListsCountsAndDeadLettersWithRetryForms() {
        let html = ConsoleRenderer.renderQueue(ConsoleFixtures.queue, language: .vi)
        XCTAssertTrue(html.contains("<p class=\"flash success\" role=\"status\">Đã đưa lại vào hàng đợi: 11111111-2222-4333-8444-555555555555</p>"))
        XCTAssertTrue(html.contains("<tr><td class=\"mono\">bank-vcb</td><td class=\"num\">5</td><td class=\"num\">1</td><td class=\"num\">800</td><td class=\"num\">1</td></tr>"))
        XCTAssertTrue(html.contains("<td class=\"num\">4.567</td>"), "total delivered")
        XCTAssertEqual(html.occurrences(of: "<form class=\"inline\" method=\"post\" action=\"/console/queue/retry\">"), 2)
        XCTAssertTrue(html.contains("<input type=\"hidden\" name=\"id\" value=\"\(ConsoleFixtures.deadID)\" />"
            + "<input type=\"hidden\" name=\"csrf\" value=\"csrf-Tok3n_abc\" />"
            + "<input type=\"hidden\" name=\"lang\" value=\"vi\" />"))
        XCTAssertTrue(html.contains("<td class=\"mono\">asxh.account-opening-request</td><td>labor-dongnai</td><td>bank-vcb</td><td class=\"num\">8</td><td class=\"mono\">http-503</td><td>2026-06-30 09:00</td>"))
        XCTAssertTrue(html.contains("<td class=\"mono\">—</td>"), "no last error")
        XCTAssertTrue(html.contains("… và 3 thư chết khác"))

        let empty = QueueViewModel(context: ConsoleFixtures.context, recipients: [], deadLetters: [], csrfToken: "x")
        let emptyHTML = ConsoleRenderer.renderQueue(empty, language: .en)
        XCTAssertTrue(emptyHTML.contains("No dead letters."))
        XCTAssertFalse(emptyHTML.contains("<form"))
        XCTAssertFalse(emptyHTML.contains("class=\"flash"))
    }

    func testRetryFormEscapesHostileValues() {
        var model = ConsoleFixtures.queue
        model.csrfToken = "\"><script>x</script>"
        model.deadLetters[0].id = "a\"b"
        model.flash = ConsoleFlash(kind: .error, message: "<b>bad</b>")
        let html = ConsoleRenderer.renderQueue(model, language: .en)
        XCTAssertTrue(html.contains("name=\"csrf\" value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""))
        XCTAssertTrue(html.contains("name=\"id\" value=\"a&quot;b\""))
        XCTAssertTrue(html.contains("<p class=\"flash error\" role=\"alert\">&lt;b&gt;bad&lt;/b&gt;</p>"))
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertNil(XMLCheck.problem(in: html))
    }

    // MARK: Members

    func testMembersFlagExpiringAndExpiredCertificates() throws {
        let html = ConsoleRenderer.renderMembers(ConsoleFixtures.members, language: .vi)
        let rows = tableRows(html, id: "members")
        XCTAssertEqual(rows.count, 3)
        let sixty = try XCTUnwrap(rows.first { $0.contains("labor-dongnai") })
        let ten = try XCTUnwrap(rows.first { $0.contains("bank-vcb") })
        let expired = try XCTUnwrap(rows.first { $0.contains(">vss<") })

        XCTAssertTrue(sixty.hasPrefix("<tr>"))
        XCTAssertFalse(sixty.contains("Sắp hết hạn"))
        XCTAssertFalse(sixty.contains("Đã hết hạn"))
        XCTAssertTrue(sixty.contains("<td class=\"num\">60</td>"))
        XCTAssertTrue(sixty.contains("<span class=\"badge ok\">Còn hiệu lực</span>"))

        XCTAssertTrue(ten.hasPrefix("<tr class=\"warning\">"))
        XCTAssertTrue(ten.contains("<span class=\"badge warn\">Sắp hết hạn</span>"))
        XCTAssertTrue(ten.contains("<td class=\"num\">10</td>"))
        XCTAssertTrue(ten.contains("<td>2026-07-10</td>"))

        XCTAssertTrue(expired.hasPrefix("<tr class=\"expired\">"))
        XCTAssertTrue(expired.contains("<span class=\"badge bad\">Đã hết hạn</span>"))
        XCTAssertTrue(expired.contains("<td class=\"num\">-2</td>"))

        XCTAssertTrue(html.contains("id=\"expiring-count\"><div class=\"label\">Sắp hết hạn</div><div class=\"value\">1</div>"))
        XCTAssertTrue(html.contains("id=\"expired-count\"><div class=\"label\">Đã hết hạn</div><div class=\"value\">1</div>"))

        let en = ConsoleRenderer.renderMembers(ConsoleFixtures.members, language: .en)
        XCTAssertTrue(en.contains("<span class=\"badge warn\">Expires soon</span>"))
        XCTAssertTrue(en.contains("<span class=\"badge bad\">Expired</span>"))
    }

    func testMemberDescriptionIsEscaped() {
        let html = ConsoleRenderer.renderMembers(ConsoleFixtures.members, language: .vi)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("Ngân hàng &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
        XCTAssertTrue(html.contains("Sở LĐ-TB&amp;XH Đồng Nai"))
        XCTAssertTrue(html.contains("BHXH &quot;Việt Nam&quot;"))
    }

    func testExpiryBoundaries() {
        let now = ConsoleFixtures.now
        XCTAssertEqual(CertificateExpiry(notAfter: now.addingTimeInterval(30 * 86_400), now: now, warningDays: 30), .expiresSoon)
        XCTAssertEqual(CertificateExpiry(notAfter: now.addingTimeInterval(31 * 86_400), now: now, warningDays: 30), .valid)
        XCTAssertEqual(CertificateExpiry(notAfter: now, now: now, warningDays: 30), .expired)
        XCTAssertEqual(CertificateExpiry.daysLeft(notAfter: now.addingTimeInterval(-1), now: now), -1)
        XCTAssertEqual(CertificateExpiry.daysLeft(notAfter: now.addingTimeInterval(86_399), now: now), 0)
    }

    // MARK: Audit

    func testAuditShowsBrokenChainHeadAndCheckpoints() {
        let html = ConsoleRenderer.renderAudit(ConsoleFixtures.audit, language: .vi)
        XCTAssertTrue(html.contains("<span class=\"badge bad\">Bị phá vỡ tại seq 4242</span>"))
        XCTAssertTrue(html.contains("Bản ghi hỏng đầu tiên: seq 4242"))
        XCTAssertTrue(html.contains("<strong id=\"head-seq\">98765</strong>"))
        XCTAssertTrue(html.contains("<code title=\"\(ConsoleFixtures.headHash)\">9f86d081884c7d65…</code>"))
        XCTAssertEqual(tableRows(html, id: "checkpoints").count, 2)
        XCTAssertTrue(html.contains("<tr><td class=\"num\">98000</td><td>2026-06-30 09:45</td><td><code title=\"\("ab".repeated(32))\">abababababababab…</code></td><td class=\"mono\">audit-2026</td></tr>"))

        var verified = ConsoleFixtures.audit
        verified.status = .verified
        let en = ConsoleRenderer.renderAudit(verified, language: .en)
        XCTAssertTrue(en.contains("<span class=\"badge ok\">Verified</span>"))
        XCTAssertFalse(en.contains("First bad record"))
    }

    // MARK: Registry

    func testRegistryShowsBatchesProgressAndJobs() {
        let html = ConsoleRenderer.renderRegistry(ConsoleFixtures.registry, language: .vi)
        XCTAssertEqual(tableRows(html, id: "batches").count, 2)
        XCTAssertEqual(tableRows(html, id: "jobs").count, 1)
        XCTAssertTrue(html.contains("<progress value=\"120\" max=\"450\">120 / 450</progress> 120 / 450 (26,7 %)"))
        XCTAssertTrue(html.contains("DS_BTXH_Bien_Hoa_T6.xlsx"))
        XCTAssertTrue(html.contains("<td class=\"num\">100</td><td class=\"num\">12</td><td class=\"num\">5</td><td class=\"num\">3</td>"))
        XCTAssertTrue(html.contains("Chưa chạy"), "a batch not verified yet has no progress bar")
        XCTAssertEqual(html.occurrences(of: "<progress "), 2)

        let idle = RegistryViewModel(context: ConsoleFixtures.context, batches: [], jobs: [])
        XCTAssertTrue(ConsoleRenderer.renderRegistry(idle, language: .en).contains("No job is running."))
    }

    // MARK: Labour

    func testLaborDashboardHasHeadlineAndFourCharts() {
        let html = ConsoleRenderer.renderLabor(ConsoleFixtures.labor, language: .vi)
        XCTAssertEqual(html.occurrences(of: "<svg "), 4)
        XCTAssertEqual(html.occurrences(of: "role=\"img\""), 4)
        for id in ["chart-pyramid", "chart-employment", "chart-sectors", "chart-social-insurance"] {
            XCTAssertTrue(html.contains("<svg id=\"\(id)\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\""), id)
            XCTAssertTrue(html.contains("<title id=\"\(id)-title\">"), id)
        }
        for label in ["Tháp dân số theo nhóm tuổi và giới tính", "Tình trạng việc làm theo huyện", "Cơ cấu ngành kinh tế (VSIC)",
                      "Tham gia bảo hiểm xã hội", ">Nam</text>", ">Nữ</text>", ">15–24</text>", ">65+</text>", "Biên Hòa",
                      ">Có việc làm</text>", ">Thất nghiệp</text>", ">Ngoài LLLĐ</text>", ">Bắt buộc</text>", ">Tự nguyện</text>",
                      ">Không tham gia</text>", "C – Công nghiệp chế biến, chế tạo", ">Số người</text>"] {
            XCTAssertTrue(html.contains(label), label)
        }
        XCTAssertTrue(html.contains("id=\"people-15-plus\"><div class=\"label\">Dân số từ 15 tuổi</div><div class=\"value\">2.345.678</div>"))
        XCTAssertTrue(html.contains("id=\"participation-rate\"><div class=\"label\">Tỷ lệ tham gia LLLĐ</div><div class=\"value\">68,4 %</div>"))
        XCTAssertTrue(html.contains("id=\"unemployment-rate\"><div class=\"label\">Tỷ lệ thất nghiệp</div><div class=\"value\">2,1 %</div>"))
        XCTAssertTrue(html.contains("id=\"as-of\"><div class=\"label\">Ngày số liệu</div><div class=\"value\">2026-06-30</div>"))
        XCTAssertTrue(html.contains("Ô dưới ngưỡng 5 người bị ẩn"))

        let en = ConsoleRenderer.renderLabor(ConsoleFixtures.labor, language: .en)
        XCTAssertEqual(en.occurrences(of: "<svg "), 4)
        for label in ["Population pyramid by age and sex", ">Male</text>", ">Female</text>", ">Employed</text>", ">Unemployed</text>",
                      ">Inactive</text>", ">Compulsory</text>", ">Voluntary</text>", ">None</text>", "Cells under 5 people are suppressed",
                      "<div class=\"value\">68.4%</div>"] {
            XCTAssertTrue(en.contains(label), label)
        }
    }

    func testSuppressedValuesShowAsDash() {
        let html = ConsoleRenderer.renderLabor(ConsoleFixtures.labor, language: .vi)
        // Headline: the SI rate is suppressed.
        XCTAssertTrue(html.contains("id=\"si-rate\"><div class=\"label\">Tỷ lệ tham gia BHXH</div><div class=\"value\">—</div>"))
        // Pyramid: men 65+ suppressed — a dash as the value text and no bar for it.
        XCTAssertTrue(html.contains("<text x=\"272\" y=\"47\" text-anchor=\"end\">—</text>"))
        // Stacked bars: Định Quán's unemployed suppressed — the known total followed by (—).
        XCTAssertTrue(html.contains(">1.220 (—)</text>"))
        // Data tables: dashes in the cells.
        XCTAssertTrue(html.contains("<tr><th scope=\"row\">Định Quán</th><td class=\"num\">800</td><td class=\"num\">—</td><td class=\"num\">420</td></tr>"))
        XCTAssertTrue(html.contains("<tr><th scope=\"row\">65+</th><td class=\"num\">—</td><td class=\"num\">450</td></tr>"))
    }

    func testEmptyChartsSayNoData() {
        var model = ConsoleFixtures.labor
        model.sectors = []
        let html = ConsoleRenderer.renderLabor(model, language: .en)
        XCTAssertEqual(html.occurrences(of: "<svg "), 3)
        XCTAssertTrue(html.contains("No data yet."))
    }

    // MARK: Login

    func testLoginFormPostsTheTokenField() {
        let html = ConsoleRenderer.renderLogin(ConsoleFixtures.login, language: .vi)
        XCTAssertTrue(html.contains("<form method=\"post\" action=\"/console/login\">"))
        XCTAssertTrue(html.contains("<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required=\"required\" />"))
        XCTAssertTrue(html.contains("<input type=\"hidden\" name=\"next\" value=\"/console/queue\" />"))
        XCTAssertTrue(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"login-csrf\" />"))
        XCTAssertTrue(html.contains("Mã vận hành không đúng"))
        XCTAssertFalse(html.contains("<nav"), "no navigation before signing in")
        XCTAssertFalse(html.contains("http-equiv"), "the login page never refreshes")
        XCTAssertTrue(html.contains("href=\"/console/login?lang=en\""))
    }

    // MARK: Helpers

    /// The `<tr>…</tr>` rows in the `<tbody>` of the table with `id`.
    private func tableRows(_ html: String, id: String) -> [String] {
        guard let start = html.range(of: "<table id=\"\(id)\">"),
              let body = html.range(of: "<tbody>", range: start.upperBound..<html.endIndex),
              let end = html.range(of: "</tbody>", range: body.upperBound..<html.endIndex)
        else { return [] }
        return html[body.upperBound..<end.lowerBound].split(separator: "\n").map(String.init).filter { $0.hasPrefix("<tr") }
    }
}
