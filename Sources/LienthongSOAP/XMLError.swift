/// An error raised while reading XML.
///
/// Errors carry a machine-readable ``code`` and the byte ``offset`` where reading stopped; they never
/// quote the document, so they are safe to log even when the document carries personal data.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The document is larger than the configured byte limit.
        case documentTooLarge
        /// Elements are nested deeper than the configured limit.
        case nestingTooDeep
        /// An element has more attributes than the configured limit.
        case tooManyAttributes
        /// A `<!DOCTYPE` or `<!ENTITY` declaration was found; they are refused (XXE safety).
        case doctypeForbidden
        /// A processing instruction other than the XML declaration was found.
        case processingInstructionForbidden
        /// The bytes are not valid UTF-8, or the declared encoding is not UTF-8.
        case invalidEncoding
        /// The document ended in the middle of a construct.
        case unexpectedEnd
        /// A byte that the grammar does not allow at this point.
        case unexpectedCharacter
        /// A character that XML 1.0 does not allow in a document (e.g. a control character).
        case invalidCharacter
        /// An element or attribute name is not a valid qualified name.
        case invalidName
        /// An end tag does not match its start tag.
        case mismatchedEndTag
        /// The same attribute appears twice on one element.
        case duplicateAttribute
        /// An entity reference other than the five predefined ones.
        case undefinedEntity
        /// A numeric character reference that is malformed or names a character XML does not allow.
        case invalidCharacterReference
        /// A namespace prefix that is not declared in scope.
        case unboundPrefix
        /// A namespace declaration that the Namespaces in XML recommendation forbids.
        case invalidNamespaceDeclaration
        /// There is no root element.
        case missingRootElement
        /// Something other than whitespace or comments follows the root element.
        case contentAfterRootElement
        /// Text appears outside the root element.
        case textOutsideRootElement
        /// A comment contains `--`.
        case malformedComment
    }

    /// What went wrong.
    public var code: Code
    /// Byte offset in the input where the problem was detected.
    public var offset: Int

    /// Creates an error.
    public init(_ code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// A description without document content: the code and the offset.
    public var description: String { "XMLError(\(code.rawValue) at byte \(offset))" }
}
