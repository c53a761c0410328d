public import AsyncHTTPClient
public import LienthongCore
import NIOCore
import NIOSSL

/// The gateway's client of the population database: JSON contracts in, SOAP 1.1 over mTLS out.
///
/// The `HTTPClient` is the caller's: the gateway configures it with its client certificate, its trust
/// anchors and connection pooling, and shuts it down.
///
/// ```swift
/// let adapter = PopulationAdapter(endpoint: "https://127.0.0.1:9443/soap", httpClient: client, timeout: .seconds(5))
/// let answer = try await adapter.verifyCitizen(request, requestID: requestID)
/// ```
///
/// Errors are `GatewayProblem`s with fixed details and no personal data:
/// - the deadline passes → `upstream-timeout`;
/// - connection refused or closed, TLS failure, `503` → `upstream-unavailable`;
/// - SOAP fault, other non-2xx status, unreadable answer → `upstream-error`;
/// - an invalid request → `bad-request` naming the field; an unknown purpose → `forbidden`.
public struct PopulationAdapter: Sendable {
    /// The SOAP endpoint, e.g. `https://127.0.0.1:9443/soap`.
    public let endpoint: String
    /// The client used for every call.
    public let httpClient: HTTPClient
    /// Bound on each call: connecting and the answer's head within `timeout`, the last byte of the answer
    /// within `timeout` + 250 ms.
    public let timeout: Duration
    /// Which lookup fields each purpose may receive.
    public let policy: PurposePolicy
    /// How long after ``timeout`` the outer bound fires (it only matters for an answer body that stalls).
    static let bodyGrace: Duration = .milliseconds(250)
    /// Largest answer accepted, in bytes.
    public static let maxResponseBytes = 1 << 20

