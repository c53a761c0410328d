/// A strict, I/O-free XML 1.0 reader for the SOAP subset.
///
/// It reads elements, attributes, namespace prefixes (resolved to URIs), text, CDATA sections, comments
/// (dropped), the five predefined entities and numeric character references. It refuses everything a SOAP
/// message does not need and that makes XML parsers dangerous: `<!DOCTYPE`/`<!ENTITY` declarations (so no
/// external or recursive entities can exist), processing instructions, undefined entities, non-UTF-8 input.
/// Depth, size and attribute count are bounded by ``Limits``.
///
/// ```swift
/// let root = try XMLReader.parse(Array("<a xmlns='urn:x'><b>1 &lt; 2</b></a>".utf8))
/// root.firstChild(XMLName("b", namespace: "urn:x"))?.text // "1 < 2"
/// ```
public enum XMLReader {
    /// Resource limits applied while reading.
    public struct Limits: Sendable, Hashable {
        /// Largest accepted document in bytes.
        public var maxBytes: Int
        /// Deepest accepted element nesting (the root is depth 1).
        public var maxDepth: Int
        /// Most attributes (including namespace declarations) on one element.
        public var maxAttributes: Int

        /// Creates limits.
        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxAttributes: Int = 64) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxAttributes = maxAttributes
        }

        /// 1 MiB, depth 64, 64 attributes.
        public static let `default` = Limits()
    }

    /// Namespace URI bound to the reserved `xml` prefix.
    public static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
    /// Namespace URI reserved for `xmlns` attributes.
    public static let xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

    /// Parses a complete document and returns its root element.
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = .default) throws(XMLError) -> XMLElement {
        if bytes.count > limits.maxBytes { throw XMLError(.documentTooLarge, offset: limits.maxBytes) }
        var parser = Parser(bytes: Array(bytes), limits: limits)
        return try parser.parseDocument()
    }
}

extension XMLReader {
    fileprivate struct RawAttribute {
        var prefix: String?
        var local: String
        var value: String
        var offset: Int
    }

    fileprivate struct Parser {
        let b: [UInt8]
        let limits: Limits
        var i = 0
        /// Namespace scopes: "" is the default namespace; an empty URI means "no namespace".
        var scopes: [[String: String]] = [["xml": XMLReader.xmlNamespace]]

        init(bytes: [UInt8], limits: Limits) {
            self.b = bytes
            self.limits = limits
        }

        // MARK: Document

        mutating func parseDocument() throws(XMLError) -> XMLElement {
            try validateCharacters()
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
            if hasPrefix("<?xml"), i + 5 < b.count, isSpace(b[i + 5]) { try parseXMLDeclaration() }
            var root: XMLElement?
            while true {
                skipSpaces()
                if i >= b.count {
                    guard let root else { throw XMLError(.missingRootElement, offset: i) }
                    return root
                }
                if hasPrefix("<!--") {
                    try skipComment()
                } else if hasPrefix("<?") {
                    throw XMLError(.processingInstructionForbidden, offset: i)
                } else if hasPrefix("<!") {
                    throw XMLError(.doctypeForbidden, offset: i)
                } else if b[i] == UInt8(ascii: "<") {
                    if root != nil { throw XMLError(.contentAfterRootElement, offset: i) }
                    root = try parseElement(depth: 1)
                } else {
                    throw XMLError(root == nil ? .textOutsideRootElement : .contentAfterRootElement, offset: i)
                }
            }
        }

        /// One pass over the bytes: valid UTF-8, and only characters XML 1.0 allows.
        func validateCharacters() throws(XMLError) {
            var j = 0
            let n = b.count
            while j < n {
                let c = b[j]
                if c < 0x80 {
                    if c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D { throw XMLError(.invalidCharacter, offset: j) }
                    j += 1
                    continue
                }
                let length: Int
                var scalar: UInt32
                switch c {
                case 0xC2...0xDF: length = 2; scalar = UInt32(c & 0x1F)
                case 0xE0...0xEF: length = 3; scalar = UInt32(c & 0x0F)
                case 0xF0...0xF4: length = 4; scalar = UInt32(c & 0x07)
                default: throw XMLError(.invalidEncoding, offset: j)
                }
                if j + length > n { throw XMLError(.invalidEncoding, offset: j) }
                for k in 1..<length {
                    let cc = b[j + k]
                    if cc & 0xC0 != 0x80 { throw XMLError(.invalidEncoding, offset: j) }
                    scalar = (scalar << 6) | UInt32(cc & 0x3F)
                }
                let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
                if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                    throw XMLError(.invalidEncoding, offset: j)
                }
                if scalar == 0xFFFE || scalar == 0xFFFF { throw XMLError(.invalidCharacter, offset: j) }
                j += length
            }
        }

