public import Crypto
import Foundation
public import LienthongCore

/// A signed statement that the log's record `seq` has hash `hash` (SPEC §5).
///
/// `sig` is the base64 DER ECDSA P-256/SHA-256 signature over the UTF-8 string
/// `lienthong-checkpoint:v1:{seq}:{hash}:{ts}` (``signedMessage``); `keyId` is
/// ``AuditCheckpoint/keyID(of:)`` of the signing key.
public struct AuditCheckpoint: Codable, Sendable, Hashable {
    /// The `seq` of the record the checkpoint covers.
    public var seq: Int64
    /// That record's `hash`.
    public var hash: String
    /// When the checkpoint was made (RFC 3339 UTC, milliseconds).
    public var ts: String
    /// The signing key's id (first 16 hex digits of SHA-256 of its SubjectPublicKeyInfo DER).
    public var keyId: String
    /// Base64 DER ECDSA P-256/SHA-256 signature over ``signedMessage``.
    public var sig: String

    /// Creates a checkpoint from all its fields (no validation: see ``AuditVerifier``).
    public init(seq: Int64, hash: String, ts: String, keyId: String, sig: String) {
        self.seq = seq
        self.hash = hash
        self.ts = ts
        self.keyId = keyId
        self.sig = sig
    }

    /// The UTF-8 string that `sig` signs: `lienthong-checkpoint:v1:{seq}:{hash}:{ts}`.
    public var signedMessage: String { "lienthong-checkpoint:v1:\(seq):\(hash):\(ts)" }

    /// Signs a checkpoint for `record` at time `ts`.
    public static func sign(record: AuditRecord, ts: String, key: P256.Signing.PrivateKey) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(seq: record.seq, hash: record.hash, ts: ts, keyId: keyID(of: key.publicKey), sig: "")
        let signature = try key.signature(for: Array(checkpoint.signedMessage.utf8))
        checkpoint.sig = signature.derRepresentation.base64EncodedString()
        return checkpoint
    }

    /// Whether `sig` is a valid signature of ``signedMessage`` by `publicKey` and `keyId` names that key.
    public func isValidSignature(publicKey: P256.Signing.PublicKey) -> Bool {
        guard keyId == Self.keyID(of: publicKey),
              let der = Data(base64Encoded: sig),
              let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { return false }
        return publicKey.isValidSignature(signature, for: Array(signedMessage.utf8))
    }

    /// The key id of a checkpoint signing key: the first 16 lowercase hex digits of the SHA-256 of the
    /// public key's SubjectPublicKeyInfo DER (`openssl pkey -pubin -outform DER | sha256sum | cut -c1-16`).
    public static func keyID(of publicKey: P256.Signing.PublicKey) -> String {
        Hex.encode(SHA256.hash(data: publicKey.derRepresentation), prefix: 8)
    }

    /// The checkpoint as a ``JSONValue`` object.
    public var jsonValue: JSONValue {
        .object([
            "seq": .number(Double(seq)), "hash": .string(hash), "ts": .string(ts), "keyId": .string(keyId),
            "sig": .string(sig),
        ])
    }
}
