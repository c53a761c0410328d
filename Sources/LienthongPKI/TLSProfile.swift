import Crypto
import Foundation
public import NIOSSL

/// The TLS settings shared by the gateway, the simulators and clients (SPEC §2).
///
/// TLS 1.2 and 1.3 only; for TLS 1.2, ECDHE key exchange with AEAD ciphers only (no CBC, no static RSA),
/// so testssl.sh reports no finding at LOW or above. TLS 1.3 suites are all AEAD and not configurable.
///
/// ```swift
/// let (chain, key) = try TLSProfile.loadIdentity(certificateFile: "server.pem", keyFile: "server-key.pem")
/// let roots = try TLSProfile.loadCertificates(file: "ca.pem")
/// let tls = TLSProfile.mutualServer(certificateChain: chain, privateKey: key, trustRoots: roots)
/// ```
public enum TLSProfile {
    /// The TLS 1.2 suites, strongest first: ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM-SHA256,
    /// AES-256-GCM-SHA384 and CHACHA20-POLY1305.
    public static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The lowest protocol version allowed.
    public static let minimumTLSVersion: TLSVersion = .tlsv12

    /// A server that requires a client certificate chaining to `trustRoots` (no hostname check on the client),
    /// TLS 1.2+ with ``cipherSuites``, no renegotiation.
    ///
    /// Revocation and pins are not checked here: nio-ssl does not read CRLs; see ``RevocationStore``.
    public static func mutualServer(
        certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey,
        trustRoots: [NIOSSLCertificate]
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey),
            trustRoots: .certificates(trustRoots)
        )
        harden(&configuration)
        configuration.certificateVerification = .noHostnameVerification
        // Tell clients (curl, browsers) which CAs are accepted, so they pick the right certificate.
        configuration.sendCANameList = true
        return configuration
    }

    /// A server without client certificates (e.g. a simulator's plain HTTPS endpoint), same versions and suites.
    public static func server(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        harden(&configuration)
        return configuration
    }

    /// A client presenting `certificateChain` and fully verifying the server (chain to `trustRoots` and hostname).
    public static func mutualClient(
        certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey,
        trustRoots: [NIOSSLCertificate]
    ) -> TLSConfiguration {
        var configuration = client(trustRoots: trustRoots)
        configuration.certificateChain = certificateChain.map { .certificate($0) }
        configuration.privateKey = .privateKey(privateKey)
        return configuration
    }

    /// A client without a certificate that fully verifies the server against `trustRoots`.
    public static func client(trustRoots: [NIOSSLCertificate]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        harden(&configuration)
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(trustRoots)
        return configuration
    }

    /// Loads a certificate chain file (PEM, leaf first) and its private key file (PEM).
    ///
    /// Errors name the file, never its contents.
    public static func loadIdentity(certificateFile: String, keyFile: String) throws -> (
        chain: [NIOSSLCertificate], key: NIOSSLPrivateKey
    ) {
        let chain = try loadCertificates(file: certificateFile)
        let keyBytes = try read(keyFile)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw PKIError(code: .invalidPrivateKey, reason: "file holds no usable PEM private key", file: keyFile)
        }
        // The key must match the leaf, or the handshake would fail much later with an opaque error.
        if let leafKey = try? chain[0].extractPublicKey().toSPKIBytes(),
            let derKey = try? Self.publicKeySPKI(of: key), leafKey != derKey
        {
            throw PKIError(code: .keyMismatch, reason: "private key does not match the certificate", file: keyFile)
        }
        return (chain, key)
    }

    /// Loads every certificate of a PEM file (a chain or a set of trust roots); at least one is required.
    public static func loadCertificates(file: String) throws -> [NIOSSLCertificate] {
        let bytes = try read(file)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw PKIError(code: .invalidPEM, reason: "file holds no valid PEM certificate", file: file)
        }
        guard !certificates.isEmpty else {
            throw PKIError(code: .invalidPEM, reason: "file holds no PEM certificate", file: file)
        }
        return certificates
    }

    // MARK: - Internals

    private static func harden(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = minimumTLSVersion
        configuration.maximumTLSVersion = nil
        configuration.cipherSuiteValues = cipherSuites
        configuration.renegotiationSupport = .none
    }

    private static func read(_ file: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PKIError(code: .fileUnreadable, reason: "file cannot be read", file: file)
        }
        return Array(data)
    }

    /// The SubjectPublicKeyInfo of a P-256 key (the only kind this PKI issues); nil for other key types.
    private static func publicKeySPKI(of key: NIOSSLPrivateKey) throws -> [UInt8]? {
        guard let der = try? key.derBytes, let p256 = try? P256.Signing.PrivateKey(derRepresentation: der) else {
            return nil
        }
        return Array(p256.publicKey.derRepresentation)
    }
}
