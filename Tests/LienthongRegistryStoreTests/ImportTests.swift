import Foundation
import LienthongCore
import LienthongRegistry
import LienthongRegistryStore
import LienthongTabular
import XCTest

/// The standard synthetic list used by the tests.
enum Fixture {
    static let idA = Synthetic.id(year: 1990, sex: .male, serial: 1)
    static let idB = Synthetic.id(year: 1955, sex: .female, serial: 2)
    static let idD = Synthetic.id(year: 1980, sex: .male, serial: 3)
    static let idC = Synthetic.id(year: 1940, sex: .male, serial: 4)
    /// "Trần Thị Hoà" in NFD.
    static let nfdName = "Trần Thị Hoà".decomposedStringWithCanonicalMapping

    static let headers = ["Số CCCD", "Ngày sinh", "Họ và tên", "Giới tính", "Dân tộc", "Xã/phường", "Quận/huyện",
                          "Đối tượng", "Số tài khoản", "Ngân hàng", "Không còn khả năng giao dịch",
                          "Người được ủy quyền/giám hộ", "Số định danh người được ủy quyền/giám hộ", "Họ tên cha/mẹ",
                          "Nơi đăng ký khai sinh"]

    static var rows: [[String]] {
        [
            [idA.digits, "15/03/1990", "Nguyễn Văn An", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Người có công",
             "0071000123456", "Vietcombank", "", "", "", "", ""],
            [idB.digits, "02/01/1955", nfdName, "Nữ", "Kinh", "Xã An Bình", "Huyện Long Thành", "BTXH", "", "", "", "", "", "", ""],
            [idD.digits, "01/01/1980", "", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Hộ nghèo", "", "", "", "", "", "", ""],
            [idA.digits, "15/03/1990", "Nguyễn Văn An", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Người có công",
             "", "", "", "", "", "", ""],
            ["", "20/05/2016", "Lê Minh Khoa", "Nam", "Kinh", "Xã Tam An", "Huyện Long Thành", "Trẻ em", "", "", "", "", "",
             "Lê Văn Bình", "Xã Tam An, Huyện Long Thành"],
            [idC.digits, "1940", "Phạm Văn Cường", "Nam", "Kinh", "Xã Tam An", "Huyện Long Thành", "Người có công", "", "",
             "x", "", "", "", ""],
        ]
    }

    static func csv(in dir: TempDir, name: String = "danh-sach.csv") throws -> URL {
        try dir.write(name, text: Synthetic.csv([headers] + rows))
    }

    static func store(in dir: TempDir, defaultBank: String? = "970405") throws -> (RegistryStore, String) {
        let path = dir.file("registry.sqlite").path
        return (try RegistryStore(path: path, defaultBankBIN: defaultBank), path)
    }
}

final class RegistryImportTests: XCTestCase {
    func testCSVWithVietnameseHeadersInAnotherOrder() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        XCTAssertEqual(try store.synchronousMode(), 2)
        var reported: [Int] = []
        let batch = try store.importList(url: try Fixture.csv(in: dir), name: "danh-sach.csv", importedBy: "officer-1",
                                         referenceDate: Synthetic.referenceDate, progress: { reported.append($0) })
        XCTAssertEqual(batch.fileName, "danh-sach.csv")
        XCTAssertEqual(batch.importedBy, "officer-1")
        XCTAssertEqual(batch.counts, BatchCounts(total: 6, toVerify: 3, toRequestPersonalID: 1, returnedToCommune: 2,
                                                 withWarnings: batch.counts.withWarnings))
        XCTAssertEqual(batch.status, .imported)
        XCTAssertEqual(reported.last, 6)
        XCTAssertNotNil(UUID(uuidString: batch.id))
        XCTAssertEqual(try store.batch(id: batch.id), batch)
        XCTAssertEqual(try store.batches().map(\.id), [batch.id])

