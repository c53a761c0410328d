import Foundation
import LienthongCore
import LienthongTabular
import XCTest
import ZIPFoundation

final class XLSXReaderTests: XCTestCase {
    static let styles = #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="2"><numFmt numFmtId="164" formatCode="[$-42A]dd/mm/yyyy;@"/><numFmt numFmtId="165" formatCode="&quot;Ngày&quot;\ 0.00"/></numFmts>"#
        + #"<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="49"/><xf numFmtId="3"/></cellXfs>"#
        + "</styleSheet>"

    func testCellKindsSharedStringsStylesAndMissingCells() throws {
        let dir = try TempDir()
        let nfd = "Nguyễn Thị Hoà".decomposedStringWithCanonicalMapping
        let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">"#
            + "<si><t>Số định danh</t></si>"
            + "<si><t>Họ và tên</t></si>"
            + #"<si><r><rPr><b/></rPr><t>Ngày </t></r><r><t xml:space="preserve">sinh</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>"#
            + "<si><t>\(nfd)</t></si>"
            + "<si><t>075090000001</t></si>"
            + "<si><t>A &amp; B &lt;c&gt; &#273;&#x1EA1;i_x000D_</t></si>"
            + "</sst>"
        let rows: [String] = [
            #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr"><is><t>Đã nhận</t></is></c><c r="E1" t="str"><v>Số tiền</v></c><c r="F1" t="inlineStr"><is><t>Ghi chú</t></is></c></row>"#,
            #"<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" s="1"><v>32874</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" s="5"><v>1500000</v></c><c r="F2" t="s"><v>5</v></c></row>"#,
            #"<row r="4" spans="1:6"><c r="A4"><v>75090000001</v></c><c r="C4" s="2"><v>45292.5</v></c><c r="E4" s="3"><f>1+1</f><v>2.5</v></c><c r="F4" t="e"><v>#N/A</v></c></row>"#,
            #"<row r="5"><c r="A5" s="4"/><c r="B5" t="inlineStr"><is><t></t></is></c></row>"#,
            #"<row r="6"><c r="B6" t="inlineStr"><is><r><t>Lê </t></r><r><t>Văn C</t></r></is></c></row>"#,
            #"<row><c t="inlineStr"><is><t>no refs</t></is></c><c><v>7</v></c></row>"#,
        ]
        let sheet = Workbook.sheet(rows.joined())
        let url = try dir.zip("ds.xlsx", parts: Workbook.parts(sheet: sheet, sharedStrings: shared, styles: Self.styles))
        let result = try readAll(url)
        XCTAssertEqual(result.headers, ["Số định danh", "Họ và tên", "Ngày sinh", "Đã nhận", "Số tiền", "Ghi chú"])
        XCTAssertEqual(result.headerRow, 1)
        XCTAssertEqual(result.rows.map { $0.number }, [2, 4, 6, 7], "row 5 has only empty cells; rows without r follow the last")
        let r2 = result.rows[0]
        XCTAssertEqual(r2[0], Cell("075090000001", kind: .text))
        XCTAssertEqual(Array(r2[1].text.utf8), Array("Nguyễn Thị Hoà".precomposedStringWithCanonicalMapping.utf8), "NFD → NFC")
        XCTAssertEqual(r2[2], Cell("32874", kind: .dateSerial))
        XCTAssertEqual(TabularDate.parse(r2[2]), .day(try CalendarDate(year: 1990, month: 1, day: 1)))
        XCTAssertEqual(r2[3], Cell("1", kind: .boolean))
        XCTAssertEqual(r2[4], Cell("1500000", kind: .number))
        XCTAssertEqual(r2[5].text, "A & B <c> đại\r")
        let r4 = result.rows[1]
        XCTAssertEqual(r4[0], Cell("75090000001", kind: .number), "the exact digits of a number cell")
        XCTAssertEqual(r4[1], Cell.empty)
        XCTAssertEqual(r4[2], Cell("45292.5", kind: .dateSerial), "custom [$-42A]dd/mm/yyyy format is a date")
        XCTAssertEqual(r4[3], Cell.empty)
        XCTAssertEqual(r4[4], Cell("2.5", kind: .number), "a quoted \"Ngày\" in a format is not a date; a formula's cached value")
        XCTAssertEqual(r4[5], Cell("#N/A", kind: .error))
        XCTAssertEqual(result.rows[2][1].text, "Lê Văn C")
        XCTAssertEqual(result.rows[3][0].text, "no refs")
        XCTAssertEqual(result.rows[3][1], Cell("7", kind: .number))
    }

