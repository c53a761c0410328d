public import LienthongCore

/// The headline indicators of the labour dashboard; `nil` is a suppressed or unavailable value (shown as `—`).
public struct LaborHeadline: Sendable, Hashable {
    /// People aged 15 and over.
    public var people15Plus: Int?
    /// Labour-force participation rate (labour force ÷ people 15+), `0…1`.
    public var participationRate: Double?
    /// Unemployment rate (unemployed ÷ labour force), `0…1`.
    public var unemploymentRate: Double?
    /// Share of the employed with a degree or certificate (sơ cấp or higher), `0…1`.
    public var trainedRate: Double?
    /// Share of the employed in social insurance (compulsory or voluntary), `0…1`.
    public var socialInsuranceRate: Double?

    /// Creates the headline.
    public init(
        people15Plus: Int?, participationRate: Double?, unemploymentRate: Double?, trainedRate: Double?,
        socialInsuranceRate: Double?
    ) {
        self.people15Plus = people15Plus
        self.participationRate = participationRate
        self.unemploymentRate = unemploymentRate
        self.trainedRate = trainedRate
        self.socialInsuranceRate = socialInsuranceRate
    }
}

/// The labour dashboard (`/console/labor`). Each chart takes plain labelled rows; `nil` values are suppressed
/// cells (under ``suppressionThreshold`` people) and are drawn as no bar and written `—`.
public struct LaborViewModel: Sendable, Hashable {
    /// Time, instance name, refresh.
    public var context: ConsoleContext
    /// The area the figures cover (`Đồng Nai`, a district name, …).
    public var area: String
    /// The date the records are taken at (the analysis snapshot's as-of date).
    public var asOf: CalendarDate
    /// Cells under this many people are suppressed (default 5, SPEC §7).
    public var suppressionThreshold: Int
    /// The indicators above the charts.
    public var headline: LaborHeadline
    /// Population pyramid: one row per age band, youngest first (`15–24`, …, `65+`); `values` = `[male, female]`.
    public var pyramid: [ChartRow]
    /// Employment status by district: one row per district; `values` = `[employed, unemployed, inactive]`.
    public var employmentByDistrict: [ChartRow]
    /// Sector mix of the employed: one row per VSIC section (label like `C – Công nghiệp chế biến, chế tạo`);
    /// `values` = `[workers]`.
    public var sectors: [ChartRow]
    /// Social-insurance participation of the employed: one row per group (for example `Nam`, `Nữ`, or `Tổng`);
    /// `values` = `[compulsory, voluntary, none]`.
    public var socialInsurance: [ChartRow]

    /// Creates the model.
    public init(
        context: ConsoleContext, area: String, asOf: CalendarDate, suppressionThreshold: Int = 5, headline: LaborHeadline,
        pyramid: [ChartRow], employmentByDistrict: [ChartRow], sectors: [ChartRow], socialInsurance: [ChartRow]
    ) {
        self.context = context
        self.area = area
        self.asOf = asOf
        self.suppressionThreshold = suppressionThreshold
        self.headline = headline
        self.pyramid = pyramid
        self.employmentByDistrict = employmentByDistrict
        self.sectors = sectors
        self.socialInsurance = socialInsurance
    }
}

