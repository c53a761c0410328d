import Foundation
import HTTPTypes
public import Hummingbird
import LienthongAudit
import LienthongCore
import NIOCore

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let userID = Self("X-User-Id")!
    static let purpose = Self("X-Purpose")!
    static let requestHash = Self("X-Request-Hash")!
    static let auditSeq = Self("X-Audit-Seq")!
}

/// The partner listener's outermost step: request id, identity (revocation, pin → member),
/// one audit record per request, and the one place where errors become problem+json.
///
/// Every request, allowed or refused, leaves exactly one audit record whose `seq` is returned in
/// `X-Audit-Seq`; if the audit log cannot be written, no data leaves the gateway (`500`).
struct ExchangeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let runtime: GatewayRuntime

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let started = ContinuousClock.now
        var problem: GatewayProblem?
        var response: Response?

        if let given = request.headers[.requestID] {
            if UUID(uuidString: given) != nil {
                context.requestID = given.lowercased()
            } else {
                context.requestID = UUID.systemRandom().uuidString.lowercased()
                problem = GatewayProblem(.badRequest, detail: "X-Request-Id must be a UUID")
            }
        } else {
            context.requestID = UUID.systemRandom().uuidString.lowercased()
        }

        var actor = "unknown"
        if problem == nil {
            do {
                let member = try await runtime.identify(channel: context.channel)
                context.member = member
                actor = member.value
                if let refusal = runtime.rateLimiter.admit(member) { throw refusal }
                response = try await next(request, context)
            } catch let refusal as GatewayRuntime.IdentityRefusal {
                problem = refusal.problem
                // A revoked certificate still names who it was issued to: evidence worth keeping.
                actor = refusal.claimedMember?.value ?? "unknown"
            } catch let p as GatewayProblem {
                problem = p
            } catch let e as HTTPError where e.status == .notFound {
                problem = GatewayProblem(.notFound, detail: "no such resource")
            } catch let e as HTTPError where e.status == .methodNotAllowed {
                problem = GatewayProblem(.notFound, detail: "method not allowed on this resource")
            } catch is NIOTooManyBytesError {
                problem = GatewayProblem(.payloadTooLarge, detail: "request body exceeds the configured limit")
            } catch {
                if let condition = GatewayStorage.temporaryCondition(error) {
                    // Disk full, database locked or gone, I/O error, serialisation failure: rolled back, nothing
                    // stored; the client may retry.
                    runtime.logger.error("storage cannot take writes", metadata: [
                        "requestId": .string(context.requestID), "condition": .string(condition)])
                    problem = .storageUnavailable()
                } else {
                    runtime.logger.error("request failed", metadata: ["requestId": .string(context.requestID), "error": .string(String(describing: type(of: error)))])
                    problem = GatewayProblem(.internal, detail: "internal error")
                }
            }
        }

        let notes = context.notes.current
        let status = problem?.status ?? Int(response?.status.code ?? 500)
        let outcome: AuditOutcome = problem == nil ? .ok : ([400, 401, 403, 404, 409, 413, 415, 429].contains(status) ? .denied : .error)
        let target = notes.target.isEmpty ? request.uri.path : notes.target
        let seq: Int64
        if let recorded = notes.recordedAuditSeq {
            seq = recorded
        } else if let appended = try? await runtime.audit(AuditEvent(
            actor: actor, user: request.headers[.userID] ?? "", action: notes.action, target: target,
            ref: context.requestID, purpose: notes.purpose, outcome: outcome, status: status,
            subjectPersonalID: notes.subjectPersonalID
        )) {
            seq = appended
        } else {
            runtime.logger.critical("audit append failed; refusing to answer", metadata: ["requestId": .string(context.requestID)])
            runtime.metrics.request(service: target, status: 503, duration: ContinuousClock.now - started)
            // Nothing is answered without its audit record (SPEC §5). The storage condition is usually temporary
            // (a full disk, a lock held elsewhere): 503 with Retry-After, the same as a refused write.
            return Self.problemResponse(
                GatewayProblem(.internal, detail: "audit log unavailable; the answer is withheld, retry later",
                               retryAfterSeconds: 5, status: 503),
                requestID: context.requestID)
        }

        let elapsed = ContinuousClock.now - started
        runtime.metrics.request(service: notes.target.isEmpty ? "other" : notes.target, status: status, duration: elapsed)
        // Access log: ids, codes and timings only; never a body, a personal id or a name.
        runtime.logger.info("exchange", metadata: [
            "requestId": .string(context.requestID), "member": .string(context.member?.value ?? "unknown"),
            "target": .string(target), "status": .stringConvertible(status), "auditSeq": .stringConvertible(seq),
            "ms": .stringConvertible((elapsed / .microseconds(1)).rounded() / 1000),
        ])
        var out = problem.map { Self.problemResponse($0, requestID: context.requestID) } ?? response!
        out.headers[.requestID] = context.requestID
        out.headers[.auditSeq] = String(seq)
        if let hash = notes.requestHash { out.headers[.requestHash] = hash }
        return out
    }

    /// The one problem+json renderer of the gateway.
    static func problemResponse(_ problem: GatewayProblem, requestID: String) -> Response {
        let document = ProblemDocument(problem, requestId: requestID)
        let body = (try? JSONEncoder.gateway.encode(document)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        headers[.requestID] = requestID
        if let seconds = problem.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(
            status: HTTPResponse.Status(code: problem.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension JSONEncoder {
    /// The gateway's JSON style: sorted keys, no escaped slashes.
    static var gateway: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