        mutating func parseXMLDeclaration() throws(XMLError) {
            let start = i
            i += 5
            guard let end = find("?>") else { throw XMLError(.unexpectedEnd, offset: b.count) }
            // Pseudo-attributes: version, encoding, standalone.
            while true {
                skipSpaces()
                if i >= end { break }
                let nameStart = i
                while i < end, isNameByte(b[i]) { i += 1 }
                let name = String(decoding: b[nameStart..<i], as: UTF8.self)
                if name.isEmpty { throw XMLError(.unexpectedCharacter, offset: i) }
                skipSpaces()
                guard i < end, b[i] == UInt8(ascii: "=") else { throw XMLError(.unexpectedCharacter, offset: i) }
                i += 1
                skipSpaces()
                guard i < end, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else {
                    throw XMLError(.unexpectedCharacter, offset: i)
                }
                let quote = b[i]
                i += 1
                let valueStart = i
                while i < end, b[i] != quote { i += 1 }
                guard i < end else { throw XMLError(.unexpectedCharacter, offset: i) }
                let value = String(decoding: b[valueStart..<i], as: UTF8.self)
                i += 1
                switch name {
                case "version":
                    guard value == "1.0" else { throw XMLError(.unexpectedCharacter, offset: valueStart) }
                case "encoding":
                    guard value.lowercased() == "utf-8" else { throw XMLError(.invalidEncoding, offset: valueStart) }
                case "standalone":
                    guard value == "yes" || value == "no" else { throw XMLError(.unexpectedCharacter, offset: valueStart) }
                default:
                    throw XMLError(.unexpectedCharacter, offset: nameStart)
                }
            }
            _ = start
            i = end + 2
        }

        // MARK: Elements

        mutating func parseElement(depth: Int) throws(XMLError) -> XMLElement {
            if depth > limits.maxDepth { throw XMLError(.nestingTooDeep, offset: i) }
            let tagStart = i
            i += 1  // <
            let (prefix, local, rawName) = try readQName()
            var raw: [RawAttribute] = []
            var selfClosing = false
            while true {
                let hadSpace = skipSpaces()
                guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                if b[i] == UInt8(ascii: ">") { i += 1; break }
                if b[i] == UInt8(ascii: "/") {
                    guard i + 1 < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                    guard b[i + 1] == UInt8(ascii: ">") else { throw XMLError(.unexpectedCharacter, offset: i + 1) }
                    i += 2
                    selfClosing = true
                    break
                }
                guard hadSpace else { throw XMLError(.unexpectedCharacter, offset: i) }
                let attrOffset = i
                let (aPrefix, aLocal, _) = try readQName()
                skipSpaces()
                guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                guard b[i] == UInt8(ascii: "=") else { throw XMLError(.unexpectedCharacter, offset: i) }
                i += 1
                skipSpaces()
                let value = try readAttributeValue()
                if raw.contains(where: { $0.prefix == aPrefix && $0.local == aLocal }) {
                    throw XMLError(.duplicateAttribute, offset: attrOffset)
                }
                raw.append(RawAttribute(prefix: aPrefix, local: aLocal, value: value, offset: attrOffset))
                if raw.count > limits.maxAttributes { throw XMLError(.tooManyAttributes, offset: attrOffset) }
            }

            // Namespace declarations.
            var scope = scopes[scopes.count - 1]
            var declarations: [XMLElement.NamespaceDeclaration] = []
            var attributesRaw: [RawAttribute] = []
            for attribute in raw {
                if attribute.prefix == nil && attribute.local == "xmlns" {
                    if attribute.value == XMLReader.xmlNamespace || attribute.value == XMLReader.xmlnsNamespace {
                        throw XMLError(.invalidNamespaceDeclaration, offset: attribute.offset)
                    }
                    scope[""] = attribute.value
                    declarations.append(.init(prefix: nil, uri: attribute.value))
                } else if attribute.prefix == "xmlns" {
                    let declared = attribute.local
                    if declared == "xmlns" || attribute.value.isEmpty || attribute.value == XMLReader.xmlnsNamespace
                        || (declared == "xml") != (attribute.value == XMLReader.xmlNamespace)
                    {
                        throw XMLError(.invalidNamespaceDeclaration, offset: attribute.offset)
                    }
                    scope[declared] = attribute.value
                    declarations.append(.init(prefix: declared, uri: attribute.value))
                } else {
                    attributesRaw.append(attribute)
                }
            }

            let namespace: String?
            if let prefix {
                guard let uri = scope[prefix] else { throw XMLError(.unboundPrefix, offset: tagStart + 1) }
                namespace = uri
            } else {
                let uri = scope[""] ?? ""
                namespace = uri.isEmpty ? nil : uri
            }

            var attributes: [XMLAttribute] = []
            attributes.reserveCapacity(attributesRaw.count)
            for attribute in attributesRaw {
                var attributeNamespace: String?
                if let p = attribute.prefix {
                    guard let uri = scope[p] else { throw XMLError(.unboundPrefix, offset: attribute.offset) }
                    attributeNamespace = uri
                }
                let name = XMLName(attribute.local, namespace: attributeNamespace)
                if attributes.contains(where: { $0.name == name }) {
                    throw XMLError(.duplicateAttribute, offset: attribute.offset)
                }
                attributes.append(XMLAttribute(name, value: attribute.value, prefix: attribute.prefix))
            }

            var element = XMLElement(
                XMLName(local, namespace: namespace),
                prefix: prefix,
                attributes: attributes,
                namespaceDeclarations: declarations
            )
            if selfClosing { return element }

            scopes.append(scope)
            defer { scopes.removeLast() }
            try parseContent(into: &element, rawName: rawName, depth: depth)
            return element
        }

