import Foundation
import SwiftASN1
import X509
import XCTest

@testable import LienthongPKI

final class RevocationListTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_760_000_000.75)
    private var validity: ClosedRange<Date> { now.addingTimeInterval(-3600)...now.addingTimeInterval(365 * oneDay) }

    func testSignedListRoundTripsThroughDERAndPEM() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let a = try ca.issueClient(commonName: "bank.970436", validity: validity)
        let b = try ca.issueClient(commonName: "bank.970418", validity: validity)
        let entries = [
            RevocationList.Entry(serial: a.certificate.serialNumber, revokedAt: now.addingTimeInterval(-10)),
            RevocationList.Entry(serial: b.certificate.serialNumber, revokedAt: now),
        ]
        let list = try ca.signRevocationList(entries, number: 7, thisUpdate: now, nextUpdate: now.addingTimeInterval(7 * oneDay))

        XCTAssertEqual(list.issuer, ca.certificate.subject)
        XCTAssertEqual(list.number, 7)
        // Whole seconds: the encoding keeps no fraction.
        XCTAssertEqual(list.thisUpdate, Date(timeIntervalSince1970: 1_760_000_000))
        XCTAssertEqual(list.nextUpdate, Date(timeIntervalSince1970: 1_760_000_000 + 7 * oneDay))
        XCTAssertEqual(list.entries.map(\.serial), entries.map(\.serial))
        XCTAssertEqual(list.entries.map(\.revokedAt), [Date(timeIntervalSince1970: 1_759_999_990), Date(timeIntervalSince1970: 1_760_000_000)])
        XCTAssertEqual(list.authorityKeyIdentifier, (try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier).map { Array($0) })

        let fromDER = try RevocationList(derEncoded: list.derBytes)
        XCTAssertEqual(fromDER, list)
        XCTAssertEqual(fromDER.entries, list.entries)
        XCTAssertEqual(fromDER.thisUpdate, list.thisUpdate)

        XCTAssertTrue(list.pem.hasPrefix("-----BEGIN X509 CRL-----\n"))
        let fromPEM = try RevocationList(pemEncoded: list.pem)
        XCTAssertEqual(fromPEM, list)
        XCTAssertEqual(try RevocationList(fileContents: Array(list.pem.utf8)), list)
        XCTAssertEqual(try RevocationList(fileContents: list.derBytes), list)

        XCTAssertTrue(list.contains(serial: a.certificate.serialNumber))
        XCTAssertTrue(list.revokes(b.certificate))
        let c = try ca.issueClient(commonName: "fin.napas", validity: validity)
        XCTAssertFalse(list.contains(serial: c.certificate.serialNumber))
        XCTAssertFalse(list.revokes(c.certificate))
    }

    func testDEREncodingHasTheRFC5280Shape() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let member = try ca.issueClient(commonName: "bank.970436", validity: validity)
        let list = try ca.signRevocationList(
            [.init(serial: member.certificate.serialNumber, revokedAt: now)], number: 1, thisUpdate: now,
            nextUpdate: now.addingTimeInterval(oneDay)
        )
        let root = try DER.parse(list.derBytes)
        guard case .constructed(let outer) = root.content else { return XCTFail("CertificateList is not constructed") }
        let parts = Array(outer)
        XCTAssertEqual(parts.count, 3)
        guard case .constructed(let tbs) = parts[0].content else { return XCTFail("tbsCertList is not constructed") }
        let fields = Array(tbs)
        XCTAssertEqual(try Int(derEncoded: fields[0]), 1, "version v2")
        XCTAssertEqual(fields[3].identifier, UTCTime.defaultIdentifier, "thisUpdate in 2025 is a UTCTime")
        XCTAssertEqual(fields[4].identifier, UTCTime.defaultIdentifier)
        XCTAssertEqual(fields[5].identifier, .sequence, "revokedCertificates")
        XCTAssertEqual(fields[6].identifier, ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
        // signatureAlgorithm: ecdsa-with-SHA256, without parameters.
        guard case .constructed(let algorithm) = parts[1].content else { return XCTFail("algorithm") }
        let algorithmNodes = Array(algorithm)
        XCTAssertEqual(algorithmNodes.count, 1)
        XCTAssertEqual(try ASN1ObjectIdentifier(derEncoded: algorithmNodes[0]), [1, 2, 840, 10045, 4, 3, 2])
    }

    func testEmptyListOmitsRevokedCertificates() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let list = try ca.signRevocationList([], number: 0, thisUpdate: now, nextUpdate: now.addingTimeInterval(oneDay))
        XCTAssertEqual(list.entries, [])
        let root = try DER.parse(list.derBytes)
        guard case .constructed(let outer) = root.content, case .constructed(let tbs) = Array(outer)[0].content else {
            return XCTFail("not constructed")
        }
        // version, signature, issuer, thisUpdate, nextUpdate, [0] extensions: no empty SEQUENCE.
        XCTAssertEqual(Array(tbs).count, 6)
        XCTAssertTrue(list.isSignatureValid(issuer: ca.certificate))
    }

    func testDatesFrom2050AreGeneralizedTime() throws {
        let later = Date(timeIntervalSince1970: 2_600_000_000)  // 2052
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: now...later.addingTimeInterval(oneDay))
        let list = try ca.signRevocationList([], number: 1, thisUpdate: now, nextUpdate: later)
        XCTAssertEqual(list.nextUpdate, later)
        let root = try DER.parse(list.derBytes)
        guard case .constructed(let outer) = root.content, case .constructed(let tbs) = Array(outer)[0].content else {
            return XCTFail("not constructed")
        }
        XCTAssertEqual(Array(tbs)[4].identifier, GeneralizedTime.defaultIdentifier)
    }

    func testSignatureIsValidOnlyForTheIssuingCA() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let sameNameOtherKey = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let other = try CertificateAuthority.create(commonName: "Other CA", validity: validity)
        let member = try ca.issueClient(commonName: "bank.970436", validity: validity)
        let list = try ca.signRevocationList(
            [.init(serial: member.certificate.serialNumber, revokedAt: now)], number: 1, thisUpdate: now,
            nextUpdate: now.addingTimeInterval(oneDay)
        )
        XCTAssertTrue(list.isSignatureValid(issuer: ca.certificate))
        XCTAssertFalse(list.isSignatureValid(issuer: other.certificate))
        XCTAssertFalse(list.isSignatureValid(issuer: sameNameOtherKey.certificate))
        XCTAssertFalse(list.isSignatureValid(issuer: member.certificate), "a leaf may not sign CRLs")
    }

    func testByteFlippedListFailsVerificationOrParsing() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let member = try ca.issueClient(commonName: "bank.970436", validity: validity)
        let list = try ca.signRevocationList(
            [.init(serial: member.certificate.serialNumber, revokedAt: now)], number: 1, thisUpdate: now,
            nextUpdate: now.addingTimeInterval(oneDay)
        )
        // Flip one bit in the revoked serial (inside tbsCertList): still parses, no longer verifies.
        let serialBytes = Array(member.certificate.serialNumber.bytes)
        let der = list.derBytes
        let position = try XCTUnwrap(
            (0...(der.count - serialBytes.count)).first { Array(der[$0..<($0 + serialBytes.count)]) == serialBytes }
        )
        var flipped = der
        flipped[position + 5] ^= 0x01
        let tampered = try RevocationList(derEncoded: flipped)
        XCTAssertFalse(tampered.contains(serial: member.certificate.serialNumber))
        XCTAssertFalse(tampered.isSignatureValid(issuer: ca.certificate))

        // Every single-byte flip either fails to parse or fails to verify.
        for index in stride(from: 0, to: der.count, by: 3) {
            var copy = der
            copy[index] ^= 0x40
            if let parsed = try? RevocationList(derEncoded: copy) {
                XCTAssertFalse(parsed.isSignatureValid(issuer: ca.certificate), "flip at \(index) still verifies")
            }
        }
    }

    func testMalformedInputIsRefusedWithAPKIError() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let list = try ca.signRevocationList([], number: 1, thisUpdate: now, nextUpdate: now.addingTimeInterval(oneDay))
        for bytes in [[], [0x30, 0x00], Array("not a crl".utf8), list.derBytes + [0x00], Array(list.derBytes.dropLast())] {
            XCTAssertThrowsError(try RevocationList(derEncoded: bytes)) { error in
                XCTAssertEqual((error as? PKIError)?.code, .malformedRevocationList)
            }
        }
        // A certificate is not a CRL, even in PEM.
        XCTAssertThrowsError(try RevocationList(pemEncoded: ca.identity.certificatePEM)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidPEM)
        }
        XCTAssertThrowsError(try RevocationList(pemEncoded: "garbage")) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidPEM)
        }
    }

    func testSigningRefusesReversedDatesAndNegativeNumbers() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        XCTAssertThrowsError(try ca.signRevocationList([], number: 1, thisUpdate: now, nextUpdate: now)) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidValidity)
        }
        XCTAssertThrowsError(try ca.signRevocationList([], number: -1, thisUpdate: now, nextUpdate: now.addingTimeInterval(1))) { error in
            XCTAssertEqual((error as? PKIError)?.code, .invalidNumber)
        }
    }

    func testStaleness() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", validity: validity)
        let list = try ca.signRevocationList([], number: 1, thisUpdate: now, nextUpdate: now.addingTimeInterval(oneDay))
        XCTAssertFalse(list.isStale(at: now.addingTimeInterval(oneDay - 10)))
        XCTAssertTrue(list.isStale(at: now.addingTimeInterval(oneDay + 10)))
    }

    func testCivilDateConversionMatchesFoundationCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: Int64(-130_000), through: 200_000, by: 997) {
            let date = Date(timeIntervalSince1970: TimeInterval(days) * oneDay)
            let components = calendar.dateComponents([.year, .month, .day], from: date)
            let (year, month, day) = ASN1Time.civil(fromDays: days)
            XCTAssertEqual([year, month, day], [components.year!, components.month!, components.day!], "day \(days)")
            XCTAssertEqual(ASN1Time.days(fromCivil: year, month, day), days)
        }
    }
}
