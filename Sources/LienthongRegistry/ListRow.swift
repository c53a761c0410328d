/// One cell as a spreadsheet reader gives it: the text, and whether the cell held a number.
///
/// `numeric` matters for identifiers: a spreadsheet that stored `075090000001` as a number shows
/// `75090000001`, and only then may the lost leading zeros be restored. `description` is redacted.
public struct RawCell: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The cell's text as read (a number cell's value in plain decimal, e.g. `75090000001` or `32874`).
    public var text: String
    /// Whether the cell held a number rather than text.
    public var numeric: Bool

    /// Creates a cell.
    public init(_ text: String, numeric: Bool = false) {
        self.text = text
        self.numeric = numeric
    }

    /// A text cell.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Redacted: never the value.
    public var description: String { numeric ? "RawCell(number, redacted)" : "RawCell(text, redacted)" }
}

/// One data row of a beneficiary list, keyed by column, before any parsing.
///
/// Build it with ``ColumnIndex/row(number:cells:)`` from a reader's cells, or directly. `description` is redacted.
public struct ListRow: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number the officer sees (1-based; the header is row 1), used in findings.
    public var number: Int
    /// The raw cells of the recognised columns; a column without a value is absent.
    public var values: [ListColumn: RawCell]

    /// Creates a row.
    public init(number: Int, values: [ListColumn: RawCell]) {
        self.number = number
        self.values = values
    }

    /// Creates a row of text cells.
    public init(number: Int, text: [ListColumn: String]) {
        self.init(number: number, values: text.mapValues { RawCell($0) })
    }

    /// The raw cell of `column`.
    public subscript(column: ListColumn) -> RawCell? {
        get { values[column] }
        set { values[column] = newValue }
    }

    /// Redacted: the row number only.
    public var description: String { "ListRow(\(number), redacted)" }
}
