import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongTabular
import XCTest

final class SurveyImportTests: XCTestCase {
    private let surveyDate = Synthetic.date("2025-06-15")

    private let vietnameseHeaders = ["STT", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Mã huyện",
                                     "Mã xã", "Thành thị/Nông thôn", "Trình độ chuyên môn kỹ thuật",
                                     "Tình trạng việc làm", "Ngành kinh tế", "Thu nhập bình quân tháng", "Tham gia BHXH"]

    /// One CSV row in the order of `vietnameseHeaders`.
    private func csvRow(_ number: Int, _ id: PersonalID, born: String, sex: String, area: String = "Thành thị",
                        qualification: String = "", status: String = "Có việc làm", sector: String = "",
                        income: String = "", insurance: String = "") -> [String] {
        [String(number), id.digits, "Người Khảo Sát \(number)", born, sex, "731", "26041", area, qualification, status,
         sector, income, insurance]
    }

    private func writeCSV(_ url: URL, headers: [String], rows: [[String]]) throws {
        let writer = try CSVWriter(url: url, headers: headers)
        for row in rows { try writer.append(row) }
        try writer.finish()
    }

    private let man = Synthetic.id(born: "1990-04-12", .male, serial: 101)
    private let woman = Synthetic.id(born: "1985-09-30", .female, serial: 102)
    private let youth = Synthetic.id(born: "2004-01-20", .male, serial: 103)

    func testCSVWithVietnameseHeaders() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let url = dir.file("ds-xa.csv")
        try writeCSV(url, headers: vietnameseHeaders, rows: [
            csvRow(1, man, born: "12/04/1990", sex: "Nam", qualification: "Đại học", sector: "C",
                   income: "Từ 10 đến dưới 20 triệu đồng", insurance: "BHXH bắt buộc"),
            csvRow(2, woman, born: "30/09/1985", sex: "Nữ", area: "Nông thôn", status: "Thất nghiệp"),
            csvRow(3, youth, born: "20/01/2004", sex: "Nam", status: "Không tham gia hoạt động kinh tế"),
            // The same person again: the later row replaces the earlier one (same as-of date).
            csvRow(4, woman, born: "30/09/1985", sex: "Nữ", area: "Nông thôn", status: "Có việc làm", sector: "A"),
        ])
        let summary = try store.importSurvey(url: url, name: "ds-xa.csv", defaultAsOf: surveyDate)
        XCTAssertEqual(summary, SurveyImportSummary(fileName: "ds-xa.csv", rows: 4, people: 3, inserted: 3, replaced: 1))

        let first = try XCTUnwrap(try store.record(personalID: man, on: nil))
        XCTAssertEqual(first.fullName, "Người Khảo Sát 1")
        XCTAssertEqual(first.dateOfBirth, Synthetic.date("1990-04-12"))
        XCTAssertEqual(first.qualification, .university)
        XCTAssertEqual(first.sector, EconomicSector(rawValue: "C"))
        XCTAssertEqual(first.incomeBand, .from10to20m)
        XCTAssertEqual(first.socialInsurance, .compulsory)
        XCTAssertEqual(first.asOf, surveyDate)
        XCTAssertEqual(first.source, .survey)
        let second = try XCTUnwrap(try store.record(personalID: woman, on: nil))
        XCTAssertEqual(second.employmentStatus, .employed)
        XCTAssertEqual(second.area, .rural)
        XCTAssertEqual(second.incomeBand, .unknown)
        XCTAssertEqual(try store.record(personalID: youth, on: nil)?.employmentStatus, .inactive)

        let counts = try store.counts()
        XCTAssertEqual(counts.records, 3)
        XCTAssertEqual(counts.bySource, [.survey: 3])

