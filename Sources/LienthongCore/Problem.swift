/// The error codes of the external contract (SPEC §3), rendered as
/// `urn:lienthong:error:<code>` in RFC 9457 problem documents.
public enum ProblemCode: String, Sendable, CaseIterable, Codable {
    case badRequest = "bad-request"
    case unauthenticated
    case forbidden
    case notFound = "not-found"
    case conflict
    case payloadTooLarge = "payload-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case rateLimited = "rate-limited"
    case upstreamUnavailable = "upstream-unavailable"
    case upstreamTimeout = "upstream-timeout"
    case upstreamError = "upstream-error"
    case `internal`

    /// The HTTP status that goes with the code.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .rateLimited: 429
        case .upstreamUnavailable: 502
        case .upstreamTimeout: 504
        case .upstreamError: 502
        case .internal: 500
        }
    }

    /// A short, fixed, human-readable title.
    public var title: String {
        switch self {
        case .badRequest: "Bad request"
        case .unauthenticated: "Unauthenticated"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .conflict: "Conflict"
        case .payloadTooLarge: "Payload too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .rateLimited: "Rate limited"
        case .upstreamUnavailable: "Upstream unavailable"
        case .upstreamTimeout: "Upstream timeout"
        case .upstreamError: "Upstream error"
        case .internal: "Internal error"
        }
    }

    /// The `type` URI of the problem document.
    public var typeURI: String { "urn:lienthong:error:\(rawValue)" }
}

/// An error that crosses the gateway's edge as a problem document.
///
/// `detail` must never carry personal data: it is written by our code from fixed
/// phrases and field names, never by echoing input values.
///
/// ```swift
/// throw GatewayProblem(.badRequest, detail: "personalId must be 12 digits")
/// ```
public struct GatewayProblem: Error, Sendable, Equatable {
    /// The machine-readable code.
    public var code: ProblemCode
    /// A fixed explanation without personal data.
    public var detail: String
    /// Seconds a client should wait before retrying (`Retry-After`), where relevant.
    public var retryAfterSeconds: Int?
    /// The HTTP status: the code's own (``ProblemCode/status``) unless a problem names a more precise one, as
    /// ``storageUnavailable(retryAfterSeconds:)`` does (SPEC §3 fixes the codes, not every status).
    public var status: Int

    /// Creates a problem with the code's own HTTP status, or `status` when given.
    public init(_ code: ProblemCode, detail: String, retryAfterSeconds: Int? = nil, status: Int? = nil) {
        self.code = code
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
        self.status = status ?? code.status
    }

    /// The gateway's own storage (queue and audit database) cannot take a write now: the disk is full, the
    /// database is locked by another process beyond the busy timeout, or an I/O error occurred. Code `internal`,
    /// HTTP `503` with `Retry-After`: nothing of the request was stored, and the same request may be sent again.
    public static func storageUnavailable(retryAfterSeconds: Int = 5) -> GatewayProblem {
        GatewayProblem(
            .internal,
            detail: "the gateway's storage cannot take writes now (disk full, database locked or I/O error); nothing was stored, retry later",
            retryAfterSeconds: retryAfterSeconds, status: 503)
    }
}

/// The RFC 9457 document sent on the wire.
public struct ProblemDocument: Codable, Sendable, Equatable {
    /// `urn:lienthong:error:<code>`.
    public var type: String
    /// Fixed title of the code.
    public var title: String
    /// HTTP status.
    public var status: Int
    /// Explanation without personal data.
    public var detail: String
    /// The request id of the exchange.
    public var requestId: String

    /// Builds the document for a problem within a request.
    public init(_ problem: GatewayProblem, requestId: String) {
        self.type = problem.code.typeURI
        self.title = problem.code.title
        self.status = problem.status
        self.detail = problem.detail
        self.requestId = requestId
    }
}
