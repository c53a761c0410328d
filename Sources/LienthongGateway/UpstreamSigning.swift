import Crypto
import Foundation
import LienthongAdapters
import LienthongConfig
import LienthongPKI
import X509

/// The keys of the NAPAS exchange's detached JWS signatures.
///
/// Requests are signed with the gateway's outbound key (the key of its mTLS client certificate), named (`kid`) by
/// that certificate's pin; answers must be signed by the key of one of `upstreams.napas.signing_certificates`,
/// each named by its own certificate's pin. Rotating NAPAS's key means adding its new certificate to the list
/// before the switch and removing the old one after.
enum UpstreamSigning {
    /// Why the keys cannot be loaded, naming the configuration key.
    struct LoadError: Error, CustomStringConvertible {
        var key: String
        var reason: String
        var description: String { "\(key): \(reason)" }
    }

    /// The request signer and the answer verifier for `upstream`.
    static func napas(
        upstream: GatewayConfiguration.Upstream, outbound: GatewayConfiguration.Outbound
    ) throws -> (JWSSigner, JWSVerifier) {
        let certificate: Certificate
        let key: P256.Signing.PrivateKey
        do {
            let identity = try TLSProfile.loadIdentity(certificateFile: outbound.certificateFile, keyFile: outbound.privateKeyFile)
            guard let first = identity.chain.first else { throw LoadError(key: "outbound.certificate", reason: "no certificate") }
            certificate = try Certificate(derEncoded: first.toDERBytes())
            key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: outbound.privateKeyFile, encoding: .utf8))
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(key: "outbound.private_key", reason: "not a P-256 key (NAPAS requests are signed with ES256)")
        }
        var keys: [String: P256.Signing.PublicKey] = [:]
        for (i, file) in upstream.signingCertificateFiles.enumerated() {
            let configKey = "upstreams.napas.signing_certificates[\(i)]"
            let certificates: [Certificate]
            do {
                certificates = try TLSProfile.loadCertificates(file: file).map { try Certificate(derEncoded: $0.toDERBytes()) }
            } catch {
                throw LoadError(key: configKey, reason: "not a PEM certificate file")
            }
            for parsed in certificates {
                guard let publicKey = P256.Signing.PublicKey(parsed.publicKey) else {
                    throw LoadError(key: configKey, reason: "does not hold a P-256 key (NAPAS answers are signed with ES256)")
                }
                keys[CertificatePin.pin(of: parsed)] = publicKey
            }
        }
        guard !keys.isEmpty else { throw LoadError(key: "upstreams.napas.signing_certificates", reason: "no certificate listed") }
        return (JWSSigner(key: key, keyID: CertificatePin.pin(of: certificate)), JWSVerifier(keys: keys))
    }
}
