import LienthongCore
import LienthongRegistry
import XCTest

final class ListHeaderTests: XCTestCase {
    func testEveryAcceptedHeaderMapsToItsColumn() {
        for column in ListColumn.allCases {
            for header in column.acceptedHeaders {
                XCTAssertEqual(ListHeader.column(for: header), column, "header \(header)")
            }
        }
    }

    func testNoHeaderKeyNamesTwoColumns() {
        var owner: [String: ListColumn] = [:]
        for column in ListColumn.allCases {
            for header in column.acceptedHeaders {
                let key = ListHeader.key(header)
                XCTAssertFalse(key.isEmpty, "header \(header) has an empty key")
                if let other = owner[key], other != column {
                    XCTFail("key \(key) names both \(other) and \(column)")
                }
                owner[key] = column
            }
        }
    }

    func testKeyIgnoresCaseDiacriticsSpacesPunctuationAndNormalForm() {
        XCTAssertEqual(ListHeader.key("Số CMND/CCCD"), "socmndcccd")
        XCTAssertEqual(ListHeader.key("  so_cmnd - cccd "), "socmndcccd")
        XCTAssertEqual(ListHeader.key("Người được uỷ quyền"), ListHeader.key("Người được ủy quyền"))
        let nfd = "Ho\u{0323} va\u{0300} te\u{0302}n"  // "Họ và tên" decomposed
        XCTAssertEqual(ListHeader.column(for: nfd), .fullName)
        XCTAssertEqual(ListHeader.column(for: "HỌ VÀ TÊN"), .fullName)
        XCTAssertEqual(ListHeader.column(for: "ho va ten"), .fullName)
        XCTAssertEqual(ListHeader.column(for: "Đối tượng"), .category)
        XCTAssertEqual(ListHeader.column(for: "DOI TUONG"), .category)
        XCTAssertNil(ListHeader.column(for: "Nơi sinh"), "place of birth is not the birth-registration place")
    }

    func testAliasFamilies() {
        let expectations: [(ListColumn, [String])] = [
            (.fullName, ["Họ tên", "HỌ VÀ TÊN", "Full name", "Name", "Họ, tên đệm, tên"]),
            (.dateOfBirth, ["Ngày sinh", "Ngày/tháng/năm sinh", "Năm sinh", "NS", "DOB", "Date of birth"]),
            (.sex, ["Giới tính", "GIOI TINH", "GT", "Sex", "Gender"]),
            (.personalId, ["Số định danh cá nhân", "Mã định danh", "CCCD", "Số CCCD", "Số CMND/CCCD",
                           "so dinh danh ca nhan", "Personal id number", "National ID"]),
            (.cmnd, ["Số CMND", "CMND", "Số chứng minh nhân dân", "CMTND", "Old id"]),
            (.ethnicity, ["Dân tộc", "dan toc", "Ethnicity"]),
            (.hometown, ["Quê quán", "Nguyên quán", "Hometown"]),
            (.permanentResidence, ["Nơi thường trú", "Nơi đăng ký thường trú", "Địa chỉ thường trú", "HKTT", "Address"]),
            (.commune, ["Xã/phường", "Xã", "Xã, phường, thị trấn", "Commune", "Ward"]),
            (.communeCode, ["Mã xã", "Mã xã/phường", "Commune code"]),
            (.district, ["Quận/huyện", "Huyện", "District"]),
            (.province, ["Tỉnh/thành phố", "Tỉnh", "Tỉnh/TP", "Province"]),
            (.category, ["Đối tượng", "Loại đối tượng", "Diện đối tượng", "Category"]),
            (.accountNumber, ["Số tài khoản", "STK", "Số TK", "Account number"]),
            (.accountType, ["Loại tài khoản", "Loại TK", "Account type"]),
            (.bankOrProvider, ["Ngân hàng", "Tên ngân hàng", "Ngân hàng/nhà cung cấp dịch vụ", "BIN", "Bank"]),
            (.phone, ["Số điện thoại", "SĐT", "SDT", "Điện thoại", "Phone"]),
            (.authorisedName, ["Người được ủy quyền/giám hộ", "Người giám hộ", "Người được uỷ quyền", "Guardian"]),
            (.authorisedPersonalId, ["CCCD người giám hộ", "Số định danh người được ủy quyền", "Guardian id"]),
            (.guardianRelation, ["Quan hệ", "Quan hệ với đối tượng", "Relationship"]),
            (.parentName, ["Họ tên cha/mẹ", "Cha/mẹ", "Cha/mẹ/người giám hộ", "Parent's name"]),
            (.fatherName, ["Họ tên cha", "Họ tên bố", "Father"]),
            (.motherName, ["Họ tên mẹ", "Mẹ", "Mother"]),
            (.birthRegistrationPlace, ["Nơi đăng ký khai sinh", "Nơi ĐKKS", "noi dkks", "Birth registration place"]),
            (.noCapacity, ["Không còn khả năng giao dịch", "Không còn khả năng", "No capacity", "Cannot transact"]),
            (.sequence, ["STT", "Số thứ tự", "No."]),
            (.notes, ["Ghi chú", "Notes"]),
        ]
        for (column, headers) in expectations {
            for header in headers {
                XCTAssertEqual(ListHeader.column(for: header), column, "header \(header)")
            }
        }
    }

