public import Foundation
public import LienthongCore
import ZIPFoundation

/// Streams rows into a new single-sheet XLSX workbook that Excel, LibreOffice and openpyxl open.
///
/// The header row is bold and frozen; text cells carry the Text number format, so identifiers keep their leading
/// zeros even when an officer edits them; strings are written inline (no shared-strings table to hold). Rows go to
/// a temporary sheet file as they come, and ``finish()`` deflates it into the archive next to the destination and
/// renames it into place: neither the rows nor the sheet are ever held in memory whole, and the destination never
/// holds a half-written workbook.
///
/// ```swift
/// let writer = try XLSXWriter(url: url, sheetName: "Danh sách", headers: ["Số định danh", "Họ và tên", "Ngày sinh"])
/// try writer.append([.text("075090000001"), .text("Nguyễn Văn An"), .date(dob)])
/// try writer.finish()
/// ```
public final class XLSXWriter {
    /// A value to write.
    public enum Value: Sendable, Hashable, ExpressibleByStringLiteral {
        /// Text, kept exactly (Text format, so `"075090000001"` keeps its zero).
        case text(String)
        /// A number, as decimal text (`"12"`, `"-3.5"`, `"1.2E3"`); refused if it is not one.
        case number(String)
        /// A date, written as an Excel serial in the `dd/mm/yyyy` format.
        case date(CalendarDate)
        /// No value.
        case empty

        /// An integer number.
        public static func integer(_ value: Int) -> Value { .number(String(value)) }

        /// Text.
        public init(stringLiteral value: String) { self = .text(value) }
    }

    /// Excel's limits.
    public static let maxRows = 1_048_576
    /// Excel's limits.
    public static let maxColumns = 16_384

    /// The destination.
    public let url: URL
    /// The sheet's name.
    public let sheetName: String
    private let columns: Int
    private var sheet: OutputFile?
    private var rowsWritten = 0
    private var finished = false

    /// Creates the writer and writes the header row.
    ///
    /// - Parameters:
    ///   - url: the destination (replaced by ``finish()``).
    ///   - sheetName: 1–31 characters, none of `[ ] : * ? / \`; Vietnamese is fine.
    ///   - headers: the header row (bold, frozen).
    public init(url: URL, sheetName: String = "Sheet1", headers: [String]) throws(TabularError) {
        let file = url.lastPathComponent
        let name = TextNormalization.nfc(sheetName)
        guard !name.isEmpty, name.count <= 31, !name.contains(where: { "[]:*?/\\".contains($0) }),
              !name.hasPrefix("'"), !name.hasSuffix("'") else {
            throw TabularError(.malformed, file: file,
                               reason: "a sheet name has 1 to 31 characters and none of [ ] : * ? / \\")
        }
        guard !headers.isEmpty, headers.count <= Self.maxColumns else {
            throw TabularError(.tooLarge, file: file, reason: "a sheet has 1 to \(Self.maxColumns) columns")
        }
        self.url = url
        self.sheetName = name
        self.columns = headers.count
        guard let sheet = OutputFile(path: OutputFile.temporary(suffix: "sheet.xml")) else {
            throw TabularError(.unreadable, file: file, reason: "a temporary file cannot be created")
        }
        self.sheet = sheet
        var head = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        head += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        head += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>"#
        head += #"<sheetFormatPr defaultRowHeight="15"/><cols>"#
        for (index, header) in headers.enumerated() {
            let width = min(max(header.count + 4, 12), 60)
            head += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"/>"#
        }
        head += "</cols><sheetData>"
        guard sheet.write(head) else { throw writeError() }
        try appendRow(headers.map(Value.text), style: Style.header)
    }

    deinit { abandon() }

    private enum Style {
        static let header = 1
        static let text = 2
        static let date = 3
    }

    private func writeError() -> TabularError {
        TabularError(.unreadable, file: url.lastPathComponent, reason: "the file cannot be written")
    }

    /// Appends a row; it may have fewer values than headers, not more.
    public func append(_ values: [Value]) throws(TabularError) {
        try appendRow(values, style: Style.text)
    }

