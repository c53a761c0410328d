public import Hummingbird
import Foundation
import HTTPTypes
import HummingbirdCore
public import LienthongAdapters
import LienthongCore
public import Logging
import NIOCore
public import NIOSSL

/// The NAPAS-style switch simulator: account verification (ISO 20022 acmt.023 → acmt.024 shaped JSON) with
/// detached ES256 JWS on every request and answer, over mTLS (SPEC §9, `Contracts/upstream/napas.openapi.yaml`).
///
/// ```swift
/// let app = NAPASSimulator.makeApplication(
///     host: "127.0.0.1", port: 0, tls: tls, register: AccountRegister(citizens: citizens, seed: 42),
///     signer: JWSSigner(key: napasKey, keyID: napasPin), requestVerifier: JWSVerifier(keys: [gatewayPin: gatewayKey]),
///     faults: FaultInjector(), logger: logger
/// ) { port in print("listening on \(port)") }
/// try await app.runService()
/// ```
///
/// `POST /napas/v1/identification-verification`: an unsigned or badly signed request is answered `401`, a body or
/// `Request-ID` that breaks the contract `400`, otherwise `200` with the report of ``AccountRegister/report(providerCode:verification:)``.
/// Every answer, errors and fault answers included, carries `X-JWS-Signature` (unless a ``Quirk`` says otherwise)
/// and echoes `Request-ID`. Logs carry status and outcome codes only, never names, numbers or accounts.
public enum NAPASSimulator {
    /// Deliberately non-conforming behaviours, for testing that a client refuses them.
    public enum Quirk: String, Sendable, Hashable, CaseIterable, Codable {
        /// Answers carry no `X-JWS-Signature`.
        case unsignedAnswers
        /// Answers carry a signature over other bytes than the body.
        case badSignature
        /// Unsigned, badly signed and invalid requests are answered `200` (with the error body).
        case wrongStatus
        /// Reports omit `report.originalId`.
        case missingFields
    }

    /// Largest accepted request body, in bytes.
    public static let maxRequestBytes = 64 * 1024

