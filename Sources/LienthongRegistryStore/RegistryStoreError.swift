/// Why the registry's storage refused an operation: a code and a fixed detail (never a person's data).
public struct RegistryStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// No batch, row or run with that id.
        case notFound
        /// The operation does not fit the current state (e.g. a result for a row that was not pending).
        case conflict
        /// A stored value cannot be decoded.
        case corrupt
    }

    /// What is wrong.
    public var code: Code
    /// A fixed explanation.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}
