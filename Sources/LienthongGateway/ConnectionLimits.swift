import Foundation
import LienthongAudit
public import LienthongConfig
import LienthongCore
public import NIOCore
import NIOHTTP1
import Prometheus
import Synchronization

/// The partner listener's per-connection limits (SPEC §2, issue 7): how many connections are served, how large and
/// how slow a request head may be, and how long a TLS handshake may take.
///
/// What a client sees when it crosses one (each refusal is a `problem+json` answer with `Connection: close`, and the
/// connection is closed after it):
///
/// | limit | answer |
/// | --- | --- |
/// | ``maxConnections`` | `503`, code `rate-limited`, `Retry-After`, to the first request after the handshake |
/// | ``maxHeaderBytes`` | `431`, code `bad-request` |
/// | ``requestHeadTimeout`` | `408`, code `bad-request` |
/// | ``handshakeTimeout`` | none possible: the connection is closed |
///
/// Beyond ``maxConnections`` plus ``busyAnswers``, connections are closed at accept without a handshake.
public struct PartnerConnectionLimits: Sendable, Equatable {
    /// Open connections served at once.
    public var maxConnections: Int
    /// Largest request head: the request target plus all header names and values, in bytes (NIO's decoder counts
    /// these; the separators and the method are not counted). A single header field is held to the same limit.
    public var maxHeaderBytes: Int
    /// Time from the first byte of a request head to its end.
    public var requestHeadTimeout: TimeAmount
    /// Time from accept to a completed TLS handshake.
    public var handshakeTimeout: TimeAmount
    /// Seconds a client refused for the connection limit is asked to wait (`Retry-After`).
    public var busyRetryAfterSeconds: Int

    /// Creates limits; the defaults are those of the configuration file.
    public init(
        maxConnections: Int = 1024, maxHeaderBytes: Int = 16_384, requestHeadTimeout: TimeAmount = .seconds(10),
        handshakeTimeout: TimeAmount = .seconds(10), busyRetryAfterSeconds: Int = 1
    ) {
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.requestHeadTimeout = requestHeadTimeout
        self.handshakeTimeout = handshakeTimeout
        self.busyRetryAfterSeconds = busyRetryAfterSeconds
    }

    /// The limits of a `[partner]` section.
    public init(_ partner: GatewayConfiguration.PartnerListener) {
        self.init(
            maxConnections: partner.maxConnections, maxHeaderBytes: partner.maxHeaderBytes,
            requestHeadTimeout: .seconds(Int64(partner.requestHeadTimeoutSeconds)),
            handshakeTimeout: .seconds(Int64(partner.handshakeTimeoutSeconds)))
    }

    /// Connections beyond ``maxConnections`` that still get a `503` answer (one sixteenth of the limit, at least
    /// one); those beyond are closed at accept, which costs no handshake.
    public var busyAnswers: Int { max(1, maxConnections / 16) }
}

/// A connection the partner listener refused below the router (no ``ExchangeMiddleware`` saw it).
public struct PartnerRefusal: Sendable, Equatable {
    /// Why, as it appears in the audit `target` (`partner-listener:<reason>`) and in metrics.
    public enum Reason: String, Sendable, CaseIterable {
        /// Over `max_connections`: answered `503` after the handshake.
        case connectionLimit = "connection-limit"
        /// Far over `max_connections`: closed at accept, no handshake, no answer.
        case connectionLimitAtAccept = "connection-limit-at-accept"
        /// The request head is larger than `max_header_bytes`: `431`.
        case headerTooLarge = "header-too-large"
        /// The request head did not complete within `request_head_timeout_seconds`: `408`.
        case requestHeadTimeout = "request-head-timeout"
        /// The request head could not be parsed: `400`.
        case malformedRequest = "malformed-request"
    }

    /// Why the connection was refused.
    public var reason: Reason
    /// The HTTP status answered, `0` when the connection was closed without an answer.
    public var status: Int
    /// The request id of the answer (`X-Request-Id`), `nil` without an answer.
    public var requestID: String?

    /// Creates a refusal.
    public init(reason: Reason, status: Int, requestID: String?) {
        self.reason = reason
        self.status = status
        self.requestID = requestID
    }
}

