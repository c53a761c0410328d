public import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The audit secrets: the subject key (HMAC of personal ids) and the checkpoint signing key.
///
/// File formats:
/// - subject key: 32 random bytes, base64, one line;
/// - signing key: P-256 private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`); SEC1
///   (`EC PRIVATE KEY`) PEM is accepted on load too.
///
/// ```swift
/// let keys = try AuditKeys.load(subjectKeyFile: "/etc/lienthong/audit-subject.key",
///                               signingKeyFile: "/etc/lienthong/audit-signing.pem")
/// print(keys.publicKeyPEM)
/// ```
public struct AuditKeys: Sendable {
    /// The HMAC key for ``SubjectHasher``.
    public var subjectKey: SymmetricKey
    /// The checkpoint signing key.
    public var signingKey: P256.Signing.PrivateKey

    /// The size of the subject key in bytes.
    public static let subjectKeyByteCount = 32

    /// Creates keys from values.
    public init(subjectKey: SymmetricKey, signingKey: P256.Signing.PrivateKey) {
        self.subjectKey = subjectKey
        self.signingKey = signingKey
    }

    /// The checkpoint verification key as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    public var publicKeyPEM: String { signingKey.publicKey.pemRepresentation }

    /// The checkpoint key id (see ``AuditCheckpoint/keyID(of:)``).
    public var keyID: String { AuditCheckpoint.keyID(of: signingKey.publicKey) }

    /// Loads both keys from files.
    /// - Throws: ``AuditError`` with code `invalidKeyFile` naming the file (never its content).
    public static func load(subjectKeyFile: String, signingKeyFile: String) throws -> AuditKeys {
        let subjectText = try readText(subjectKeyFile)
        guard let subjectBytes = Data(base64Encoded: subjectText.trimmingCharacters(in: .whitespacesAndNewlines)),
              subjectBytes.count == subjectKeyByteCount
        else {
            throw AuditError(code: .invalidKeyFile, detail: "\(subjectKeyFile): expected \(subjectKeyByteCount) bytes in base64")
        }
        let signingText = try readText(signingKeyFile)
        let signingKey: P256.Signing.PrivateKey
        do {
            signingKey = try P256.Signing.PrivateKey(pemRepresentation: signingText)
        } catch {
            throw AuditError(code: .invalidKeyFile, detail: "\(signingKeyFile): expected a P-256 private key in PKCS#8 PEM")
        }
        return AuditKeys(subjectKey: SymmetricKey(data: subjectBytes), signingKey: signingKey)
    }

    /// Generates fresh keys and writes them to new files with mode 0600.
    /// - Throws: ``AuditError`` with code `keyFileExists` if either file exists (keys are never overwritten).
    @discardableResult
    public static func generate(subjectKeyFile: String, signingKeyFile: String) throws -> AuditKeys {
        for path in [subjectKeyFile, signingKeyFile] where FileManager.default.fileExists(atPath: path) {
            throw AuditError(code: .keyFileExists, detail: "\(path) already exists")
        }
        let subjectKey = SymmetricKey(size: .bits256)
        let signingKey = P256.Signing.PrivateKey()
        let subjectLine = subjectKey.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try writeNewFile(subjectKeyFile, Array(subjectLine.utf8))
        try writeNewFile(signingKeyFile, Array((signingKey.pemRepresentation + "\n").utf8))
        return AuditKeys(subjectKey: subjectKey, signingKey: signingKey)
    }

    /// Parses a checkpoint verification key (SubjectPublicKeyInfo PEM).
    public static func publicKey(pem: String) throws -> P256.Signing.PublicKey {
        do {
            return try P256.Signing.PublicKey(pemRepresentation: pem)
        } catch {
            throw AuditError(code: .invalidPublicKey, detail: "expected a P-256 public key in PEM")
        }
    }

    private static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(code: .invalidKeyFile, detail: "\(path): cannot read")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Creates `path` exclusively with mode 0600 (no window where the key is readable by others).
    private static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw AuditError(code: .ioFailure, detail: "\(path): cannot create (errno \(errno))")
        }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditError(code: .ioFailure, detail: "\(path): write failed (errno \(errno))")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            throw AuditError(code: .ioFailure, detail: "\(path): fsync failed (errno \(errno))")
        }
    }
}
