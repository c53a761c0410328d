import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import LienthongAdapters
public import LienthongAudit
public import LienthongConfig
import LienthongCore
import LienthongPKI
public import LienthongQueue
public import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import X509

/// The addresses the listeners are bound to (ports are real even when configured as 0).
public struct GatewayEndpoints: Sendable, Equatable {
    /// Partner listener port (mTLS).
    public var partnerPort: Int
    /// Admin listener port (plain HTTP).
    public var adminPort: Int
}

/// A running Lienthong gateway: the partner listener (mTLS), the admin listener and the background
/// services (CRL reload, audit checkpoints), run under swift-service-lifecycle.
///
/// ```swift
/// let config = try ConfigurationLoader.load(path: "lienthong.toml")
/// let gateway = try Gateway(configuration: config, logger: logger)
/// try await gateway.run()   // until SIGTERM/SIGINT or task cancellation
/// ```
public final class Gateway: Sendable {
    let runtime: GatewayRuntime
    private let httpClient: HTTPClient
    private let partnerSSLContext: NIOSSLContext
    /// The durable outbound queue (same database as the audit log).
    public let queue: any GatewayQueue
    /// The audit chain, the queue and the account-opening ledger (SQLite or PostgreSQL).
    public let storage: GatewayStorage
    private let delivery: DeliveryService
    /// The running service group, so ``shutdown()`` can stop it gracefully.
    private let runningGroup = Mutex<ServiceGroup?>(nil)
    /// The social-security registry served on `/v1/asxh`, when `[registry]` is configured.
    private let registry: RegistryHost?
    /// Labour analysis served on `/v1/labor`, when `[labor]` is configured.
    private let labor: LaborHost?
    /// The listeners, background services and closing steps of ``run(handleSignals:onReady:)`` still running
    /// (so a slow shutdown can say what it waits for).
    public let progress = ServiceProgress()

    /// Opens the embedded SQLite storage, loads keys and certificates, and prepares the upstream client.
    /// Nothing listens until ``run(handleSignals:onReady:)``. For a configuration whose `[storage] url` names
    /// PostgreSQL use ``open(configuration:logger:)``.
    public convenience init(configuration: GatewayConfiguration, logger: Logger) throws {
        guard configuration.storage.kind == .sqlite else {
            throw GatewayStartError(message: "storage.url names PostgreSQL: open the gateway with Gateway.open(configuration:logger:)")
        }
        try FileManager.default.createDirectory(atPath: configuration.gateway.dataDirectory, withIntermediateDirectories: true)
        let storage = try GatewayStorage.openSQLite(configuration, keys: try Gateway.auditKeys(configuration.audit))
        try self.init(configuration: configuration, storage: storage, logger: logger)
    }

    /// Opens the storage `[storage] url` names (SQLite, or PostgreSQL with its migrations applied), then prepares
    /// the gateway as ``init(configuration:logger:)`` does.
    public static func open(configuration: GatewayConfiguration, logger: Logger) async throws -> Gateway {
        try FileManager.default.createDirectory(atPath: configuration.gateway.dataDirectory, withIntermediateDirectories: true)
        let storage = try await GatewayStorage.open(configuration, keys: try Gateway.auditKeys(configuration.audit), logger: logger)
        do {
            return try Gateway(configuration: configuration, storage: storage, logger: logger)
        } catch {
            await storage.close()
            throw error
        }
    }