        mutating func parseContent(into element: inout XMLElement, rawName: ArraySlice<UInt8>, depth: Int) throws(XMLError) {
            var text: [UInt8] = []
            func flush(_ text: inout [UInt8], _ element: inout XMLElement) {
                guard !text.isEmpty else { return }
                let string = String(decoding: text, as: UTF8.self)
                if case .text(let previous) = element.children.last {
                    element.children[element.children.count - 1] = .text(previous + string)
                } else {
                    element.children.append(.text(string))
                }
                text.removeAll(keepingCapacity: true)
            }
            while true {
                guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                let c = b[i]
                switch c {
                case UInt8(ascii: "<"):
                    if hasPrefix("</") {
                        let endStart = i
                        i += 2
                        let nameStart = i
                        _ = try readQName()
                        if b[nameStart..<i] != rawName { throw XMLError(.mismatchedEndTag, offset: endStart) }
                        skipSpaces()
                        guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                        guard b[i] == UInt8(ascii: ">") else { throw XMLError(.unexpectedCharacter, offset: i) }
                        i += 1
                        flush(&text, &element)
                        return
                    } else if hasPrefix("<!--") {
                        try skipComment()
                    } else if hasPrefix("<![CDATA[") {
                        i += 9
                        guard let end = find("]]>") else { throw XMLError(.unexpectedEnd, offset: b.count) }
                        appendNormalizingLineEnds(b[i..<end], to: &text)
                        i = end + 3
                    } else if hasPrefix("<!") {
                        throw XMLError(.doctypeForbidden, offset: i)
                    } else if hasPrefix("<?") {
                        throw XMLError(.processingInstructionForbidden, offset: i)
                    } else {
                        flush(&text, &element)
                        let child = try parseElement(depth: depth + 1)
                        element.children.append(.element(child))
                    }
                case UInt8(ascii: "&"):
                    try readReference(into: &text)
                case UInt8(ascii: "\r"):
                    text.append(UInt8(ascii: "\n"))
                    i += 1
                    if i < b.count, b[i] == UInt8(ascii: "\n") { i += 1 }
                case UInt8(ascii: "]"):
                    if hasPrefix("]]>") { throw XMLError(.unexpectedCharacter, offset: i) }
                    text.append(c)
                    i += 1
                default:
                    text.append(c)
                    i += 1
                }
            }
        }

        // MARK: Pieces

