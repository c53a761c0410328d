import Foundation
public import LienthongAdapters
import LienthongCore

extension ConformanceSuite {
    /// An account the switch is known to hold, open, for `verifies-known-account`.
    public struct NAPASAccount: Sendable, Hashable {
        /// The account number (1–34 letters or digits).
        public var number: String
        /// The account type (`CACC`, `WALT`, `MOMO`).
        public var type: NAPASMessages.AccountType

        /// Creates an account reference.
        public init(number: String, type: NAPASMessages.AccountType = .bankAccount) {
            self.number = number
            self.type = type
        }
    }

    /// The checks of a NAPAS-style account verification endpoint (`Contracts/upstream/napas.openapi.yaml`,
    /// `Contracts/services/napas.md`): signed acmt.023 requests in, signed acmt.024 reports and signed errors out.
    ///
    /// The target URL is the operation itself (e.g. `https://napas.example:9445/napas/v1/identification-verification`).
    ///
    /// | id | requirement |
    /// |---|---|
    /// | `signs-answers` | the answer to a valid signed request carries one `X-JWS-Signature` verifying with NAPAS's key |
    /// | `reports-original-id` | a valid request is answered `200` with `report.originalId` = the request's `verification.id` |
    /// | `report-is-well-formed` | the report has `verification` (bool), a reason AC01/AC04/BE01 when false, an account name when true |
    /// | `verifies-known-account` | (only with `knownAccount`) the known open account is reported `verification: true` with its name |
    /// | `refuses-unsigned-request` | a request without `X-JWS-Signature` is answered `401 {errorCode, message}` |
    /// | `refuses-bad-signature` | a request whose signature does not verify is answered `401 {errorCode, message}` |
    /// | `refuses-malformed-request` | a signed request without `verification` is answered `400 {errorCode, message}` |
    /// | `signs-error-answers` | an error answer (to an unsigned request) carries a signature verifying with NAPAS's key |
    ///
    /// Without `knownAccount` the checks ask about random, well-formed account numbers and check the report's
    /// shape, not its outcome.
    ///
    /// - Parameters:
    ///   - signer: the kit's request signer (the gateway's key; `kid` = the pin of its certificate, which NAPAS knows).
    ///   - partnerKeys: NAPAS's answer-signing key(s) by `kid` (the pin of NAPAS's signing certificate).
    ///   - providerCode: the 6-digit provider code (BIN) asked about (`assignment.assignee.providerCode`).
    ///   - knownAccount: an open account NAPAS holds at `providerCode`, to expect `verification: true`.
    ///   - assigner: `assignment.assigner.memberId` of the requests.
    public static func napas(
        signer: JWSSigner, partnerKeys: JWSVerifier, providerCode: String, knownAccount: NAPASAccount? = nil,
        assigner: String = "gov.labour.dongnai"
    ) -> ConformanceSuite {
        let probe = NAPASProbe(signer: signer, partnerKeys: partnerKeys, providerCode: providerCode, assigner: assigner)
        var checks = [
            ConformanceCheck(
                id: "signs-answers",
                requirement: "the answer to a valid signed request carries one X-JWS-Signature verifying with NAPAS's key"
            ) { target in
                let (_, body) = probe.request()
                let answer = try await probe.send(body, signature: probe.signer.sign(body), to: target)
                try probe.checkSignature(answer, "the answer to a valid request")
            },
            ConformanceCheck(
                id: "reports-original-id",
                requirement: "a valid request is answered 200 with report.originalId equal to the request's verification.id"
            ) { target in
                let (request, body) = probe.request()
                let answer = try await probe.send(body, signature: probe.signer.sign(body), to: target)
                try answer.expect(status: 200, "a valid request")
                let report = try probe.report(answer)
                guard case .string(let originalID)? = report["originalId"] else {
                    throw ConformanceFailure("the report: expected report.originalId = verification.id, got \(ConformanceData.kind(report["originalId"]))")
                }
                guard originalID == request.verification.id else {
                    throw ConformanceFailure("the report: expected report.originalId = verification.id, got another id")
                }
            },
            ConformanceCheck(
                id: "report-is-well-formed",
                requirement: "the report has a boolean verification, reason AC01/AC04/BE01 when false, an upper-case account name when true"
            ) { target in
                let (_, body) = probe.request()
                let answer = try await probe.send(body, signature: probe.signer.sign(body), to: target)
                try answer.expect(status: 200, "a valid request")
                _ = try probe.checkReportShape(try probe.report(answer))
            },
        ]
        if let knownAccount {
            checks.append(ConformanceCheck(
                id: "verifies-known-account",
                requirement: "the known open account is reported verification: true with its registered account name"
            ) { target in
                let (_, body) = probe.request(account: knownAccount)
                let answer = try await probe.send(body, signature: probe.signer.sign(body), to: target)
                try answer.expect(status: 200, "a request about the known account")
                guard try probe.checkReportShape(try probe.report(answer)) else {
                    throw ConformanceFailure("the report about the known account: expected verification: true, got false")
                }
            })
        }
        checks += [
            ConformanceCheck(
                id: "refuses-unsigned-request",
                requirement: "a request without X-JWS-Signature is answered 401 with {errorCode, message}"
            ) { target in
                let (_, body) = probe.request()
                let answer = try await probe.send(body, signature: nil, to: target)
                try answer.expect(status: 401, "an unsigned request")
                try probe.checkError(answer, "the refusal of an unsigned request")
            },
            ConformanceCheck(
                id: "refuses-bad-signature",
                requirement: "a request whose X-JWS-Signature does not verify over the body is answered 401 with {errorCode, message}"
            ) { target in
                let (_, body) = probe.request()
                let answer = try await probe.send(body, signature: probe.signer.sign(body + Array(" ".utf8)), to: target)
                try answer.expect(status: 401, "a request signed over other bytes")
                try probe.checkError(answer, "the refusal of a badly signed request")
            },
            ConformanceCheck(
                id: "refuses-malformed-request",
                requirement: "a signed request without verification is answered 400 with {errorCode, message}"
            ) { target in
                let (request, _) = probe.request()
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let assignment = try encoder.encode(request.assignment)
                let body = Array(#"{"assignment":"#.utf8) + Array(assignment) + Array("}".utf8)
                let answer = try await probe.send(body, signature: probe.signer.sign(body), to: target)
                try answer.expect(status: 400, "a signed request without verification")
                try probe.checkError(answer, "the refusal of a malformed request")
            },
            ConformanceCheck(
                id: "signs-error-answers",
                requirement: "an error answer (to an unsigned request) carries one X-JWS-Signature verifying with NAPAS's key"
            ) { target in
                let (_, body) = probe.request()
                let answer = try await probe.send(body, signature: nil, to: target)
                try probe.checkSignature(answer, "the answer to an unsigned request")
            },
        ]
        return ConformanceSuite(name: "napas", checks: checks)
    }
}

/// Builds, signs and sends the NAPAS checks' requests and reads the answers.
struct NAPASProbe: Sendable {
    let signer: JWSSigner
    let partnerKeys: JWSVerifier
    let providerCode: String
    let assigner: String