    /// Prepares the gateway on storage already opened.
    public init(configuration: GatewayConfiguration, storage: GatewayStorage, logger: Logger) throws {
        let partnerIdentity = try TLSProfile.loadIdentity(
            certificateFile: configuration.partner.certificateFile, keyFile: configuration.partner.privateKeyFile)
        let partnerRoots = try configuration.partner.trustAnchorFiles.flatMap { try TLSProfile.loadCertificates(file: $0) }
        let tls = TLSProfile.mutualServer(
            certificateChain: partnerIdentity.chain, privateKey: partnerIdentity.key, trustRoots: partnerRoots)
        partnerSSLContext = try NIOSSLContext(configuration: tls)

        let anchors = try partnerRoots.map { try Certificate(derEncoded: $0.toDERBytes()) }
        let revocations = try RevocationStore(files: configuration.partner.crlFiles, trustAnchors: anchors)

        try FileManager.default.createDirectory(atPath: configuration.gateway.dataDirectory, withIntermediateDirectories: true)

        let outboundIdentity = try TLSProfile.loadIdentity(
            certificateFile: configuration.outbound.certificateFile, keyFile: configuration.outbound.privateKeyFile)
        let outboundRoots = try configuration.outbound.trustAnchorFiles.flatMap { try TLSProfile.loadCertificates(file: $0) }
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: TLSProfile.mutualClient(
                certificateChain: outboundIdentity.chain, privateKey: outboundIdentity.key, trustRoots: outboundRoots))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.outbound.maxConnectionsPerHost)
        // Fail fast when an upstream refuses connections: a 502 now beats a 504 after the whole timeout.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.timeout = .init(connect: .seconds(5))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        self.httpClient = httpClient

        let population = configuration.upstreams["population"].map {
            PopulationAdapter(endpoint: $0.url, httpClient: httpClient, timeout: .milliseconds($0.timeoutMilliseconds))
        }
        let vss = configuration.upstreams["vss"].map {
            VSSAdapter(endpoint: $0.url, httpClient: httpClient, timeout: .milliseconds($0.timeoutMilliseconds))
        }
        let napas = try configuration.upstreams["napas"].map { upstream in
            let (signer, verifier) = try UpstreamSigning.napas(upstream: upstream, outbound: configuration.outbound)
            return NAPASAdapter(
                endpoint: upstream.url, httpClient: httpClient, timeout: .milliseconds(upstream.timeoutMilliseconds),
                signer: signer, verifier: verifier, assigner: configuration.gateway.operatorMember)
        }
        self.storage = storage
        let queue = storage.queue
        self.queue = queue
        let metrics = GatewayMetrics()
        self.delivery = try DeliveryService(configuration: configuration, queue: queue, httpClient: httpClient, metrics: metrics, logger: logger)
        runtime = GatewayRuntime(
            configuration: configuration, revocations: revocations, auditLog: storage.audit,
            services: ServiceDispatcher(population: population, vss: vss, napas: napas, banks: configuration.banks, metrics: metrics),
            metrics: metrics, logger: logger)
        registry = try configuration.registry.map {
            try RegistryHost(
                settings: $0, dataDirectory: configuration.gateway.dataDirectory,
                trustAnchorFile: configuration.partner.trustAnchorFiles.first ?? "", store: storage.registry, logger: logger)
        }
        labor = try configuration.labor.map {
            try LaborHost(
                settings: $0, dataDirectory: configuration.gateway.dataDirectory,
                trustAnchorFile: configuration.partner.trustAnchorFiles.first ?? "", store: storage.labor, logger: logger)
        }
    }

    /// Stops a running gateway gracefully: listeners stop accepting, in-flight requests finish,
    /// a last checkpoint is written; ``run(handleSignals:onReady:)`` then returns.
    public func shutdown() async {
        let group = runningGroup.withLock { $0 }
        await group?.triggerGracefulShutdown()
    }

    /// The audit chain (for operator tools running in the same process, e.g. the demo).
    public var auditLog: any AuditLog { storage.audit }

    /// Runs the listeners and background services until a signal (when `handleSignals`) or cancellation,
    /// then shuts down gracefully (listeners stop accepting, in-flight requests finish, upstream client closes).
    public func run(handleSignals: Bool = false, onReady: @escaping @Sendable (GatewayEndpoints) async -> Void = { _ in }) async throws {
        let runtime = self.runtime
        let configuration = runtime.configuration
        let ports = PortCollector(onReady: onReady)

        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ExchangeMiddleware(runtime: runtime))
        ServiceRoutes(runtime: runtime).register(on: router)
        MessageRoutes(runtime: runtime, queue: queue, delivery: delivery).register(on: router)
        AccountOpeningRoutes(ledger: storage.openings).register(on: router)
        runtime.metrics.audit(seq: (try? await runtime.auditLog.lastSeq()) ?? 0)
        try await registry?.jobs.interruptLeftovers()
        let registry = self.registry
        if let registry { RegistryRoutes(host: registry).register(on: router) }
        let labor = self.labor
        if let labor { LaborRoutes(host: labor).register(on: router) }

        let sslContext = partnerSSLContext
        let idle = TimeAmount.seconds(Int64(configuration.partner.idleTimeoutSeconds))
        let limits = PartnerConnectionLimits(configuration.partner)
        let openConnections = runtime.metrics.registry.makeGauge(descriptor: .partnerConnectionsOpen)
        let partnerServer = HTTPServerBuilder { responder in
            PartnerTLSChannel(
                responder: responder, idleTimeout: idle, sslContext: sslContext, limits: limits,
                onHandshake: { event in Task { await runtime.auditHandshake(event) } },
                onRefusal: { refusal, channel in await runtime.auditRefusal(refusal, channel: channel) },
                onOpenConnections: { openConnections.set(to: Double($0)) })
        }
        let partner = Application(
            router: router,
            server: partnerServer,
            configuration: .init(
                address: .hostname(configuration.partner.listen.host, port: configuration.partner.listen.port),
                serverName: "lienthong"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                registry?.partnerListening(port: port)
                labor?.partnerListening(port: port)
                await ports.set(partner: port)
            },
            logger: runtime.logger)

        let admin = Application(
            router: AdminRoutes(runtime: runtime, queue: queue, registry: registry, labor: labor).router(),
            configuration: .init(
                address: .hostname(configuration.admin.listen.host, port: configuration.admin.listen.port),
                serverName: "lienthong-admin"),
            onServerRunning: { channel in await ports.set(admin: channel.localAddress?.port ?? 0) },
            logger: runtime.logger)
        if !configuration.admin.listen.isLoopback {
            runtime.logger.warning("admin listener is bound to a non-loopback address", metadata: ["listen": "\(configuration.admin.listen)"])
        }

        let background = BackgroundTasks(runtime: runtime)
        let group = ServiceGroup(configuration: .init(
            // Delivery stops first on graceful shutdown (finishing in-flight pushes), then the listeners.
            services: [
                .init(service: progress.wrap("gateway partner listener", partner)),
                .init(service: progress.wrap("gateway admin listener", admin)),
                .init(service: progress.wrap("gateway background tasks", background)),
                .init(service: progress.wrap("gateway push delivery", delivery)),
            ],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: runtime.logger))
        runningGroup.withLock { $0 = group }
        defer { runningGroup.withLock { $0 = nil } }
        runtime.logger.info("gateway starting", metadata: [
            "partner": "\(configuration.partner.listen)", "admin": "\(configuration.admin.listen)",
        ])
        let progress = self.progress
        let stopped = await Result(catching: { try await group.run() })
        // Closing runs whether the services stopped cleanly or not, every step whatever the one before did.
        await progress.during("gateway closing: registry") { await registry?.shutdown() }
        await progress.during("gateway closing: labour") { await labor?.shutdown() }
        let clientClosed = await Result(catching: {
            try await progress.during("gateway closing: upstream client") { try await httpClient.shutdown() }
        })
        await progress.during("gateway closing: storage") { await storage.close() }
        try stopped.get()
        try clientClosed.get()
        runtime.logger.info("gateway stopped")
    }
}

