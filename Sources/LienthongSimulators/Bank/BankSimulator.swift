import Foundation
public import Hummingbird
import HTTPTypes
import HummingbirdCore
import LienthongCore
public import Logging
import NIOCore
public import NIOSSL

/// A simulated bank of the account-opening flow (SPEC §4, §9; contract `Contracts/upstream/bank.openapi.yaml`),
/// identified by its BIN (member `bank.<BIN>`).
///
/// Push mode: ``makeApplication(host:port:tls:bank:faults:logger:maxBodyBytes:onServerRunning:)`` serves
/// `POST /asxh/messages`, the gateway's push over mTLS. Pull mode: ``BankInboxPoller`` leases the gateway's
/// inbox. Both hand requests to one ``BankDesk``, which sends the results back through the gateway.
///
/// Push answers:
/// - `200 {"acknowledgement": {"requestType": "OPEN", "acknowledgedMessageId", "requestRef", "status": "received"},
///   "duplicate": false|true}` once the request is recorded (acmt.010-shaped); a message id (or a request
///   reference of the same sender) seen before gets the same answer with `"duplicate": true`;
/// - `400` problem document for a missing header, an `X-Message-Id` that is not a UUID, an `X-Sender` that is
///   not a member id, an `X-Message-Type` other than `asxh.account-opening-request`, a body that is not JSON,
///   a payload that does not match the acmt.007-shaped contract, or a `bank.bin` other than this bank's;
///   `415` for a `Content-Type` other than `application/json`; `413` for a body over `maxBodyBytes`;
/// - faults of the ``FaultInjector`` (latency, `500` at the error rate, `503` or closed connections while down,
///   a forced status);
/// - deliberate breaches of the contract when ``Quirk``s are given (for the conformance kit).
///
/// Control routes: `GET|POST /_sim/faults`, and `GET /_sim/bank` → `{ "bin", "member", "counts": {…},
/// "requests": [ { "requestRef", "sender", "messageId", "status", "decision", "reasonCode"?, "resultsPending" } ] }`
/// (no names, no personal id numbers).
///
/// ```swift
/// let configuration = try BankSimulator.Configuration(
///     bin: "970436", gatewayURL: "https://127.0.0.1:8443",
///     certificateFile: "certs/bank.970436.pem", keyFile: "certs/bank.970436-key.pem", caFile: "certs/ca.pem")
/// let desk = BankDesk(configuration: configuration, logger: logger)
/// let app = BankSimulator.makeApplication(
///     host: "127.0.0.1", port: 9446, tls: serverTLS, bank: desk, faults: FaultInjector(), logger: logger
/// ) { port in print("bank on \(port)") }
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await desk.run() }
///     group.addTask { try await app.runService() }
/// }
/// ```
public enum BankSimulator {
    /// The path of the push endpoint.
    public static let pushPath = "/asxh/messages"

    /// Deliberately non-conforming behaviours of the push endpoint, for testing the conformance kit
    /// (`lienthong conformance bank`) and clients that must notice a bank breaking the contract.
    public enum Quirk: String, Sendable, Hashable, CaseIterable, Codable {
        /// Every refusal (`400`, `415`) is answered `500` instead, with the same problem document (status `500`):
        /// the gateway would retry a message that can never be delivered.
        case wrongStatus
        /// Acknowledgements omit `acknowledgement.acknowledgedMessageId`.
        case missingFields
        /// A redelivery of a recorded message id is answered `409` (a final refusal) instead of the acknowledgement
        /// with `"duplicate": true`: the gateway would dead-letter a message the bank did receive.
        case refusesRedelivery
        /// Refusals are `text/plain` without a problem document (status codes unchanged).
        case plainTextRefusals
    }
    /// Default largest accepted body.
    public static let defaultMaxBodyBytes = 1 << 20

    /// The settings of one simulated bank.
    public struct Configuration: Sendable, Hashable {
        /// The bank's 6-digit BIN.
        public let bin: String
        /// The gateway's partner API, e.g. `https://127.0.0.1:8443`.
        public var gatewayURL: String
        /// The bank's client certificate (PEM) for the gateway.
        public var certificateFile: String
        /// Its private key (PEM).
        public var keyFile: String
        /// The CA that issued the gateway's server certificate (PEM).
        public var caFile: String
        /// `X-User-Id` sent with the results (the bank officer or system account).
        public var userID: String
        /// Delay between `acknowledged` and `opened`/`rejected`.
        public var decisionDelay: Duration
        /// Whether `card-delivered` follows `opened`.
        public var cardDelivery: Bool
        /// Delay between `opened` and `card-delivered`.
        public var cardDeliveryDelay: Duration
        /// Seed of the `KYCF` share and of the retry jitter.
        public var seed: UInt64
        /// Share of requests rejected with `KYCF`, 0–1.
        public var kycFailureShare: Double
        /// First retry delay when the gateway does not accept a result.
        public var retryBase: Duration
        /// Longest retry delay.
        public var retryCap: Duration
        /// Timeout of one call to the gateway.
        public var sendTimeout: Duration
        /// Pull mode: wait between polls of an empty inbox.
        public var pollInterval: Duration
        /// Pull mode: messages leased per poll (1–100).
        public var pollBatchSize: Int

