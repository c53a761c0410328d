import Foundation
import LienthongAdapters
import LienthongCore

/// Runs a synchronous service: decodes the gateway's JSON contract, calls the provider, encodes the answer.
///
/// Providers are the adapters (population, social insurance, NAPAS) and the gateway itself (`directory.banks`).
struct ServiceDispatcher: Sendable {
    /// The answer body and the personal id the exchange concerned (for the audit `subject`).
    struct Result: Sendable {
        var body: Data
        var subjectPersonalID: String?
    }

    let population: PopulationAdapter?
    let vss: VSSAdapter?
    let napas: NAPASAdapter?
    let banks: BankCatalog
    let metrics: GatewayMetrics

    func call(service: String, body: Data, purpose: String, requestID: String) async throws(GatewayProblem) -> Result {
        switch service {
        case "population.verify-citizen":
            let request: VerifyCitizenRequest = try decode(body)
            let answer = try await timed(service) { () async throws(GatewayProblem) in
                try await populationAdapter().verifyCitizen(request, requestID: requestID)
            }
            return Result(body: try encode(answer), subjectPersonalID: request.personalId)
        case "population.lookup-citizen":
            let request: LookupCitizenRequest = try decode(body)
            let answer = try await timed(service) { () async throws(GatewayProblem) in
                try await populationAdapter().lookupCitizen(request, purpose: purpose, requestID: requestID)
            }
            return Result(body: try encode(answer), subjectPersonalID: request.personalId)
        case "population.request-personal-id":
            let request: RequestPersonalIDRequest = try decode(body)
            let answer = try await timed(service) { () async throws(GatewayProblem) in
                try await populationAdapter().requestPersonalID(request, requestID: requestID)
            }
            return Result(body: try encode(answer), subjectPersonalID: answer.personalId)
        case "vss.lookup-participant":
            let request: LookupParticipantRequest = try decode(body)
            let answer = try await timed(service) { () async throws(GatewayProblem) in
                try await adapter(vss, "social insurance").lookupParticipant(request, requestID: requestID)
            }
            return Result(body: try encode(answer), subjectPersonalID: request.personalId ?? answer.participant?.personalId)
        case "napas.verify-account":
            let request: VerifyAccountRequest = try decode(body)
            try request.validate()
            guard banks.bank(bin: request.bin) != nil else {
                throw GatewayProblem(.badRequest, detail: "bin: is not in the bank directory")
            }
            let answer = try await timed(service) { () async throws(GatewayProblem) in
                try await adapter(napas, "NAPAS").verifyAccount(request, requestID: requestID)
            }
            return Result(body: try encode(answer), subjectPersonalID: request.personalId)
        case "directory.banks":
            return Result(body: try encode(BankDirectoryAnswer(banks: banks.banks)), subjectPersonalID: nil)
        default:
            throw GatewayProblem(.notFound, detail: "no such service")
        }
    }

    private func populationAdapter() throws(GatewayProblem) -> PopulationAdapter {
        try adapter(population, "population")
    }

    private func adapter<A>(_ adapter: A?, _ name: String) throws(GatewayProblem) -> A {
        guard let adapter else { throw GatewayProblem(.upstreamUnavailable, detail: "no \(name) upstream is configured") }
        return adapter
    }

    private func timed<T>(_ service: String, _ body: () async throws(GatewayProblem) -> T) async throws(GatewayProblem) -> T {
        let start = ContinuousClock.now
        defer { metrics.upstream(service: service, duration: ContinuousClock.now - start) }
        return try await body()
    }

    private func decode<T: Decodable>(_ body: Data) throws(GatewayProblem) -> T {
        try ContractValidation.decode(T.self, from: body)
    }

    private func encode<T: Encodable>(_ value: T) throws(GatewayProblem) -> Data {
        do { return try JSONEncoder.gateway.encode(value) } catch {
            throw GatewayProblem(.internal, detail: "answer could not be encoded")
        }
    }
}

/// `directory.banks` answer.
struct BankDirectoryAnswer: Encodable {
    var banks: [Bank]
}
