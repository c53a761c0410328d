import Foundation
import LienthongAdapters
import LienthongClient
import LienthongCore
import LienthongPKI
import XCTest

/// The gateway's live answers against its published contract (`Contracts/openapi.yaml`), and the contract files
/// against their own rules (`scripts/validate-contracts.py`).
///
/// A real gateway (``GatewayHarness``) is driven through successful calls and every kind of refusal; each answer
/// is written as one JSON line `{ method, path, status, contentType, body }` and piped to
/// `python3 scripts/check-answer.py`, which finds the operation and response in the contract and validates the
/// body. Skipped when python3 lacks `jsonschema` or `yaml` (see `scripts/install-deps.sh`).
final class ContractConformanceTests: XCTestCase {
    /// The repository root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var harness: GatewayHarness!
    var answers = AnswerLog()

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    // MARK: - The live exchanges

    func testLiveAnswersConformToTheOpenAPIContract() async throws {
        try Self.requirePython(modules: "jsonschema, yaml")
        harness = try GatewayHarness()
        try await harness.start()
        let labour = try harness.client("gov.labour.dongnai")
        let vss = try harness.client("gov.vss.dongnai")
        let pushBank = try harness.client("bank.970436")
        let pullBank = try harness.client("bank.970418")
        let stranger = try harness.client("gov.ioc.dongnai")
        defer {
            for client in [labour, vss, pushBank, pullBank, stranger] { Task { try? await client.shutdown() } }
        }

        try await services(labour: labour, pushBank: pushBank, stranger: stranger)
        try await messages(labour: labour, vss: vss, pushBank: pushBank, pullBank: pullBank)
        try await accountOpenings(labour: labour, pullBank: pullBank, pushBank: pushBank)
        try await revokedCertificate()

        let lines = answers.lines
        XCTAssertGreaterThanOrEqual(lines.count, 60, "a broad set of exchanges")
        let run = try Self.python(["scripts/check-answer.py"], stdin: Data(lines.joined(separator: "\n").utf8))
        let output = run.stdout.split(separator: "\n").map(String.init)
        let failures = output.filter { !$0.hasPrefix("ok ") }
        XCTAssertEqual(run.status, 0, "answers that do not match the contract:\n\(failures.joined(separator: "\n"))\n\(run.stderr)")
        XCTAssertEqual(output.filter { $0.hasPrefix("ok ") }.count, lines.count, "one ok line per answer:\n\(run.stdout)")
        XCTAssertEqual(output.count, lines.count, run.stdout)
    }