        // Importing the same file again replaces every record (same as-of date), adds nothing.
        let again = try store.importSurvey(url: url, name: "ds-xa.csv", defaultAsOf: surveyDate)
        XCTAssertEqual(again, SurveyImportSummary(fileName: "ds-xa.csv", rows: 4, people: 3, inserted: 0, replaced: 4))
        XCTAssertEqual(try store.counts().records, 3)
    }

    func testXLSXWithHeadersWithoutDiacriticsAndNumberCells() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let url = dir.file("khao-sat.xlsx")
        let writer = try XLSXWriter(url: url, sheetName: "Danh sách", headers: [
            "so cccd", "HO VA TEN", "Ngay sinh", "gioi tinh", "ma huyen", "ma xa", "khu vuc", "tinh trang viec lam",
            "nganh kinh te", "tham gia bhxh", "ngay cap nhat",
        ])
        try writer.append([.text(man.digits), "Người Khảo Sát", .date(Synthetic.date("1990-04-12")), "nam",
                           .integer(731), .integer(26041), "thanh thi", "co viec lam", "F", "bhxh tu nguyen",
                           .date(Synthetic.date("2025-03-01"))])
        // Lost leading zeros in a number cell are restored: district 001 of Hà Nội, commune 00004.
        try writer.append([.text(woman.digits), "Người Khảo Sát", .date(Synthetic.date("1985-09-30")), "nu",
                           .integer(1), .integer(4), "nong thon", "that nghiep", .empty, .empty, .empty])
        try writer.finish()

        let summary = try store.importSurvey(url: url, name: "khao-sat.xlsx", defaultAsOf: surveyDate)
        XCTAssertEqual(summary, SurveyImportSummary(fileName: "khao-sat.xlsx", rows: 2, people: 2, inserted: 2, replaced: 0))
        let first = try XCTUnwrap(try store.record(personalID: man, on: nil))
        XCTAssertEqual(first.dateOfBirth, Synthetic.date("1990-04-12"))
        XCTAssertEqual(first.asOf, Synthetic.date("2025-03-01"))
        XCTAssertEqual(first.districtCode, "731")
        XCTAssertEqual(first.communeCode, "26041")
        XCTAssertEqual(first.sector, EconomicSector(rawValue: "F"))
        XCTAssertEqual(first.socialInsurance, .voluntary)
        let second = try XCTUnwrap(try store.record(personalID: woman, on: nil))
        XCTAssertEqual(second.asOf, surveyDate)
        XCTAssertEqual(second.districtCode, "001")
        XCTAssertEqual(second.communeCode, "00004")
        XCTAssertEqual(second.employmentStatus, .unemployed)
        XCTAssertEqual(second.sex, .female)

        let snapshot = try store.snapshot(on: surveyDate)
        XCTAssertEqual(snapshot.people, 2)
        XCTAssertEqual(Set(snapshot.snapshot.districtCodes), ["731", "001"])
    }

    func testBadRowNamesFileRowColumnAndReasonAndStoresNothing() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let good = dir.file("dot-1.csv")
        try writeCSV(good, headers: vietnameseHeaders, rows: [csvRow(1, man, born: "12/04/1990", sex: "Nam")])
        try store.importSurvey(url: good, name: "dot-1.csv", defaultAsOf: surveyDate)
        let before = try store.counts()
        XCTAssertEqual(before.records, 1)

        // 300 good rows (streamed into the transaction), then a year-only date of birth on row 302.
        var rows: [[String]] = (1...300).map { index in
            csvRow(index, Synthetic.id(born: "1992-02-02", .female, serial: 1000 + index), born: "02/02/1992", sex: "Nữ")
        }
        let secretID = Synthetic.id(born: "1987-01-01", .male, serial: 555_123)
        rows.append(csvRow(301, secretID, born: "1987", sex: "Nam"))
        let bad = dir.file("ds-xa.csv")
        try writeCSV(bad, headers: vietnameseHeaders, rows: rows)

        XCTAssertThrowsError(try store.importSurvey(url: bad, name: "ds-xa.csv", defaultAsOf: surveyDate)) { error in
            guard let error = error as? LaborSurveyError else { return XCTFail("\(type(of: error))") }
            XCTAssertEqual(error.code, .invalidRow)
            XCTAssertEqual(error.file, "ds-xa.csv")
            XCTAssertEqual(error.row, 302)
            XCTAssertEqual(error.column, "Ngày sinh")
            XCTAssertEqual(error.surveyColumn, .dateOfBirth)
            XCTAssertEqual(error.rowReason, .incompleteDate)
            XCTAssertEqual(error.description, "ds-xa.csv: row 302, column \"Ngày sinh\": full date of birth required")
            XCTAssertFalse(error.description.contains("1987"))
            XCTAssertFalse(error.description.contains(secretID.digits))
            XCTAssertFalse(error.description.contains("Người Khảo Sát"))
        }
        XCTAssertEqual(try store.counts(), before)
        XCTAssertNil(try store.record(personalID: Synthetic.id(born: "1992-02-02", .female, serial: 1001), on: nil))

        // The column is named as the file writes it.
        let plain = dir.file("plain.csv")
        try writeCSV(plain, headers: ["So dinh danh", "Ho va ten", "NGAY SINH", "Gioi tinh", "Ma huyen", "Ma xa",
                                      "Khu vuc", "Tinh trang viec lam"],
                     rows: [[man.digits, "Người Khảo Sát", "12/04/1990", "Nam", "731", "26041", "Thành thị", "Đi làm xa"]])
        XCTAssertThrowsError(try store.importSurvey(url: plain, name: "plain.csv", defaultAsOf: surveyDate)) { error in
            XCTAssertEqual(String(describing: error),
                           "plain.csv: row 2, column \"Tinh trang viec lam\": value cannot be read")
            XCTAssertFalse(String(describing: error).contains("Đi làm xa"))
        }
        // An id number that disagrees with the sex.
        try writeCSV(plain, headers: vietnameseHeaders, rows: [csvRow(1, man, born: "12/04/1990", sex: "Nữ")])
        XCTAssertThrowsError(try store.importSurvey(url: plain, name: "plain.csv", defaultAsOf: surveyDate)) { error in
            XCTAssertEqual((error as? LaborSurveyError)?.rowReason, .sexMismatch)
            XCTAssertEqual((error as? LaborSurveyError)?.column, "Số định danh cá nhân")
        }
        XCTAssertEqual(try store.counts(), before)
    }

    func testMissingRequiredColumnAndStructuralErrors() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let url = dir.file("thieu-cot.csv")
        let headers = vietnameseHeaders.filter { $0 != "Thành thị/Nông thôn" }
        try writeCSV(url, headers: headers, rows: [Array(csvRow(1, man, born: "12/04/1990", sex: "Nam").prefix(headers.count))])
        XCTAssertThrowsError(try store.importSurvey(url: url, name: "thieu-cot.csv", defaultAsOf: surveyDate)) { error in
            guard let error = error as? LaborSurveyError else { return XCTFail("\(type(of: error))") }
            XCTAssertEqual(error.code, .missingColumn)
            XCTAssertEqual(error.row, 1)
            XCTAssertEqual(error.column, "Thành thị/Nông thôn")
            XCTAssertEqual(error.surveyColumn, .area)
            XCTAssertEqual(error.description, "thieu-cot.csv: row 1, column \"Thành thị/Nông thôn\": required column is missing")
        }

        try writeCSV(url, headers: vietnameseHeaders + ["CCCD"], rows: [])
        XCTAssertThrowsError(try store.importSurvey(url: url, name: "hai-cot.csv", defaultAsOf: surveyDate)) { error in
            XCTAssertEqual((error as? LaborSurveyError)?.code, .duplicateColumn)
            XCTAssertEqual((error as? LaborSurveyError)?.column, "CCCD")
        }

        // A value beyond the headers (an unquoted comma) is a structural error with the row and the column letter.
        let shifted = dir.file("lech.csv")
        try Data(("Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Mã huyện,Mã xã,Thành thị/Nông thôn,Tình trạng việc làm\r\n"
                  + "\(man.digits),Người Khảo Sát,12/04/1990,Nam,731,26041,Thành thị,Có việc làm\r\n"
                  + "\(woman.digits),Người, Khảo Sát,30/09/1985,Nữ,731,26041,Thành thị,Có việc làm\r\n").utf8).write(to: shifted)
        XCTAssertThrowsError(try store.importSurvey(url: shifted, name: "lech.csv", defaultAsOf: surveyDate)) { error in
            guard let error = error as? LaborSurveyError else { return XCTFail("\(type(of: error))") }
            XCTAssertEqual(error.code, .malformed)
            XCTAssertEqual(error.row, 3)
            XCTAssertEqual(error.column, "I")
            XCTAssertFalse(error.description.contains(woman.digits))
        }
        XCTAssertEqual(try store.counts().records, 0)
    }
}