/// Counts the partner listener's open connections and decides, at accept, what a new one gets.
final class ConnectionGate: Sendable {
    enum Admission: Equatable {
        /// Served normally.
        case serve
        /// Answered `503` after the handshake.
        case answerBusy
        /// Closed at accept.
        case drop
    }

    private let open = Atomic<Int>(0)
    private let maxConnections: Int
    private let busyAnswers: Int

    init(limits: PartnerConnectionLimits) {
        maxConnections = limits.maxConnections
        busyAnswers = limits.busyAnswers
    }

    /// Counts a new connection and returns its admission with the new count; every call is paired with ``release()``.
    func admit() -> (Admission, open: Int) {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now <= maxConnections { return (.serve, now) }
        if now <= maxConnections + busyAnswers { return (.answerBusy, now) }
        return (.drop, now)
    }

    /// Counts a closed connection and returns the new count.
    func release() -> Int {
        open.wrappingSubtract(1, ordering: .relaxed).newValue
    }
}

/// Closes a connection as soon as it is active (a connection refused at accept).
final class CloseOnActive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { context.close(promise: nil) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Nothing of a refused connection is read.
    }
}

/// Sits between TLS and the HTTP decoder and tells the ``RequestHeadGuard`` when request bytes arrive, so the
/// request-head clock starts at a head's first byte (an idle keep-alive connection is the idle timeout's business).
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let headGuard: RequestHeadGuard

    init(_ headGuard: RequestHeadGuard) { self.headGuard = headGuard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        headGuard.requestBytesArrived()
        context.fireChannelRead(data)
    }
}

/// Right after NIO's HTTP/1 decoder: enforces the request-head timeout, answers the decoder's errors (a head over
/// `max_header_bytes`, a malformed head) and connections over the limit with problem+json, and closes.
///
/// Refusals are answered only when no response is in progress on the connection; otherwise the connection is left
/// to Hummingbird's own handling (which closes it).
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Time given to the client to read the refusal and close, before the connection is closed from our side.
    static let lingerTime = TimeAmount.seconds(2)

    private let limits: PartnerConnectionLimits
    private let refuseFirstRequest: Bool
    private let onRefusal: @Sendable (PartnerRefusal, any Channel) async -> Int64?
    private var context: ChannelHandlerContext?
    /// Between two requests: the next bytes start a request head.
    private var awaitingHead = true
    /// Requests handed on whose response has not ended.
    private var responsesPending = 0
    private var headTimer: Scheduled<Void>?
    /// A refusal is under way: everything read from now on is dropped.
    private var refused = false

    /// - Parameter refuseFirstRequest: answer the first request with `503` (the connection is over the limit).
    init(limits: PartnerConnectionLimits, refuseFirstRequest: Bool, onRefusal: @escaping @Sendable (PartnerRefusal, any Channel) async -> Int64?) {
        self.limits = limits
        self.refuseFirstRequest = refuseFirstRequest
        self.onRefusal = onRefusal
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    /// Starts the request-head clock if a head is awaited and the clock is not running yet.
    func requestBytesArrived() {
        guard !refused, awaitingHead, headTimer == nil, let context else { return }
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.requestHeadTimeout) { [self] in
            headTimer = nil
            headTimedOut()
        }
    }

    private func headTimedOut() {
        guard !refused, awaitingHead else { return }
        if responsesPending > 0 {
            // Pipelined bytes while an answer is still being produced: the clock restarts once more.
            requestBytesArrived()
            return
        }
        refuse(.requestHeadTimeout, problem: GatewayProblem(
            .badRequest, detail: "the request head was not complete within the configured time", status: 408))
    }

    private func cancelTimer() {
        headTimer?.cancel()
        headTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        switch unwrapInboundIn(data) {
        case .head:
            cancelTimer()
            awaitingHead = false
            if refuseFirstRequest {
                refuse(.connectionLimit, problem: GatewayProblem(
                    .rateLimited, detail: "the gateway has too many open connections; retry later",
                    retryAfterSeconds: limits.busyRetryAfterSeconds, status: 503))
                return
            }
            responsesPending += 1
        case .body:
            break
        case .end:
            awaitingHead = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesPending = max(0, responsesPending - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refused { return }
        guard responsesPending == 0, let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if parse == .headerOverflow {
            refuse(.headerTooLarge, problem: GatewayProblem(
                .badRequest, detail: "the request head is larger than the configured limit", status: 431))
        } else {
            refuse(.malformedRequest, problem: GatewayProblem(.badRequest, detail: "the request is not valid HTTP/1.1"))
        }
    }

    /// Audits the refusal (through `onRefusal`), then answers it and closes the connection.
    private func refuse(_ reason: PartnerRefusal.Reason, problem: GatewayProblem) {
        guard !refused, let context else { return }
        refused = true
        cancelTimer()
        let requestID = UUID.systemRandom().uuidString.lowercased()
        let refusal = PartnerRefusal(reason: reason, status: problem.status, requestID: requestID)
        let channel = context.channel
        let onRefusal = self.onRefusal
        let audited = context.eventLoop.makePromise(of: Int64?.self)
        audited.completeWithTask { await onRefusal(refusal, channel) }
        audited.futureResult.assumeIsolated().whenSuccess { [self] seq in
            answer(problem, requestID: requestID, auditSeq: seq)
        }
    }

    private func answer(_ problem: GatewayProblem, requestID: String, auditSeq: Int64?) {
        guard let context, context.channel.isActive else { return }
        let body = (try? JSONEncoder.gateway.encode(ProblemDocument(problem, requestId: requestID))) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "X-Request-Id", value: requestID)
        if let auditSeq { headers.add(name: "X-Audit-Seq", value: String(auditSeq)) }
        if let seconds = problem.retryAfterSeconds { headers.add(name: "Retry-After", value: String(seconds)) }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: problem.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let loop = context.eventLoop.assumeIsolated()
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            // Half-close first (TLS close_notify, then FIN) so the client reads the answer and sees the end; keep
            // reading (and dropping) what it still sends, so no reset destroys the answer; close fully after a while.
            context.close(mode: .output, promise: nil)
            loop.scheduleTask(in: Self.lingerTime) { context.close(promise: nil) }
        }
    }
}

