public import Foundation
public import LienthongLabor
import LienthongTabular

/// Writes an analysis as CSV (UTF-8 with BOM, as Excel reads Vietnamese) and XLSX, with Vietnamese headers by default
/// (``LaborExport``). Suppressed values are empty cells.
public enum LaborReportWriter {
    /// Writes `analysis` to `url` as CSV.
    public static func writeCSV(_ analysis: LaborAnalysis, to url: URL, language: LaborLanguage = .vi) throws {
        let writer = try CSVWriter(url: url, headers: LaborExport.headers(analysis, language: language))
        do {
            for row in LaborExport.rows(analysis, language: language) { try writer.append(row.map(\.text)) }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes `analysis` to `url` as an XLSX workbook (one sheet; counts and rates as numbers).
    public static func writeXLSX(_ analysis: LaborAnalysis, to url: URL, language: LaborLanguage = .vi) throws {
        let writer = try XLSXWriter(
            url: url, sheetName: language == .vi ? "Phan tich lao dong" : "Labour analysis",
            headers: LaborExport.headers(analysis, language: language))
        for row in LaborExport.rows(analysis, language: language) {
            try writer.append(row.map { value -> XLSXWriter.Value in
                switch value {
                case .text(let text): .text(text)
                case .count(let count): .integer(count)
                case .percent: .number(value.text)
                case .empty: .empty
                }
            })
        }
        try writer.finish()
    }
}