        mutating func readAttributeValue() throws(XMLError) -> String {
            guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
            let quote = b[i]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw XMLError(.unexpectedCharacter, offset: i)
            }
            i += 1
            var value: [UInt8] = []
            while true {
                guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
                let c = b[i]
                if c == quote { i += 1; break }
                switch c {
                case UInt8(ascii: "<"):
                    throw XMLError(.unexpectedCharacter, offset: i)
                case UInt8(ascii: "&"):
                    try readReference(into: &value)
                case UInt8(ascii: "\r"):
                    value.append(UInt8(ascii: " "))
                    i += 1
                    if i < b.count, b[i] == UInt8(ascii: "\n") { i += 1 }
                case UInt8(ascii: "\n"), UInt8(ascii: "\t"):
                    value.append(UInt8(ascii: " "))
                    i += 1
                default:
                    value.append(c)
                    i += 1
                }
            }
            return String(decoding: value, as: UTF8.self)
        }

        mutating func readReference(into out: inout [UInt8]) throws(XMLError) {
            let start = i
            i += 1  // &
            let nameStart = i
            while i < b.count, b[i] != UInt8(ascii: ";"), i - nameStart < 12 { i += 1 }
            guard i < b.count else { throw XMLError(.unexpectedEnd, offset: i) }
            guard b[i] == UInt8(ascii: ";") else {
                throw XMLError(b[nameStart] == UInt8(ascii: "#") ? .invalidCharacterReference : .undefinedEntity, offset: start)
            }
            let name = b[nameStart..<i]
            i += 1
            if name.first == UInt8(ascii: "#") {
                var digits = name.dropFirst()
                var radix: UInt32 = 10
                if digits.first == UInt8(ascii: "x") {
                    radix = 16
                    digits = digits.dropFirst()
                }
                guard !digits.isEmpty else { throw XMLError(.invalidCharacterReference, offset: start) }
                var value: UInt32 = 0
                for d in digits {
                    let digit: UInt32
                    switch d {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(d - UInt8(ascii: "0"))
                    case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt32(d - UInt8(ascii: "a") + 10)
                    case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt32(d - UInt8(ascii: "A") + 10)
                    default: throw XMLError(.invalidCharacterReference, offset: start)
                    }
                    value = value * radix + digit
                    if value > 0x10FFFF { throw XMLError(.invalidCharacterReference, offset: start) }
                }
                guard Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else {
                    throw XMLError(.invalidCharacterReference, offset: start)
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                return
            }
            switch String(decoding: name, as: UTF8.self) {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default: throw XMLError(.undefinedEntity, offset: start)
            }
        }

        static func isXMLCharacter(_ v: UInt32) -> Bool {
            v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                || (0x10000...0x10FFFF).contains(v)
        }

        /// Reads `prefix:local` or `local`; returns the raw bytes too (to compare end tags).
        mutating func readQName() throws(XMLError) -> (String?, String, ArraySlice<UInt8>) {
            let start = i
            var colon: Int?
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: ":") {
                    if colon != nil { throw XMLError(.invalidName, offset: start) }
                    colon = i
                } else if !isNameByte(c) {
                    break
                }
                i += 1
            }
            if i >= b.count { throw XMLError(.unexpectedEnd, offset: i) }
            let raw = b[start..<i]
            guard !raw.isEmpty else { throw XMLError(.invalidName, offset: start) }
            if let colon {
                let p = b[start..<colon]
                let l = b[(colon + 1)..<i]
                guard isValidNCName(p), isValidNCName(l) else { throw XMLError(.invalidName, offset: start) }
                return (String(decoding: p, as: UTF8.self), String(decoding: l, as: UTF8.self), raw)
            }
            guard isValidNCName(raw) else { throw XMLError(.invalidName, offset: start) }
            return (nil, String(decoding: raw, as: UTF8.self), raw)
        }

        func isValidNCName(_ s: ArraySlice<UInt8>) -> Bool {
            guard let first = s.first else { return false }
            return isNameStartByte(first)
        }

        func isNameStartByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || c == UInt8(ascii: "_") || c >= 0x80
        }

        func isNameByte(_ c: UInt8) -> Bool {
            isNameStartByte(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                || c == UInt8(ascii: ".")
        }

        mutating func skipComment() throws(XMLError) {
            let start = i
            i += 4
            guard let dashes = find("--") else { throw XMLError(.unexpectedEnd, offset: b.count) }
            guard dashes + 2 < b.count else { throw XMLError(.unexpectedEnd, offset: b.count) }
            guard b[dashes + 2] == UInt8(ascii: ">") else { throw XMLError(.malformedComment, offset: start) }
            i = dashes + 3
        }

        func appendNormalizingLineEnds(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
            var previousCR = false
            for c in bytes {
                if c == UInt8(ascii: "\r") {
                    out.append(UInt8(ascii: "\n"))
                    previousCR = true
                    continue
                }
                if c == UInt8(ascii: "\n") && previousCR {
                    previousCR = false
                    continue
                }
                previousCR = false
                out.append(c)
            }
        }

        @discardableResult
        mutating func skipSpaces() -> Bool {
            let start = i
            while i < b.count, isSpace(b[i]) { i += 1 }
            return i > start
        }

        func isSpace(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
        }

        func hasPrefix(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            let p = s.utf8Start
            for k in 0..<n where b[i + k] != p[k] { return false }
            return true
        }

        /// Index of the next occurrence of `s` at or after `i`.
        func find(_ s: StaticString) -> Int? {
            let n = s.utf8CodeUnitCount
            let p = s.utf8Start
            guard n > 0, b.count >= n else { return nil }
            var j = i
            outer: while j + n <= b.count {
                for k in 0..<n where b[j + k] != p[k] {
                    j += 1
                    continue outer
                }
                return j
            }
            return nil
        }
    }
}
