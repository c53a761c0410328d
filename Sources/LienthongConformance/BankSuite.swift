import Foundation
import LienthongCore

extension ConformanceSuite {
    /// The checks of a bank's push endpoint (`Contracts/upstream/bank.openapi.yaml`, `Contracts/services/bank.md`):
    /// what the bank `bank.<bin>` must acknowledge, and what it must refuse with a final `4xx` (not `408`/`429`,
    /// so the gateway does not retry a message that can never be delivered).
    ///
    /// The target URL is the push operation itself (e.g. `https://bank.example:9447/asxh/messages`).
    ///
    /// | id | requirement |
    /// |---|---|
    /// | `acknowledges-request` | a valid request is answered `200` with the acmt.010 acknowledgement of its message id |
    /// | `acknowledges-redelivery` | the same message id again is answered `2xx` with the same acknowledgement, `duplicate: true` |
    /// | `refuses-missing-message-id` | a request without `X-Message-Id` is refused with a final `4xx` |
    /// | `refuses-unknown-message-type` | another `X-Message-Type` is refused with a final `4xx` |
    /// | `refuses-malformed-json` | a body that is not JSON is refused with a final `4xx` |
    /// | `refuses-invalid-payload` | a payload without `person.personalId` is refused with a final `4xx` |
    /// | `refuses-other-bin` | a request for another BIN is refused with a final `4xx` |
    /// | `refusal-is-problem-document` | a refusal is an `application/problem+json` document with `type`, `title`, `status` |
    ///
    /// The kit posts two synthetic requests that a bank records (a fresh `requestRef` `CONFORMANCE-…`, a random
    /// well-formed personal id number, a fixed test name): run it against a test system, or have the bank discard
    /// requests whose `requestRef` starts with `CONFORMANCE-`. Refused requests are never recorded.
    ///
    /// - Parameters:
    ///   - bin: the bank's 6-digit BIN (its member id is `bank.<bin>`).
    ///   - sender: the member id sent as `X-Sender` (the results of the acknowledged requests go to it).
    public static func bank(bin: String, sender: String = "gov.labour.dongnai") -> ConformanceSuite {
        let probe = BankProbe(bin: bin, sender: sender)
        return ConformanceSuite(name: "bank", checks: [
            ConformanceCheck(
                id: "acknowledges-request",
                requirement: "a valid request is answered 200 with an acmt.010 acknowledgement of its X-Message-Id and requestRef"
            ) { target in
                let request = probe.validRequest()
                let answer = try await probe.send(request, to: target)
                try answer.expect(status: 200, "a valid request")
                try probe.checkAcknowledgement(answer, of: request, duplicate: false, "the acknowledgement")
            },
            ConformanceCheck(
                id: "acknowledges-redelivery",
                requirement: "the same X-Message-Id again is answered 2xx with the same acknowledgement and duplicate: true"
            ) { target in
                let request = probe.validRequest()
                let first = try await probe.send(request, to: target)
                try first.expect(status: 200, "the first delivery")
                let again = try await probe.send(request, to: target)
                guard (200..<300).contains(again.status) else {
                    throw ConformanceFailure("a redelivery: expected 2xx (already recorded), got \(again.status)")
                }
                try probe.checkAcknowledgement(again, of: request, duplicate: true, "the redelivery's acknowledgement")
            },
            ConformanceCheck(
                id: "refuses-missing-message-id",
                requirement: "a request without X-Message-Id is refused with a final 4xx"
            ) { target in
                var request = probe.validRequest()
                request.messageID = nil
                try await probe.send(request, to: target).expectPermanentRefusal("a request without X-Message-Id")
            },
            ConformanceCheck(
                id: "refuses-unknown-message-type",
                requirement: "an X-Message-Type other than asxh.account-opening-request is refused with a final 4xx"
            ) { target in
                var request = probe.validRequest()
                request.messageType = "asxh.beneficiary-list"
                try await probe.send(request, to: target).expectPermanentRefusal("a request of type asxh.beneficiary-list")
            },
            ConformanceCheck(
                id: "refuses-malformed-json",
                requirement: "a body that is not JSON is refused with a final 4xx"
            ) { target in
                var request = probe.validRequest()
                request.body = Array(#"{"requestRef": "CONFORMANCE-"#.utf8)
                try await probe.send(request, to: target).expectPermanentRefusal("a truncated JSON body")
            },
            ConformanceCheck(
                id: "refuses-invalid-payload",
                requirement: "a payload breaking the contract (no person.personalId) is refused with a final 4xx"
            ) { target in
                var request = probe.validRequest()
                request.body = probe.payload(requestRef: request.requestRef, bin: bin, personalID: nil)
                try await probe.send(request, to: target).expectPermanentRefusal("a payload without person.personalId")
            },
            ConformanceCheck(
                id: "refuses-other-bin",
                requirement: "a request whose bank.bin is another bank's is refused with a final 4xx"
            ) { target in
                var request = probe.validRequest()
                request.body = probe.payload(requestRef: request.requestRef, bin: probe.otherBIN, personalID: ConformanceData.personalID())
                try await probe.send(request, to: target).expectPermanentRefusal("a request for another BIN")
            },
            ConformanceCheck(
                id: "refusal-is-problem-document",
                requirement: "a refusal is an application/problem+json document with type, title and the HTTP status"
            ) { target in
                var request = probe.validRequest()
                request.body = probe.payload(requestRef: request.requestRef, bin: bin, personalID: nil)
                let answer = try await probe.send(request, to: target)
                guard answer.status >= 400 else {
                    throw ConformanceFailure("a payload without person.personalId: expected a refusal, got \(answer.status)")
                }
                guard answer.mediaType == "application/problem+json" else {
                    throw ConformanceFailure(
                        "the refusal: expected Content-Type application/problem+json, got \(ConformanceData.describe(mediaType: answer.mediaType))")
                }
                let problem = try answer.object("the refusal")
                guard case .string(let type)? = problem["type"], !type.isEmpty else {
                    throw ConformanceFailure("the problem document: expected a string member type, got \(ConformanceData.kind(problem["type"]))")
                }
                guard case .string(let title)? = problem["title"], !title.isEmpty else {
                    throw ConformanceFailure("the problem document: expected a string member title, got \(ConformanceData.kind(problem["title"]))")
                }
                guard case .number(let status)? = problem["status"], status == Double(answer.status) else {
                    throw ConformanceFailure(
                        "the problem document: expected member status = \(answer.status) (the HTTP status), got \(ConformanceData.kind(problem["status"]))")
                }
            },
        ])
    }
}

/// Builds and sends the bank checks' requests.
struct BankProbe: Sendable {
    /// One push request.
    struct Request: Sendable {
        var messageID: String?
        var messageType: String = "asxh.account-opening-request"
        var sender: String
        var requestRef: String
        var body: [UInt8]
    }

