import Foundation
import Hummingbird
import LienthongAudit
import LienthongQueue
import NIOCore
import Synchronization

/// The admin listener: `/healthz`, `/readyz`, `/metrics` (SPEC §2) and the operator console (SPEC §8).
struct AdminRoutes {
    let runtime: GatewayRuntime
    let queue: any GatewayQueue
    /// The social-security registry, when configured (console: batches and jobs).
    let registry: RegistryHost?
    /// Labour analysis, when configured (console: the labour dashboard).
    let labor: LaborHost?

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in Self.text("ok\n") }
        router.get("/readyz") { _, _ -> Response in
            let problems = await readinessProblems()
            if problems.isEmpty { return Self.text("ready\n") }
            return Self.text("not ready: \(problems.joined(separator: ", "))\n", status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            if let depth = try? await queue.depth() { runtime.metrics.queueDepth(depth.map { ($0.state.rawValue, $0.recipient.value, $0.count) }) }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: runtime.metrics.render())))
        }
        console().register(on: router)
        return router
    }

    /// The operator console's routes; reads the console token file (when configured) now, at start-up.
    func console() -> ConsoleRoutes {
        let audit = runtime.configuration.audit
        let publicKey = try? AuditKeys.load(subjectKeyFile: audit.subjectKeyFile, signingKeyFile: audit.signingKeyFile).signingKey.publicKey
        if publicKey == nil { runtime.logger.error("console: the audit keys cannot be read; the chain status stays unknown") }
        return ConsoleRoutes(
            runtime: runtime, queue: queue, registry: registry, labor: labor,
            access: ConsoleAccess(admin: runtime.configuration.admin, logger: runtime.logger),
            auditStatus: ConsoleAuditStatus(log: runtime.auditLog, publicKey: publicKey))
    }

    /// Storage must be writable: the audit database (SQLite file or PostgreSQL server) and the data directory.
    func readinessProblems() async -> [String] {
        var problems: [String] = []
        if await !Self.writable(runtime.auditLog, within: Self.readinessDeadline) { problems.append("audit storage is not writable") }
        if !FileManager.default.isWritableFile(atPath: runtime.configuration.gateway.dataDirectory) {
            problems.append("data directory is not writable")
        }
        return problems
    }

    /// How long the readiness probe waits for the storage's answer (a PostgreSQL server that is gone would otherwise
    /// hold the probe as long as the connection pool keeps trying).
    static let readinessDeadline: Duration = .seconds(2)

    /// Whether `log` says it is writable within `deadline`; no answer in time counts as not writable. The check
    /// runs in its own task and is not awaited past the deadline: a blocked SQLite call or a connection pool waiting
    /// for a server does not hold the probe (the check finishes on its own, bounded by the busy timeout or the pool).
    static func writable(_ log: any AuditLog, within deadline: Duration) async -> Bool {
        let once = FirstAnswer()
        return await withCheckedContinuation { continuation in
            let timer = Task {
                do { try await Task.sleep(for: deadline) } catch { return }   // cancelled: the answer came first
                if once.claim() { continuation.resume(returning: false) }
            }
            Task {
                let answer = await log.isWritable()
                timer.cancel()   // no sleeping task left behind for every probe
                if once.claim() { continuation.resume(returning: answer) }
            }
        }
    }

    static func text(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}

/// Lets exactly one of several racing answers through.
private final class FirstAnswer: Sendable {
    private let taken = Mutex(false)

    /// `true` for the first caller only.
    func claim() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}

