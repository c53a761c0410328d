public import LienthongLabor
public import LienthongTabular
import Foundation

/// An error of the labour records' store. `detail` never holds a personal value.
public struct LaborStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The database could not be opened, read or written.
        case database
        /// A survey file was refused (not a table, a required column missing, a damaged file).
        case unreadableFile
        /// A value in the database is not one this version writes (a newer or damaged database).
        case corrupt
        /// An argument is out of range (e.g. a page size below 1).
        case invalidArgument
    }

    /// What went wrong.
    public var code: Code
    /// A fixed phrase with file, row and column where they apply; never a personal value.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}

/// Why a commune survey file was refused: the file, the row and the column when known, and a fixed reason — never a
/// cell's value — so an officer can find and fix the place. Nothing of the file is stored when this is thrown.
///
/// ```
/// ds-xa.csv: row 17, column "Ngày sinh": full date of birth required
/// ```
///
/// It unifies the reader's ``TabularError`` (an unreadable or damaged file), the header check's
/// ``LaborImportError`` (a missing or repeated column) and the first row's ``LaborRowError``.
public struct LaborSurveyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable, Codable {
        /// The file cannot be read as CSV or XLSX (not UTF-8, not a workbook, a legacy `.xls`…).
        case unreadable
        /// A structural problem: an unterminated quote, a value beyond the headers, damaged sheet XML or ZIP data.
        case malformed
        /// A limit was exceeded (cell, row, number of rows, uncompressed size).
        case tooLarge
        /// A required column is missing from the header row.
        case missingColumn = "missing-column"
        /// Two header cells name the same column.
        case duplicateColumn = "duplicate-column"
        /// A row's value cannot be used (``LaborSurveyError/rowReason`` says why).
        case invalidRow = "invalid-row"
    }

    /// What is wrong.
    public var code: Code
    /// The file's name as given to the import.
    public var file: String
    /// 1-based row number as the officer sees it (the header is row 1), when known.
    public var row: Int?
    /// The column: its header as written in the file for a row's problem, the Vietnamese header for a missing
    /// column, or a letter for a structural problem; `nil` when unknown.
    public var column: String?
    /// The survey column concerned, when the problem is about one.
    public var surveyColumn: SurveyColumn?
    /// The row problem, for ``Code/invalidRow``.
    public var rowReason: LaborRowError.Reason?
    /// A fixed explanation.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, file: String, row: Int? = nil, column: String? = nil, surveyColumn: SurveyColumn? = nil,
                rowReason: LaborRowError.Reason? = nil, reason: String) {
        self.code = code
        self.file = file
        self.row = row
        self.column = column
        self.surveyColumn = surveyColumn
        self.rowReason = rowReason
        self.reason = reason
    }

    /// The reader's error, as it is (same file, row, column and reason).
    public init(_ error: TabularError) {
        let code: Code
        switch error.code {
        case .unreadable: code = .unreadable
        case .malformed: code = .malformed
        case .tooLarge: code = .tooLarge
        case .missingColumn: code = .missingColumn
        }
        self.init(code, file: error.file, row: error.row, column: error.column, reason: error.reason)
    }

    /// The header check's error, placed in `file` at the header row `row`. A missing column is named by its
    /// Vietnamese header, a repeated one by the second header cell naming it as written (`headers`).
    public init(_ error: LaborImportError, file: String, row: Int, headers: [String]) {
        switch error.code {
        case .missingColumn:
            self.init(.missingColumn, file: file, row: row, column: error.column.vietnameseHeader,
                      surveyColumn: error.column, reason: "required column is missing")
        case .duplicateColumn:
            let position = error.positions.last
            let written = position.flatMap { $0 < headers.count ? LaborSurveyError.trimmed(headers[$0]) : nil }
            self.init(.duplicateColumn, file: file, row: row, column: written ?? error.column.vietnameseHeader,
                      surveyColumn: error.column, reason: "the column appears twice")
        }
    }

    /// A row's error in `file`; the column is named by `header`, the header cell as written in the file (always one
    /// of the column's accepted spellings, so never personal data), or by the Vietnamese header when it is empty.
    public init(_ error: LaborRowError, file: String, header: String?) {
        let written = header.flatMap(LaborSurveyError.trimmed)
        self.init(.invalidRow, file: file, row: error.row, column: written ?? error.column.vietnameseHeader,
                  surveyColumn: error.column, rowReason: error.reason, reason: error.reason.text)
    }

    private static func trimmed(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// `file: row R, column "C": reason`.
    public var description: String {
        var place = file
        if let row { place += ": row \(row)" }
        if let column { place += (row == nil ? ": " : ", ") + "column \"\(column)\"" }
        return "\(place): \(reason)"
    }
}