    func testMapsAnyOrderAndRecordsUnrecognisedPositions() throws {
        let index = try ListHeader.map(["Số CCCD", "Ghi chú khác", "", "Ngày sinh", "STT", "HỌ VÀ TÊN", "Giới tính"])
        XCTAssertEqual(index.position(of: .personalId), 0)
        XCTAssertEqual(index.position(of: .dateOfBirth), 3)
        XCTAssertEqual(index.position(of: .fullName), 5)
        XCTAssertEqual(index.position(of: .sex), 6)
        XCTAssertFalse(index.contains(.cmnd))
        XCTAssertEqual(index.unrecognised, [1])
        XCTAssertEqual(index.width, 7)
        XCTAssertEqual(index.columns, [.personalId, .dateOfBirth, .sequence, .fullName, .sex])

        let row = index.row(number: 2, cells: ["075090000001", "x", nil, "15/03/1990", "1", "Nguyễn Văn An"])
        XCTAssertEqual(row.number, 2)
        XCTAssertEqual(row[.personalId]?.text, "075090000001")
        XCTAssertEqual(row[.fullName]?.text, "Nguyễn Văn An")
        XCTAssertNil(row[.sex], "a missing trailing cell is absent")
        XCTAssertEqual(row.values.count, 4)
    }

    func testEnglishHeaders() throws {
        let headers = ListColumn.allCases.map(\.englishHeader)
        let index = try ListHeader.map(headers)
        for (position, column) in ListColumn.allCases.enumerated() {
            XCTAssertEqual(index.position(of: column), position)
        }
    }

    func testMissingRequiredColumnNamesItInVietnamese() {
        XCTAssertThrowsError(try ListHeader.map(["Ngày sinh", "Số CCCD"])) { error in
            guard let error = error as? RegistryImportError else { return XCTFail("wrong error type") }
            XCTAssertEqual(error.code, .missingColumn)
            XCTAssertEqual(error.column, .fullName)
            XCTAssertTrue(error.message.contains("Họ và tên"), error.message)
        }
        XCTAssertThrowsError(try ListHeader.map(["Họ và tên", "Số CCCD"])) { error in
            let error = error as? RegistryImportError
            XCTAssertEqual(error?.column, .dateOfBirth)
            XCTAssertTrue(error?.message.contains("Ngày sinh") ?? false)
        }
        XCTAssertThrowsError(try ListHeader.map(["Họ và tên", "Ngày sinh", "Giới tính"])) { error in
            let error = error as? RegistryImportError
            XCTAssertEqual(error?.code, .missingColumn)
            XCTAssertEqual(error?.column, .personalId)
            XCTAssertTrue(error?.message.contains("Số định danh cá nhân") ?? false)
        }
        // A parent column without the birth-registration place does not identify a child.
        XCTAssertThrowsError(try ListHeader.map(["Họ và tên", "Ngày sinh", "Họ tên mẹ"]))
        XCTAssertThrowsError(try ListHeader.map([]))
    }

    func testIdentifierAlternatives() throws {
        XCTAssertNoThrow(try ListHeader.map(["Họ và tên", "Ngày sinh", "Số CMND"]))
        XCTAssertNoThrow(try ListHeader.map(["Họ và tên", "Ngày sinh", "Số định danh cá nhân"]))
        XCTAssertNoThrow(try ListHeader.map(["Họ và tên", "Ngày sinh", "Họ tên cha/mẹ", "Nơi đăng ký khai sinh"]))
        XCTAssertNoThrow(try ListHeader.map(["Họ và tên", "Ngày sinh", "Họ tên mẹ", "Nơi ĐKKS"]))
    }

    func testDuplicateColumn() {
        XCTAssertThrowsError(try ListHeader.map(["Họ và tên", "Ngày sinh", "Số CCCD", "Số định danh cá nhân"])) { error in
            let error = error as? RegistryImportError
            XCTAssertEqual(error?.code, .duplicateColumn)
            XCTAssertEqual(error?.column, .personalId)
            XCTAssertEqual(error?.positions, [2, 3])
            XCTAssertTrue(error?.message.contains("Số định danh cá nhân") ?? false)
        }
        XCTAssertThrowsError(try ListHeader.map(["Họ tên", "HỌ VÀ TÊN", "Ngày sinh", "CCCD"]))
    }
}
