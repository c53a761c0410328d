public import AsyncHTTPClient
import Foundation
public import LienthongCore
import NIOCore

/// The gateway's client of the NAPAS-style switch: `napas.verify-account` in, ISO 20022-shaped JSON (acmt.023 →
/// acmt.024) signed with detached ES256 JWS out, over mTLS.
///
/// The `HTTPClient` is the caller's (configured with the gateway's client certificate and trust anchors).
///
/// ```swift
/// let adapter = NAPASAdapter(
///     endpoint: "https://127.0.0.1:9445/napas/v1/identification-verification", httpClient: client,
///     timeout: .seconds(5), signer: JWSSigner(key: gatewayKey, keyID: gatewayPin),
///     verifier: JWSVerifier(keys: [napasPin: napasKey]), assigner: "gov.police.dongnai")
/// let answer = try await adapter.verifyAccount(request, requestID: requestID)
/// ```
///
/// Every request is signed; every answer's signature is checked before its body is read. Errors are
/// `GatewayProblem`s with fixed details and no personal data:
/// - the deadline passes → `upstream-timeout`;
/// - connection refused or closed, TLS failure, `503` (whatever its body) → `upstream-unavailable`;
/// - missing, malformed or unverifiable answer signature → `upstream-error` "NAPAS answer signature is invalid";
/// - other non-2xx status, unreadable answer, `originalId` not the request's → `upstream-error`;
/// - an invalid request → `bad-request` naming the field.
public struct NAPASAdapter: Sendable {
    /// The full URL of the verification operation, e.g.
    /// `https://127.0.0.1:9445/napas/v1/identification-verification`.
    public let endpoint: String
    /// The client used for every call.
    public let httpClient: HTTPClient
    /// Bound on each call (see ``UpstreamTransport``).
    public var timeout: Duration { transport.timeout }
    /// Signs each request body.
    public let signer: JWSSigner
    /// Checks each answer's signature (the switch's keys by `kid`).
    public let verifier: JWSVerifier
    /// The gateway's member id at the switch (`assignment.assigner.memberId`).
    public let assigner: String
    /// Time bound, error mapping and answer size limit.
    let transport: UpstreamTransport

    /// Creates an adapter.
    public init(endpoint: String, httpClient: HTTPClient, timeout: Duration, signer: JWSSigner, verifier: JWSVerifier, assigner: String) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.signer = signer
        self.verifier = verifier
        self.assigner = assigner
        self.transport = UpstreamTransport(name: "NAPAS", httpClient: httpClient, timeout: timeout, maxResponseBytes: 64 * 1024)
    }

    /// The problem raised for any answer whose signature is missing, malformed or does not verify.
    public static let invalidSignature = GatewayProblem(.upstreamError, detail: "NAPAS answer signature is invalid")
    private static let unexpectedAnswer = GatewayProblem(.upstreamError, detail: "NAPAS answered with an unexpected document")

    /// `napas.verify-account`: whether the account exists, is open and belongs to the named holder.
    ///
    /// Names compare diacritic-free (`VietnameseName.sameBankName`), as banks hold them: `Nguyễn Văn An` matches
    /// `NGUYEN VAN AN`, `Nguyễn Văn Anh` does not.
    public func verifyAccount(_ request: VerifyAccountRequest, requestID: String) async throws(GatewayProblem) -> VerifyAccountResponse {
        try request.validate()
        let verificationID = NAPASMessages.newIdentifier()
        let message = NAPASMessages.VerificationRequest(
            assignment: .init(
                msgId: NAPASMessages.newIdentifier(), creDtTm: NAPASMessages.timestamp(),
                assigner: .init(memberId: assigner), assignee: .init(providerCode: request.bin)),
            verification: .init(
                id: verificationID,
                party: .init(name: VietnameseName.normalized(request.holderName), privateId: request.personalId.map { .init(id: $0) }),
                account: .init(id: request.accountNumber, type: request.kind.upstreamType))
        )
        let report = try await call(message, requestID: requestID)
        guard report.originalId == verificationID else { throw Self.unexpectedAnswer }
        return try Self.interpret(report, for: request)
    }

    /// Maps an acmt.024 report onto the gateway's answer.
    static func interpret(_ report: NAPASMessages.Report, for request: VerifyAccountRequest) throws(GatewayProblem) -> VerifyAccountResponse {
        func registeredName() throws(GatewayProblem) -> String {
            guard let account = report.updatedPartyAndAccount, account.accountStatus == "open",
                NAPASMessages.isAccountName(account.accountName)
            else { throw unexpectedAnswer }
            return account.accountName
        }
        if report.verification {
            let name = try registeredName()
            if VietnameseName.sameBankName(request.holderName, name) {
                return VerifyAccountResponse(status: .verified, registeredName: name)
            }
            return VerifyAccountResponse(status: .nameMismatch, registeredName: name, mismatches: [.holderName])
        }
        switch report.reason {
        case .noSuchAccount?:
            return VerifyAccountResponse(status: .accountNotFound)
        case .closedAccount?:
            return VerifyAccountResponse(status: .accountClosed)
        case .inconsistentWithEndCustomer?:
            // Only meaningful when a personal id was sent.
            guard request.personalId != nil else { throw unexpectedAnswer }
            let name = try registeredName()
            let mismatches: [VerifyAccountResponse.Field] =
                VietnameseName.sameBankName(request.holderName, name) ? [.personalId] : [.holderName, .personalId]
            return VerifyAccountResponse(status: .nameMismatch, registeredName: name, mismatches: mismatches)
        case nil:
            throw unexpectedAnswer
        }
    }

    // MARK: Transport

    /// Sends one signed verification request and returns the report of a verified `200` answer.
    public func call(_ message: NAPASMessages.VerificationRequest, requestID: String) async throws(GatewayProblem) -> NAPASMessages.Report {
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            body = Array(try encoder.encode(message))
        } catch {
            throw GatewayProblem(.internal, detail: "NAPAS request could not be encoded")
        }
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "application/json")
        let upstreamID = UUID(uuidString: requestID)?.uuidString.lowercased() ?? UUID().uuidString.lowercased()
        http.headers.add(name: NAPASMessages.requestIDHeader, value: upstreamID)
        http.headers.add(name: DetachedJWS.headerName, value: signer.sign(body))
        http.body = .bytes(ByteBuffer(bytes: body))

        let exchange = try await transport.send(http)

        // A 503 is unavailability whoever sent it (a proxy's 503 is unsigned); its body is never read.
        if exchange.status == 503 {
            throw GatewayProblem(.upstreamUnavailable, detail: "NAPAS is unavailable (HTTP 503)")
        }
        let signatures = exchange.headers[DetachedJWS.headerName]
        guard signatures.count == 1 else { throw Self.invalidSignature }
        do {
            try verifier.verify(signatures[0], body: exchange.body)
        } catch {
            throw Self.invalidSignature
        }
        guard (200..<300).contains(exchange.status) else {
            throw GatewayProblem(.upstreamError, detail: "NAPAS answered with HTTP \(exchange.status)")
        }
        do {
            return try JSONDecoder().decode(NAPASMessages.VerificationReport.self, from: Data(exchange.body)).report
        } catch {
            throw GatewayProblem(.upstreamError, detail: "NAPAS answered with an unreadable document")
        }
    }
}
