public import AsyncHTTPClient
public import LienthongCore
import NIOCore
import Synchronization
public import NIOHTTP1

/// One HTTP exchange with an upstream over the gateway's pooled mTLS client, bounded in time, with transport
/// errors mapped to problems whose details name the upstream and never the request's data.
///
/// Every adapter (population, social insurance, NAPAS) sends through this, so a timeout, a refused connection or
/// an oversized answer means the same problem whatever the upstream:
/// - the deadline passes → `upstream-timeout`;
/// - connection refused or closed, TLS failure → `upstream-unavailable`;
/// - other exchange failures, an answer over ``maxResponseBytes`` → `upstream-error`.
///
/// ```swift
/// let transport = UpstreamTransport(name: "social insurance", httpClient: client, timeout: .seconds(5))
/// let exchange = try await transport.send(request)
/// ```
public struct UpstreamTransport: Sendable {
    /// What the upstream is called in problem details, e.g. `population database`.
    public let name: String
    /// The client used for every call (the caller configures and shuts it down).
    public let httpClient: HTTPClient
    /// Bound on each call: connecting and the answer's head within `timeout`, the last byte of the answer
    /// within `timeout` + ``bodyGrace``.
    public let timeout: Duration
    /// Largest answer accepted, in bytes.
    public let maxResponseBytes: Int
    /// How long after ``timeout`` the outer bound fires (it only matters for an answer body that stalls).
    public static let bodyGrace: Duration = .milliseconds(250)

    /// An answer: status, headers and body.
    public struct Exchange: Sendable {
        /// HTTP status code.
        public var status: Int
        /// Answer headers.
        public var headers: HTTPHeaders
        /// Answer body.
        public var body: [UInt8]

        /// Creates an exchange.
        public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Creates a transport.
    public init(name: String, httpClient: HTTPClient, timeout: Duration, maxResponseBytes: Int = 1 << 20) {
        self.name = name
        self.httpClient = httpClient
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` and reads the whole answer within the time bound.
    public func send(_ request: HTTPClientRequest) async throws(GatewayProblem) -> Exchange {
        let timeout = self.timeout
        let client = self.httpClient
        let limit = maxResponseBytes
        do {
            // AsyncHTTPClient's deadline covers connecting and the response head (and, when connecting keeps
            // failing, reports the connection error at the deadline); the outer bound, a little later so that
            // error wins the race, also covers reading the body.
            return try await Self.withDeadline(timeout + Self.bodyGrace, on: client.eventLoopGroup.any()) {
                let response = try await client.execute(request, timeout: TimeAmount(timeout))
                let body = try await response.body.collect(upTo: limit)
                return Exchange(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
            }
        } catch {
            throw classify(error)
        }
    }

    struct DeadlineExceeded: Error {}

    /// Runs `operation` in a task of its own, cancelling it and throwing `DeadlineExceeded` when `timeout` passes
    /// first (cancelling the caller cancels it too).
    ///
    /// The deadline is a timer on `eventLoop`: on every upstream call this is cheaper than a task group racing a
    /// `Task.sleep` (two child tasks and a Dispatch timer, each woken and cancelled once per call).
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, on eventLoop: any EventLoop,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await operation() }
        let expired = ExpiryFlag()
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            expired.set()
            task.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            do {
                return try await task.value
            } catch {
                if expired.isSet { throw DeadlineExceeded() }
                throw error
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// Set once by the deadline's timer, read by the waiting caller.
    private final class ExpiryFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Maps a transport error to a problem with a fixed detail.
    public func classify(_ error: any Error) -> GatewayProblem {
        let timeout = GatewayProblem(.upstreamTimeout, detail: "\(name) did not answer in time")
        let unavailable = GatewayProblem(.upstreamUnavailable, detail: "\(name) is unreachable")
        if error is DeadlineExceeded { return timeout }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return timeout
            case .remoteConnectionClosed, .connectTimeout, .tlsHandshakeTimeout, .uncleanShutdown, .cancelled,
                .alreadyShutdown:
                return unavailable
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                return GatewayProblem(.internal, detail: "\(name) endpoint is misconfigured")
            default:
                return GatewayProblem(.upstreamError, detail: "\(name) exchange failed")
            }
        }
        if error is NIOTooManyBytesError {
            return GatewayProblem(.upstreamError, detail: "\(name) answer is too large")
        }
        // Connection refused or reset, DNS failure, TLS failure (NIOSSLError, BoringSSLError), closed channel.
        return unavailable
    }

    /// Whether `value` may be forwarded as an `X-Request-Id` header (letters, digits, `-_.`, at most 128 bytes).
    public static func isSafeHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 128
            && value.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
            }
    }
}
