import Foundation
import LienthongCore
import LienthongTabular
import XCTest

final class CSVReaderTests: XCTestCase {
    static let specs = [
        ColumnSpec("Số định danh", aliases: ["Personal ID", "CCCD", "So dinh danh ca nhan"]),
        ColumnSpec("Họ và tên", aliases: ["Full name", "Ho ten"]),
        ColumnSpec("Ngày sinh", aliases: ["Date of birth", "DOB"]),
        ColumnSpec("Ghi chú", aliases: ["Note"], required: false),
    ]

    func testEveryHeaderVariantMapsToTheSameColumns() throws {
        let dir = try TempDir()
        let variants: [String] = [
            "Số định danh,Họ và tên,Ngày sinh",                                   // Vietnamese NFC
            "Số định danh,Họ và tên,Ngày sinh".decomposedStringWithCanonicalMapping, // Vietnamese NFD
            "SO DINH DANH,HO VA TEN,NGAY SINH",                                   // no diacritics, upper case
            "so_dinh_danh,ho_va_ten,ngay_sinh",                                   // snake case
            "Ngày  sinh , Họ và tên,Số định danh",                                // other order, double spaces
            "Personal ID,Full name,Date of birth",                                // English
            "date-of-birth;FULL NAME;personal id",                                // English, other order, `;`
            "\u{FEFF}CCCD\tHo ten\tDOB",                                          // aliases, TAB, BOM as a character
            "\"Số định danh\",\"Họ và tên\",\"Ngày sinh\",Ghi chú",               // quoted headers, optional column
        ]
        for (index, header) in variants.enumerated() {
            let url = try dir.write("v\(index).csv", text: header + "\n")
            let reader = try TabularReader(url: url)
            defer { reader.close() }
            let map = try ColumnMap(headers: reader.headers, specs: Self.specs, file: reader.file)
            for spec in Self.specs where spec.required {
                let index = try XCTUnwrap(map[spec.name], header)
                XCTAssertTrue(spec.keys.contains(HeaderKey.normalize(reader.headers[index])), header)
            }
            XCTAssertEqual(Set(map.indices.values).count, map.indices.count, header)
            XCTAssertEqual(map["Ghi chú"], index == 8 ? 3 : nil, header)
        }
    }

    func testHeaderKeyIgnoresCaseDiacriticsPunctuationAndSpaces() {
        let key = HeaderKey.normalize("Ngày sinh")
        XCTAssertEqual(key, "ngaysinh")
        for variant in ["NGAY SINH", "ngay_sinh", "Ngày  sinh", " ngày-sinh. ", "Ngày sinh".decomposedStringWithCanonicalMapping, "NGÀY SINH"] {
            XCTAssertEqual(HeaderKey.normalize(variant), key, variant)
        }
        XCTAssertEqual(HeaderKey.normalize("Địa chỉ"), "diachi")
        XCTAssertEqual(HeaderKey.normalize("Số ĐD (CCCD)"), "soddcccd")
        XCTAssertNotEqual(HeaderKey.normalize("Ngày chết"), key)
    }

