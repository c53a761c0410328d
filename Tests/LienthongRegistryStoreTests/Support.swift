import Foundation
import GRDB
import LienthongCore
import LienthongRegistry
import LienthongRegistryStore
import LienthongTabular
import XCTest

/// A temporary directory removed at the end of the test.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("registry-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, text: String) throws -> URL {
        let target = file(name)
        try Data(text.utf8).write(to: target)
        return target
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }
}

/// Synthetic people (numbers made with PersonalID.make; never real).
enum Synthetic {
    static func id(_ province: String = "075", year: Int, sex: Sex, serial: Int) -> PersonalID {
        PersonalID.make(provinceCode: province, birthYear: year, sex: sex, serial: serial)
    }

    static let referenceDate: CalendarDate = {
        guard let date = try? CalendarDate(year: 2026, month: 5, day: 1) else { preconditionFailure("date") }
        return date
    }()

    static func csv(_ lines: [[String]]) -> String {
        lines.map { $0.map { field in
            field.contains(",") || field.contains("\"") ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}

/// A ZIP archive with stored (uncompressed) entries, for hand-made workbooks.
enum StoredZip {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func make(_ parts: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32, _ into: inout [UInt8]) { for s in [0, 8, 16, 24] { into.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
        for (path, text) in parts {
            let name = Array(path.utf8), data = Array(text.utf8), crc = crc32(data), offset = UInt32(out.count)
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(0, &out); le16(0, &out); le16(0, &out)
            le32(crc, &out); le32(UInt32(data.count), &out); le32(UInt32(data.count), &out)
            le16(name.count, &out); le16(0, &out); out += name; out += data
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0, &central); le32(crc, &central); le32(UInt32(data.count), &central)
            le32(UInt32(data.count), &central); le16(name.count, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0, &central); le32(0, &central); le32(offset, &central); central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(parts.count, &out); le16(parts.count, &out)
        le32(UInt32(central.count), &out); le32(centralOffset, &out); le16(0, &out)
        return out
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A minimal workbook around `rows` (sheet XML rows).
    static func workbook(rows: String) -> [UInt8] {
        make([
            ("[Content_Types].xml", #"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="\#(main)" xmlns:r="\#(rel)"><sheets><sheet name="DS" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rel)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="\#(main)"><sheetData>\#(rows)</sheetData></worksheet>"#),
        ])
    }

    static func inline(_ ref: String, _ text: String) -> String {
        #"<c r="\#(ref)" t="inlineStr"><is><t>\#(text)</t></is></c>"#
    }
}

/// The number of stored rows and batches, read directly from the file.
func storedCounts(_ path: String) throws -> (batches: Int, rows: Int) {
    let queue = try DatabaseQueue(path: path)
    return try queue.read { db in
        (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM registry_batch") ?? -1,
         try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM registry_row") ?? -1)
    }
}

/// The ImportError thrown by `body`, failing the test when none is.
func importError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ImportError? {
    do {
        try body()
        XCTFail("expected an ImportError", file: file, line: line)
        return nil
    } catch let error as ImportError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return nil
    }
}

/// The RegistryStoreError thrown by `body`.
func storeError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> RegistryStoreError? {
    do {
        try body()
        XCTFail("expected a RegistryStoreError", file: file, line: line)
        return nil
    } catch let error as RegistryStoreError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return nil
    }
}

/// Peak and current resident memory of this process in MiB (Linux).
func memoryFigures() -> (peak: Int, current: Int)? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    func value(_ key: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 / 1024 }
    }
    guard let peak = value("VmHWM:"), let current = value("VmRSS:") else { return nil }
    return (peak, current)
}
