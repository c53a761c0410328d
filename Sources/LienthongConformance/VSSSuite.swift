import Foundation
import LienthongAdapters
import LienthongCore

extension ConformanceSuite {
    /// The checks of a social-insurance (BHXH / VSS) participant lookup (`Contracts/upstream/vss.openapi.yaml`,
    /// `Contracts/services/vss.md`), with the adapter's strict parsers (``VSSUpstream/LookupAnswer``) as the contract.
    ///
    /// The target URL is the operation itself (e.g. `https://vss.example:9444/vss/v1/participants/lookup`).
    ///
    /// | id | requirement |
    /// |---|---|
    /// | `answers-lookup-by-personal-id` | a lookup by personal id is answered `200 {found, participant?}`, the participant being the one asked for |
    /// | `answers-lookup-by-social-insurance-number` | the same by social-insurance number |
    /// | `finds-sample` | (only with `samplePersonalID`) the sample is `found` with both numbers, its personal id the one asked for |
    /// | `refuses-both-numbers` | a lookup with both numbers is answered `400 {errorCode, message}` |
    /// | `refuses-malformed-number` | a lookup with a malformed personal id is answered `400 {errorCode, message}` |
    /// | `refuses-non-json` | a body that is not JSON (`text/plain`) is answered `400` or `415 {errorCode, message}` |
    /// | `refuses-missing-request-id` | a lookup without `X-Request-Id` is answered `400 {errorCode, message}` |
    /// | `echoes-request-id` | the answer to a lookup carries the request's `X-Request-Id` |
    ///
    /// Without a sample the lookups use random, well-formed numbers: the checks judge the answer's shape and that
    /// a participant answered is the one asked for, not whether anyone is found.
    ///
    /// - Parameter samplePersonalID: a personal id number the service holds (test data), for `finds-sample`.
    ///   Never printed.
    public static func vss(samplePersonalID: String? = nil) -> ConformanceSuite {
        var checks = [
            ConformanceCheck(
                id: "answers-lookup-by-personal-id",
                requirement: "a lookup by personalId is answered 200 {found, participant?}, a participant being the one asked for"
            ) { target in
                let query = VSSUpstream.Query.personalID(ConformanceData.personalID())
                let answer = try await VSSProbe.send(query.json, to: target)
                _ = try VSSProbe.lookupAnswer(answer, query: query, "a lookup by personalId")
            },
            ConformanceCheck(
                id: "answers-lookup-by-social-insurance-number",
                requirement: "a lookup by socialInsuranceNumber is answered 200 {found, participant?}, a participant being the one asked for"
            ) { target in
                let query = VSSUpstream.Query.socialInsuranceNumber(ConformanceData.socialInsuranceNumber())
                let answer = try await VSSProbe.send(query.json, to: target)
                _ = try VSSProbe.lookupAnswer(answer, query: query, "a lookup by socialInsuranceNumber")
            },
        ]
        if let samplePersonalID {
            checks.append(ConformanceCheck(
                id: "finds-sample",
                requirement: "the sample person is found, with a well-formed socialInsuranceNumber and the personalId asked for"
            ) { target in
                let query = VSSUpstream.Query.personalID(samplePersonalID)
                let answer = try await VSSProbe.send(query.json, to: target)
                guard case .found = try VSSProbe.lookupAnswer(answer, query: query, "a lookup of the sample") else {
                    throw ConformanceFailure("a lookup of the sample: expected found: true, got found: false")
                }
            })
        }
        checks += [
            ConformanceCheck(
                id: "refuses-both-numbers",
                requirement: "a lookup with both personalId and socialInsuranceNumber is answered 400 {errorCode, message}"
            ) { target in
                let body = JSONValue.object([
                    "personalId": .string(ConformanceData.personalID()),
                    "socialInsuranceNumber": .string(ConformanceData.socialInsuranceNumber()),
                ])
                let answer = try await VSSProbe.send(body, to: target)
                try answer.expect(status: 400, "a lookup with both numbers")
                try VSSProbe.checkError(answer, "the refusal of a lookup with both numbers")
            },
            ConformanceCheck(
                id: "refuses-malformed-number",
                requirement: "a lookup with a personalId that is not 12 digits is answered 400 {errorCode, message}"
            ) { target in
                let answer = try await VSSProbe.send(.object(["personalId": .string("12345")]), to: target)
                try answer.expect(status: 400, "a lookup with a 5-digit personalId")
                try VSSProbe.checkError(answer, "the refusal of a malformed personalId")
            },
            ConformanceCheck(
                id: "refuses-non-json",
                requirement: "a text/plain body that is not JSON is answered 400 or 415 {errorCode, message}"
            ) { target in
                let answer = try await target.send(
                    method: .POST,
                    headers: [("Content-Type", "text/plain"), ("X-Request-Id", UUID().uuidString.lowercased())],
                    body: Array("personalId=".utf8) + Array(ConformanceData.personalID().utf8))
                guard answer.status == 400 || answer.status == 415 else {
                    throw ConformanceFailure("a text/plain body: expected HTTP 400 or 415, got \(answer.status)")
                }
                try VSSProbe.checkError(answer, "the refusal of a text/plain body")
            },
            ConformanceCheck(
                id: "refuses-missing-request-id",
                requirement: "a lookup without X-Request-Id is answered 400 {errorCode, message}"
            ) { target in
                let query = VSSUpstream.Query.personalID(ConformanceData.personalID())
                let answer = try await VSSProbe.send(query.json, requestID: nil, to: target)
                try answer.expect(status: 400, "a lookup without X-Request-Id")
                try VSSProbe.checkError(answer, "the refusal of a lookup without X-Request-Id")
            },
            ConformanceCheck(
                id: "echoes-request-id",
                requirement: "the answer to a lookup carries the request's X-Request-Id"
            ) { target in
                let requestID = "conformance-" + ConformanceData.hex(bytes: 8)
                let query = VSSUpstream.Query.personalID(ConformanceData.personalID())
                let answer = try await VSSProbe.send(query.json, requestID: requestID, to: target)
                let echoed = answer.headers["X-Request-Id"]
                guard echoed == [requestID] else {
                    throw ConformanceFailure(
                        echoed.isEmpty
                            ? "the answer: expected X-Request-Id echoed, got no X-Request-Id (HTTP \(answer.status))"
                            : "the answer: expected X-Request-Id echoed once, got \(echoed.count == 1 ? "another value" : "\(echoed.count) values")")
                }
            },
        ]
        return ConformanceSuite(name: "vss", checks: checks)
    }
}

