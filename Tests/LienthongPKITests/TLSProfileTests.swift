import Foundation
import NIOSSL
import XCTest

import LienthongPKI

final class TLSProfileTests: XCTestCase {
    private let expectedSuiteNames = [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ]

    func testSuitesAreForwardSecretAEADOnly() {
        XCTAssertEqual(
            TLSProfile.cipherSuites.map(\.rawValue),
            [0xC02B, 0xC02C, 0xCCA9, 0xC02F, 0xC030, 0xCCA8]
        )
    }

    func testMutualServerAndClientConfigurations() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        let server = try TLSProfile.loadIdentity(
            certificateFile: dir.appendingPathComponent("server.pem").path,
            keyFile: dir.appendingPathComponent("server-key.pem").path
        )
        let client = try TLSProfile.loadIdentity(
            certificateFile: dir.appendingPathComponent("bank.970436.pem").path,
            keyFile: dir.appendingPathComponent("bank.970436-key.pem").path
        )
        let roots = try TLSProfile.loadCertificates(file: dir.appendingPathComponent("ca.pem").path)
        XCTAssertEqual(roots.count, 1)
        XCTAssertEqual(server.chain.count, 1)

        let serverConfig = TLSProfile.mutualServer(certificateChain: server.chain, privateKey: server.key, trustRoots: roots)
        XCTAssertEqual(serverConfig.minimumTLSVersion, .tlsv12)
        XCTAssertNil(serverConfig.maximumTLSVersion)
        XCTAssertEqual(serverConfig.cipherSuites, expectedSuiteNames.joined(separator: ":"))
        guard case .noHostnameVerification = serverConfig.certificateVerification else {
            return XCTFail("server must require and verify client certificates")
        }
        XCTAssertEqual(serverConfig.trustRoots, .certificates(roots))
        XCTAssertEqual(serverConfig.certificateChain, server.chain.map { .certificate($0) })
        // BoringSSL accepts the list and enables exactly these TLS 1.2 suites (the getter builds a context).
        XCTAssertEqual(Set(serverConfig.cipherSuiteValues.filter { $0.rawValue < 0x1301 || $0.rawValue > 0x1303 }), Set(TLSProfile.cipherSuites))
        XCTAssertNoThrow(try NIOSSLContext(configuration: serverConfig))

        let clientConfig = TLSProfile.mutualClient(certificateChain: client.chain, privateKey: client.key, trustRoots: roots)
        XCTAssertEqual(clientConfig.minimumTLSVersion, .tlsv12)
        XCTAssertEqual(clientConfig.cipherSuites, expectedSuiteNames.joined(separator: ":"))
        guard case .fullVerification = clientConfig.certificateVerification else {
            return XCTFail("client must verify the server including its hostname")
        }
        XCTAssertEqual(clientConfig.trustRoots, .certificates(roots))
        XCTAssertEqual(clientConfig.privateKey, .privateKey(client.key))
        XCTAssertNoThrow(try NIOSSLContext(configuration: clientConfig))
    }

    func testLoadErrorsNameTheFileAndNeverTheKey() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436", "fin.napas"])
        let missing = dir.appendingPathComponent("missing.pem").path
        XCTAssertThrowsError(try TLSProfile.loadCertificates(file: missing)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .fileUnreadable)
            XCTAssertEqual((error as? PKIError)?.file, missing)
        }
        // A key file is not a certificate file.
        let keyFile = dir.appendingPathComponent("bank.970436-key.pem").path
        XCTAssertThrowsError(try TLSProfile.loadCertificates(file: keyFile)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidPEM)
            XCTAssertEqual((error as? PKIError)?.file, keyFile)
            let keyText = (try? String(contentsOfFile: keyFile, encoding: .utf8)) ?? ""
            let body = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "unlikely"
            XCTAssertFalse("\(error)".contains(body))
        }
        // A certificate file is not a key file.
        let certificateFile = dir.appendingPathComponent("bank.970436.pem").path
        XCTAssertThrowsError(try TLSProfile.loadIdentity(certificateFile: certificateFile, keyFile: certificateFile)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidPrivateKey)
            XCTAssertEqual((error as? PKIError)?.file, certificateFile)
        }
        // Someone else's key.
        let foreignKey = dir.appendingPathComponent("fin.napas-key.pem").path
        XCTAssertThrowsError(try TLSProfile.loadIdentity(certificateFile: certificateFile, keyFile: foreignKey)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .keyMismatch)
            XCTAssertEqual((error as? PKIError)?.file, foreignKey)
        }
    }
}
