public import Foundation

/// The spreadsheet formats the readers understand.
public enum TabularFormat: String, Sendable, Hashable {
    /// Comma- (or semicolon-, or TAB-) separated text.
    case csv
    /// Office Open XML workbook (Excel 2007 and later).
    case xlsx

    /// The format of a file: a ZIP signature means XLSX; a legacy `.xls` (OLE2) file is refused; otherwise the
    /// extension decides (`.xlsx`/`.xlsm` XLSX, anything else CSV).
    public static func detect(url: URL, file: String) throws(TabularError) -> TabularFormat {
        guard let handle = fopen(url.path, "rb") else {
            throw TabularError(.unreadable, file: file, reason: "the file cannot be opened")
        }
        defer { fclose(handle) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, 8, handle) }
        let prefix = head.prefix(count)
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) || prefix.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return .xlsx
        }
        if prefix.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw TabularError(.unreadable, file: file,
                               reason: "an Excel 97-2003 (.xls) or password-protected workbook; save it as .xlsx or CSV UTF-8")
        }
        switch url.pathExtension.lowercased() {
        case "xlsx", "xlsm": return .xlsx
        default: return .csv
        }
    }
}

/// Reads a CSV or XLSX file row by row without holding it whole: the first non-empty row gives the headers, then
/// ``next()`` returns each data row aligned to them. Completely empty rows are skipped (their numbers are not reused).
///
/// ```swift
/// let reader = try TabularReader(url: url)
/// defer { reader.close() }
/// let columns = try ColumnMap(headers: reader.headers, specs: specs, file: reader.file, headerRow: reader.headerRow)
/// while let row = try reader.next() {
///     if let index = columns["Ngày sinh"], let dob = TabularDate.parse(row[index], system: reader.dateSystem) { … }
/// }
/// ```
///
/// An XLSX worksheet is first inflated, under the size limits and checksum, to a temporary file that the reader
/// deletes on ``close()`` (or when released): a damaged archive is refused before any row is returned. Errors name
/// the file as given, the row, the column (by header, or by letter) and a reason, never a cell's value.
public final class TabularReader {
    /// The format read.
    public let format: TabularFormat
    /// The file's name as it appears in errors.
    public let file: String
    /// The header row's cells as text (NFC), trailing empty headers dropped.
    public let headers: [String]
    /// The header row's number (1 unless empty rows precede it).
    public let headerRow: Int
    /// The workbook's date system (``ExcelDate/System/system1900`` for CSV).
    public let dateSystem: ExcelDate.System
    /// The CSV delimiter detected (`nil` for XLSX).
    public let delimiter: Character?
    /// The options in force.
    public let options: TabularOptions

    private let source: any RowSource
    private var closed = false

    /// Opens `url` and reads its header row.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the name errors give (default: the file's last path component).
    ///   - format: the format, or `nil` to detect it (see ``TabularFormat/detect(url:file:)``).
    ///   - options: limits and policies.
    public init(url: URL, name: String? = nil, format: TabularFormat? = nil, options: TabularOptions = TabularOptions())
        throws(TabularError) {
        let file = name ?? url.lastPathComponent
        self.file = file
        self.options = options
        let detected: TabularFormat
        if let format { detected = format } else { detected = try TabularFormat.detect(url: url, file: file) }
        self.format = detected
        switch detected {
        case .csv:
            let csv = try CSVSource(path: url.path, file: file, options: options)
            source = csv
            delimiter = Character(Unicode.Scalar(csv.delimiter))
            dateSystem = .system1900
        case .xlsx:
            let xlsx = try XLSXSource(url: url, file: file, options: options)
            source = xlsx
            delimiter = nil
            dateSystem = xlsx.dateSystem
        }
        var header: (number: Int, cells: [Cell])?
        do throws(TabularError) {
            while let row = try source.nextRow() {
                if !row.cells.allSatisfy(\.isBlank) { header = row; break }
            }
        } catch {
            source.close()
            throw error
        }
        guard let header else {
            source.close()
            throw TabularError(.malformed, file: file, row: 1, reason: "the file has no header row")
        }
        var names = header.cells.map(\.text)
        while let last = names.last, last.trimmingCharacters(in: .whitespaces).isEmpty { names.removeLast() }
        headers = names
        headerRow = header.number
        source.headerNames = names
    }

    deinit { source.close() }

    /// The next non-empty data row, `nil` at the end of the file.
    ///
    /// Throws ``TabularError`` with the row (and column when known); after an error the reader should be closed.
    public func next() throws(TabularError) -> TabularRow? {
        guard !closed else { return nil }
        while let row = try source.nextRow() {
            if row.cells.allSatisfy(\.isBlank) { continue }
            var cells = row.cells
            if cells.count > headers.count {
                if options.rejectCellsBeyondHeaders,
                   let extra = cells[headers.count...].firstIndex(where: { !$0.isBlank }) {
                    throw TabularError(.malformed, file: file, row: row.number, column: ColumnLetters.letters(extra),
                                       reason: format == .csv
                                           ? "the row has more values than the header has columns (an unquoted delimiter?)"
                                           : "a value stands in a column that has no header")
                }
                cells.removeLast(cells.count - headers.count)
            } else if cells.count < headers.count {
                cells.append(contentsOf: repeatElement(Cell.empty, count: headers.count - cells.count))
            }
            return TabularRow(number: row.number, cells: cells)
        }
        return nil
    }

    /// Closes the file and deletes temporary files; ``next()`` then returns `nil`.
    public func close() {
        closed = true
        source.close()
    }
}