/// Sends the VSS checks' requests and reads the answers.
enum VSSProbe {
    static func send(_ body: JSONValue, requestID: String? = UUID().uuidString.lowercased(), to target: ConformanceTarget) async throws
        -> ConformanceTarget.Answer
    {
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let requestID { headers.append(("X-Request-Id", requestID)) }
        return try await target.send(method: .POST, headers: headers, body: JCS.canonicalize(body))
    }

    /// The strictly parsed `200` answer to `query`; fails when it is not one, or is about someone else.
    static func lookupAnswer(_ answer: ConformanceTarget.Answer, query: VSSUpstream.Query, _ what: String) throws -> VSSUpstream.LookupAnswer {
        try answer.expect(status: 200, what)
        guard answer.mediaType == "application/json" else {
            throw ConformanceFailure("\(what): expected Content-Type application/json, got \(ConformanceData.describe(mediaType: answer.mediaType))")
        }
        let parsed: VSSUpstream.LookupAnswer
        do throws(VSSUpstream.ContractError) {
            parsed = try VSSUpstream.LookupAnswer(parsing: answer.body)
        } catch {
            // The contract error names the member and a fixed reason, never a value.
            throw ConformanceFailure("\(what): expected an answer following the contract, got one where \(error.field) \(error.reason)")
        }
        if case .found(let participant) = parsed, !query.matches(participant) {
            switch query {
            case .personalID:
                throw ConformanceFailure("\(what): expected participant.personalId = the personalId asked for, got another person")
            case .socialInsuranceNumber:
                throw ConformanceFailure(
                    "\(what): expected participant.socialInsuranceNumber = the number asked for, got another person")
            }
        }
        return parsed
    }

    /// Fails unless the body is a strict-JSON `{errorCode, message}` document.
    static func checkError(_ answer: ConformanceTarget.Answer, _ what: String) throws {
        let object = try answer.object(what)
        guard case .string(let code)? = object["errorCode"], !code.isEmpty else {
            throw ConformanceFailure("\(what): expected a string member errorCode, got \(ConformanceData.kind(object["errorCode"]))")
        }
        guard case .string? = object["message"] else {
            throw ConformanceFailure("\(what): expected a string member message, got \(ConformanceData.kind(object["message"]))")
        }
        guard (try? JSONDecoder().decode(VSSUpstream.ErrorAnswer.self, from: Data(answer.body))) != nil else {
            throw ConformanceFailure("\(what): expected an {errorCode, message} document, got one the contract's decoder refuses")
        }
    }
}
