public import Hummingbird
import HTTPTypes
import HummingbirdCore
import LienthongAdapters
import LienthongCore
public import Logging
import NIOCore
public import NIOSSL
import Synchronization

/// Faults in the content of the VSS simulator's `200` answers, for testing how a client treats a service that
/// answers, but wrongly (transport faults are ``FaultInjector``'s).
///
/// Switch through the Swift API or `POST /_sim/vss-answer-fault` with `{ "fault": "none" | "unreadable" |
/// "other-person" }`; `GET /_sim/vss-answer-fault` shows it.
///
/// ```swift
/// let answerFaults = VSSAnswerFaults()
/// answerFaults.set(.otherPerson)
/// ```
public final class VSSAnswerFaults: Sendable {
    /// What is wrong with each lookup answer.
    public enum Fault: String, Codable, Sendable, Hashable, CaseIterable {
        /// Answers are correct.
        case none
        /// `200` with a truncated JSON body.
        case unreadable
        /// `200` with a well-formed participant who is not the person asked for.
        case otherPerson = "other-person"
    }

    /// The state as posted to and shown by `/_sim/vss-answer-fault`.
    public struct Setting: Codable, Sendable, Hashable {
        /// The fault in effect.
        public var fault: Fault

        /// Creates a setting.
        public init(fault: Fault) {
            self.fault = fault
        }
    }

    private let state = Mutex(Fault.none)

    /// Creates a switch with no fault.
    public init() {}

    /// Sets the fault.
    public func set(_ fault: Fault) {
        state.withLock { $0 = fault }
    }

    /// The fault in effect.
    public var current: Fault {
        state.withLock { $0 }
    }
}

/// The social-insurance (BHXH / VSS) simulator: the REST JSON contract of `Contracts/upstream/vss.openapi.yaml`
/// over mTLS (SPEC §9).
///
/// - `POST /vss/v1/participants/lookup` (`X-Request-Id` required, `Content-Type: application/json`): `200`
///   `{ "found": true, "participant": { … } }` or `{ "found": false }`; `400` / `415` `{ "errorCode", "message" }`;
///   `503` while down; `500` for an injected error.
/// - `GET /_sim/participant-sync?count=N&seed=S&invalid=K`: a `vss.participant-sync` payload drawn from the
///   register (``ParticipantRegister/syncBatch(count:seed:invalid:)``; defaults 20, 1, 0), for demos.
/// - `GET|POST /_sim/faults`: fault injection (``FaultInjector``); `GET|POST /_sim/vss-answer-fault`: wrong
///   answers (``VSSAnswerFaults``).
/// - Deliberate breaches of the contract when ``Quirk``s are given (for the conformance kit).
///
/// ```swift
/// let register = ParticipantRegister(citizens: citizens, seed: 42)
/// let app = VSSSimulator.makeApplication(
///     host: "127.0.0.1", port: 0, tls: tls, register: register, faults: FaultInjector(), logger: logger
/// ) { port in print("listening on \(port)") }
/// try await app.runService()
/// ```
///
/// Logs carry the outcome only, never numbers or names.
public enum VSSSimulator {
    /// Largest accepted request body.
    public static let maxBodyBytes = 64 * 1024
    /// Largest `count` of `/_sim/participant-sync`.
    public static let maxSyncCount = 100_000

    static let requestIDField = HTTPField.Name("X-Request-Id")!

    /// Deliberately non-conforming behaviours of the lookup, for testing the conformance kit
    /// (`lienthong conformance vss`) and clients that must notice a service breaking the contract.
    public enum Quirk: String, Sendable, Hashable, CaseIterable, Codable {
        /// Refusals (`400`, `415`) are answered `200` instead, with the same `{errorCode, message}` body.
        case wrongStatus
        /// Participants are answered without `socialInsuranceNumber`.
        case missingFields
        /// Every lookup that finds someone, or not, is answered with another participant of the register than the
        /// one asked for (as if the query were ignored).
        case ignoresQuery
        /// Answers do not echo `X-Request-Id`.
        case omitsRequestID
    }

