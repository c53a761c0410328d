import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LienthongConfig
import LienthongCore
import NIOCore

/// `POST /v1/services/{serviceCode}` (SPEC §3).
///
/// Order of checks: grant and purpose (ACL), `X-User-Id`, media type, body size; then the
/// service runs. The handler records the facts for the audit record in the context's notes.
struct ServiceRoutes {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/services/:serviceCode") { request, context in
            try await self.call(request: request, context: context)
        }
    }

    func call(request: Request, context: GatewayRequestContext) async throws -> Response {
        let service = context.parameters.get("serviceCode") ?? ""
        let purpose = request.headers[.purpose]
        context.notes.update {
            $0.action = "service.call"
            $0.target = ServiceCatalog.isKnown(service) ? service : "unknown-service"
            $0.purpose = purpose ?? ""
        }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        if case .deny(let problem) = runtime.policy.authorize(member: member, service: service, purpose: purpose) {
            throw problem
        }
        _ = try RequestChecks.user(request)
        try RequestChecks.json(request)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > runtime.configuration.partner.maxBodyBytes {
            throw GatewayProblem(.payloadTooLarge, detail: "request body exceeds the configured limit")
        }
        var request = request
        let body = try await request.collectBody(upTo: runtime.configuration.partner.maxBodyBytes)
        let bytes = Data(body.readableBytesView)
        context.notes.update { $0.requestHash = Data(SHA256.hash(data: bytes)).base64EncodedString() }

        let result = try await runtime.services.call(
            service: service, body: bytes, purpose: purpose ?? "", requestID: context.requestID
        )
        context.notes.update { $0.subjectPersonalID = result.subjectPersonalID }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: result.body))
        )
    }
}
