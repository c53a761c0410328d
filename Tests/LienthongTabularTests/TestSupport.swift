import Foundation
import LienthongTabular
import XCTest
import ZIPFoundation

/// A temporary directory removed at the end of the test.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tabular-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    /// A ZIP archive of the given parts (deflated).
    @discardableResult
    func zip(_ name: String, parts: [(String, String)]) throws -> URL {
        let target = file(name)
        let archive = try Archive(url: target, accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
            }
        }
        return target
    }
}

/// Everything a reader yields: headers and rows.
struct ReadResult {
    var headers: [String]
    var headerRow: Int
    var rows: [TabularRow]
    var dateSystem: ExcelDate.System
}

func readAll(_ url: URL, options: TabularOptions = TabularOptions()) throws -> ReadResult {
    let reader = try TabularReader(url: url, options: options)
    defer { reader.close() }
    var rows: [TabularRow] = []
    while let row = try reader.next() { rows.append(row) }
    return ReadResult(headers: reader.headers, headerRow: reader.headerRow, rows: rows, dateSystem: reader.dateSystem)
}

/// The error thrown by `body`, failing the test when none is.
func tabularError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> TabularError? {
    do {
        try body()
        XCTFail("expected a TabularError", file: file, line: line)
        return nil
    } catch let error as TabularError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return nil
    }
}

/// Minimal SpreadsheetML parts around a sheet.
enum Workbook {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func parts(sheet: String, sharedStrings: String? = nil, styles: String? = nil, date1904: Bool = false,
                      sheetPath: String = "xl/worksheets/sheet1.xml") -> [(String, String)] {
        let target = sheetPath.hasPrefix("xl/") ? String(sheetPath.dropFirst(3)) : "/" + sheetPath
        var parts: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="\#(main)" xmlns:r="\#(rel)">"#
                + (date1904 ? #"<workbookPr date1904="1"/>"# : "")
                + #"<sheets><sheet name="Danh sách" sheetId="7" r:id="rId3"/><sheet name="Other" sheetId="8" r:id="rId4"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                + #"<Relationship Id="rId4" Type="\#(rel)/worksheet" Target="worksheets/other.xml"/>"#
                + #"<Relationship Id="rId3" Type="\#(rel)/worksheet" Target="\#(target)"/>"#
                + #"<Relationship Id="rId9" Type="\#(rel)/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#),
            ("xl/worksheets/other.xml", #"<worksheet xmlns="\#(main)"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>"#),
            (sheetPath, sheet),
        ]
        if let sharedStrings { parts.append(("xl/sharedStrings.xml", sharedStrings)) }
        if let styles { parts.append(("xl/styles.xml", styles)) }
        return parts
    }

    static func sheet(_ rows: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="\#(main)"><sheetData>\#(rows)</sheetData></worksheet>"#
    }
}

/// Peak and current resident memory of this process, in MiB (Linux), for logging only.
func memoryFigures() -> (peak: Int, current: Int)? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    func value(_ key: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 / 1024 }
    }
    guard let peak = value("VmHWM:"), let current = value("VmRSS:") else { return nil }
    return (peak, current)
}
