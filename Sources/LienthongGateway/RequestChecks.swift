import Foundation
import HTTPTypes
import Hummingbird
import LienthongCore

/// The header checks every partner route that takes a body shares (one place, one wording).
enum RequestChecks {
    /// `X-User-Id`: the natural person acting, required, at most 128 characters.
    static func user(_ request: Request) throws(GatewayProblem) -> String {
        guard let user = request.headers[.userID], !user.isEmpty, user.count <= 128 else {
            throw GatewayProblem(.badRequest, detail: "X-User-Id header is required (the officer acting)")
        }
        return user
    }

    /// The body must be JSON.
    static func json(_ request: Request) throws(GatewayProblem) {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("application/json") else {
            throw GatewayProblem(.unsupportedMediaType, detail: "body must be application/json")
        }
    }

    /// A path parameter, percent-decoded (Hummingbird hands it over as it appears in the path), 1 to `maxLength`
    /// characters; `what` names it in the problem.
    static func pathParameter(
        _ context: GatewayRequestContext, _ name: String, what: String, maxLength: Int = 64
    ) throws(GatewayProblem) -> String {
        guard let raw = context.parameters.get(name), let value = raw.removingPercentEncoding,
              !value.isEmpty, value.count <= maxLength else {
            throw GatewayProblem(.badRequest, detail: "\(what) must be 1 to \(maxLength) characters (percent-encoded UTF-8)")
        }
        return value
    }
}
