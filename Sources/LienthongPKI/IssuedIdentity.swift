public import Foundation
public import Crypto
public import X509
import SwiftASN1

/// A certificate with its P-256 private key.
///
/// ```swift
/// let ca = try CertificateAuthority.create(commonName: "Example CA", validity: now...now + 86_400 * 825)
/// let member = try ca.issueClient(commonName: "bank.970436", validity: now...now + 86_400 * 825)
/// try member.certificatePEM.write(toFile: "bank.970436.pem", atomically: true, encoding: .utf8)
/// ```
public struct IssuedIdentity: Sendable {
    /// The certificate.
    public var certificate: Certificate
    /// The private key belonging to `certificate`'s public key.
    public var privateKey: P256.Signing.PrivateKey

    /// Pairs a certificate with its key.
    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Loads a certificate and its key from PEM text (key as PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`).
    ///
    /// Throws ``PKIError/Code-swift.struct/keyMismatch`` when the key does not belong to the certificate.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw PKIError(code: .invalidPEM, reason: "certificate PEM does not parse")
        }
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw PKIError(code: .invalidPrivateKey, reason: "private key PEM is not a P-256 key")
        }
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey else {
            throw PKIError(code: .keyMismatch, reason: "private key does not match the certificate")
        }
        self.init(certificate: certificate, privateKey: key)
    }

    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    public var certificatePEM: String {
        // Serialising a parsed or freshly signed certificate cannot fail: its parts were DER already.
        (try? certificate.serializeAsPEM().pemString) ?? ""
    }

    /// The certificate's DER bytes.
    public var certificateDER: [UInt8] {
        var serializer = DER.Serializer()
        // See `certificatePEM`: serialising an already valid certificate does not fail.
        try? serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public var privateKeyPEM: String {
        privateKey.pemRepresentation
    }

    /// The certificate's pin (see ``CertificatePin/pin(of:)``).
    public var pin: String {
        CertificatePin.pin(of: certificate)
    }
}

/// Certificate pins: how a member is bound to its certificates (SPEC §1).
public enum CertificatePin {
    /// The pin prefix naming the hash.
    public static let prefix = "sha256/"

    /// `"sha256/"` + base64 of SHA-256 over the certificate's SubjectPublicKeyInfo DER.
    ///
    /// The same value curl's `--pinnedpubkey` takes after `"sha256//"`. It survives re-issuing a certificate
    /// for the same key and changes when the key changes.
    ///
    /// Note: swift-certificates' `Certificate.PublicKey.subjectPublicKeyInfoBytes` is only the key inside the
    /// SPKI's BIT STRING, not the SPKI DER; hashing it gives a different value from curl's and OpenSSL's pins.
    /// This function serialises the whole SubjectPublicKeyInfo.
    public static func pin(of certificate: Certificate) -> String {
        pin(subjectPublicKeyInfoDER: subjectPublicKeyInfoDER(of: certificate.publicKey))
    }

    /// The DER SubjectPublicKeyInfo (`SEQUENCE { algorithm, subjectPublicKey }`) of a public key.
    public static func subjectPublicKeyInfoDER(of publicKey: Certificate.PublicKey) -> [UInt8] {
        var serializer = DER.Serializer()
        // A parsed or generated public key always serialises: its parts came from valid DER or a valid key.
        try? serializer.serialize(publicKey)
        return serializer.serializedBytes
    }

    /// The pin of a DER-encoded SubjectPublicKeyInfo.
    public static func pin<Bytes: DataProtocol>(subjectPublicKeyInfoDER: Bytes) -> String {
        let digest = SHA256.hash(data: subjectPublicKeyInfoDER)
        return prefix + Data(digest).base64EncodedString()
    }

    /// The pin of a DER-encoded certificate (as nio-ssl's `NIOSSLCertificate.toDERBytes()` returns it).
    public static func pin(ofCertificateDER der: [UInt8]) throws -> String {
        do {
            return pin(of: try Certificate(derEncoded: der))
        } catch {
            throw PKIError(code: .invalidPEM, reason: "certificate DER does not parse")
        }
    }

    /// Whether `text` has the shape of a pin: the prefix and base64 of 32 bytes.
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.hasPrefix(prefix), let data = Data(base64Encoded: String(text.dropFirst(prefix.count))) else {
            return false
        }
        return data.count == 32
    }
}
