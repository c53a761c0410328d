import Foundation
import ZIPFoundation

/// Inflates archive entries under the size, ratio and checksum checks of ``TabularOptions``.
struct ZipGuard {
    let file: String
    let options: TabularOptions
    private(set) var inflatedTotal: Int64 = 0

    init(file: String, options: TabularOptions) {
        self.file = file
        self.options = options
    }

    /// Refuses an archive whose entries declare more than the total limit.
    func checkDeclaredTotal(_ archive: Archive) throws(TabularError) {
        var total: UInt64 = 0
        for entry in archive {
            total &+= entry.uncompressedSize
            if total > UInt64(options.maxTotalUncompressedBytes) {
                throw TabularError(.tooLarge, file: file,
                                   reason: "the archive declares more than \(options.maxTotalUncompressedBytes) bytes uncompressed")
            }
        }
    }

    /// Streams `entry`'s content to `sink`, chunk by chunk.
    mutating func extract(_ entry: Entry, from archive: Archive, sink: (Data) throws(TabularError) -> Void) throws(TabularError) {
        let name = entry.path
        guard entry.type == .file else {
            throw TabularError(.malformed, file: file, reason: "the workbook part \(name) is not a file")
        }
        let declared = Int64(clamping: entry.uncompressedSize)
        let compressed = max(Int64(clamping: entry.compressedSize), 1)
        try checkSize(declared, compressed: compressed, part: name)
        var counted: Int64 = 0
        let checksum: CRC32
        let limits = options
        let startTotal = inflatedTotal
        let file = self.file
        do {
            checksum = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: false) { data in
                counted += Int64(data.count)
                if counted > declared {
                    throw TabularError(.tooLarge, file: file,
                                       reason: "the workbook part \(name) inflates beyond the size it declares")
                }
                if counted > limits.maxEntryUncompressedBytes || startTotal + counted > limits.maxTotalUncompressedBytes
                    || (counted > limits.ratioThresholdBytes && counted / compressed > limits.maxCompressionRatio) {
                    throw TabularError(.tooLarge, file: file,
                                       reason: "the workbook part \(name) inflates beyond the size limits")
                }
                try sink(data)
            }
        } catch let error as TabularError {
            throw error
        } catch {
            throw TabularError(.malformed, file: file, reason: "the workbook part \(name) is damaged")
        }
        inflatedTotal += counted
        guard counted == declared else {
            throw TabularError(.malformed, file: file, reason: "the workbook part \(name) is damaged (size mismatch)")
        }
        guard checksum == entry.checksum else {
            throw TabularError(.malformed, file: file, reason: "the workbook part \(name) is damaged (checksum mismatch)")
        }
    }

    private func checkSize(_ declared: Int64, compressed: Int64, part: String) throws(TabularError) {
        if declared > options.maxEntryUncompressedBytes || inflatedTotal + declared > options.maxTotalUncompressedBytes {
            throw TabularError(.tooLarge, file: file,
                               reason: "the workbook part \(part) declares \(declared) bytes uncompressed, over the limit")
        }
        if declared > options.ratioThresholdBytes, declared / compressed > options.maxCompressionRatio {
            throw TabularError(.tooLarge, file: file,
                               reason: "the workbook part \(part) is compressed more than \(options.maxCompressionRatio):1 (a zip bomb?)")
        }
    }

    /// The whole content of a small entry.
    mutating func bytes(of entry: Entry, from archive: Archive, limit: Int) throws(TabularError) -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw TabularError(.tooLarge, file: file, reason: "the workbook part \(entry.path) is larger than \(limit) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entry.uncompressedSize))
        try extract(entry, from: archive) { data in bytes.append(contentsOf: data) }
        return bytes
    }

    /// Inflates an entry to a new temporary file and returns its path.
    mutating func temporaryFile(of entry: Entry, from archive: Archive) throws(TabularError) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("lienthong-xlsx-\(UUID().uuidString).xml").path
        guard let out = fopen(path, "wb") else {
            throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be created")
        }
        let file = self.file
        do throws(TabularError) {
            try extract(entry, from: archive) { (data: Data) throws(TabularError) in
                let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
                guard written == data.count else {
                    throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be written")
                }
            }
            guard fclose(out) == 0 else {
                throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be written")
            }
        } catch {
            fclose(out)
            unlink(path)
            throw error
        }
        return path
    }
}

