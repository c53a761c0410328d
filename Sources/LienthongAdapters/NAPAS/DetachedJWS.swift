public import Crypto
import LienthongCore

// RFC 7515 JSON Web Signature, compact serialization with a detached payload (RFC 7515 Appendix F), as the NAPAS
// upstream signs every request and answer body: `BASE64URL(header) + ".." + BASE64URL(signature)` in the HTTP
// header `X-JWS-Signature`. Only ES256 (ECDSA P-256 with SHA-256, signature as raw `r || s`, RFC 7518 §3.4).

/// Why a detached JWS was refused. Carries a code only: never the header, the key id or the body.
public struct JWSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No signature header, or an empty one.
        case missing
        /// Not three base64url parts with an empty middle, a header that is not a JSON object with string `alg`
        /// and `kid`, a `crit` or `b64` member, or a signature that is not 64 bytes.
        case malformed
        /// An `alg` other than `ES256` (including `none`).
        case unsupportedAlgorithm
        /// A `kid` the verifier has no key for.
        case unknownKey
        /// The signature does not verify over the header and the body.
        case badSignature
    }

    /// What was wrong.
    public var code: Code

    /// Creates an error.
    public init(_ code: Code) {
        self.code = code
    }

    /// `"JWS signature refused: <code>"`.
    public var description: String { "JWS signature refused: \(code.rawValue)" }
}

/// Constants and base64url helpers of the detached JWS used by the NAPAS contract.
///
/// ```swift
/// let signer = JWSSigner(key: key, keyID: CertificatePin.pin(of: certificate))
/// request.headers.add(name: DetachedJWS.headerName, value: signer.sign(body))
/// try JWSVerifier(keys: [signer.keyID: key.publicKey]).verify(header, body: body)
/// ```
public enum DetachedJWS {
    /// The HTTP header carrying the signature: `X-JWS-Signature`.
    public static let headerName = "X-JWS-Signature"
    /// The only algorithm signed and accepted: `ES256`.
    public static let algorithm = "ES256"

    /// The protected header `{"alg":"ES256","kid":"<kid>"}`, keys in that order, no spaces.
    public static func protectedHeader(keyID: String) -> [UInt8] {
        var out = Array(#"{"alg":"ES256","kid":"#.utf8)
        JCS.appendString(keyID, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 7515 §2).
    public static func base64URLEncode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int(((b0 & 0x03) << 4) | ((b1 ?? 0) >> 4))])
            if let b1 {
                out.append(alphabet[Int(((b1 & 0x0F) << 2) | ((b2 ?? 0) >> 6))])
                if let b2 { out.append(alphabet[Int(b2 & 0x3F)]) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64url without padding; `nil` for any other character, `=` padding, an impossible length or
    /// non-zero unused bits (so each byte string has exactly one accepted encoding).
    public static func base64URLDecode(_ text: some StringProtocol) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let value: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            accumulator = (accumulator << 6) | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        // 6 leftover bits mean a length of 4n + 1 characters; other leftovers must be zero.
        if bits >= 6 || (accumulator & ((1 << UInt32(bits)) - 1)) != 0 { return nil }
        return out
    }
}

/// Signs bodies with ES256 as detached compact JWS.
///
/// ```swift
/// let signer = JWSSigner(key: privateKey, keyID: "sha256/…")
/// let header = signer.sign(body)   // "eyJhbGciOiJFUzI1NiIsImtpZCI6…..MEUCIQ…"
/// ```
///
/// By convention the key id is the certificate pin of the signer's certificate
/// (`CertificatePin.pin(of:)`, `"sha256/<base64>"`), so a verifier's key table can be built from certificates.
public struct JWSSigner: Sendable {
    /// The `kid` put in every protected header.
    public let keyID: String
    /// The signing key.
    let key: P256.Signing.PrivateKey
    /// `BASE64URL(protected header)`, computed once.
    let encodedHeader: String

