import Foundation
import SwiftASN1
import X509
import XCTest

@testable import LienthongPKI

final class ExamplePKITests: XCTestCase {
    func testCreateWritesEveryFileWithPrivateKeysReadableOnlyByOwner() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ExamplePKI.defaultMembers)

        var expected = ["ca", "server", "gateway"] + ExamplePKI.defaultMembers
        expected = expected.flatMap { [$0 + ".pem", $0 + "-key.pem"] } + ["crl.pem", "pins.txt"]
        for name in expected {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        for name in expected where name.hasSuffix("-key.pem") {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, name)
        }
        let caAttributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("ca.pem").path)
        XCTAssertEqual((caAttributes[.posixPermissions] as? NSNumber)?.intValue, 0o644)
        // No temporary files left behind by the atomic writes.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testDefaultMembersAreValidMemberIds() {
        let pattern = try! Regex("^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$")
        XCTAssertEqual(ExamplePKI.defaultMembers.count, 10)
        XCTAssertEqual(Set(ExamplePKI.defaultMembers).count, 10)
        for member in ExamplePKI.defaultMembers {
            XCTAssertNotNil(try? pattern.wholeMatch(in: member), member)
        }
        XCTAssertTrue(ExamplePKI.defaultMembers.contains("gov.police.dongnai"))
        XCTAssertTrue(ExamplePKI.defaultMembers.contains("bank.970436"))
        XCTAssertEqual(ExamplePKI.defaultMembers.filter { $0.hasPrefix("gov.commune.") }.count, 2)
    }

    func testMemberCertificateIsAClientCertificateChainedToTheCA() throws {
        let dir = try makeTemporaryDirectory(self)
        let now = Date()
        try ExamplePKI.create(at: dir, members: ["gov.police.dongnai", "bank.970436"], validityDays: 30, now: now)
        let ca = try readCertificate(dir.appendingPathComponent("ca.pem"))
        let member = try readCertificate(dir.appendingPathComponent("bank.970436.pem"))

        XCTAssertEqual(
            member.subject,
            try DistinguishedName {
                OrganizationName("Lienthong example PKI")
                CommonName("bank.970436")
            }
        )
        XCTAssertEqual(member.issuer, ca.subject)
        XCTAssertTrue(ca.publicKey.isValidSignature(member.signature, for: member))
        XCTAssertEqual(Array(try XCTUnwrap(try member.extensions.extendedKeyUsage)), [.clientAuth])
        let keyUsage = try XCTUnwrap(try member.extensions.keyUsage)
        XCTAssertTrue(keyUsage.digitalSignature)
        XCTAssertFalse(keyUsage.keyCertSign)
        XCTAssertEqual(try member.extensions.basicConstraints, .notCertificateAuthority)
        XCTAssertEqual(
            try member.extensions.authorityKeyIdentifier?.keyIdentifier,
            try ca.extensions.subjectKeyIdentifier?.keyIdentifier
        )
        // 16-byte positive serial: the DER INTEGER has 16 bytes and the high bit clear.
        XCTAssertEqual(member.serialNumber.bytes.count, 16)
        XCTAssertLessThan(member.serialNumber.bytes.first!, 0x80)
        XCTAssertEqual(member.notValidAfter.timeIntervalSince(now), 30 * oneDay, accuracy: 1)
        XCTAssertLessThanOrEqual(member.notValidBefore, now)

        // The CA is a CA that may sign certificates and CRLs.
        XCTAssertEqual(try ca.extensions.basicConstraints, .isCertificateAuthority(maxPathLength: 0))
        let caUsage = try XCTUnwrap(try ca.extensions.keyUsage)
        XCTAssertTrue(caUsage.keyCertSign && caUsage.cRLSign)
        XCTAssertGreaterThan(ca.notValidAfter, member.notValidAfter)

        // Key file belongs to the certificate.
        let identity = try IssuedIdentity(
            certificatePEM: String(contentsOf: dir.appendingPathComponent("bank.970436.pem"), encoding: .utf8),
            privateKeyPEM: String(contentsOf: dir.appendingPathComponent("bank.970436-key.pem"), encoding: .utf8)
        )
        XCTAssertTrue(identity.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertTrue(identity.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    func testGatewayCertificateIsAClientCertificate() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: [])
        let gateway = try readCertificate(dir.appendingPathComponent("gateway.pem"))
        XCTAssertEqual(ExamplePKI.gatewayClientName, "gateway")
        XCTAssertEqual(Array(try XCTUnwrap(try gateway.extensions.extendedKeyUsage)), [.clientAuth])
        XCTAssertEqual(
            gateway.subject,
            try DistinguishedName {
                OrganizationName("Lienthong example PKI")
                CommonName("gateway")
            }
        )
    }

    func testServerCertificateNamesLocalhostAndLoopbackAddresses() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: [])
        let server = try readCertificate(dir.appendingPathComponent("server.pem"))
        let names = Set(try XCTUnwrap(try server.extensions.subjectAlternativeNames))
        XCTAssertEqual(
            names,
            [
                .dnsName("localhost"),
                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
            ]
        )
        XCTAssertEqual(Array(try XCTUnwrap(try server.extensions.extendedKeyUsage)), [.serverAuth])
    }

    func testPinsFileMatchesCertificatePins() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ExamplePKI.defaultMembers)
        let text = try String(contentsOf: dir.appendingPathComponent("pins.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, ExamplePKI.defaultMembers.count)
        for (line, member) in zip(lines, ExamplePKI.defaultMembers) {
            let certificate = try readCertificate(dir.appendingPathComponent(member + ".pem"))
            XCTAssertEqual(line, "\(member) \(CertificatePin.pin(of: certificate))")
        }
        let parsed = try ExamplePKI.readPins(file: dir.appendingPathComponent("pins.txt"))
        XCTAssertEqual(parsed.map(\.member), ExamplePKI.defaultMembers)
        XCTAssertEqual(Set(parsed.map(\.pin)).count, ExamplePKI.defaultMembers.count, "every member has its own key")
    }

    func testInitialCRLIsEmptySignedByTheCAWithNumberOne() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        let ca = try readCertificate(dir.appendingPathComponent("ca.pem"))
        let crl = try RevocationList(pemEncoded: String(contentsOf: dir.appendingPathComponent("crl.pem"), encoding: .utf8))
        XCTAssertEqual(crl.entries, [])
        XCTAssertEqual(crl.number, 1)
        XCTAssertEqual(crl.issuer, ca.subject)
        XCTAssertTrue(crl.isSignatureValid(issuer: ca))
    }

    func testRevokeTwiceListsBothSerialsAndIncrementsTheNumber() throws {
        let dir = try makeTemporaryDirectory(self)
        let now = Date(timeIntervalSince1970: 1_760_000_000)
        try ExamplePKI.create(at: dir, members: ["bank.970436", "bank.970418", "fin.napas"], now: now)
        let crlFile = dir.appendingPathComponent("crl.pem")
        let first = try readCertificate(dir.appendingPathComponent("bank.970436.pem"))
        let second = try readCertificate(dir.appendingPathComponent("bank.970418.pem"))
        let untouched = try readCertificate(dir.appendingPathComponent("fin.napas.pem"))

        let afterFirst = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970436.pem"), caDirectory: dir, crlFile: crlFile,
            now: now.addingTimeInterval(60)
        )
        XCTAssertEqual(afterFirst.number, 2)
        XCTAssertTrue(afterFirst.contains(serial: first.serialNumber))

        let afterSecond = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970418.pem"), caDirectory: dir, crlFile: crlFile,
            now: now.addingTimeInterval(120)
        )
        let onDisk = try RevocationList(pemEncoded: String(contentsOf: crlFile, encoding: .utf8))
        XCTAssertEqual(onDisk, afterSecond)
        XCTAssertEqual(onDisk.number, 3)
        XCTAssertEqual(onDisk.entries.map(\.serial), [first.serialNumber, second.serialNumber])
        XCTAssertEqual(onDisk.entries.map(\.revokedAt), [now.addingTimeInterval(60), now.addingTimeInterval(120)])
        XCTAssertEqual(onDisk.thisUpdate, now.addingTimeInterval(120))
        XCTAssertFalse(onDisk.contains(serial: untouched.serialNumber))
        XCTAssertTrue(onDisk.isSignatureValid(issuer: try readCertificate(dir.appendingPathComponent("ca.pem"))))

        // Revoking again keeps the first revocation date and does not duplicate the entry.
        let again = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970436.pem"), caDirectory: dir, crlFile: crlFile,
            now: now.addingTimeInterval(180)
        )
        XCTAssertEqual(again.entries.count, 2)
        XCTAssertEqual(again.entries[0].revokedAt, now.addingTimeInterval(60))
        XCTAssertEqual(again.number, 4)
    }

    func testRevokeCreatesAMissingCRL() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        let crlFile = dir.appendingPathComponent("other-crl.pem")
        let list = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970436.pem"), caDirectory: dir, crlFile: crlFile
        )
        XCTAssertEqual(list.number, 1)
        XCTAssertEqual(list.entries.count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: crlFile.path))
    }

    func testRevokeReadsADERCRLAndNamesACorruptOne() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436", "fin.napas"])
        let first = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970436.pem"), caDirectory: dir,
            crlFile: dir.appendingPathComponent("crl.pem")
        )
        let derFile = dir.appendingPathComponent("crl.der")
        try Data(first.derBytes).write(to: derFile)
        let second = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("fin.napas.pem"), caDirectory: dir, crlFile: derFile
        )
        XCTAssertEqual(second.entries.count, 2)
        XCTAssertEqual(second.number, 3)

        let corrupt = dir.appendingPathComponent("corrupt.pem")
        try Data("junk".utf8).write(to: corrupt)
        XCTAssertThrowsError(
            try ExamplePKI.revoke(certificateFile: dir.appendingPathComponent("fin.napas.pem"), caDirectory: dir, crlFile: corrupt)
        ) { error in
            XCTAssertEqual((error as? PKIError)?.code, .malformedRevocationList)
            XCTAssertEqual((error as? PKIError)?.file, corrupt.path)
        }
    }

    func testRevokeRefusesACertificateOfAnotherCA() throws {
        let dir = try makeTemporaryDirectory(self)
        let otherDir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        try ExamplePKI.create(at: otherDir, members: ["bank.970436"])
        XCTAssertThrowsError(
            try ExamplePKI.revoke(
                certificateFile: otherDir.appendingPathComponent("bank.970436.pem"), caDirectory: dir,
                crlFile: dir.appendingPathComponent("crl.pem")
            )
        ) { error in
            XCTAssertEqual((error as? PKIError)?.code, .notIssuedByAuthority)
        }
    }

    func testCreateRefusesUnsafeOrDuplicateMemberNames() throws {
        let dir = try makeTemporaryDirectory(self)
        for members in [["../etc"], ["ca"], ["gateway"], [""], ["Bank.970436"], ["bank.970436", "bank.970436"], [".hidden"]] {
            XCTAssertThrowsError(try ExamplePKI.create(at: dir, members: members), "\(members)") { error in
                XCTAssertEqual((error as? PKIError)?.code, .invalidName)
            }
        }
    }

    func testIPAddressParser() {
        XCTAssertEqual(IPAddressParser.parse("127.0.0.1"), [127, 0, 0, 1])
        XCTAssertEqual(IPAddressParser.parse("::1"), [UInt8](repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddressParser.parse("::"), [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(
            IPAddressParser.parse("2001:db8::8a2e:370:7334"),
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34]
        )
        XCTAssertEqual(IPAddressParser.parse("::ffff:10.0.0.1"), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1])
        for bad in ["", "1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "localhost", "1.2.3.4.5"] {
            XCTAssertNil(IPAddressParser.parse(bad), bad)
        }
    }

    func testIssueServerRefusesABadIPAddress() throws {
        let now = Date()
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: now...now.addingTimeInterval(oneDay))
        XCTAssertThrowsError(
            try ca.issueServer(commonName: "x", dnsNames: [], ipAddresses: ["300.1.1.1"], validity: now...now.addingTimeInterval(oneDay))
        ) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidIPAddress)
        }
    }

    func testClientWithoutEKUAndSelfSignedClient() throws {
        let now = Date()
        let validity = now...now.addingTimeInterval(oneDay)
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let noEKU = try ca.issueClient(commonName: "bank.970436", validity: validity, extendedKeyUsage: [])
        XCTAssertNil(try noEKU.certificate.extensions.extendedKeyUsage)
        let serverOnly = try ca.issueClient(commonName: "bank.970436", validity: validity, extendedKeyUsage: [.serverAuth])
        XCTAssertEqual(Array(try XCTUnwrap(try serverOnly.certificate.extensions.extendedKeyUsage)), [.serverAuth])

        let selfSigned = try SelfSigned.client(commonName: "bank.970436", validity: validity)
        XCTAssertEqual(selfSigned.certificate.issuer, selfSigned.certificate.subject)
        XCTAssertTrue(selfSigned.certificate.publicKey.isValidSignature(selfSigned.certificate.signature, for: selfSigned.certificate))
        XCTAssertFalse(ca.certificate.publicKey.isValidSignature(selfSigned.certificate.signature, for: selfSigned.certificate))
    }

    func testCertificateAuthorityRoundTripsThroughPEMAndRefusesAForeignKey() throws {
        let now = Date()
        let validity = now...now.addingTimeInterval(oneDay)
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let loaded = try CertificateAuthority(certificatePEM: ca.identity.certificatePEM, privateKeyPEM: ca.identity.privateKeyPEM)
        XCTAssertEqual(loaded.certificate, ca.certificate)
        let issued = try loaded.issueClient(commonName: "fin.napas", validity: validity)
        XCTAssertTrue(ca.certificate.publicKey.isValidSignature(issued.certificate.signature, for: issued.certificate))

        let other = try CertificateAuthority.create(commonName: "Other CA", validity: validity)
        XCTAssertThrowsError(
            try CertificateAuthority(certificatePEM: ca.identity.certificatePEM, privateKeyPEM: other.identity.privateKeyPEM)
        ) { error in
            XCTAssertEqual((error as? PKIError)?.code, .keyMismatch)
        }
    }

    func testPinIsSHA256OfSubjectPublicKeyInfoAndSurvivesReissue() throws {
        let now = Date()
        let validity = now...now.addingTimeInterval(oneDay)
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let identity = try ca.issueClient(commonName: "fin.napas", validity: validity)
        let pin = CertificatePin.pin(of: identity.certificate)
        XCTAssertTrue(CertificatePin.isWellFormed(pin))
        XCTAssertTrue(pin.hasPrefix("sha256/"))
        XCTAssertEqual(pin, CertificatePin.pin(subjectPublicKeyInfoDER: Array(identity.privateKey.publicKey.derRepresentation)))
        XCTAssertEqual(CertificatePin.subjectPublicKeyInfoDER(of: identity.certificate.publicKey), Array(identity.privateKey.publicKey.derRepresentation))
        // Not the hash of swift-certificates' `subjectPublicKeyInfoBytes` (the bare key bits).
        XCTAssertNotEqual(pin, CertificatePin.pin(subjectPublicKeyInfoDER: identity.certificate.publicKey.subjectPublicKeyInfoBytes))
        XCTAssertEqual(try CertificatePin.pin(ofCertificateDER: identity.certificateDER), pin)
        // Another certificate for the same key has the same pin; another key does not.
        let reissued = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: identity.certificate.publicKey,
            notValidBefore: now, notValidAfter: now.addingTimeInterval(oneDay), issuer: ca.certificate.subject,
            subject: identity.certificate.subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(),
            issuerPrivateKey: .init(ca.identity.privateKey)
        )
        XCTAssertEqual(CertificatePin.pin(of: reissued), pin)
        XCTAssertNotEqual(CertificatePin.pin(of: try ca.issueClient(commonName: "fin.napas", validity: validity).certificate), pin)
        XCTAssertFalse(CertificatePin.isWellFormed("sha256/AAAA"))
        XCTAssertFalse(CertificatePin.isWellFormed(String(pin.dropFirst(7))))
    }
}
