public import HummingbirdCore
public import Logging
public import NIOCore
public import NIOSSL
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
/// plus an observer that reports every handshake, refused or accepted, so each refusal is audited.
///
/// Hummingbird's own `TLSChannel` offers no hook for failed handshakes; this type is the same
/// pipeline with one more handler.
public struct PartnerTLSChannel<BaseChannel: HTTPChannelHandler>: ServerChildChannel, HTTPChannelHandler {
    /// Same value as the wrapped HTTP channel.
    public typealias Value = BaseChannel.Value

    private let sslContext: NIOSSLContext
    private let base: BaseChannel
    private let onHandshake: @Sendable (HandshakeEvent) -> Void

    /// Wraps `base` with TLS using `sslContext`, reporting handshakes to `onHandshake`.
    public init(_ base: BaseChannel, sslContext: NIOSSLContext, onHandshake: @escaping @Sendable (HandshakeEvent) -> Void) {
        self.base = base
        self.sslContext = sslContext
        self.onHandshake = onHandshake
    }

    /// Adds the TLS handler and the observer, then the HTTP pipeline.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: sslContext))
            try sync.addHandler(HandshakeObserver(onHandshake: onHandshake))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    /// Hands the connection to the HTTP channel.
    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// The HTTP responder.
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

/// Reports handshake completion or failure once per connection, then removes itself.
final class HandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let onHandshake: @Sendable (HandshakeEvent) -> Void
    private var reported = false

    init(onHandshake: @escaping @Sendable (HandshakeEvent) -> Void) {
        self.onHandshake = onHandshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, !reported {
            reported = true
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