        /// The member id, `bank.<BIN>`.
        public var memberID: String { "bank.\(bin)" }

        /// Creates settings.
        /// - Throws: ``ConfigurationError`` when `bin` is not 6 ASCII digits.
        public init(
            bin: String, gatewayURL: String, certificateFile: String, keyFile: String, caFile: String,
            userID: String = "bank-sim", decisionDelay: Duration = .milliseconds(200), cardDelivery: Bool = true,
            cardDeliveryDelay: Duration = .milliseconds(200), seed: UInt64 = 0x5EED, kycFailureShare: Double = 0.05,
            retryBase: Duration = .milliseconds(100), retryCap: Duration = .seconds(5), sendTimeout: Duration = .seconds(10),
            pollInterval: Duration = .milliseconds(250), pollBatchSize: Int = 10
        ) throws(ConfigurationError) {
            guard bin.utf8.count == 6, bin.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw ConfigurationError(field: "bin", detail: "must be 6 ASCII digits")
            }
            guard (1...100).contains(pollBatchSize) else {
                throw ConfigurationError(field: "pollBatchSize", detail: "must be between 1 and 100")
            }
            guard !userID.isEmpty else { throw ConfigurationError(field: "userID", detail: "must not be empty") }
            self.bin = bin
            self.gatewayURL = gatewayURL
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.userID = userID
            self.decisionDelay = decisionDelay
            self.cardDelivery = cardDelivery
            self.cardDeliveryDelay = cardDeliveryDelay
            self.seed = seed
            self.kycFailureShare = kycFailureShare.isNaN ? 0 : min(1, max(0, kycFailureShare))
            self.retryBase = max(retryBase, .milliseconds(1))
            self.retryCap = max(retryCap, self.retryBase)
            self.sendTimeout = sendTimeout
            self.pollInterval = pollInterval
            self.pollBatchSize = pollBatchSize
        }