    /// Creates a signer.
    public init(key: P256.Signing.PrivateKey, keyID: String) {
        self.key = key
        self.keyID = keyID
        self.encodedHeader = DetachedJWS.base64URLEncode(DetachedJWS.protectedHeader(keyID: keyID))
    }

    /// The public key matching the signing key.
    public var publicKey: P256.Signing.PublicKey { key.publicKey }

    /// The detached JWS of `body`: `BASE64URL(header) + ".." + BASE64URL(r || s)`, signed over
    /// `BASE64URL(header) + "." + BASE64URL(body)`.
    public func sign(_ body: some Collection<UInt8>) -> String {
        var input = Array(encodedHeader.utf8)
        input.append(UInt8(ascii: "."))
        input.append(contentsOf: DetachedJWS.base64URLEncode(body).utf8)
        let signature: P256.Signing.ECDSASignature
        do {
            signature = try key.signature(for: input)
        } catch {
            // BoringSSL's ECDSA signing only fails on allocation failure, for a key that is valid by construction.
            preconditionFailure("P-256 ECDSA signing failed")
        }
        return encodedHeader + ".." + DetachedJWS.base64URLEncode(signature.rawRepresentation)
    }
}

/// Verifies detached ES256 JWS headers against a table of public keys by `kid`.
///
/// ```swift
/// let verifier = JWSVerifier(keys: [CertificatePin.pin(of: napasCertificate): napasPublicKey])
/// try verifier.verify(response.headers.first(name: DetachedJWS.headerName), body: body)
/// ```
///
/// Refuses: a missing header; anything but three parts with an empty middle (an attached payload is refused);
/// a protected header that is not a JSON object (duplicate keys refused) with string `alg` and `kid`; `alg` other
/// than `ES256`, including `none`; a `crit` or `b64` member (no extension is understood); an unknown `kid`; a
/// signature that is not 64 bytes of `r || s` or does not verify.
public struct JWSVerifier: Sendable {
    /// Trusted public keys by key id.
    public let keys: [String: P256.Signing.PublicKey]

    /// Creates a verifier.
    public init(keys: [String: P256.Signing.PublicKey]) {
        self.keys = keys
    }

    /// Longest accepted header value, in bytes (a protected header of a few hundred bytes and 86 characters of
    /// signature fit with room to spare).
    public static let maxHeaderBytes = 4096

    /// Checks `header` (the `X-JWS-Signature` value) over `body`; returns the key id that signed.
    @discardableResult
    public func verify(_ header: String?, body: some Collection<UInt8>) throws(JWSError) -> String {
        guard let header, !header.isEmpty else { throw JWSError(.missing) }
        guard header.utf8.count <= Self.maxHeaderBytes else { throw JWSError(.malformed) }
        let parts = header.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].isEmpty, !parts[0].isEmpty else {
            throw JWSError(.malformed)
        }
        let encodedHeader = parts[0]
        guard let headerBytes = DetachedJWS.base64URLDecode(String(decoding: encodedHeader, as: UTF8.self)),
            case .object(let members)? = try? JSONValue(parsing: headerBytes, maxDepth: 8)
        else { throw JWSError(.malformed) }
        guard case .string(let algorithm)? = members["alg"] else { throw JWSError(.malformed) }
        guard algorithm == DetachedJWS.algorithm else { throw JWSError(.unsupportedAlgorithm) }
        guard members["crit"] == nil, members["b64"] == nil else { throw JWSError(.malformed) }
        guard case .string(let keyID)? = members["kid"] else { throw JWSError(.malformed) }
        guard let key = keys[keyID] else { throw JWSError(.unknownKey) }
        guard let raw = DetachedJWS.base64URLDecode(String(decoding: parts[2], as: UTF8.self)), raw.count == 64,
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
        else { throw JWSError(.malformed) }
        var input = Array(encodedHeader)
        input.append(UInt8(ascii: "."))
        input.append(contentsOf: DetachedJWS.base64URLEncode(body).utf8)
        guard key.isValidSignature(signature, for: input) else { throw JWSError(.badSignature) }
        return keyID
    }
}
