/// What the readers hand to ``TabularReader``: rows in file order, unaligned.
protocol RowSource: AnyObject {
    /// The next row with its 1-based number, `nil` at the end.
    func nextRow() throws(TabularError) -> (number: Int, cells: [Cell])?
    /// Releases files.
    func close()
    /// Column names used in errors (set once the header is known).
    var headerNames: [String] { get set }
}

extension RowSource {
    /// The header's name for a 0-based column, or its letters.
    func columnName(_ index: Int) -> String {
        if headerNames.indices.contains(index), !headerNames[index].isEmpty { return headerNames[index] }
        return ColumnLetters.letters(index)
    }
}

/// Streaming RFC 4180 reader: UTF-8 with or without BOM, `,` `;` or TAB, quoted fields with delimiters, doubled
/// quotes and line breaks inside, CRLF / LF / CR line ends.
final class CSVSource: RowSource {
    private let input: ByteInput
    private let file: String
    private let options: TabularOptions
    private(set) var delimiter: UInt8 = UInt8(ascii: ",")
    private var recordNumber = 0
    private var finished = false
    var headerNames: [String] = []

    init(path: String, file: String, options: TabularOptions) throws(TabularError) {
        guard let input = ByteInput(path: path, chunkSize: options.chunkSize) else {
            throw TabularError(.unreadable, file: file, reason: "the file cannot be opened")
        }
        self.input = input
        self.file = file
        self.options = options
        let head: ArraySlice<UInt8>
        do { head = try input.buffered() } catch {
            throw TabularError(.unreadable, file: file, reason: "the file cannot be read")
        }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            input.skipBuffered(3)
        } else if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw TabularError(.unreadable, file: file, reason: "the file is UTF-16 text; save it as CSV UTF-8")
        }
        delimiter = Self.sniffDelimiter(head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head)
    }

    /// `,` unless the first line has none outside quotes but has `;` or TAB.
    static func sniffDelimiter(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var inQuotes = false
        var semicolons = 0
        var tabs = 0
        for b in bytes {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            switch b {
            case UInt8(ascii: ","): return b
            case UInt8(ascii: ";"): semicolons += 1
            case 0x09: tabs += 1
            case 0x0A, 0x0D: return semicolons > 0 ? UInt8(ascii: ";") : tabs > 0 ? 0x09 : UInt8(ascii: ",")
            default: break
            }
        }
        return semicolons > 0 ? UInt8(ascii: ";") : tabs > 0 ? 0x09 : UInt8(ascii: ",")
    }

    func close() { input.close() }

    private enum State { case fieldStart, unquoted, quoted, afterQuote }

    private func read() throws(TabularError) -> UInt8? {
        do { return try input.next() } catch {
            throw TabularError(.unreadable, file: file, row: recordNumber, reason: "the file cannot be read")
        }
    }

    private func peek() throws(TabularError) -> UInt8? {
        do { return try input.peek() } catch {
            throw TabularError(.unreadable, file: file, row: recordNumber, reason: "the file cannot be read")
        }
    }

    func nextRow() throws(TabularError) -> (number: Int, cells: [Cell])? {
        guard !finished else { return nil }
        recordNumber += 1
        guard recordNumber <= options.maxRows else {
            throw TabularError(.tooLarge, file: file, row: recordNumber, reason: "more than \(options.maxRows) rows")
        }
        var cells: [Cell] = []
        var field: [UInt8] = []
        var rowBytes = 0
        var state = State.fieldStart

        func finishField() throws(TabularError) {
            guard cells.count < options.maxColumns else {
                throw TabularError(.tooLarge, file: file, row: recordNumber, column: ColumnLetters.letters(cells.count),
                                   reason: "more than \(options.maxColumns) columns")
            }
            guard let text = TextNormalization.string(utf8: field) else {
                throw TabularError(.unreadable, file: file, row: recordNumber, column: columnName(cells.count),
                                   reason: "the text is not valid UTF-8; save the file as CSV UTF-8")
            }
            cells.append(text.isEmpty ? .empty : Cell(text, kind: .text))
            field.removeAll(keepingCapacity: true)
        }

        while true {
            guard let b = try read() else {
                finished = true
                if state == .quoted {
                    throw TabularError(.malformed, file: file, row: recordNumber, column: columnName(cells.count),
                                       reason: "a quoted field is never closed")
                }
                if rowBytes == 0 { return nil }
                try finishField()
                return (recordNumber, cells)
            }
            if b == 0 {
                throw TabularError(.unreadable, file: file, row: recordNumber,
                                   reason: "the file contains NUL bytes: it is not CSV text")
            }
            rowBytes += 1
            if rowBytes > options.maxRowBytes {
                throw TabularError(.tooLarge, file: file, row: recordNumber,
                                   reason: state == .quoted
                                       ? "the row is longer than \(options.maxRowBytes) bytes (is a quote never closed?)"
                                       : "the row is longer than \(options.maxRowBytes) bytes")
            }
            switch state {
            case .fieldStart, .unquoted:
                if b == delimiter {
                    try finishField()
                    state = .fieldStart
                } else if b == 0x0A {
                    try finishField()
                    return (recordNumber, cells)
                } else if b == 0x0D {
                    if try peek() == 0x0A { _ = try read() }
                    try finishField()
                    return (recordNumber, cells)
                } else if b == UInt8(ascii: "\""), state == .fieldStart {
                    state = .quoted
                } else {
                    field.append(b)
                    state = .unquoted
                }
            case .quoted:
                if b == UInt8(ascii: "\"") {
                    state = .afterQuote
                } else {
                    field.append(b)
                }
            case .afterQuote:
                if b == UInt8(ascii: "\"") {
                    field.append(b)
                    state = .quoted
                } else if b == delimiter {
                    try finishField()
                    state = .fieldStart
                } else if b == 0x0A {
                    try finishField()
                    return (recordNumber, cells)
                } else if b == 0x0D {
                    if try peek() == 0x0A { _ = try read() }
                    try finishField()
                    return (recordNumber, cells)
                } else {
                    throw TabularError(.malformed, file: file, row: recordNumber, column: columnName(cells.count),
                                       reason: "text follows the closing quote of a quoted field")
                }
            }
            if field.count > options.maxFieldBytes {
                throw TabularError(.tooLarge, file: file, row: recordNumber, column: columnName(cells.count),
                                   reason: state == .quoted
                                       ? "a field is longer than \(options.maxFieldBytes) bytes (is a quote never closed?)"
                                       : "a field is longer than \(options.maxFieldBytes) bytes")
            }
        }
    }
}
