/// One labelled row of a chart: a band, district, sector or group, with one value per series.
///
/// `nil` is a suppressed cell (under the small-cell threshold) or an unknown value: it is drawn as no bar and
/// written as `—`.
public struct ChartRow: Sendable, Hashable {
    /// The row's label (age band, district, VSIC section, group), shown as text.
    public var label: String
    /// One value per series of the chart, in the chart's series order; `nil` when suppressed.
    public var values: [Int?]

    /// Creates a row.
    public init(label: String, values: [Int?]) {
        self.label = label
        self.values = values
    }
}

/// A series of a chart: its name (legend, tooltips, table header) and its colour.
public struct ChartSeries: Sendable, Hashable {
    /// The name shown in the legend.
    public var name: String
    /// Fill colour as `#rrggbb`; anything else falls back to grey.
    public var colour: String
    /// Colour of value text drawn on top of the bar (`#ffffff` on dark fills, `#1d232a` on light ones).
    public var textColour: String

    /// Creates a series.
    public init(name: String, colour: String, textColour: String = "#ffffff") {
        self.name = name
        self.colour = colour
        self.textColour = textColour
    }
}

/// Server-rendered SVG charts: accessible (`role="img"`, `<title>`, `<desc>`, a data table), with values written as
/// text, distinguishable colours (Okabe–Ito palette), and no script. The markup is well-formed XML.
///
/// ```swift
/// let svg = SVGChart.stackedBars(id: "emp", title: "Employment by district",
///     rows: [ChartRow(label: "Biên Hòa", values: [812, 41, 390])],
///     series: [SVGChart.Palette.employed, …], axisLabel: "People", language: .en)
/// ```
public enum SVGChart {
    /// Colour-blind-safe colours (Okabe–Ito) used by the console's charts.
    public enum Palette {
        /// Blue.
        public static let blue = "#0072b2"
        /// Vermillion.
        public static let vermillion = "#d55e00"
        /// Bluish green.
        public static let green = "#009e73"
        /// Orange.
        public static let orange = "#e69f00"
        /// Sky blue.
        public static let sky = "#56b4e9"
        /// Reddish purple.
        public static let purple = "#cc79a7"
        /// Grey.
        public static let grey = "#8c8c8c"
        /// Light grey.
        public static let lightGrey = "#c8c8c8"
    }

    /// Width of every chart's drawing area (the SVG scales down on small screens).
    public static let width = 640.0

    /// Length of a bar for `value` when `maximum` fills `span` (0 for non-positive values or maximum).
    public static func barLength(_ value: Int, maximum: Int, span: Double) -> Double {
        guard value > 0, maximum > 0 else { return 0 }
        return span * Double(min(value, maximum)) / Double(maximum)
    }

    // MARK: Pyramid

    /// Geometry of the pyramid: centre column for the band labels, bars growing outwards.
    public enum PyramidGeometry {
        /// Half the width of the centre column holding the band labels.
        public static let labelHalfWidth = 44.0
        /// Room kept at each outer end for the value text.
        public static let valueRoom = 56.0
        /// Outer margin.
        public static let margin = 8.0
        /// Length of the longest bar (each side).
        public static var span: Double { SVGChart.width / 2 - labelHalfWidth - valueRoom - margin }
    }

    /// A population pyramid: `left` (male) bars to the left, `right` (female) bars to the right, band labels in the
    /// middle. `rows` are listed youngest first (`values[0]` = left, `values[1]` = right) and drawn oldest at the
    /// top. Both sides share one scale, so bar lengths compare across sexes.
    public static func pyramid(
        id: String,
        title: String,
        rows: [ChartRow],
        left: ChartSeries,
        right: ChartSeries,
        axisLabel: String,
        language: ConsoleLanguage
    ) -> String {
        let maximum = rows.flatMap { [value($0, 0), value($0, 1)] }.compactMap { $0 }.max() ?? 0
        let centre = width / 2
        let leftEdge = centre - PyramidGeometry.labelHalfWidth
        let rightEdge = centre + PyramidGeometry.labelHalfWidth
        let span = PyramidGeometry.span
        let top = 34.0
        let rowHeight = 24.0
        let barHeight = 18.0
        let plotBottom = top + rowHeight * Double(rows.count)
        let height = plotBottom + 44

        var svg = open(id: id, title: title, height: height, description: description(rows: rows, series: [left, right], language: language))
        svg += legend([left], x: PyramidGeometry.margin, y: 8)
        svg += legend([right], x: rightEdge + span - 60, y: 8)
        for (index, row) in rows.reversed().enumerated() {
            let y = top + rowHeight * Double(index)
            let textY = y + barHeight / 2 + 4
            svg += "<g>"
            svg += text(truncate(row.label, 9), x: centre, y: textY, anchor: "middle", full: row.label)
            for (side, series) in [(0, left), (1, right)] {
                let amount = value(row, side)
                let length = barLength(amount ?? 0, maximum: maximum, span: span)
                let x = side == 0 ? leftEdge - length : rightEdge
                if length > 0 {
                    svg += rect(x: x, y: y, width: length, height: barHeight, series: series,
                                tooltip: "\(series.name), \(row.label): \(ConsoleFormat.integer(amount, language))")
                }
                let valueX = side == 0 ? leftEdge - length - 4 : rightEdge + length + 4
                svg += text(ConsoleFormat.integer(amount, language), x: valueX, y: textY, anchor: side == 0 ? "end" : "start")
            }
            svg += "</g>\n"
        }
        // Axis: a baseline under each side, 0 at the centre and the maximum at the outer ends.
        let axisY = plotBottom + 4
        svg += line(x1: leftEdge - span, y1: axisY, x2: leftEdge, y2: axisY)
        svg += line(x1: rightEdge, y1: axisY, x2: rightEdge + span, y2: axisY)
        svg += text("0", x: leftEdge, y: axisY + 14, anchor: "end", className: "axis")
        svg += text("0", x: rightEdge, y: axisY + 14, anchor: "start", className: "axis")
        svg += text(ConsoleFormat.integer(maximum, language), x: leftEdge - span, y: axisY + 14, anchor: "start", className: "axis")
        svg += text(ConsoleFormat.integer(maximum, language), x: rightEdge + span, y: axisY + 14, anchor: "end", className: "axis")
        svg += text(axisLabel, x: centre, y: axisY + 32, anchor: "middle", className: "axis")
        svg += "</svg>\n"
        return svg + dataTable(rows: rows, series: [left, right], language: language)
    }

