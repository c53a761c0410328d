import Foundation
public import LienthongCore

extension ContractValidation {
    /// Decodes a contract type from a JSON body, turning decoding failures into `bad-request` problems that
    /// name the field (a key of the contract, never a value from the input).
    ///
    /// ```swift
    /// let request = try ContractValidation.decode(VerifyCitizenRequest.self, from: body)
    /// try request.validate()
    /// ```
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(GatewayProblem) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, let context):
                throw GatewayProblem(.badRequest, detail: "\(path(context.codingPath + [key])) is required")
            case .valueNotFound(_, let context):
                throw GatewayProblem(.badRequest, detail: "\(path(context.codingPath)) is required")
            case .typeMismatch(_, let context):
                throw GatewayProblem(.badRequest, detail: "\(path(context.codingPath)) has the wrong type")
            case .dataCorrupted(let context):
                if context.codingPath.isEmpty {
                    throw GatewayProblem(.badRequest, detail: "body is not valid JSON")
                }
                throw GatewayProblem(.badRequest, detail: "\(path(context.codingPath)) has an invalid value")
            @unknown default:
                throw GatewayProblem(.badRequest, detail: "body does not match the contract")
            }
        } catch {
            throw GatewayProblem(.badRequest, detail: "body is not valid JSON")
        }
    }

    /// A dotted path of contract keys; array indices as numbers.
    private static func path(_ keys: [any CodingKey]) -> String {
        let parts = keys.map { key in key.intValue.map(String.init) ?? key.stringValue }
        return parts.isEmpty ? "body" : parts.joined(separator: ".")
    }
}
