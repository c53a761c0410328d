/// A JSON value (RFC 8259), as used by the RFC 8785 canonicalizer ``JCS``.
///
/// Numbers are IEEE 754 doubles, as in I-JSON (RFC 7493) and ECMAScript; objects are
/// unordered (``JCS`` sorts their keys when encoding).
///
/// ```swift
/// let value = try JSONValue(parsing: Array(#"{"b":1,"a":[true,null]}"#.utf8))
/// let canonical = JCS.canonicalize(value)   // {"a":[true,null],"b":1}
/// ```
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number. Non-finite values cannot be represented in JSON; ``JCS`` encodes them as `null`,
    /// like ECMAScript's `JSON.stringify`.
    case number(Double)
    /// A string (always valid Unicode: the parser refuses lone surrogates and invalid UTF-8).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; keys are unique.
    case object([String: JSONValue])
}

/// An error raised by ``JSONValue/init(parsing:maxDepth:)``.
///
/// The error names the problem and the byte offset, never the offending content.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// The input ended inside a value.
        case unexpectedEnd = "unexpected-end"
        /// A byte that cannot start or continue a value at this point.
        case unexpectedByte = "unexpected-byte"
        /// Non-whitespace content after the top-level value.
        case trailingContent = "trailing-content"
        /// A number that does not follow the JSON grammar.
        case invalidNumber = "invalid-number"
        /// A number whose magnitude does not fit a double (I-JSON).
        case numberOutOfRange = "number-out-of-range"
        /// An invalid escape sequence in a string.
        case invalidEscape = "invalid-escape"
        /// An unescaped control character (U+0000 to U+001F) in a string.
        case controlCharacterInString = "control-character-in-string"
        /// A lone or mismatched UTF-16 surrogate escape.
        case invalidSurrogate = "invalid-surrogate"
        /// A string that is not valid UTF-8.
        case invalidUTF8 = "invalid-utf8"
        /// The same key twice in one object (forbidden by I-JSON and RFC 8785).
        case duplicateKey = "duplicate-key"
        /// Arrays and objects nested deeper than the configured limit.
        case tooDeep = "too-deep"
    }

    /// What went wrong.
    public let code: Code
    /// The byte offset in the input where the problem was detected.
    public let offset: Int

    /// Creates an error.
    public init(code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// A description naming the problem and the offset (never the content).
    public var description: String { "JSON parse error \(code.rawValue) at byte \(offset)" }
}

extension JSONValue {
    /// The default limit on the nesting of arrays and objects.
    public static let defaultMaxDepth = 128

    /// Parses one JSON text (RFC 8259) strictly.
    ///
    /// Refused: anything outside the RFC 8259 grammar (comments, trailing commas, leading zeros,
    /// single quotes, `NaN`), invalid UTF-8, unescaped control characters, lone surrogates,
    /// duplicate object keys, numbers beyond the double range, and nesting deeper than `maxDepth`.
    /// A leading UTF-8 byte order mark is refused too (RFC 8259 §8.1: "MUST NOT add").
    ///
    /// - Parameters:
    ///   - bytes: the UTF-8 JSON text.
    ///   - maxDepth: the maximum nesting of arrays and objects (the top level counts as 1).
    /// - Throws: ``JSONParseError``.
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = JSONValue.defaultMaxDepth) throws {
        let array = Array(bytes)
        self = try array.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
            return try parser.parseDocument()
        }
    }

    /// Parses one JSON text given as a string; see ``init(parsing:maxDepth:)``.
    public init(parsing text: String, maxDepth: Int = JSONValue.defaultMaxDepth) throws {
        try self.init(parsing: Array(text.utf8), maxDepth: maxDepth)
    }
}

/// A strict recursive-descent JSON parser over a byte buffer. Recursion depth is bounded by `maxDepth`.
private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index != bytes.count {
            throw JSONParseError(code: .trailingContent, offset: index)
        }
        return value
    }

    private func fail(_ code: JSONParseError.Code) -> JSONParseError {
        JSONParseError(code: code, offset: index)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail(.unexpectedByte)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for i in 0..<count {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == start[i] else { throw fail(.unexpectedByte) }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        index += 1  // {
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte) }
            let keyOffset = index
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: ":") else { throw fail(.unexpectedByte) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if object.updateValue(value, forKey: key) != nil {
                throw JSONParseError(code: .duplicateKey, offset: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(object)
            default: throw fail(.unexpectedByte)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        index += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(array)
            default: throw fail(.unexpectedByte)
            }
        }
    }

    private mutating func parseNumber() throws -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        // int = zero / ( digit1-9 *DIGIT )
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        } else {
            throw fail(.invalidNumber)
        }
        // frac = decimal-point 1*DIGIT
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard isDigit(bytes[index]) else { throw fail(.invalidNumber) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // exp = e [ minus / plus ] 1*DIGIT
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard isDigit(bytes[index]) else { throw fail(.invalidNumber) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // A digit right after a leading zero ("01") is not part of the grammar.
        if index < bytes.count, isDigit(bytes[index]) { throw fail(.invalidNumber) }
        let lexeme = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(lexeme) else {
            throw JSONParseError(code: .invalidNumber, offset: start)
        }
        guard value.isFinite else {
            throw JSONParseError(code: .numberOutOfRange, offset: start)
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(code: .invalidUTF8, offset: start)
                }
                index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail(.controlCharacterInString) }
            index += 1
        }
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        // Slow path with escapes.
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: buffer, as: UTF8.self) else {
                    throw JSONParseError(code: .invalidUTF8, offset: start)
                }
                index += 1
                return string
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    appendUTF8(scalar, to: &buffer)
                default:
                    index -= 1
                    throw fail(.invalidEscape)
                }
            default:
                if byte < 0x20 { throw fail(.controlCharacterInString) }
                buffer.append(byte)
                index += 1
            }
        }
        throw fail(.unexpectedEnd)
    }

    /// Parses the 4 hex digits after `\u` (and a following `\uXXXX` low surrogate when needed).
    private mutating func parseUnicodeEscape() throws -> UInt32 {
        let first = try parseHex4()
        switch first {
        case 0xD800...0xDBFF:
            guard index + 1 < bytes.count,
                  bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw fail(.invalidSurrogate) }
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw fail(.invalidSurrogate) }
            return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        case 0xDC00...0xDFFF:
            throw fail(.invalidSurrogate)
        default:
            return first
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | (scalar >> 6)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | (scalar >> 12)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            buffer.append(UInt8(0xF0 | (scalar >> 18)))
            buffer.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
