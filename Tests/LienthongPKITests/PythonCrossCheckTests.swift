import Foundation
import X509
import XCTest

import LienthongPKI

/// Cross-checks our CRL and certificates with an independent implementation: Python's `cryptography`.
final class PythonCrossCheckTests: XCTestCase {
    private static let script = #"""
        import base64, hashlib, json, sys
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.x509.oid import NameOID

        crl_path, ca_path, other_ca_path, member_path, member_key_path, server_path, empty_crl_path = sys.argv[1:8]
        load = lambda p: open(p, "rb").read()
        crl = x509.load_pem_x509_crl(load(crl_path))
        empty = x509.load_pem_x509_crl(load(empty_crl_path))
        ca = x509.load_pem_x509_certificate(load(ca_path))
        other = x509.load_pem_x509_certificate(load(other_ca_path))
        member = x509.load_pem_x509_certificate(load(member_path))
        server = x509.load_pem_x509_certificate(load(server_path))
        key = serialization.load_pem_private_key(load(member_key_path), password=None)

        spki = member.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        eku = member.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        print(json.dumps({
            "crl_issuer": crl.issuer.rfc4514_string(),
            "ca_subject": ca.subject.rfc4514_string(),
            "revoked": [format(r.serial_number, "x") for r in crl],
            "revocation_dates": [int(r.revocation_date_utc.timestamp()) for r in crl],
            "crl_number": crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
            "this_update": int(crl.last_update_utc.timestamp()),
            "next_update": int(crl.next_update_utc.timestamp()),
            "signature_valid": crl.is_signature_valid(ca.public_key()),
            "signature_valid_other_ca": crl.is_signature_valid(other.public_key()),
            "aki_matches_ski": aki.key_identifier == ski.digest,
            "empty_revoked_count": len(list(empty)),
            "empty_signature_valid": empty.is_signature_valid(ca.public_key()),
            "member_cn": member.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
            "member_o": member.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value,
            "member_eku": [o.dotted_string for o in eku],
            "member_pin": "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode(),
            "member_serial": format(member.serial_number, "x"),
            "member_serial_positive": member.serial_number > 0,
            "member_key_matches": key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == spki,
            "server_dns": san.get_values_for_type(x509.DNSName),
            "server_ips": [str(ip) for ip in san.get_values_for_type(x509.IPAddress)],
        }))
        """#

    func testPythonCryptographyAcceptsOurCRLAndCertificates() throws {
        let dir = try makeTemporaryDirectory(self)
        let otherDir = try makeTemporaryDirectory(self)
        let now = Date(timeIntervalSince1970: 1_760_000_000)
        try ExamplePKI.create(at: dir, members: ["bank.970436", "gov.police.dongnai"], now: now)
        try ExamplePKI.create(at: otherDir, members: [], now: now)
        let emptyCRL = dir.appendingPathComponent("empty-crl.pem")
        try FileManager.default.copyItem(at: dir.appendingPathComponent("crl.pem"), to: emptyCRL)

        let revokedAt = now.addingTimeInterval(300)
        let list = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("gov.police.dongnai.pem"), caDirectory: dir,
            crlFile: dir.appendingPathComponent("crl.pem"), now: revokedAt
        )
        let ca = try readCertificate(dir.appendingPathComponent("ca.pem"))
        let member = try readCertificate(dir.appendingPathComponent("bank.970436.pem"))
        let revoked = try readCertificate(dir.appendingPathComponent("gov.police.dongnai.pem"))

        let output = try runPython([
            dir.appendingPathComponent("crl.pem").path,
            dir.appendingPathComponent("ca.pem").path,
            otherDir.appendingPathComponent("ca.pem").path,
            dir.appendingPathComponent("bank.970436.pem").path,
            dir.appendingPathComponent("bank.970436-key.pem").path,
            dir.appendingPathComponent("server.pem").path,
            emptyCRL.path,
        ])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)

        XCTAssertEqual(json["crl_issuer"] as? String, "CN=Lienthong Example CA,O=Lienthong example PKI")
        XCTAssertEqual(json["crl_issuer"] as? String, json["ca_subject"] as? String)
        XCTAssertEqual(json["revoked"] as? [String], [hexWithoutLeadingZeros(revoked.serialNumber.bytes)])
        XCTAssertEqual(json["revocation_dates"] as? [Int], [Int(revokedAt.timeIntervalSince1970)])
        XCTAssertEqual(json["crl_number"] as? Int, list.number)
        XCTAssertEqual(json["crl_number"] as? Int, 2)
        XCTAssertEqual(json["this_update"] as? Int, Int(revokedAt.timeIntervalSince1970))
        XCTAssertEqual(json["next_update"] as? Int, list.nextUpdate.map { Int($0.timeIntervalSince1970) })
        XCTAssertEqual(json["signature_valid"] as? Bool, true)
        XCTAssertEqual(json["signature_valid_other_ca"] as? Bool, false)
        XCTAssertEqual(json["aki_matches_ski"] as? Bool, true)
        XCTAssertEqual(json["empty_revoked_count"] as? Int, 0)
        XCTAssertEqual(json["empty_signature_valid"] as? Bool, true)

        XCTAssertEqual(json["member_cn"] as? String, "bank.970436")
        XCTAssertEqual(json["member_o"] as? String, "Lienthong example PKI")
        XCTAssertEqual(json["member_eku"] as? [String], ["1.3.6.1.5.5.7.3.2"])
        XCTAssertEqual(json["member_pin"] as? String, CertificatePin.pin(of: member))
        XCTAssertEqual(json["member_serial"] as? String, hexWithoutLeadingZeros(member.serialNumber.bytes))
        XCTAssertEqual(json["member_serial_positive"] as? Bool, true)
        XCTAssertEqual(json["member_key_matches"] as? Bool, true)
        XCTAssertEqual(json["server_dns"] as? [String], ["localhost"])
        XCTAssertEqual(json["server_ips"] as? [String], ["127.0.0.1", "::1"])
        _ = ca
    }

    func testPythonCryptographyRefusesATamperedCRL() throws {
        let dir = try makeTemporaryDirectory(self)
        try ExamplePKI.create(at: dir, members: ["bank.970436"])
        let list = try ExamplePKI.revoke(
            certificateFile: dir.appendingPathComponent("bank.970436.pem"), caDirectory: dir,
            crlFile: dir.appendingPathComponent("crl.pem")
        )
        // Change the CRL number's last byte (inside tbsCertList, still well-formed).
        var der = list.derBytes
        let crlNumberOID: [UInt8] = [0x06, 0x03, 0x55, 0x1D, 0x14]
        let at = try XCTUnwrap((0...(der.count - 5)).first { Array(der[$0..<($0 + 5)]) == crlNumberOID })
        der[at + 5 + 4] ^= 0x01  // OID, OCTET STRING header (2), INTEGER header (2), value
        let tampered = dir.appendingPathComponent("tampered.der")
        try Data(der).write(to: tampered)
        let script = """
            import sys
            from cryptography import x509
            crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
            ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
            print(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number, crl.is_signature_valid(ca.public_key()))
            """
        let output = try runPython([tampered.path, dir.appendingPathComponent("ca.pem").path], script: script)
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "3 False")
        let ours = try RevocationList(derEncoded: der)
        XCTAssertEqual(ours.number, 3)
        XCTAssertFalse(ours.isSignatureValid(issuer: try readCertificate(dir.appendingPathComponent("ca.pem"))))
    }

    private func runPython(_ arguments: [String], script: String = PythonCrossCheckTests.script) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = String(decoding: err, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, "python3 failed: \(errorText)")
        return String(decoding: out, as: UTF8.self)
    }
}
