public import Foundation
import Crypto
public import LienthongAdapters
import LienthongPKI
import X509

extension NAPASSimulator {
    /// The simulator's JWS keys from an example-PKI folder (`ExamplePKI.create`): it signs its answers with
    /// `fin.napas-key.pem` (kid = pin of `fin.napas.pem`) and accepts requests signed with the gateway's key
    /// (kid = pin of `gateway.pem`), the same keys the gateway's configuration names.
    public struct ExampleKeys: Sendable {
        /// Signs the simulator's answers.
        public let signer: JWSSigner
        /// Verifies the requests (the gateway's key).
        public let requestVerifier: JWSVerifier

        /// Why the keys cannot be loaded.
        public struct LoadError: Error, CustomStringConvertible {
            /// The file at fault and what is wrong with it.
            public var description: String
        }

        /// Loads the keys from `directory`.
        public init(directory: URL) throws {
            func certificate(_ name: String) throws -> Certificate {
                guard let first = try TLSProfile.loadCertificates(file: directory.appendingPathComponent(name).path).first else {
                    throw LoadError(description: "\(name) holds no certificate")
                }
                return try Certificate(derEncoded: try first.toDERBytes())
            }
            let napasKey = try P256.Signing.PrivateKey(
                pemRepresentation: String(contentsOf: directory.appendingPathComponent("fin.napas-key.pem"), encoding: .utf8))
            signer = JWSSigner(key: napasKey, keyID: CertificatePin.pin(of: try certificate("fin.napas.pem")))
            let gateway = try certificate("gateway.pem")
            guard let gatewayKey = P256.Signing.PublicKey(gateway.publicKey) else {
                throw LoadError(description: "gateway.pem does not hold a P-256 key")
            }
            requestVerifier = JWSVerifier(keys: [CertificatePin.pin(of: gateway): gatewayKey])
        }
    }
}
