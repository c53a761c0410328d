import Foundation
import LienthongAdapters
import LienthongConformance
import LienthongPKI
import XCTest

/// The example PKI in a temporary folder, the kit's target (the gateway's client identity) and server start-up.
struct ConformancePKI {
    let directory: URL

    /// Creates the example PKI with the default members.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ExamplePKI.create(at: directory, members: ExamplePKI.defaultMembers)
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    /// The kit's client towards `https://127.0.0.1:<port><path>`, presenting `gateway.pem`.
    func target(port: Int, path operation: String, timeout: Duration = .seconds(10)) throws -> ConformanceTarget {
        try ConformanceTarget(
            url: "https://127.0.0.1:\(port)\(operation)", certificateFile: path("gateway.pem"), keyFile: path("gateway-key.pem"),
            caFile: path("ca.pem"), timeout: timeout)
    }

    /// The JWS signer of an example identity: its key, the pin of its certificate as `kid`.
    func signer(_ name: String) throws -> JWSSigner {
        let identity = try IssuedIdentity(
            certificatePEM: try String(contentsOfFile: path("\(name).pem"), encoding: .utf8),
            privateKeyPEM: try String(contentsOfFile: path("\(name)-key.pem"), encoding: .utf8))
        return JWSSigner(key: identity.privateKey, keyID: identity.pin)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Starts a server built by `make` (which hands `ready` to the application's `onServerRunning`) and returns the bound
/// port and the task running it (cancel it to stop the server).
func startServer(
    _ make: (@escaping @Sendable (Int) async -> Void) throws -> @Sendable () async throws -> Void
) async throws -> (port: Int, task: Task<Void, any Error>) {
    let (ports, ready) = AsyncStream<Int>.makeStream()
    let run = try make { port in
        ready.yield(port)
        ready.finish()
    }
    let task = Task { try await run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port != 0 else {
        task.cancel()
        throw ServerDidNotStart()
    }
    return (port, task)
}

/// The server under test did not report a bound port.
struct ServerDidNotStart: Error {}

/// The ids of the failed checks.
func failedIDs(_ results: [ConformanceResult]) -> Set<String> {
    Set(results.filter { !$0.passed }.map(\.id))
}

/// Fails when a reason carries a run of 10 or more digits (a personal id or social-insurance number) or one of
/// `secrets`.
func assertNoPersonalValues(_ results: [ConformanceResult], secrets: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
    for result in results {
        XCTAssertNil(result.reason.range(of: "[0-9]{10,}", options: .regularExpression), result.reason, file: file, line: line)
        for secret in secrets { XCTAssertFalse(result.reason.contains(secret), result.reason, file: file, line: line) }
        XCTAssertEqual(result.passed, result.reason.isEmpty, "\(result.id): a failure has a reason, a pass none", file: file, line: line)
    }
}
