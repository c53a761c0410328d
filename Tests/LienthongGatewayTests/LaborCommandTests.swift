import Foundation
import XCTest

/// `lienthong labor` as an officer runs it: a generated survey imported, analysed as a table, JSON and CSV; a broken
/// survey refused with exit 1 naming the row and column, nothing stored.
final class LaborCommandTests: XCTestCase {
    func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try lienthongExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testImportAnalyseAndRefuseABrokenSurvey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("labor-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let generated = try run(["sim", "workers", "--citizens", "600", "--out", "phieu.csv"], in: dir)
        XCTAssertEqual(generated.status, 0, generated.output)
        let people = try XCTUnwrap(Int(generated.output.split(separator: ":")[1].split(separator: " ")[0]), generated.output)
        let imported = try run(["labor", "import", "phieu.csv", "--labor", "l.sqlite", "--as-of", "2025-07-01"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.output)
        XCTAssertTrue(imported.output.contains("\(people) rows"), imported.output)

        let json = try run(["labor", "analyse", "--labor", "l.sqlite", "--by", "age,area", "--date", "2025-07-01", "--format", "json"], in: dir)
        XCTAssertEqual(json.status, 0, json.output)
        let start = try XCTUnwrap(json.output.firstIndex(of: "{"))
        let analysis = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.output[start...].utf8)) as? [String: Any])
        XCTAssertEqual((analysis["total"] as? [String: Any])?["count"] as? Int, people, "everyone generated is 15 or over on the date")

        let csv = try run(["labor", "analyse", "--labor", "l.sqlite", "--by", "sex", "--date", "2025-07-01", "--format", "csv", "--out", "a.csv"], in: dir)
        XCTAssertEqual(csv.status, 0, csv.output)
        let header = try String(contentsOf: dir.appendingPathComponent("a.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)[0]
        XCTAssertTrue(header.hasSuffix("Giới tính,Số người,Tỷ trọng (%),Tỷ lệ tham gia LLLĐ (%),Tỷ lệ thất nghiệp (%),Tỷ lệ qua đào tạo có bằng cấp (%),Tỷ lệ tham gia BHXH (%)"), String(header))

        let badDimension = try run(["labor", "analyse", "--labor", "l.sqlite", "--by", "age,area,sex"], in: dir)
        XCTAssertNotEqual(badDimension.status, 0)

        // A row with a year-only birth date: refused naming the row and the column, nothing stored.
        var lines = try String(contentsOf: dir.appendingPathComponent("phieu.csv"), encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let birth = cells[2]
        cells[2] = String(birth.suffix(4))
        lines[3] = cells.joined(separator: ",")
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: dir.appendingPathComponent("hong.csv"), atomically: true, encoding: .utf8)
        let refused = try run(["labor", "import", "hong.csv", "--labor", "l.sqlite"], in: dir)
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("hong.csv: row 4"), refused.output)
        XCTAssertTrue(refused.output.contains("Ngày sinh"), refused.output)
        XCTAssertFalse(refused.output.contains(cells[0]), "no personal id in the message")
        let status = try run(["labor", "status", "--labor", "l.sqlite"], in: dir)
        XCTAssertTrue(status.output.contains("\(people) records of \(people) people"), status.output)
    }
}