    // MARK: Stacked bars

    /// Geometry of the horizontal bar charts.
    public enum BarGeometry {
        /// Width of the label column on the left.
        public static let labelWidth = 160.0
        /// Room kept at the right end for the row total.
        public static let valueRoom = 84.0
        /// Left edge of the bars.
        public static var plotX: Double { labelWidth + 8 }
        /// Length of the longest bar.
        public static var span: Double { SVGChart.width - plotX - valueRoom }
    }

    /// Horizontal bars, one per row, stacked by series (`values[i]` belongs to `series[i]`), on one scale (the
    /// largest row total fills the plot). Segment values are written inside segments wide enough to hold them,
    /// the row total at the end; every value is also in a tooltip and in the data table under the chart. A row with
    /// a suppressed cell shows its known total followed by `(—)`.
    public static func stackedBars(
        id: String,
        title: String,
        rows: [ChartRow],
        series: [ChartSeries],
        axisLabel: String,
        language: ConsoleLanguage
    ) -> String {
        let totals = rows.map { row in (0..<series.count).compactMap { value(row, $0) }.reduce(0) { $0 + max(0, $1) } }
        let maximum = totals.max() ?? 0
        let top = 34.0
        let rowHeight = 26.0
        let barHeight = 18.0
        let plotBottom = top + rowHeight * Double(rows.count)
        let height = plotBottom + 44
        let span = BarGeometry.span
        let plotX = BarGeometry.plotX

        var svg = open(id: id, title: title, height: height, description: description(rows: rows, series: series, language: language))
        svg += legend(series, x: plotX, y: 8)
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let textY = y + barHeight / 2 + 4
            svg += "<g>"
            svg += text(truncate(row.label, 24), x: BarGeometry.labelWidth, y: textY, anchor: "end", full: row.label)
            var x = plotX
            var suppressed = false
            for (position, item) in series.enumerated() {
                guard let amount = value(row, position) else {
                    suppressed = true
                    continue
                }
                let length = barLength(amount, maximum: maximum, span: span)
                guard length > 0 else { continue }
                svg += rect(x: x, y: y, width: length, height: barHeight, series: item,
                            tooltip: "\(item.name), \(row.label): \(ConsoleFormat.integer(amount, language))")
                let label = ConsoleFormat.integer(amount, language)
                if length >= Double(label.count) * 7 + 8 {
                    svg += text(label, x: x + length / 2, y: textY, anchor: "middle", fill: colour(item.textColour))
                }
                x += length
            }
            var total = ConsoleFormat.integer(totals[index], language)
            if suppressed { total += " (\(ConsoleFormat.suppressed))" }
            svg += text(total, x: x + 4, y: textY, anchor: "start")
            svg += "</g>\n"
        }
        let axisY = plotBottom + 2
        svg += line(x1: plotX, y1: top - 4, x2: plotX, y2: axisY)
        svg += line(x1: plotX, y1: axisY, x2: plotX + span, y2: axisY)
        svg += text("0", x: plotX, y: axisY + 14, anchor: "middle", className: "axis")
        svg += text(ConsoleFormat.integer(maximum, language), x: plotX + span, y: axisY + 14, anchor: "middle", className: "axis")
        svg += text(axisLabel, x: plotX + span / 2, y: axisY + 32, anchor: "middle", className: "axis")
        svg += "</svg>\n"
        return svg + dataTable(rows: rows, series: series, language: language)
    }

    /// Simple horizontal bars (one series, `values[0]` of each row): a ``stackedBars(id:title:rows:series:axisLabel:language:)``
    /// with a single series.
    public static func bars(
        id: String,
        title: String,
        rows: [ChartRow],
        series: ChartSeries,
        axisLabel: String,
        language: ConsoleLanguage
    ) -> String {
        stackedBars(id: id, title: title, rows: rows, series: [series], axisLabel: axisLabel, language: language)
    }

    // MARK: Pieces

    private static func value(_ row: ChartRow, _ index: Int) -> Int? {
        index < row.values.count ? row.values[index] : nil
    }

    private static func open(id: String, title: String, height: Double, description: String) -> String {
        let titleID = HTML.attribute(id + "-title")
        let descID = HTML.attribute(id + "-desc")
        return "<svg id=\"\(HTML.attribute(id))\" role=\"img\" aria-labelledby=\"\(titleID) \(descID)\" "
            + "viewBox=\"0 0 \(ConsoleFormat.svg(width)) \(ConsoleFormat.svg(height))\" "
            + "width=\"\(ConsoleFormat.svg(width))\" height=\"\(ConsoleFormat.svg(height))\">\n"
            + "<title id=\"\(titleID)\">\(HTML.escape(title))</title>\n"
            + "<desc id=\"\(descID)\">\(HTML.escape(description))</desc>\n"
    }

    /// A one-sentence summary for screen readers: the series and each row's values.
    private static func description(rows: [ChartRow], series: [ChartSeries], language: ConsoleLanguage) -> String {
        rows.map { row in
            row.label + ": " + series.enumerated().map { position, item in
                "\(item.name) \(ConsoleFormat.integer(value(row, position), language))"
            }.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    private static func legend(_ series: [ChartSeries], x: Double, y: Double) -> String {
        var svg = "<g class=\"legend\">"
        var offset = x
        for item in series {
            svg += "<rect x=\"\(ConsoleFormat.svg(offset))\" y=\"\(ConsoleFormat.svg(y))\" width=\"12\" height=\"12\" "
                + "fill=\"\(colour(item.colour))\" />"
            svg += text(item.name, x: offset + 16, y: y + 10, anchor: "start")
            offset += 16 + Double(item.name.count) * 7 + 18
        }
        return svg + "</g>\n"
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, series: ChartSeries, tooltip: String) -> String {
        "<rect x=\"\(ConsoleFormat.svg(x))\" y=\"\(ConsoleFormat.svg(y))\" width=\"\(ConsoleFormat.svg(width))\" "
            + "height=\"\(ConsoleFormat.svg(height))\" fill=\"\(colour(series.colour))\"><title>\(HTML.escape(tooltip))</title></rect>"
    }

    private static func line(x1: Double, y1: Double, x2: Double, y2: Double) -> String {
        "<line x1=\"\(ConsoleFormat.svg(x1))\" y1=\"\(ConsoleFormat.svg(y1))\" x2=\"\(ConsoleFormat.svg(x2))\" "
            + "y2=\"\(ConsoleFormat.svg(y2))\" stroke=\"#5b6673\" stroke-width=\"1\" />\n"
    }

    private static func text(
        _ content: String, x: Double, y: Double, anchor: String, className: String? = nil, fill: String? = nil, full: String? = nil
    ) -> String {
        var svg = "<text x=\"\(ConsoleFormat.svg(x))\" y=\"\(ConsoleFormat.svg(y))\" text-anchor=\"\(anchor)\""
        if let className { svg += " class=\"\(HTML.attribute(className))\"" }
        if let fill { svg += " fill=\"\(fill)\" style=\"fill:\(fill)\"" }
        svg += ">"
        if let full, full != content { svg += "<title>\(HTML.escape(full))</title>" }
        return svg + HTML.escape(content) + "</text>"
    }

    /// `text` cut to `limit` characters with `…` (the full text stays in a `<title>`).
    static func truncate(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    /// `value` when it is a `#rgb` or `#rrggbb` colour, grey otherwise (colours never carry markup).
    static func colour(_ value: String) -> String {
        let hex = value.utf8.dropFirst()
        let isHex = value.hasPrefix("#") && (hex.count == 3 || hex.count == 6)
            && hex.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
        return isHex ? value : Palette.grey
    }

    /// The chart's numbers as a table, inside a `<details>` (opens without script), with `—` for suppressed cells.
    static func dataTable(rows: [ChartRow], series: [ChartSeries], language: ConsoleLanguage) -> String {
        var html = "<details><summary>\(HTML.escape(language.pick("Bảng số liệu", "Data table")))</summary>\n<table>\n"
        html += ConsoleLayout.headerRow([("", false)] + series.map { ($0.name, true) })
        html += "<tbody>\n"
        for row in rows {
            html += "<tr><th scope=\"row\">\(HTML.escape(row.label))</th>"
            for position in series.indices { html += ConsoleLayout.numberCell(value(row, position), language) }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</details>\n"
    }
}
