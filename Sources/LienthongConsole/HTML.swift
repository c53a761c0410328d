/// Escaping for HTML text and attribute values.
///
/// Every string that reaches a page goes through ``escape(_:)`` (text) or ``attribute(_:)`` (attribute values),
/// so a member description such as `<script>` shows as text and never becomes markup. The output is also valid
/// XML (only the predefined entities and numeric references are used), which keeps the pages XHTML-compatible.
///
/// ```swift
/// HTML.escape("a < b & c")          // "a &lt; b &amp; c"
/// HTML.attribute("say \"hi\"")      // "say &quot;hi&quot;"
/// ```
public enum HTML {
    /// Escapes `text` for use as element content: `&`, `<`, `>`, `"` and `'` become references, and control
    /// characters other than tab, line feed and carriage return (not allowed in XML 1.0) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escapes `value` for use inside a double-quoted attribute value (`name="…"`). Same rules as ``escape(_:)``;
    /// tab, line feed and carriage return are written as numeric references so parsers keep them.
    public static func attribute(_ value: String) -> String {
        escape(value)
            .replacingOccurrences(of: "\t", with: "&#9;")
            .replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\r", with: "&#13;")
    }

    /// A percent-encoded query value (RFC 3986 unreserved characters kept), for links built from model values.
    public static func queryValue(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }
}
