public import AsyncHTTPClient
public import LienthongSOAP
public import LienthongCore
import NIOCore

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
    public var timeout: Duration { transport.timeout }
    /// Which lookup fields each purpose may receive.
    public let policy: PurposePolicy
    /// Time bound, error mapping and answer size limit.
    let transport: UpstreamTransport

    /// Creates an adapter.
    public init(endpoint: String, httpClient: HTTPClient, timeout: Duration, policy: PurposePolicy = .standard) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.transport = UpstreamTransport(name: "population database", httpClient: httpClient, timeout: timeout)
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
        if UpstreamTransport.isSafeHeaderValue(requestID) { http.headers.add(name: "X-Request-Id", value: requestID) }
        http.body = .bytes(ByteBuffer(bytes: SOAPEnvelope(body: .payload(request.element)).encoded()))

        let exchange = try await transport.send(http)

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
}