/// Streaming SpreadsheetML reader for the first worksheet of an XLSX workbook.
final class XLSXSource: RowSource {
    private let file: String
    private let options: TabularOptions
    private var sheetPath: String?
    private var tokenizer: XMLTokenizer?
    private var input: ByteInput?
    private var sharedStrings: [String] = []
    private var dateStyles: [Bool] = []
    private(set) var dateSystem = ExcelDate.System.system1900
    private var lastRow = 0
    private var done = false
    var headerNames: [String] = []

    init(url: URL, file: String, options: TabularOptions) throws(TabularError) {
        self.file = file
        self.options = options
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw TabularError(.unreadable, file: file, reason: "not an XLSX file: not a ZIP archive, or a damaged one")
        }
        var zip = ZipGuard(file: file, options: options)
        try zip.checkDeclaredTotal(archive)
        let sheetEntryPath = try Self.firstSheetPath(archive: archive, zip: &zip, file: file, options: options,
                                                     dateSystem: &dateSystem)
        guard let sheetEntry = Self.entry(sheetEntryPath, in: archive) else {
            throw TabularError(.unreadable, file: file, reason: "the workbook has no worksheet")
        }
        if let stylesEntry = Self.entry("xl/styles.xml", in: archive) {
            let bytes = try zip.bytes(of: stylesEntry, from: archive, limit: options.maxMetadataBytes)
            dateStyles = try Self.dateStyles(bytes, file: file)
        }
        if let stringsEntry = Self.sharedStringsEntry(archive: archive, zip: &zip, file: file, options: options) {
            let path = try zip.temporaryFile(of: stringsEntry, from: archive)
            defer { unlink(path) }
            sharedStrings = try Self.sharedStrings(path: path, file: file, options: options)
        }
        let path = try zip.temporaryFile(of: sheetEntry, from: archive)
        sheetPath = path
        guard let input = ByteInput(path: path, chunkSize: options.chunkSize) else {
            unlink(path)
            throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be read")
        }
        self.input = input
        let tokenizer = XMLTokenizer(input: input, maxTextBytes: options.maxFieldBytes)
        self.tokenizer = tokenizer
        // Advance to <sheetData>.
        while true {
            let event: XMLTokenizer.Event?
            do { event = try tokenizer.next() } catch { close(); throw map(error, row: nil, column: nil) }
            guard let event else { done = true; break }
            if case .start(.sheetData, let selfClosing) = event {
                done = selfClosing
                break
            }
        }
    }

    deinit { close() }

    func close() {
        input?.close()
        input = nil
        tokenizer = nil
        if let sheetPath { unlink(sheetPath) }
        sheetPath = nil
    }

    private func map(_ issue: XMLTokenizer.Issue, row: Int?, column: String?) -> TabularError {
        switch issue {
        case .malformed(let reason): TabularError(.malformed, file: file, row: row, column: column, reason: reason)
        case .tooLarge(let reason): TabularError(.tooLarge, file: file, row: row, column: column, reason: reason)
        case .readError: TabularError(.unreadable, file: file, row: row, reason: "a temporary file cannot be read")
        }
    }

    // MARK: - Workbook parts

    static func entry(_ path: String, in archive: Archive) -> Entry? {
        if let entry = archive[path] { return entry }
        let lower = path.lowercased()
        return archive.first { $0.path.lowercased() == lower }
    }

    private static func events(_ bytes: [UInt8], file: String,
                               _ body: (XMLTokenizer.Event, XMLTokenizer) -> Void) throws(TabularError) {
        let tokenizer = XMLTokenizer(input: ByteInput(bytes: bytes), maxTextBytes: 1024 * 1024)
        do {
            while let event = try tokenizer.next() { body(event, tokenizer) }
        } catch {
            switch error {
            case .tooLarge(let reason): throw TabularError(.tooLarge, file: file, reason: reason)
            case .malformed(let reason): throw TabularError(.malformed, file: file, reason: reason)
            case .readError: throw TabularError(.unreadable, file: file, reason: "the workbook cannot be read")
            }
        }
    }

    /// The first worksheet's part name from xl/workbook.xml and its relationships; xl/worksheets/sheet1.xml when
    /// the workbook does not say.
    private static func firstSheetPath(archive: Archive, zip: inout ZipGuard, file: String, options: TabularOptions,
                                       dateSystem: inout ExcelDate.System) throws(TabularError) -> String {
        let fallback = "xl/worksheets/sheet1.xml"
        guard let workbook = entry("xl/workbook.xml", in: archive) else {
            guard entry(fallback, in: archive) != nil else {
                throw TabularError(.unreadable, file: file, reason: "not an XLSX workbook: it has no worksheet")
            }
            return fallback
        }
        var relationshipID: String?
        var is1904 = false
        try events(try zip.bytes(of: workbook, from: archive, limit: options.maxMetadataBytes), file: file) { event, xml in
            guard case .start(let name, _) = event else { return }
            if name == .workbookPr, let value = xml.attribute("date1904") {
                is1904 = value == "1" || value == "true"
            }
            if name == .sheet, relationshipID == nil {
                relationshipID = xml.attribute(":id")
            }
        }
        if is1904 { dateSystem = .system1904 }
        guard let relationshipID, let rels = entry("xl/_rels/workbook.xml.rels", in: archive) else { return fallback }
        var target: String?
        try events(try zip.bytes(of: rels, from: archive, limit: options.maxMetadataBytes), file: file) { event, xml in
            guard case .start(.relationship, _) = event, xml.attribute("Id") == relationshipID else { return }
            target = xml.attribute("Target")
        }
        guard let target else { return fallback }
        return resolve(target, base: "xl/")
    }

    /// `worksheets/sheet1.xml` → `xl/worksheets/sheet1.xml`; `/xl/…` → `xl/…`; `..` steps resolved.
    static func resolve(_ target: String, base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in target.split(separator: "/") {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else if part != "." { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }

    private static func sharedStringsEntry(archive: Archive, zip: inout ZipGuard, file: String,
                                           options: TabularOptions) -> Entry? {
        if let rels = entry("xl/_rels/workbook.xml.rels", in: archive),
           let bytes = try? zip.bytes(of: rels, from: archive, limit: options.maxMetadataBytes) {
            var target: String?
            try? events(bytes, file: file) { event, xml in
                guard case .start(.relationship, _) = event,
                      xml.attribute("Type")?.hasSuffix("/sharedStrings") == true else { return }
                target = xml.attribute("Target")
            }
            if let target, let found = entry(resolve(target, base: "xl/"), in: archive) { return found }
        }
        return entry("xl/sharedStrings.xml", in: archive)
    }

    /// For each cell style index (`s`), whether its number format is a date format.
    static func dateStyles(_ bytes: [UInt8], file: String) throws(TabularError) -> [Bool] {
        var customDate: [Int: Bool] = [:]
        var styles: [Bool] = []
        var inCellXfs = false
        try events(bytes, file: file) { event, xml in
            switch event {
            case .start(let name, let selfClosing):
                if name == .numFmt, let id = xml.attribute("numFmtId").flatMap(Int.init),
                   let code = xml.attribute("formatCode") {
                    customDate[id] = isDateFormat(code)
                } else if name == .cellXfs {
                    inCellXfs = !selfClosing
                } else if name == .xf, inCellXfs {
                    let id = xml.attribute("numFmtId").flatMap(Int.init) ?? 0
                    styles.append(customDate[id] ?? (14...22).contains(id))
                }
            case .end(let name):
                if name == .cellXfs { inCellXfs = false }
            case .text:
                break
            }
        }
        return styles
    }

    /// Whether a custom number format shows a date: it has `d` or `y` outside quotes, escapes and brackets.
    static func isDateFormat(_ code: String) -> Bool {
        var inQuotes = false
        var inBrackets = false
        var escaped = false
        for scalar in code.unicodeScalars {
            if escaped { escaped = false; continue }
            switch scalar {
            case "\"": inQuotes.toggle()
            case "\\" where !inQuotes: escaped = true
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            case ";" where !inQuotes && !inBrackets: return false  // only the first section decides
            case "d", "D", "y", "Y":
                if !inQuotes && !inBrackets { return true }
            default: break
            }
        }
        return false
    }

    /// The shared-strings table, within ``TabularOptions/maxSharedStringsBytes``.
    static func sharedStrings(path: String, file: String, options: TabularOptions) throws(TabularError) -> [String] {
        guard let input = ByteInput(path: path, chunkSize: options.chunkSize) else {
            throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be read")
        }
        defer { input.close() }
        let tokenizer = XMLTokenizer(input: input, maxTextBytes: options.maxFieldBytes)
        var strings: [String] = []
        var memory = 0
        var current: [UInt8] = []
        var inItem = false
        var phonetic = 0
        do {
            while let event = try tokenizer.next() {
                switch event {
                case .start(let name, let selfClosing):
                    if name == .si {
                        inItem = true
                        current.removeAll(keepingCapacity: true)
                        if selfClosing {
                            inItem = false
                            strings.append("")
                        }
                    } else if name == .rPh {
                        if !selfClosing { phonetic += 1 }
                    } else if name == .t, inItem, phonetic == 0, !selfClosing {
                        tokenizer.captureText = true
                    }
                case .end(let name):
                    if name == .t {
                        tokenizer.captureText = false
                    } else if name == .rPh {
                        phonetic = max(phonetic - 1, 0)
                    } else if name == .si, inItem {
                        inItem = false
                        guard let text = TextNormalization.string(utf8: current) else {
                            throw TabularError(.malformed, file: file, reason: "the shared strings are not valid UTF-8")
                        }
                        let decoded = OOXMLEscapes.decode(text)
                        memory += decoded.utf8.count + 16
                        guard memory <= options.maxSharedStringsBytes else {
                            throw TabularError(.tooLarge, file: file,
                                               reason: "the shared strings exceed \(options.maxSharedStringsBytes) bytes")
                        }
                        strings.append(decoded)
                    }
                case .text(let bytes):
                    current.append(contentsOf: bytes)
                    if current.count > options.maxFieldBytes {
                        throw TabularError(.tooLarge, file: file,
                                           reason: "a shared string is longer than \(options.maxFieldBytes) bytes")
                    }
                }
            }
        } catch let error as TabularError {
            throw error
        } catch let issue as XMLTokenizer.Issue {
            switch issue {
            case .tooLarge(let reason): throw TabularError(.tooLarge, file: file, reason: reason)
            case .malformed(let reason): throw TabularError(.malformed, file: file, reason: reason)
            case .readError: throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be read")
            }
        } catch {
            throw TabularError(.malformed, file: file, reason: "the shared strings cannot be read")
        }
        return strings
    }

    // MARK: - Rows

    private struct PendingCell {
        var column: Int
        var type: String?
        var style: Int?
        var value: [UInt8] = []
        var inline: [UInt8] = []
        var hasValue = false
    }

    func nextRow() throws(TabularError) -> (number: Int, cells: [Cell])? {
        guard !done, let tokenizer else { return nil }
        var rowNumber: Int?
        var cells: [(Int, Cell)] = []
        var cell: PendingCell?
        var nextColumn = 0
        var capture: Capture = .none
        var phonetic = 0
        var inInline = false
        while true {
            let event: XMLTokenizer.Event?
            do { event = try tokenizer.next() } catch {
                throw map(error, row: rowNumber ?? lastRow + 1, column: cell.map { ColumnLetters.letters($0.column) })
            }
            guard let event else {
                done = true
                throw TabularError(.malformed, file: file, row: rowNumber, reason: "the worksheet XML ends early")
            }
            switch event {
            case .start(let name, let selfClosing):
                switch name {
                case .row:
                    let number: Int
                    if let r = tokenizer.attribute("r") {
                        guard let n = Int(r), n > lastRow else {
                            throw TabularError(.malformed, file: file, row: lastRow + 1, reason: "the worksheet's row numbers are out of order")
                        }
                        number = n
                    } else {
                        number = lastRow + 1
                    }
                    guard number <= options.maxRows else {
                        throw TabularError(.tooLarge, file: file, row: number, reason: "more than \(options.maxRows) rows")
                    }
                    lastRow = number
                    rowNumber = number
                    cells.removeAll(keepingCapacity: true)
                    nextColumn = 0
                    if selfClosing { rowNumber = nil }
                case .c:
                    guard let row = rowNumber else { continue }
                    var column = nextColumn
                    if let ref = tokenizer.attribute("r") {
                        guard let index = Self.column(of: ref, row: row) else {
                            throw TabularError(.malformed, file: file, row: row, reason: "a cell reference is invalid")
                        }
                        column = index
                    }
                    nextColumn = column + 1
                    let pending = PendingCell(column: column, type: tokenizer.attribute("t"),
                                              style: tokenizer.attribute("s").flatMap(Int.init))
                    if selfClosing {
                        if let done = try finish(pending, row: row) { cells.append((column, done)) }
                    } else {
                        cell = pending
                    }
                case .v:
                    if cell != nil, !selfClosing { capture = .value; tokenizer.captureText = true }
                case .is:
                    if cell != nil, !selfClosing { inInline = true }
                case .rPh:
                    if !selfClosing { phonetic += 1 }
                case .t:
                    if inInline, phonetic == 0, !selfClosing { capture = .inline; tokenizer.captureText = true }
                default:
                    break
                }
            case .end(let name):
                switch name {
                case .v, .t:
                    capture = .none
                    tokenizer.captureText = false
                case .rPh:
                    phonetic = max(phonetic - 1, 0)
                case .is:
                    inInline = false
                case .c:
                    if let pending = cell, let row = rowNumber, let done = try finish(pending, row: row) {
                        cells.append((pending.column, done))
                    }
                    cell = nil
                case .row:
                    if let row = rowNumber {
                        var dense: [Cell] = []
                        for (column, value) in cells {
                            if column >= dense.count { dense.append(contentsOf: repeatElement(Cell.empty, count: column - dense.count + 1)) }
                            dense[column] = value
                        }
                        return (row, dense)
                    }
                case .sheetData:
                    done = true
                    return nil
                default:
                    break
                }
            case .text(let bytes):
                switch capture {
                case .value: cell?.value.append(contentsOf: bytes); cell?.hasValue = true
                case .inline: cell?.inline.append(contentsOf: bytes); cell?.hasValue = true
                case .none: break
                }
                if let pending = cell, pending.value.count + pending.inline.count > options.maxFieldBytes, let row = rowNumber {
                    throw TabularError(.tooLarge, file: file, row: row, column: columnName(pending.column),
                                       reason: "a cell's text is longer than \(options.maxFieldBytes) bytes")
                }
            }
        }
    }

    private enum Capture { case none, value, inline }

    /// The 0-based column of a reference like `B7` in row 7, `nil` when it is not one.
    static func column(of reference: String, row: Int) -> Int? {
        var column = 0
        var letters = 0
        var number = 0
        var digits = 0
        for byte in reference.utf8 {
            if digits == 0, (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) {
                column = column * 26 + Int((byte & ~0x20) - 64)
                letters += 1
                if letters > 3 { return nil }
            } else if byte >= 48, byte <= 57, letters > 0 {
                number = number * 10 + Int(byte - 48)
                digits += 1
                if digits > 7 { return nil }
            } else {
                return nil
            }
        }
        guard letters > 0, digits > 0, number == row, column <= 16384 else { return nil }
        return column - 1
    }

    /// ASCII spaces trimmed (values of <v> are ASCII).
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last, first == 0x20 || last == 0x20 || first == 0x0A || last == 0x0A
        else { return text }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The cell's value, `nil` when it has none; a value beyond ``TabularOptions/maxColumns`` is refused (empty
    /// formatted cells out there are not).
    private func finish(_ pending: PendingCell, row: Int) throws(TabularError) -> Cell? {
        guard let cell = try value(of: pending, row: row) else { return nil }
        guard pending.column < options.maxColumns else {
            throw TabularError(.tooLarge, file: file, row: row, column: ColumnLetters.letters(pending.column),
                               reason: "more than \(options.maxColumns) columns")
        }
        return cell
    }

    private func value(of pending: PendingCell, row: Int) throws(TabularError) -> Cell? {
        func text(_ bytes: [UInt8]) throws(TabularError) -> String {
            guard let text = TextNormalization.string(utf8: bytes) else {
                throw TabularError(.malformed, file: file, row: row, column: columnName(pending.column),
                                   reason: "the cell's text is not valid UTF-8")
            }
            return text
        }
        switch pending.type {
        case "s":
            let raw = Self.trimmed(try text(pending.value))
            guard !raw.isEmpty else { return nil }
            guard let index = Int(raw), sharedStrings.indices.contains(index) else {
                throw TabularError(.malformed, file: file, row: row, column: columnName(pending.column),
                                   reason: "the cell refers to a shared string that does not exist")
            }
            let value = sharedStrings[index]
            return value.isEmpty ? nil : Cell(value, kind: .text)
        case "inlineStr":
            let value = OOXMLEscapes.decode(try text(pending.inline))
            return value.isEmpty ? nil : Cell(value, kind: .text)
        case "str", "d":
            let value = OOXMLEscapes.decode(try text(pending.value))
            return value.isEmpty ? nil : Cell(value, kind: .text)
        case "b":
            let value = Self.trimmed(try text(pending.value))
            return value.isEmpty ? nil : Cell(value, kind: .boolean)
        case "e":
            let value = try text(pending.value)
            return value.isEmpty ? nil : Cell(value, kind: .error)
        case nil, "n":
            let value = Self.trimmed(try text(pending.value))
            guard !value.isEmpty else { return nil }
            let isDate = pending.style.map { dateStyles.indices.contains($0) && dateStyles[$0] } ?? false
            return Cell(value, kind: isDate ? .dateSerial : .number)
        default:
            throw TabularError(.malformed, file: file, row: row, column: columnName(pending.column),
                               reason: "the cell has an unknown type")
        }
    }
}

/// The `_xHHHH_` escapes OOXML uses for characters XML cannot carry (e.g. `_x000D_` for a carriage return).
enum OOXMLEscapes {
    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
               let value = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 6)])), radix: 16),
               let scalar = Unicode.Scalar(value) {
                out.append(scalar)
                i += 7
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    /// Escapes the characters XML 1.0 cannot carry (controls other than TAB, LF and CR) as `_xHHHH_`, and a
    /// literal `_` that would read as such an escape as `_x005F_`, as Excel does.
    static func encode(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        func isEscape(at i: Int) -> Bool {
            guard i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_" else { return false }
            return scalars[(i + 2)..<(i + 6)].allSatisfy { $0.properties.isASCIIHexDigit }
        }
        var needs = false
        for (i, scalar) in scalars.enumerated()
        where (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || (scalar == "_" && isEscape(at: i)) {
            needs = true
            break
        }
        guard needs else { return text }
        var out = ""
        for (i, scalar) in scalars.enumerated() {
            if scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" {
                out += "_x" + hex4(scalar.value) + "_"
            } else if scalar == "_", isEscape(at: i) {
                out += "_x005F_"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
