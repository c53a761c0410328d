/// A qualified XML name: a namespace URI (or none) and a local name.
public struct XMLName: Sendable, Hashable, CustomStringConvertible {
    /// The namespace URI, `nil` when the name is in no namespace.
    public var namespace: String?
    /// The local part of the name.
    public var local: String

    /// Creates a name.
    public init(_ local: String, namespace: String? = nil) {
        self.local = local
        self.namespace = namespace
    }

    /// `{namespace}local`, Clark notation.
    public var description: String {
        if let namespace { return "{\(namespace)}\(local)" }
        return local
    }
}

/// An attribute of an element.
public struct XMLAttribute: Sendable, Hashable {
    /// The resolved name (unprefixed attributes are in no namespace).
    public var name: XMLName
    /// The prefix used in the document, or to use when writing (required for namespaced attributes).
    public var prefix: String?
    /// The attribute value, with references already expanded.
    public var value: String

    /// Creates an attribute.
    public init(_ name: XMLName, value: String, prefix: String? = nil) {
        self.name = name
        self.value = value
        self.prefix = prefix
    }
}

/// A child of an element: an element or a run of character data (text and CDATA merged).
public enum XMLNode: Sendable, Hashable {
    /// A child element.
    case element(XMLElement)
    /// Character data with references expanded.
    case text(String)
}

/// An XML element with resolved namespaces.
///
/// Build a tree and write it with ``XMLWriter``, or read one with ``XMLReader``:
///
/// ```swift
/// var request = XMLElement(XMLName("LayThongTinCongDan", namespace: "urn:example"), prefix: "dc")
/// request.append(XMLElement(XMLName("SoDinhDanh", namespace: "urn:example"), prefix: "dc", text: "075000000001"))
/// let bytes = XMLWriter.write(request)
/// let back = try XMLReader.parse(bytes)
/// ```
public struct XMLElement: Sendable, Hashable {
    /// The resolved element name.
    public var name: XMLName
    /// The prefix used in the document, or preferred when writing (`nil` = default namespace).
    public var prefix: String?
    /// Attributes in document order, excluding namespace declarations.
    public var attributes: [XMLAttribute]
    /// Namespace declarations made on this element: prefix (`nil` for the default namespace) → URI.
    public var namespaceDeclarations: [NamespaceDeclaration]
    /// Children in document order.
    public var children: [XMLNode]

    /// A namespace declaration (`xmlns="..."` or `xmlns:p="..."`).
    public struct NamespaceDeclaration: Sendable, Hashable {
        /// The declared prefix, `nil` for the default namespace.
        public var prefix: String?
        /// The namespace URI; empty undeclares the default namespace.
        public var uri: String

        /// Creates a declaration.
        public init(prefix: String?, uri: String) {
            self.prefix = prefix
            self.uri = uri
        }
    }

    /// Creates an element.
    public init(
        _ name: XMLName,
        prefix: String? = nil,
        attributes: [XMLAttribute] = [],
        namespaceDeclarations: [NamespaceDeclaration] = [],
        children: [XMLNode] = []
    ) {
        self.name = name
        self.prefix = prefix
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
        self.children = children
    }

    /// Creates an element holding only text.
    public init(_ name: XMLName, prefix: String? = nil, text: String) {
        self.init(name, prefix: prefix, children: [.text(text)])
    }

    /// Appends a child element.
    public mutating func append(_ element: XMLElement) {
        children.append(.element(element))
    }

    /// Appends text.
    public mutating func append(text: String) {
        children.append(.text(text))
    }

    /// The child elements, in order.
    public var elements: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }

    /// The first child element with the given name.
    public func firstChild(_ name: XMLName) -> XMLElement? {
        for case .element(let e) in children where e.name == name { return e }
        return nil
    }

    /// All child elements with the given name.
    public func children(named name: XMLName) -> [XMLElement] {
        elements.filter { $0.name == name }
    }

    /// The concatenated character data of the direct children (not descendants).
    public var text: String {
        var result = ""
        for case .text(let t) in children { result += t }
        return result
    }

    /// Whether the element has no child elements and only whitespace text.
    public var isEmpty: Bool {
        for child in children {
            switch child {
            case .element: return false
            case .text(let t): if t.contains(where: { !$0.isWhitespace }) { return false }
            }
        }
        return true
    }

    /// The value of an attribute, if present.
    public func attribute(_ name: XMLName) -> String? {
        attributes.first { $0.name == name }?.value
    }
}