    /// Builds the application. `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        register: AccountRegister,
        signer: JWSSigner,
        requestVerifier: JWSVerifier,
        quirks: Set<Quirk> = [],
        faults: FaultInjector,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let responder = Responder(register: register, signer: signer, verifier: requestVerifier, quirks: quirks)
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: FaultInjectionMiddleware(faults: faults) { status in
            let answer: NAPASMessages.ErrorAnswer =
                status == .serviceUnavailable
                ? .init(errorCode: NAPASMessages.ErrorCode.serviceUnavailable, message: "NAPAS unavailable (simulated)")
                : .init(errorCode: NAPASMessages.ErrorCode.internalError, message: "internal error (simulated)")
            return responder.response(Answer(status: status.code, body: Responder.encode(answer)), requestID: nil)
        })
        faults.addControlRoutes(to: router)
        router.post(RouterPath(NAPASMessages.path)) { request, context in
            let requestID = request.headers[values: Header.requestID].first
            if let forced = faults.forcedStatus() {
                let body = Responder.encode(NAPASMessages.ErrorAnswer(
                    errorCode: forced.status == 503 ? NAPASMessages.ErrorCode.serviceUnavailable : NAPASMessages.ErrorCode.internalError,
                    message: "forced status (simulated)"))
                var response = responder.response(Answer(status: forced.status, body: body), requestID: requestID)
                if let seconds = forced.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
                context.logger.info("napas verification", metadata: ["status": "\(forced.status)", "outcome": "forced"])
                return response
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxRequestBytes)
            } catch {
                let answer = responder.refusal(status: 413, code: NAPASMessages.ErrorCode.formatError, message: "body is too large")
                context.logger.info("napas verification", metadata: ["status": "\(answer.status)", "outcome": "too-large"])
                return responder.response(answer, requestID: requestID)
            }
            let (answer, outcome) = responder.answer(
                body: Array(body.readableBytesView), signatures: request.headers[values: Header.signature], requestID: requestID)
            context.logger.info("napas verification", metadata: ["status": "\(answer.status)", "outcome": "\(outcome)"])
            return responder.response(answer, requestID: requestID)
        }
        return SimulatorServer.makeApplication(
            router: router, host: host, port: port, tls: tls, serverName: "lienthong-sim-napas",
            logger: logger, onServerRunning: onServerRunning)
    }

    /// An answer before signing: status and body.
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// Header names.
    enum Header {
        static let signature = name(DetachedJWS.headerName)
        static let requestID = name(NAPASMessages.requestIDHeader)

        private static func name(_ text: String) -> HTTPField.Name {
            guard let name = HTTPField.Name(text) else { preconditionFailure("valid header name") }
            return name
        }
    }

    /// The simulator's logic, independent of HTTP.
    struct Responder: Sendable {
        let register: AccountRegister
        let signer: JWSSigner
        let verifier: JWSVerifier
        let quirks: Set<Quirk>

        /// The answer to a request and a short outcome code for the log (`verified`, `AC01`, `signature-missing`…).
        func answer(body: [UInt8], signatures: [String], requestID: String?) -> (Answer, String) {
            do throws(JWSError) {
                guard signatures.count <= 1 else { throw JWSError(.malformed) }
                try verifier.verify(signatures.first, body: body)
            } catch {
                return (refusal(status: 401, code: NAPASMessages.ErrorCode.signatureInvalid, message: "request signature is \(error.code.rawValue)"),
                        "signature-\(error.code.rawValue)")
            }
            guard let requestID, UUID(uuidString: requestID) != nil else {
                return (refusal(status: 400, code: NAPASMessages.ErrorCode.formatError, message: "Request-ID must be a UUID"), "bad-request")
            }
            let request: NAPASMessages.VerificationRequest
            do throws(GatewayProblem) {
                request = try ContractValidation.decode(NAPASMessages.VerificationRequest.self, from: body)
            } catch {
                return (refusal(status: 400, code: NAPASMessages.ErrorCode.formatError, message: error.detail), "bad-request")
            }
            if let field = request.invalidField() {
                return (refusal(status: 400, code: NAPASMessages.ErrorCode.formatError, message: "\(field) is invalid"), "bad-request")
            }
            let report = register.report(providerCode: request.assignment.assignee.providerCode, verification: request.verification)
            let answer = NAPASMessages.VerificationReport(
                assignment: .init(msgId: NAPASMessages.newIdentifier(), creDtTm: NAPASMessages.timestamp()), report: report)
            var bytes = Self.encode(answer)
            if quirks.contains(.missingFields) { bytes = Self.removingOriginalID(bytes) }
            return (Answer(status: 200, body: bytes), report.verification ? "verified" : report.reason?.rawValue ?? "refused")
        }

        /// An error answer; `200` instead of `status` under ``Quirk/wrongStatus``.
        func refusal(status: Int, code: String, message: String) -> Answer {
            Answer(status: quirks.contains(.wrongStatus) ? 200 : status,
                   body: Self.encode(NAPASMessages.ErrorAnswer(errorCode: code, message: message)))
        }

        /// The HTTP response: JSON body, signature (per quirks), `Request-ID` echoed when it is a UUID.
        func response(_ answer: Answer, requestID: String?) -> Response {
            var headers: HTTPFields = [.contentType: "application/json"]
            if !quirks.contains(.unsignedAnswers) {
                var signed = answer.body
                if quirks.contains(.badSignature) { signed.append(contentsOf: Array(" ".utf8)) }
                headers[Header.signature] = signer.sign(signed)
            }
            if let requestID, UUID(uuidString: requestID) != nil { headers[Header.requestID] = requestID }
            var buffer = ByteBuffer()
            buffer.writeBytes(answer.body)
            return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: .init(byteBuffer: buffer))
        }

        static func encode(_ value: some Encodable) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // The message types hold only strings, booleans and nested structs: encoding cannot fail.
            return (try? Array(encoder.encode(value))) ?? Array(#"{"errorCode":"INTERNAL_ERROR","message":"encoding failed"}"#.utf8)
        }

        /// The report without `report.originalId` (``Quirk/missingFields``).
        static func removingOriginalID(_ bytes: [UInt8]) -> [UInt8] {
            guard var object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
                var report = object["report"] as? [String: Any]
            else { return bytes }
            report.removeValue(forKey: "originalId")
            object["report"] = report
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                return bytes
            }
            return Array(data)
        }
    }
}
