/// The JSON Canonicalization Scheme (RFC 8785).
///
/// Object members are sorted by the UTF-16 code units of their keys, strings are escaped minimally
/// (only `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx` for the other control characters; all
/// else is literal UTF-8), numbers are written as ECMAScript's `Number.prototype.toString` writes them,
/// and there is no whitespace.
///
/// ```swift
/// let bytes = JCS.canonicalize(.object(["b": .number(1e21), "a": .string("\u{20ac}")]))
/// // {"a":"€","b":1e+21}
/// ```
///
/// The building blocks ``appendString(_:to:)`` and ``appendNumber(_:to:)`` let callers with a fixed
/// record shape (such as the audit log) write canonical bytes without building a ``JSONValue``.
public enum JCS {
    /// Returns the canonical UTF-8 bytes of `value`.
    ///
    /// Non-finite numbers (which no JSON text can carry) are written as `null`, like `JSON.stringify`.
    public static func canonicalize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    /// Appends the canonical form of `value` to `out`.
    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d):
            appendNumber(d, to: &out)
        case .string(let s):
            appendString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted(by: utf16Precedes)
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The RFC 8785 §3.2.3 member order: lexicographic on UTF-16 code units.
    public static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `string` as a canonical JSON string literal (with quotes) to `out`.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: nothing to escape, copy the UTF-8 bytes as they are.
        let copied: Bool? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            out.append(contentsOf: utf8)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends an integer in canonical form (identical to the ``appendNumber(_:to:)`` form for integers
    /// of magnitude below 2^53, the range in which doubles are exact).
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { buffer in
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    /// Appends `value` in the form of ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3):
    /// the shortest digit string that round-trips, plain notation for exponents in [-7, 21),
    /// `e+`/`e-` notation otherwise, `-0` as `0`. Non-finite values are written as `null`.
    public static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if value == 0 {
            out.append(UInt8(ascii: "0"))  // both +0 and -0
            return
        }
        // Fast path: integers exactly representable.
        if value.magnitude < 9_007_199_254_740_992, value.rounded(.towardZero) == value {
            appendInteger(Int64(value), to: &out)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let (digits, n) = shortestDigits(value.magnitude)
        let k = digits.count
        if k <= n && n <= 21 {
            // Integer: digits followed by n - k zeros.
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[0..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let e = n - 1
            out.append(e >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            appendInteger(Int64(e.magnitude), to: &out)
        }
    }

    /// Returns the shortest round-trip decimal digits `d1...dk` (no leading or trailing zeros) and
    /// the exponent `n` such that `value = 0.d1...dk × 10^n`, for a finite positive `value`.
    ///
    /// Swift's `description` of a `Double` prints the shortest digit string that round-trips and,
    /// among those, the closest to the exact value (SwiftDtoa), which is what ECMAScript requires;
    /// only its layout differs, so it is re-laid out here.
    private static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<e]
            var sign = 1
            var i = e + 1
            if text[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if text[i] == UInt8(ascii: "+") { i += 1 }
            var magnitude = 0
            while i < text.count {
                magnitude = magnitude * 10 + Int(text[i] - UInt8(ascii: "0"))
                i += 1
            }
            exponent = sign * magnitude
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(mantissa.count)
        var pointPosition: Int? = nil
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else {
                digits.append(byte)
            }
        }
        // value = digits (as an integer) × 10^(exponent - fractionDigits)
        //       = 0.digits × 10^(intDigits + exponent)
        var n = (pointPosition ?? digits.count) + exponent
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        n -= leading
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }
}
