public import HummingbirdCore
public import Logging
public import NIOCore
public import NIOSSL
import NIOHTTP1
import NIOTLS

/// What the partner listener saw of a TLS handshake; handed to the audit log.
public struct HandshakeEvent: Sendable {
    /// `true` when the handshake completed.
    public var completed: Bool
    /// Short reason for a refusal (`handshake-failed`, with BoringSSL's reason where known); no certificate content.
    public var reason: String
    /// DER of the peer's leaf certificate when the handshake completed.
    public var peerCertificateDER: [UInt8]?
}

/// The partner listener's child channel: TLS (nio-ssl) in front of Hummingbird's HTTP/1.1 channel,
/// plus an observer that reports every handshake, refused or accepted, so each refusal is audited, and the
/// connection limits of ``PartnerConnectionLimits`` (connection count, handshake and request-head timeouts, and the
/// answers to heads over the size limit).
///
/// Hummingbird's own `TLSChannel` offers no hook for failed handshakes; this type is the same
/// pipeline with more handlers.
public struct PartnerTLSChannel<BaseChannel: HTTPChannelHandler>: ServerChildChannel, HTTPChannelHandler {
    /// Same value as the wrapped HTTP channel.
    public typealias Value = BaseChannel.Value

    private let sslContext: NIOSSLContext
    private let base: BaseChannel
    private let onHandshake: @Sendable (HandshakeEvent) -> Void
    private let limits: PartnerConnectionLimits
    private let gate: ConnectionGate
    private let onRefusal: @Sendable (PartnerRefusal, any Channel) async -> Int64?
    private let onOpenConnections: @Sendable (Int) -> Void

    /// Wraps `base` with TLS using `sslContext`, reporting handshakes to `onHandshake`.
    ///
    /// - Parameters:
    ///   - limits: Connection limits. The header size limit is the wrapped channel's own decoder limit: use
    ///     ``init(responder:idleTimeout:sslContext:limits:onHandshake:onRefusal:onOpenConnections:)`` to have it set.
    ///   - onRefusal: Called for every refusal below the router (before its answer is written); returns the audit
    ///     `seq` to send in `X-Audit-Seq`, if any.
    ///   - onOpenConnections: Called with the number of open connections whenever it changes.
    public init(
        _ base: BaseChannel, sslContext: NIOSSLContext, limits: PartnerConnectionLimits = .init(),
        onHandshake: @escaping @Sendable (HandshakeEvent) -> Void,
        onRefusal: @escaping @Sendable (PartnerRefusal, any Channel) async -> Int64? = { _, _ in nil },
        onOpenConnections: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.base = base
        self.sslContext = sslContext
        self.onHandshake = onHandshake
        self.limits = limits
        self.gate = ConnectionGate(limits: limits)
        self.onRefusal = onRefusal
        self.onOpenConnections = onOpenConnections
    }

    /// Counts the connection, then adds the TLS handler, the handshake observer and the request-head guard around
    /// the HTTP pipeline; a connection far over the limit gets a handler that closes it instead of TLS.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (admission, open) = gate.admit()
        onOpenConnections(open)
        let gate = self.gate
        let onOpenConnections = self.onOpenConnections
        channel.closeFuture.whenComplete { _ in onOpenConnections(gate.release()) }
        if admission == .drop {
            let onRefusal = self.onRefusal
            Task { _ = await onRefusal(PartnerRefusal(reason: .connectionLimitAtAccept, status: 0, requestID: nil), channel) }
            // Never fail the setup: a failed child setup is reported on the server channel and ends the listener.
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(CloseOnActive())
            }.flatMap {
                base.setup(channel: channel, logger: logger)
            }
        }
        let limits = self.limits
        let onRefusal = self.onRefusal
        return channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: sslContext))
            try sync.addHandler(HandshakeObserver(onHandshake: onHandshake, timeout: limits.handshakeTimeout))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.map { value in
            let sync = channel.pipeline.syncOperations
            let headGuard = RequestHeadGuard(limits: limits, refuseFirstRequest: admission == .answerBusy, onRefusal: onRefusal)
            do {
                let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try sync.addHandler(headGuard, position: .after(decoder))
                // Between TLS and the decoder: sees the decrypted bytes of a request head as they arrive.
                try sync.addHandler(RequestBytesObserver(headGuard), position: .before(decoder))
            } catch {
                // The pipeline is not the one expected (or the channel closed meanwhile): close rather than serve
                // without the limits, and do not fail the setup (that would end the listener).
                logger.error("partner connection closed: request-head limits could not be installed")
                channel.close(promise: nil)
            }
            return value
        }
    }

    /// Hands the connection to the HTTP channel.
    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// The HTTP responder.
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

