/// An error raised by the example PKI, the CRL codec or the TLS profile loaders.
///
/// Errors name files and fields, never key material or certificate contents beyond
/// what is public (file paths, member ids given by the caller).
public struct PKIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable, comparable value.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidPEM = "invalid-pem"
            case invalidPrivateKey = "invalid-private-key"
            case keyMismatch = "key-mismatch"
            case unsupportedKey = "unsupported-key"
            case invalidIPAddress = "invalid-ip-address"
            case invalidName = "invalid-name"
            case invalidValidity = "invalid-validity"
            case invalidNumber = "invalid-number"
            case malformedRevocationList = "malformed-revocation-list"
            case fileUnreadable = "file-unreadable"
            case fileUnwritable = "file-unwritable"
            case issuing = "issuing-failed"
            case notIssuedByAuthority = "not-issued-by-authority"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A PEM document is missing, has the wrong label, or is not valid DER.
        public static let invalidPEM = Code(.invalidPEM)
        /// A private key could not be parsed (or is not P-256).
        public static let invalidPrivateKey = Code(.invalidPrivateKey)
        /// A private key does not belong to the certificate it was loaded with.
        public static let keyMismatch = Code(.keyMismatch)
        /// A certificate's public key is of a type this module cannot use.
        public static let unsupportedKey = Code(.unsupportedKey)
        /// An IP address for a subject alternative name could not be parsed.
        public static let invalidIPAddress = Code(.invalidIPAddress)
        /// A common name or member id is empty or unusable as a file name.
        public static let invalidName = Code(.invalidName)
        /// A validity period or update interval is empty or reversed.
        public static let invalidValidity = Code(.invalidValidity)
        /// A CRL number is negative.
        public static let invalidNumber = Code(.invalidNumber)
        /// A CRL is not a well-formed RFC 5280 v2 CRL.
        public static let malformedRevocationList = Code(.malformedRevocationList)
        /// A file could not be read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A file could not be written.
        public static let fileUnwritable = Code(.fileUnwritable)
        /// Building or signing a certificate failed.
        public static let issuing = Code(.issuing)

        /// A certificate or CRL was not issued by the CA at hand.
        public static let notIssuedByAuthority = Code(.notIssuedByAuthority)

        /// The code as a short kebab-case string.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A fixed phrase naming the field or step that failed (never secret values).
    public var reason: String
    /// The file involved, if any.
    public var file: String?

    /// Creates an error.
    public init(code: Code, reason: String, file: String? = nil) {
        self.code = code
        self.reason = reason
        self.file = file
    }

    /// `"<code>: <reason> (<file>)"`.
    public var description: String {
        if let file {
            return "\(code): \(reason) (\(file))"
        }
        return "\(code): \(reason)"
    }
}
