import Foundation
import XCTest
import X509

/// A fresh temporary directory, removed at the end of the test.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("lienthong-pki-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

func readCertificate(_ url: URL) throws -> Certificate {
    try Certificate(pemEncoded: String(contentsOf: url, encoding: .utf8))
}

/// Lowercase hex without leading zeros (Python's `format(n, "x")`).
func hexWithoutLeadingZeros(_ bytes: some Collection<UInt8>) -> String {
    let hex = bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
    let trimmed = hex.drop(while: { $0 == "0" })
    return trimmed.isEmpty ? "0" : String(trimmed)
}

let oneDay: TimeInterval = 86_400
