import Foundation
import X509
import XCTest

import LienthongPKI

final class RevocationStoreTests: XCTestCase {
    private struct Fixture {
        var dir: URL
        var crl: URL
        var ca: Certificate
        var member: Certificate
        var other: Certificate
    }

    private func makeFixture() throws -> Fixture {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436", "fin.napas"])
        return Fixture(
            dir: dir,
            crl: dir.appendingPathComponent("crl.pem"),
            ca: try readCertificate(dir.appendingPathComponent("ca.pem")),
            member: try readCertificate(dir.appendingPathComponent("bank.970436.pem")),
            other: try readCertificate(dir.appendingPathComponent("fin.napas.pem"))
        )
    }

    func testRevocationAfterConstructionIsPickedUpOnReload() throws {
        let f = try makeFixture()
        let store = try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])
        XCTAssertFalse(store.isRevoked(f.member))
        XCTAssertEqual(store.reloadIfChanged(), [], "nothing changed")

        try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("bank.970436.pem"), caDirectory: f.dir, crlFile: f.crl)
        XCTAssertFalse(store.isRevoked(f.member), "not before the reload")
        XCTAssertEqual(store.reloadIfChanged(), [])
        XCTAssertTrue(store.isRevoked(f.member))
        XCTAssertFalse(store.isRevoked(f.other))
        XCTAssertEqual(store.lists()[f.crl.path]?.number, 2)
        XCTAssertEqual(store.files, [f.crl.path])
    }

    func testCorruptedFileKeepsTheLastGoodListAndNamesTheFile() throws {
        let f = try makeFixture()
        try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("bank.970436.pem"), caDirectory: f.dir, crlFile: f.crl)
        let store = try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])
        XCTAssertTrue(store.isRevoked(f.member))
        let fresh = f.dir.appendingPathComponent("fresh.pem")
        try FileManager.default.copyItem(at: f.crl, to: fresh)

        try Data("-----BEGIN X509 CRL-----\nnot base64 at all\n-----END X509 CRL-----\n".utf8).write(to: f.crl)
        let problems = store.reloadIfChanged()
        XCTAssertEqual(problems.count, 1)
        XCTAssertEqual(problems.first?.file, f.crl.path)
        XCTAssertEqual(problems.first?.code, .malformed)
        XCTAssertTrue(problems.first?.description.contains(f.crl.path) ?? false)
        XCTAssertTrue(store.isRevoked(f.member), "last good CRL stays in force")
        XCTAssertEqual(store.currentProblems().map(\.code), [.malformed])
        XCTAssertEqual(store.reloadIfChanged(), [], "reported once per change")

        // A vanished file is reported and changes nothing; a good, newer file again clears the problem.
        try FileManager.default.removeItem(at: f.crl)
        XCTAssertEqual(store.reloadIfChanged().map(\.code), [.unreadable])
        XCTAssertTrue(store.isRevoked(f.member))
        XCTAssertFalse(store.isRevoked(f.other))
        try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("fin.napas.pem"), caDirectory: f.dir, crlFile: fresh)
        try FileManager.default.moveItem(at: fresh, to: f.crl)
        XCTAssertEqual(store.reloadIfChanged(), [])
        XCTAssertEqual(store.currentProblems(), [])
        XCTAssertEqual(store.lists()[f.crl.path]?.number, 3)
        XCTAssertTrue(store.isRevoked(f.member))
        XCTAssertTrue(store.isRevoked(f.other))
    }

    func testListSignedByAnUntrustedCAIsRefused() throws {
        let f = try makeFixture()
        let store = try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])
        // Same CA name, different key: an attacker's CRL that "unrevokes" or revokes at will.
        let now = Date()
        let impostor = try CertificateAuthority.create(commonName: ExamplePKI.caCommonName, validity: now...now.addingTimeInterval(oneDay))
        let forged = try impostor.signRevocationList(
            [.init(serial: f.member.serialNumber, revokedAt: now)], number: 99, thisUpdate: now, nextUpdate: now.addingTimeInterval(oneDay)
        )
        XCTAssertEqual(forged.issuer, f.ca.subject)
        try Data(forged.pem.utf8).write(to: f.crl)
        let problems = store.reloadIfChanged()
        XCTAssertEqual(problems.map(\.code), [.untrusted])
        XCTAssertFalse(store.isRevoked(f.member))

        XCTAssertThrowsError(try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])) { error in
            XCTAssertEqual((error as? RevocationStoreError)?.code, .untrusted)
            XCTAssertEqual((error as? RevocationStoreError)?.file, f.crl.path)
        }
    }

    func testOlderCRLNumberIsRefusedAsRollback() throws {
        let f = try makeFixture()
        let original = try Data(contentsOf: f.crl)  // number 1, empty
        try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("bank.970436.pem"), caDirectory: f.dir, crlFile: f.crl)
        let store = try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])
        XCTAssertTrue(store.isRevoked(f.member))
        try original.write(to: f.crl)
        XCTAssertEqual(store.reloadIfChanged().map(\.code), [.rollback])
        XCTAssertTrue(store.isRevoked(f.member))
    }

    func testDERFilesAreAcceptedAndIssuerMustMatch() throws {
        let f = try makeFixture()
        let list = try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("bank.970436.pem"), caDirectory: f.dir, crlFile: f.crl)
        let derFile = f.dir.appendingPathComponent("crl.der")
        try Data(list.derBytes).write(to: derFile)
        let store = try RevocationStore(files: [derFile.path], trustAnchors: [f.ca])
        XCTAssertTrue(store.isRevoked(f.member))

        // A certificate with the same serial from another CA is not revoked by this CA's CRL.
        let now = Date()
        let otherCA = try CertificateAuthority.create(commonName: "Other CA", validity: now...now.addingTimeInterval(oneDay))
        let sameSerial = try Certificate(
            version: .v3, serialNumber: f.member.serialNumber, publicKey: f.member.publicKey, notValidBefore: now,
            notValidAfter: now.addingTimeInterval(oneDay), issuer: otherCA.certificate.subject, subject: f.member.subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(), issuerPrivateKey: .init(otherCA.identity.privateKey)
        )
        XCTAssertFalse(store.isRevoked(sameSerial))
    }

    func testMissingFileAtStartupIsAnError() throws {
        let f = try makeFixture()
        let missing = f.dir.appendingPathComponent("nope.pem").path
        XCTAssertThrowsError(try RevocationStore(files: [missing], trustAnchors: [f.ca])) { error in
            XCTAssertEqual((error as? RevocationStoreError)?.code, .unreadable)
            XCTAssertEqual((error as? RevocationStoreError)?.file, missing)
        }
    }

    func testConcurrentReadersAndReloaderAgree() async throws {
        let f = try makeFixture()
        let store = try RevocationStore(files: [f.crl.path], trustAnchors: [f.ca])
        let member = f.member
        try ExamplePKI.revoke(certificateFile: f.dir.appendingPathComponent("bank.970436.pem"), caDirectory: f.dir, crlFile: f.crl)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 { _ = store.reloadIfChanged(); _ = store.isRevoked(member) }
                }
            }
        }
        XCTAssertTrue(store.isRevoked(member))
        XCTAssertEqual(store.currentProblems(), [])
    }
}