extension ConsoleRenderer {
    /// The labour dashboard (`/console/labor`): headline tiles and four SVG charts (pyramid, employment status by
    /// district, sector mix, social-insurance participation), each with a data table.
    public static func renderLabor(_ model: LaborViewModel, language: ConsoleLanguage) -> String {
        let l = language
        let people = l.pick("Số người", "People")
        var html = "<p id=\"labor-scope\">" + HTML.escape(model.area + " · " + l.pick("Số liệu tại ngày ", "As of ") + model.asOf.iso) + "</p>\n"
        html += "<section class=\"tiles\" aria-label=\"\(HTML.attribute(l.pick("Chỉ tiêu chính", "Headline indicators")))\">\n"
        html += ConsoleLayout.tile(l.pick("Dân số từ 15 tuổi", "People aged 15+"), ConsoleFormat.integer(model.headline.people15Plus, l), id: "people-15-plus")
        html += ConsoleLayout.tile(l.pick("Tỷ lệ tham gia LLLĐ", "Participation rate"), ConsoleFormat.percent(model.headline.participationRate, l), id: "participation-rate")
        html += ConsoleLayout.tile(l.pick("Tỷ lệ thất nghiệp", "Unemployment rate"), ConsoleFormat.percent(model.headline.unemploymentRate, l), id: "unemployment-rate")
        html += ConsoleLayout.tile(l.pick("Tỷ lệ qua đào tạo", "Trained rate"), ConsoleFormat.percent(model.headline.trainedRate, l), id: "trained-rate")
        html += ConsoleLayout.tile(l.pick("Tỷ lệ tham gia BHXH", "Social-insurance rate"), ConsoleFormat.percent(model.headline.socialInsuranceRate, l), id: "si-rate")
        html += ConsoleLayout.tile(l.pick("Ngày số liệu", "As of"), model.asOf.iso, id: "as-of")
        html += "</section>\n"
        html += "<p class=\"note\" id=\"suppression-note\">" + HTML.escape(l.pick(
            "Ô dưới ngưỡng \(model.suppressionThreshold) người bị ẩn (—), để không ai bị nhận diện.",
            "Cells under \(model.suppressionThreshold) people are suppressed (—), so no one can be singled out."
        )) + "</p>\n"

        html += "<div class=\"charts\">\n"
        html += figure(l.pick("Tháp dân số theo nhóm tuổi và giới tính", "Population pyramid by age and sex"), rows: model.pyramid, l) {
            SVGChart.pyramid(
                id: "chart-pyramid", title: $0, rows: model.pyramid,
                left: ChartSeries(name: l.pick("Nam", "Male"), colour: SVGChart.Palette.blue),
                right: ChartSeries(name: l.pick("Nữ", "Female"), colour: SVGChart.Palette.vermillion),
                axisLabel: people, language: l
            )
        }
        html += figure(l.pick("Tình trạng việc làm theo huyện", "Employment status by district"), rows: model.employmentByDistrict, l) {
            SVGChart.stackedBars(
                id: "chart-employment", title: $0, rows: model.employmentByDistrict,
                series: [
                    ChartSeries(name: l.pick("Có việc làm", "Employed"), colour: SVGChart.Palette.green),
                    ChartSeries(name: l.pick("Thất nghiệp", "Unemployed"), colour: SVGChart.Palette.vermillion),
                    ChartSeries(name: l.pick("Ngoài LLLĐ", "Inactive"), colour: SVGChart.Palette.lightGrey, textColour: "#1d232a"),
                ],
                axisLabel: people, language: l
            )
        }
        html += figure(l.pick("Cơ cấu ngành kinh tế (VSIC)", "Sector mix (VSIC sections)"), rows: model.sectors, l) {
            SVGChart.bars(
                id: "chart-sectors", title: $0, rows: model.sectors,
                series: ChartSeries(name: l.pick("Người có việc làm", "Employed people"), colour: SVGChart.Palette.blue),
                axisLabel: people, language: l
            )
        }
        html += figure(l.pick("Tham gia bảo hiểm xã hội", "Social-insurance participation"), rows: model.socialInsurance, l) {
            SVGChart.stackedBars(
                id: "chart-social-insurance", title: $0, rows: model.socialInsurance,
                series: [
                    ChartSeries(name: l.pick("Bắt buộc", "Compulsory"), colour: SVGChart.Palette.blue),
                    ChartSeries(name: l.pick("Tự nguyện", "Voluntary"), colour: SVGChart.Palette.sky, textColour: "#1d232a"),
                    ChartSeries(name: l.pick("Không tham gia", "None"), colour: SVGChart.Palette.lightGrey, textColour: "#1d232a"),
                ],
                axisLabel: people, language: l
            )
        }
        html += "</div>\n"
        return ConsoleLayout.render(page: .labor, language: l, context: model.context, content: html)
    }

    /// A `<figure>` with its caption and the chart, or a "no data" line when there are no rows.
    private static func figure(_ title: String, rows: [ChartRow], _ l: ConsoleLanguage, chart: (String) -> String) -> String {
        var html = "<figure>\n<figcaption>\(HTML.escape(title))</figcaption>\n"
        html += rows.isEmpty ? "<p class=\"muted\">\(HTML.escape(l.pick("Chưa có số liệu.", "No data yet.")))</p>\n" : chart(title)
        return html + "</figure>\n"
    }
}
