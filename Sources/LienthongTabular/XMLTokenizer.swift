import Foundation

/// A pull tokenizer for the XML that workbooks are made of: elements, attributes, text, CDATA, comments and
/// processing instructions. Namespace prefixes are dropped from element names. DOCTYPE (and so ENTITY)
/// declarations are refused; only the five predefined entities and character references are expanded: no external
/// entities, no entity-expansion attacks. Text and tags are found with `memchr` over the input's chunks.
final class XMLTokenizer {
    enum Issue: Error {
        case malformed(String)
        case tooLarge(String)
        case readError
    }

    /// The element names the readers look at; everything else is `.other`.
    enum Name: Equatable {
        case row, c, v, `is`, t, rPh, sheetData, workbookPr, sheet, relationship, numFmt, cellXfs, xf, si, other
    }

    enum Event {
        /// A start tag; its attributes are read with ``attribute(_:)`` until the next event.
        case start(name: Name, selfClosing: Bool)
        case end(name: Name)
        /// Text with entities expanded (only produced while ``captureText`` is on).
        case text([UInt8])
    }

    private let input: ByteInput
    private let maxTextBytes: Int
    private let maxTagBytes: Int
    /// Whether text between tags is collected; off, text is skipped.
    var captureText = false
    /// A `<` was consumed by the last text event.
    private var atTag = false
    private var raw: [UInt8] = []
    private var tag: [UInt8] = []

    init(input: ByteInput, maxTextBytes: Int) {
        self.input = input
        self.maxTextBytes = maxTextBytes
        self.maxTagBytes = max(64 * 1024, maxTextBytes + 16)
    }

    private func scan(_ delimiter: UInt8, into out: inout [UInt8], keep: Bool, limit: Int) throws(Issue) -> ByteInput.ScanResult {
        do { return try input.scan(until: delimiter, into: &out, keep: keep, limit: limit) } catch { throw .readError }
    }

    /// The next event, `nil` at the end of the document.
    func next() throws(Issue) -> Event? {
        while true {
            if !atTag {
                raw.removeAll(keepingCapacity: true)
                let result = try scan(UInt8(ascii: "<"), into: &raw, keep: captureText, limit: maxTextBytes * 8 + 64)
                switch result {
                case .overLimit: throw .tooLarge("a cell's text is longer than \(maxTextBytes) bytes")
                case .end: return nil
                case .found: break
                }
                if captureText, !raw.isEmpty {
                    atTag = true
                    return .text(try decode(raw[...]))
                }
            }
            atTag = false
            if let event = try readTag() { return event }
        }
    }

    /// After `<`: reads through the matching `>`.
    private func readTag() throws(Issue) -> Event? {
        tag.removeAll(keepingCapacity: true)
        while true {
            switch try scan(UInt8(ascii: ">"), into: &tag, keep: true, limit: maxTagBytes) {
            case .overLimit: throw .tooLarge("an XML tag is too long")
            case .end: throw .malformed("the XML ends in the middle of a tag")
            case .found: break
            }
            if isComplete() { break }
            tag.append(UInt8(ascii: ">"))
        }
        guard let first = tag.first else { throw .malformed("an empty XML tag") }
        switch first {
        case UInt8(ascii: "?"):
            return nil
        case UInt8(ascii: "!"):
            if tagStarts(with: "!--") { return nil }
            if tagStarts(with: "![CDATA[") {
                guard captureText else { return nil }
                let content = Array(tag[8..<(tag.count - 2)])
                if content.contains(0) { throw .malformed("the XML contains a NUL byte") }
                if content.count > maxTextBytes { throw .tooLarge("a cell's text is longer than \(maxTextBytes) bytes") }
                return .text(content)
            }
            throw .malformed("the XML contains a DOCTYPE or ENTITY declaration, which is not allowed")
        case UInt8(ascii: "/"):
            var end = tag.count
            while end > 1, isSpace(tag[end - 1]) { end -= 1 }
            return .end(name: Self.name(tag, 1, end))
        default:
            return try startTag()
        }
    }

