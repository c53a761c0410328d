import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongQueue
import XCTest

/// The gateway correlates banks' `asxh.account-opening-result` messages with the requests they answer (SPEC §4, §6).
final class AccountOpeningTests: XCTestCase {
    var harness: GatewayHarness!
    var labour: PartnerClient!
    var bank: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start()
        labour = try harness.client("gov.labour.dongnai")
        bank = try harness.client("bank.970418")
    }

    override func tearDown() async throws {
        try? await labour.shutdown()
        try? await bank.shutdown()
        await harness.stop()
    }

    let personalID = PersonalID.make(provinceCode: "075", birthYear: 1990, sex: .male, serial: 4242).digits

    func post(_ client: PartnerClient, type: String, to: String, payload: String, id: UUID = UUID()) async throws -> PartnerClient.Answer {
        let body = Data(#"{"id":"\#(id.uuidString.lowercased())","type":"\#(type)","to":"\#(to)","payload":\#(payload)}"#.utf8)
        return try await client.send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "u-1")], body: body)
    }

    func request(_ ref: String, to bank: String = "bank.970418") async throws -> PartnerClient.Answer {
        try await post(labour, type: "asxh.account-opening-request", to: bank, payload: #"""
            {"requestRef":"\#(ref)","bank":{"bin":"\#(bank.dropFirst(5))"},"person":{"fullName":"Nguyễn Văn An","personalId":"\#(personalID)","dateOfBirth":"1990-01-01"}}
            """#)
    }

    func result(_ ref: String, _ outcome: String, extra: String = "", by client: PartnerClient? = nil) async throws -> PartnerClient.Answer {
        try await post(client ?? bank, type: "asxh.account-opening-result", to: "gov.labour.dongnai",
                       payload: #"{"requestRef":"\#(ref)","outcome":"\#(outcome)"\#(extra)}"#)
    }

    struct Opening: Decodable {
        struct Step: Decodable { var outcome: String; var messageId: String; var reasonCode: String? }
        var requestRef: String
        var bank: String
        var status: String
        var accountId: String?
        var reasonCode: String?
        var steps: [Step]
    }

    func opening(_ ref: String, by client: PartnerClient? = nil, query: String = "") async throws -> (Int, Opening?) {
        let answer = try await (client ?? labour).send(method: .GET, path: "/v1/account-openings/\(ref)\(query)", headers: [], body: nil)
        return (answer.status, try? JSONDecoder().decode(Opening.self, from: answer.body))
    }

    func testTheWholeLifeIsCorrelatedAndVisiblePerPerson() async throws {
        let r1 = try await request("OPEN-1")
        XCTAssertEqual(r1.status, 202)
        let (status0, requested) = try await opening("OPEN-1")
        XCTAssertEqual(status0, 200)
        XCTAssertEqual(requested?.status, "requested")
        XCTAssertEqual(requested?.bank, "bank.970418")

        let ack = try await result("OPEN-1", "acknowledged")
        XCTAssertEqual(ack.status, 202)
        let opened = try await result("OPEN-1", "opened", extra: #","accountId":"123456789012","on":"2026-11-29""#)
        XCTAssertEqual(opened.status, 202)
        let card = try await result("OPEN-1", "card-delivered")
        XCTAssertEqual(card.status, 202)
        let (_, final) = try await opening("OPEN-1")
        XCTAssertEqual(final?.status, "card-delivered")
        XCTAssertEqual(final?.accountId, "123456789012")
        XCTAssertEqual(final?.steps.map(\.outcome), ["requested", "acknowledged", "opened", "card-delivered"])

        // A second request for the same person, rejected.
        let answer1 = try await request("OPEN-2")
        XCTAssertEqual(answer1.status, 202)
        let answer2 = try await result("OPEN-2", "rejected", extra: #","reasonCode":"KYCF","reason":"identity documents could not be checked""#)
        XCTAssertEqual(answer2.status, 202)

        let query = try await labour.send(
            method: .POST, path: "/v1/account-openings/query", headers: [("Content-Type", "application/json")],
            body: Data(#"{"personalId":"\#(personalID)"}"#.utf8))
        XCTAssertEqual(query.status, 200)
        struct List: Decodable { var accountOpenings: [Opening] }
        let list = try JSONDecoder().decode(List.self, from: query.body)
        XCTAssertEqual(list.accountOpenings.map(\.requestRef), ["OPEN-1", "OPEN-2"])
        XCTAssertEqual(list.accountOpenings.map(\.status), ["card-delivered", "rejected"])
        XCTAssertEqual(list.accountOpenings.last?.reasonCode, "KYCF")
        let audited = try harness.auditRecords().first { $0.seq == query.auditSeq }
        XCTAssertEqual(audited?.action, "account-opening.query")
        XCTAssertFalse(audited?.subject.isEmpty ?? true, "the person looked up is the audit subject (HMAC, never the number)")

        // The bank sees the request it received; another bank does not.
        let (bankView, _) = try await opening("OPEN-1", by: bank, query: "?requester=gov.labour.dongnai")
        XCTAssertEqual(bankView, 200)
        let other = try harness.client("bank.970436")
        let (otherView, _) = try await opening("OPEN-1", by: other, query: "?requester=gov.labour.dongnai")
        try await other.shutdown()
        XCTAssertEqual(otherView, 404)
    }

    /// Found by contract fuzzing: a reference outside ASCII travels percent-encoded in the path and must be decoded
    /// before the length check and the lookup (it was looked up encoded: 404, or 400 for 30 accented letters).
    func testAReferenceOutsideASCIIIsReadByItsPercentEncodedPath() async throws {
        let ref = "Phiếu-ĐN-01"
        let sent = try await request(ref)
        XCTAssertEqual(sent.status, 202)
        let encoded = ref.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))!
        XCTAssertNotEqual(encoded, ref)
        let (status, found) = try await opening(encoded)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(found?.requestRef, ref)
        let long = String(repeating: "é", count: 30).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (longStatus, _) = try await opening(long)
        XCTAssertEqual(longStatus, 404, "30 characters (180 encoded bytes) are within the 64-character limit")
        let (badStatus, _) = try await opening("%E1%BA")
        XCTAssertTrue([400, 404].contains(badStatus), "an invalid percent-encoding is refused, not a server error: \(badStatus)")
    }

    func testAResultForAnUnknownRequestIsRefusedAuditedAndNotQueued() async throws {
        let unknown = try await result("NO-SUCH-REF", "opened", extra: #","accountId":"1""#)
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.problem?.type, "urn:lienthong:error:bad-request")
        XCTAssertTrue(unknown.problem?.detail.contains("requestRef does not name an account-opening request") ?? false)
        let record = try harness.auditRecords().first { $0.seq == unknown.auditSeq }
        XCTAssertEqual(record?.action, "message.accept")
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.status, 400)
        XCTAssertTrue(try harness.sqliteQueue.list(state: nil, recipient: nil, type: "asxh.account-opening-result", limit: 10).isEmpty)

        // A request sent to another bank cannot be answered by this one.
        let answer3 = try await request("OPEN-B", to: "bank.970436")
        XCTAssertEqual(answer3.status, 202)
        let answer4 = try await result("OPEN-B", "acknowledged")
        XCTAssertEqual(answer4.status, 400)
    }

    func testContradictionsReusedReferencesAndOpenedWithoutAccountAreRefused() async throws {
        let answer5 = try await request("OPEN-C")
        XCTAssertEqual(answer5.status, 202)
        let reused = try await request("OPEN-C")
        XCTAssertEqual(reused.status, 409, "a requestRef names one request per sender")
        let answer6 = try await result("OPEN-C", "opened")
        XCTAssertEqual(answer6.status, 400, "opened needs accountId")
        let answer7 = try await result("OPEN-C", "card-delivered")
        XCTAssertEqual(answer7.status, 409, "no card before the account")
        let answer8 = try await result("OPEN-C", "rejected", extra: #","reasonCode":"MINR""#)
        XCTAssertEqual(answer8.status, 202)
        let contradiction = try await result("OPEN-C", "opened", extra: #","accountId":"1""#)
        XCTAssertEqual(contradiction.status, 409)
        XCTAssertEqual(contradiction.problem?.type, "urn:lienthong:error:conflict")
        let answer9 = try await result("OPEN-C", "acknowledged")
        XCTAssertEqual(answer9.status, 202, "a late acknowledgement changes nothing")
        let (_, opening) = try await opening("OPEN-C")
        XCTAssertEqual(opening?.status, "rejected")
        XCTAssertEqual(opening?.reasonCode, "MINR")
    }
}