    /// Synchronous services: successes the harness supports and every refusal.
    func services(labour: PartnerClient, pushBank: PartnerClient, stranger: PartnerClient) async throws {
        let citizen = try XCTUnwrap(harness.register.first { $0.personalId != nil })
        let verify = try JSONEncoder().encode(VerifyCitizenRequest(
            personalId: citizen.personalId!, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth))
        let unknownID = try XCTUnwrap((1...999).lazy
            .map { PersonalID.make(provinceCode: "075", birthYear: 1990, sex: .male, serial: 900_000 + $0).digits }
            .first { id in !self.harness.register.contains { $0.registeredPersonalId == id } })
        let purpose = "asxh.verify-beneficiary"

        try await call(labour, "population.verify-citizen", verify, purpose: purpose, expect: 200)
        try await call(labour, "population.verify-citizen", try JSONEncoder().encode(VerifyCitizenRequest(
            personalId: citizen.personalId!, fullName: "Tên Khác Hẳn", dateOfBirth: "1901-01-01",
            hometown: "Tỉnh Không Có", permanentResidence: "Nơi Khác")), purpose: purpose, expect: 200)
        try await call(labour, "population.verify-citizen", try JSONEncoder().encode(VerifyCitizenRequest(
            personalId: unknownID, fullName: "Nguyễn Văn An", dateOfBirth: "1990-01-01")), purpose: purpose, expect: 200)
        let lookup = try JSONEncoder().encode(LookupCitizenRequest(personalId: citizen.personalId!))
        try await call(labour, "population.lookup-citizen", lookup, purpose: purpose, expect: 200)
        try await call(labour, "population.lookup-citizen", lookup, purpose: "labor.analysis", expect: 200)
        try await call(labour, "population.lookup-citizen", try JSONEncoder().encode(LookupCitizenRequest(personalId: unknownID)),
                       purpose: purpose, expect: 200)
        try await call(labour, "directory.banks", Data("{}".utf8), purpose: nil, expect: 200)
        try await call(pushBank, "directory.banks", Data(), purpose: nil, expect: 200)
        try await call(labour, "population.request-personal-id", Data(#"{"fullName":"Lê Minh Khoa","dateOfBirth":"2016-05-20","sex":"male","parentName":"Lê Văn Bình","birthRegistrationPlace":"Xã Tam An"}"#.utf8),
                       purpose: purpose, expect: 403)
        // Social insurance and NAPAS, against their simulators.
        let participant = try XCTUnwrap(harness.participants.participants.first)
        try await call(labour, "vss.lookup-participant", Data(#"{"personalId":"\#(participant.personalId)"}"#.utf8), purpose: "labor.analysis", expect: 200)
        try await call(labour, "vss.lookup-participant", Data(#"{"socialInsuranceNumber":"\#(participant.socialInsuranceNumber)"}"#.utf8),
                       purpose: "labor.analysis", expect: 200)
        try await call(labour, "vss.lookup-participant", Data(#"{"personalId":"\#(unknownID)"}"#.utf8), purpose: "labor.analysis", expect: 200)
        try await call(labour, "vss.lookup-participant", Data(#"{"socialInsuranceNumber":"12"}"#.utf8), purpose: "labor.analysis", expect: 400)
        try await call(labour, "vss.lookup-participant", Data(#"{"personalId":"\#(unknownID)"}"#.utf8), purpose: purpose, expect: 403)
        let open = try XCTUnwrap(harness.accounts.accounts.first { $0.open && $0.type == .bankAccount })
        let holder = try XCTUnwrap(harness.register.first { $0.registeredPersonalId == open.holderPersonalId })
        for (name, id) in [(holder.fullName, open.holderPersonalId as String?), (holder.fullName + " Anh", nil)] {
            try await call(labour, "napas.verify-account", try JSONEncoder().encode(VerifyAccountRequest(
                bin: open.providerCode, accountNumber: open.accountNumber, holderName: name, personalId: id)), purpose: "asxh.verify-account", expect: 200)
        }
        try await call(labour, "napas.verify-account", Data(#"{"bin":"970436","accountNumber":"000000000000001","holderName":"Nguyễn Văn An"}"#.utf8),
                       purpose: "asxh.verify-account", expect: 200)
        if let closed = harness.accounts.accounts.first(where: { !$0.open && $0.type == .bankAccount }) {
            try await call(labour, "napas.verify-account", Data(#"{"bin":"\#(closed.providerCode)","accountNumber":"\#(closed.accountNumber)","holderName":"A"}"#.utf8),
                           purpose: "asxh.verify-account", expect: 200)
        }
        try await call(labour, "napas.verify-account", Data(#"{"bin":"999999","accountNumber":"1","holderName":"A"}"#.utf8),
                       purpose: "asxh.verify-account", expect: 400)
        harness.napasFaults.setLatency(.seconds(3))
        try await call(labour, "napas.verify-account", Data(#"{"bin":"970436","accountNumber":"1","holderName":"A"}"#.utf8),
                       purpose: "asxh.verify-account", expect: 504)
        harness.napasFaults.setLatency(.zero)
        harness.vssFaults.setErrorRate(1.0)
        try await call(labour, "vss.lookup-participant", Data(#"{"personalId":"\#(unknownID)"}"#.utf8), purpose: "labor.analysis", expect: 502)
        harness.vssFaults.setErrorRate(0)

        // Refusals.
        try await call(labour, "population.verify-citizen", Data(#"{"personalId":"07519","fullName":"A","dateOfBirth":"1990-01-01"}"#.utf8),
                       purpose: purpose, expect: 400)
        try await call(labour, "population.verify-citizen", Data(#"{"personalId":"#.utf8), purpose: purpose, expect: 400)
        try await call(labour, "population.lookup-citizen", Data("{}".utf8), purpose: purpose, expect: 400)
        try await call(labour, "population.verify-citizen", verify, user: nil, purpose: purpose, expect: 400)
        try await call(labour, "population.verify-citizen", verify, purpose: nil, expect: 400)
        try await call(labour, "directory.banks", Data("{}".utf8), purpose: nil, requestID: "not-a-uuid", expect: 400)
        try await call(labour, "population.verify-citizen", verify, purpose: "asxh.verify-account", expect: 403)
        try await call(stranger, "directory.banks", Data("{}".utf8), purpose: nil, expect: 403)
        try await call(labour, "population.teleport", Data("{}".utf8), purpose: nil, expect: 404)
        try await call(labour, "population.verify-citizen", verify, purpose: purpose, contentType: "text/plain", expect: 415)
        try await call(labour, "population.verify-citizen", Data(("{\"personalId\":\"" + String(repeating: "1", count: 8000) + "\"}").utf8),
                       purpose: purpose, expect: 413)
        harness.faults.setErrorRate(1.0)
        try await call(labour, "population.verify-citizen", verify, purpose: purpose, expect: 502)
        harness.faults.setErrorRate(0)
        harness.faults.setLatency(.seconds(3))   // the harness's adapter timeout is 1.5 s
        try await call(labour, "population.lookup-citizen", lookup, purpose: purpose, expect: 504)
        harness.faults.setLatency(.zero)
    }

    /// The message queue: accept (202/200/409/400/403/413/415), status, the participant sync's report, inbox and ack.
    func messages(labour: PartnerClient, vss: PartnerClient, pushBank: PartnerClient, pullBank: PartnerClient) async throws {
        let person = PersonalID.make(provinceCode: "075", birthYear: 1990, sex: .male, serial: 4243).digits
        let id = UUID()
        let request = #"{"requestRef":"CC-\#(id.uuidString.prefix(8))","bank":{"bin":"970418"},"person":{"fullName":"Nguyễn Văn An","personalId":"\#(person)","dateOfBirth":"1990-01-01"}}"#
        try await post(labour, envelope(id, "asxh.account-opening-request", to: "bank.970418", payload: request), expect: 202)
        try await post(labour, envelope(id, "asxh.account-opening-request", to: "bank.970418", payload: request), expect: 200)
        try await post(labour, envelope(id, "asxh.account-opening-request", to: "bank.970418",
                                        payload: request.replacingOccurrences(of: "Nguyễn Văn An", with: "Nguyễn Văn Ba")), expect: 409)
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "gov.ioc.dongnai", payload: request), expect: 403)
        try await post(pushBank, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418", payload: request), expect: 403)
        try await post(labour, envelope(UUID(), "asxh.teleport", to: "bank.970418", payload: "{}"), expect: 400)
        try await post(labour, Data(#"{"id":"nope","type":"asxh.account-opening-request","to":"bank.970418","payload":{}}"#.utf8), expect: 400)
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418",
                                        payload: #"{"requestRef":"R-X","bank":{"bin":"970418"},"person":{"fullName":"Trần Thị Bình","dateOfBirth":"1991-02-03"}}"#), expect: 400)
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418", payload: request), user: nil, expect: 400)
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418", payload: request),
                       contentType: "text/plain", expect: 415)
        let huge = #"{"records":[{"note":"\#(String(repeating: "x", count: (1 << 20) + 8192))"}]}"#
        try await post(vss, envelope(UUID(), "labor.worker-records", to: "gov.labour.dongnai", payload: huge), expect: 413)

        // The participant sync: one good record, one refused (sex disagrees with the number).
        let syncID = UUID()
        let sync = #"{"asOf":"2025-07-01","records":[\#(record(serial: 1, sex: .female)),\#(record(serial: 2, sex: .male, claimedSex: "female"))]}"#
        let accepted = try await post(vss, envelope(syncID, "vss.participant-sync", to: "gov.labour.dongnai", payload: sync), expect: 202)
        XCTAssertTrue(String(decoding: accepted.body, as: UTF8.self).contains(#""validation""#), "the 202 carries the report")
        try await post(vss, envelope(syncID, "vss.participant-sync", to: "gov.labour.dongnai", payload: sync), expect: 200)
        try await post(vss, envelope(UUID(), "vss.participant-sync", to: "gov.labour.dongnai",
                                     payload: #"{"records":[\#(record(serial: 3, sex: .male, claimedSex: "female"))]}"#), expect: 400)
        try await post(vss, envelope(UUID(), "vss.participant-sync", to: "gov.labour.dongnai",
                                     payload: #"{"asOf":"2999-01-01","records":[\#(record(serial: 4, sex: .female))]}"#), expect: 400)
        try await post(vss, envelope(UUID(), "vss.participant-sync", to: "gov.labour.dongnai", payload: #"{"records":{}}"#), expect: 400)

        // Status.
        try await get(vss, "/v1/messages/\(syncID.uuidString.lowercased())", expect: 200)     // sender: with the report
        try await get(labour, "/v1/messages/\(syncID.uuidString)", expect: 200)               // recipient: without it
        try await get(labour, "/v1/messages/\(id.uuidString.lowercased())", expect: 200)
        try await get(pushBank, "/v1/messages/\(id.uuidString.lowercased())", expect: 404)
        try await get(labour, "/v1/messages/nope", expect: 400)

        // The pull inbox of the labour department holds the participant sync (its accepted record only).
        let inbox = try await get(labour, "/v1/inbox?limit=10", expect: 200)
        struct Inbox: Decodable { struct Item: Decodable { var id: String; var leaseToken: String }; var messages: [Item] }
        let item = try XCTUnwrap(try JSONDecoder().decode(Inbox.self, from: inbox.body).messages.first { $0.id == syncID.uuidString.lowercased() })
        try await get(labour, "/v1/inbox", expect: 200)
        try await get(labour, "/v1/inbox?limit=0", expect: 400)
        try await get(pushBank, "/v1/inbox", expect: 403)
        try await ack(labour, item.id, token: "f" + String(repeating: "0", count: 31), expect: 409)
        try await ack(labour, item.id, token: item.leaseToken, expect: 200)
        try await ack(labour, item.id, token: item.leaseToken, expect: 200)
        try await ack(labour, item.id, body: Data("{}".utf8), expect: 400)
        try await ack(labour, "nope", token: item.leaseToken, expect: 400)
        try await ack(labour, UUID().uuidString.lowercased(), token: item.leaseToken, expect: 404)
        let pulled = try await get(pullBank, "/v1/inbox?limit=100", expect: 200)
        XCTAssertTrue(String(decoding: pulled.body, as: UTF8.self).contains(id.uuidString.lowercased()), "the request reached the pull bank")
    }

    /// Account openings: results, one opening (200/404/400), the per-person query (200/400/415).
    func accountOpenings(labour: PartnerClient, pullBank: PartnerClient, pushBank: PartnerClient) async throws {
        let person = PersonalID.make(provinceCode: "075", birthYear: 1985, sex: .female, serial: 77).digits
        let ref = "CONF-1"
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418",
                                        payload: #"{"requestRef":"\#(ref)","bank":{"bin":"970418"},"person":{"fullName":"Trần Thị Bình","personalId":"\#(person)","dateOfBirth":"1985-02-03","sex":"female"},"account":{"type":"bank","currency":"VND"}}"#),
                       expect: 202)
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418",
                                        payload: #"{"requestRef":"\#(ref)","bank":{"bin":"970418"},"person":{"fullName":"Trần Thị Bình","personalId":"\#(person)","dateOfBirth":"1985-02-03"}}"#),
                       expect: 409)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"\#(ref)","outcome":"acknowledged"}"#), expect: 202)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"\#(ref)","outcome":"opened"}"#), expect: 400)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"\#(ref)","outcome":"opened","accountId":"123456789012","on":"2026-11-29"}"#), expect: 202)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"\#(ref)","outcome":"rejected","reasonCode":"KYCF"}"#), expect: 409)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"NO-SUCH-REF","outcome":"acknowledged"}"#), expect: 400)
        let rejected = "CONF-2"
        try await post(labour, envelope(UUID(), "asxh.account-opening-request", to: "bank.970418",
                                        payload: #"{"requestRef":"\#(rejected)","bank":{"bin":"970418"},"person":{"fullName":"Trần Thị Bình","personalId":"\#(person)","dateOfBirth":"1985-02-03"}}"#),
                       expect: 202)
        try await post(pullBank, envelope(UUID(), "asxh.account-opening-result", to: "gov.labour.dongnai",
                                          payload: #"{"requestRef":"\#(rejected)","outcome":"rejected","reasonCode":"KYCF","reason":"identity documents could not be checked"}"#),
                       expect: 202)

        try await get(labour, "/v1/account-openings/\(ref)", expect: 200)
        try await get(labour, "/v1/account-openings/\(rejected)", expect: 200)
        try await get(pullBank, "/v1/account-openings/\(ref)?requester=gov.labour.dongnai", expect: 200)
        try await get(pushBank, "/v1/account-openings/\(ref)?requester=gov.labour.dongnai", expect: 404)
        try await get(labour, "/v1/account-openings/NO-SUCH-REF", expect: 404)
        try await get(labour, "/v1/account-openings/\(String(repeating: "R", count: 65))", expect: 400)
        try await get(labour, "/v1/account-openings/\(ref)?requester=Not_A_Member", expect: 400)
        try await query(labour, #"{"personalId":"\#(person)"}"#, expect: 200)
        try await query(labour, #"{"personalId":"\#(PersonalID.make(provinceCode: "075", birthYear: 1970, sex: .male, serial: 1).digits)"}"#, expect: 200)
        try await query(labour, #"{"personalId":"12345"}"#, expect: 400)
        try await query(labour, #"{"personalId":"\#(person)","extra":1}"#, expect: 400)
        try await query(labour, #"{"personalId":"\#(person)"}"#, contentType: "text/plain", expect: 415)
    }

    /// A revoked certificate is refused with `401` once the CRL is reloaded.
    func revokedCertificate() async throws {
        let client = try harness.client("to-revoke")
        defer { Task { try? await client.shutdown() } }
        try await call(client, "directory.banks", Data("{}".utf8), purpose: nil, expect: 200)
        _ = try ExamplePKI.revoke(
            certificateFile: harness.certs.appendingPathComponent("to-revoke.pem"), caDirectory: harness.certs,
            crlFile: harness.certs.appendingPathComponent("crl.pem"))
        for _ in 0..<50 {   // the harness reloads the CRL every second
            let answer = try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "u", purpose: nil)
            if answer.status != 200 {
                XCTAssertEqual(answer.status, 401)
                answers.record(method: "POST", path: "/v1/services/directory.banks", answer)
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        XCTFail("the revoked certificate was never refused")
    }

    // MARK: - The contract files

    func testContractFilesAndExamplesAreValid() throws {
        try Self.requirePython(modules: "jsonschema, yaml, openapi_spec_validator")
        let run = try Self.python(["scripts/validate-contracts.py"], stdin: nil)
        let failures = run.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        XCTAssertEqual(run.status, 0, "validate-contracts.py failed:\n\(failures.joined(separator: "\n"))\n\(run.stderr)")
        XCTAssertTrue(run.stdout.contains("ok Contracts/openapi.yaml"), run.stdout)
    }

    // MARK: - Exchanges

    /// An envelope as a sender posts it.
    func envelope(_ id: UUID, _ type: String, to: String, payload: String) -> Data {
        Data(#"{"id":"\#(id.uuidString.lowercased())","type":"\#(type)","to":"\#(to)","payload":\#(payload)}"#.utf8)
    }

    /// A participant record with consistent numbers (`claimedSex` makes it disagree with the personal id).
    func record(serial: Int, sex: Sex, claimedSex: String? = nil) -> String {
        let personalID = PersonalID.make(provinceCode: "075", birthYear: 1990, sex: sex, serial: serial).digits
        let digits = String(serial)
        let socialInsuranceNumber = "75" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        return #"""
            {"personalId":"\#(personalID)","socialInsuranceNumber":"\#(socialInsuranceNumber)","fullName":"Nguyễn Thị Hoà","dateOfBirth":"1990-03-15","sex":"\#(claimedSex ?? sex.rawValue)","participation":"participating","scheme":"compulsory","since":"2012-09-01","healthInsuranceCard":"DN475\#(socialInsuranceNumber)","employer":"Công ty TNHH Giày Da Tam Phước"}
            """#
    }

    @discardableResult
    func call(
        _ client: PartnerClient, _ service: String, _ body: Data, user: String? = "canbo-07", purpose: String?,
        requestID: String? = nil, contentType: String = "application/json", expect status: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PartnerClient.Answer {
        let answer = try await client.call(
            service: service, body: body, user: user, purpose: purpose, requestID: requestID, contentType: contentType)
        XCTAssertEqual(answer.status, status, "\(service): \(String(decoding: answer.body, as: UTF8.self))", file: file, line: line)
        answers.record(method: "POST", path: "/v1/services/\(service)", answer)
        return answer
    }

    @discardableResult
    func post(
        _ client: PartnerClient, _ body: Data, user: String? = "canbo-01", contentType: String = "application/json",
        expect status: Int, file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PartnerClient.Answer {
        var headers = [("Content-Type", contentType)]
        if let user { headers.append(("X-User-Id", user)) }
        let answer = try await client.send(method: .POST, path: "/v1/messages", headers: headers, body: body)
        XCTAssertEqual(answer.status, status, "POST /v1/messages: \(String(decoding: answer.body.prefix(500), as: UTF8.self))", file: file, line: line)
        answers.record(method: "POST", path: "/v1/messages", answer)
        return answer
    }

    @discardableResult
    func get(
        _ client: PartnerClient, _ path: String, expect status: Int, file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PartnerClient.Answer {
        let answer = try await client.send(method: .GET, path: path, headers: [], body: nil)
        XCTAssertEqual(answer.status, status, "GET \(path): \(String(decoding: answer.body, as: UTF8.self))", file: file, line: line)
        answers.record(method: "GET", path: path, answer)
        return answer
    }

    func ack(
        _ client: PartnerClient, _ id: String, token: String? = nil, body: Data? = nil, expect status: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let path = "/v1/inbox/\(id)/ack"
        let answer = try await client.send(
            method: .POST, path: path, headers: [("Content-Type", "application/json")],
            body: body ?? Data(#"{"leaseToken":"\#(token ?? "")"}"#.utf8))
        XCTAssertEqual(answer.status, status, "POST \(path): \(String(decoding: answer.body, as: UTF8.self))", file: file, line: line)
        answers.record(method: "POST", path: path, answer)
    }

    func query(
        _ client: PartnerClient, _ body: String, contentType: String = "application/json", expect status: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let path = "/v1/account-openings/query"
        let answer = try await client.send(method: .POST, path: path, headers: [("Content-Type", contentType)], body: Data(body.utf8))
        XCTAssertEqual(answer.status, status, "POST \(path): \(String(decoding: answer.body, as: UTF8.self))", file: file, line: line)
        answers.record(method: "POST", path: path, answer)
    }

    // MARK: - Python

    /// Skips the test unless python3 can import `modules`.
    static func requirePython(modules: String) throws {
        let probe: (status: Int32, stdout: String, stderr: String)
        do { probe = try python(["-c", "import \(modules)"], stdin: nil) } catch {
            throw XCTSkip("python3 is not available: \(error)")
        }
        if probe.status != 0 {
            throw XCTSkip("python3 lacks one of \(modules) (scripts/install-deps.sh installs them)")
        }
    }

    /// Runs `python3 arguments` in the repository root; standard streams go through temporary files.
    static func python(_ arguments: [String], stdin: Data?) throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("stdin")
        let output = folder.appendingPathComponent("stdout")
        let errors = folder.appendingPathComponent("stderr")
        try (stdin ?? Data()).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = root
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus,
                String(decoding: try Data(contentsOf: output), as: UTF8.self),
                String(decoding: try Data(contentsOf: errors), as: UTF8.self))
    }
}

/// The answers of a test, as JSON lines for `scripts/check-answer.py`.
struct AnswerLog {
    private(set) var lines: [String] = []

    /// Records one answer; the body is embedded as JSON (`null` when empty).
    mutating func record(method: String, path: String, _ answer: PartnerClient.Answer) {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let body = answer.body.isEmpty ? "null" : String(decoding: answer.body, as: UTF8.self)
        lines.append(#"{"method":\#(quoted(method)),"path":\#(quoted(path)),"status":\#(answer.status),"contentType":\#(answer.contentType.map(quoted) ?? "null"),"body":\#(body)}"#)
    }
}
