import LienthongCore
import LienthongLabor
import LienthongRegistry
import LienthongTabular
import XCTest

final class SurveyColumnsTests: XCTestCase {
    private let today = Fixture.date("2025-07-01")
    // A synthetic person: born 15/03/1990, female, birth registered in province 75.
    private let personalID = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .female, serial: 4242)

    func testEveryAcceptedHeaderMapsToItsColumnAndNoKeyIsShared() {
        var owner: [String: SurveyColumn] = [:]
        for column in SurveyColumn.allCases {
            for header in column.acceptedHeaders {
                XCTAssertEqual(SurveyColumn.column(for: header), column, header)
                let key = HeaderKey.normalize(header)
                if let other = owner[key], other != column { XCTFail("\(key) names \(other) and \(column)") }
                owner[key] = column
            }
        }
    }

    func testVietnameseHeadersInAnyOrder() throws {
        let headers = ["STT", "Tình trạng việc làm", "Họ và tên", "Số định danh cá nhân", "Ngày sinh", "Giới tính",
                       "Mã huyện", "Mã xã", "Thành thị/Nông thôn", "Ngành kinh tế", "Ghi chú"]
        let header = try SurveyHeader.map(headers)
        XCTAssertEqual(header.position(of: .employmentStatus), 1)
        XCTAssertEqual(header.position(of: .personalId), 3)
        XCTAssertEqual(header.position(of: .sector), 9)
        XCTAssertEqual(header.unrecognised, [0, 10])
        XCTAssertEqual(header.width, 11)
    }

    func testHeadersWithoutDiacriticsAndInEnglish() throws {
        let plain = try SurveyHeader.map(["SO CCCD", "ho va ten", "ngay sinh", "gioi tinh", "ma huyen", "ma xa",
                                          "khu vuc", "tinh trang viec lam", "thu nhap binh quan thang", "tham gia bhxh"])
        XCTAssertEqual(plain.position(of: .personalId), 0)
        XCTAssertEqual(plain.position(of: .area), 6)
        XCTAssertEqual(plain.position(of: .incomeBand), 8)
        XCTAssertEqual(plain.position(of: .socialInsurance), 9)
        let english = try SurveyHeader.map(["Employment status", "Urban/rural", "Commune code", "District code", "Sex",
                                            "Date of birth", "Full name", "Personal id", "As of"])
        XCTAssertEqual(english.position(of: .personalId), 7)
        XCTAssertEqual(english.position(of: .employmentStatus), 0)
        XCTAssertEqual(english.position(of: .asOf), 8)
    }

    func testMissingRequiredColumnIsNamed() {
        XCTAssertThrowsError(try SurveyHeader.map(["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã huyện",
                                                   "Mã xã", "Tình trạng việc làm"])) { error in
            let error = error as? LaborImportError
            XCTAssertEqual(error?.code, .missingColumn)
            XCTAssertEqual(error?.column, .area)
            XCTAssertTrue(error?.message.contains("Thành thị/Nông thôn") ?? false)
        }
        XCTAssertThrowsError(try SurveyHeader.map(["CCCD", "Số định danh cá nhân"])) { error in
            XCTAssertEqual((error as? LaborImportError)?.code, .duplicateColumn)
            XCTAssertEqual((error as? LaborImportError)?.positions, [0, 1])
        }
    }

    private let headers = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Mã huyện", "Mã xã",
                           "Khu vực", "Trình độ giáo dục phổ thông", "Trình độ chuyên môn kỹ thuật", "Chuyên ngành",
                           "Tình trạng việc làm", "Công việc chính", "Vị trí việc làm", "Nơi làm việc",
                           "Loại hình nơi làm việc", "Ngành kinh tế", "Công việc trước đây",
                           "Thời gian thất nghiệp (tháng)", "Lý do không tham gia hoạt động kinh tế", "Nhu cầu đào tạo",
                           "Nhu cầu việc làm", "Thu nhập bình quân tháng", "Tham gia BHXH", "Ngày cập nhật"]

    private func goodRow() -> [RawCell?] {
        [RawCell(personalID.digits), "Trần Thị Thử", "15/03/1990", "Nữ", "Kinh", RawCell("731", numeric: true),
         "26041", "TT", "12/12", "Đại học", "Kế toán", "Có việc làm", "Kế toán viên", "Nhân viên",
         "Công ty TNHH Thử Nghiệm", "FDI", "C - Công nghiệp chế biến", nil, nil, nil, "có", "không", "10-20 triệu",
         "BHXH bắt buộc", "01/06/2025"]
    }

    func testGoodRowBecomesARecord() throws {
        let header = try SurveyHeader.map(headers)
        let record = try header.record(row: 2, cells: goodRow(), defaultAsOf: today).get()
        XCTAssertEqual(record.personalID, personalID)
        XCTAssertEqual(record.fullName, "Trần Thị Thử")
        XCTAssertEqual(record.dateOfBirth, Fixture.date("1990-03-15"))
        XCTAssertEqual(record.sex, .female)
        XCTAssertEqual(record.ethnicity, "Kinh")
        XCTAssertEqual(record.districtCode, "731")
        XCTAssertEqual(record.communeCode, "26041")
        XCTAssertEqual(record.area, .urban)
        XCTAssertEqual(record.education, .upperSecondary)
        XCTAssertEqual(record.qualification, .university)
        XCTAssertEqual(record.fieldOfStudy, "Kế toán")
        XCTAssertEqual(record.employmentStatus, .employed)
        XCTAssertEqual(record.establishment, .foreignInvested)
        XCTAssertEqual(record.sector?.rawValue, "C")
        XCTAssertNil(record.unemploymentMonths)
        XCTAssertEqual(record.wantsTraining, true)
        XCTAssertEqual(record.wantsJob, false)
        XCTAssertEqual(record.incomeBand, .from10to20m)
        XCTAssertEqual(record.socialInsurance, .compulsory)
        XCTAssertEqual(record.asOf, Fixture.date("2025-06-01"))
        XCTAssertEqual(record.source, .survey)
    }

    func testDefaultsWhenOptionalColumnsAreAbsent() throws {
        let header = try SurveyHeader.map(["CCCD", "Họ tên", "Ngày sinh", "GT", "Mã huyện", "Mã xã", "Khu vực",
                                           "Tình trạng việc làm"])
        // The id from a number cell lost its leading zero; the registry's parser restores it.
        let cells: [RawCell?] = [RawCell(String(personalID.digits.dropFirst()), numeric: true), "Trần Thị Thử",
                                 "1990-03-15", "nu", "731", "26041", "nông thôn", "thất nghiệp"]
        let record = try header.record(row: 5, cells: cells, defaultAsOf: today).get()
        XCTAssertEqual(record.personalID, personalID)
        XCTAssertEqual(record.education, EducationLevel.none)
        XCTAssertEqual(record.qualification, Qualification.none)
        XCTAssertEqual(record.incomeBand, .unknown)
        XCTAssertEqual(record.socialInsurance, SocialInsuranceParticipation.none)
        XCTAssertEqual(record.asOf, today)
        XCTAssertEqual(record.employmentStatus, .unemployed)
        XCTAssertEqual(record.area, .rural)
    }

    func testRowErrorsNameColumnAndNeverTheValue() throws {
        let header = try SurveyHeader.map(headers)
        func failure(_ column: SurveyColumn, _ value: RawCell?) -> LaborRowError? {
            var cells = goodRow()
            guard let position = header.position(of: column) else { return nil }
            cells[position] = value
            if case .failure(let error) = header.record(row: 7, cells: cells, defaultAsOf: today) { return error }
            return nil
        }
        let cases: [(SurveyColumn, RawCell?, LaborRowError.Reason)] = [
            (.personalId, nil, .missing),
            (.personalId, "07519012345X", .invalid),
            (.fullName, "   ", .missing),
            (.dateOfBirth, "1990", .incompleteDate),
            (.dateOfBirth, "31/02/1990", .invalid),
            (.dateOfBirth, "15/03/1991", .birthYearMismatch),
            (.sex, "Nam", .sexMismatch),
            (.sex, "không rõ", .invalid),
            (.districtCode, "7311", .invalid),
            (.communeCode, "2604", .invalid),
            (.area, "ngoại ô", .invalid),
            (.area, nil, .missing),
            (.education, "lớp 13", .invalid),
            (.qualification, "bằng lái xe", .invalid),
            (.employmentStatus, "nghỉ phép dài", .invalid),
            (.establishment, "ngân hàng XYZ", .invalid),
            (.sector, "ZZ", .invalid),
            (.unemploymentMonths, "ba tháng", .invalid),
            (.unemploymentMonths, "9999", .invalid),
            (.inactivityReason, "đi chơi", .invalid),
            (.wantsTraining, "có lẽ", .invalid),
            (.incomeBand, "nhiều tiền", .invalid),
            (.socialInsurance, "BHYT", .invalid),
            (.asOf, "06/2025", .incompleteDate),
            (.asOf, "01/01/1980", .afterAsOf),
            (.fullName, RawCell(String(repeating: "a", count: 201)), .tooLong),
        ]
        for (column, value, reason) in cases {
            guard let error = failure(column, value) else {
                XCTFail("no error for \(column)")
                continue
            }
            let expectedColumn: SurveyColumn = (column == .sex && reason == .sexMismatch)
                || (column == .dateOfBirth && reason == .birthYearMismatch) ? .personalId
                : (column == .asOf && reason == .afterAsOf ? .dateOfBirth : column)
            XCTAssertEqual(error.column, expectedColumn, "\(column)")
            XCTAssertEqual(error.reason, reason, "\(column)")
            XCTAssertEqual(error.row, 7)
            if let value, !value.text.trimmingCharacters(in: .whitespaces).isEmpty {
                XCTAssertFalse(error.description.contains(value.text), "value leaked for \(column)")
            }
            XCTAssertFalse(error.description.contains(personalID.digits))
            XCTAssertFalse(error.description.contains("Trần"))
        }
        XCTAssertEqual(failure(.dateOfBirth, "1990")?.reason.text, "full date of birth required")
    }
}