        let rows = try store.rows(batch: batch.id)
        XCTAssertEqual(rows.map(\.row), [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(rows[0].disposition, .verify(Fixture.idA))
        XCTAssertEqual(rows[0].submitted.bankBIN, "970436")
        // NFD name stored NFC.
        XCTAssertEqual(rows[1].submitted.fullName, "Trần Thị Hoà".precomposedStringWithCanonicalMapping)
        XCTAssertEqual(rows[1].submitted.fullName?.unicodeScalars.count, "Trần Thị Hoà".precomposedStringWithCanonicalMapping.unicodeScalars.count)
        XCTAssertEqual(rows[2].disposition, .returnToCommune)
        XCTAssertTrue(rows[2].findings.contains { $0.code == .nameMissing })
        XCTAssertEqual(rows[3].disposition, .returnToCommune)
        XCTAssertEqual(rows[3].findings.first { $0.code == .duplicateInList }?.relatedRow, 2)
        XCTAssertEqual(rows[4].disposition, .requestPersonalID)

        let pending = try store.pendingVerifications(batch: batch.id, limit: 10)
        XCTAssertEqual(pending.map(\.row), [2, 3, 6, 7])
        XCTAssertEqual(pending[2].kind, .requestPersonalID)
        XCTAssertEqual(pending[2].parentName, "Lê Văn Bình")
        XCTAssertEqual(pending[2].birthRegistrationPlace, "Xã Tam An, Huyện Long Thành")
        XCTAssertEqual(pending[3].dateOfBirth, .yearOnly(1940))
        XCTAssertEqual(pending[0].personalID, Fixture.idA)
        XCTAssertFalse(pending[0].description.contains(Fixture.idA.digits))
    }

    func testXLSXWithEnglishHeadersAndNumericIdentifiers() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let hanoi = Synthetic.id("001", year: 1985, sex: .female, serial: 77)   // 001… loses two zeros as a number
        let dongNai = Synthetic.id("075", year: 1962, sex: .male, serial: 78)   // 075… loses one
        XCTAssertTrue(hanoi.digits.hasPrefix("00"))
        let url = dir.file("list.xlsx")
        let writer = try XLSXWriter(url: url, headers: ["Date of birth", "Personal id number", "Full name", "Sex",
                                                        "Commune", "District", "Category", "Account number", "Bank"])
        guard let born = try? CalendarDate(year: 1985, month: 7, day: 9) else { return XCTFail("date") }
        try writer.append([.date(born), .number(String(hanoi.digits.drop { $0 == "0" })), "Đỗ Thị Lan", "Nữ",
                           "Phường 1", "Quận 3", "Hộ nghèo", .number("1234567890"), "BIDV"])
        try writer.append(["1962", .number(String(dongNai.digits.drop { $0 == "0" })), "Vũ Văn Bảo", "Male",
                           "Phường 1", "Quận 3", "Social protection", "", ""])
        try writer.finish()
        let batch = try store.importList(url: url, name: "list.xlsx", importedBy: "officer-2",
                                         referenceDate: Synthetic.referenceDate)
        XCTAssertEqual(batch.counts.total, 2)
        XCTAssertEqual(batch.counts.toVerify, 2)
        let tasks = try store.pendingVerifications(batch: batch.id, limit: 5)
        XCTAssertEqual(tasks.map(\.personalID), [hanoi, dongNai])
        XCTAssertEqual(tasks[0].dateOfBirth, .full(born))
        let rows = try store.rows(batch: batch.id)
        XCTAssertEqual(rows[0].submitted.accountNumber, .valid("1234567890"))
        XCTAssertEqual(rows[0].submitted.bankBIN, "970418")
        XCTAssertEqual(rows[1].submitted.categories, .valid([.socialProtection]))
    }

    func testMissingColumnNamesItAndStoresNothing() throws {
        let dir = try TempDir()
        let (store, path) = try Fixture.store(in: dir)
        let url = try dir.write("thieu-cot.csv", text: Synthetic.csv([["Họ và tên", "Số CCCD"], ["Nguyễn Văn An", Fixture.idA.digits]]))
        let error = importError {
            _ = try store.importList(url: url, name: "thieu-cot.csv", importedBy: "o", referenceDate: Synthetic.referenceDate)
        }
        XCTAssertEqual(error?.code, .missingColumn)
        XCTAssertEqual(error?.file, "thieu-cot.csv")
        XCTAssertEqual(error?.row, 1)
        XCTAssertEqual(error?.column, "Ngày sinh")
        XCTAssertFalse(error?.description.contains(Fixture.idA.digits) ?? true)
        XCTAssertEqual(try storedCounts(path).batches, 0)
        XCTAssertEqual(try storedCounts(path).rows, 0)
        XCTAssertEqual(try store.batches(), [])
    }

