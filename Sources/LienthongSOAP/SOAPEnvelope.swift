/// SOAP 1.1 envelopes (`http://schemas.xmlsoap.org/soap/envelope/`), I/O-free.
///
/// ```swift
/// let bytes = SOAPEnvelope(body: .payload(request)).encoded()
/// let envelope = try SOAPEnvelope.decode(bytes)
/// switch envelope.body {
/// case .payload(let element): ...
/// case .fault(let fault): ...
/// }
/// ```
public struct SOAPEnvelope: Sendable, Hashable {
    /// The SOAP 1.1 envelope namespace.
    public static let namespace = "http://schemas.xmlsoap.org/soap/envelope/"
    /// The prefix written for the envelope namespace.
    public static let prefix = "soap"

    /// The body of an envelope: one payload element or a fault.
    public enum Body: Sendable, Hashable {
        /// The operation element (request or response).
        case payload(XMLElement)
        /// A SOAP fault.
        case fault(SOAPFault)
    }

    /// Header entries (children of `soap:Header`).
    public var headers: [XMLElement]
    /// The body.
    public var body: Body

    /// Creates an envelope.
    public init(headers: [XMLElement] = [], body: Body) {
        self.headers = headers
        self.body = body
    }

    static func name(_ local: String) -> XMLName { XMLName(local, namespace: namespace) }

    /// The envelope as an XML element tree.
    public var element: XMLElement {
        var envelope = XMLElement(
            Self.name("Envelope"),
            prefix: Self.prefix,
            namespaceDeclarations: [.init(prefix: Self.prefix, uri: Self.namespace)]
        )
        if !headers.isEmpty {
            envelope.append(XMLElement(Self.name("Header"), prefix: Self.prefix, children: headers.map { .element($0) }))
        }
        var bodyElement = XMLElement(Self.name("Body"), prefix: Self.prefix)
        switch body {
        case .payload(let payload): bodyElement.append(payload)
        case .fault(let fault): bodyElement.append(fault.element)
        }
        envelope.append(bodyElement)
        return envelope
    }

    /// UTF-8 bytes of the envelope, with an XML declaration.
    public func encoded() -> [UInt8] {
        XMLWriter.write(element)
    }

    /// Reads an envelope from bytes.
    public static func decode(_ bytes: some Collection<UInt8>, limits: XMLReader.Limits = .default) throws(SOAPError) -> SOAPEnvelope {
        let root: XMLElement
        do {
            root = try XMLReader.parse(bytes, limits: limits)
        } catch {
            throw SOAPError(.malformedXML, xmlError: error)
        }
        return try decode(root)
    }

    /// Reads an envelope from a parsed root element.
    public static func decode(_ root: XMLElement) throws(SOAPError) -> SOAPEnvelope {
        guard root.name.local == "Envelope" else { throw SOAPError(.notAnEnvelope) }
        guard root.name.namespace == namespace else { throw SOAPError(.versionMismatch) }
        var scope = NamespaceScope().entering(root)
        var headers: [XMLElement] = []
        var body: XMLElement?
        for child in root.children {
            switch child {
            case .text(let text):
                if text.contains(where: { !$0.isWhitespace }) { throw SOAPError(.unexpectedContent) }
            case .element(let element):
                if element.name == name("Header"), body == nil, headers.isEmpty {
                    headers = element.elements
                    if element.children.contains(where: {
                        if case .text(let t) = $0 { t.contains(where: { !$0.isWhitespace }) } else { false }
                    }) {
                        throw SOAPError(.unexpectedContent)
                    }
                } else if element.name == name("Body"), body == nil {
                    body = element
                } else if body == nil {
                    throw SOAPError(.unexpectedContent)
                }
                // SOAP 1.1 allows further elements after Body; they are ignored.
            }
        }
        guard let body else { throw SOAPError(.missingBody) }
        scope = scope.entering(body)
        let entries = body.elements
        if body.children.contains(where: { if case .text(let t) = $0 { t.contains(where: { !$0.isWhitespace }) } else { false } }) {
            throw SOAPError(.unexpectedContent)
        }
        guard entries.count == 1, let entry = entries.first else { throw SOAPError(.bodyNotSingleElement) }
        if entry.name == name("Fault") {
            return SOAPEnvelope(headers: headers, body: .fault(try SOAPFault(entry, scope: scope.entering(entry))))
        }
        return SOAPEnvelope(headers: headers, body: .payload(entry))
    }

    /// Header entries marked `soap:mustUnderstand="1"`: a receiver that does not know them must answer with a
    /// `MustUnderstand` fault.
    public var mustUnderstandHeaders: [XMLElement] {
        headers.filter { $0.attribute(Self.name("mustUnderstand")) == "1" }
    }
}

/// A SOAP 1.1 fault.
public struct SOAPFault: Error, Sendable, Hashable {
    /// The `faultcode`: a qualified name, usually in the envelope namespace.
    public var code: XMLName
    /// The `faultstring`: a human-readable explanation (must not carry personal data).
    public var string: String
    /// The optional `faultactor` URI.
    public var actor: String?
    /// The children of the optional `detail` element; `nil` when there is no `detail` element.
    public var detail: [XMLElement]?

