import Foundation
import LienthongAdapters
import LienthongAudit
import LienthongConfig
import LienthongCore
import LienthongPKI
import Logging
import NIOCore
import NIOSSL
import Synchronization
import X509

/// The shared state of a running gateway: configuration, rights, revocation, audit, services, metrics.
///
/// Immutable after start except for the parts that say what guards them.
final class GatewayRuntime: Sendable {
    let configuration: GatewayConfiguration
    let policy: AccessPolicy
    let revocations: RevocationStore
    let auditLog: any AuditLog
    let services: ServiceDispatcher
    let metrics: GatewayMetrics
    let logger: Logger
    /// Per-member request rate limits.
    let rateLimiter: RateLimiter
    /// Parsed peer certificates by DER, so a keep-alive connection is not re-parsed per request. Bounded.
    private let identityCache = Mutex<[Data: (certificate: Certificate, pin: String)]>([:])
    /// The last client certificate each member presented at a handshake (in memory, for the console).
    private let lastCertificates = Mutex<[MemberID: SeenCertificate]>([:])

    init(
        configuration: GatewayConfiguration, revocations: RevocationStore, auditLog: any AuditLog,
        services: ServiceDispatcher, metrics: GatewayMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.policy = AccessPolicy(members: configuration.members)
        self.rateLimiter = RateLimiter(configuration: configuration)
        self.revocations = revocations
        self.auditLog = auditLog
        self.services = services
        self.metrics = metrics
        self.logger = logger
    }

    /// Why a connection's certificate was refused, with the member its pin names (for the audit `actor`).
    struct IdentityRefusal: Error {
        var problem: GatewayProblem
        var claimedMember: MemberID?
    }

    /// The member behind the connection's client certificate.
    ///
    /// The handshake already verified chain, validity and `clientAuth`; here: revocation (401) and pin (403).
    func identify(channel: any Channel) async throws(IdentityRefusal) -> MemberID {
        let peer: NIOSSLCertificate?
        do { peer = try await channel.nioSSL_peerCertificate().get() } catch {
            throw IdentityRefusal(problem: GatewayProblem(.unauthenticated, detail: "no client certificate"))
        }
        guard let peer, let der = try? peer.toDERBytes() else {
            throw IdentityRefusal(problem: GatewayProblem(.unauthenticated, detail: "no client certificate"))
        }
        let certificate: Certificate
        let pin: String
        do { (certificate, pin) = try parse(der: der) } catch { throw IdentityRefusal(problem: error) }
        let member = policy.member(forPin: pin)
        if revocations.isRevoked(certificate) {
            throw IdentityRefusal(
                problem: GatewayProblem(.unauthenticated, detail: "client certificate is revoked"), claimedMember: member)
        }
        guard let member else {
            throw IdentityRefusal(problem: GatewayProblem(.forbidden, detail: "client certificate is not registered to a member"))
        }
        return member
    }

    private func parse(der: [UInt8]) throws(GatewayProblem) -> (Certificate, String) {
        let key = Data(der)
        if let hit = identityCache.withLock({ $0[key] }) { return (hit.certificate, hit.pin) }
        guard let certificate = try? Certificate(derEncoded: der) else {
            throw GatewayProblem(.unauthenticated, detail: "client certificate cannot be parsed")
        }
        let pin = CertificatePin.pin(of: certificate)
        identityCache.withLock { cache in
            if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
            cache[key] = (certificate, pin)
        }
        return (certificate, pin)
    }

    /// Appends an audit record and returns its `seq`.
    func audit(_ event: AuditEvent) async throws -> Int64 {
        let record = try await auditLog.append(event)
        metrics.audit(seq: record.seq)
        return record.seq
    }

    /// Audits a TLS handshake on the partner listener.
    func auditHandshake(_ event: HandshakeEvent) async {
        var actor = "unknown"
        var outcome: AuditOutcome = event.completed ? .ok : .denied
        var reason = event.reason
        if let der = event.peerCertificateDER, let (certificate, pin) = try? parse(der: der) {
            if revocations.isRevoked(certificate) {
                outcome = .denied
                reason = "revoked"
            } else if let member = policy.member(forPin: pin) {
                actor = member.value
                if event.completed { noteCertificate(certificate, of: member) }
            } else {
                outcome = .denied
                reason = "unregistered-certificate"
            }
        }
        metrics.handshake(outcome: outcome.rawValue, reason: reason.isEmpty ? "none" : reason)
        do {
            _ = try await audit(AuditEvent(
                actor: actor, user: "", action: event.completed ? "connection.identified" : "connection.refused",
                target: reason.isEmpty ? "partner-listener" : "partner-listener:\(reason)", ref: UUID.systemRandom().uuidString.lowercased(),
                purpose: "", outcome: outcome, status: 0, subjectPersonalID: nil
            ))
        } catch {
            logger.critical("audit append failed for a TLS handshake")
        }
    }

    /// Remembers `certificate` as the last one `member` presented.
    private func noteCertificate(_ certificate: Certificate, of member: MemberID) {
        let seen = SeenCertificate(
            subject: certificate.subject.description,
            serial: certificate.serialNumber.bytes.map { byte in
                let digits = String(byte, radix: 16)
                return byte < 16 ? "0" + digits : digits
            }.joined(),
            notAfter: certificate.notValidAfter, seenAt: Date())
        lastCertificates.withLock { $0[member] = seen }
    }

    /// The last client certificate each member presented since start-up (members not seen yet are absent).
    func memberCertificates() -> [MemberID: SeenCertificate] {
        lastCertificates.withLock { $0 }
    }
}

/// A member's client certificate as seen at a TLS handshake: what the console's members page shows.
struct SeenCertificate: Sendable, Hashable {
    /// The subject (`CN=gov.labour.dongnai,O=…`).
    var subject: String
    /// The serial number, lowercase hex.
    var serial: String
    /// The certificate's `notAfter`.
    var notAfter: Date
    /// When the handshake happened.
    var seenAt: Date
}
