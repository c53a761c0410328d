public import Hummingbird
public import Foundation
public import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
public import NIOSSL

/// A member system that receives pushed messages (SPEC §4): `POST <path>` over mTLS with the payload as the
/// JSON body and the headers `X-Message-Id` (a UUID), `X-Message-Type` and `X-Sender`.
///
/// Answers:
/// - `200 {"received": "<id>", "duplicate": false|true}` once the delivery is recorded (duplicates by
///   `X-Message-Id` are accepted again, counted, and flagged);
/// - `400` (JSON problem document) for a missing or empty header, an `X-Message-Id` that is not a UUID, or a
///   body that is not JSON; `415` for a `Content-Type` other than `application/json`; `413` for a body over
///   `maxBodyBytes`; `500` when the journal cannot be written (nothing is recorded then);
/// - faults from the ``FaultInjector``: added latency, `500` at the error rate, `503` or closed connections while
///   down, and a forced status (e.g. `429` with `Retry-After: 2`, or `400`) switched with
///   ``FaultInjector/setForcedStatus(_:retryAfterSeconds:)`` or `POST /_sim/faults {"forcedStatus": 429,
///   "retryAfterSeconds": 2}` (`{"forcedStatus": 0}` clears it).
///
/// Control routes: `GET|POST /_sim/faults`, and `GET /_sim/received` →
/// `{ "unique": N, "deliveries": M, "ids": ["<first-seen order>"] }`.
///
/// ```swift
/// let received = ReceivedMessages()
/// let app = RecipientSimulator.makeApplication(
///     host: "127.0.0.1", port: 0, tls: tls, received: received, faults: FaultInjector(), logger: logger
/// ) { port in print("inbox on \(port)") }
/// try await app.runService()
/// ```
///
/// Logs carry the message id, type, sender and outcome, never the payload.
public enum RecipientSimulator {
    /// Default largest accepted body.
    public static let defaultMaxBodyBytes = 1 << 20

