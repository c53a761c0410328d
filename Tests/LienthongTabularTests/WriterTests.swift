import Foundation
import LienthongCore
import LienthongTabular
import XCTest
import ZIPFoundation

final class WriterTests: XCTestCase {
    static let headers = ["Số định danh", "Họ và tên", "Ngày sinh", "Số tiền", "Ghi chú"]

    private func writeSample(to url: URL, sheetName: String = "Danh sách chi trả") throws {
        let writer = try XLSXWriter(url: url, sheetName: sheetName, headers: Self.headers)
        try writer.append([.text("075090000001"), .text("Nguyễn Văn An"), .date(try CalendarDate(year: 1990, month: 2, day: 1)),
                           .integer(1_500_000), .text("12 Lê Lợi, \"Phường 1\"\ndòng hai & <ba>")])
        try writer.append([.text("001234567890"), .text("Trần Thị Bình".decomposedStringWithCanonicalMapping), .text("1950"),
                           .number("-2.5E3"), .text("  khoảng trắng  ")])
        try writer.append([])
        try writer.append([.text("000000000009"), "Lê C", .empty, .empty, .text("tab\there, cr\r_x0041_ ctl\u{1}")])
        try writer.finish()
    }

    func testXLSXRoundTripKeepsTextZerosDatesAndNumbers() throws {
        let dir = try TempDir()
        let url = dir.file("chi-tra.xlsx")
        try writeSample(to: url)
        let result = try readAll(url)
        XCTAssertEqual(result.headers, Self.headers)
        XCTAssertEqual(result.rows.map(\.number), [2, 3, 5], "the empty row 4 is skipped but counted")
        let first = result.rows[0]
        XCTAssertEqual(first[0], Cell("075090000001", kind: .text))
        XCTAssertEqual(first[1].text, "Nguyễn Văn An")
        XCTAssertEqual(first[2].kind, .dateSerial)
        XCTAssertEqual(TabularDate.parse(first[2]), .day(try CalendarDate(year: 1990, month: 2, day: 1)))
        XCTAssertEqual(first[3], Cell("1500000", kind: .number))
        XCTAssertEqual(first[4].text, "12 Lê Lợi, \"Phường 1\"\ndòng hai & <ba>")
        let second = result.rows[1]
        XCTAssertEqual(Array(second[1].text.utf8), Array("Trần Thị Bình".precomposedStringWithCanonicalMapping.utf8))
        XCTAssertEqual(TabularDate.parse(second[2]), .year(1950))
        XCTAssertEqual(second[3], Cell("-2.5E3", kind: .number))
        XCTAssertEqual(second[4].text, "  khoảng trắng  ")
        XCTAssertEqual(result.rows[2][4].text, "tab\there, cr\r_x0041_ ctl\u{1}")
        XCTAssertEqual(result.rows[2][2], Cell.empty)

        let archive = try Archive(url: url, accessMode: .read)
        XCTAssertEqual(Set(archive.map(\.path)), ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                                  "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent(".chi-tra.xlsx").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("partial") }
        XCTAssertEqual(leftovers, [])
    }

    func testWriterRefusesBadInput() throws {
        let dir = try TempDir()
        XCTAssertEqual(tabularError { _ = try XLSXWriter(url: dir.file("a.xlsx"), sheetName: "a/b", headers: ["A"]) }?.code, .malformed)
        XCTAssertEqual(tabularError { _ = try XLSXWriter(url: dir.file("a.xlsx"), sheetName: String(repeating: "x", count: 32), headers: ["A"]) }?.code, .malformed)
        let writer = try XLSXWriter(url: dir.file("a.xlsx"), headers: ["A"])
        XCTAssertEqual(tabularError { try writer.append([.number("12a")]) }?.code, .malformed)
        XCTAssertEqual(tabularError { try writer.append(["x", "y"]) }?.code, .malformed)
        writer.abandon()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("a.xlsx").path), "nothing half-written")
    }

    func testCSVWriterWritesBOMCRLFAndQuotesAndReadsBack() throws {
        let dir = try TempDir()
        let url = dir.file("ds.csv")
        let writer = try CSVWriter(url: url, headers: Self.headers)
        try writer.append(["075090000001", "Nguyễn Văn An", "01/02/1990", "1500000", "a, \"b\"\r\nc"])
        try writer.append(["001234567890", " Trần ", "", "", ""])
        try writer.finish()
        let bytes = try [UInt8](Data(contentsOf: url))
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        XCTAssertEqual(text, "Số định danh,Họ và tên,Ngày sinh,Số tiền,Ghi chú\r\n"
            + "075090000001,Nguyễn Văn An,01/02/1990,1500000,\"a, \"\"b\"\"\r\nc\"\r\n"
            + "001234567890,\" Trần \",,,\r\n")
        let result = try readAll(url)
        XCTAssertEqual(result.rows.map { $0.cells.map(\.text) }, [
            ["075090000001", "Nguyễn Văn An", "01/02/1990", "1500000", "a, \"b\"\r\nc"],
            ["001234567890", " Trần ", "", "", ""],
        ])
        let semicolon = try CSVWriter(url: dir.file("s.csv"), headers: ["A", "B"], delimiter: ";")
        try semicolon.append(["1;2", "3,4"])
        try semicolon.finish()
        XCTAssertEqual(try readAll(dir.file("s.csv")).rows[0].cells.map(\.text), ["1;2", "3,4"])
    }

    func testLargeXLSXIsStreamedBothWays() throws {
        let dir = try TempDir()
        let url = dir.file("lon.xlsx")
        let rows = 200_000
        let before = memoryFigures()
        let start = Date()
        let writer = try XLSXWriter(url: url, sheetName: "Dữ liệu", headers: ["Số định danh", "Họ và tên", "Ngày sinh", "Số tiền"])
        let dob = try CalendarDate(year: 1960, month: 5, day: 17)
        for i in 0..<rows {
            try writer.append([.text(String(format: "%012d", i)), .text("Nguyễn Văn \(i)"), .date(dob), .integer(i * 1000)])
        }
        try writer.finish()
        let written = memoryFigures()
        let writeEnd = Date()
        let reader = try TabularReader(url: url)
        let opened = Date()
        var count = 0
        var last: TabularRow?
        while let row = try reader.next() {
            count += 1
            last = row
        }
        reader.close()
        XCTAssertEqual(count, rows)
        XCTAssertEqual(last?.number, rows + 1)
        XCTAssertEqual(last?[0].text, String(format: "%012d", rows - 1))
        XCTAssertEqual(last?[3], Cell(String((rows - 1) * 1000), kind: .number))
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if let before, let written, let after = memoryFigures() {
            print("XLSX \(rows) rows (\(size / 1024) KiB): RSS before \(before.current) MiB, after writing \(written.current) MiB, after reading \(after.current) MiB; peak \(after.peak) MiB; write \(writeEnd.timeIntervalSince(start)) s, open (inflate and check) \(opened.timeIntervalSince(writeEnd)) s, rows \(Date().timeIntervalSince(opened)) s")
        }
    }

    func testOpenpyxlReadsOurWorkbook() throws {
        guard Self.ensureOpenpyxl() else { throw XCTSkip("openpyxl is not installed and cannot be installed") }
        let dir = try TempDir()
        let url = dir.file("bao-cao.xlsx")
        try writeSample(to: url)
        let script = """
        import json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        ws = wb.worksheets[0]
        def v(c):
            x = c.value
            if hasattr(x, "date"): return x.date().isoformat()
            return x
        rows = [[v(c) for c in r] for r in ws.iter_rows()]
        print(json.dumps({"title": ws.title, "bold": ws["A1"].font.b, "fmt": ws["A2"].number_format, "date_fmt": ws["C2"].number_format, "rows": rows}, ensure_ascii=False))
        """
        let output = try Self.run(["python3", "-c", script, url.path])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(json["title"] as? String, "Danh sách chi trả")
        XCTAssertEqual(json["bold"] as? Bool, true)
        XCTAssertEqual(json["fmt"] as? String, "@")
        XCTAssertEqual(json["date_fmt"] as? String, "dd/mm/yyyy")
        let rows = try XCTUnwrap(json["rows"] as? [[Any]])
        XCTAssertEqual(rows.count, 5)
        XCTAssertTrue(rows[3].allSatisfy { $0 is NSNull }, "the empty row")
        XCTAssertEqual(rows[0].compactMap { $0 as? String }, Self.headers)
        XCTAssertEqual(rows[1][0] as? String, "075090000001")
        XCTAssertEqual(rows[1][1] as? String, "Nguyễn Văn An")
        XCTAssertEqual(rows[1][2] as? String, "1990-02-01")
        XCTAssertEqual((rows[1][3] as? NSNumber)?.intValue, 1_500_000)
        XCTAssertEqual(rows[1][4] as? String, "12 Lê Lợi, \"Phường 1\"\ndòng hai & <ba>")
        XCTAssertEqual(rows[2][1] as? String, "Trần Thị Bình".precomposedStringWithCanonicalMapping)
        XCTAssertEqual(rows[2][4] as? String, "  khoảng trắng  ")
        XCTAssertEqual(rows[4][0] as? String, "000000000009")
        XCTAssertEqual((rows[4][4] as? String)?.hasPrefix("tab\there, cr\r"), true, "openpyxl keeps TAB and CR")
    }

    // MARK: - Python

    static func ensureOpenpyxl() -> Bool {
        if (try? run(["python3", "-c", "import openpyxl"])) != nil { return true }
        _ = try? run(["python3", "-m", "pip", "install", "--quiet", "openpyxl"])
        if (try? run(["python3", "-c", "import openpyxl"])) != nil { return true }
        _ = try? run(["python3", "-m", "pip", "install", "--quiet", "--break-system-packages", "openpyxl"])
        return (try? run(["python3", "-c", "import openpyxl"])) != nil
    }

    struct CommandFailed: Error { var output: String }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw CommandFailed(output: text) }
        return text
    }
}