    /// A fresh acmt.023 request about `account`, or about a random 13-digit bank account, and its bytes.
    func request(account: ConformanceSuite.NAPASAccount? = nil) -> (NAPASMessages.VerificationRequest, [UInt8]) {
        let request = NAPASMessages.VerificationRequest(
            assignment: .init(
                msgId: NAPASMessages.newIdentifier(), creDtTm: NAPASMessages.timestamp(),
                assigner: .init(memberId: assigner), assignee: .init(providerCode: providerCode)),
            verification: .init(
                id: NAPASMessages.newIdentifier(), party: .init(name: "KIEM THU PHU HOP"),
                account: .init(id: account?.number ?? ConformanceData.digits(13), type: account?.type ?? .bankAccount)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The message holds only strings and nested structs: encoding cannot fail.
        let body = (try? encoder.encode(request)).map { Array($0) } ?? []
        return (request, body)
    }

    func send(_ body: [UInt8], signature: String?, to target: ConformanceTarget) async throws -> ConformanceTarget.Answer {
        var headers = [
            ("Content-Type", "application/json"), ("Accept", "application/json"),
            (NAPASMessages.requestIDHeader, UUID().uuidString.lowercased()),
        ]
        if let signature { headers.append((DetachedJWS.headerName, signature)) }
        return try await target.send(method: .POST, headers: headers, body: body)
    }

    /// Fails unless the answer carries exactly one signature verifying with NAPAS's key over its body.
    func checkSignature(_ answer: ConformanceTarget.Answer, _ what: String) throws {
        let signatures = answer.headers[DetachedJWS.headerName]
        guard signatures.count == 1 else {
            throw ConformanceFailure("\(what): expected one X-JWS-Signature header, got \(signatures.count) (HTTP \(answer.status))")
        }
        do throws(JWSError) {
            try partnerKeys.verify(signatures[0], body: answer.body)
        } catch {
            throw ConformanceFailure("\(what): expected a signature verifying with NAPAS's key, got one refused as \(error.code.rawValue)")
        }
    }

    /// The `report` object of a strictly parsed acmt.024 answer.
    func report(_ answer: ConformanceTarget.Answer) throws -> [String: JSONValue] {
        let body = try answer.object("the report")
        guard case .object(let report)? = body["report"] else {
            throw ConformanceFailure("the answer: expected an object member report, got \(ConformanceData.kind(body["report"]))")
        }
        guard case .object(let assignment)? = body["assignment"], case .string(let msgID)? = assignment["msgId"], !msgID.isEmpty,
            case .string(let created)? = assignment["creDtTm"], NAPASMessages.parseTimestamp(created) != nil
        else {
            throw ConformanceFailure("the answer: expected assignment with msgId and an RFC 3339 creDtTm, got \(ConformanceData.kind(body["assignment"]))")
        }
        return report
    }

    /// Checks `verification`, `reason` and `updatedPartyAndAccount`; returns `verification`.
    func checkReportShape(_ report: [String: JSONValue]) throws -> Bool {
        guard case .bool(let verified)? = report["verification"] else {
            throw ConformanceFailure("the report: expected a boolean report.verification, got \(ConformanceData.kind(report["verification"]))")
        }
        let reasons = NAPASMessages.ReasonCode.allCases.map(\.rawValue)
        if verified {
            if let reason = report["reason"], reason != .null {
                throw ConformanceFailure("the report: expected no report.reason with verification: true, got \(ConformanceData.kind(reason))")
            }
        } else {
            guard case .string(let reason)? = report["reason"], reasons.contains(reason) else {
                throw ConformanceFailure(
                    "the report: expected report.reason \(reasons.joined(separator: "/")) with verification: false, got \(ConformanceData.kind(report["reason"], mismatch: true))")
            }
        }
        let needsName = verified || report["reason"] == .string(NAPASMessages.ReasonCode.inconsistentWithEndCustomer.rawValue)
        if needsName {
            guard case .object(let party)? = report["updatedPartyAndAccount"], case .string(let name)? = party["accountName"] else {
                throw ConformanceFailure("the report: expected updatedPartyAndAccount.accountName, got \(ConformanceData.kind(report["updatedPartyAndAccount"]))")
            }
            guard NAPASMessages.isAccountName(name) else {
                throw ConformanceFailure("the report: expected an accountName of 1–50 upper-case ASCII characters, got another string")
            }
        }
        return verified
    }

    /// Fails unless the body is a strict-JSON `{errorCode, message}` document.
    func checkError(_ answer: ConformanceTarget.Answer, _ what: String) throws {
        let object = try answer.object(what)
        guard case .string(let code)? = object["errorCode"], !code.isEmpty else {
            throw ConformanceFailure("\(what): expected a string member errorCode, got \(ConformanceData.kind(object["errorCode"]))")
        }
        guard case .string? = object["message"] else {
            throw ConformanceFailure("\(what): expected a string member message, got \(ConformanceData.kind(object["message"]))")
        }
        guard (try? JSONDecoder().decode(NAPASMessages.ErrorAnswer.self, from: Data(answer.body))) != nil else {
            throw ConformanceFailure("\(what): expected an {errorCode, message} document, got one the contract's decoder refuses")
        }
    }
}
