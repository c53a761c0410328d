import Foundation
import LienthongCore
import LienthongRegistry
import LienthongRegistryStore
import LienthongTabular
import XCTest

final class RegistryReportTests: XCTestCase {
    func readAll(_ url: URL) throws -> (headers: [String], rows: [[String]]) {
        let reader = try TabularReader(url: url)
        defer { reader.close() }
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.cells.map(\.text)) }
        return (reader.headers, rows)
    }

    /// Both files hold the same headers and rows.
    func assertSame(_ files: ReportFiles, headers: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [[String]] {
        let csv = try readAll(files.csv)
        let xlsx = try readAll(files.xlsx)
        XCTAssertEqual(csv.headers, headers, file: file, line: line)
        XCTAssertEqual(xlsx.headers, headers, file: file, line: line)
        XCTAssertEqual(csv.rows, xlsx.rows, file: file, line: line)
        return csv.rows
    }

    func openpyxlRows(_ url: URL) throws -> [[String]] {
        let script = """
            import json, sys
            try:
                import openpyxl
            except ImportError:
                sys.exit(3)
            wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
            ws = wb.worksheets[0]
            out = {"title": ws.title, "rows": [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]}
            print(json.dumps(out, ensure_ascii=False))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 { throw XCTSkip("openpyxl is not installed") }
        guard process.terminationStatus == 0,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rows = object["rows"] as? [[String]] else {
            throw XCTSkip("python3 could not run")
        }
        return rows
    }

    func testReportsAreWrittenAndReadBack() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try RegistryRunTests.verifiedBatch(store, dir)
        try store.recordAccountCheck(batch: batch, row: 2, period: "2026-05", result: .verified, registeredName: "NGUYEN VAN AN")
        let out = dir.file("reports")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        // (a) Discrepancy list.
        let discrepancy = try store.discrepancyReport(batch: batch)
        XCTAssertEqual(Set(discrepancy.lines.map(\.row)), [3, 4, 5])
        let mismatch = discrepancy.lines.filter { $0.kind == .mismatch }
        XCTAssertEqual(mismatch.map(\.field), ["Họ và tên", "Ngày sinh"])
        XCTAssertEqual(mismatch.map(\.submitted), ["Trần Thị Hoà", "02/01/1955"])
        XCTAssertEqual(mismatch.map(\.registered), ["Trần Thị Hòa Bình", "12/01/1955"])
        XCTAssertTrue(discrepancy.lines.contains { $0.row == 4 && $0.findingCode == "name-missing" })
        XCTAssertTrue(discrepancy.lines.contains { $0.row == 5 && $0.findingCode == "duplicate-in-list" })
        let discrepancyFiles = try store.writeDiscrepancyReport(batch: batch, to: out)
        let discrepancyRows = try assertSame(discrepancyFiles, headers: RegistryStore.discrepancyHeaders)
        XCTAssertEqual(discrepancyRows.count, discrepancy.lines.count)
        XCTAssertTrue(RegistryStore.discrepancyHeaders.contains("Giá trị trong CSDLQG về dân cư"))
        let nameLine = try XCTUnwrap(discrepancyRows.first { $0[9] == "Họ và tên" })
        XCTAssertEqual(nameLine[1], "3")
        XCTAssertEqual(nameLine[10], "Trần Thị Hoà")
        XCTAssertEqual(nameLine[11], "Trần Thị Hòa Bình")
        XCTAssertEqual(discrepancyRows.map { $0[0] }, (1...discrepancyRows.count).map(String.init))

        // (b) Bank lists.
        let lists = try store.bankLists(batch: batch, period: "2026-05")
        XCTAssertEqual(lists.map(\.bin), ["970405", "970436"])
        XCTAssertEqual(lists[0].lines.map(\.row), [3, 6])
        XCTAssertEqual(lists[0].lines.map(\.status), [.needsAccount, .needsAccount])
        XCTAssertEqual(lists[1].lines.map(\.row), [2])
        XCTAssertEqual(lists[1].lines.first?.accountNumber, "0071000123456")
        let bankFiles = try store.writeBankLists(batch: batch, period: "2026-05", to: out)
        XCTAssertEqual(Set(bankFiles.keys), ["970405", "970436"])
        let vcb = try assertSame(try XCTUnwrap(bankFiles["970436"]), headers: RegistryStore.bankListHeaders)
        XCTAssertEqual(vcb.count, 1)
        XCTAssertEqual(vcb[0][2], "Nguyễn Văn An")
        XCTAssertEqual(vcb[0][4], Fixture.idA.digits)   // leading zero kept
        XCTAssertEqual(vcb[0][7], "0071000123456")
        XCTAssertEqual(vcb[0][11], "Chi trả không dùng tiền mặt")
        let open = try assertSame(try XCTUnwrap(bankFiles["970405"]), headers: RegistryStore.bankListHeaders)
        XCTAssertEqual(open.map { $0[2] }, ["Trần Thị Hòa Bình", "Lê Minh Khoa"])
        XCTAssertEqual(open.map { $0[11] }, ["Cần mở tài khoản", "Cần mở tài khoản"])

        // (c) Post-office cash list.
        let cash = try store.cashList(batch: batch, period: "2026-05")
        XCTAssertEqual(cash.lines.map(\.row), [7])
        XCTAssertEqual(cash.lines.first?.reason, .noCapacityWithoutGuardian)
        let cashRows = try assertSame(try store.writeCashList(batch: batch, period: "2026-05", to: out),
                                      headers: RegistryStore.cashListHeaders)
        XCTAssertEqual(cashRows.count, 1)
        XCTAssertEqual(cashRows[0][2], "Phạm Văn Cường")
        XCTAssertEqual(cashRows[0][3], "1940")

        // (d) Monthly report.
        let monthly = try store.monthlyReport(batch: batch, period: "2026-05")
        XCTAssertEqual(monthly.title, "Báo cáo tháng 05/2026")
        XCTAssertEqual(monthly.dueOn.iso, "2026-06-01")
        XCTAssertEqual(monthly.totalRows, 6)
        XCTAssertEqual(monthly.counts.reduce(0) { $0 + $1.count }, 6)
        XCTAssertTrue(monthly.counts.contains {
            $0.commune == "Xã An Bình" && $0.category == "nguoi-co-cong" && $0.verificationStatus == "matched"
                && $0.paymentStatus == .readyCashless && $0.count == 1
        })
        XCTAssertTrue(monthly.counts.contains {
            $0.commune == "Xã Tam An" && $0.category == "tre-em" && $0.verificationStatus == "number_assigned"
                && $0.paymentStatus == .needsAccount
        })
        XCTAssertTrue(monthly.counts.contains { $0.verificationStatus == "returned-to-commune" && $0.count == 1 && $0.category == "ho-ngheo" })
        let monthlyFiles = try store.writeMonthlyReport(batch: batch, period: "2026-05", to: out)
        XCTAssertTrue(monthlyFiles.xlsx.lastPathComponent.contains("2026-05"))
        let monthlyRows = try assertSame(monthlyFiles, headers: RegistryStore.monthlyHeaders)
        XCTAssertEqual(monthlyRows.count, monthly.counts.count)
        XCTAssertEqual(monthlyRows.reduce(0) { $0 + (Int($1[6]) ?? 0) }, 6)

        // JSON for the API.
        let json = try JSONEncoder().encode(monthly)
        XCTAssertEqual(try JSONDecoder().decode(MonthlyReport.self, from: json), monthly)
        XCTAssertEqual(try JSONDecoder().decode(DiscrepancyReport.self, from: JSONEncoder().encode(discrepancy)), discrepancy)

        // openpyxl reads the workbooks: Vietnamese headers and the expected rows.
        let pyDiscrepancy = try openpyxlRows(discrepancyFiles.xlsx)
        XCTAssertEqual(pyDiscrepancy.first, RegistryStore.discrepancyHeaders)
        XCTAssertEqual(pyDiscrepancy.count, discrepancyRows.count + 1)
        XCTAssertTrue(pyDiscrepancy.contains { $0.count > 11 && $0[11] == "Trần Thị Hòa Bình" })
        let pyBank = try openpyxlRows(try XCTUnwrap(bankFiles["970436"]).xlsx)
        XCTAssertEqual(pyBank.first, RegistryStore.bankListHeaders)
        XCTAssertEqual(pyBank[1][4], Fixture.idA.digits)
        let pyMonthly = try openpyxlRows(monthlyFiles.xlsx)
        XCTAssertEqual(pyMonthly.first, RegistryStore.monthlyHeaders)
        XCTAssertEqual(pyMonthly.dropFirst().reduce(0) { $0 + (Int($1[6]) ?? 0) }, 6)
        let pyCash = try openpyxlRows(try store.writeCashList(batch: batch, period: "2026-05", to: out).xlsx)
        XCTAssertEqual(pyCash.first, RegistryStore.cashListHeaders)
        XCTAssertEqual(pyCash[1][2], "Phạm Văn Cường")
    }

    func testDiscrepancyListWithAPeriodIncludesAccountNameMismatches() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try RegistryRunTests.verifiedBatch(store, dir)
        try store.recordAccountCheck(batch: batch, row: 2, period: "2026-06", result: .nameMismatch, registeredName: "NGUYEN VAN ANH")
        XCTAssertFalse(try store.discrepancyReport(batch: batch).lines.contains { $0.kind == .accountNameMismatch })
        let lines = try store.discrepancyReport(batch: batch, period: "2026-06").lines.filter { $0.kind == .accountNameMismatch }
        XCTAssertEqual(lines.map(\.row), [2])
        XCTAssertEqual(lines.first?.submitted, "Nguyễn Văn An")
        XCTAssertEqual(lines.first?.bankRegistered, "NGUYEN VAN ANH")
    }
}
