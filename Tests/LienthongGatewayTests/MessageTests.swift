import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongQueue
import XCTest

/// SPEC §4 through the partner listener: accept, idempotency, push delivery, pull inbox.
final class MessageTests: XCTestCase, MessageSending {
    var harness: GatewayHarness!
    var labour: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start()
        labour = try harness.client("gov.labour.dongnai")
    }

    override func tearDown() async throws {
        try? await labour.shutdown()
        await harness.stop()
    }

    func testAcceptedMessageIsPushedOnceAndItsStatusIsVisibleToSenderOnly() async throws {
        let id = UUID()
        let answer = try await send(envelope(id: id, to: "bank.970436"))
        XCTAssertEqual(answer.status, 202)
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.action, "message.accepted", "the accept's own record, written with the message")
        let waited1 = try await waitUntil { self.harness.received.count(of: id) >= 1 }
        XCTAssertTrue(waited1, "pushed to the recipient")
        let delivered = try await waitUntil {
            let status = try await self.labour.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
            return String(decoding: status.body, as: UTF8.self).contains(#""status":"delivered""#)
        }
        XCTAssertTrue(delivered)
        let stranger = try harness.client("bank.970418")
        let hidden = try await stranger.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        try await stranger.shutdown()
        XCTAssertEqual(hidden.status, 404, "only sender and recipient may read a message's status")
        XCTAssertEqual(harness.received.count(of: id), 1)
    }

    func testResendIsIdempotentAndAChangedPayloadConflicts() async throws {
        let id = UUID()
        let answer2 = try await send(envelope(id: id, to: "bank.970418"))

        XCTAssertEqual(answer2.status, 202)
        let answer3 = try await send(envelope(id: id, to: "bank.970418", payload: #"{ "person" : {"dateOfBirth":"1990-01-01", "personalId":"075090000001","fullName":"Nguyễn Văn An"}, "bank":{"bin":"970436"},  "requestRef":"\#(ref(id))" }"#))

        XCTAssertEqual(answer3.status, 200,
                       "same payload (same canonical JSON) → the existing record")
        let conflict = try await send(envelope(id: id, to: "bank.970418", payload: #"{"requestRef":"R-2","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"075090000001","dateOfBirth":"1990-01-01"}}"#))
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual(conflict.problem?.type, "urn:lienthong:error:conflict")
        let record = try harness.auditRecords().first { $0.seq == conflict.auditSeq }
        XCTAssertEqual(record?.action, "message.conflict")
        XCTAssertEqual(record?.outcome, .denied)
    }

    func testSendingWithoutTheRightIsForbiddenAndBadEnvelopesAreRefused() async throws {
        let bank = try harness.client("bank.970436")
        let forbidden = try await send(envelope(id: UUID(), to: "bank.970418"), by: bank)
        try await bank.shutdown()
        XCTAssertEqual(forbidden.status, 403)
        let answer4 = try await send(envelope(id: UUID(), to: "gov.ioc.dongnai"))

        XCTAssertEqual(answer4.status, 403, "no grant to that recipient")
        let answer5 = try await send(envelope(id: UUID(), to: "bank.970418", type: "asxh.teleport"))

        XCTAssertEqual(answer5.status, 400)
        let answer6 = try await send(Data(#"{"id":"nope","type":"asxh.account-opening-request","to":"bank.970418","payload":{}}"#.utf8))
        XCTAssertEqual(answer6.status, 400)
        let missing = try await send(envelope(id: UUID(), to: "bank.970418", payload: #"{"requestRef":"R-3","bank":{"bin":"970418"},"person":{"fullName":"Trần Thị Bình","dateOfBirth":"1991-02-03"}}"#))
        XCTAssertEqual(missing.status, 400, "payload checked against the message type's contract")
        XCTAssertTrue(missing.problem?.detail.contains("payload.person.personalId") ?? false, missing.problem?.detail ?? "")
        XCTAssertFalse(String(decoding: missing.body, as: UTF8.self).contains("Trần Thị Bình"), "no personal data in the refusal")
        let answer7 = try await send(envelope(id: UUID(), to: "bank.970418", payload: "[1,2]"))

        XCTAssertEqual(answer7.status, 400)
    }

    func testPullRecipientLeasesAcksAndAStaleTokenCannotAck() async throws {
        let id = UUID()
        let answer8 = try await send(envelope(id: id, to: "bank.970418"))

        XCTAssertEqual(answer8.status, 202)
        let pull = try harness.client("bank.970418")
        defer { Task { try? await pull.shutdown() } }
        struct Payload: Decodable, Equatable { struct Bank: Decodable, Equatable { var bin: String }; var requestRef: String; var bank: Bank }
        struct Inbox: Decodable { struct Item: Decodable { var id: String; var leaseToken: String; var payload: Payload }; var messages: [Item] }
        let first = try await pull.send(method: .GET, path: "/v1/inbox?limit=5", headers: [], body: nil)
        XCTAssertEqual(first.status, 200)
        let items = try JSONDecoder().decode(Inbox.self, from: first.body).messages
        XCTAssertEqual(items.map(\.id), [id.uuidString.lowercased()])
        XCTAssertEqual(items.first?.payload, Payload(requestRef: ref(id), bank: .init(bin: "970436")), "the payload arrives as sent")
        let staleToken = items[0].leaseToken

        // The lease (2 s) expires without an ack: the message is offered again with a new token.
        var second: [Inbox.Item] = []
        let reoffered = try await waitUntil(timeout: .seconds(8)) {
            let answer = try await pull.send(method: .GET, path: "/v1/inbox?limit=5", headers: [], body: nil)
            second = try JSONDecoder().decode(Inbox.self, from: answer.body).messages
            return !second.isEmpty
        }
        XCTAssertTrue(reoffered, "an expired lease returns the message to the queue")
        XCTAssertNotEqual(second.first?.leaseToken, staleToken)

        let stale = try await pull.send(method: .POST, path: "/v1/inbox/\(id.uuidString.lowercased())/ack",
                                        headers: [("Content-Type", "application/json")], body: Data(#"{"leaseToken":"\#(staleToken)"}"#.utf8))
        XCTAssertEqual(stale.status, 409, "a stale lease token can never ack")
        let ack = try await pull.send(method: .POST, path: "/v1/inbox/\(id.uuidString.lowercased())/ack",
                                      headers: [("Content-Type", "application/json")], body: Data(#"{"leaseToken":"\#(second[0].leaseToken)"}"#.utf8))
        XCTAssertEqual(ack.status, 200)
        let status = try await labour.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        XCTAssertTrue(String(decoding: status.body, as: UTF8.self).contains(#""status":"delivered""#))
    }

    func testRecipientDownThenUpGetsEverythingOnceById() async throws {
        harness.recipientFaults.setDown()
        var ids: [UUID] = []
        for _ in 0..<10 {
            let id = UUID()
            ids.append(id)
            let answer9 = try await send(envelope(id: id, to: "bank.970436"))

            XCTAssertEqual(answer9.status, 202)
        }
        try await Task.sleep(for: .milliseconds(800))
        XCTAssertEqual(harness.received.uniqueIDs.count, 0, "nothing gets through while the recipient is down")
        harness.recipientFaults.heal()
        let all = try await waitUntil(timeout: .seconds(20)) { Set(self.harness.received.uniqueIDs) == Set(ids) }
        XCTAssertTrue(all, "every accepted message is delivered after the recipient comes back")
        XCTAssertTrue(try harness.sqliteAudit.verify(publicKey: Gateway.auditKeys(harness.configuration.audit).signingKey.publicKey).isIntact)
    }

    func testInboxCanBeLeasedByTypeAndRefusesUnknownTypes() async throws {
        let bank = try harness.client("bank.970418")
        let vss = try harness.client("gov.vss.dongnai")
        defer { Task { try? await bank.shutdown(); try? await vss.shutdown() } }
        let requestID = UUID()
        let request = try await send(envelope(id: requestID, to: "bank.970418"))
        XCTAssertEqual(request.status, 202)
        let result = Data(#"{"id":"\#(UUID().uuidString.lowercased())","type":"asxh.account-opening-result","to":"gov.labour.dongnai","payload":{"requestRef":"\#(ref(requestID))","outcome":"acknowledged"}}"#.utf8)
        let sent = try await bank.send(method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "b-1")], body: result)
        XCTAssertEqual(sent.status, 202)
        let record = #"{"personalId":"\#(PersonalID.make(provinceCode: "075", birthYear: 1980, sex: .male, serial: 7).digits)","socialInsuranceNumber":"7500000007","fullName":"Người Thử","dateOfBirth":"1980-01-01","sex":"male","participation":"participating","scheme":"compulsory","since":"2010-01-01"}"#
        let sync = Data(#"{"id":"\#(UUID().uuidString.lowercased())","type":"vss.participant-sync","to":"gov.labour.dongnai","payload":{"records":[\#(record)]}}"#.utf8)
        let synced = try await vss.send(method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "v-1")], body: sync)
        XCTAssertEqual(synced.status, 202)

        struct Inbox: Decodable { struct Item: Decodable { var type: String }; var messages: [Item] }
        let results = try await labour.send(method: .GET, path: "/v1/inbox?limit=10&type=asxh.account-opening-result", headers: [], body: nil)
        XCTAssertEqual(try JSONDecoder().decode(Inbox.self, from: results.body).messages.map(\.type), ["asxh.account-opening-result"])
        let rest = try await labour.send(method: .GET, path: "/v1/inbox?limit=10", headers: [], body: nil)
        XCTAssertEqual(try JSONDecoder().decode(Inbox.self, from: rest.body).messages.map(\.type), ["vss.participant-sync"],
                       "the other type is still there for its own consumer")
        let unknown = try await labour.send(method: .GET, path: "/v1/inbox?type=payroll", headers: [], body: nil)
        XCTAssertEqual(unknown.status, 400)
    }

    /// Issue 4: a push recipient down for 30 s, then up by itself: every message accepted meanwhile arrives, each once.
    func testRecipientDownFor30SecondsThenUpGetsEveryMessageExactlyOnce() async throws {
        harness.recipientFaults.setDown(for: .seconds(30))
        let downSince = ContinuousClock.now
        var ids: [UUID] = []
        for _ in 0..<20 {
            let id = UUID()
            ids.append(id)
            let answer = try await send(envelope(id: id, to: "bank.970436"))
            XCTAssertEqual(answer.status, 202)
        }
        try await Task.sleep(until: downSince + .seconds(25))
        XCTAssertEqual(harness.received.uniqueIDs.count, 0, "nothing gets through while the recipient is down")
        let all = try await waitUntil(timeout: .seconds(30)) { Set(self.harness.received.uniqueIDs) == Set(ids) }
        XCTAssertTrue(all, "every accepted message is delivered after the recipient comes back")
        XCTAssertEqual(ids.map { harness.received.count(of: $0) }, Array(repeating: 1, count: ids.count), "each delivered once")
        for id in ids { let s = try await status(of: id); XCTAssertEqual(s, "delivered") }
    }

    func status(of id: UUID) async throws -> String {
        let answer = try await labour.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        struct View: Decodable { var status: String; var attempts: Int }
        return try JSONDecoder().decode(View.self, from: answer.body).status
    }

    func testA4xxFromTheRecipientMakesTheMessageDeadAtOnce() async throws {
        harness.recipientFaults.setForcedStatus(400)
        let id = UUID()
        let accepted = try await send(envelope(id: id, to: "bank.970436"))
        XCTAssertEqual(accepted.status, 202)
        let dead = try await waitUntil { try await self.status(of: id) == "dead" }
        XCTAssertTrue(dead, "400 is permanent: dead without retries")
        let records = try harness.auditRecords().filter { $0.ref == id.uuidString.lowercased() }
        XCTAssertEqual(records.filter { $0.action == "message.leased" }.count, 1, "one attempt only")
        XCTAssertTrue(records.contains { $0.action == "message.dead" })
        let metrics = try await harness.admin("/metrics")
        XCTAssertTrue(metrics.body.contains(#"lienthong_delivery_attempts_total{recipient="bank.970436",outcome="permanent-failure"} 1"#), metrics.body)
    }

    func testRetryAfterOn429IsHonouredThenTheMessageIsDelivered() async throws {
        harness.recipientFaults.setForcedStatus(429, retryAfterSeconds: 2)
        let id = UUID()
        let started = ContinuousClock.now
        let accepted = try await send(envelope(id: id, to: "bank.970436"))
        XCTAssertEqual(accepted.status, 202)
        let firstTry = try await waitUntil { try self.harness.auditRecords().contains { $0.ref == id.uuidString.lowercased() && $0.action == "message.retry-scheduled" } }
        XCTAssertTrue(firstTry)
        harness.recipientFaults.setForcedStatus(nil)
        let delivered = try await waitUntil { self.harness.received.count(of: id) == 1 }
        XCTAssertTrue(delivered)
        // The configured backoff is at most 1 s; only Retry-After explains a wait of 2 s.
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(1900), "not retried before Retry-After")
        let finalStatus = try await status(of: id)
        XCTAssertEqual(finalStatus, "delivered")
    }

    func testOneDeadRecipientNeitherSlowsAnotherNorGetsHammered() async throws {
        harness.recipientFaults.setDown()   // bank.970436 answers 503
        var toDown: [UUID] = []
        var toHealthy: [UUID] = []
        for n in 0..<30 {
            let id = UUID()
            let bank = n % 2 == 0 ? "bank.970436" : "bank.970415"
            let answer = try await send(envelope(id: id, to: bank))
            XCTAssertEqual(answer.status, 202)
            if n % 2 == 0 { toDown.append(id) } else { toHealthy.append(id) }
        }
        let healthyDone = try await waitUntil(timeout: .seconds(10)) { Set(self.harness.receivedB.uniqueIDs) == Set(toHealthy) }
        XCTAssertTrue(healthyDone, "the healthy bank gets everything while the other is down")
        try await Task.sleep(for: .seconds(2))
        let downIDs = Set(toDown.map { $0.uuidString.lowercased() })
        let attemptsOnDown = try harness.auditRecords().filter { $0.action == "message.leased" && downIDs.contains($0.ref) }.count
        // Without a breaker, 15 messages retried every ≤ 1 s for ~3 s would take well over 15 × 3 attempts.
        XCTAssertLessThan(attemptsOnDown, 15 * 3, "the open circuit holds back attempts on the dead bank (\(attemptsOnDown))")
        harness.recipientFaults.heal()
        let recovered = try await waitUntil(timeout: .seconds(20)) { Set(self.harness.received.uniqueIDs) == Set(toDown) }
        XCTAssertTrue(recovered, "the dead bank gets everything once it is back")
    }

    func testGracefulShutdownFinishesInFlightDeliveries() async throws {
        harness.recipientFaults.setLatency(.milliseconds(800))
        var ids: [UUID] = []
        for _ in 0..<3 {
            let id = UUID()
            ids.append(id)
            let answer = try await send(envelope(id: id, to: "bank.970436"))
            XCTAssertEqual(answer.status, 202)
        }
        let leased = try await waitUntil {
            try self.harness.auditRecords().filter { $0.action == "message.leased" }.count >= 3
        }
        XCTAssertTrue(leased)
        await harness.stopGateway()
        for id in ids {
            let message = try harness.sqliteQueue.message(id: id.uuidString.lowercased())
            XCTAssertEqual(message?.status, .delivered, "an in-flight push finished before the gateway stopped")
        }
        XCTAssertEqual(Set(harness.received.uniqueIDs), Set(ids))
    }
}

/// Push delivery's lease-ahead at a graceful stop, with a 30 s lease (so a message may wait 14 s for a slot).
final class LeaseAheadShutdownTests: XCTestCase, MessageSending {
    var harness: GatewayHarness!
    var labour: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start(leaseSeconds: 30)
        labour = try harness.client("gov.labour.dongnai")
    }

    override func tearDown() async throws {
        try? await labour.shutdown()
        await harness.stop()
    }

    /// Messages leased ahead of the slots (4 in flight behind a 1.8 s recipient, the others waiting) when the gateway
    /// stops are pushed before it stops, not left to their leases' expiry; nothing new is leased while it stops.
    func testGracefulShutdownPushesTheMessagesLeasedAhead() async throws {
        // One quick push first: messages are leased ahead only once the recipient's pushes are known to be quick.
        var ids: [UUID] = []
        for index in 0..<9 {
            if index == 1 {
                let warmedUp = try await waitUntil { Set(self.harness.received.uniqueIDs).contains(ids[0]) }
                XCTAssertTrue(warmedUp, "the first message is delivered")
                harness.recipientFaults.setLatency(.milliseconds(1800))
            }
            let id = UUID()
            ids.append(id)
            let answer = try await send(envelope(id: id, to: "bank.970436"))
            XCTAssertEqual(answer.status, 202)
        }
        // 4 slots, and up to 4 more leased ahead (topped up 2 or more at a time): at least 6 under lease while the
        // first 4 pushes are in flight.
        var leasedIDs: Set<String> = []
        _ = try await waitUntil {
            leasedIDs = Set(try harness.auditRecords().filter { $0.action == "message.leased" }.map(\.ref))
            return leasedIDs.count >= 1 + 6
        }
        let deliveredBeforeStop = Set(harness.received.uniqueIDs).count
        XCTAssertGreaterThanOrEqual(leasedIDs.count, 1 + 6, "messages are leased ahead of the 4 slots")
        XCTAssertEqual(deliveredBeforeStop, 1, "the stop begins while the first pushes are in flight and the others wait")
        await harness.stopGateway()
        let leasedByTheEnd = Set(try harness.auditRecords().filter { $0.action == "message.leased" }.map(\.ref))
        XCTAssertTrue(leasedIDs.isSubset(of: leasedByTheEnd))
        for id in leasedByTheEnd {
            let message = try harness.sqliteQueue.message(id: id)
            XCTAssertEqual(message?.status, .delivered, "a message leased ahead was pushed before the gateway stopped")
        }
        XCTAssertEqual(Set(harness.received.uniqueIDs.map { $0.uuidString.lowercased() }), leasedByTheEnd)
    }
}

/// Builds and sends message envelopes as the labour department (shared by the message test cases).
protocol MessageSending {
    var labour: PartnerClient! { get }
}

extension MessageSending {
    /// An envelope; the default payload is an account-opening request whose `requestRef` is `R-` + the id's first
    /// 8 characters (a reference names one request per sender).
    func envelope(id: UUID, to: String, payload: String? = nil, type: String = "asxh.account-opening-request") -> Data {
        let payload = payload ?? #"{"requestRef":"\#(ref(id))","bank":{"bin":"970436"},"person":{"fullName":"Nguyễn Văn An","personalId":"075090000001","dateOfBirth":"1990-01-01"}}"#
        return Data(#"{"id":"\#(id.uuidString.lowercased())","type":"\#(type)","to":"\#(to)","payload":\#(payload)}"#.utf8)
    }

    func ref(_ id: UUID) -> String { "R-" + id.uuidString.lowercased().prefix(8) }

    func send(_ body: Data, by client: PartnerClient? = nil) async throws -> PartnerClient.Answer {
        try await (client ?? labour!).send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "canbo-01")], body: body)
    }

}
