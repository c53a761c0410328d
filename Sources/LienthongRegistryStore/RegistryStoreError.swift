public import LienthongRegistry
public import LienthongTabular

/// Why the registry's storage refused an operation: a code and a fixed detail (never a person's data).
public struct RegistryStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// No batch, row or run with that id.
        case notFound
        /// The operation does not fit the current state (e.g. a result for a row that was not pending).
        case conflict
        /// A stored value cannot be decoded.
        case corrupt
        /// An argument is malformed (e.g. a period that is not `YYYY-MM`).
        case invalidArgument
    }

    /// What is wrong.
    public var code: Code
    /// A fixed explanation.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}

/// Why a list could not be imported: the file, the row and the column when known, and a fixed reason — never a
/// cell's value — so an officer can find and fix the place. Nothing of the list is stored when this is thrown.
///
/// It unifies the reader's ``TabularError`` (unreadable or damaged file, bad row structure, limits) and the
/// header check's ``RegistryImportError`` (a missing or repeated column).
public struct ImportError: Error, Sendable, Hashable, CustomStringConvertible {
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
    }

    /// What is wrong.
    public var code: Code
    /// The file's name as given to the import.
    public var file: String
    /// 1-based row number (the header is row 1), when known.
    public var row: Int?
    /// The column: its Vietnamese header (e.g. `"Ngày sinh"`), or a letter, when known.
    public var column: String?
    /// A fixed explanation.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, file: String, row: Int? = nil, column: String? = nil, reason: String) {
        self.code = code
        self.file = file
        self.row = row
        self.column = column
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

    /// The header check's error, placed in `file` at the header row `row`; the column is named by its Vietnamese
    /// header.
    public init(_ error: RegistryImportError, file: String, row: Int) {
        let code: Code = error.code == .missingColumn ? .missingColumn : .duplicateColumn
        self.init(code, file: file, row: row, column: error.column.vietnameseHeader, reason: error.message)
    }

    /// `file, row R, column C: reason`.
    public var description: String {
        var place = file
        if let row { place += ", row \(row)" }
        if let column { place += ", column \(column)" }
        return "\(place): \(reason)"
    }
}
