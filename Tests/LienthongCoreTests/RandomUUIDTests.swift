import Foundation
import LienthongCore
import XCTest

final class RandomUUIDTests: XCTestCase {
    func testSystemRandomUUIDsAreVersionFourAndDistinct() {
        var seen = Set<UUID>()
        for _ in 0..<1_000 {
            let id = UUID.systemRandom()
            let text = id.uuidString.lowercased()
            let version = text[text.index(text.startIndex, offsetBy: 14)]
            let variant = text[text.index(text.startIndex, offsetBy: 19)]
            XCTAssertEqual(version, "4", text)
            XCTAssertTrue("89ab".contains(variant), text)
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 1_000)
    }
}