    /// Builds the application. `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        received: ReceivedMessages,
        faults: FaultInjector,
        logger: Logger,
        path: String = "/inbox",
        maxBodyBytes: Int = RecipientSimulator.defaultMaxBodyBytes,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: InFlightMiddleware(received: received))
        router.add(middleware: FaultInjectionMiddleware(faults: faults) { status in
            let title = status == .serviceUnavailable ? "recipient unavailable (simulated)" : "internal error (simulated)"
            return problem(status: status, title: title)
        })
        router.add(middleware: ForcedStatusMiddleware(faults: faults))
        faults.addControlRoutes(to: router)
        router.get("/_sim/received") { _, _ in
            try json(ReceivedSummary(received))
        }
        router.post(RouterPath(path)) { request, context in
            try await handleDelivery(request, context: context, received: received, maxBodyBytes: maxBodyBytes)
        }
        return SimulatorServer.makeApplication(
            router: router, host: host, port: port, tls: tls, serverName: "lienthong-sim-recipient",
            logger: logger, onServerRunning: onServerRunning)
    }

    /// The validated headers of one push delivery.
    public struct DeliveryHeaders: Sendable, Hashable {
        /// `X-Message-Id`.
        public var messageID: UUID
        /// `X-Message-Type`.
        public var type: String
        /// `X-Sender`.
        public var sender: String

        /// Creates validated headers.
        public init(messageID: UUID, type: String, sender: String) {
            self.messageID = messageID
            self.type = type
            self.sender = sender
        }
    }

    /// Why a delivery was refused before it was recorded.
    public struct DeliveryRejection: Error, Sendable, Hashable {
        /// The reason.
        public enum Code: String, Sendable, Hashable {
            /// A required header is absent or empty.
            case missingHeader
            /// `X-Message-Id` is not a UUID.
            case invalidMessageID
            /// `Content-Type` is not `application/json`.
            case unsupportedMediaType
            /// The body is not JSON.
            case invalidJSON
        }

        /// The reason.
        public var code: Code
        /// The header concerned, if any (a name, never a value).
        public var header: String?

        /// Creates a rejection.
        public init(_ code: Code, header: String? = nil) {
            self.code = code
            self.header = header
        }

        /// The HTTP status answered: `415` for the media type, `400` otherwise.
        public var status: Int { code == .unsupportedMediaType ? 415 : 400 }

        /// A fixed explanation naming the header, never its value.
        public var detail: String {
            switch code {
            case .missingHeader: "required header \(header ?? "") is missing or empty"
            case .invalidMessageID: "header \(header ?? "X-Message-Id") is not a UUID"
            case .unsupportedMediaType: "Content-Type must be application/json"
            case .invalidJSON: "the body is not a JSON document"
            }
        }
    }

    /// Checks the headers of a push delivery: the three message headers first, then the media type.
    public static func validate(headers: HTTPFields) throws(DeliveryRejection) -> DeliveryHeaders {
        func required(_ name: HTTPField.Name) throws(DeliveryRejection) -> String {
            guard let value = headers[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw DeliveryRejection(.missingHeader, header: name.rawName)
            }
            return value
        }
        let id = try required(.messageID)
        let type = try required(.messageType)
        let sender = try required(.sender)
        guard let uuid = UUID(uuidString: id) else { throw DeliveryRejection(.invalidMessageID, header: HTTPField.Name.messageID.rawName) }
        guard let contentType = headers[.contentType], isJSONMediaType(contentType) else {
            throw DeliveryRejection(.unsupportedMediaType)
        }
        return DeliveryHeaders(messageID: uuid, type: type, sender: sender)
    }

    /// Whether `value` is `application/json`, parameters (such as `charset`) allowed.
    static func isJSONMediaType(_ value: String) -> Bool {
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func handleDelivery(
        _ request: Request, context: SimulatorRequestContext, received: ReceivedMessages, maxBodyBytes: Int
    ) async throws -> Response {
        let headers: DeliveryHeaders
        do {
            headers = try validate(headers: request.headers)
        } catch {
            context.logger.info("push delivery refused", metadata: ["reason": "\(error.code.rawValue)"])
            return problem(status: HTTPResponse.Status(code: error.status), title: "delivery refused", detail: error.detail)
        }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let bytes = Array(body.readableBytesView)
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
            let rejection = DeliveryRejection(.invalidJSON)
            context.logger.info("push delivery refused", metadata: ["reason": "\(rejection.code.rawValue)"])
            return problem(status: .badRequest, title: "delivery refused", detail: rejection.detail)
        }
        let delivery: ReceivedDelivery
        do {
            delivery = try received.record(messageID: headers.messageID, type: headers.type, sender: headers.sender, body: bytes)
        } catch {
            context.logger.error("push delivery not recorded", metadata: ["error": "\(error)"])
            return problem(status: .internalServerError, title: "delivery not recorded")
        }
        context.logger.info(
            "push delivery received",
            metadata: [
                "message_id": "\(delivery.messageID.uuidString.lowercased())",
                "message_type": "\(delivery.type)",
                "sender": "\(delivery.sender)",
                "duplicate": "\(delivery.duplicate)",
            ]
        )
        return try json(Acknowledgement(received: delivery.messageID.uuidString.lowercased(), duplicate: delivery.duplicate))
    }

    struct Acknowledgement: Codable {
        var received: String
        var duplicate: Bool
    }

    /// The body of `GET /_sim/received`.
    public struct ReceivedSummary: Codable, Sendable, Hashable {
        /// Distinct message ids received.
        public var unique: Int
        /// Deliveries, duplicates included.
        public var deliveries: Int
        /// The distinct ids (lower case) in order of first arrival.
        public var ids: [String]

        /// Summarises `received`.
        public init(_ received: ReceivedMessages) {
            let ids = received.uniqueIDs
            self.unique = ids.count
            self.deliveries = received.deliveryCount
            self.ids = ids.map { $0.uuidString.lowercased() }
        }
    }

    struct Problem: Codable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
    }

    static func problem(status: HTTPResponse.Status, title: String, detail: String? = nil, extraHeaders: HTTPFields = [:]) -> Response {
        let document = Problem(type: "urn:lienthong:sim:recipient", title: title, status: status.code, detail: detail)
        var buffer = ByteBuffer()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A struct of strings and an integer always encodes.
        buffer.writeBytes((try? encoder.encode(document)) ?? Data())
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    static func json(_ value: some Encodable) throws -> Response {
        var buffer = ByteBuffer()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        buffer.writeBytes(try encoder.encode(value))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}

/// Counts the deliveries being answered at once (every request outside `/_sim/`, injected latency included), so a
/// test can check the sender's concurrency bound (``ReceivedMessages/peakInFlight``).
struct InFlightMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    let received: ReceivedMessages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/_sim/") else { return try await next(request, context) }
        received.requestStarted()
        defer { received.requestFinished() }
        return try await next(request, context)
    }
}

/// Answers every request (except the `/_sim/` control paths) with the injector's forced status, if one is set,
/// with `Retry-After` when configured.
struct ForcedStatusMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    let faults: FaultInjector

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/_sim/"), let forced = faults.forcedStatus() else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [:]
        if let seconds = forced.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return RecipientSimulator.problem(
            status: HTTPResponse.Status(code: forced.status), title: "forced status (simulated)", extraHeaders: headers
        )
    }
}

extension HTTPField.Name {
    /// `X-Message-Id` (push delivery).
    static let messageID = HTTPField.Name("X-Message-Id")!
    /// `X-Message-Type` (push delivery).
    static let messageType = HTTPField.Name("X-Message-Type")!
    /// `X-Sender` (push delivery).
    static let sender = HTTPField.Name("X-Sender")!
}
