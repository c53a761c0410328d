import AsyncHTTPClient
import Foundation
import Hummingbird
import LienthongPKI
import NIOSSL
import XCTest

/// What the adapter integration tests share: the example PKI in a temporary directory, the server TLS
/// configuration simulators use (`server.pem`, client certificates required), and an HTTP client presenting the
/// gateway's identity (`gateway.pem`). Applications run on 127.0.0.1 port 0 through ``withApplication(_:body:)``.
final class UpstreamFixture: Sendable {
    /// The temporary directory holding the example PKI; removed by ``shutdown()``.
    let directory: URL
    /// Mutual-TLS server configuration with the example server identity, trusting the example CA.
    let serverTLS: TLSConfiguration
    /// HTTP client presenting `gateway.pem`, trusting the example CA, connecting within 2 seconds.
    let client: HTTPClient

    private init(directory: URL, serverTLS: TLSConfiguration, client: HTTPClient) {
        self.directory = directory
        self.serverTLS = serverTLS
        self.client = client
    }

    /// Creates the example PKI (CA, server, gateway and `members`) in a new temporary directory named after
    /// `label`, and the gateway's mTLS client.
    static func make(label: String = "adapter", members: [String] = []) async throws -> UpstreamFixture {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lienthong-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try ExamplePKI.create(at: directory, members: members)
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: directory)
            let ca = try TLSProfile.loadCertificates(file: directory.appendingPathComponent("ca.pem").path)
            let gateway = try TLSProfile.loadIdentity(
                certificateFile: directory.appendingPathComponent("gateway.pem").path,
                keyFile: directory.appendingPathComponent("gateway-key.pem").path
            )
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: TLSProfile.mutualClient(certificateChain: gateway.chain, privateKey: gateway.key, trustRoots: ca)
            )
            configuration.timeout.connect = .seconds(2)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            return UpstreamFixture(directory: directory, serverTLS: serverTLS, client: client)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// The path of `file` in the PKI directory.
    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    /// Shuts the client down and removes the PKI directory.
    func shutdown() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await client.shutdown()
    }

    /// Runs the application `makeApp` builds (bound to port 0, calling the given closure with its port once it
    /// listens) for the duration of `body`, which gets the port; the application is stopped when `body` returns
    /// or throws.
    func withApplication<App: ApplicationProtocol, T: Sendable>(
        _ makeApp: (_ onServerRunning: @escaping @Sendable (Int) async -> Void) -> App,
        body: (Int) async throws -> T,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = makeApp { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            XCTAssertNotEqual(port, 0, file: file, line: line)
            do {
                let result = try await body(port)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
