import Crypto
public import Foundation
public import X509
import SwiftASN1

/// A certificate authority with a P-256 key: issues member (client) and server certificates and signs CRLs.
///
/// ```swift
/// let now = Date()
/// let ca = try CertificateAuthority.create(commonName: "Lienthong example CA", validity: now...now.addingTimeInterval(86_400 * 825))
/// let police = try ca.issueClient(commonName: "gov.police.dongnai", validity: now...now.addingTimeInterval(86_400 * 825))
/// let crl = try ca.signRevocationList([.init(serial: police.certificate.serialNumber, revokedAt: now)],
///                                     number: 1, thisUpdate: now, nextUpdate: now.addingTimeInterval(86_400 * 7))
/// ```
public struct CertificateAuthority: Sendable {
    /// The organisation name put into every subject this module issues.
    public static let organizationName = "Lienthong example PKI"

    /// The CA certificate and key.
    public var identity: IssuedIdentity

    /// The CA certificate.
    public var certificate: Certificate { identity.certificate }

    /// Wraps an existing CA identity.
    public init(identity: IssuedIdentity) {
        self.identity = identity
    }

    /// Creates a self-signed root CA: CN `commonName`, O ``organizationName``, basicConstraints CA (path length 0),
    /// key usage keyCertSign + cRLSign, a subject key identifier.
    public static func create(commonName: String, validity: ClosedRange<Date>) throws -> CertificateAuthority {
        try checkName(commonName)
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let name = try subjectName(commonName: commonName)
        let extensions = try build {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let certificate = try sign(
            serialNumber: randomSerialNumber(),
            publicKey: publicKey,
            validity: validity,
            issuer: name,
            subject: name,
            extensions: extensions,
            issuerKey: key
        )
        return CertificateAuthority(identity: IssuedIdentity(certificate: certificate, privateKey: key))
    }

    /// Loads a CA from its certificate and key PEM (the key must belong to the certificate).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        self.init(identity: try IssuedIdentity(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM))
    }

    /// Issues a client certificate for a member.
    ///
    /// Subject CN = `commonName` (the member id), O = ``organizationName``; key usage digitalSignature;
    /// extended key usage clientAuth only, unless `extendedKeyUsage` is given (an empty array omits the
    /// extension, which is useful to test refusal); a random positive 16-byte serial; a fresh P-256 key.
    public func issueClient(
        commonName: String,
        validity: ClosedRange<Date>,
        extendedKeyUsage: [ExtendedKeyUsage.Usage]? = nil
    ) throws -> IssuedIdentity {
        let usages = extendedKeyUsage ?? [.clientAuth]
        return try issueLeaf(commonName: commonName, validity: validity, usages: usages, alternativeNames: [])
    }

    /// Issues a server certificate: CN `commonName`, subject alternative names for `dnsNames` and
    /// `ipAddresses` (IPv4 dotted quads or IPv6 text, e.g. `"127.0.0.1"`, `"::1"`), EKU serverAuth.
    public func issueServer(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [String],
        validity: ClosedRange<Date>
    ) throws -> IssuedIdentity {
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            guard let bytes = IPAddressParser.parse(address) else {
                throw PKIError(code: .invalidIPAddress, reason: "ipAddresses entry is not an IPv4 or IPv6 address")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        return try issueLeaf(commonName: commonName, validity: validity, usages: [.serverAuth], alternativeNames: names)
    }

    /// Signs a v2 CRL (RFC 5280 §5) with ECDSA P-256 / SHA-256, carrying `entries`, the CRL number
    /// `number`, `thisUpdate`, `nextUpdate` and the CA's authority key identifier.
    ///
    /// Dates are kept to whole seconds (the precision of the encoding).
    public func signRevocationList(
        _ entries: [RevocationList.Entry],
        number: Int,
        thisUpdate: Date,
        nextUpdate: Date
    ) throws -> RevocationList {
        guard number >= 0 else {
            throw PKIError(code: .invalidNumber, reason: "CRL number must not be negative")
        }
        guard nextUpdate > thisUpdate else {
            throw PKIError(code: .invalidValidity, reason: "nextUpdate must be after thisUpdate")
        }
        return try RevocationList.sign(
            issuer: identity.certificate.subject,
            authorityKeyIdentifier: authorityKeyIdentifier.map { Array($0) },
            entries: entries,
            number: number,
            thisUpdate: thisUpdate,
            nextUpdate: nextUpdate,
            key: identity.privateKey
        )
    }

    // MARK: - Internals

    private var authorityKeyIdentifier: ArraySlice<UInt8>? {
        (try? identity.certificate.extensions.subjectKeyIdentifier)?.keyIdentifier
    }

    private func issueLeaf(
        commonName: String,
        validity: ClosedRange<Date>,
        usages: [ExtendedKeyUsage.Usage],
        alternativeNames: [GeneralName]
    ) throws -> IssuedIdentity {
        try Self.checkName(commonName)
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let aki = authorityKeyIdentifier
        let extensions = try Self.build {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            if !usages.isEmpty {
                try ExtendedKeyUsage(usages)
            }
            if !alternativeNames.isEmpty {
                SubjectAlternativeNames(alternativeNames)
            }
            SubjectKeyIdentifier(hash: publicKey)
            if let aki {
                AuthorityKeyIdentifier(keyIdentifier: aki)
            }
        }
        let certificate = try Self.sign(
            serialNumber: Self.randomSerialNumber(),
            publicKey: publicKey,
            validity: validity,
            issuer: identity.certificate.subject,
            subject: try Self.subjectName(commonName: commonName),
            extensions: extensions,
            issuerKey: identity.privateKey
        )
        return IssuedIdentity(certificate: certificate, privateKey: key)
    }

    static func checkName(_ commonName: String) throws {
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            throw PKIError(code: .invalidName, reason: "commonName must have 1 to 64 bytes")
        }
    }

