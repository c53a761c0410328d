import AsyncHTTPClient
import Foundation
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongGateway
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import NIOSSL
import XCTest

/// A real gateway, a push bank (``BankSimulator`` + ``BankDesk``) and a pull bank (``BankInboxPoller`` +
/// ``BankDesk``) on 127.0.0.1 ephemeral ports, with the example PKI in a temporary folder. The labour
/// department receives the results by pull; the tests read its inbox.
final class BankFlowHarness: @unchecked Sendable {
    // @unchecked: every stored property is set once in `start()` before the harness is shared; tests only read them.
    static let labour = "gov.labour.dongnai"
    static let pushBank = "bank.970436"
    static let pullBank = "bank.970418"

    let dir: URL
    var certs: URL { dir.appendingPathComponent("certs") }
    let pushFaults = FaultInjector()
    var pushDesk: BankDesk!
    var pullDesk: BankDesk!
    var poller: BankInboxPoller!
    var pushPort = 0
    var gateway: Gateway!
    var endpoints: GatewayEndpoints!
    var labourClient: PartnerClient!
    /// The results the labour department has taken from its inbox so far, in lease order.
    private(set) var labourResults: [LabourResult] = []
    private var tasks: [Task<Void, any Error>] = []
    private var pollerTask: Task<Void, any Error>?
    private var gatewayTask: Task<Void, any Error>?

    /// One `asxh.account-opening-result` in the labour department's inbox.
    struct LabourResult: Decodable, Equatable {
        struct Payload: Decodable, Equatable {
            var requestRef: String
            var outcome: String
            var accountId: String?
            var reasonCode: String?
            var reason: String?
            var acknowledgedMessageId: String?
            var on: String?
        }

        var id: String
        var type: String
        var from: String
        var payload: Payload
    }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bank-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func configuration(bin: String, gatewayURL: String, kycFailureShare: Double = 0) throws -> BankSimulator.Configuration {
        var configuration = try BankSimulator.Configuration.examplePKI(bin: bin, gatewayURL: gatewayURL, certificateDirectory: certs.path)
        configuration.kycFailureShare = kycFailureShare
        configuration.decisionDelay = .milliseconds(100)
        configuration.cardDeliveryDelay = .milliseconds(100)
        configuration.retryBase = .milliseconds(50)
        configuration.retryCap = .milliseconds(500)
        configuration.pollInterval = .milliseconds(100)
        return configuration
    }