extension GatewayRuntime {
    /// Audits a refusal made below the router (``PartnerRefusal``) and counts it in
    /// `lienthong_partner_refusals_total{reason}`; returns the audit `seq`.
    ///
    /// Connections closed at accept are counted, logged at most every ten seconds and not audited: there is no
    /// exchange and no identity, and a flood of them must not become a flood of audit writes.
    func auditRefusal(_ refusal: PartnerRefusal, channel: any Channel) async -> Int64? {
        metrics.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "lienthong", subsystem: "partner", metricName: "refusals", unitName: "total",
                helpText: "Partner connections refused below the router, by reason"),
            labels: [("reason", refusal.reason.rawValue)]).increment()
        guard refusal.status != 0, let requestID = refusal.requestID else {
            if RefusalLog.shouldLog() {
                logger.warning("partner connections closed at accept: over the connection limit", metadata: [
                    "reason": .string(refusal.reason.rawValue)])
            }
            return nil
        }
        var actor = "unknown"
        do { actor = try await identify(channel: channel).value } catch { actor = error.claimedMember?.value ?? "unknown" }
        logger.notice("partner request refused", metadata: [
            "requestId": .string(requestID), "member": .string(actor), "reason": .string(refusal.reason.rawValue),
            "status": .stringConvertible(refusal.status)])
        do {
            return try await audit(AuditEvent(
                actor: actor, user: "", action: "connection.refused", target: "partner-listener:\(refusal.reason.rawValue)",
                ref: requestID, purpose: "", outcome: .denied, status: refusal.status, subjectPersonalID: nil))
        } catch {
            logger.critical("audit append failed for a refused partner connection", metadata: ["requestId": .string(requestID)])
            return nil
        }
    }
}

extension MetricNameDescriptor {
    /// `lienthong_partner_connections_open`: open connections on the partner listener.
    static var partnerConnectionsOpen: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "lienthong", subsystem: "partner", metricName: "connections", unitName: "open",
            helpText: "Open connections on the partner listener")
    }
}

/// Rate limit of the warning about connections closed at accept (one every ten seconds).
private enum RefusalLog {
    private static let last = Mutex<ContinuousClock.Instant?>(nil)

    static func shouldLog() -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let previous = last, now - previous < .seconds(10) { return false }
            last = now
            return true
        }
    }
}