    /// `soap:Client`: the message was wrong.
    public static let client = XMLName("Client", namespace: SOAPEnvelope.namespace)
    /// `soap:Server`: the receiver failed.
    public static let server = XMLName("Server", namespace: SOAPEnvelope.namespace)
    /// `soap:VersionMismatch`: the envelope namespace was wrong.
    public static let versionMismatch = XMLName("VersionMismatch", namespace: SOAPEnvelope.namespace)
    /// `soap:MustUnderstand`: a mandatory header was not understood.
    public static let mustUnderstand = XMLName("MustUnderstand", namespace: SOAPEnvelope.namespace)

    /// Creates a fault.
    public init(code: XMLName, string: String, actor: String? = nil, detail: [XMLElement]? = nil) {
        self.code = code
        self.string = string
        self.actor = actor
        self.detail = detail
    }

    /// The `soap:Fault` element. Its children are unqualified, as SOAP 1.1 specifies.
    public var element: XMLElement {
        var fault = XMLElement(SOAPEnvelope.name("Fault"), prefix: SOAPEnvelope.prefix)
        var declarations: [XMLElement.NamespaceDeclaration] = []
        let codeText: String
        if code.namespace == SOAPEnvelope.namespace {
            codeText = "\(SOAPEnvelope.prefix):\(code.local)"
        } else if let namespace = code.namespace {
            declarations.append(.init(prefix: "fc", uri: namespace))
            codeText = "fc:\(code.local)"
        } else {
            codeText = code.local
        }
        fault.append(XMLElement(XMLName("faultcode"), namespaceDeclarations: declarations, children: [.text(codeText)]))
        fault.append(XMLElement(XMLName("faultstring"), text: string))
        if let actor { fault.append(XMLElement(XMLName("faultactor"), text: actor)) }
        if let detail { fault.append(XMLElement(XMLName("detail"), children: detail.map { .element($0) })) }
        return fault
    }

    init(_ element: XMLElement, scope: NamespaceScope) throws(SOAPError) {
        guard let codeElement = element.firstChild(XMLName("faultcode")),
            let stringElement = element.firstChild(XMLName("faultstring"))
        else { throw SOAPError(.malformedFault) }
        let qname = codeElement.text.trimmingSpaces
        let codeScope = scope.entering(codeElement)
        let parts = qname.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard !qname.isEmpty else { throw SOAPError(.malformedFault) }
            let ns = codeScope.bindings[""] ?? ""
            self.code = XMLName(qname, namespace: ns.isEmpty ? nil : ns)
        case 2:
            guard !parts[0].isEmpty, !parts[1].isEmpty, let ns = codeScope.bindings[String(parts[0])] else {
                throw SOAPError(.malformedFault)
            }
            self.code = XMLName(String(parts[1]), namespace: ns)
        default:
            throw SOAPError(.malformedFault)
        }
        self.string = stringElement.text
        self.actor = element.firstChild(XMLName("faultactor"))?.text
        self.detail = element.firstChild(XMLName("detail"))?.elements
    }
}

/// In-scope namespace bindings, used to resolve qualified names that appear in text (`faultcode`).
struct NamespaceScope {
    var bindings: [String: String] = ["xml": XMLReader.xmlNamespace]

    func entering(_ element: XMLElement) -> NamespaceScope {
        var copy = self
        for declaration in element.namespaceDeclarations {
            copy.bindings[declaration.prefix ?? ""] = declaration.uri
        }
        return copy
    }
}

/// An error raised while reading a SOAP envelope.
public struct SOAPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// The bytes are not well-formed XML (see ``SOAPError/xmlError``).
        case malformedXML
        /// The root element is not `Envelope`.
        case notAnEnvelope
        /// The root is an `Envelope` in another namespace (e.g. SOAP 1.2).
        case versionMismatch
        /// The envelope has no `Body`.
        case missingBody
        /// The body holds zero or several elements.
        case bodyNotSingleElement
        /// Unexpected text or elements in the envelope structure.
        case unexpectedContent
        /// A `Fault` lacks `faultcode` or `faultstring`, or its code is not a resolvable qualified name.
        case malformedFault
        /// The payload is not the expected operation element or lacks a required part.
        case unexpectedPayload
    }

    /// What went wrong.
    public var code: Code
    /// The underlying XML error for ``Code/malformedXML``.
    public var xmlError: XMLError?

    /// Creates an error.
    public init(_ code: Code, xmlError: XMLError? = nil) {
        self.code = code
        self.xmlError = xmlError
    }

    /// A description without document content.
    public var description: String {
        if let xmlError { return "SOAPError(\(code.rawValue): \(xmlError))" }
        return "SOAPError(\(code.rawValue))"
    }
}

extension String {
    /// The string without leading and trailing XML whitespace.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
