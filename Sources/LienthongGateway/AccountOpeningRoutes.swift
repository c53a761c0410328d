import Foundation
import Hummingbird
import LienthongCore
import LienthongQueue
import NIOCore

/// Account openings as the gateway correlated them (SPEC §6: `requested → acknowledged → opened | rejected →
/// card delivered`), for the member that sent the requests and, for one request, the bank it went to.
///
/// - `GET /v1/account-openings/{requestRef}`: one opening of the calling requester, or the opening a bank
///   received under that reference when the caller is the bank (`?requester=<member>` then names the requester).
/// - `POST /v1/account-openings/query` `{ "personalId" }`: every opening the caller requested for that person.
///   The number travels in the body, never in a URL (URLs end up in logs).
struct AccountOpeningRoutes {
    let ledger: any AccountOpeningBook

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/v1/account-openings/:requestRef") { request, context in try await one(request: request, context: context) }
        router.post("/v1/account-openings/query") { request, context in try await query(request: request, context: context) }
    }

    func one(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "account-opening.read"; $0.target = "account-openings" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        let requestRef = try RequestChecks.pathParameter(context, "requestRef", what: "requestRef")
        var requester = member
        if let named = request.uri.queryParameters.get("requester") {
            guard let id = try? MemberID(String(named)) else { throw GatewayProblem(.badRequest, detail: "requester must be a member id") }
            requester = id
        }
        // Only the requester, or the bank the request went to, learn that it exists.
        guard let opening = try await ledger.opening(requester: requester, requestRef: requestRef),
              opening.requester == member.value || opening.bank == member.value else {
            throw GatewayProblem(.notFound, detail: "no such account opening for this member")
        }
        return try MessageRoutes.json(opening, status: .ok)
    }

    func query(request: Request, context: GatewayRequestContext) async throws -> Response {
        context.notes.update { $0.action = "account-opening.query"; $0.target = "account-openings" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        try RequestChecks.json(request)
        var request = request
        let body = try await request.collectBody(upTo: 4096)
        guard let value = try? JSONValue(parsing: Array(body.readableBytesView)), case .object(let object) = value,
              case .string(let text)? = object["personalId"], object.count == 1 else {
            throw GatewayProblem(.badRequest, detail: "body must be { \"personalId\": \"<12 digits>\" }")
        }
        guard let personalID = try? PersonalID(text) else { throw GatewayProblem(.badRequest, detail: "personalId: must be a 12-digit personal id number") }
        context.notes.update { $0.subjectPersonalID = personalID.digits }
        let openings = try await ledger.openings(requester: member, personalID: personalID.digits)
        return try MessageRoutes.json(["accountOpenings": openings], status: .ok)
    }
}