extension PartnerTLSChannel where BaseChannel == HTTP1Channel {
    /// The partner listener over Hummingbird's HTTP/1.1 channel, with NIO's decoder held to
    /// ``PartnerConnectionLimits/maxHeaderBytes`` (per field and for the whole head).
    public init(
        responder: @escaping HTTPChannelHandler.Responder, idleTimeout: TimeAmount, sslContext: NIOSSLContext,
        limits: PartnerConnectionLimits, onHandshake: @escaping @Sendable (HandshakeEvent) -> Void,
        onRefusal: @escaping @Sendable (PartnerRefusal, any Channel) async -> Int64? = { _, _ in nil },
        onOpenConnections: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes)
        self.init(
            HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idleTimeout, httpDecoderConfiguration: decoder)),
            sslContext: sslContext, limits: limits, onHandshake: onHandshake, onRefusal: onRefusal,
            onOpenConnections: onOpenConnections)
    }
}

/// Reports handshake completion or failure once per connection, then removes itself; closes the connection
/// (reporting `handshake-timeout`) when the handshake is not complete within `timeout` of the connection's start.
final class HandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let onHandshake: @Sendable (HandshakeEvent) -> Void
    private let timeout: TimeAmount?
    private var deadline: Scheduled<Void>?
    private var reported = false

    init(onHandshake: @escaping @Sendable (HandshakeEvent) -> Void, timeout: TimeAmount? = nil) {
        self.onHandshake = onHandshake
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    private func startClock(context: ChannelHandlerContext) {
        guard let timeout, deadline == nil, !reported else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            guard !reported else { return }
            reported = true
            onHandshake(HandshakeEvent(completed: false, reason: "handshake-timeout", peerCertificateDER: nil))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, !reported {
            reported = true
            deadline?.cancel()
            deadline = nil
            let onHandshake = self.onHandshake
            context.channel.nioSSL_peerCertificate().whenComplete { result in
                let der = (try? result.get())?.flatMap { try? $0.toDERBytes() }
                onHandshake(HandshakeEvent(completed: true, reason: "", peerCertificateDER: der))
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, let ssl = error as? NIOSSLError {
            reported = true
            onHandshake(HandshakeEvent(completed: false, reason: Self.reason(ssl), peerCertificateDER: nil))
        }
        context.fireErrorCaught(error)
    }

    static func reason(_ error: NIOSSLError) -> String {
        switch error {
        case .handshakeFailed(let boring):
            let text = "\(boring)".uppercased()
            if text.contains("CERTIFICATE_VERIFY_FAILED") { return "certificate-verify-failed" }
            if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return "no-client-certificate" }
            if text.contains("UNSUPPORTED_PROTOCOL") || text.contains("VERSION") { return "protocol-version" }
            if text.contains("NO_SHARED_CIPHER") { return "no-shared-cipher" }
            if text.contains("HTTP_REQUEST") || text.contains("WRONG_VERSION_NUMBER") { return "not-tls" }
            return "handshake-failed"
        case .uncleanShutdown: return "unclean-shutdown"
        default: return "tls-error"
        }
    }
}
