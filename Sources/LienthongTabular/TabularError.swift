/// Why a spreadsheet cannot be read: the file, the row and column when known, and a fixed reason (never a cell's
/// value), so an officer can find and fix the place.
public struct TabularError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// The file is not a CSV (e.g. binary content, invalid UTF-8) or not an XLSX (not a ZIP, no worksheet).
        case unreadable
        /// A structural problem: an unterminated quote, a damaged ZIP entry, malformed sheet XML.
        case malformed
        /// A limit was exceeded (field or row size, uncompressed size, number of rows).
        case tooLarge
        /// A required column is missing from the header row.
        case missingColumn
    }

    /// What is wrong.
    public var code: Code
    /// The file's name as given by the caller.
    public var file: String
    /// 1-based row number (the header is row 1), when known.
    public var row: Int?
    /// Column name or letter, when known.
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

    /// `file, row R, column C: reason`.
    public var description: String {
        var place = file
        if let row { place += ", row \(row)" }
        if let column { place += ", column \(column)" }
        return "\(place): \(reason)"
    }
}
