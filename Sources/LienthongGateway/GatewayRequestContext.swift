public import Hummingbird
public import LienthongCore
public import NIOCore
import Synchronization

/// Per-request context of the partner listener: the channel (for the peer certificate) and
/// what the exchange learns on its way (member, request id, audit notes).
public struct GatewayRequestContext: RequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection, for the TLS peer certificate.
    public let channel: any Channel
    /// The request id (from `X-Request-Id` or generated).
    public var requestID: String = ""
    /// The authenticated member, once the identity check passed.
    public var member: MemberID?
    /// Facts for the audit record, filled in by handlers.
    public var notes = ExchangeNotes()

    /// Creates the context for a request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// What a handler tells the exchange middleware for the audit record of a request.
///
/// A reference so the handler's notes reach the middleware that wrote the context; a `Mutex` guards it.
public final class ExchangeNotes: Sendable {
    /// The fields a handler may set.
    public struct Fields: Sendable {
        /// Audit `action` (`service.call`, ...).
        public var action = "request"
        /// Audit `target` (service code, message type).
        public var target = ""
        /// `X-Purpose` as stated.
        public var purpose = ""
        /// The personal id the exchange was about, hashed into `subject` and never stored raw.
        public var subjectPersonalID: String?
        /// Base64 SHA-256 of the request body, returned as `X-Request-Hash`.
        public var requestHash: String?
        /// Set when the handler already wrote this exchange's audit record together with its own state change
        /// (e.g. a message accepted into the queue in one commit); the middleware then writes none.
        public var recordedAuditSeq: Int64?
    }

    private let fields = Mutex(Fields())

    /// Creates empty notes.
    public init() {}

    /// Changes the notes.
    public func update(_ body: (inout Fields) -> Void) { fields.withLock { body(&$0) } }

    /// The current notes.
    public var current: Fields { fields.withLock { $0 } }
}