        /// Settings using the example PKI's layout in `certificateDirectory`: `bank.<BIN>.pem`,
        /// `bank.<BIN>-key.pem` and `ca.pem`; other settings at their defaults.
        public static func examplePKI(bin: String, gatewayURL: String, certificateDirectory: String) throws(ConfigurationError) -> Configuration {
            let directory = URL(fileURLWithPath: certificateDirectory)
            return try Configuration(
                bin: bin, gatewayURL: gatewayURL,
                certificateFile: directory.appendingPathComponent("bank.\(bin).pem").path,
                keyFile: directory.appendingPathComponent("bank.\(bin)-key.pem").path,
                caFile: directory.appendingPathComponent("ca.pem").path)
        }
    }

    /// An invalid setting.
    public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The setting.
        public var field: String
        /// What is wrong.
        public var detail: String

        /// `field: detail`.
        public var description: String { "\(field): \(detail)" }
    }

    /// Builds the push application of `bank`. `onServerRunning` receives the bound port (useful with port 0).
    /// `quirks` make the endpoint break the contract on purpose (none by default).
    ///
    /// Run ``BankDesk/run()`` next to it, or the results stay pending.
    public static func makeApplication(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        bank: BankDesk,
        quirks: Set<Quirk> = [],
        faults: FaultInjector,
        logger: Logger,
        maxBodyBytes: Int = BankSimulator.defaultMaxBodyBytes,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: FaultInjectionMiddleware(faults: faults) { status in
            let title = status == .serviceUnavailable ? "bank unavailable (simulated)" : "internal error (simulated)"
            return problem(status: status, code: "simulated-fault", title: title)
        })
        router.add(middleware: ForcedStatusMiddleware(faults: faults))
        faults.addControlRoutes(to: router)
        router.get("/_sim/bank") { _, _ in
            try json(Summary(bank), status: .ok)
        }
        router.post(RouterPath(pushPath)) { request, context in
            try await handlePush(request, context: context, bank: bank, quirks: quirks, maxBodyBytes: maxBodyBytes)
        }
        return SimulatorServer.makeApplication(
            router: router, host: host, port: port, tls: tls, serverName: "lienthong-sim-bank-\(bank.configuration.bin)",
            logger: logger, onServerRunning: onServerRunning)
    }

    /// The acmt.010-shaped answer of a push (`200`).
    public struct PushAnswer: Codable, Sendable, Hashable {
        /// The acknowledgement proper.
        public struct Acknowledgement: Codable, Sendable, Hashable {
            /// Always `OPEN` (acmt.010 `ReqTp`).
            public var requestType: String
            /// The `X-Message-Id` acknowledged (acmt.010 `AckdMsgId`).
            public var acknowledgedMessageId: String
            /// The request's `requestRef`.
            public var requestRef: String
            /// Always `received`.
            public var status: String
        }

        /// The acknowledgement.
        public var acknowledgement: Acknowledgement
        /// Whether the message (or the request reference) had been received before.
        public var duplicate: Bool

        /// The answer for `receipt`.
        public init(_ receipt: BankDesk.Receipt) {
            self.acknowledgement = Acknowledgement(
                requestType: "OPEN", acknowledgedMessageId: receipt.messageID.uuidString.lowercased(),
                requestRef: receipt.requestRef, status: "received")
            self.duplicate = receipt.duplicate
        }
    }

    /// The body of `GET /_sim/bank`.
    public struct Summary: Codable, Sendable, Hashable {
        /// The BIN.
        public var bin: String
        /// `bank.<BIN>`.
        public var member: String
        /// The counters.
        public var counts: BankDesk.Counts
        /// The recorded requests, without personal data.
        public var requests: [BankDesk.RequestSummary]

        /// Summarises `desk`.
        public init(_ desk: BankDesk) {
            self.bin = desk.configuration.bin
            self.member = desk.configuration.memberID
            self.counts = desk.counts
            self.requests = desk.requests
        }
    }

    static func handlePush(
        _ request: Request, context: SimulatorRequestContext, bank: BankDesk, quirks: Set<Quirk> = [], maxBodyBytes: Int
    ) async throws -> Response {
        /// A refusal, bent by the quirks.
        func problem(status: HTTPResponse.Status, code: String, title: String, detail: String? = nil) -> Response {
            if quirks.contains(.plainTextRefusals) {
                return Response(
                    status: quirks.contains(.wrongStatus) ? .internalServerError : status,
                    headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: title)))
            }
            return BankSimulator.problem(status: quirks.contains(.wrongStatus) ? .internalServerError : status, code: code, title: title, detail: detail)
        }
        let headers: RecipientSimulator.DeliveryHeaders
        do {
            headers = try RecipientSimulator.validate(headers: request.headers)
        } catch {
            context.logger.info("push refused", metadata: ["reason": "\(error.code.rawValue)"])
            return problem(
                status: HTTPResponse.Status(code: error.status),
                code: error.code == .unsupportedMediaType ? "unsupported-media-type" : "invalid-headers",
                title: "delivery refused", detail: error.detail)
        }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        guard let payload = try? JSONValue(parsing: body.readableBytesView) else {
            context.logger.info("push refused", metadata: ["reason": "invalid-json", "message_id": "\(headers.messageID.uuidString.lowercased())"])
            return problem(status: .badRequest, code: "invalid-json", title: "delivery refused", detail: "the body is not a JSON document")
        }
        let receipt: BankDesk.Receipt
        do {
            receipt = try bank.receive(BankDesk.Delivery(
                messageID: headers.messageID, type: headers.type, sender: headers.sender, payload: payload))
        } catch {
            context.logger.info(
                "push refused",
                metadata: ["reason": "\(error.code.rawValue)", "message_id": "\(headers.messageID.uuidString.lowercased())"])
            return problem(status: .badRequest, code: error.code.rawValue, title: "request refused", detail: error.detail)
        }
        if receipt.duplicate, quirks.contains(.refusesRedelivery) {
            return problem(status: .conflict, code: "already-received", title: "message already received")
        }
        guard quirks.contains(.missingFields) else { return try json(PushAnswer(receipt), status: .ok) }
        var answer = JSONValue.object([:])
        if case .object(var members)? = try? JSONValue(parsing: Array(JSONEncoder().encode(PushAnswer(receipt)))),
            case .object(var acknowledgement)? = members["acknowledgement"]
        {
            acknowledgement.removeValue(forKey: "acknowledgedMessageId")
            members["acknowledgement"] = .object(acknowledgement)
            answer = .object(members)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JCS.canonicalize(answer))))
    }

    /// The problem document (RFC 9457) of the bank's endpoint.
    public struct Problem: Codable, Sendable, Hashable {
        /// `urn:lienthong:bank:<code>`.
        public var type: String
        /// A fixed title.
        public var title: String
        /// The HTTP status.
        public var status: Int
        /// A fixed explanation naming headers or JSON paths, never values.
        public var detail: String?
    }

    static func problem(status: HTTPResponse.Status, code: String, title: String, detail: String? = nil) -> Response {
        let document = Problem(type: "urn:lienthong:bank:\(code)", title: title, status: status.code, detail: detail)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A struct of strings and an integer always encodes.
        let data = (try? encoder.encode(document)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
