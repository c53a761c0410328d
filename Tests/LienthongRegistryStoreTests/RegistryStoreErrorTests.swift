import LienthongRegistryStore
import XCTest

final class RegistryStoreErrorTests: XCTestCase {
    func testDescription() {
        XCTAssertEqual(RegistryStoreError(.notFound, detail: "no such batch").description, "notFound: no such batch")
    }
}