    /// Builds the application. `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        register: ParticipantRegister,
        faults: FaultInjector,
        answerFaults: VSSAnswerFaults = VSSAnswerFaults(),
        quirks: Set<Quirk> = [],
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: FaultInjectionMiddleware(faults: faults) { status in
            status == .serviceUnavailable
                ? errorResponse(status, code: "SERVICE_UNAVAILABLE", message: "social insurance service is unavailable (simulated)")
                : errorResponse(status, code: "INTERNAL_ERROR", message: "internal error (simulated)")
        })
        faults.addControlRoutes(to: router)
        router.get("/_sim/participant-sync") { request, _ in
            let parameters = request.uri.queryParameters
            let count = parameters.get("count").flatMap { Int($0) } ?? 20
            let seed = parameters.get("seed").flatMap { UInt64($0) } ?? 1
            let invalid = parameters.get("invalid").flatMap { Int($0) } ?? 0
            guard (0...maxSyncCount).contains(count), invalid >= 0 else {
                return errorResponse(.badRequest, code: "INVALID_REQUEST", message: "count must be 0-\(maxSyncCount) and invalid not negative")
            }
            return jsonResponse(.ok, register.syncBatch(count: count, seed: seed, invalid: invalid))
        }
        router.get("/_sim/vss-answer-fault") { _, _ in
            jsonResponse(.ok, .object(["fault": .string(answerFaults.current.rawValue)]))
        }
        router.post("/_sim/vss-answer-fault") { request, context in
            let setting = try await request.decode(as: VSSAnswerFaults.Setting.self, context: context)
            answerFaults.set(setting.fault)
            return jsonResponse(.ok, .object(["fault": .string(answerFaults.current.rawValue)]))
        }
        router.post(RouterPath(VSSUpstream.lookupPath)) { request, context in
            let requestID = request.headers[requestIDField]
            var response = try await lookup(request, register: register, fault: answerFaults.current, quirks: quirks)
            if let requestID, UpstreamTransport.isSafeHeaderValue(requestID), !quirks.contains(.omitsRequestID) {
                response.headers[requestIDField] = requestID
            }
            context.logger.info("vss participant lookup", metadata: ["status": "\(response.status.code)"])
            return response
        }
        return SimulatorServer.makeApplication(
            router: router, host: host, port: port, tls: tls, serverName: "lienthong-sim-vss",
            logger: logger, onServerRunning: onServerRunning)
    }

    /// Answers one lookup request.
    static func lookup(
        _ request: Request, register: ParticipantRegister, fault: VSSAnswerFaults.Fault, quirks: Set<Quirk> = []
    ) async throws -> Response {
        /// A refusal, `200` under ``Quirk/wrongStatus``.
        func errorResponse(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
            VSSSimulator.errorResponse(quirks.contains(.wrongStatus) ? .ok : status, code: code, message: message)
        }
        /// A found answer, without `socialInsuranceNumber` under ``Quirk/missingFields``.
        func foundResponse(_ answer: VSSUpstream.LookupAnswer) -> Response {
            guard quirks.contains(.missingFields), case .object(var members) = answer.json,
                case .object(var participant)? = members["participant"]
            else { return jsonResponse(.ok, answer.json) }
            participant.removeValue(forKey: "socialInsuranceNumber")
            members["participant"] = .object(participant)
            return jsonResponse(.ok, .object(members))
        }
        guard let contentType = request.headers[.contentType], isJSONMediaType(contentType) else {
            return errorResponse(.unsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type must be application/json")
        }
        guard let requestID = request.headers[requestIDField], !requestID.isEmpty else {
            return errorResponse(.badRequest, code: "MISSING_REQUEST_ID", message: "X-Request-Id header is required")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return errorResponse(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", message: "body is larger than \(maxBodyBytes) bytes")
        }
        let query: VSSUpstream.Query
        do {
            query = try VSSUpstream.Query(parsing: body.readableBytesView)
        } catch {
            return errorResponse(.badRequest, code: "INVALID_REQUEST", message: error.description)
        }
        var answer = register.lookup(query)
        if quirks.contains(.ignoresQuery), let other = register.participants.first(where: { !query.matches($0.upstreamRecord) }) {
            answer = .found(other.upstreamRecord)
        }
        switch fault {
        case .none:
            return foundResponse(answer)
        case .unreadable:
            var buffer = ByteBuffer()
            buffer.writeBytes(JCS.canonicalize(answer.json).dropLast())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
        case .otherPerson:
            // Someone else of the register (the first participant the query does not match).
            guard let other = register.participants.first(where: { !query.matches($0.upstreamRecord) }) else {
                return foundResponse(answer)
            }
            return foundResponse(.found(other.upstreamRecord))
        }
    }

    /// Whether `value` is `application/json`, parameters (such as `charset`) allowed.
    static func isJSONMediaType(_ value: String) -> Bool {
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func errorResponse(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        jsonResponse(status, VSSUpstream.ErrorAnswer(errorCode: code, message: message).json)
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(JCS.canonicalize(value))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