    func testFirstSheetIsFoundThroughWorkbookRelationshipsAndPrefixesAreIgnored() throws {
        let dir = try TempDir()
        let sheet = #"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>"#
            + #"<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Mã</x:t></x:is></x:c></x:row>"#
            + #"<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t><![CDATA[<ok & fine>]]></x:t></x:is></x:c></x:row>"#
            + "<!-- comment <row> --></x:sheetData></x:worksheet>"
        let url = try dir.zip("prefixed.xlsx", parts: Workbook.parts(sheet: sheet, sheetPath: "xl/worksheets/data/danhsach.xml"))
        let result = try readAll(url)
        XCTAssertEqual(result.headers, ["Mã"])
        XCTAssertEqual(result.rows.map { $0[0].text }, ["<ok & fine>"])
    }

    func testDate1904Workbook() throws {
        let dir = try TempDir()
        let sheet = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>Ngày sinh</t></is></c></row><row r="2"><c r="A2" s="1"><v>43830</v></c></row>"#)
        let url = try dir.zip("mac.xlsx", parts: Workbook.parts(sheet: sheet, styles: Self.styles, date1904: true))
        let result = try readAll(url)
        XCTAssertEqual(result.dateSystem, .system1904)
        XCTAssertEqual(TabularDate.parse(result.rows[0][0], system: result.dateSystem), .day(try CalendarDate(year: 2024, month: 1, day: 1)))
    }

