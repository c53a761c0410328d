public import AsyncHTTPClient
public import Foundation
public import LienthongCore
import LienthongPKI
import NIOCore
public import NIOHTTP1
public import NIOSSL

/// A member's client of the gateway's partner API, over mTLS with the member's certificate.
///
/// ```swift
/// let client = try PartnerClient(baseURL: "https://127.0.0.1:8443",
///                                certificateFile: "certs/gov.labour.dongnai.pem",
///                                keyFile: "certs/gov.labour.dongnai-key.pem", caFile: "certs/ca.pem")
/// let answer = try await client.call(service: "population.verify-citizen", body: json,
///                                    user: "canbo-001", purpose: "asxh.verify-beneficiary")
/// ```
public final class PartnerClient: Sendable {
    /// An answer: status, headers of interest and body.
    public struct Answer: Sendable {
        /// HTTP status.
        public var status: Int
        /// `X-Request-Id`.
        public var requestID: String?
        /// `X-Audit-Seq`.
        public var auditSeq: Int64?
        /// `X-Request-Hash`.
        public var requestHash: String?
        /// `Content-Type`.
        public var contentType: String?
        /// `Retry-After`.
        public var retryAfter: String?
        /// Body bytes.
        public var body: Data

        /// Decodes the body as JSON.
        public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }
        /// Decodes the body as a problem document.
        public var problem: ProblemDocument? { try? JSONDecoder().decode(ProblemDocument.self, from: body) }
    }

    /// The HTTP client (pooled keep-alive connections).
    public let http: HTTPClient
    private let baseURL: String

    /// Creates a client presenting the member certificate in `certificateFile`.
    /// - Parameter maxConnections: Keep-alive connections kept to the gateway.
    public init(
        baseURL: String, certificateFile: String, keyFile: String, caFile: String, maxConnections: Int = 8,
        tlsTweak: (inout TLSConfiguration) -> Void = { _ in }
    ) throws {
        let identity = try TLSProfile.loadIdentity(certificateFile: certificateFile, keyFile: keyFile)
        let roots = try TLSProfile.loadCertificates(file: caFile)
        var tls = TLSProfile.mutualClient(certificateChain: identity.chain, privateKey: identity.key, trustRoots: roots)
        tlsTweak(&tls)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.timeout = .init(connect: .seconds(5))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.baseURL = baseURL
    }

    /// Calls a synchronous service.
    public func call(
        service: String, body: Data, user: String?, purpose: String?, requestID: String? = nil,
        contentType: String = "application/json", timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        var headers: [(String, String)] = [("Content-Type", contentType)]
        if let user { headers.append(("X-User-Id", user)) }
        if let purpose { headers.append(("X-Purpose", purpose)) }
        if let requestID { headers.append(("X-Request-Id", requestID)) }
        return try await send(method: .POST, path: "/v1/services/\(service)", headers: headers, body: body, timeout: timeout)
    }

    /// Sends any request to the partner API.
    public func send(
        method: HTTPMethod, path: String, headers: [(String, String)], body: Data?, timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .init(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(
            status: Int(response.status.code),
            requestID: response.headers.first(name: "X-Request-Id"),
            auditSeq: response.headers.first(name: "X-Audit-Seq").flatMap { Int64($0) },
            requestHash: response.headers.first(name: "X-Request-Hash"),
            contentType: response.headers.first(name: "Content-Type"),
            retryAfter: response.headers.first(name: "Retry-After"),
            body: Data(bytes.readableBytesView))
    }

    /// Closes connections.
    public func shutdown() async throws { try await http.shutdown() }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