    /// Creates an adapter.
    public init(endpoint: String, httpClient: HTTPClient, timeout: Duration, policy: PurposePolicy = .standard) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.timeout = timeout
        self.policy = policy
    }

    /// `population.verify-citizen`: compares the submitted identity with the register.
    public func verifyCitizen(_ request: VerifyCitizenRequest, requestID: String) async throws(GatewayProblem) -> VerifyCitizenResponse {
        try request.validate()
        let answer = try await call(.lookup(personalID: request.personalId), requestID: requestID)
        guard case .citizen(let record) = answer else { throw Self.unexpectedAnswer }
        guard let record else { return VerifyCitizenResponse(status: .notFound) }
        guard record.personalID == request.personalId else { throw Self.unexpectedAnswer }
        return VerifyCitizenResponse.compare(request, with: record)
    }

    /// `population.lookup-citizen`: the record limited to the fields granted to `purpose`.
    ///
    /// An unknown purpose is refused with `forbidden` before any upstream call.
    public func lookupCitizen(_ request: LookupCitizenRequest, purpose: String, requestID: String) async throws(GatewayProblem) -> LookupCitizenResponse {
        guard let fields = policy.fields(for: purpose) else {
            throw GatewayProblem(.forbidden, detail: "purpose is not permitted for this service")
        }
        try request.validate()
        let answer = try await call(.lookup(personalID: request.personalId), requestID: requestID)
        guard case .citizen(let record) = answer else { throw Self.unexpectedAnswer }
        guard let record else { return LookupCitizenResponse(status: .notFound) }
        guard record.personalID == request.personalId else { throw Self.unexpectedAnswer }
        return LookupCitizenResponse(status: .found, citizen: CitizenSummary(record, fields: fields))
    }

    /// `population.request-personal-id`: the number of a child registered at birth, found by its data.
    public func requestPersonalID(_ request: RequestPersonalIDRequest, requestID: String) async throws(GatewayProblem) -> RequestPersonalIDResponse {
        try request.validate()
        let query = PopulationSOAP.PersonalIDQuery(
            fullName: VietnameseName.normalized(request.fullName),
            dateOfBirth: (try? CalendarDate(iso: request.dateOfBirth))?.iso ?? request.dateOfBirth,
            sex: request.sex,
            parentName: VietnameseName.normalized(request.parentName),
            birthRegistrationPlace: VietnameseName.normalized(request.birthRegistrationPlace)
        )
        let answer = try await call(.findPersonalID(query), requestID: requestID)
        guard case .personalID(let number) = answer else { throw Self.unexpectedAnswer }
        guard let number else { return RequestPersonalIDResponse(status: .notFound) }
        guard (try? PersonalID(number)) != nil else { throw Self.unexpectedAnswer }
        return RequestPersonalIDResponse(status: .matched, personalId: number)
    }

    // MARK: Transport

    private static let unexpectedAnswer = GatewayProblem(.upstreamError, detail: "population database answered with an unexpected document")

    /// Sends one SOAP request and reads its answer within ``timeout``.
    public func call(_ request: PopulationSOAP.Request, requestID: String) async throws(GatewayProblem) -> PopulationSOAP.Response {
        let operation = request.operation
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        http.headers.add(name: "SOAPAction", value: "\"\(operation.soapAction)\"")
        if Self.isSafeHeaderValue(requestID) { http.headers.add(name: "X-Request-Id", value: requestID) }
        http.body = .bytes(ByteBuffer(bytes: SOAPEnvelope(body: .payload(request.element)).encoded()))

        let timeout = self.timeout
        let client = self.httpClient
        let prepared = http
        let exchange: Exchange
        do {
            // AsyncHTTPClient's deadline covers connecting and the response head (and, when connecting keeps
            // failing, reports the connection error at the deadline); the outer bound, a little later so that
            // error wins the race, also covers reading the body.
            exchange = try await Self.withDeadline(timeout + Self.bodyGrace) {
                let response = try await client.execute(prepared, timeout: TimeAmount(timeout))
                let body = try await response.body.collect(upTo: Self.maxResponseBytes)
                return Exchange(status: Int(response.status.code), body: Array(body.readableBytesView))
            }
        } catch {
            throw Self.classify(error)
        }

        if exchange.status == 503 {
            throw GatewayProblem(.upstreamUnavailable, detail: "population database is unavailable (HTTP 503)")
        }
        let envelope: SOAPEnvelope
        do {
            envelope = try SOAPEnvelope.decode(exchange.body)
        } catch {
            if (200..<300).contains(exchange.status) {
                throw GatewayProblem(.upstreamError, detail: "population database answered with an unreadable document")
            }
            throw GatewayProblem(.upstreamError, detail: "population database answered with HTTP \(exchange.status)")
        }
        switch envelope.body {
        case .fault:
            throw GatewayProblem(.upstreamError, detail: "population database answered with a SOAP fault")
        case .payload(let payload):
            guard (200..<300).contains(exchange.status) else {
                throw GatewayProblem(.upstreamError, detail: "population database answered with HTTP \(exchange.status)")
            }
            do {
                return try PopulationSOAP.Response(payload, operation: operation)
            } catch {
                throw Self.unexpectedAnswer
            }
        }
    }

    private struct Exchange: Sendable {
        var status: Int
        var body: [UInt8]
    }

    private struct DeadlineExceeded: Error {}

    /// Runs `operation`, cancelling it and throwing `DeadlineExceeded` when `timeout` passes first.
    private static func withDeadline<T: Sendable>(
        _ timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
            return value
        }
    }

    /// Maps a transport error to a problem with a fixed detail.
    static func classify(_ error: any Error) -> GatewayProblem {
        let timeout = GatewayProblem(.upstreamTimeout, detail: "population database did not answer in time")
        let unavailable = GatewayProblem(.upstreamUnavailable, detail: "population database is unreachable")
        if error is DeadlineExceeded { return timeout }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return timeout
            case .remoteConnectionClosed, .connectTimeout, .tlsHandshakeTimeout, .uncleanShutdown, .cancelled,
                .alreadyShutdown:
                return unavailable
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                return GatewayProblem(.internal, detail: "population database endpoint is misconfigured")
            default:
                return GatewayProblem(.upstreamError, detail: "population database exchange failed")
            }
        }
        if error is NIOTooManyBytesError {
            return GatewayProblem(.upstreamError, detail: "population database answer is too large")
        }
        // Connection refused or reset, DNS failure, TLS failure (NIOSSLError, BoringSSLError), closed channel.
        return unavailable
    }

    private static func isSafeHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 128
            && value.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
            }
    }
}
