import Foundation
import Hummingbird
import LienthongAudit
import LienthongQueue
import NIOCore

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
        if await !runtime.auditLog.isWritable() { problems.append("audit storage is not writable") }
        if !FileManager.default.isWritableFile(atPath: runtime.configuration.gateway.dataDirectory) {
            problems.append("data directory is not writable")
        }
        return problems
    }

    static func text(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}