    static func subjectName(commonName: String) throws -> DistinguishedName {
        do {
            return try DistinguishedName {
                OrganizationName(organizationName)
                CommonName(commonName)
            }
        } catch {
            throw PKIError(code: .invalidName, reason: "commonName cannot be encoded")
        }
    }

    static func build(
        @ExtensionsBuilder _ builder: () throws -> Result<Certificate.Extensions, any Error>
    ) throws -> Certificate.Extensions {
        do {
            return try Certificate.Extensions(builder: builder)
        } catch {
            throw PKIError(code: .issuing, reason: "extensions cannot be encoded")
        }
    }

    static func sign(
        serialNumber: Certificate.SerialNumber,
        publicKey: Certificate.PublicKey,
        validity: ClosedRange<Date>,
        issuer: DistinguishedName,
        subject: DistinguishedName,
        extensions: Certificate.Extensions,
        issuerKey: P256.Signing.PrivateKey
    ) throws -> Certificate {
        guard validity.upperBound > validity.lowerBound else {
            throw PKIError(code: .invalidValidity, reason: "validity must not be empty")
        }
        do {
            return try Certificate(
                version: .v3,
                serialNumber: serialNumber,
                publicKey: publicKey,
                notValidBefore: validity.lowerBound,
                notValidAfter: validity.upperBound,
                issuer: issuer,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(issuerKey)
            )
        } catch {
            throw PKIError(code: .issuing, reason: "certificate cannot be signed")
        }
    }

    /// A random, positive serial of exactly 16 bytes (high bit clear, first byte non-zero).
    static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = (bytes[0] & 0x7F) | 0x01
        return Certificate.SerialNumber(bytes: bytes)
    }
}

/// Self-signed certificates, useful only to test that they are refused.
public enum SelfSigned {
    /// A self-signed client certificate (CN `commonName`, EKU clientAuth, not a CA).
    public static func client(commonName: String, validity: ClosedRange<Date>) throws -> IssuedIdentity {
        try CertificateAuthority.checkName(commonName)
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let name = try CertificateAuthority.subjectName(commonName: commonName)
        let extensions = try CertificateAuthority.build {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
            SubjectKeyIdentifier(hash: publicKey)
        }
        let certificate = try CertificateAuthority.sign(
            serialNumber: CertificateAuthority.randomSerialNumber(),
            publicKey: publicKey,
            validity: validity,
            issuer: name,
            subject: name,
            extensions: extensions,
            issuerKey: key
        )
        return IssuedIdentity(certificate: certificate, privateKey: key)
    }
}

/// Parses textual IP addresses into network-order bytes (4 for IPv4, 16 for IPv6).
enum IPAddressParser {
    static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            return parseIPv6(text)
        }
        return parseIPv4(Substring(text))
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part.count == 1 || part.first != "0",
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }

        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var bytes: [UInt8] = []
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    bytes += v4
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let value = UInt16(piece, radix: 16)
                else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }

        if halves.count == 1 {
            guard let bytes = groups(halves[0], allowIPv4Tail: true), bytes.count == 16 else { return nil }
            return bytes
        }
        guard let head = groups(halves[0], allowIPv4Tail: false),
            let tail = groups(halves[1], allowIPv4Tail: true),
            head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