    func testDoctypeAndEntitiesAreRefused() throws {
        let dir = try TempDir()
        let xxe = #"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>"#
        let error = tabularError { _ = try readAll(try dir.zip("xxe.xlsx", parts: Workbook.parts(sheet: xxe))) }
        XCTAssertEqual(error?.code, .malformed)
        XCTAssertTrue(error?.reason.contains("DOCTYPE") == true)
        let laughs = Workbook.sheet(#"<row r="1"><c t="inlineStr"><is><t>&lol9;</t></is></c></row>"#)
        XCTAssertEqual(tabularError { _ = try readAll(try dir.zip("lol.xlsx", parts: Workbook.parts(sheet: laughs))) }?.code, .malformed)
        let sharedDTD = #"<!DOCTYPE sst [<!ENTITY a "aaaa">]><sst><si><t>&a;</t></si></sst>"#
        let sheet = Workbook.sheet(#"<row r="1"><c t="s"><v>0</v></c></row>"#)
        XCTAssertEqual(tabularError { _ = try readAll(try dir.zip("sst.xlsx", parts: Workbook.parts(sheet: sheet, sharedStrings: sharedDTD))) }?.code, .malformed)
    }

    func testBrokenSheetXMLNamesTheRow() throws {
        let dir = try TempDir()
        let badRef = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c></row><row r="2"><c r="A3"><v>1</v></c></row>"#)
        let refError = tabularError { _ = try readAll(try dir.zip("ref.xlsx", parts: Workbook.parts(sheet: badRef))) }
        XCTAssertEqual(refError?.code, .malformed)
        XCTAssertEqual(refError?.row, 2)
        let order = Workbook.sheet(#"<row r="3"><c r="A3" t="inlineStr"><is><t>A</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>"#)
        XCTAssertEqual(tabularError { _ = try readAll(try dir.zip("order.xlsx", parts: Workbook.parts(sheet: order))) }?.code, .malformed)
        let cut = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c></row><row r="2"><c r="A2"><v>1"#).replacingOccurrences(of: "</sheetData></worksheet>", with: "")
        let cutError = tabularError { _ = try readAll(try dir.zip("cut.xlsx", parts: Workbook.parts(sheet: cut))) }
        XCTAssertEqual(cutError?.code, .malformed)
        XCTAssertEqual(cutError?.row, 2)
        let badShared = Workbook.sheet(#"<row r="1"><c r="A1" t="s"><v>5</v></c></row>"#)
        XCTAssertEqual(tabularError { _ = try readAll(try dir.zip("sst.xlsx", parts: Workbook.parts(sheet: badShared, sharedStrings: "<sst/>"))) }?.code, .malformed)
        let extra = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="D2"><v>2</v></c></row>"#)
        let extraError = tabularError { _ = try readAll(try dir.zip("extra.xlsx", parts: Workbook.parts(sheet: extra))) }
        XCTAssertEqual(extraError?.code, .malformed)
        XCTAssertEqual(extraError?.row, 2)
        XCTAssertEqual(extraError?.column, "D")
    }

    func testColumnLimitCountsValuesNotFormattedEmptyCells() throws {
        let dir = try TempDir()
        let formatted = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c><c r="XFD1" s="1"/></row><row r="2"><c r="A2"><v>1</v></c><c r="XFD2" s="1"/></row>"#)
        XCTAssertEqual(try readAll(try dir.zip("formatted.xlsx", parts: Workbook.parts(sheet: formatted))).rows.count, 1)
        let wide = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c><c r="TA1"><v>1</v></c></row>"#)
        let error = tabularError { _ = try readAll(try dir.zip("wide.xlsx", parts: Workbook.parts(sheet: wide))) }
        XCTAssertEqual(error?.code, .tooLarge)
        XCTAssertEqual(error?.row, 1)
        XCTAssertEqual(error?.column, "TA")
    }

    func testMissingColumnInXLSX() throws {
        let dir = try TempDir()
        let url = dir.file("thieu.xlsx")
        let writer = try XLSXWriter(url: url, headers: ["Họ và tên", "Số định danh"])
        try writer.append(["Nguyễn Văn An", "075090000001"])
        try writer.finish()
        let reader = try TabularReader(url: url)
        let error = tabularError { _ = try ColumnMap(headers: reader.headers, specs: CSVReaderTests.specs, file: reader.file, headerRow: reader.headerRow) }
        XCTAssertEqual(error?.code, .missingColumn)
        XCTAssertEqual(error?.description, "thieu.xlsx, row 1, column Ngày sinh: required column is missing")
    }

    // MARK: - Damaged archives and bombs

    func testDamagedXLSXIsRefused() throws {
        let dir = try TempDir()
        let good = dir.file("good.xlsx")
        let writer = try XLSXWriter(url: good, headers: ["Số định danh", "Họ và tên"])
        var generator = SystemRandomNumberGenerator()
        for i in 0..<3000 { try writer.append([.text(String(format: "%012d", i)), .text("Tên \(UInt64.random(in: 0...UInt64.max, using: &generator))")]) }
        try writer.finish()
        let bytes = try [UInt8](Data(contentsOf: good))
        XCTAssertEqual(try readAll(good).rows.count, 3000)

        // Truncated.
        let truncated = try dir.write("truncated.xlsx", bytes: Array(bytes.prefix(bytes.count / 2)))
        XCTAssertEqual(tabularError { _ = try readAll(truncated) }?.code, .unreadable)
        // Garbage with an .xlsx name.
        let garbage = try dir.write("garbage.xlsx", bytes: (0..<5000).map { _ in UInt8.random(in: 0...255) })
        XCTAssertEqual(tabularError { _ = try readAll(garbage) }?.code, .unreadable)
        // A ZIP signature, then garbage.
        let fakeZip = try dir.write("fake.xlsx", bytes: [0x50, 0x4B, 0x03, 0x04] + (0..<5000).map { _ in UInt8.random(in: 0...255) })
        XCTAssertEqual(tabularError { _ = try readAll(fakeZip) }?.code, .unreadable)
        // The sheet's compressed bytes damaged in the middle.
        let offset = try XCTUnwrap(Self.dataOffset(of: "xl/worksheets/sheet1.xml", in: bytes))
        var damaged = bytes
        for i in (offset + 2000)..<(offset + 2100) { damaged[i] ^= 0x5A }
        let damagedURL = try dir.write("damaged.xlsx", bytes: damaged)
        let damagedError = tabularError { _ = try readAll(damagedURL) }
        XCTAssertEqual(damagedError?.code, .malformed)
        XCTAssertTrue(damagedError?.reason.contains("xl/worksheets/sheet1.xml") == true, damagedError?.reason ?? "")
        // A ZIP that is not a workbook.
        let notWorkbook = try dir.zip("other.xlsx", parts: [("word/document.xml", "<w:document/>")])
        XCTAssertEqual(tabularError { _ = try readAll(notWorkbook) }?.code, .unreadable)
        // A workbook whose sheet is not XML.
        let notXML = try dir.zip("notxml.xlsx", parts: Workbook.parts(sheet: "\u{0}\u{1}binary"))
        XCTAssertNotNil(tabularError { _ = try readAll(notXML) })
    }

    func testZipBombIsRefusedBySizeBeforeInflating() throws {
        let dir = try TempDir()
        let url = try Self.zipBomb(in: dir, name: "bomb.xlsx", size: 300 * 1024 * 1024)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        XCTAssertLessThan((attributes[.size] as? Int) ?? .max, 2 * 1024 * 1024, "the bomb is small on disk")
        let error = tabularError { _ = try readAll(url) }
        XCTAssertEqual(error?.code, .tooLarge)
        // Under the size limits, the ratio still refuses it.
        var options = TabularOptions()
        options.maxEntryUncompressedBytes = 1 << 40
        options.maxTotalUncompressedBytes = 1 << 40
        let ratioError = tabularError { _ = try readAll(url, options: options) }
        XCTAssertEqual(ratioError?.code, .tooLarge)
        XCTAssertTrue(ratioError?.reason.contains("200:1") == true, ratioError?.reason ?? "")
    }

    func testZipBombWithLyingHeadersIsStoppedWhileInflating() throws {
        let dir = try TempDir()
        let honest = try Self.zipBomb(in: dir, name: "honest.xlsx", size: 300 * 1024 * 1024)
        var bytes = try [UInt8](Data(contentsOf: honest))
        // Both the local header and the central directory claim 4 KiB uncompressed.
        XCTAssertEqual(Self.patchUncompressedSize(of: "xl/worksheets/sheet1.xml", in: &bytes, to: 4096), 2)
        let lying = try dir.write("lying.xlsx", bytes: bytes)
        let error = tabularError { _ = try readAll(lying) }
        XCTAssertEqual(error?.code, .tooLarge)
        XCTAssertTrue(error?.reason.contains("beyond the size it declares") == true, error?.reason ?? "")
        // A lie that stays under the size limits but not under the ratio limit is refused before inflating.
        var bytes2 = try [UInt8](Data(contentsOf: honest))
        XCTAssertEqual(Self.patchUncompressedSize(of: "xl/worksheets/sheet1.xml", in: &bytes2, to: 100 * 1024 * 1024), 2)
        let lying2 = try dir.write("lying2.xlsx", bytes: bytes2)
        let ratioError = tabularError { _ = try readAll(lying2) }
        XCTAssertEqual(ratioError?.code, .tooLarge)
        XCTAssertTrue(ratioError?.reason.contains("200:1") == true, ratioError?.reason ?? "")
        if let memory = memoryFigures() { print("after lying bombs: peak RSS \(memory.peak) MiB, current \(memory.current) MiB") }
    }

    // MARK: - Helpers

    /// A workbook whose sheet is `size` zero bytes, deflated.
    static func zipBomb(in dir: TempDir, name: String, size: Int64) throws -> URL {
        let url = dir.file(name)
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in Workbook.parts(sheet: "").dropLast() {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, chunk in
                data.subdata(in: Int(position)..<min(Int(position) + chunk, data.count))
            }
        }
        let zeros = Data(count: 1 << 20)
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: size, compressionMethod: .deflate,
                             bufferSize: 1 << 20) { position, chunk in
            zeros.prefix(min(chunk, Int(size - position)))
        }
        return url
    }

    static func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> Int { u16(b, i) | u16(b, i + 2) << 16 }

    /// Offset of an entry's data, from its local header.
    static func dataOffset(of path: String, in bytes: [UInt8]) -> Int? {
        let name = Array(path.utf8)
        var i = 0
        while i + 30 < bytes.count {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 3, bytes[i + 3] == 4 {
                let nameLength = u16(bytes, i + 26)
                let extraLength = u16(bytes, i + 28)
                if i + 30 + nameLength <= bytes.count, Array(bytes[(i + 30)..<(i + 30 + nameLength)]) == name {
                    return i + 30 + nameLength + extraLength
                }
            }
            i += 1
        }
        return nil
    }

    /// Rewrites the uncompressed size in the local header and the central directory; returns how many were patched.
    static func patchUncompressedSize(of path: String, in bytes: inout [UInt8], to size: UInt32) -> Int {
        let name = Array(path.utf8)
        var patched = 0
        func put(_ at: Int) {
            for k in 0..<4 { bytes[at + k] = UInt8((size >> (8 * UInt32(k))) & 0xFF) }
            patched += 1
        }
        var i = 0
        while i + 46 < bytes.count {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B {
                if bytes[i + 2] == 3, bytes[i + 3] == 4 {
                    let n = u16(bytes, i + 26)
                    if i + 30 + n <= bytes.count, Array(bytes[(i + 30)..<(i + 30 + n)]) == name { put(i + 22) }
                } else if bytes[i + 2] == 1, bytes[i + 3] == 2 {
                    let n = u16(bytes, i + 28)
                    if i + 46 + n <= bytes.count, Array(bytes[(i + 46)..<(i + 46 + n)]) == name { put(i + 24) }
                }
            }
            i += 1
        }
        return patched
    }
}