    let bin: String
    let sender: String

    /// A BIN other than ``bin``.
    var otherBIN: String { bin == "970418" ? "970436" : "970418" }

    /// A valid request with a fresh message id and request reference.
    func validRequest() -> Request {
        let requestRef = "CONFORMANCE-" + ConformanceData.hex(bytes: 8)
        return Request(
            messageID: UUID().uuidString.lowercased(), sender: sender, requestRef: requestRef,
            body: payload(requestRef: requestRef, bin: bin, personalID: ConformanceData.personalID()))
    }

    /// An acmt.007-shaped payload of a synthetic adult (without `personalId` when `personalID` is `nil`).
    func payload(requestRef: String, bin: String, personalID: String?) -> [UInt8] {
        var person: [String: JSONValue] = ["fullName": .string("Kiểm Thử Phù Hợp"), "dateOfBirth": .string("1990-01-01")]
        if let personalID { person["personalId"] = .string(personalID) }
        return JCS.canonicalize(.object([
            "requestRef": .string(requestRef),
            "bank": .object(["bin": .string(bin)]),
            "account": .object(["type": .string("bank"), "currency": .string("VND")]),
            "category": .string("tro-cap-xa-hoi"),
            "person": .object(person),
        ]))
    }

    func send(_ request: Request, to target: ConformanceTarget) async throws -> ConformanceTarget.Answer {
        var headers = [("Content-Type", "application/json"), ("X-Message-Type", request.messageType), ("X-Sender", request.sender)]
        if let id = request.messageID { headers.append(("X-Message-Id", id)) }
        return try await target.send(method: .POST, headers: headers, body: request.body)
    }

    /// Checks the acmt.010-shaped acknowledgement of `request`.
    func checkAcknowledgement(_ answer: ConformanceTarget.Answer, of request: Request, duplicate: Bool, _ what: String) throws {
        guard answer.mediaType == "application/json" else {
            throw ConformanceFailure("\(what): expected Content-Type application/json, got \(ConformanceData.describe(mediaType: answer.mediaType))")
        }
        let body = try answer.object(what)
        guard case .object(let ack)? = body["acknowledgement"] else {
            throw ConformanceFailure("\(what): expected an object member acknowledgement, got \(ConformanceData.kind(body["acknowledgement"]))")
        }
        guard case .string(let acknowledged)? = ack["acknowledgedMessageId"] else {
            throw ConformanceFailure(
                "\(what): expected acknowledgement.acknowledgedMessageId = X-Message-Id, got \(ConformanceData.kind(ack["acknowledgedMessageId"]))")
        }
        guard acknowledged.lowercased() == request.messageID?.lowercased() else {
            throw ConformanceFailure("\(what): expected acknowledgement.acknowledgedMessageId = X-Message-Id, got another id")
        }
        guard case .string(let requestRef)? = ack["requestRef"], requestRef == request.requestRef else {
            throw ConformanceFailure("\(what): expected acknowledgement.requestRef = the request's requestRef, got \(ConformanceData.kind(ack["requestRef"], mismatch: true))")
        }
        guard ack["requestType"] == .string("OPEN") else {
            throw ConformanceFailure("\(what): expected acknowledgement.requestType OPEN, got \(ConformanceData.kind(ack["requestType"], mismatch: true))")
        }
        guard ack["status"] == .string("received") else {
            throw ConformanceFailure("\(what): expected acknowledgement.status received, got \(ConformanceData.kind(ack["status"], mismatch: true))")
        }
        guard case .bool(let flagged)? = body["duplicate"] else {
            throw ConformanceFailure("\(what): expected a boolean member duplicate, got \(ConformanceData.kind(body["duplicate"]))")
        }
        guard flagged == duplicate else {
            throw ConformanceFailure("\(what): expected duplicate: \(duplicate), got \(flagged)")
        }
    }
}
