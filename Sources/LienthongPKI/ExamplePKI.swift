public import Foundation
public import NIOSSL
import X509

/// The example PKI for demos and tests (SPEC §1 members plus two communes and two banks by default).
///
/// Never used outside demos and tests: the CA key lies next to the certificates.
///
/// ```swift
/// let dir = URL(fileURLWithPath: "certs-example")
/// try ExamplePKI.create(at: dir, members: ExamplePKI.defaultMembers)
/// _ = try ExamplePKI.revoke(certificateFile: dir.appendingPathComponent("bank.970418.pem"),
///                           caDirectory: dir, crlFile: dir.appendingPathComponent("crl.pem"))
/// ```
public enum ExamplePKI {
    /// The default members: the SPEC §1 agencies, two Biên Hòa communes (legacy codes 26041 Quyết Thắng,
    /// 26044 Thanh Bình), NAPAS and two banks (BIN 970436 Vietcombank, 970418 BIDV).
    public static let defaultMembers: [String] = [
        "gov.police.dongnai",
        "gov.labour.dongnai",
        "gov.commune.26041",
        "gov.commune.26044",
        "gov.vss.dongnai",
        "fin.napas",
        "bank.970436",
        "bank.970418",
        "gov.iz.dongnai",
        "gov.ioc.dongnai",
    ]

    /// The common name and file stem of the gateway's own outbound client certificate.
    public static let gatewayClientName = "gateway"
    /// The common name of the example CA.
    public static let caCommonName = "Lienthong Example CA"

    /// The CA certificate file name.
    public static let caCertificateFile = "ca.pem"
    /// The CA key file name.
    public static let caKeyFile = "ca-key.pem"
    /// The server certificate file name (SAN localhost, 127.0.0.1, ::1).
    public static let serverCertificateFile = "server.pem"
    /// The server key file name.
    public static let serverKeyFile = "server-key.pem"
    /// The CRL file name.
    public static let crlFile = "crl.pem"
    /// The pins file name: `"<member> <pin>"` per line.
    public static let pinsFile = "pins.txt"

    /// The certificate file name of a member (or of ``gatewayClientName``).
    public static func certificateFile(for name: String) -> String { name + ".pem" }
    /// The key file name of a member (or of ``gatewayClientName``).
    public static func keyFile(for name: String) -> String { name + "-key.pem" }

    private static let reservedNames: Set<String> = ["ca", "ca-key", "server", "server-key", "crl", "pins", "gateway"]
    private static let day: TimeInterval = 86_400

    /// Writes `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`, `gateway.pem`, `gateway-key.pem`,
    /// `<member>.pem`, `<member>-key.pem`, `crl.pem` (an empty CRL, number 1, signed by the CA) and
    /// `pins.txt` into `directory` (created if missing). Key files get mode 0600, the others 0644.
    ///
    /// Certificates are valid from one hour before `now` (clock skew) for `validityDays`; the CA a year longer.
    public static func create(at directory: URL, members: [String], validityDays: Int = 825, now: Date = Date()) throws {
        guard validityDays > 0 else {
            throw PKIError(code: .invalidValidity, reason: "validityDays must be positive")
        }
        try checkMembers(members)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PKIError(code: .fileUnwritable, reason: "directory cannot be created", file: directory.path)
        }

        let start = now.addingTimeInterval(-3600)
        let end = now.addingTimeInterval(Double(validityDays) * day)
        let ca = try CertificateAuthority.create(
            commonName: caCommonName,
            validity: start...end.addingTimeInterval(365 * day)
        )
        try write(ca.identity, stem: "ca", in: directory)

        let server = try ca.issueServer(
            commonName: "localhost",
            dnsNames: ["localhost"],
            ipAddresses: ["127.0.0.1", "::1"],
            validity: start...end
        )
        try write(server, stem: "server", in: directory)

        let gateway = try ca.issueClient(commonName: gatewayClientName, validity: start...end)
        try write(gateway, stem: gatewayClientName, in: directory)

        var pins = ""
        for member in members {
            let identity = try ca.issueClient(commonName: member, validity: start...end)
            try write(identity, stem: member, in: directory)
            pins += "\(member) \(identity.pin)\n"
        }

