import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

/// The one way a simulator becomes a server: Hummingbird over TLS (mTLS with `TLSProfile.mutualServer`),
/// reporting the bound port (useful with port 0).
enum SimulatorServer {
    static func makeApplication(
        router: Router<SimulatorRequestContext>, host: String, port: Int, tls: TLSConfiguration, serverName: String,
        logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        do {
            server = try .tls(.http1(), tlsConfiguration: tls)
        } catch {
            // `HTTPServerBuilder.tls` is declared `throws` but only wraps a closure: the TLS context is built,
            // and any error thrown, when the server starts (`runService()` then throws it).
            preconditionFailure("HTTPServerBuilder.tls does not throw when building the builder")
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
