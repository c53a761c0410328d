import Foundation
import LienthongClient
import LienthongCore
import LienthongGateway
import XCTest

/// `vss.participant-sync` through the gateway: records checked one by one, refused ones reported to the sender,
/// accepted ones delivered to the labour department (SPEC §4; issue 4).
final class ParticipantSyncGatewayTests: XCTestCase {
    var harness: GatewayHarness!
    var vss: PartnerClient!
    var labour: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start()
        vss = try harness.client("gov.vss.dongnai")
        labour = try harness.client("gov.labour.dongnai")
    }

    override func tearDown() async throws {
        try? await vss.shutdown()
        try? await labour.shutdown()
        await harness.stop()
    }

    func record(serial: Int, year: Int = 1985, sex: Sex = .female, bhxh: String, personalID: String? = nil, card: String? = nil) -> String {
        let id = personalID ?? PersonalID.make(provinceCode: "075", birthYear: year, sex: sex, serial: serial).digits
        let cardMember = card.map { #","healthInsuranceCard":"\#($0)""# } ?? ""
        return #"{"personalId":"\#(id)","socialInsuranceNumber":"\#(bhxh)","fullName":"Người Thử \#(serial)","dateOfBirth":"\#(year)-03-04","sex":"\#(sex.rawValue)","participation":"participating","scheme":"compulsory","since":"2010-01-01"\#(cardMember)}"#
    }

    func post(_ records: [String], id: UUID = UUID()) async throws -> PartnerClient.Answer {
        let body = Data(#"{"id":"\#(id.uuidString.lowercased())","type":"vss.participant-sync","to":"gov.labour.dongnai","payload":{"asOf":"2026-11-01","records":[\#(records.joined(separator: ","))]}}"#.utf8)
        return try await vss.send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "vss-sync")], body: body)
    }

    struct Validation: Decodable, Equatable {
        struct Refusal: Decodable, Equatable { var index: Int; var field: String; var reason: String }
        var total: Int
        var accepted: Int
        var refused: [Refusal]
    }

    func testRefusedRecordsAreReportedAndOnlyAcceptedOnesAreDelivered() async throws {
        let good1 = record(serial: 1, bhxh: "7500000001", card: "DN4757500000001")
        let good2 = record(serial: 2, sex: .male, bhxh: "7500000002")
        let inconsistent = record(serial: 3, bhxh: "7500000003",
                                  personalID: PersonalID.make(provinceCode: "075", birthYear: 1999, sex: .female, serial: 3).digits)
        let duplicate = record(serial: 4, bhxh: "7500000001")
        let badCard = record(serial: 5, bhxh: "7500000005", card: "DN4757500000009")
        let id = UUID()
        let answer = try await post([good1, inconsistent, good2, duplicate, badCard], id: id)
        XCTAssertEqual(answer.status, 202, String(decoding: answer.body, as: UTF8.self))
        struct Accepted: Decodable { var id: String; var status: String; var validation: Validation }
        let accepted = try JSONDecoder().decode(Accepted.self, from: answer.body)
        XCTAssertEqual(accepted.validation.total, 5)
        XCTAssertEqual(accepted.validation.accepted, 2)
        XCTAssertEqual(accepted.validation.refused.map(\.index), [1, 3, 4])
        XCTAssertEqual(accepted.validation.refused.map(\.field), ["personalId", "socialInsuranceNumber", "healthInsuranceCard"])
        let text = String(decoding: answer.body, as: UTF8.self)
        XCTAssertFalse(text.contains("Người Thử"), "the report names fields, never values")

        // The sender sees the report again in the message status; the recipient does not.
        let status = try await vss.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        struct Status: Decodable { var validation: Validation? }
        XCTAssertEqual(try JSONDecoder().decode(Status.self, from: status.body).validation, accepted.validation)
        let seenByLabour = try await labour.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        XCTAssertNil(try JSONDecoder().decode(Status.self, from: seenByLabour.body).validation)

        // Labour (pull) receives the accepted records only, in their order.
        let inbox = try await labour.send(method: .GET, path: "/v1/inbox?limit=10", headers: [], body: nil)
        struct Inbox: Decodable {
            struct Item: Decodable { struct Payload: Decodable { struct R: Decodable { var socialInsuranceNumber: String }; var records: [R]; var asOf: String }
                var id: String; var payload: Payload }
            var messages: [Item]
        }
        let items = try JSONDecoder().decode(Inbox.self, from: inbox.body).messages
        XCTAssertEqual(items.map(\.id), [id.uuidString.lowercased()])
        XCTAssertEqual(items.first?.payload.records.map(\.socialInsuranceNumber), ["7500000001", "7500000002"])
        XCTAssertEqual(items.first?.payload.asOf, "2026-11-01")

        // Re-sending the same batch is idempotent (the comparison is with what the sender sent).
        let again = try await post([good1, inconsistent, good2, duplicate, badCard], id: id)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(try JSONDecoder().decode(Status.self, from: again.body).validation, accepted.validation)
    }

    func testABatchWithNoValidRecordIsRefusedAndAudited() async throws {
        let bad = record(serial: 9, bhxh: "75000", card: nil)
        let answer = try await post([bad])
        XCTAssertEqual(answer.status, 400)
        XCTAssertTrue(answer.problem?.detail.contains("no record of the participant sync passed validation") ?? false)
        let audit = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(audit?.outcome, .denied)
        XCTAssertEqual(audit?.target, "vss.participant-sync")
    }
}