        let crl = try ca.signRevocationList([], number: 1, thisUpdate: now, nextUpdate: end)
        try AtomicFile.write(crl.pem, to: directory.appendingPathComponent(crlFile), mode: 0o644)
        try AtomicFile.write(pins, to: directory.appendingPathComponent(pinsFile), mode: 0o644)
    }

    /// Adds the certificate in `certificateFile` to the CRL at `crlFile` (created if absent), signed by the CA in
    /// `caDirectory` (`ca.pem`, `ca-key.pem`), with the CRL number incremented and `thisUpdate = now`; written
    /// atomically (temporary file and rename), so a ``RevocationStore`` never sees half a file.
    ///
    /// Revoking an already revoked certificate keeps its original revocation date. The certificate must have
    /// been issued by that CA, and an existing CRL must verify against it.
    @discardableResult
    public static func revoke(certificateFile: URL, caDirectory: URL, crlFile: URL, now: Date = Date()) throws -> RevocationList {
        let ca = try CertificateAuthority(
            certificatePEM: readText(caDirectory.appendingPathComponent(caCertificateFile)),
            privateKeyPEM: readText(caDirectory.appendingPathComponent(caKeyFile))
        )
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: readText(certificateFile))
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(code: .invalidPEM, reason: "certificate PEM does not parse", file: certificateFile.path)
        }
        guard certificate.issuer == ca.certificate.subject,
            ca.certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        else {
            throw PKIError(code: .notIssuedByAuthority, reason: "certificate was not issued by this CA", file: certificateFile.path)
        }

        var entries: [RevocationList.Entry] = []
        var number = 1
        var interval = 30 * day
        if FileManager.default.fileExists(atPath: crlFile.path) {
            let existing: RevocationList
            do {
                existing = try RevocationList(fileContents: readBytes(crlFile))
            } catch var error as PKIError {
                error.file = error.file ?? crlFile.path
                throw error
            }
            guard existing.isSignatureValid(issuer: ca.certificate) else {
                throw PKIError(code: .notIssuedByAuthority, reason: "existing CRL is not signed by this CA", file: crlFile.path)
            }
            entries = existing.entries
            number = (existing.number ?? 0) + 1
            if let next = existing.nextUpdate, next > existing.thisUpdate {
                interval = next.timeIntervalSince(existing.thisUpdate)
            }
        }
        if !entries.contains(where: { $0.serial == certificate.serialNumber }) {
            entries.append(RevocationList.Entry(serial: certificate.serialNumber, revokedAt: now))
        }
        let list = try ca.signRevocationList(entries, number: number, thisUpdate: now, nextUpdate: now.addingTimeInterval(interval))
        try AtomicFile.write(list.pem, to: crlFile, mode: 0o644)
        return list
    }

    /// Reads a pins file (`"<member> <pin>"` per line; blank lines and `#` comments ignored).
    public static func readPins(file: URL) throws -> [(member: String, pin: String)] {
        var result: [(member: String, pin: String)] = []
        for (index, rawLine) in try readText(file).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2, CertificatePin.isWellFormed(String(fields[1])) else {
                throw PKIError(code: .invalidPEM, reason: "line \(index + 1) is not '<member> <pin>'", file: file.path)
            }
            result.append((String(fields[0]), String(fields[1])))
        }
        return result
    }

    // MARK: - Internals

    private static func checkMembers(_ members: [String]) throws {
        var seen = Set<String>()
        for member in members {
            let allowed = member.utf8.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2E || byte == 0x2D || byte == 0x5F
            }
            guard allowed, let first = member.utf8.first, first != 0x2E, first != 0x2D,
                !reservedNames.contains(member), member.utf8.count <= 64
            else {
                throw PKIError(code: .invalidName, reason: "member id must be lowercase [a-z0-9._-], not reserved")
            }
            guard seen.insert(member).inserted else {
                throw PKIError(code: .invalidName, reason: "member ids must be unique")
            }
        }
    }

    private static func write(_ identity: IssuedIdentity, stem: String, in directory: URL) throws {
        try AtomicFile.write(identity.certificatePEM, to: directory.appendingPathComponent(certificateFile(for: stem)), mode: 0o644)
        try AtomicFile.write(identity.privateKeyPEM, to: directory.appendingPathComponent(keyFile(for: stem)), mode: 0o600)
    }

    static func readText(_ url: URL) throws -> String {
        String(decoding: try readBytes(url), as: UTF8.self)
    }

    static func readBytes(_ url: URL) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PKIError(code: .fileUnreadable, reason: "file cannot be read", file: url.path)
        }
        return Array(data)
    }
}

extension ExamplePKI {
    /// The mTLS server configuration of a folder laid out by ``create(at:members:validityDays:now:)``:
    /// `server.pem` and `server-key.pem`, clients chained to `ca.pem`. Simulators and demos serve with it.
    public static func serverTLSConfiguration(directory: URL) throws -> TLSConfiguration {
        let identity = try TLSProfile.loadIdentity(
            certificateFile: directory.appendingPathComponent(serverCertificateFile).path,
            keyFile: directory.appendingPathComponent(serverKeyFile).path)
        let roots = try TLSProfile.loadCertificates(file: directory.appendingPathComponent(caCertificateFile).path)
        return TLSProfile.mutualServer(certificateChain: identity.chain, privateKey: identity.key, trustRoots: roots)
    }
}
