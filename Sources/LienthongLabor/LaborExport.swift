/// An analysis as a flat table for CSV/XLSX export and the command line: one line per published cell, then the
/// margins and the grand total, with the dimensions' values as labels (Vietnamese headers by default). Suppressed
/// values are empty, never a number, so a spreadsheet cannot sum them back.
public enum LaborExport {
    /// One value of the table.
    public enum Value: Sendable, Hashable {
        /// Text (labels).
        case text(String)
        /// A count.
        case count(Int)
        /// A rate in percent, one decimal.
        case percent(Double)
        /// Suppressed or not defined.
        case empty

        /// The value as CSV and console text (`.` as decimal separator, empty when suppressed).
        public var text: String {
            switch self {
            case .text(let text): text
            case .count(let count): String(count)
            case .percent(let rate): LaborExport.format(rate)
            case .empty: ""
            }
        }
    }

    /// The header row: one column per dimension, then the count, the share and the four indicators.
    public static func headers(_ analysis: LaborAnalysis, language: LaborLanguage = .vi) -> [String] {
        analysis.dimensions.map { $0.label(language) } + (language == .vi
            ? ["Số người", "Tỷ trọng (%)", "Tỷ lệ tham gia LLLĐ (%)", "Tỷ lệ thất nghiệp (%)", "Tỷ lệ qua đào tạo có bằng cấp (%)",
               "Tỷ lệ tham gia BHXH (%)"]
            : ["People", "Share (%)", "Labour-force participation (%)", "Unemployment (%)", "Trained with a degree or certificate (%)",
               "Social-insurance participation (%)"])
    }

    /// The lines: cells, then row margins, column margins and the grand total (their dimension columns say "Tổng"/"Total").
    public static func rows(_ analysis: LaborAnalysis, language: LaborLanguage = .vi) -> [[Value]] {
        let total = language == .vi ? "Tổng" : "Total"
        func line(_ labels: [String], _ cell: LaborCell) -> [Value] {
            labels.map(Value.text) + [
                cell.count.map(Value.count) ?? .empty,
                cell.share.map { .percent($0) } ?? .empty,
                cell.indicators.laborForceParticipationRate.map { .percent($0) } ?? .empty,
                cell.indicators.unemploymentRate.map { .percent($0) } ?? .empty,
                cell.indicators.trainedRate.map { .percent($0) } ?? .empty,
                cell.indicators.socialInsuranceRate.map { .percent($0) } ?? .empty,
            ]
        }
        func labels(_ key: [String]) -> [String] {
            zip(analysis.dimensions, key).map { LaborAnalysis.label(for: $0, value: $1, language: language) }
        }
        var out: [[Value]] = []
        if analysis.dimensions.count == 2 {
            out += analysis.cells.map { line(labels($0.key), $0) }
            out += analysis.rowMargins.map { line([labels([$0.key[0]])[0], total], $0) }
            out += analysis.columnMargins.map { line([total, LaborAnalysis.label(for: analysis.dimensions[1], value: $0.key[0], language: language)], $0) }
        } else {
            out += analysis.cells.map { line(labels($0.key), $0) }
        }
        out.append(line(Array(repeating: total, count: analysis.dimensions.count), analysis.total))
        return out
    }

    /// `0.684` → `68.4`.
    static func format(_ rate: Double) -> String {
        let tenths = (rate * 1000).rounded()
        let whole = Int(tenths) / 10
        let decimal = abs(Int(tenths) % 10)
        return "\(whole).\(decimal)"
    }
}