    func testBOMIsSkippedAndRowsAreAlignedToHeaders() throws {
        let dir = try TempDir()
        let url = try dir.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("Họ và tên,Ngày sinh\r\nNguyễn Văn An,01/02/1990\r\nTrần Thị Bình\r\n".utf8))
        let result = try readAll(url)
        XCTAssertEqual(result.headers, ["Họ và tên", "Ngày sinh"])
        XCTAssertEqual(result.rows.map(\.number), [2, 3])
        XCTAssertEqual(result.rows[0].cells, [Cell("Nguyễn Văn An"), Cell("01/02/1990")])
        XCTAssertEqual(result.rows[1].cells, [Cell("Trần Thị Bình"), .empty], "a short row is padded")
        // Without BOM: the same.
        let plain = try dir.write("plain.csv", text: "Họ và tên,Ngày sinh\nNguyễn Văn An,01/02/1990\n")
        XCTAssertEqual(try readAll(plain).headers, ["Họ và tên", "Ngày sinh"])
    }

    func testNFDTextIsNormalisedToNFC() throws {
        let dir = try TempDir()
        let nfd = "Họ và tên,Địa chỉ\nNguyễn Thị Hoà,Phường Bến Nghé\n".decomposedStringWithCanonicalMapping
        XCTAssertNotEqual(Array(nfd.utf8), Array(nfd.precomposedStringWithCanonicalMapping.utf8))
        let result = try readAll(try dir.write("nfd.csv", text: nfd))
        XCTAssertEqual(Array(result.headers[0].utf8), Array("Họ và tên".precomposedStringWithCanonicalMapping.utf8))
        XCTAssertEqual(Array(result.rows[0].cells[0].text.utf8), Array("Nguyễn Thị Hoà".precomposedStringWithCanonicalMapping.utf8))
        XCTAssertEqual(Array(result.rows[0].cells[1].text.utf8), Array("Phường Bến Nghé".precomposedStringWithCanonicalMapping.utf8))
    }

    func testSemicolonAndTabDelimitersAreDetected() throws {
        let dir = try TempDir()
        let semicolon = try TabularReader(url: try dir.write("s.csv", text: "Họ tên;Số tiền\nLê Văn C;1.500.000,50\n"))
        XCTAssertEqual(semicolon.delimiter, ";")
        XCTAssertEqual(try semicolon.next()?.cells, [Cell("Lê Văn C"), Cell("1.500.000,50")])
        let tab = try TabularReader(url: try dir.write("t.csv", text: "Họ tên\tSố tiền\nLê Văn C\t1,5\n"))
        XCTAssertEqual(tab.delimiter, "\t")
        XCTAssertEqual(try tab.next()?.cells, [Cell("Lê Văn C"), Cell("1,5")])
        let comma = try TabularReader(url: try dir.write("c.csv", text: "\"Họ; tên\",Số tiền\nA,1\n"))
        XCTAssertEqual(comma.delimiter, ",")
        XCTAssertEqual(comma.headers, ["Họ; tên", "Số tiền"])
    }

    func testQuotedCommasNewlinesAndDoubledQuotes() throws {
        let dir = try TempDir()
        let text = "Họ và tên,Địa chỉ,Ghi chú\r\n"
            + "\"Nguyễn Văn An\",\"12 Lê Lợi, Phường 1, Quận 1\",\"dòng một\r\ndòng hai\"\r\n"
            + "\"Trần \"\"Tí\"\" Bình\",\"\",x\r\n"
            + "Lê C,\"a\nb\nc\",\"\"\"\"\r\n"
            + "Phạm D,plain,last"  // no final line break
        let result = try readAll(try dir.write("q.csv", text: text))
        XCTAssertEqual(result.rows.count, 4)
        XCTAssertEqual(result.rows.map(\.number), [2, 3, 4, 5], "a newline inside quotes does not start a row")
        XCTAssertEqual(result.rows[0].cells.map(\.text), ["Nguyễn Văn An", "12 Lê Lợi, Phường 1, Quận 1", "dòng một\r\ndòng hai"])
        XCTAssertEqual(result.rows[1].cells.map(\.text), ["Trần \"Tí\" Bình", "", "x"])
        XCTAssertEqual(result.rows[1].cells[1].kind, .empty)
        XCTAssertEqual(result.rows[2].cells.map(\.text), ["Lê C", "a\nb\nc", "\""])
        XCTAssertEqual(result.rows[3].cells.map(\.text), ["Phạm D", "plain", "last"])
    }

    func testEmptyRowsAreSkippedButCounted() throws {
        let dir = try TempDir()
        let result = try readAll(try dir.write("e.csv", text: "\n\nMã,Tên\r\n\r\n1,A\n,\n  ,\n2,B\r\n\r\n"))
        XCTAssertEqual(result.headerRow, 3)
        XCTAssertEqual(result.headers, ["Mã", "Tên"])
        XCTAssertEqual(result.rows.map(\.number), [5, 8])
        XCTAssertEqual(result.rows.map { $0[0].text }, ["1", "2"])
    }

    func testLeadingZerosAndDateFormsComeThroughAsWritten() throws {
        let dir = try TempDir()
        let result = try readAll(try dir.write("z.csv", text: "Số định danh,Ngày sinh\n075090000001,01/02/1990\n001234567890,1985-12-31\n000000000009,1950\n012345678901,5/3/1979\n"))
        XCTAssertEqual(result.rows.map { $0[0].text }, ["075090000001", "001234567890", "000000000009", "012345678901"])
        XCTAssertEqual(result.rows.map { $0[0].kind }, [.text, .text, .text, .text])
        XCTAssertEqual(result.rows.map { TabularDate.parse($0[1]) }, [
            .day(try CalendarDate(year: 1990, month: 2, day: 1)), .day(try CalendarDate(year: 1985, month: 12, day: 31)),
            .year(1950), .day(try CalendarDate(year: 1979, month: 3, day: 5)),
        ])
    }

    func testInvalidUTF8IsRefusedNamingRowAndColumn() throws {
        let dir = try TempDir()
        let url = try dir.write("latin1.csv", bytes: Array("Họ tên,Tỉnh\nAn,Hà Nội\nB,".utf8) + [0x48, 0xE0, 0x20, 0x4E] + Array("\n".utf8))
        let error = tabularError { _ = try readAll(url) }
        XCTAssertEqual(error?.code, .unreadable)
        XCTAssertEqual(error?.file, "latin1.csv")
        XCTAssertEqual(error?.row, 3)
        XCTAssertEqual(error?.column, "Tỉnh")
    }

    func testBinaryFilesAreRefused() throws {
        let dir = try TempDir()
        let pdf = try dir.write("ds.csv", bytes: Array("%PDF-1.7\n".utf8) + [0x00, 0x01, 0x02, 0xFF])
        XCTAssertEqual(tabularError { _ = try readAll(pdf) }?.code, .unreadable)
        let utf16 = try dir.write("u16.csv", bytes: [0xFF, 0xFE, 0x48, 0x00])
        let error16 = tabularError { _ = try readAll(utf16) }
        XCTAssertEqual(error16?.code, .unreadable)
        XCTAssertTrue(error16?.reason.contains("UTF-16") == true)
        let xls = try dir.write("old.xls", bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0])
        XCTAssertEqual(tabularError { _ = try readAll(xls) }?.code, .unreadable)
        let nul = try dir.write("nul.csv", text: "A,B\n1,2\n3,\u{0}4\n")
        let nulError = tabularError { _ = try readAll(nul) }
        XCTAssertEqual(nulError?.code, .unreadable)
        XCTAssertEqual(nulError?.row, 3)
    }

    func testUnterminatedQuoteNamesTheRowWhereItStarted() throws {
        let dir = try TempDir()
        let url = try dir.write("open.csv", text: "A,B\n1,2\n3,\"never closed\n5,6\n7,8\n")
        let error = tabularError { _ = try readAll(url) }
        XCTAssertEqual(error?.code, .malformed)
        XCTAssertEqual(error?.row, 3)
        XCTAssertEqual(error?.column, "B")
        let after = try dir.write("after.csv", text: "A,B\n\"x\"y,2\n")
        XCTAssertEqual(tabularError { _ = try readAll(after) }?.code, .malformed)
    }

    func testLimitsAreEnforcedNamingRowAndColumn() throws {
        let dir = try TempDir()
        var options = TabularOptions()
        options.maxFieldBytes = 10
        options.maxRowBytes = 40
        options.maxColumns = 4
        let field = try dir.write("f.csv", text: "A,B\n1,\(String(repeating: "x", count: 11))\n")
        let fieldError = tabularError { _ = try readAll(field, options: options) }
        XCTAssertEqual(fieldError?.code, .tooLarge)
        XCTAssertEqual(fieldError?.row, 2)
        XCTAssertEqual(fieldError?.column, "B")
        let row = try dir.write("r.csv", text: "A,B,C\n1234567890,1234567890,1234567890,123456789\n")
        XCTAssertEqual(tabularError { _ = try readAll(row, options: options) }?.code, .tooLarge)
        let columns = try dir.write("c.csv", text: "A,B,C,D,E\n")
        let columnError = tabularError { _ = try readAll(columns, options: options) }
        XCTAssertEqual(columnError?.code, .tooLarge)
        XCTAssertEqual(columnError?.row, 1)
        XCTAssertEqual(columnError?.column, "E")
        var rowsLimit = TabularOptions()
        rowsLimit.maxRows = 3
        let many = try dir.write("m.csv", text: "A\n1\n2\n3\n")
        XCTAssertEqual(tabularError { _ = try readAll(many, options: rowsLimit) }?.row, 4)
    }

    func testMoreValuesThanHeadersIsRefused() throws {
        let dir = try TempDir()
        let url = try dir.write("shift.csv", text: "Họ và tên,Ngày sinh\nNguyễn Văn An, con,01/02/1990\n")
        let error = tabularError { _ = try readAll(url) }
        XCTAssertEqual(error?.code, .malformed)
        XCTAssertEqual(error?.row, 2)
        XCTAssertEqual(error?.column, "C")
        XCTAssertFalse(error?.description.contains("Nguyễn") ?? true, "no personal data in errors")
        let trailing = try dir.write("trailing.csv", text: "A,B\n1,2,,\n")
        XCTAssertEqual(try readAll(trailing).rows[0].cells, [Cell("1"), Cell("2")], "empty extra fields are dropped")
        var lenient = TabularOptions()
        lenient.rejectCellsBeyondHeaders = false
        XCTAssertEqual(try readAll(url, options: lenient).rows[0].cells.count, 2)
    }

    func testMissingAndDuplicateColumns() throws {
        let dir = try TempDir()
        let url = try dir.write("ds.csv", text: "Họ và tên,Số định danh\nA,1\n")
        let reader = try TabularReader(url: url)
        let error = tabularError { _ = try ColumnMap(headers: reader.headers, specs: Self.specs, file: reader.file, headerRow: reader.headerRow) }
        XCTAssertEqual(error, TabularError(.missingColumn, file: "ds.csv", row: 1, column: "Ngày sinh", reason: "required column is missing"))
        let duplicate = tabularError {
            _ = try ColumnMap(headers: ["Ngày sinh", "Họ và tên", "So dinh danh", "NGAY SINH"], specs: Self.specs, file: "d.csv")
        }
        XCTAssertEqual(duplicate?.code, .malformed)
        XCTAssertEqual(duplicate?.column, "Ngày sinh")
        let map = try ColumnMap(headers: ["Ghi chú", "x", "DOB", "CCCD", "Ho ten", ""], specs: Self.specs, file: "ok.csv")
        XCTAssertEqual(map.indices, ["Ghi chú": 0, "Ngày sinh": 2, "Số định danh": 3, "Họ và tên": 4])
        XCTAssertEqual(map.unmatched, [1, 5])
    }

    func testEmptyFileHasNoHeaderRow() throws {
        let dir = try TempDir()
        let error = tabularError { _ = try readAll(try dir.write("empty.csv", bytes: [0xEF, 0xBB, 0xBF, 0x0A])) }
        XCTAssertEqual(error?.code, .malformed)
    }

    func testCSVStreamsInChunks() throws {
        let dir = try TempDir()
        let url = dir.file("big.csv")
        let writer = try CSVWriter(url: url, headers: ["Số định danh", "Họ và tên", "Ghi chú"])
        let rows = 150_000
        for i in 0..<rows {
            try writer.append([String(format: "%012d", i), "Nguyễn Văn \(i)", i % 1000 == 0 ? "a, \"b\"\nc" : ""])
        }
        try writer.finish()
        var options = TabularOptions()
        options.chunkSize = 4096
        let reader = try TabularReader(url: url, options: options)
        var count = 0
        var last: TabularRow?
        while let row = try reader.next() { count += 1; last = row }
        XCTAssertEqual(count, rows)
        XCTAssertEqual(last?.number, rows + 1)
        XCTAssertEqual(last?[0].text, String(format: "%012d", rows - 1))
        if let memory = memoryFigures() { print("CSV \(rows) rows: peak RSS \(memory.peak) MiB, current \(memory.current) MiB") }
    }
}
