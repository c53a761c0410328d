import LienthongRegistry
import XCTest

final class BeneficiaryCategoryTests: XCTestCase {
    func testCodesAreStableAndNamesVietnamese() {
        XCTAssertEqual(BeneficiaryCategory.allCases.count, 7)
        XCTAssertEqual(BeneficiaryCategory(rawValue: "bao-tro-xa-hoi"), .socialProtection)
        XCTAssertEqual(BeneficiaryCategory.nearPoorHousehold.vietnameseName, "Hộ cận nghèo")
    }
}
