public import Foundation
public import X509
import Crypto
import SwiftASN1

/// A certificate revocation list (RFC 5280 §5): parsed from, or signed into, a v2 `CertificateList`.
///
/// swift-certificates has no CRL type; this one covers what the gateway needs: the issuer, the update times,
/// the CRL number, the revoked serials with their dates, and signature verification against an issuer
/// certificate. Indirect CRLs and delta CRLs are refused while parsing (their extensions are critical and
/// not understood, as RFC 5280 §5.2 requires).
///
/// ```swift
/// let crl = try RevocationList(pemEncoded: String(decoding: data, as: UTF8.self))
/// guard crl.isSignatureValid(issuer: caCertificate) else { ... }
/// if crl.contains(serial: peer.serialNumber) { ... }
/// ```
public struct RevocationList: Sendable, Equatable {
    /// One revoked certificate.
    public struct Entry: Sendable, Hashable {
        /// The serial number of the revoked certificate.
        public var serial: Certificate.SerialNumber
        /// When it was revoked (whole seconds once encoded).
        public var revokedAt: Date

        /// Creates an entry.
        public init(serial: Certificate.SerialNumber, revokedAt: Date) {
            self.serial = serial
            self.revokedAt = revokedAt
        }
    }

    /// The PEM label of a CRL.
    public static let pemLabel = "X509 CRL"

    /// The CRL issuer's name (must equal the issuing CA's subject).
    public private(set) var issuer: DistinguishedName
    /// The issue date of this CRL.
    public private(set) var thisUpdate: Date
    /// When the next CRL is due, if stated.
    public private(set) var nextUpdate: Date?
    /// The CRL number extension, if present.
    public private(set) var number: Int?
    /// The revoked certificates, in file order.
    public private(set) var entries: [Entry]
    /// The key identifier from the authority key identifier extension, if present.
    public private(set) var authorityKeyIdentifier: [UInt8]?
    /// The DER encoding of the whole CRL.
    public let derBytes: [UInt8]

    private let tbsBytes: [UInt8]
    private let signatureAlgorithm: ASN1ObjectIdentifier
    private let signatureBytes: [UInt8]
    private let serials: Set<Certificate.SerialNumber>

    /// The CRL as PEM (`-----BEGIN X509 CRL-----`).
    public var pem: String {
        PEMDocument(type: Self.pemLabel, derBytes: derBytes).pemString
    }

    /// Parses a DER-encoded CRL.
    public init(derEncoded: [UInt8]) throws {
        let parsed: Parsed
        do {
            parsed = try Parsed(der: derEncoded)
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(code: .malformedRevocationList, reason: "CRL is not a DER CertificateList")
        }
        self.issuer = parsed.issuer
        self.thisUpdate = parsed.thisUpdate
        self.nextUpdate = parsed.nextUpdate
        self.number = parsed.number
        self.entries = parsed.entries
        self.authorityKeyIdentifier = parsed.authorityKeyIdentifier
        self.derBytes = derEncoded
        self.tbsBytes = parsed.tbsBytes
        self.signatureAlgorithm = parsed.signatureAlgorithm
        self.signatureBytes = parsed.signatureBytes
        self.serials = Set(parsed.entries.map(\.serial))
    }

