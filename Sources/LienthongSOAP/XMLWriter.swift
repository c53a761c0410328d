/// Writes ``XMLElement`` trees as UTF-8 XML.
///
/// Text and attribute values are escaped; namespace declarations are emitted where an element's or
/// attribute's namespace is not already bound to its prefix. Characters XML 1.0 cannot carry at all
/// (C0 controls other than tab, line feed and carriage return; U+FFFE; U+FFFF) are written as U+FFFD, so the
/// output always reads back with ``XMLReader``.
public enum XMLWriter {
    /// Serialises `element` as a document, with an XML declaration when `declaration` is true.
    public static func write(_ element: XMLElement, declaration: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        if declaration { out.append(contentsOf: Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)) }
        var scope: [String: String] = ["xml": XMLReader.xmlNamespace, "": ""]
        write(element, scope: &scope, to: &out)
        return out
    }

    /// Serialises `element` as a `String`.
    public static func string(_ element: XMLElement, declaration: Bool = true) -> String {
        String(decoding: write(element, declaration: declaration), as: UTF8.self)
    }

    private static func write(_ element: XMLElement, scope parentScope: inout [String: String], to out: inout [UInt8]) {
        var scope = parentScope
        var declared: [(String, String)] = []  // prefix ("" = default), uri
        func declare(_ prefix: String, _ uri: String) {
            if prefix == "xml" { return }
            if let index = declared.firstIndex(where: { $0.0 == prefix }) {
                declared[index].1 = uri
            } else {
                declared.append((prefix, uri))
            }
            scope[prefix] = uri
        }
        for declaration in element.namespaceDeclarations {
            let prefix = declaration.prefix ?? ""
            if prefix == "xmlns" || (!prefix.isEmpty && declaration.uri.isEmpty) { continue }
            declare(prefix, declaration.uri)
        }
        // The element's own name.
        let namespace = element.name.namespace ?? ""
        var prefix = namespace.isEmpty ? "" : (element.prefix ?? "")
        if prefix == "xml" && namespace != XMLReader.xmlNamespace { prefix = "" }
        if scope[prefix] != namespace { declare(prefix, namespace) }
        let qname = prefix.isEmpty ? element.name.local : "\(prefix):\(element.name.local)"

        // Attributes: namespaced ones need a prefix bound to their namespace.
        var attributeText: [(String, String)] = []
        var generated = 0
        for attribute in element.attributes {
            guard let attributeNamespace = attribute.name.namespace, !attributeNamespace.isEmpty else {
                attributeText.append((attribute.name.local, attribute.value))
                continue
            }
            var p = attribute.prefix ?? ""
            if attributeNamespace == XMLReader.xmlNamespace { p = "xml" }
            if p.isEmpty || p == "xmlns" || (scope[p] != nil && scope[p] != attributeNamespace && declared.contains(where: { $0.0 == p })) {
                if let existing = scope.first(where: { !$0.key.isEmpty && $0.value == attributeNamespace })?.key {
                    p = existing
                } else {
                    repeat {
                        generated += 1
                        p = "ns\(generated)"
                    } while scope[p] != nil
                }
            }
            if scope[p] != attributeNamespace { declare(p, attributeNamespace) }
            attributeText.append(("\(p):\(attribute.name.local)", attribute.value))
        }

        out.append(UInt8(ascii: "<"))
        out.append(contentsOf: Array(qname.utf8))
        for (p, uri) in declared {
            out.append(contentsOf: Array((p.isEmpty ? " xmlns=\"" : " xmlns:\(p)=\"").utf8))
            escape(uri, attribute: true, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        for (name, value) in attributeText {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: Array(name.utf8))
            out.append(contentsOf: Array("=\"".utf8))
            escape(value, attribute: true, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if element.children.isEmpty {
            out.append(contentsOf: Array("/>".utf8))
            return
        }
        out.append(UInt8(ascii: ">"))
        for child in element.children {
            switch child {
            case .text(let text): escape(text, attribute: false, to: &out)
            case .element(let e): write(e, scope: &scope, to: &out)
            }
        }
        out.append(contentsOf: Array("</".utf8))
        out.append(contentsOf: Array(qname.utf8))
        out.append(UInt8(ascii: ">"))
    }

    /// Escapes character data (`attribute: false`) or a double-quoted attribute value (`attribute: true`).
    public static func escape(_ text: String, attribute: Bool, to out: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: Array("&amp;".utf8))
            case "<": out.append(contentsOf: Array("&lt;".utf8))
            case ">": out.append(contentsOf: Array("&gt;".utf8))
            case "\"" where attribute: out.append(contentsOf: Array("&quot;".utf8))
            case "\r": out.append(contentsOf: Array("&#13;".utf8))
            case "\n" where attribute: out.append(contentsOf: Array("&#10;".utf8))
            case "\t" where attribute: out.append(contentsOf: Array("&#9;".utf8))
            default:
                let v = scalar.value
                if (v < 0x20 && v != 0x09 && v != 0x0A) || v == 0xFFFE || v == 0xFFFF {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                } else {
                    out.append(contentsOf: Array(String(scalar).utf8))
                }
            }
        }
    }
}
