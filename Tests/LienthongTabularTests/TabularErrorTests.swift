import LienthongTabular
import XCTest

final class TabularErrorTests: XCTestCase {
    func testDescriptionNamesFileRowAndColumn() {
        XCTAssertEqual(TabularError(.missingColumn, file: "ds.xlsx", row: 1, column: "Ngày sinh", reason: "required column is missing").description,
                       "ds.xlsx, row 1, column Ngày sinh: required column is missing")
        XCTAssertEqual(TabularError(.unreadable, file: "ds.csv", reason: "not UTF-8 text").description, "ds.csv: not UTF-8 text")
    }
}
