public import Foundation

/// A transport-level reason a push delivery got no HTTP response. Raw values are stable and may be stored.
public enum TransportFailure: String, Sendable, Hashable, Codable, CaseIterable {
    /// The recipient refused the TCP connection.
    case connectionRefused = "connection-refused"
    /// The connection was reset or closed before a response arrived.
    case connectionReset = "connection-reset"
    /// The recipient's host name did not resolve.
    case nameResolution = "name-resolution"
    /// The host or network is unreachable.
    case unreachable
    /// The TLS handshake failed (certificate, protocol, ...).
    case tlsHandshake = "tls-handshake"
    /// Any other transport error.
    case other
}

/// What a delivery attempt ended with, when it did not succeed, as stored in a message's `lastError`.
///
/// `description` is a short stable text (`http-503`, `timeout`, `transport:connection-refused`,
/// `lease-expired`) that ``init(_:)`` parses back; it never contains message content.
public enum DeliveryFailure: Sendable, Hashable, LosslessStringConvertible {
    /// The recipient answered with this non-`2xx` HTTP status.
    case httpStatus(Int)
    /// No response within the delivery timeout.
    case timeout
    /// No response because of a transport error.
    case transport(TransportFailure)
    /// The lease expired without an acknowledgement (pull client or crashed worker).
    case leaseExpired

    /// Whether retrying cannot help: a `4xx` status other than 408 (Request Timeout) and 429 (Too Many Requests).
    public var isPermanent: Bool {
        if case .httpStatus(let status) = self { return (400...499).contains(status) && status != 408 && status != 429 }
        return false
    }

    /// The stable short text, e.g. `http-503`.
    public var description: String {
        switch self {
        case .httpStatus(let status): "http-\(status)"
        case .timeout: "timeout"
        case .transport(let failure): "transport:\(failure.rawValue)"
        case .leaseExpired: "lease-expired"
        }
    }

    /// Parses the stable short text written by ``description``.
    public init?(_ description: String) {
        switch description {
        case "timeout": self = .timeout
        case "lease-expired": self = .leaseExpired
        default:
            let digits = description.dropFirst(5)
            if description.hasPrefix("http-"), digits.count == 3,
               digits.allSatisfy({ $0.isASCII && $0.isWholeNumber }), let status = Int(digits) {
                self = .httpStatus(status)
            } else if description.hasPrefix("transport:"), let failure = TransportFailure(rawValue: String(description.dropFirst(10))) {
                self = .transport(failure)
            } else {
                return nil
            }
        }
    }
}

/// Why a push delivery got no response: the `error` input of ``DeliveryOutcome/classify(status:error:retryAfterHeader:now:)``.
public enum DeliveryError: Sendable, Hashable {
    /// No response within the delivery timeout.
    case timeout
    /// A transport error before any response.
    case transport(TransportFailure)
}

/// The classified result of one push delivery attempt.
///
/// ```swift
/// DeliveryOutcome.classify(status: 204, error: nil, retryAfterHeader: nil, now: now)     // .delivered(status: 204)
/// DeliveryOutcome.classify(status: 404, error: nil, retryAfterHeader: nil, now: now)     // .permanentFailure(.httpStatus(404))
/// DeliveryOutcome.classify(status: 503, error: nil, retryAfterHeader: "120", now: now)   // .retryableFailure(.httpStatus(503), retryAfter: .seconds(120))
/// DeliveryOutcome.classify(status: nil, error: .timeout, retryAfterHeader: nil, now: now) // .retryableFailure(.timeout, retryAfter: nil)
/// ```
public enum DeliveryOutcome: Sendable, Hashable {
    /// The recipient accepted the message (`2xx`).
    case delivered(status: Int)
    /// Retrying cannot help: the message goes `dead` at once.
    case permanentFailure(DeliveryFailure)
    /// Retry later, no earlier than `retryAfter` when the recipient said so (429 and 503 only).
    case retryableFailure(DeliveryFailure, retryAfter: Duration?)

    /// Classifies an attempt by its HTTP status (when a response arrived) or its error.
    ///
    /// - `2xx` → delivered.
    /// - `4xx` other than 408 and 429 → permanent (SPEC §4: dead at once).
    /// - 408, 429, `5xx`, `1xx`, `3xx` (redirects are not followed; an endpoint fix may make a retry succeed)
    ///   and statuses outside 100–599 → retryable.
    /// - No status: timeout or transport error → retryable; neither given is treated as `transport(.other)`.
    /// - A status takes precedence over an error when both are given (the recipient did answer).
    /// - `Retry-After` (RFC 9110 §10.2.3) is honoured on 429 and 503 only; an unparsable header is ignored.
    public static func classify(status: Int?, error: DeliveryError?, retryAfterHeader: String?, now: Date) -> DeliveryOutcome {
        guard let status else {
            switch error {
            case .timeout: return .retryableFailure(.timeout, retryAfter: nil)
            case .transport(let failure): return .retryableFailure(.transport(failure), retryAfter: nil)
            case nil: return .retryableFailure(.transport(.other), retryAfter: nil)
            }
        }
        if (200...299).contains(status) { return .delivered(status: status) }
        let failure = DeliveryFailure.httpStatus(status)
        if failure.isPermanent { return .permanentFailure(failure) }
        var retryAfter: Duration?
        if status == 429 || status == 503, let header = retryAfterHeader {
            retryAfter = RetryAfter.parse(header, now: now)
        }
        return .retryableFailure(failure, retryAfter: retryAfter)
    }

    /// What this outcome tells the recipient's circuit breaker.
    ///
    /// A permanent failure counts as a success: the recipient is up and answering, it just refused this
    /// message. Retryable failures (timeouts, transport errors, 408, 429, `5xx`, ...) count as failures.
    public var circuitBreakerResult: CircuitBreaker.Result {
        switch self {
        case .delivered, .permanentFailure: .success
        case .retryableFailure: .failure
        }
    }
}
