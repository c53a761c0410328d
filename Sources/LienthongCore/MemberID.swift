/// The identifier of an exchange member: lowercase, dot-separated, `^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`.
///
/// ```swift
/// let labour = try MemberID("gov.labour.dongnai")
/// labour.segments      // ["gov", "labour", "dongnai"]
/// try MemberID("bank.970436").bankBIN   // "970436"
/// ```
///
/// Encodes as a plain JSON string; orders by its text.
public struct MemberID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The identifier text.
    public let value: String

    /// Parses a member id (`invalidFormat` when it does not match the pattern).
    public init(_ text: String) throws(IdentifierError) {
        try self.init(text, field: "memberId")
    }

    /// Parses a member id, naming `field` in the error.
    public init(_ text: String, field: String) throws(IdentifierError) {
        guard MemberID.isValid(text) else {
            throw IdentifierError(.invalidFormat, field: field,
                                  detail: "member id must be lowercase dot-separated segments of a-z, 0-9 and '-', starting with a letter")
        }
        self.value = text
    }

    /// Whether `text` matches `^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`.
    public static func isValid(_ text: String) -> Bool {
        var position = 0
        var dots = 0
        var segmentLength = 0
        for byte in text.utf8 {
            let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isHyphen = byte == UInt8(ascii: "-")
            if position == 0 {
                guard isLower else { return false }
                segmentLength = 1
            } else if byte == UInt8(ascii: ".") {
                guard segmentLength > 0 else { return false }
                dots += 1
                segmentLength = 0
            } else {
                guard isLower || isDigit || isHyphen else { return false }
                segmentLength += 1
            }
            position += 1
        }
        return dots > 0 && segmentLength > 0
    }

    /// The dot-separated segments.
    public var segments: [Substring] { value.split(separator: ".", omittingEmptySubsequences: false) }

    /// For a bank member `bank.<BIN>`, the BIN; otherwise `nil`.
    public var bankBIN: String? {
        let parts = segments
        guard parts.count == 2, parts[0] == "bank" else { return nil }
        let bin = String(parts[1])
        return (try? BankDirectory.validateBIN(bin)) != nil ? bin : nil
    }

    /// The identifier text (member ids are not personal data).
    public var description: String { value }

    /// Orders by the identifier text.
    public static func < (lhs: MemberID, rhs: MemberID) -> Bool { lhs.value < rhs.value }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try MemberID(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