    func testBrokenFilesHalfwayLeaveNothingBehind() throws {
        let dir = try TempDir()
        let (store, path) = try Fixture.store(in: dir)
        _ = try store.importList(url: try Fixture.csv(in: dir), name: "good.csv", importedBy: "o",
                                 referenceDate: Synthetic.referenceDate)
        let before = try storedCounts(path)
        XCTAssertEqual(before.batches, 1)
        XCTAssertEqual(before.rows, 6)

        // CSV: 400 good rows, then a row with a value beyond the headers (an unquoted comma), then more rows.
        var lines: [String] = ["Họ và tên,Ngày sinh,Số CCCD"]
        for i in 0..<400 { lines.append("Người \(i),01/01/1970,\(Synthetic.id(year: 1970, sex: .male, serial: 1000 + i).digits)") }
        lines.append("Người lỗi, tên,01/01/1970,\(Synthetic.id(year: 1970, sex: .male, serial: 9999).digits)")
        for i in 0..<50 { lines.append("Người sau \(i),01/01/1970,") }
        let csv = try dir.write("broken.csv", text: lines.joined(separator: "\n") + "\n")
        let csvError = importError {
            _ = try store.importList(url: csv, name: "broken.csv", importedBy: "o", referenceDate: Synthetic.referenceDate)
        }
        XCTAssertEqual(csvError?.code, .malformed)
        XCTAssertEqual(csvError?.file, "broken.csv")
        XCTAssertEqual(csvError?.row, 402)
        XCTAssertEqual(try storedCounts(path).batches, before.batches)
        XCTAssertEqual(try storedCounts(path).rows, before.rows)

        // CSV: an unterminated quote halfway.
        var quoted = lines.prefix(300).joined(separator: "\n")
        quoted += "\n\"Người mở ngoặc,01/01/1970,\n" + lines.suffix(50).joined(separator: "\n") + "\n"
        let quoteURL = try dir.write("quote.csv", text: quoted)
        XCTAssertNotNil(importError {
            _ = try store.importList(url: quoteURL, name: "quote.csv", importedBy: "o", referenceDate: Synthetic.referenceDate)
        })
        XCTAssertEqual(try storedCounts(path).rows, before.rows)

        // XLSX: a sheet whose XML breaks at row 302 (a cell reference of another row).
        var xml = #"<row r="1">"# + StoredZip.inline("A1", "Họ và tên") + StoredZip.inline("B1", "Ngày sinh")
            + StoredZip.inline("C1", "Số định danh") + "</row>"
        for r in 2...301 {
            xml += #"<row r="\#(r)">"# + StoredZip.inline("A\(r)", "Người \(r)") + StoredZip.inline("B\(r)", "01/01/1970")
                + StoredZip.inline("C\(r)", Synthetic.id(year: 1970, sex: .female, serial: r).digits) + "</row>"
        }
        xml += #"<row r="302"><c r="A999"><v>1</v></c></row>"#
        let xlsx = try dir.write("broken.xlsx", bytes: StoredZip.workbook(rows: xml))
        let xlsxError = importError {
            _ = try store.importList(url: xlsx, name: "broken.xlsx", importedBy: "o", referenceDate: Synthetic.referenceDate)
        }
        XCTAssertEqual(xlsxError?.code, .malformed)
        XCTAssertEqual(xlsxError?.row, 302)
        XCTAssertEqual(try storedCounts(path).rows, before.rows)
        // The same workbook without the broken row imports (the file itself is fine).
        let fine = try dir.write("fine.xlsx", bytes: StoredZip.workbook(rows: xml.replacingOccurrences(of: #"<row r="302"><c r="A999"><v>1</v></c></row>"#, with: "")))
        XCTAssertEqual(try store.importList(url: fine, name: "fine.xlsx", importedBy: "o", referenceDate: Synthetic.referenceDate).counts.total, 300)

        // XLSX: damaged compressed data.
        let good = dir.file("good.xlsx")
        let writer = try XLSXWriter(url: good, headers: ["Họ và tên", "Ngày sinh", "Số định danh"])
        for i in 0..<3000 {
            try writer.append([.text("Người số \(i) \(UInt64.random(in: 0...UInt64.max))"), "01/01/1970",
                               .text(Synthetic.id(year: 1970, sex: .male, serial: 20_000 + i).digits)])
        }
        try writer.finish()
        var bytes = try [UInt8](Data(contentsOf: good))
        for i in (bytes.count / 2)..<(bytes.count / 2 + 200) { bytes[i] ^= 0x5A }
        let damaged = try dir.write("damaged.xlsx", bytes: bytes)
        let rowsBefore = try storedCounts(path).rows
        XCTAssertNotNil(importError {
            _ = try store.importList(url: damaged, name: "damaged.xlsx", importedBy: "o", referenceDate: Synthetic.referenceDate)
        })
        XCTAssertEqual(try storedCounts(path).rows, rowsBefore)
        XCTAssertEqual(try storedCounts(path).batches, 2)
    }

    func testDuplicatesAgainstAnEarlierBatch() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let first = try store.importList(url: try Fixture.csv(in: dir), name: "t1.csv", importedBy: "o",
                                         referenceDate: Synthetic.referenceDate)
        XCTAssertTrue(try store.contains(personalID: Fixture.idA))
        XCTAssertFalse(try store.contains(personalID: Fixture.idD))   // returned to the commune: not registered
        // idC is found not_found: then it no longer counts as registered.
        try store.recordVerification(batch: first.id, row: 7, status: .notFound)
        XCTAssertFalse(try store.contains(personalID: Fixture.idC))

        let second = try dir.write("t2.csv", text: Synthetic.csv([
            ["Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Giới tính", "Dân tộc", "Đối tượng"],
            ["Nguyễn Văn An", "15/03/1990", Fixture.idA.digits, "Nam", "Kinh", "Người có công"],
            ["Phạm Văn Cường", "1940", Fixture.idC.digits, "Nam", "Kinh", "Người có công"],
            ["Trần Thị Hoà", "02/01/1955", Fixture.idB.digits, "Nữ", "Kinh", "Hộ nghèo"],
        ]))
        let batch = try store.importList(url: second, name: "t2.csv", importedBy: "o", referenceDate: Synthetic.referenceDate)
        let rows = try store.rows(batch: batch.id)
        XCTAssertTrue(rows[0].findings.contains { $0.code == .duplicateInRegistry && $0.severity == .warning })
        XCTAssertFalse(rows[1].findings.contains { $0.code == .duplicateInRegistry })
        XCTAssertTrue(rows[2].findings.contains { $0.code == .duplicateInRegistry })
        XCTAssertEqual(batch.counts.toVerify, 3)   // a warning: the row still goes on (a person can hold several categories)
        XCTAssertEqual(try store.batches().count, 2)
    }

    /// One import of a 1,000,000-row CSV, for its peak memory (run with LIENTHONG_LONG_TESTS=1).
    func testMillionRowImportMemory() throws {
        guard ProcessInfo.processInfo.environment["LIENTHONG_LONG_TESTS"] == "1" else {
            throw XCTSkip("set LIENTHONG_LONG_TESTS=1 to run the 1,000,000-row import")
        }
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let url = dir.file("million.csv")
        guard let handle = fopen(url.path, "wb") else { return XCTFail("cannot create the file") }
        let header = "STT,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Dân tộc,Xã/phường,Quận/huyện,Đối tượng,Số tài khoản,Ngân hàng\n"
        fputs(header, handle)
        let given = ["An", "Bình", "Cường", "Dũng", "Hoà", "Lan", "Mai", "Nga"]
        for i in 0..<1_000_000 {
            let year = 1930 + i % 80
            let sex: Sex = i % 2 == 0 ? .male : .female
            let id = Synthetic.id(year: year, sex: sex, serial: i)
            let line = "\(i + 1),Nguyễn Văn \(given[i % given.count]) \(i),\(1 + i % 28)/\(1 + i % 12)/\(year),"
                + "\(sex == .male ? "Nam" : "Nữ"),\(id.digits),Kinh,Xã \(i % 500),Huyện \(i % 20),Hộ nghèo,"
                + "\(i % 3 == 0 ? String(100_000_000 + i) : ""),\(i % 3 == 0 ? "Agribank" : "")\n"
            fputs(line, handle)
        }
        fclose(handle)
        let before = memoryFigures()
        let started = ContinuousClock.now
        let batch = try store.importList(url: url, name: "million.csv", importedBy: "o", referenceDate: Synthetic.referenceDate)
        let elapsed = ContinuousClock.now - started
        let after = memoryFigures()
        XCTAssertEqual(batch.counts.total, 1_000_000)
        let file = (try? FileManager.default.attributesOfItem(atPath: dir.file("registry.sqlite").path)[.size] as? Int) ?? -1
        print("MEMORY 1M-row import: peak RSS \(after?.peak ?? -1) MiB (before import: peak \(before?.peak ?? -1) MiB, "
              + "current \(before?.current ?? -1) MiB; after: current \(after?.current ?? -1) MiB); "
              + "elapsed \(elapsed); database \(file / 1_048_576) MiB")
    }
}