    private func appendRow(_ values: [Value], style textStyle: Int) throws(TabularError) {
        guard let sheet, !finished else {
            throw TabularError(.malformed, file: url.lastPathComponent, reason: "the writer is already finished")
        }
        let row = rowsWritten + 1
        guard row <= Self.maxRows else {
            throw TabularError(.tooLarge, file: url.lastPathComponent, row: row, reason: "more than \(Self.maxRows) rows")
        }
        guard values.count <= columns else {
            throw TabularError(.malformed, file: url.lastPathComponent, row: row,
                               reason: "the row has more values than the header has columns")
        }
        var xml = #"<row r="\#(row)">"#
        for (index, value) in values.enumerated() {
            let ref = ColumnLetters.letters(index) + String(row)
            switch value {
            case .empty:
                continue
            case .text(let text):
                let content = XMLEscape.text(OOXMLEscapes.encode(TextNormalization.nfc(text)))
                if content.isEmpty { continue }
                let preserve = content.first?.isWhitespace == true || content.last?.isWhitespace == true
                xml += #"<c r="\#(ref)" s="\#(textStyle)" t="inlineStr"><is><t\#(preserve ? #" xml:space="preserve""# : "")>"#
                xml += content
                xml += "</t></is></c>"
            case .number(let text):
                guard Self.isDecimal(text) else {
                    throw TabularError(.malformed, file: url.lastPathComponent, row: row,
                                       column: ColumnLetters.letters(index), reason: "a number value is not a decimal number")
                }
                xml += #"<c r="\#(ref)"><v>\#(text)</v></c>"#
            case .date(let date):
                guard let serial = ExcelDate.serial(for: date) else {
                    throw TabularError(.malformed, file: url.lastPathComponent, row: row,
                                       column: ColumnLetters.letters(index), reason: "a date before 1900 cannot be an Excel date")
                }
                xml += #"<c r="\#(ref)" s="\#(Style.date)"><v>\#(serial)</v></c>"#
            }
        }
        xml += "</row>"
        guard sheet.write(xml) else { throw writeError() }
        rowsWritten = row
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`
    static func isDecimal(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits(_ slice: inout ArraySlice<UInt8>) -> Int {
            let count = slice.prefix { $0 >= 48 && $0 <= 57 }.count
            slice = slice.dropFirst(count)
            return count
        }
        guard digits(&bytes) > 0 else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits(&bytes) > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits(&bytes) > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// Rows written so far, the header included.
    public var rowCount: Int { rowsWritten }

    /// Completes the workbook and moves it into place.
    public func finish() throws(TabularError) {
        guard let sheet, !finished else { return }
        finished = true
        self.sheet = nil
        defer { unlink(sheet.path) }
        let lastRef = ColumnLetters.letters(columns - 1) + "1"
        guard sheet.write(#"</sheetData><autoFilter ref="A1:\#(lastRef)"/>"#
            + #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#),
            sheet.close() else { throw writeError() }
        let partial = OutputFile.sibling(of: url, suffix: "partial")
        do {
            let archive = try Archive(url: URL(fileURLWithPath: partial), accessMode: .create)
            for (path, text) in metadataParts() {
                let data = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
                }
            }
            guard let handle = FileHandle(forReadingAtPath: sheet.path) else { throw writeError() }
            defer { try? handle.close() }
            let size = Int64(sheet.bytesWritten)
            try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: size,
                                 compressionMethod: .deflate, bufferSize: 64 * 1024) { position, chunk in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: chunk) ?? Data()
            }
        } catch {
            unlink(partial)
            throw writeError()
        }
        guard rename(partial, url.path) == 0 else {
            unlink(partial)
            throw writeError()
        }
    }

    /// Drops the temporary sheet (also done when the writer is released unfinished).
    public func abandon() {
        guard let sheet else { return }
        _ = sheet.close()
        unlink(sheet.path)
        self.sheet = nil
        finished = true
    }

    private func metadataParts() -> [(String, String)] {
        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let pkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
        let contentTypes = header
            + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + #"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
            + "</Types>"
        let rootRels = header + #"<Relationships xmlns="\#(pkgRel)">"#
            + #"<Relationship Id="rId1" Type="\#(relNS)/officeDocument" Target="xl/workbook.xml"/>"#
            + "</Relationships>"
        let workbook = header + #"<workbook xmlns="\#(main)" xmlns:r="\#(relNS)">"#
            + #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
            + #"<sheet name="\#(XMLEscape.text(sheetName))" sheetId="1" r:id="rId1"/></sheets>"#
            + #"<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">"#
            + "'\(XMLEscape.text(sheetName.replacingOccurrences(of: "'", with: "''")))'!$A$1:$\(ColumnLetters.letters(columns - 1))$1"
            + "</definedName></definedNames></workbook>"
        let workbookRels = header + #"<Relationships xmlns="\#(pkgRel)">"#
            + #"<Relationship Id="rId1" Type="\#(relNS)/worksheet" Target="worksheets/sheet1.xml"/>"#
            + #"<Relationship Id="rId2" Type="\#(relNS)/styles" Target="styles.xml"/>"#
            + "</Relationships>"
        let styles = header + #"<styleSheet xmlns="\#(main)">"#
            + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>"#
            + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
            + #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
            + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
            + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
            + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
            + #"<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
            + #"<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#
            + #"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
            + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"#
            + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
            + "</styleSheet>"
        return [("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRels), ("xl/workbook.xml", workbook),
                ("xl/_rels/workbook.xml.rels", workbookRels), ("xl/styles.xml", styles)]
    }
}