extension Gateway {
    /// Loads the audit keys, creating both on first start. One present without the other is an error:
    /// a lost signing key must not be silently replaced.
    public static func auditKeys(_ audit: GatewayConfiguration.Audit) throws -> AuditKeys {
        let fm = FileManager.default
        let subject = fm.fileExists(atPath: audit.subjectKeyFile)
        let signing = fm.fileExists(atPath: audit.signingKeyFile)
        switch (subject, signing) {
        case (true, true):
            return try AuditKeys.load(subjectKeyFile: audit.subjectKeyFile, signingKeyFile: audit.signingKeyFile)
        case (false, false):
            for file in [audit.subjectKeyFile, audit.signingKeyFile] {
                try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            }
            return try AuditKeys.generate(subjectKeyFile: audit.subjectKeyFile, signingKeyFile: audit.signingKeyFile)
        default:
            throw GatewayStartError(message: "only one of audit.subject_key_file and audit.signing_key_file exists; restore the other from backup")
        }
    }
}

/// A problem that stops the gateway from starting.
public struct GatewayStartError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Calls `onReady` once both listeners report their ports.
private actor PortCollector {
    private var partner: Int?
    private var admin: Int?
    private let onReady: @Sendable (GatewayEndpoints) async -> Void

    init(onReady: @escaping @Sendable (GatewayEndpoints) async -> Void) { self.onReady = onReady }

    func set(partner: Int) async { self.partner = partner; await fire() }
    func set(admin: Int) async { self.admin = admin; await fire() }

    private func fire() async {
        guard let partner, let admin else { return }
        await onReady(GatewayEndpoints(partnerPort: partner, adminPort: admin))
    }
}

/// CRL reloading and periodic audit checkpoints, as one lifecycle service.
struct BackgroundTasks: Service {
    let runtime: GatewayRuntime

    func run() async throws {
        let crlEvery = Duration.seconds(runtime.configuration.partner.crlReloadSeconds)
        var sinceCheckpoint = Duration.zero
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do { try await Task.sleep(for: crlEvery) } catch { break }
            for problem in runtime.revocations.reloadIfChanged() {
                runtime.logger.error("CRL not reloaded", metadata: ["problem": "\(problem)"])
            }
            sinceCheckpoint += crlEvery
            if sinceCheckpoint >= .seconds(5) {
                sinceCheckpoint = .zero
                do { try await runtime.auditLog.checkpointIfDue() } catch {
                    runtime.logger.error("audit checkpoint failed")
                }
            }
        }
        _ = try? await runtime.auditLog.checkpointIfDue()
    }
}

private extension Result where Failure == any Error {
    /// The outcome of an async throwing `body`, as a value.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
