@testable import LienthongConsole
import XCTest

final class HTMLAndChartTests: XCTestCase {
    func testEscapeText() {
        XCTAssertEqual(HTML.escape("<script>alert('x') & \"y\"</script>"),
                       "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        XCTAssertEqual(HTML.escape("Nguyễn Văn A"), "Nguyễn Văn A")
        XCTAssertEqual(HTML.escape("&amp;"), "&amp;amp;", "already-escaped text is escaped again, never trusted")
        XCTAssertEqual(HTML.escape("a\u{0}b\u{1B}c\td"), "a\u{FFFD}b\u{FFFD}c\td")
    }

    func testEscapeAttribute() {
        XCTAssertEqual(HTML.attribute("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x")
        XCTAssertEqual(HTML.attribute("a'b"), "a&#39;b")
        XCTAssertEqual(HTML.attribute("line\nbreak\ttab"), "line&#10;break&#9;tab")
        XCTAssertEqual(HTML.queryValue("a b&c=đ"), "a%20b%26c%3D%C4%91")
    }

    func testFormatting() {
        XCTAssertEqual(ConsoleFormat.integer(1_234_567, .vi), "1.234.567")
        XCTAssertEqual(ConsoleFormat.integer(1_234_567, .en), "1,234,567")
        XCTAssertEqual(ConsoleFormat.integer(-1_000, .vi), "-1.000")
        XCTAssertEqual(ConsoleFormat.integer(999, .en), "999")
        XCTAssertEqual(ConsoleFormat.integer(nil as Int?, .en), "—")
        XCTAssertEqual(ConsoleFormat.percent(0.6843, .vi), "68,4 %")
        XCTAssertEqual(ConsoleFormat.percent(0.6843, .en), "68.4%")
        XCTAssertEqual(ConsoleFormat.percent(nil, .en), "—")
        XCTAssertEqual(ConsoleFormat.percent(.nan, .en), "—")
        XCTAssertEqual(ConsoleFormat.duration(seconds: 59, .en), "0 min")
        XCTAssertEqual(ConsoleFormat.dateTime(Date(timeIntervalSince1970: 0), offsetSeconds: 25_200), "1970-01-01 07:00")
        XCTAssertEqual(ConsoleFormat.dateTime(Date(timeIntervalSince1970: -1), offsetSeconds: 0), "1969-12-31 23:59")
        XCTAssertEqual(ConsoleFormat.date(Date(timeIntervalSince1970: 1e15), offsetSeconds: 0), "9999-12-30", "clamped, no trap")
        XCTAssertEqual(ConsoleFormat.utcOffset(25_200), "UTC+07:00")
        XCTAssertEqual(ConsoleFormat.shortHash("0123456789abcdef0123"), "0123456789abcdef…")
        XCTAssertEqual(ConsoleFormat.svg(203.1666), "203.2")
        XCTAssertEqual(ConsoleFormat.svg(106), "106")
    }

    func testBarLength() {
        XCTAssertEqual(SVGChart.barLength(1_200, maximum: 2_400, span: 212), 106)
        XCTAssertEqual(SVGChart.barLength(0, maximum: 2_400, span: 212), 0)
        XCTAssertEqual(SVGChart.barLength(5, maximum: 0, span: 212), 0)
        XCTAssertEqual(SVGChart.barLength(9_000, maximum: 2_400, span: 212), 212, "clamped to the span")
    }

    func testPyramidBarWidthsAreProportional() {
        XCTAssertEqual(SVGChart.PyramidGeometry.span, 212)
        let rows = [ChartRow(label: "15–24", values: [1_200, 600]), ChartRow(label: "25–34", values: [2_400, 2_300])]
        let svg = SVGChart.pyramid(id: "p", title: "Pyramid", rows: rows,
                                   left: ChartSeries(name: "Male", colour: "#0072b2"),
                                   right: ChartSeries(name: "Female", colour: "#d55e00"),
                                   axisLabel: "People", language: .en)
        // Oldest band on top: 25–34 in the first row (y = 34), 15–24 below (y = 58). Centre 320, label half-width 44.
        // Men 15–24: 1 200 of the maximum 2 400 → half the span, 106, ending at the centre column (276).
        XCTAssertTrue(svg.contains("<rect x=\"170\" y=\"58\" width=\"106\" height=\"18\" fill=\"#0072b2\"><title>Male, 15–24: 1,200</title></rect>"))
        // Women 15–24: 600 → 53, starting at 364 and growing to the right.
        XCTAssertTrue(svg.contains("<rect x=\"364\" y=\"58\" width=\"53\" height=\"18\" fill=\"#d55e00\">"))
        // Women 25–34: 2 300 / 2 400 × 212 = 203.17.
        XCTAssertTrue(svg.contains("<rect x=\"364\" y=\"34\" width=\"203.2\" height=\"18\" fill=\"#d55e00\">"))
        // Men 25–34: the maximum fills the span.
        XCTAssertTrue(svg.contains("<rect x=\"64\" y=\"34\" width=\"212\" height=\"18\" fill=\"#0072b2\">"))
        XCTAssertLessThan(svg.range(of: ">25–34</text>")!.lowerBound, svg.range(of: ">15–24</text>")!.lowerBound)
        XCTAssertTrue(svg.contains(">Male</text>") && svg.contains(">Female</text>"), "legend")
        XCTAssertTrue(svg.contains(">People</text>"), "axis label")
        XCTAssertTrue(svg.contains(">2,400</text>"), "scale end")
    }

    func testStackedBarsShareOneScale() {
        let rows = [ChartRow(label: "A", values: [300, 100]), ChartRow(label: "B", values: [100, 100])]
        let svg = SVGChart.stackedBars(id: "s", title: "T", rows: rows,
                                       series: [ChartSeries(name: "x", colour: "#009e73"), ChartSeries(name: "y", colour: "#d55e00")],
                                       axisLabel: "n", language: .en)
        let span = SVGChart.BarGeometry.span  // 388: A's total (400) fills it.
        XCTAssertEqual(span, 388)
        XCTAssertTrue(svg.contains("<rect x=\"168\" y=\"34\" width=\"291\" height=\"18\" fill=\"#009e73\">"))  // 300/400
        XCTAssertTrue(svg.contains("<rect x=\"459\" y=\"34\" width=\"97\" height=\"18\" fill=\"#d55e00\">"))   // 100/400, after it
        XCTAssertTrue(svg.contains("<rect x=\"168\" y=\"60\" width=\"97\" height=\"18\" fill=\"#009e73\">"))
        XCTAssertTrue(svg.contains(">400</text>") && svg.contains(">200</text>"), "row totals")
    }

    func testChartColoursAndLabelsCannotInjectMarkup() {
        let rows = [ChartRow(label: "<b>x</b>", values: [1])]
        let svg = SVGChart.bars(id: "a\"b", title: "<t>", rows: rows,
                                series: ChartSeries(name: "n&m", colour: "red\" onload=\"x"), axisLabel: "a", language: .en)
        XCTAssertFalse(svg.contains("<b>"))
        XCTAssertFalse(svg.contains("onload"))
        XCTAssertTrue(svg.contains("fill=\"#8c8c8c\""), "an invalid colour falls back to grey")
        XCTAssertTrue(svg.contains("id=\"a&quot;b\""))
        XCTAssertTrue(svg.contains("&lt;b&gt;x&lt;/b&gt;"))
        XCTAssertEqual(SVGChart.colour("#ABC"), "#ABC")
        XCTAssertEqual(SVGChart.truncate("abcdefghij", 5), "abcd…")
    }
}

final class ConsoleHeadersTests: XCTestCase {
    func testSecurityHeadersForbidOutsideLoads() throws {
        let csp = try XCTUnwrap(ConsoleLayout.securityHeaders["Content-Security-Policy"])
        XCTAssertTrue(csp.hasPrefix("default-src 'none';"))
        XCTAssertFalse(csp.contains("script-src"))
        XCTAssertFalse(csp.contains("http"))
        XCTAssertEqual(ConsoleLayout.contentType, "text/html; charset=utf-8")
    }
}