    /// Parses a CRL from PEM (`X509 CRL`) or, if the text holds no PEM armour, fails.
    public init(pemEncoded: String) throws {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pemEncoded)
        } catch {
            throw PKIError(code: .invalidPEM, reason: "CRL PEM does not parse")
        }
        guard document.discriminator == Self.pemLabel else {
            throw PKIError(code: .invalidPEM, reason: "PEM label is not X509 CRL")
        }
        try self.init(derEncoded: document.derBytes)
    }

    /// Parses a CRL file's contents, PEM or DER.
    public init(fileContents bytes: [UInt8]) throws {
        let pemPrefix = Array("-----BEGIN".utf8)
        let trimmed = bytes.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
        if trimmed.starts(with: pemPrefix) {
            try self.init(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } else {
            try self.init(derEncoded: bytes)
        }
    }

    /// Whether `issuer` signed this CRL: its subject equals ``issuer``, its key usage (if present) allows
    /// cRLSign, and the ECDSA signature verifies with its public key.
    public func isSignatureValid(issuer certificate: Certificate) -> Bool {
        guard certificate.subject == issuer else { return false }
        do {
            if let keyUsage = try certificate.extensions.keyUsage, !keyUsage.cRLSign {
                return false
            }
        } catch {
            return false
        }
        let algorithm: Certificate.SignatureAlgorithm
        switch signatureAlgorithm {
        case Self.ecdsaWithSHA256: algorithm = .ecdsaWithSHA256
        case Self.ecdsaWithSHA384: algorithm = .ecdsaWithSHA384
        default: return false
        }
        return certificate.publicKey.isValidSignature(signatureBytes, for: tbsBytes, signatureAlgorithm: algorithm)
    }

    /// Whether `serial` is listed.
    public func contains(serial: Certificate.SerialNumber) -> Bool {
        serials.contains(serial)
    }

    /// Whether this CRL lists `certificate`: same issuer name and a listed serial.
    public func revokes(_ certificate: Certificate) -> Bool {
        certificate.issuer == issuer && contains(serial: certificate.serialNumber)
    }

    /// Whether the CRL is past its `nextUpdate` at `date` (a stale CRL should be replaced).
    public func isStale(at date: Date) -> Bool {
        guard let nextUpdate else { return false }
        return date > nextUpdate
    }

    /// Two lists are equal when their DER encodings are (every field derives from the bytes).
    public static func == (lhs: RevocationList, rhs: RevocationList) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    // MARK: - Encoding

    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    static let crlNumberOID: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let authorityKeyIdentifierOID: ASN1ObjectIdentifier = [2, 5, 29, 35]

    /// Builds, signs (ECDSA P-256, SHA-256) and re-parses a v2 CRL.
    static func sign(
        issuer: DistinguishedName,
        authorityKeyIdentifier: [UInt8]?,
        entries: [Entry],
        number: Int,
        thisUpdate: Date,
        nextUpdate: Date,
        key: P256.Signing.PrivateKey
    ) throws -> RevocationList {
        do {
            var tbs = DER.Serializer()
            try tbs.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)  // Version v2
                try serializeAlgorithm(Self.ecdsaWithSHA256, into: &coder)
                try coder.serialize(issuer)
                try ASN1Time.serialize(thisUpdate, into: &coder)
                try ASN1Time.serialize(nextUpdate, into: &coder)
                // §5.1.2.6: when there are no revoked certificates, the list MUST be absent.
                if !entries.isEmpty {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for entry in entries {
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.serialize(entry.serial.bytes)
                                try ASN1Time.serialize(entry.revokedAt, into: &coder)
                            }
                        }
                    }
                }
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        if let authorityKeyIdentifier {
                            let aki = AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier[...])
                            try coder.serialize(Certificate.Extension(aki, critical: false))
                        }
                        var numberCoder = DER.Serializer()
                        try numberCoder.serialize(number)
                        try coder.serialize(
                            Certificate.Extension(
                                oid: Self.crlNumberOID,
                                critical: false,
                                value: numberCoder.serializedBytes[...]
                            )
                        )
                    }
                }
            }
            let tbsBytes = tbs.serializedBytes
            let signature = try key.signature(for: tbsBytes)

            var outer = DER.Serializer()
            try outer.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(tbsBytes)
                try serializeAlgorithm(Self.ecdsaWithSHA256, into: &coder)
                try coder.serialize(ASN1BitString(bytes: Array(signature.derRepresentation)[...], paddingBits: 0))
            }
            return try RevocationList(derEncoded: outer.serializedBytes)
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(code: .issuing, reason: "CRL cannot be encoded or signed")
        }
    }

    private static func serializeAlgorithm(_ oid: ASN1ObjectIdentifier, into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(oid)
        }
    }
}

/// The fields of a parsed `CertificateList`.
private struct Parsed {
    var issuer: DistinguishedName
    var thisUpdate: Date
    var nextUpdate: Date?
    var number: Int?
    var entries: [RevocationList.Entry]
    var authorityKeyIdentifier: [UInt8]?
    var tbsBytes: [UInt8]
    var signatureAlgorithm: ASN1ObjectIdentifier
    var signatureBytes: [UInt8]

    private static func malformed(_ reason: String) -> PKIError {
        PKIError(code: .malformedRevocationList, reason: reason)
    }

