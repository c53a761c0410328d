import Crypto
import Foundation
import LienthongAdapters
import XCTest

/// RFC 7515 detached compact JWS (ES256): round trip, refusals, RFC vectors and a cross-check with Python's
/// `cryptography`.
final class DetachedJWSTests: XCTestCase {
    private let key = P256.Signing.PrivateKey()
    private let kid = "sha256/q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
    private let body = Array(#"{"verification":{"party":{"name":"Nguyễn Văn An"}}}"#.utf8)

    private func expectError(_ code: JWSError.Code, _ header: String?, body: [UInt8]? = nil, keys: [String: P256.Signing.PublicKey]? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let verifier = JWSVerifier(keys: keys ?? [kid: key.publicKey])
        do throws(JWSError) {
            try verifier.verify(header, body: body ?? self.body)
            XCTFail("accepted", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, file: file, line: line)
        }
    }

    private static func b64(_ text: String) -> String { DetachedJWS.base64URLEncode(Array(text.utf8)) }

    func testRoundTripAndExactShape() throws {
        let signer = JWSSigner(key: key, keyID: kid)
        let header = signer.sign(body)
        let parts = header.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts[1], "")
        let protected = try XCTUnwrap(DetachedJWS.base64URLDecode(parts[0]))
        XCTAssertEqual(String(decoding: protected, as: UTF8.self), #"{"alg":"ES256","kid":"sha256/q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="}"#)
        XCTAssertEqual(parts[2].count, 86)
        XCTAssertFalse(header.contains("="))
        XCTAssertEqual(try XCTUnwrap(DetachedJWS.base64URLDecode(parts[2])).count, 64)
        XCTAssertEqual(try JWSVerifier(keys: [kid: key.publicKey]).verify(header, body: body), kid)
        // Empty body signs and verifies too.
        XCTAssertNoThrow(try JWSVerifier(keys: [kid: key.publicKey]).verify(signer.sign([UInt8]()), body: [UInt8]()))
    }

    func testTamperedBodyIsBadSignature() {
        let header = JWSSigner(key: key, keyID: kid).sign(body)
        var tampered = body
        tampered[tampered.count - 3] ^= 0x01
        expectError(.badSignature, header, body: tampered)
        expectError(.badSignature, header, body: body + [0x20])
    }

    func testWrongKeyAndUnknownKey() {
        let header = JWSSigner(key: P256.Signing.PrivateKey(), keyID: kid).sign(body)
        expectError(.badSignature, header)
        let other = JWSSigner(key: key, keyID: "sha256/other").sign(body)
        expectError(.unknownKey, other)
        expectError(.unknownKey, JWSSigner(key: key, keyID: kid).sign(body), keys: [:])
    }

    func testMissingHeader() {
        expectError(.missing, nil)
        expectError(.missing, "")
    }

    func testAlgNoneAndOtherAlgorithmsAreRefused() {
        let sig = JWSSigner(key: key, keyID: kid).sign(body).split(separator: ".", omittingEmptySubsequences: false)[2]
        expectError(.unsupportedAlgorithm, Self.b64(#"{"alg":"none","kid":"\#(kid)"}"#) + "..")
        expectError(.unsupportedAlgorithm, Self.b64(#"{"alg":"none","kid":"\#(kid)"}"#) + ".." + sig)
        expectError(.unsupportedAlgorithm, Self.b64(#"{"alg":"HS256","kid":"\#(kid)"}"#) + ".." + sig)
        expectError(.unsupportedAlgorithm, Self.b64(#"{"alg":"es256","kid":"\#(kid)"}"#) + ".." + sig)
    }

    func testMalformedHeadersAreRefused() {
        let signer = JWSSigner(key: key, keyID: kid)
        let good = signer.sign(body)
        let parts = good.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        // Attached payload: a valid compact JWS with the body in the middle part is still refused.
        expectError(.malformed, parts[0] + "." + DetachedJWS.base64URLEncode(body) + "." + parts[2])
        expectError(.malformed, parts[0] + "." + parts[2])
        expectError(.malformed, good + ".")
        expectError(.malformed, parts[0] + "..")
        expectError(.malformed, parts[0] + ".." + parts[2] + "==")
        expectError(.malformed, parts[0] + "==.." + parts[2])
        expectError(.malformed, ".." + parts[2])
        expectError(.malformed, "not a jws")
        // Signature that is not 64 bytes (e.g. DER).
        let der = Array((try? key.signature(for: body).derRepresentation) ?? Data())
        expectError(.malformed, parts[0] + ".." + DetachedJWS.base64URLEncode(der))
        // Header members.
        expectError(.malformed, Self.b64(#"{"alg":"ES256","kid":"\#(kid)","crit":["exp"]}"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"{"alg":"ES256","kid":"\#(kid)","b64":false}"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"{"alg":"ES256"}"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"{"alg":"ES256","kid":7}"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"{"alg":"ES256","alg":"ES256","kid":"\#(kid)"}"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"["ES256"]"#) + ".." + parts[2])
        expectError(.malformed, Self.b64(#"{"alg":"ES256","kid":"\#(kid)""#) + ".." + parts[2])
    }

    func testHeaderWithOtherMemberOrderStillVerifiesWhenSignedAsSent() throws {
        // The verifier signs over the header as sent, so an equivalent header in another order verifies
        // when it was signed that way (and not when swapped in afterwards).
        let encoded = Self.b64(#"{"kid":"\#(kid)","alg":"ES256"}"#)
        let input = Array((encoded + "." + DetachedJWS.base64URLEncode(body)).utf8)
        let signature = try key.signature(for: input).rawRepresentation
        let header = encoded + ".." + DetachedJWS.base64URLEncode(signature)
        XCTAssertNoThrow(try JWSVerifier(keys: [kid: key.publicKey]).verify(header, body: body))
        let swapped = JWSSigner(key: key, keyID: kid).sign(body).split(separator: ".", omittingEmptySubsequences: false)[0] + ".." + DetachedJWS.base64URLEncode(signature)
        expectError(.badSignature, String(swapped))
    }

    /// RFC 4648 §10 test vectors, base64url without padding, and strict decoding.
    func testBase64URLVectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(DetachedJWS.base64URLEncode(Array(plain.utf8)), encoded)
            XCTAssertEqual(DetachedJWS.base64URLDecode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(DetachedJWS.base64URLEncode([0xFB, 0xFF, 0xBF]), "-_-_")
        XCTAssertEqual(DetachedJWS.base64URLDecode("-_-_"), [0xFB, 0xFF, 0xBF])
        XCTAssertNil(DetachedJWS.base64URLDecode("Zg=="))
        XCTAssertNil(DetachedJWS.base64URLDecode("Zh"))  // non-zero unused bits
        XCTAssertNil(DetachedJWS.base64URLDecode("Z"))
        XCTAssertNil(DetachedJWS.base64URLDecode("+/+/"))
    }

    /// RFC 7515 Appendix A.3 (ES256): our base64url and signing input reproduce the RFC's, and its signature
    /// (raw r || s) verifies with its key.
    func testRFC7515AppendixA3Vector() throws {
        let header = "eyJhbGciOiJFUzI1NiJ9"
        let payload = Array("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}".utf8)
        XCTAssertEqual(DetachedJWS.base64URLEncode(Array(#"{"alg":"ES256"}"#.utf8)), header)
        XCTAssertEqual(
            DetachedJWS.base64URLEncode(payload),
            "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ")
        let x = try XCTUnwrap(DetachedJWS.base64URLDecode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"))
        let y = try XCTUnwrap(DetachedJWS.base64URLDecode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"))
        let publicKey = try P256.Signing.PublicKey(rawRepresentation: x + y)
        let rfcSignature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try XCTUnwrap(DetachedJWS.base64URLDecode(rfcSignature)))
        let input = Array((header + "." + DetachedJWS.base64URLEncode(payload)).utf8)
        XCTAssertTrue(publicKey.isValidSignature(signature, for: input))
        XCTAssertFalse(publicKey.isValidSignature(signature, for: input + [0x20]))
        // Detached, the RFC's header has no kid: our verifier refuses it as malformed, never as valid.
        expectError(.malformed, header + ".." + rfcSignature, body: payload, keys: ["": publicKey])
    }

    // MARK: Python cross-check

    private static let script = #"""
        import base64, json, sys
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature, decode_dss_signature

        key_path, jws, body_path, kid = sys.argv[1:5]
        key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
        body = open(body_path, "rb").read()
        b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
        unb64 = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

        h, middle, s = jws.split(".")
        sig = unb64(s)
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        def valid(data):
            try:
                key.public_key().verify(der, (h + "." + b64(data)).encode(), ec.ECDSA(hashes.SHA256()))
                return True
            except Exception:
                return False

        protected = json.dumps({"alg": "ES256", "kid": kid}, separators=(",", ":")).encode()
        r, s2 = decode_dss_signature(key.sign((b64(protected) + "." + b64(body)).encode(), ec.ECDSA(hashes.SHA256())))
        print(json.dumps({
            "header": unb64(h).decode(),
            "middle": middle,
            "signature_length": len(sig),
            "valid": valid(body),
            "valid_tampered": valid(body + b" "),
            "python_jws": b64(protected) + ".." + b64(r.to_bytes(32, "big") + s2.to_bytes(32, "big")),
        }))
        """#

    func testPythonCryptographyAgreesBothWays() throws {
        try XCTSkipUnless(Python.canImport("cryptography"), "python3 with the cryptography module is not available")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-jws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("key.pem")
        let bodyFile = dir.appendingPathComponent("body.json")
        try key.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        try Data(body).write(to: bodyFile)

        let jws = JWSSigner(key: key, keyID: kid).sign(body)
        let output = try Python.run(Self.script, arguments: [keyFile.path, jws, bodyFile.path, kid])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(json["header"] as? String, #"{"alg":"ES256","kid":"\#(kid)"}"#)
        XCTAssertEqual(json["middle"] as? String, "")
        XCTAssertEqual(json["signature_length"] as? Int, 64)
        XCTAssertEqual(json["valid"] as? Bool, true)
        XCTAssertEqual(json["valid_tampered"] as? Bool, false)
        let pythonJWS = try XCTUnwrap(json["python_jws"] as? String)
        let verifier = JWSVerifier(keys: [kid: key.publicKey])
        XCTAssertEqual(try verifier.verify(pythonJWS, body: body), kid)
        // Python's protected header is byte-identical to ours.
        XCTAssertEqual(pythonJWS.split(separator: ".").first, jws.split(separator: ".").first)
        expectError(.badSignature, pythonJWS, body: body + [0x20])
    }
}
