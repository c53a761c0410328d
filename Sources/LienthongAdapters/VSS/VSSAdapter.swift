public import AsyncHTTPClient
import Foundation
public import LienthongCore
import NIOCore

/// The gateway's client of the social-insurance service (BHXH / VSS): the gateway's JSON contract in, the
/// upstream REST JSON contract over mTLS out (`Contracts/upstream/vss.openapi.yaml`).
///
/// The `HTTPClient` is the caller's: the gateway configures it with its client certificate, its trust
/// anchors and connection pooling, and shuts it down.
///
/// ```swift
/// let adapter = VSSAdapter(endpoint: "https://127.0.0.1:9444", httpClient: client, timeout: .seconds(5))
/// let answer = try await adapter.lookupParticipant(LookupParticipantRequest(personalId: number), requestID: requestID)
/// ```
///
/// Errors are `GatewayProblem`s with fixed details and no personal data:
/// - an invalid request → `bad-request` naming the field, before any upstream call;
/// - the deadline passes → `upstream-timeout`;
/// - connection refused or closed, TLS failure, `503` → `upstream-unavailable`;
/// - any other non-2xx status, an unreadable answer, or an answer about another person than asked for →
///   `upstream-error`.
public struct VSSAdapter: Sendable {
    /// The service's base URL, e.g. `https://127.0.0.1:9444`; the adapter appends ``VSSUpstream/lookupPath``.
    public let endpoint: String
    /// The client used for every call.
    public let httpClient: HTTPClient
    /// Bound on each call: connecting and the answer's head within `timeout`, the last byte of the answer
    /// within `timeout` + 250 ms.
    public var timeout: Duration { transport.timeout }
    /// Time bound, error mapping and answer size limit.
    let transport: UpstreamTransport

    /// What the upstream is called in problem details.
    static let upstreamName = "social insurance"

    /// Creates an adapter.
    ///
    /// - Parameter endpoint: the base URL (scheme, host, port and an optional path prefix); a trailing `/` is
    ///   ignored.
    public init(endpoint: String, httpClient: HTTPClient, timeout: Duration) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.transport = UpstreamTransport(name: Self.upstreamName, httpClient: httpClient, timeout: timeout)
    }

    /// The URL of the lookup operation.
    public var lookupURL: String {
        var base = Substring(endpoint)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + VSSUpstream.lookupPath
    }

    /// `vss.lookup-participant`: participation status by personal id number or social-insurance number.
    public func lookupParticipant(_ request: LookupParticipantRequest, requestID: String) async throws(GatewayProblem) -> LookupParticipantResponse {
        let query = try request.query()
        switch try await call(query, requestID: requestID) {
        case .notFound:
            return LookupParticipantResponse(status: .notFound)
        case .found(let participant):
            guard query.matches(participant) else { throw Self.unexpectedAnswer }
            return LookupParticipantResponse(status: .found, participant: ParticipantSummary(participant))
        }
    }

    // MARK: Transport

    private static let unexpectedAnswer = GatewayProblem(.upstreamError, detail: "social insurance answered about another person than asked for")
    private static let unreadableAnswer = GatewayProblem(.upstreamError, detail: "social insurance answered with an unreadable document")

    /// Sends one lookup and reads its answer within ``timeout``.
    ///
    /// `requestID` is forwarded as `X-Request-Id` when it is a safe header value (letters, digits, `-_.`, at most
    /// 128 bytes); otherwise a fresh UUID is sent, as the upstream requires the header.
    public func call(_ query: VSSUpstream.Query, requestID: String) async throws(GatewayProblem) -> VSSUpstream.LookupAnswer {
        var http = HTTPClientRequest(url: lookupURL)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "application/json")
        let forwarded = UpstreamTransport.isSafeHeaderValue(requestID) ? requestID : UUID().uuidString.lowercased()
        http.headers.add(name: "X-Request-Id", value: forwarded)
        http.body = .bytes(ByteBuffer(bytes: JCS.canonicalize(query.json)))

        let exchange = try await transport.send(http)

        switch exchange.status {
        case 200:
            do {
                return try VSSUpstream.LookupAnswer(parsing: exchange.body)
            } catch {
                throw Self.unreadableAnswer
            }
        case 503:
            throw GatewayProblem(.upstreamUnavailable, detail: "social insurance is unavailable (HTTP 503)")
        default:
            throw GatewayProblem(.upstreamError, detail: "social insurance answered with HTTP \(exchange.status)")
        }
    }
}