    init(der: [UInt8]) throws {
        let root = try DER.parse(der)
        guard root.encodedBytes.count == der.count else {
            throw Self.malformed("trailing bytes after the CertificateList")
        }
        let (tbsNode, outerAlgorithm, signature) = try DER.sequence(root, identifier: .sequence) {
            nodes -> (ASN1Node, ASN1ObjectIdentifier, [UInt8]) in
            guard let tbs = nodes.next(), let algorithm = nodes.next(), let signature = nodes.next() else {
                throw Self.malformed("CertificateList needs tbsCertList, signatureAlgorithm, signatureValue")
            }
            let bits = try ASN1BitString(derEncoded: signature)
            guard bits.paddingBits == 0 else {
                throw Self.malformed("signatureValue has padding bits")
            }
            return (tbs, try Self.parseAlgorithm(algorithm), Array(bits.bytes))
        }
        self.tbsBytes = Array(tbsNode.encodedBytes)
        self.signatureAlgorithm = outerAlgorithm
        self.signatureBytes = signature

        var issuer: DistinguishedName?
        var thisUpdate: Date?
        var nextUpdate: Date?
        var entries: [RevocationList.Entry] = []
        var number: Int?
        var akid: [UInt8]?
        try DER.sequence(tbsNode, identifier: .sequence) { nodes in
            var peek = nodes
            if let first = peek.next(), first.identifier == .integer {
                guard try Int(derEncoded: first) == 1 else {
                    throw Self.malformed("version must be v2")
                }
                nodes = peek
            }
            guard let algorithmNode = nodes.next(), try Self.parseAlgorithm(algorithmNode) == outerAlgorithm else {
                throw Self.malformed("signature algorithms differ")
            }
            guard let issuerNode = nodes.next(), let thisUpdateNode = nodes.next() else {
                throw Self.malformed("issuer or thisUpdate missing")
            }
            issuer = try DistinguishedName(derEncoded: issuerNode)
            thisUpdate = try ASN1Time.parse(thisUpdateNode)

            peek = nodes
            if let node = peek.next(), ASN1Time.isTime(node) {
                nextUpdate = try ASN1Time.parse(node)
                nodes = peek
            }
            peek = nodes
            if let node = peek.next(), node.identifier == .sequence {
                entries = try Self.parseEntries(node)
                nodes = peek
            }
            let extensions = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                node in try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: node)
            }
            for ext in extensions ?? [] {
                switch ext.oid {
                case RevocationList.crlNumberOID:
                    let value = try Int(derEncoded: ext.value)
                    guard value >= 0 else { throw Self.malformed("CRL number is negative") }
                    number = value
                case RevocationList.authorityKeyIdentifierOID:
                    akid = try AuthorityKeyIdentifier(ext).keyIdentifier.map { Array($0) }
                default:
                    if ext.critical {
                        throw Self.malformed("unsupported critical CRL extension")
                    }
                }
            }
        }
        guard let issuer, let thisUpdate else {
            throw Self.malformed("issuer or thisUpdate missing")
        }
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.entries = entries
        self.number = number
        self.authorityKeyIdentifier = akid
    }

    private static func parseEntries(_ node: ASN1Node) throws -> [RevocationList.Entry] {
        try DER.sequence(node, identifier: .sequence) { nodes in
            var entries: [RevocationList.Entry] = []
            while let entryNode = nodes.next() {
                let entry = try DER.sequence(entryNode, identifier: .sequence) { fields -> RevocationList.Entry in
                    let serial = try ArraySlice<UInt8>(derEncoded: &fields)
                    guard let dateNode = fields.next() else {
                        throw Self.malformed("revocationDate missing")
                    }
                    let date = try ASN1Time.parse(dateNode)
                    if let extensionsNode = fields.next() {
                        let extensions = try DER.sequence(
                            of: Certificate.Extension.self,
                            identifier: .sequence,
                            rootNode: extensionsNode
                        )
                        // certificateIssuer (indirect CRLs) is critical: refuse what we do not understand.
                        if extensions.contains(where: \.critical) {
                            throw Self.malformed("unsupported critical CRL entry extension")
                        }
                    }
                    return RevocationList.Entry(serial: Certificate.SerialNumber(bytes: serial), revokedAt: date)
                }
                entries.append(entry)
            }
            return entries
        }
    }

    private static func parseAlgorithm(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            // ECDSA algorithm identifiers carry no parameters (RFC 5758 §3.2); skip what others might carry.
            _ = nodes.next()
            return oid
        }
    }
}