    func start() async throws {
        try ExamplePKI.create(at: certs, members: [Self.labour, Self.pushBank, Self.pullBank])
        let pins = try ExamplePKI.readPins(file: certs.appendingPathComponent("pins.txt"))
        func pin(_ member: String) throws -> String { try XCTUnwrap(pins.first { $0.member == member }?.pin) }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

        // The push bank listens first: the gateway's configuration names its URL. Its desk learns the
        // gateway's URL once the gateway listens.
        pushDesk = BankDesk(configuration: try configuration(bin: "970436", gatewayURL: "https://127.0.0.1:1"), logger: logger)
        let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
        let (ports, ready) = AsyncStream<Int>.makeStream()
        let app = BankSimulator.makeApplication(
            host: "127.0.0.1", port: 0, tls: serverTLS, bank: pushDesk, faults: pushFaults, logger: logger
        ) { ready.yield($0) }
        tasks.append(Task { try await app.run() })
        var portIterator = ports.makeAsyncIterator()
        let bound = await portIterator.next()
        pushPort = try XCTUnwrap(bound)

        let toml = """
        purposes = ["asxh.verify-beneficiary"]
        [gateway]
        data_dir = "data"
        [partner]
        listen = "127.0.0.1:0"
        certificate = "certs/server.pem"
        private_key = "certs/server-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [admin]
        listen = "127.0.0.1:0"
        [outbound]
        certificate = "certs/gateway.pem"
        private_key = "certs/gateway-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [audit]
        subject_key_file = "data/subject.key"
        signing_key_file = "data/signing.pem"
        [[members]]
        id = "\(Self.labour)"
        pins = ["\(try pin(Self.labour))"]
        [[members.sends]]
        type = "asxh.account-opening-request"
        to = ["\(Self.pushBank)", "\(Self.pullBank)"]
        [members.delivery]
        mode = "pull"
        [[members]]
        id = "\(Self.pushBank)"
        pins = ["\(try pin(Self.pushBank))"]
        [[members.sends]]
        type = "asxh.account-opening-result"
        to = ["\(Self.labour)"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:\(pushPort)\(BankSimulator.pushPath)"
        [[members]]
        id = "\(Self.pullBank)"
        pins = ["\(try pin(Self.pullBank))"]
        [[members.sends]]
        type = "asxh.account-opening-result"
        to = ["\(Self.labour)"]
        [members.delivery]
        mode = "pull"
        [queue]
        lease_seconds = 2
        retry_base_ms = 100
        retry_cap_seconds = 1
        breaker_threshold = 3
        breaker_cooldown_seconds = 1
        push_timeout_ms = 2000
        """
        let configFile = dir.appendingPathComponent("lienthong.toml")
        try toml.write(to: configFile, atomically: true, encoding: .utf8)
        let gatewayConfiguration = try ConfigurationLoader.load(path: configFile.path, environment: [:])
        gateway = try Gateway(configuration: gatewayConfiguration, logger: logger)
        let (stream, gatewayReady) = AsyncStream<GatewayEndpoints>.makeStream()
        let gateway = self.gateway!
        gatewayTask = Task { try await gateway.run { gatewayReady.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        let listening = await iterator.next()
        endpoints = try XCTUnwrap(listening)
        let gatewayURL = "https://127.0.0.1:\(endpoints.partnerPort)"

        pushDesk.setGatewayURL(gatewayURL)
        let pushDesk = self.pushDesk!
        tasks.append(Task { try await pushDesk.run() })
        pullDesk = BankDesk(configuration: try configuration(bin: "970418", gatewayURL: gatewayURL), logger: logger)
        let pullDesk = self.pullDesk!
        tasks.append(Task { try await pullDesk.run() })
        poller = BankInboxPoller(desk: pullDesk, logger: logger)
        labourClient = try client(Self.labour)
    }

    /// Starts polling the pull bank's inbox (tests that first act as a crashed bank start it later).
    func startPoller() {
        guard pollerTask == nil else { return }
        let poller = self.poller!
        pollerTask = Task { try await poller.run() }
    }

    func client(_ member: String) throws -> PartnerClient {
        try PartnerClient(
            baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
            certificateFile: certs.appendingPathComponent("\(member).pem").path,
            keyFile: certs.appendingPathComponent("\(member)-key.pem").path,
            caFile: certs.appendingPathComponent("ca.pem").path)
    }

    /// An HTTP client presenting the gateway's own client certificate, to act as the gateway towards the bank.
    func gatewayIdentityClient() throws -> HTTPClient {
        let ca = try TLSProfile.loadCertificates(file: certs.appendingPathComponent("ca.pem").path)
        let identity = try TLSProfile.loadIdentity(
            certificateFile: certs.appendingPathComponent("gateway.pem").path,
            keyFile: certs.appendingPathComponent("gateway-key.pem").path)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: TLSProfile.mutualClient(certificateChain: identity.chain, privateKey: identity.key, trustRoots: ca))
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: Labour's side

    /// A synthetic applicant's payload (`bin` defaults to the addressee's).
    static func requestPayload(
        requestRef: String, bin: String, personalID: PersonalID, dateOfBirth: String, fullName: String = "Người Thử Nghiệm",
        authorisedPerson: Bool = false
    ) -> String {
        var payload = #"{"requestRef":"\#(requestRef)","bank":{"bin":"\#(bin)"},"account":{"type":"bank","currency":"VND"},"#
        payload += #""category":"tro-cap-xa-hoi","person":{"fullName":"\#(fullName)","personalId":"\#(personalID.digits)","dateOfBirth":"\#(dateOfBirth)"}"#
        if authorisedPerson {
            let guardian = PersonalID.make(provinceCode: "75", birthYear: 1980, sex: .female, serial: 4242)
            payload += #","authorisedPerson":{"fullName":"Người Giám Hộ","personalId":"\#(guardian.digits)","dateOfBirth":"1980-04-04"}"#
        }
        return payload + "}"
    }

    /// Labour sends an account-opening request through the gateway; returns the gateway's status.
    @discardableResult
    func sendRequest(id: UUID, to bank: String, payload: String) async throws -> Int {
        let body = Data(#"{"id":"\#(id.uuidString.lowercased())","type":"asxh.account-opening-request","to":"\#(bank)","payload":\#(payload)}"#.utf8)
        let answer = try await labourClient.send(
            method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "canbo-01")], body: body)
        return answer.status
    }

    /// The gateway's view of a message, as its sender sees it.
    struct MessageStatus: Decodable {
        var status: String
        var attempts: Int
    }

    func messageStatus(_ id: UUID) async throws -> MessageStatus {
        let answer = try await labourClient.send(method: .GET, path: "/v1/messages/\(id.uuidString.lowercased())", headers: [], body: nil)
        return try answer.decode(MessageStatus.self)
    }

    /// Leases everything in labour's inbox, acknowledges it, and appends the results to ``labourResults``.
    func drainLabourInbox() async throws {
        struct Inbox: Decodable {
            struct Item: Decodable { var id: String; var leaseToken: String }
            var messages: [Item]
        }
        while true {
            let answer = try await labourClient.send(method: .GET, path: "/v1/inbox?limit=100", headers: [], body: nil)
            XCTAssertEqual(answer.status, 200)
            let items = try answer.decode(Inbox.self).messages
            guard !items.isEmpty else { return }
            struct Results: Decodable { var messages: [LabourResult] }
            labourResults += try answer.decode(Results.self).messages
            for item in items {
                let ack = try await labourClient.send(
                    method: .POST, path: "/v1/inbox/\(item.id)/ack", headers: [("Content-Type", "application/json")],
                    body: Data(#"{"leaseToken":"\#(item.leaseToken)"}"#.utf8))
                XCTAssertEqual(ack.status, 200)
            }
        }
    }

    /// The results of `requestRef` received so far, in order.
    func results(for requestRef: String) -> [LabourResult] {
        labourResults.filter { $0.payload.requestRef == requestRef }
    }

    /// Drains labour's inbox until `count` results of `requestRef` arrived (or the timeout passed).
    func waitForResults(_ requestRef: String, count: Int, timeout: Duration = .seconds(20)) async throws -> [LabourResult] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await drainLabourInbox()
            if results(for: requestRef).count >= count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return results(for: requestRef)
    }

    func stop() async {
        try? await labourClient?.shutdown()
        pollerTask?.cancel()
        if let pollerTask { _ = await pollerTask.result }
        for task in tasks.reversed() { task.cancel() }
        for task in tasks { _ = await task.result }
        if let gatewayTask { await gateway.shutdown(); _ = await gatewayTask.result }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// The account-opening flow end to end: labour → gateway → bank (push or pull) → gateway → labour.
final class BankFlowTests: XCTestCase {
    var harness: BankFlowHarness!

    override func setUp() async throws {
        harness = try BankFlowHarness()
        try await harness.start()
    }

    override func tearDown() async throws {
        await harness?.stop()
    }

    static let adult = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 1)

    func testPushBankAcknowledgesOpensAndDeliversTheCard() async throws {
        let id = UUID()
        let status = try await harness.sendRequest(
            id: id, to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "PUSH-1", bin: "970436", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        XCTAssertEqual(status, 202)

        let results = try await harness.waitForResults("PUSH-1", count: 3)
        XCTAssertEqual(results.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])
        XCTAssertEqual(Set(results.map(\.from)), [BankFlowHarness.pushBank])
        XCTAssertEqual(Set(results.map(\.type)), ["asxh.account-opening-result"])
        XCTAssertEqual(Set(results.compactMap(\.payload.acknowledgedMessageId)), [id.uuidString.lowercased()])
        let account = BankRules.accountID(bin: "970436", requestRef: "PUSH-1")
        XCTAssertEqual(account.count, 12)
        XCTAssertEqual(results[1].payload.accountId, account)
        XCTAssertEqual(results[2].payload.accountId, account)
        XCTAssertEqual(results[1].payload.on, BankRules.today().iso)
        XCTAssertNil(results[1].payload.reasonCode)
        XCTAssertEqual(
            results.map(\.id),
            [AccountOpeningOutcome.acknowledged, .opened, .cardDelivered].map {
                BankRules.resultMessageID(requestMessageID: id, outcome: $0).uuidString.lowercased()
            },
            "result ids derive from the request id and the outcome")

        let delivered = try await eventually { try await self.harness.messageStatus(id).status == "delivered" }
        XCTAssertTrue(delivered, "the bank's 200 marks the request delivered")
        XCTAssertEqual(harness.pushDesk.status(requestRef: "PUSH-1"), .cardDelivered)
        let counts = harness.pushDesk.counts
        XCTAssertEqual(counts.received, 1)
        XCTAssertEqual(counts.duplicates, 0)
        XCTAssertEqual(counts.resultsSent, 3)
        XCTAssertEqual(counts.resultsPending, 0)
        XCTAssertEqual(counts.opened, 1)
        XCTAssertEqual(counts.cardsDelivered, 1)
    }

    func testPullBankLeasesRecordsAcknowledgesAndAnswers() async throws {
        harness.startPoller()
        let id = UUID()
        let status = try await harness.sendRequest(
            id: id, to: BankFlowHarness.pullBank,
            payload: BankFlowHarness.requestPayload(requestRef: "PULL-1", bin: "970418", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        XCTAssertEqual(status, 202)

        let results = try await harness.waitForResults("PULL-1", count: 3)
        XCTAssertEqual(results.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])
        XCTAssertEqual(Set(results.map(\.from)), [BankFlowHarness.pullBank])
        XCTAssertEqual(results[1].payload.accountId, BankRules.accountID(bin: "970418", requestRef: "PULL-1"))
        XCTAssertEqual(results.first?.payload.acknowledgedMessageId, id.uuidString.lowercased())

        let delivered = try await eventually { try await self.harness.messageStatus(id).status == "delivered" }
        XCTAssertTrue(delivered, "the poller acknowledged the lease")
        XCTAssertEqual(harness.poller.counts.acknowledged, 1)
        XCTAssertEqual(harness.poller.counts.refused, 0)
        XCTAssertEqual(harness.pullDesk.counts.received, 1)
        XCTAssertEqual(harness.pullDesk.status(requestRef: "PULL-1"), .cardDelivered)
        XCTAssertEqual(harness.pushDesk.counts.received, 0, "the push bank saw nothing")
    }

    func testMinorWithoutAuthorisedPersonIsRejectedMINRAndWithOneIsOpened() async throws {
        let child = PersonalID.make(provinceCode: "75", birthYear: 2016, sex: .female, serial: 77)
        let other = PersonalID.make(provinceCode: "75", birthYear: 2016, sex: .male, serial: 78)
        let alone = UUID()
        let guarded = UUID()
        try await harness.sendRequest(
            id: alone, to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "MINOR-1", bin: "970436", personalID: child, dateOfBirth: "2016-05-20"))
        try await harness.sendRequest(
            id: guarded, to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(
                requestRef: "MINOR-2", bin: "970436", personalID: other, dateOfBirth: "2016-05-20", authorisedPerson: true))

        let rejected = try await harness.waitForResults("MINOR-1", count: 2)
        XCTAssertEqual(rejected.map(\.payload.outcome), ["acknowledged", "rejected"])
        XCTAssertEqual(rejected.last?.payload.reasonCode, "MINR")
        XCTAssertEqual(rejected.last?.payload.reason, "applicant under 15 without an authorised person")
        XCTAssertNil(rejected.last?.payload.accountId)
        let opened = try await harness.waitForResults("MINOR-2", count: 3)
        XCTAssertEqual(opened.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])

        let settled = await eventually { self.harness.pushDesk.counts.resultsPending == 0 }
        XCTAssertTrue(settled)
        try await harness.drainLabourInbox()
        XCTAssertEqual(harness.results(for: "MINOR-1").count, 2, "no card for a rejected request")
        XCTAssertEqual(harness.pushDesk.status(requestRef: "MINOR-1"), .rejected)
        XCTAssertEqual(harness.pushDesk.requests.first { $0.requestRef == "MINOR-1" }?.reasonCode, "MINR")
    }

    func testSamePersonUnderAnotherReferenceIsRejectedDUPL() async throws {
        try await harness.sendRequest(
            id: UUID(), to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "TWICE-1", bin: "970436", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        let first = try await harness.waitForResults("TWICE-1", count: 2)
        XCTAssertEqual(first.map(\.payload.outcome).prefix(2), ["acknowledged", "opened"])
        try await harness.sendRequest(
            id: UUID(), to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "TWICE-2", bin: "970436", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        let second = try await harness.waitForResults("TWICE-2", count: 2)
        XCTAssertEqual(second.map(\.payload.outcome), ["acknowledged", "rejected"])
        XCTAssertEqual(second.last?.payload.reasonCode, "DUPL")
    }

    func testRedeliveredMessageIdGivesOneResultSeries() async throws {
        let id = UUID()
        let payload = BankFlowHarness.requestPayload(requestRef: "AGAIN-1", bin: "970436", personalID: Self.adult, dateOfBirth: "1990-01-01")
        try await harness.sendRequest(id: id, to: BankFlowHarness.pushBank, payload: payload)
        let recorded = await eventually { self.harness.pushDesk.counts.received == 1 }
        XCTAssertTrue(recorded)

        // The gateway delivers at least once: redeliver the same message as the gateway would after a lost 200.
        let asGateway = try harness.gatewayIdentityClient()
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(harness.pushPort)\(BankSimulator.pushPath)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Message-Id", value: id.uuidString.lowercased())
        request.headers.add(name: "X-Message-Type", value: "asxh.account-opening-request")
        request.headers.add(name: "X-Sender", value: BankFlowHarness.labour)
        request.body = .bytes(ByteBuffer(string: payload))
        let response = try await asGateway.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        try await asGateway.shutdown()
        XCTAssertEqual(response.status.code, 200)
        let answer = try JSONDecoder().decode(BankSimulator.PushAnswer.self, from: Data(buffer: body))
        XCTAssertTrue(answer.duplicate)
        XCTAssertEqual(answer.acknowledgement.acknowledgedMessageId, id.uuidString.lowercased())
        XCTAssertEqual(answer.acknowledgement.requestRef, "AGAIN-1")
        XCTAssertEqual(answer.acknowledgement.requestType, "OPEN")

        let results = try await harness.waitForResults("AGAIN-1", count: 3)
        let settled = await eventually { self.harness.pushDesk.counts.resultsPending == 0 }
        XCTAssertTrue(settled)
        try await harness.drainLabourInbox()
        XCTAssertEqual(harness.results(for: "AGAIN-1").count, 3)
        XCTAssertEqual(results.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])
        let counts = harness.pushDesk.counts
        XCTAssertEqual(counts.received, 1)
        XCTAssertEqual(counts.duplicates, 1)
        XCTAssertEqual(counts.resultsSent, 3, "one result series")
    }

    func testPullRedeliveryAfterACrashBeforeTheAckIsDeduplicated() async throws {
        let id = UUID()
        try await harness.sendRequest(
            id: id, to: BankFlowHarness.pullBank,
            payload: BankFlowHarness.requestPayload(requestRef: "CRASH-1", bin: "970418", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        // The bank leases and records the message, then "crashes" before acknowledging it.
        let bank = try harness.client(BankFlowHarness.pullBank)
        let leased = try await bank.send(method: .GET, path: "/v1/inbox?limit=10", headers: [], body: nil)
        try await bank.shutdown()
        XCTAssertEqual(leased.status, 200)
        struct Inbox: Decodable { struct Item: Decodable { var id: String; var type: String; var from: String }; var messages: [Item] }
        let items = try leased.decode(Inbox.self).messages
        XCTAssertEqual(items.map(\.id), [id.uuidString.lowercased()])
        guard case .object(let root) = try JSONValue(parsing: Array(leased.body)), case .array(let messages)? = root["messages"],
              case .object(let item)? = messages.first, let payload = item["payload"] else {
            return XCTFail("inbox answer without payload")
        }
        let receipt = try harness.pullDesk.receive(.init(messageID: id, type: items[0].type, sender: items[0].from, payload: payload))
        XCTAssertFalse(receipt.duplicate)

        // The restarted poller gets the message again once the lease expires; the desk knows it.
        harness.startPoller()
        let acknowledged = await eventually { self.harness.poller.counts.acknowledged == 1 }
        XCTAssertTrue(acknowledged)
        let results = try await harness.waitForResults("CRASH-1", count: 3)
        XCTAssertEqual(results.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])
        let settled = await eventually { self.harness.pullDesk.counts.resultsPending == 0 }
        XCTAssertTrue(settled)
        let counts = harness.pullDesk.counts
        XCTAssertEqual(counts.received, 1)
        XCTAssertEqual(counts.duplicates, 1)
        XCTAssertEqual(counts.resultsSent, 3)
        let delivered = try await harness.messageStatus(id).status
        XCTAssertEqual(delivered, "delivered")
    }

    func testBankDownForAWhileThenHealedReceivesTheRequestOnce() async throws {
        harness.pushFaults.setDown()
        let id = UUID()
        try await harness.sendRequest(
            id: id, to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "DOWN-1", bin: "970436", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        let retried = try await eventually { try await self.harness.messageStatus(id).attempts >= 2 }
        XCTAssertTrue(retried, "the gateway retries while the bank answers 503")
        XCTAssertEqual(harness.pushDesk.counts.received, 0)
        let whileDown = try await harness.messageStatus(id).status
        XCTAssertNotEqual(whileDown, "delivered")

        harness.pushFaults.heal()
        let delivered = try await eventually { try await self.harness.messageStatus(id).status == "delivered" }
        XCTAssertTrue(delivered)
        let results = try await harness.waitForResults("DOWN-1", count: 3)
        XCTAssertEqual(results.map(\.payload.outcome), ["acknowledged", "opened", "card-delivered"])
        XCTAssertEqual(harness.pushDesk.counts.received, 1)
        XCTAssertEqual(harness.pushDesk.counts.duplicates, 0, "delivered once")
    }

    func testRequestForAnotherBankIsRefusedWith400AndDiesAtTheGateway() async throws {
        let id = UUID()
        // The gateway's contract check cannot know which BIN the recipient has; the bank refuses it.
        let status = try await harness.sendRequest(
            id: id, to: BankFlowHarness.pushBank,
            payload: BankFlowHarness.requestPayload(requestRef: "WRONG-1", bin: "970418", personalID: Self.adult, dateOfBirth: "1990-01-01"))
        XCTAssertEqual(status, 202)
        let dead = try await eventually { try await self.harness.messageStatus(id).status == "dead" }
        XCTAssertTrue(dead, "a 400 from the bank is final")
        let attempts = try await harness.messageStatus(id).attempts
        XCTAssertEqual(attempts, 1)
        XCTAssertEqual(harness.pushDesk.counts.received, 0)
        XCTAssertEqual(harness.pushDesk.counts.refused, 1)
        XCTAssertNil(harness.pushDesk.status(requestRef: "WRONG-1"))
    }
}