    /// Whether `tag` (without the final `>`) is a whole tag: comments, CDATA and PIs end with their own
    /// terminators, and a `>` inside a quoted attribute value does not end a tag.
    private func isComplete() -> Bool {
        tag.withUnsafeBufferPointer { t -> Bool in
            let n = t.count
            guard n > 0 else { return true }
            if t[0] == UInt8(ascii: "!") {
                if n >= 3, t[1] == UInt8(ascii: "-"), t[2] == UInt8(ascii: "-") {
                    return n >= 5 && t[n - 1] == UInt8(ascii: "-") && t[n - 2] == UInt8(ascii: "-")
                }
                if n >= 8, t[1] == UInt8(ascii: "[") {
                    return n >= 10 && t[n - 1] == UInt8(ascii: "]") && t[n - 2] == UInt8(ascii: "]")
                }
                return true
            }
            if t[0] == UInt8(ascii: "?") { return n >= 2 && t[n - 1] == UInt8(ascii: "?") }
            var quote: UInt8 = 0
            var i = 0
            while i < n {
                let b = t[i]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    if quote == 0 { quote = b } else if quote == b { quote = 0 }
                }
                i += 1
            }
            return quote == 0
        }
    }

    /// Whether `tag` starts with `prefix`.
    private func tagStarts(with prefix: StaticString) -> Bool {
        guard tag.count >= prefix.utf8CodeUnitCount else { return false }
        let p = prefix.utf8Start
        for i in 0..<prefix.utf8CodeUnitCount where tag[i] != p[i] { return false }
        return true
    }

    /// Where the current start tag's attributes are: (name range, value range) in `tag`.
    private var attributeRanges: [(Range<Int>, Range<Int>)] = []

    private func startTag() throws(Issue) -> Event {
        var end = tag.count
        var selfClosing = false
        if end > 0, tag[end - 1] == UInt8(ascii: "/") {
            selfClosing = true
            end -= 1
        }
        attributeRanges.removeAll(keepingCapacity: true)
        let nameEnd: Int = try tag.withUnsafeBufferPointer { (t: UnsafeBufferPointer<UInt8>) throws(Issue) -> Int in
            var i = 0
            while i < end, !isSpace(t[i]) { i += 1 }
            let nameEnd = i
            while true {
                while i < end, isSpace(t[i]) { i += 1 }
                if i == end { break }
                let nameStart = i
                while i < end, t[i] != UInt8(ascii: "="), !isSpace(t[i]) { i += 1 }
                let attrName = nameStart..<i
                while i < end, isSpace(t[i]) { i += 1 }
                guard i < end, t[i] == UInt8(ascii: "=") else { throw .malformed("a malformed XML attribute") }
                i += 1
                while i < end, isSpace(t[i]) { i += 1 }
                guard i < end, t[i] == UInt8(ascii: "\"") || t[i] == UInt8(ascii: "'") else {
                    throw .malformed("a malformed XML attribute")
                }
                let quote = t[i]
                i += 1
                let valueStart = i
                while i < end, t[i] != quote {
                    if t[i] == UInt8(ascii: "<") { throw .malformed("a malformed XML attribute") }
                    i += 1
                }
                guard i < end else { throw .malformed("a malformed XML attribute") }
                attributeRanges.append((attrName, valueStart..<i))
                i += 1
            }
            return nameEnd
        }
        return .start(name: Self.name(tag, 0, nameEnd), selfClosing: selfClosing)
    }

    /// The value of the current start tag's attribute `name` (exact, prefix included); a `name` starting with `:`
    /// matches any prefixed attribute with that local name (`":id"` finds `r:id`).
    func attribute(_ name: StaticString) -> String? {
        let key = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        let suffix = key.first == UInt8(ascii: ":")
        for (nameRange, valueRange) in attributeRanges {
            let length = nameRange.count
            guard suffix ? length > key.count : length == key.count else { continue }
            let offset = nameRange.upperBound - key.count
            let matches = tag.withUnsafeBufferPointer { t -> Bool in
                var k = 0
                while k < key.count {
                    if t[offset + k] != key[k] { return false }
                    k += 1
                }
                return true
            }
            if matches {
                guard let value = try? decode(tag[valueRange]) else { return nil }
                return String(decoding: value, as: UTF8.self)
            }
        }
        return nil
    }

    /// The element name of `bytes[from..<to]` after any prefix.
    static func name(_ bytes: [UInt8], _ from: Int, _ to: Int) -> Name {
        bytes.withUnsafeBufferPointer { b -> Name in
            var start = from
            var i = from
            while i < to {
                if b[i] == UInt8(ascii: ":") { start = i + 1 }
                i += 1
            }
            let n = to - start
            func equals(_ literal: StaticString) -> Bool {
                guard literal.utf8CodeUnitCount == n else { return false }
                let p = literal.utf8Start
                var k = 0
                while k < n {
                    if b[start + k] != p[k] { return false }
                    k += 1
                }
                return true
            }
            switch n {
            case 1: return equals("c") ? .c : equals("v") ? .v : equals("t") ? .t : .other
            case 2: return equals("is") ? .is : equals("xf") ? .xf : equals("si") ? .si : .other
            case 3: return equals("row") ? .row : equals("rPh") ? .rPh : .other
            case 5: return equals("sheet") ? .sheet : .other
            case 6: return equals("numFmt") ? .numFmt : .other
            case 7: return equals("cellXfs") ? .cellXfs : .other
            case 9: return equals("sheetData") ? .sheetData : .other
            case 10: return equals("workbookPr") ? .workbookPr : .other
            case 12: return equals("Relationship") ? .relationship : .other
            default: return .other
            }
        }
    }

    /// Expands entity and character references; refuses NUL and undeclared entities.
    private func decode(_ bytes: ArraySlice<UInt8>) throws(Issue) -> [UInt8] {
        var hasEntity = false
        var hasNUL = false
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "&") { hasEntity = true } else if b[i] == 0 { hasNUL = true }
                i += 1
            }
        }
        if hasNUL { throw .malformed("the XML contains a NUL byte") }
        guard hasEntity else {
            if bytes.count > maxTextBytes { throw .tooLarge("a cell's text is longer than \(maxTextBytes) bytes") }
            return Array(bytes)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b == UInt8(ascii: "&") else {
                out.append(b)
                i += 1
                continue
            }
            guard let semicolon = bytes[i...].prefix(14).firstIndex(of: UInt8(ascii: ";")) else {
                throw .malformed("an XML entity reference is not terminated")
            }
            let name = bytes[(i + 1)..<semicolon]
            i = semicolon + 1
            switch Array(name) {
            case Array("amp".utf8): out.append(UInt8(ascii: "&"))
            case Array("lt".utf8): out.append(UInt8(ascii: "<"))
            case Array("gt".utf8): out.append(UInt8(ascii: ">"))
            case Array("quot".utf8): out.append(UInt8(ascii: "\""))
            case Array("apos".utf8): out.append(UInt8(ascii: "'"))
            default:
                out.append(contentsOf: try characterReference(name))
            }
        }
        if out.count > maxTextBytes { throw .tooLarge("a cell's text is longer than \(maxTextBytes) bytes") }
        return out
    }

    private func characterReference(_ name: ArraySlice<UInt8>) throws(Issue) -> [UInt8] {
        guard name.first == UInt8(ascii: "#"), name.count >= 2 else {
            throw .malformed("the XML refers to an undeclared entity")
        }
        let second = name[name.startIndex + 1]
        let hex = second == UInt8(ascii: "x") || second == UInt8(ascii: "X")
        let digits = name.dropFirst(hex ? 2 : 1)
        guard !digits.isEmpty, digits.count <= 8 else { throw .malformed("a character reference is invalid") }
        var value: UInt32 = 0
        for d in digits {
            let v: UInt32
            switch d {
            case 48...57: v = UInt32(d - 48)
            case 97...102 where hex: v = UInt32(d - 87)
            case 65...70 where hex: v = UInt32(d - 55)
            default: throw .malformed("a character reference is invalid")
            }
            value = value * (hex ? 16 : 10) + v
        }
        guard value != 0, let scalar = Unicode.Scalar(value) else { throw .malformed("a character reference is invalid") }
        return Array(String(Character(scalar)).utf8)
    }

    @inline(__always)
    private func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

}
