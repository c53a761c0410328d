import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LienthongConfig
import LienthongCore
import LienthongLabor
import LienthongQueue
import NIOCore

/// The asynchronous message API (SPEC §4): accept, status, and the pull inbox.
///
/// Accepting writes the message and its audit record in one commit (`synchronous = FULL`), so `202` means both
/// are on disk. The payload is kept in RFC 8785 canonical form: idempotency compares meaning, not whitespace,
/// and the recipient receives exactly the canonical bytes.
///
/// Two message types get more than the payload contract, inside the accepting transaction:
/// - `vss.participant-sync` and `labor.worker-records` are checked record by record (``ParticipantSync``,
///   `WorkerRecordsPayload.validate`): the refused records are reported to
///   the sender (in the `202` answer and in `GET /v1/messages/{id}`) and only the accepted ones are delivered;
/// - `asxh.account-opening-request` and `-result` are correlated by the account-opening ledger (``AccountOpeningAdmission``).
struct MessageRoutes {
    let runtime: GatewayRuntime
    let queue: any GatewayQueue
    let delivery: DeliveryService?

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/messages") { request, context in try await accept(request: request, context: context) }
        router.get("/v1/messages/:id") { request, context in try await status(request: request, context: context) }
        router.get("/v1/inbox") { request, context in try await inbox(request: request, context: context) }
        router.post("/v1/inbox/:id/ack") { request, context in try await ack(request: request, context: context) }
    }

    /// The envelope a sender posts.
    struct Envelope {
        var id: String
        var type: String
        var to: MemberID
        var payload: [UInt8]
        var payloadValue: JSONValue

        init(_ bytes: [UInt8]) throws(GatewayProblem) {
            guard let value = try? JSONValue(parsing: bytes), case .object(let object) = value else {
                throw GatewayProblem(.badRequest, detail: "body must be a JSON object { id, type, to, payload }")
            }
            guard case .string(let id)? = object["id"], let uuid = UUID(uuidString: id) else {
                throw GatewayProblem(.badRequest, detail: "id must be a UUID")
            }
            guard case .string(let type)? = object["type"], MessageCatalog.types.contains(type) else {
                throw GatewayProblem(.badRequest, detail: "type must be a known message type")
            }
            guard case .string(let to)? = object["to"], let recipient = try? MemberID(to) else {
                throw GatewayProblem(.badRequest, detail: "to must be a member id")
            }
            guard let payload = object["payload"], case .object = payload else {
                throw GatewayProblem(.badRequest, detail: "payload must be a JSON object")
            }
            for key in object.keys where !["id", "type", "to", "payload"].contains(key) {
                throw GatewayProblem(.badRequest, detail: "unknown envelope field \(key)")
            }
            do {
                try MessagePayloads.validate(type: type, payload: payload)
            } catch {
                throw GatewayProblem(.badRequest, detail: "payload does not match the \(type) contract: \(error.description)")
            }
            self.id = uuid.uuidString.lowercased()
            self.type = type
            self.to = recipient
            self.payload = JCS.canonicalize(payload)
            self.payloadValue = payload
        }
    }

    func accept(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "message.accept"; $0.target = "messages" }
        guard let sender = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        let user = try RequestChecks.user(request)
        try RequestChecks.json(request)
        var request = request
        let limit = runtime.configuration.queue.maxPayloadBytes + 4096
        let body = try await request.collectBody(upTo: limit)
        let bytes = Array(body.readableBytesView)
        context.notes.update { $0.requestHash = Data(SHA256.hash(data: bytes)).base64EncodedString() }
        let envelope = try Envelope(bytes)
        context.notes.update { $0.target = envelope.type }
        guard envelope.payload.count <= runtime.configuration.queue.maxPayloadBytes else {
            throw GatewayProblem(.payloadTooLarge, detail: "payload exceeds the configured limit")
        }
        guard runtime.policy.maySend(member: sender, type: envelope.type, to: envelope.to) else {
            throw GatewayProblem(.forbidden, detail: "member may not send this message type to this recipient")
        }
        let now = Date()
        var stored = envelope.payload
        var idempotencyBytes: [UInt8]?
        var admission = MessageAdmission()
        var validation: SyncValidationView?
        if let (kind, report) = Self.recordCheck(type: envelope.type, payload: envelope.payloadValue, today: Self.today(now)) {
            let view = SyncValidationView(report)
            guard !report.isBatchRefused, !report.accepted.isEmpty, case .object(var object) = envelope.payloadValue else {
                let first = report.refused.first.map { " (first: \($0.description))" } ?? ""
                throw GatewayProblem(.badRequest, detail: "no record of the \(kind) passed validation: \(report.refused.count) refused\(first)")
            }
            object["records"] = .array(report.accepted)
            stored = JCS.canonicalize(.object(object))
            idempotencyBytes = envelope.payload
            admission.report = try Self.canonicalJSON(view)
            validation = view
        }
        admission.accountOpening = AccountOpeningAdmission(
            type: envelope.type, id: envelope.id, sender: sender, recipient: envelope.to, payload: envelope.payloadValue, now: now)
        let (result, seq) = try await queue.acceptAudited(
            id: envelope.id, sender: sender, recipient: envelope.to, type: envelope.type, payload: stored,
            user: user, now: now, idempotencyBytes: idempotencyBytes, admission: admission)
        context.notes.update { $0.recordedAuditSeq = seq }
        switch result {
        case .accepted(let message):
            delivery?.wake(recipient: message.recipient)
            return try Self.json(AcceptedView(id: message.id, status: "queued", validation: validation), status: .accepted)
        case .duplicate(let message):
            return try Self.json(MessageView(message, validation: try await report(message, for: sender)), status: .ok)
        case .conflict:
            throw GatewayProblem(.conflict, detail: "a message with this id and another payload was already accepted")
        }
    }

    func status(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "message.status"; $0.target = "messages" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        let id = (context.parameters.get("id") ?? "").lowercased()
        guard UUID(uuidString: id) != nil else { throw GatewayProblem(.badRequest, detail: "id must be a UUID") }
        // Only the sender or the recipient learn that a message exists.
        guard let message = try await queue.message(id: id), message.sender == member || message.recipient == member else {
            throw GatewayProblem(.notFound, detail: "no such message for this member")
        }
        context.notes.update { $0.target = message.type }
        return try Self.json(MessageView(message, validation: try await report(message, for: member)), status: .ok)
    }

    /// The acceptance report of `message`, shown to its sender only.
    private func report(_ message: QueuedMessage, for member: MemberID) async throws -> JSONText? {
        guard message.sender == member else { return nil }
        return try await queue.report(sender: message.sender, id: message.id).map(JSONText.init(bytes:))
    }

    /// The date in Vietnam (UTC+7, no daylight saving) at `now`.
    /// The record-by-record check of a message type whose payload is a list of records (`vss.participant-sync`,
    /// `labor.worker-records`), with the words naming it in problems; `nil` for other types.
    static func recordCheck(type: String, payload: JSONValue, today: CalendarDate) -> (String, ParticipantSync.Report)? {
        switch type {
        case ParticipantSync.messageType: ("participant sync", ParticipantSync.validate(payload, today: today))
        case WorkerRecordsPayload.messageType: ("worker records", WorkerRecordsPayload.validate(payload, today: today))
        default: nil
        }
    }

    static func today(_ now: Date) -> CalendarDate {
        CalendarDate.inVietnam(secondsSince1970: now.timeIntervalSince1970)
    }

    static func canonicalJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
        JCS.canonicalize(try JSONValue(parsing: Array(JSONEncoder.gateway.encode(value))))
    }

    func inbox(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "inbox.lease"; $0.target = "inbox" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        guard runtime.policy.delivery(of: member)?.mode == .pull else {
            throw GatewayProblem(.forbidden, detail: "member does not receive messages by pull")
        }
        let limitText = request.uri.queryParameters.get("limit") ?? "10"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw GatewayProblem(.badRequest, detail: "limit must be between 1 and 100")
        }
        let type = request.uri.queryParameters.get("type").map { String($0) }
        if let type, !MessageCatalog.types.contains(type) {
            throw GatewayProblem(.badRequest, detail: "type must be a known message type")
        }
        let leased = try await queue.lease(
            recipient: member, excluding: [], limit: limit,
            leaseDuration: .seconds(runtime.configuration.queue.leaseSeconds), now: Date(), actor: member.value, type: type)
        return try Self.json(InboxView(messages: try leased.map(InboxView.Item.init)), status: .ok)
    }

    func ack(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "inbox.ack"; $0.target = "inbox" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        let id = (context.parameters.get("id") ?? "").lowercased()
        guard UUID(uuidString: id) != nil else { throw GatewayProblem(.badRequest, detail: "id must be a UUID") }
        var request = request
        let body = try await request.collectBody(upTo: 4096)
        guard let value = try? JSONValue(parsing: Array(body.readableBytesView)), case .object(let object) = value,
              case .string(let text)? = object["leaseToken"], let token = LeaseToken(text) else {
            throw GatewayProblem(.badRequest, detail: "body must be { \"leaseToken\": \"...\" }")
        }
        let action: MessageLifecycle.Action
        do {
            action = try await queue.ack(id: id, recipient: member, token: token, now: Date())
        } catch let error as QueueStoreError where error.code == .notFound {
            // Unknown id, or a message for another member: the same answer, so nothing leaks.
            throw GatewayProblem(.notFound, detail: "no such message in this member's inbox")
        }
        switch action {
        case .markDelivered:
            return try Self.json(["id": id, "status": "delivered"], status: .ok)
        case .reject(.alreadyAcknowledged):
            return try Self.json(["id": id, "status": "delivered"], status: .ok)
        default:
            throw GatewayProblem(.conflict, detail: "lease token is not the current lease of this message")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder.gateway.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `GET /v1/messages/{id}` answer.
struct MessageView: Encodable {
    var id: String
    var type: String
    var from: String
    var to: String
    var status: String
    var attempts: Int
    var lastError: String?
    var acceptedAt: String
    /// The acceptance report (participant syncs), for the sender.
    var validation: JSONText?

    init(_ message: QueuedMessage, validation: JSONText? = nil) {
        self.validation = validation
        id = message.id
        type = message.type
        from = message.sender.value
        to = message.recipient.value
        status = message.status.rawValue
        attempts = message.lifecycle.attempts
        lastError = message.lifecycle.lastError?.description
        acceptedAt = message.acceptedAt.formatted(.iso8601)
    }
}

/// `202` answer of `POST /v1/messages`.
struct AcceptedView: Encodable {
    var id: String
    var status: String
    var validation: SyncValidationView?
}

/// What the record-by-record check of a participant sync found: counts and, per refused record, its index in the
/// posted `records`, the field and the reason (never a value).
struct SyncValidationView: Encodable {
    var total: Int
    var accepted: Int
    var refused: [ParticipantSync.Refusal]

    init(_ report: ParticipantSync.Report) {
        total = report.total
        accepted = report.accepted.count
        refused = report.refused
    }
}

/// `GET /v1/inbox` answer.
struct InboxView: Encodable {
    struct Item: Encodable {
        var id: String
        var type: String
        var from: String
        var leaseToken: String
        var leaseExpiresAt: String
        var payload: JSONText

        init(_ message: QueuedMessage) throws {
            id = message.id
            type = message.type
            from = message.sender.value
            leaseToken = message.lifecycle.leaseToken?.description ?? ""
            leaseExpiresAt = message.lifecycle.state.leaseExpiresAt?.formatted(.iso8601) ?? ""
            payload = JSONText(bytes: message.payload)
        }
    }

    var messages: [Item]
}

/// Canonical JSON bytes embedded as JSON (not as a string).
struct JSONText: Encodable {
    var bytes: [UInt8]

    func encode(to encoder: any Encoder) throws {
        let value = try JSONValue(parsing: bytes)
        var container = encoder.singleValueContainer()
        try container.encode(JSONValueCodable(value))
    }
}

/// Encodes a ``JSONValue`` through `Encodable`.
struct JSONValueCodable: Encodable {
    let value: JSONValue
    init(_ value: JSONValue) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a.map(JSONValueCodable.init))
        case .object(let o): try container.encode(o.mapValues(JSONValueCodable.init))
        }
    }
}
