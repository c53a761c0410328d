import AsyncHTTPClient
import Foundation
import LienthongClient
import LienthongSimulators
import XCTest

/// The registry API's live answers (`/v1/asxh/...`, SPEC §6) against its published contract (`Contracts/openapi.yaml`).
///
/// A real gateway with the registry enabled (``GatewayHarness`` with `registry: true`, population, NAPAS and bank
/// simulators) is driven through a whole run: a list uploaded as CSV and XLSX, a verification job interrupted by an
/// upstream outage and started again, a conflicting second start, account verification, account openings answered
/// by the pull bank, the banks' results collected, the discrepancy list and the payment decisions, the reports in JSON,
/// CSV and XLSX (`/reports/{report}`), and the refusals (`400`, `403`, `404`, `409`, `415`). CSV and XLSX answers are
/// recorded without their body (status and content type are checked). Every answer is written as one JSON line and piped to
/// `python3 scripts/check-answer.py`, as ``ContractConformanceTests`` does. Skipped when python3 lacks `jsonschema`
/// or `yaml` (see `scripts/install-deps.sh`).
final class RegistryContractTests: XCTestCase {
    static let csv = "text/csv"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    static let period = "2026-12"

    var harness: GatewayHarness!
    var answers = AnswerLog()

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    func testRegistryAnswersConformToTheOpenAPIContract() async throws {
        try ContractConformanceTests.requirePython(modules: "jsonschema, yaml")
        harness = try GatewayHarness()
        try await harness.start(registry: true)
        let labour = try harness.client("gov.labour.dongnai")
        let outsider = try harness.client("bank.970436")
        let pullBank = try harness.client("bank.970418")
        defer {
            for client in [labour, outsider, pullBank] { Task { try? await client.shutdown() } }
        }

        let batch = try await uploads(labour: labour, outsider: outsider)
        try await batches(labour: labour, outsider: outsider, batch: batch)
        try await verification(labour: labour, batch: batch)
        try await accountsAndOpenings(labour: labour, pullBank: pullBank, batch: batch)
        try await reports(labour: labour, outsider: outsider, batch: batch)
        try await reportFiles(labour: labour, outsider: outsider, batch: batch)

        let lines = answers.lines
        XCTAssertGreaterThanOrEqual(lines.count, 70, "a broad set of exchanges")
        let recorded = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(recorded.count, lines.count, "every recorded answer is one JSON line")
        for type in ["text/csv; charset=utf-8", Self.xlsx] {
            XCTAssertTrue(recorded.contains { $0["status"] as? Int == 200 && $0["contentType"] as? String == type },
                          "a 200 answer as \(type)")
        }
        for status in [200, 201, 202, 400, 403, 404, 409, 415] {
            XCTAssertTrue(lines.contains { $0.contains(#""status":\#(status),"#) }, "an answer with status \(status)")
        }
        let run = try ContractConformanceTests.python(["scripts/check-answer.py"], stdin: Data(lines.joined(separator: "\n").utf8))
        let output = run.stdout.split(separator: "\n").map(String.init)
        let failures = output.filter { !$0.hasPrefix("ok ") }
        XCTAssertEqual(run.status, 0, "answers that do not match the contract:\n\(failures.joined(separator: "\n"))\n\(run.stderr)")
        XCTAssertEqual(output.filter { $0.hasPrefix("ok ") }.count, lines.count, "one ok line per answer:\n\(run.stdout)")
        XCTAssertEqual(output.count, lines.count, run.stdout)
    }

    // MARK: - The exchanges

    /// Uploads: CSV and XLSX (`201`), a list missing a column, a bad name or reference date, no user (`400`), a
    /// member outside `registry.users` (`403`), another media type (`415`). Returns the CSV batch's id.
    func uploads(labour: PartnerClient, outsider: PartnerClient) async throws -> String {
        let files = harness.dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let list = BeneficiaryListGenerator(citizens: harness.register, accounts: harness.accounts, seed: 3)
            .make(rows: 30, defects: [.nfdName, .wrongBirthYear, .missingID, .duplicate, .unknownID])
        let csvFile = files.appendingPathComponent("danh-sach.csv")
        let xlsxFile = files.appendingPathComponent("danh-sach.xlsx")
        try list.write(csv: csvFile)
        try list.write(xlsx: xlsxFile)
        var broken = list
        let column = try XCTUnwrap(broken.headers.firstIndex(of: "Ngày sinh"))
        broken.headers.remove(at: column)
        broken.rows = broken.rows.map { var row = $0; row.remove(at: column); return row }
        let brokenFile = files.appendingPathComponent("thieu-cot.csv")
        try broken.write(csv: brokenFile)
        let reference = "referenceDate=\(SyntheticPopulation.referenceDate.iso)"

        let created = try await send(labour, "POST", "/v1/asxh/batches?name=danh-sach.csv&\(reference)", type: Self.csv,
                                     body: try Data(contentsOf: csvFile), expect: 201)
        let id = try XCTUnwrap(try object(created.body)["id"] as? String)
        try await send(labour, "POST", "/v1/asxh/batches?name=danh-sach.xlsx&\(reference)", type: Self.xlsx,
                       body: try Data(contentsOf: xlsxFile), expect: 201)
        try await send(labour, "POST", "/v1/asxh/batches", type: "\(Self.csv); charset=utf-8",
                       body: try Data(contentsOf: csvFile), expect: 201)   // default name and reference date
        try await send(labour, "POST", "/v1/asxh/batches?name=thieu-cot.csv&\(reference)", type: Self.csv,
                       body: try Data(contentsOf: brokenFile), expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches?name=a%2Fb.csv&\(reference)", type: Self.csv,
                       body: try Data(contentsOf: csvFile), expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches?name=danh-sach.csv&referenceDate=2026-02-30", type: Self.csv,
                       body: try Data(contentsOf: csvFile), expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches?name=danh-sach.csv", user: nil, type: Self.csv,
                       body: try Data(contentsOf: csvFile), expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches?name=danh-sach.csv", type: "application/json",
                       body: Data("{}".utf8), expect: 415)
        try await send(outsider, "POST", "/v1/asxh/batches?name=danh-sach.csv", type: Self.csv,
                       body: try Data(contentsOf: csvFile), expect: 403)
        return id
    }

    /// The batch list and one batch (`200`), an unknown or over-long id (`404`, `400`), refusals (`400`, `403`).
    func batches(labour: PartnerClient, outsider: PartnerClient, batch: String) async throws {
        let listed = try await send(labour, "GET", "/v1/asxh/batches", expect: 200)
        XCTAssertEqual((try object(listed.body)["batches"] as? [Any])?.count, 3)
        let view = try object(try await send(labour, "GET", "/v1/asxh/batches/\(batch)", expect: 200).body)
        XCTAssertEqual((view["batch"] as? [String: Any])?["status"] as? String, "imported")
        try await send(labour, "GET", "/v1/asxh/batches/no-such-batch", expect: 404)
        try await send(labour, "GET", "/v1/asxh/batches/\(String(repeating: "b", count: 65))", expect: 400)
        try await send(labour, "GET", "/v1/asxh/batches", user: nil, expect: 400)
        try await send(labour, "GET", "/v1/asxh/batches", requestID: "not-a-uuid", expect: 400)
        try await send(outsider, "GET", "/v1/asxh/batches", expect: 403)
        try await send(outsider, "GET", "/v1/asxh/batches/\(batch)", expect: 403)
    }

    /// A verification interrupted by a population outage, then started again; a second start while it runs
    /// (`409`); unknown batch and job (`404`).
    func verification(labour: PartnerClient, batch: String) async throws {
        harness.faults.setErrorRate(1.0)
        let interrupted = try await startJob(labour, "/v1/asxh/batches/\(batch)/verify")
        let stopped = try await finished(labour, job: interrupted)
        harness.faults.setErrorRate(0)
        XCTAssertEqual(stopped["state"] as? String, "interrupted", "\(stopped)")
        XCTAssertNotNil(stopped["cause"], "\(stopped)")

        // Every call takes half a second now, so the job is still running when it is started a second time.
        harness.faults.setLatency(.milliseconds(500))
        let job = try await startJob(labour, "/v1/asxh/batches/\(batch)/verify")
        try await send(labour, "POST", "/v1/asxh/batches/\(batch)/verify", expect: 409)
        harness.faults.setLatency(.zero)
        let done = try await finished(labour, job: job)
        XCTAssertEqual(done["state"] as? String, "done", "\(done)")
        let progress = try XCTUnwrap(done["progress"] as? [String: Any])
        XCTAssertEqual(progress["done"] as? Int, progress["total"] as? Int)

        try await send(labour, "POST", "/v1/asxh/batches/no-such-batch/verify", expect: 404)
        try await send(labour, "GET", "/v1/asxh/jobs/\(UUID().uuidString.lowercased())", expect: 404)
        let view = try object(try await send(labour, "GET", "/v1/asxh/batches/\(batch)", expect: 200).body)
        XCTAssertEqual((view["batch"] as? [String: Any])?["status"] as? String, "verified")
    }

    /// Account verification for the period, account openings, the pull bank's answers, the results collected;
    /// a missing or malformed period (`400`) and an unknown batch (`404`).
    func accountsAndOpenings(labour: PartnerClient, pullBank: PartnerClient, batch: String) async throws {
        try await send(labour, "POST", "/v1/asxh/batches/\(batch)/accounts", expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches/\(batch)/accounts?period=2026-13", expect: 400)
        try await send(labour, "POST", "/v1/asxh/batches/no-such-batch/accounts?period=\(Self.period)", expect: 404)
        let accounts = try await finished(labour, job: try await startJob(labour, "/v1/asxh/batches/\(batch)/accounts?period=\(Self.period)"))
        XCTAssertEqual(accounts["state"] as? String, "done", "\(accounts)")
        XCTAssertGreaterThan(accounts["processed"] as? Int ?? 0, 0, "accounts were checked")

        try await send(labour, "POST", "/v1/asxh/batches/\(batch)/open-accounts", expect: 400)
        let openings = try await finished(labour, job: try await startJob(labour, "/v1/asxh/batches/\(batch)/open-accounts?period=\(Self.period)"))
        XCTAssertEqual(openings["state"] as? String, "done", "\(openings)")
        XCTAssertGreaterThan(openings["processed"] as? Int ?? 0, 0, "account-opening requests were sent")

        // The pull bank (the registry's default bank) opens the accounts it was asked for.
        let answered = try await answerOpenings(pullBank)
        XCTAssertGreaterThan(answered, 0, "the default bank received requests")
        let results = try await finished(labour, job: try await startJob(labour, "/v1/asxh/results"))
        XCTAssertEqual(results["state"] as? String, "done", "\(results)")
        XCTAssertNil(results["batch"], "a results job has no batch")
        XCTAssertEqual(results["processed"] as? Int, answered)
    }

    /// The discrepancy list (with and without a period), the payment decisions, the job list; their refusals.
    func reports(labour: PartnerClient, outsider: PartnerClient, batch: String) async throws {
        let report = try object(try await send(labour, "GET", "/v1/asxh/batches/\(batch)/discrepancies", expect: 200).body)
        let kinds = Set((report["lines"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
        XCTAssertTrue(kinds.isSuperset(of: ["returned-to-commune", "not-found"]), "\(kinds)")
        try await send(labour, "GET", "/v1/asxh/batches/\(batch)/discrepancies?period=\(Self.period)", expect: 200)
        try await send(labour, "GET", "/v1/asxh/batches/\(batch)/discrepancies?period=12-2026", expect: 400)
        try await send(labour, "GET", "/v1/asxh/batches/no-such-batch/discrepancies", expect: 404)
        let payments = try object(try await send(labour, "GET", "/v1/asxh/batches/\(batch)/payments?period=\(Self.period)", expect: 200).body)
        XCTAssertFalse((payments["payments"] as? [Any] ?? []).isEmpty, "decisions for the verified rows")
        try await send(labour, "GET", "/v1/asxh/batches/\(batch)/payments?period=2027-01", expect: 200)
        try await send(labour, "GET", "/v1/asxh/batches/\(batch)/payments", expect: 400)
        try await send(labour, "GET", "/v1/asxh/batches/no-such-batch/payments?period=\(Self.period)", expect: 404)
        try await send(outsider, "GET", "/v1/asxh/batches/\(batch)/payments?period=\(Self.period)", expect: 403)
        let jobs = try object(try await send(labour, "GET", "/v1/asxh/jobs", expect: 200).body)
        XCTAssertEqual((jobs["jobs"] as? [Any])?.count, 5, "two verify jobs, accounts, open-accounts, results")
        try await send(outsider, "GET", "/v1/asxh/jobs", expect: 403)
    }

    /// The reports route (`/reports/{report}`): each report in JSON, CSV and XLSX (by `format` and by `Accept`),
    /// one bank's list, and the refusals (`400` format, period, bank; `403`; `404` report, batch, bank).
    func reportFiles(labour: PartnerClient, outsider: PartnerClient, batch: String) async throws {
        let base = "/v1/asxh/batches/\(batch)/reports"
        let period = "period=\(Self.period)"

        // discrepancies: period optional.
        let report = try object(try await send(labour, "GET", "\(base)/discrepancies", expect: 200).body)
        XCTAssertFalse((report["lines"] as? [Any] ?? []).isEmpty, "the commune has rows to act on")
        try await send(labour, "GET", "\(base)/discrepancies?\(period)&format=json", expect: 200)
        try await file(labour, "\(base)/discrepancies?format=csv", csv: true)
        try await file(labour, "\(base)/discrepancies?\(period)&format=xlsx", csv: false)
        try await send(labour, "GET", "\(base)/discrepancies?format=pdf", expect: 400)
        try await send(labour, "GET", "\(base)/discrepancies?period=2026-1", expect: 400)

        // banks: JSON lists, one bank's list, CSV and XLSX for a BIN.
        let banks = try object(try await send(labour, "GET", "\(base)/banks?\(period)", expect: 200).body)
        let lists = try XCTUnwrap(banks["banks"] as? [[String: Any]])
        let bin = try XCTUnwrap(lists.compactMap { $0["bin"] as? String }.first, "a bank with a list: \(lists.count) lists")
        let one = try object(try await send(labour, "GET", "\(base)/banks?\(period)&bank=\(bin)", expect: 200).body)
        XCTAssertEqual((one["banks"] as? [[String: Any]])?.map { $0["bin"] as? String }, [bin])
        try await file(labour, "\(base)/banks?\(period)&bank=\(bin)&format=csv", csv: true)
        try await file(labour, "\(base)/banks?\(period)&bank=\(bin)", accept: Self.xlsx, csv: false)
        try await send(labour, "GET", "\(base)/banks?\(period)&format=csv", expect: 400)
        try await send(labour, "GET", "\(base)/banks?\(period)&format=xlsx&bank=97041", expect: 400)
        try await send(labour, "GET", "\(base)/banks?\(period)&format=csv&bank=999999", expect: 404)
        try await send(labour, "GET", "\(base)/banks?format=csv&bank=\(bin)", expect: 400)

        // cash and monthly: period required.
        try await send(labour, "GET", "\(base)/cash?\(period)", expect: 200)
        try await file(labour, "\(base)/cash?\(period)", accept: "text/csv, application/json;q=0.5", csv: true)
        try await send(labour, "GET", "\(base)/cash", expect: 400)
        let monthly = try object(try await send(labour, "GET", "\(base)/monthly?\(period)", expect: 200).body)
        XCTAssertEqual(monthly["dueOn"] as? String, "2027-01-01")
        try await send(labour, "GET", "\(base)/monthly?\(period)", accept: "application/json", expect: 200)
        try await file(labour, "\(base)/monthly?\(period)&format=xlsx", csv: false)
        try await file(labour, "\(base)/monthly?\(period)&format=csv", accept: Self.xlsx, csv: true)  // format wins
        try await send(labour, "GET", "\(base)/monthly", expect: 400)

        // Refusals.
        try await send(labour, "GET", "\(base)/summary", expect: 404)
        try await send(labour, "GET", "/v1/asxh/batches/no-such-batch/reports/monthly?\(period)", expect: 404)
        try await send(labour, "GET", "/v1/asxh/batches/no-such-batch/reports/cash?\(period)&format=csv", expect: 404)
        try await send(labour, "GET", "/v1/asxh/batches/\(String(repeating: "b", count: 65))/reports/cash?\(period)", expect: 400)
        try await send(labour, "GET", "\(base)/monthly?\(period)", user: nil, expect: 400)
        try await send(outsider, "GET", "\(base)/monthly?\(period)", expect: 403)
        try await send(outsider, "GET", "\(base)/summary", expect: 403)
    }

    /// A CSV or XLSX report: `200`, its content type, an attachment whose file name has the right extension, and
    /// the file's start (the CSV's byte order mark and `STT` header; the XLSX's ZIP signature).
    func file(_ client: PartnerClient, _ path: String, accept: String? = nil, csv: Bool,
              file: StaticString = #filePath, line: UInt = #line) async throws {
        let answer = try await send(client, "GET", path, accept: accept, expect: 200, file: file, line: line)
        let type = answer.contentType ?? ""
        if csv {
            XCTAssertEqual(type, "text/csv; charset=utf-8", path, file: file, line: line)
            XCTAssertTrue(answer.body.starts(with: [0xEF, 0xBB, 0xBF] + Array("STT,".utf8)), path, file: file, line: line)
        } else {
            XCTAssertEqual(type, Self.xlsx, path, file: file, line: line)
            XCTAssertTrue(answer.body.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a ZIP archive: \(path)", file: file, line: line)
        }
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(harness.endpoints.partnerPort)\(path)")
        request.headers.add(name: "X-User-Id", value: "canbo-01")
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let raw = try await client.http.execute(request, timeout: .seconds(30))
        _ = try await raw.body.collect(upTo: 64 << 20)
        let disposition = raw.headers.first(name: "Content-Disposition") ?? ""
        let pattern = #"^attachment; filename="[a-z0-9.-]+\.\#(csv ? "csv" : "xlsx")"$"#
        XCTAssertNotNil(disposition.range(of: pattern, options: .regularExpression), disposition, file: file, line: line)
    }

    // MARK: - Jobs

    /// Starts a job (`202`) and returns its id.
    func startJob(_ client: PartnerClient, _ path: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let answer = try await send(client, "POST", path, expect: 202, file: file, line: line)
        let job = try XCTUnwrap(try object(answer.body)["job"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(job["state"] as? String, "running", file: file, line: line)
        return try XCTUnwrap(job["id"] as? String, file: file, line: line)
    }

    /// Polls a job until it is no longer running; every poll's answer is checked against the contract.
    func finished(_ client: PartnerClient, job: String, file: StaticString = #filePath, line: UInt = #line) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let state = try object(try await send(client, "GET", "/v1/asxh/jobs/\(job)", expect: 200, file: file, line: line).body)
            if state["state"] as? String != "running" { return state }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("job \(job) still running after 60 s", file: file, line: line)
        return [:]
    }

    /// Answers every account-opening request waiting for the pull bank with `opened`, acknowledging each lease.
    /// Returns how many were answered. These exchanges are not part of the registry API and are not recorded.
    func answerOpenings(_ bank: PartnerClient) async throws -> Int {
        struct Inbox: Decodable {
            struct Item: Decodable {
                struct Payload: Decodable { var requestRef: String }
                var id: String
                var leaseToken: String
                var payload: Payload
            }
            var messages: [Item]
        }
        var answered = 0
        while true {
            let inbox = try await bank.send(method: .GET, path: "/v1/inbox?limit=100&type=asxh.account-opening-request", headers: [], body: nil)
            XCTAssertEqual(inbox.status, 200, String(decoding: inbox.body, as: UTF8.self))
            let items = try JSONDecoder().decode(Inbox.self, from: inbox.body).messages
            if items.isEmpty { return answered }
            for item in items {
                answered += 1
                let envelope = #"{"id":"\#(UUID().uuidString.lowercased())","type":"asxh.account-opening-result","to":"gov.labour.dongnai","payload":{"requestRef":"\#(item.payload.requestRef)","outcome":"opened","accountId":"\#(String(format: "9704180%05d", answered))"}}"#
                let posted = try await bank.send(
                    method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "nv-nganhang")],
                    body: Data(envelope.utf8))
                XCTAssertEqual(posted.status, 202, String(decoding: posted.body, as: UTF8.self))
                let acked = try await bank.send(
                    method: .POST, path: "/v1/inbox/\(item.id)/ack", headers: [("Content-Type", "application/json")],
                    body: Data(#"{"leaseToken":"\#(item.leaseToken)"}"#.utf8))
                XCTAssertEqual(acked.status, 200, String(decoding: acked.body, as: UTF8.self))
            }
        }
    }

    // MARK: - Helpers

    /// One registry request, recorded for the contract check.
    @discardableResult
    func send(
        _ client: PartnerClient, _ method: String, _ path: String, user: String? = "canbo-01",
        requestID: String? = nil, type: String? = nil, accept: String? = nil, body: Data? = nil, expect status: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PartnerClient.Answer {
        var headers: [(String, String)] = []
        if let user { headers.append(("X-User-Id", user)) }
        if let requestID { headers.append(("X-Request-Id", requestID)) }
        if let type { headers.append(("Content-Type", type)) }
        if let accept { headers.append(("Accept", accept)) }
        let answer = try await client.send(method: method == "GET" ? .GET : .POST, path: path, headers: headers, body: body)
        XCTAssertEqual(answer.status, status, "\(method) \(path): \(String(decoding: answer.body.prefix(500), as: UTF8.self))",
                       file: file, line: line)
        // A CSV or XLSX body is not JSON: recorded without it (the contract declares no schema for those types).
        var recorded = answer
        if let type = answer.contentType, !type.contains("json") { recorded.body = Data() }
        answers.record(method: method, path: path, recorded)
        return answer
    }

    func object(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))
    }
}
