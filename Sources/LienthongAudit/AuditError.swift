/// An error of the audit module.
///
/// Errors name fields, files and sequence numbers, never personal data or key material.
public struct AuditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error.
    public enum Code: String, Sendable, Hashable {
        /// A key file is missing, unreadable or does not hold a key of the expected form.
        case invalidKeyFile = "invalid-key-file"
        /// `AuditKeys.generate` refused to overwrite an existing key file.
        case keyFileExists = "key-file-exists"
        /// A file could not be read or written.
        case ioFailure = "io-failure"
        /// A public key PEM could not be parsed.
        case invalidPublicKey = "invalid-public-key"
        /// The audit database holds a row that cannot be decoded as a record or checkpoint.
        case corruptStore = "corrupt-store"
        /// A checkpoints export line could not be decoded.
        case invalidCheckpointFile = "invalid-checkpoint-file"
        /// Archiving was refused or failed (nothing to archive is not an error); the live log is unchanged.
        case archiveFailed = "archive-failed"
        /// An archive segment file is missing, unreadable, or does not verify.
        case invalidSegment = "invalid-segment"
        /// A backup could not be written or did not verify; no backup file was left at the destination.
        case backupFailed = "backup-failed"
        /// A restore was refused (the database is in use, or the backup does not verify) or failed.
        case restoreRefused = "restore-refused"
    }

    /// The kind of error.
    public let code: Code
    /// A short description that names the field, file or sequence number concerned (never a value
    /// of a personal field, never key material).
    public let detail: String

    /// Creates an error.
    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `audit error <code>: <detail>`.
    public var description: String { "audit error \(code.rawValue): \(detail)" }
}
