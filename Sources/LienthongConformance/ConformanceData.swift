import Foundation
import LienthongCore

/// Synthetic test data of the checks and value-free descriptions for failure reasons.
enum ConformanceData {
    /// Legacy province codes used for random personal id numbers (Hà Nội, Đồng Nai, TP Hồ Chí Minh, Đà Nẵng).
    static let provinceCodes = ["01", "75", "79", "48"]

    /// A random, well-formed personal id number (12 digits, a known birth-registration prefix, an adult).
    static func personalID() -> String {
        var rng = SystemRandomNumberGenerator()
        let province = provinceCodes.randomElement(using: &rng) ?? "75"
        let year = Int.random(in: 1950...2000, using: &rng)
        let sex: Sex = Bool.random(using: &rng) ? .male : .female
        return PersonalID.make(provinceCode: province, birthYear: year, sex: sex, serial: Int.random(in: 0...999_999, using: &rng)).digits
    }

    /// A random 10-digit social-insurance number.
    static func socialInsuranceNumber() -> String {
        digits(10)
    }

    /// `count` random ASCII digits.
    static func digits(_ count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &rng))) })
    }

    /// `bytes` random bytes as lower-case hex.
    static func hex(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    /// What a JSON member is, without its value: `absent`, `null`, `a boolean`, `a number`, `a string`, `an array`,
    /// `an object`; with `mismatch`, a string is `another string` (the value differs from what was expected).
    static func kind(_ value: JSONValue?, mismatch: Bool = false) -> String {
        switch value {
        case nil: "no such member"
        case .null?: "null"
        case .bool?: "a boolean"
        case .number?: "a number"
        case .string?: mismatch ? "another string" : "a string"
        case .array?: "an array"
        case .object?: "an object"
        }
    }

    /// A media type for a reason (`none` when absent; media types are not personal data).
    static func describe(mediaType: String) -> String {
        mediaType.isEmpty ? "none" : String(mediaType.prefix(80))
    }
}
