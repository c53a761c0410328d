import Crypto
import Foundation
import LienthongAudit
import LienthongConsole
import Synchronization

/// The audit chain's status for the console: the result of the last full verification (the same check as
/// `lienthong audit verify`), redone in the background when older than ``maximumAge``. Only the first request
/// after start-up waits for a verification; later ones show the previous result while a new one runs.
final class ConsoleAuditStatus: Sendable {
    /// How long a verification result is shown before a new one is started.
    static let maximumAge: TimeInterval = 60

    private struct State {
        var result: AuditVerification?
        var verifiedAt: Date?
        var running: Task<Void, Never>?
    }

    private let log: any AuditLog
    /// The checkpoint public key; `nil` when the key files could not be read (status stays unknown).
    private let publicKey: P256.Signing.PublicKey?
    private let state = Mutex(State())

    init(log: any AuditLog, publicKey: P256.Signing.PublicKey?) {
        self.log = log
        self.publicKey = publicKey
    }

    /// The current status and when it was verified (`unknown` and `nil` before the first verification finished).
    func current() async -> (status: AuditChainStatus, verifiedAt: Date?) {
        guard publicKey != nil else { return (.unknown, nil) }
        let now = Date()
        let (snapshot, pending) = state.withLock { state -> ((AuditVerification?, Date?), Task<Void, Never>?) in
            let fresh = state.verifiedAt.map { now.timeIntervalSince($0) < Self.maximumAge } ?? false
            if !fresh, state.running == nil {
                state.running = Task.detached { [self] in await self.verify() }
            }
            return ((state.result, state.verifiedAt), state.running)
        }
        if snapshot.1 == nil, let pending {
            await pending.value
            let after = state.withLock { ($0.result, $0.verifiedAt) }
            return (Self.status(after.0), after.1)
        }
        return (Self.status(snapshot.0), snapshot.1)
    }

    private func verify() async {
        guard let publicKey else { return }
        let result = try? await log.verify(publicKey: publicKey)
        state.withLock { state in
            state.result = result
            state.verifiedAt = result == nil ? nil : Date()
            state.running = nil
        }
    }

    private static func status(_ result: AuditVerification?) -> AuditChainStatus {
        guard let result else { return .unknown }
        if result.isIntact { return .verified }
        return .broken(firstBadSeq: Int(clamping: result.firstBadSeq ?? 0))
    }
}
