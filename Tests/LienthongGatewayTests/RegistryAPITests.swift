import Foundation
import LienthongAudit
import LienthongClient
import LienthongGateway
import LienthongSimulators
import LienthongTabular
import XCTest

/// The registry's API on the partner listener (SPEC §6, `/v1/asxh`): uploads (CSV and XLSX), refusals, a verify job
/// run in the background through the gateway's own exchange path, its progress, the discrepancies, the audit trail.
final class RegistryAPITests: XCTestCase {
    static let csv = "text/csv"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func testUploadVerifyJobDiscrepanciesAndRefusals() async throws {
        try await uploadVerifyJobDiscrepanciesAndRefusals(storageURL: nil)
    }

    /// The same with the gateway on PostgreSQL (`[storage] url`): the registry lives in the database with the queue
    /// and the audit chain. Skipped without `LIENTHONG_TEST_POSTGRES`.
    func testTheSameOnPostgreSQL() async throws {
        let database = try ThrowawayDatabase(prefix: "registry_api")
        defer { database.drop() }
        try await uploadVerifyJobDiscrepanciesAndRefusals(storageURL: database.url)
        XCTAssertEqual(try database.value("SELECT count(*) FROM registry_batch"), "2", "the two accepted lists are in PostgreSQL")
    }

    func uploadVerifyJobDiscrepanciesAndRefusals(storageURL: String?) async throws {
        let harness = try GatewayHarness()
        try await harness.start(registry: true, storageURL: storageURL)
        let labour = try harness.client("gov.labour.dongnai")
        let bank = try harness.client("bank.970436")
        let files = harness.dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let reference = SyntheticPopulation.referenceDate.iso

        let list = BeneficiaryListGenerator(citizens: harness.register, accounts: harness.accounts, seed: 3)
            .make(rows: 30, defects: [.nfdName, .wrongBirthYear, .missingID, .duplicate, .unknownID])
        let csvFile = files.appendingPathComponent("danh-sach.csv")
        let xlsxFile = files.appendingPathComponent("danh-sach.xlsx")
        try list.write(csv: csvFile)
        try list.write(xlsx: xlsxFile)

        // Upload as CSV and as XLSX: the same counts.
        var batchIDs: [String] = []
        for (file, type) in [(csvFile, Self.csv), (xlsxFile, Self.xlsx)] {
            let answer = try await upload(labour, file: file, name: file.lastPathComponent, type: type, reference: reference)
            XCTAssertEqual(answer.status, 201, String(decoding: answer.body, as: UTF8.self))
            let summary = try object(answer.body)
            let counts = try XCTUnwrap(summary["counts"] as? [String: Any])
            XCTAssertEqual(counts["total"] as? Int, 30)
            XCTAssertEqual(counts["returnedToCommune"] as? Int, 3, "wrong birth year, missing id, duplicate")
            XCTAssertEqual(summary["fileName"] as? String, file.lastPathComponent)
            XCTAssertEqual(summary["importedBy"] as? String, "canbo-01")
            batchIDs.append(try XCTUnwrap(summary["id"] as? String))
        }
        let listed = try object(try await get(labour, "/v1/asxh/batches").body)
        XCTAssertEqual((listed["batches"] as? [Any])?.count, 2)

        // A list without the "Ngày sinh" column: 400 naming it, nothing stored.
        var broken = list
        let dobColumn = try XCTUnwrap(broken.headers.firstIndex(of: "Ngày sinh"))
        broken.headers.remove(at: dobColumn)
        broken.rows = broken.rows.map { var row = $0; row.remove(at: dobColumn); return row }
        let brokenFile = files.appendingPathComponent("thieu-cot.csv")
        try broken.write(csv: brokenFile)
        let refused = try await upload(labour, file: brokenFile, name: "thieu-cot.csv", type: Self.csv, reference: reference)
        XCTAssertEqual(refused.status, 400)
        let detail = try XCTUnwrap(refused.problem?.detail)
        XCTAssertTrue(detail.contains("Ngày sinh"), detail)
        XCTAssertTrue(detail.contains("thieu-cot.csv"), detail)
        for row in list.rows.prefix(3) { XCTAssertFalse(detail.contains(row[1]), "no value of the list in the detail") }
        let afterRefusal = try object(try await get(labour, "/v1/asxh/batches").body)
        XCTAssertEqual((afterRefusal["batches"] as? [Any])?.count, 2, "nothing stored")

        // Wrong media type, a member outside registry.users, no X-User-Id.
        let wrongType = try await upload(labour, file: csvFile, name: "danh-sach.csv", type: "application/json", reference: reference)
        XCTAssertEqual(wrongType.status, 415)
        let outsider = try await upload(bank, file: csvFile, name: "danh-sach.csv", type: Self.csv, reference: reference)
        XCTAssertEqual(outsider.status, 403)
        let outsiderList = try await get(bank, "/v1/asxh/batches")
        XCTAssertEqual(outsiderList.status, 403)
        let anonymous = try await labour.send(method: .GET, path: "/v1/asxh/batches", headers: [], body: nil)
        XCTAssertEqual(anonymous.status, 400)
        let unknown = try await get(labour, "/v1/asxh/batches/no-such-batch")
        XCTAssertEqual(unknown.status, 404)

        // Verify in the background; a second verify of the same batch while it runs is a conflict.
        let batch = batchIDs[0]
        let started = try await post(labour, "/v1/asxh/batches/\(batch)/verify")
        XCTAssertEqual(started.status, 202, String(decoding: started.body, as: UTF8.self))
        let job = try XCTUnwrap(try object(started.body)["job"] as? [String: Any])
        XCTAssertEqual(job["state"] as? String, "running")
        XCTAssertEqual(job["kind"] as? String, "verify")
        let jobID = try XCTUnwrap(job["id"] as? String)
        let second = try await post(labour, "/v1/asxh/batches/\(batch)/verify")
        var final: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            final = try object(try await get(labour, "/v1/asxh/jobs/\(jobID)").body)
            if final["state"] as? String != "running" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // The second request either met the running job (409) or came after it had already finished (202).
        XCTAssertTrue([409, 202].contains(second.status), "\(second.status)")
        if second.status == 202, let other = try object(second.body)["job"] as? [String: Any], let otherID = other["id"] as? String {
            while ContinuousClock.now < deadline,
                  try object(try await get(labour, "/v1/asxh/jobs/\(otherID)").body)["state"] as? String == "running" {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        XCTAssertEqual(final["state"] as? String, "done", "\(final)")
        XCTAssertNotNil(final["finishedAt"])
        let progress = try XCTUnwrap(final["progress"] as? [String: Any])
        XCTAssertEqual(progress["done"] as? Int, progress["total"] as? Int)
        XCTAssertEqual((progress["byStatus"] as? [String: Any])?["not_found"] as? Int, 1, "the unknown number")
        let jobsAnswer = try await get(labour, "/v1/asxh/jobs")
        let jobs = try XCTUnwrap(try object(jobsAnswer.body)["jobs"] as? [[String: Any]])
        XCTAssertTrue(jobs.contains { $0["id"] as? String == jobID && $0["state"] as? String == "done" }, "the job is listed")
        let view = try object(try await get(labour, "/v1/asxh/batches/\(batch)").body)
        XCTAssertEqual((view["verification"] as? [String: Any])?["done"] as? Int, progress["total"] as? Int)

        // Discrepancies: the rows returned to the commune and the number not found.
        let report = try object(try await get(labour, "/v1/asxh/batches/\(batch)/discrepancies").body)
        let lines = try XCTUnwrap(report["lines"] as? [[String: Any]])
        let returnedRows = Set(lines.filter { $0["kind"] as? String == "returned-to-commune" }.compactMap { $0["row"] as? Int })
        let expected = Set(list.defects.filter { [.wrongBirthYear, .missingID, .duplicate].contains($0.value) }.map(\.key))
        XCTAssertTrue(expected.isSubset(of: returnedRows), "returned \(returnedRows), expected \(expected)")
        XCTAssertEqual(lines.filter { $0["kind"] as? String == "not-found" }.count, 1)
        let noPeriod = try await get(labour, "/v1/asxh/batches/\(batch)/payments")
        XCTAssertEqual(noPeriod.status, 400, "a period is required")
        let payments = try await get(labour, "/v1/asxh/batches/\(batch)/payments?period=2026-12")
        XCTAssertEqual(payments.status, 200)

        // The audit log: the API's requests (target asxh) and the registry's own calls as the labour department.
        let records = try await harness.chainRecords()
        let asxh = records.filter { $0.target == "asxh" }
        XCTAssertTrue(asxh.contains { $0.action == "asxh.import" && $0.status == 201 && $0.user == "canbo-01" })
        XCTAssertTrue(asxh.contains { $0.action == "asxh.import" && $0.status == 403 && $0.actor == "bank.970436" })
        XCTAssertTrue(asxh.contains { $0.action == "asxh.verify" && $0.status == 202 })
        let calls = records.filter { $0.target == "population.verify-citizen" && $0.actor == "gov.labour.dongnai" && $0.user == "canbo-01" }
        XCTAssertEqual(calls.count, progress["total"] as? Int, "each row verified once, through the exchange path")

        try await labour.shutdown()
        try await bank.shutdown()
        await harness.stop()
    }

    /// The reports route after a verification and an account check: the monthly report's counts match the batch,
    /// its XLSX opens in openpyxl with the Vietnamese header row, the CSV starts with that row, one bank's list by
    /// BIN, and the refusals (`400` bank list in CSV without a bank, `404` unknown report); every report is audited.
    func testReportsInJSONCSVAndXLSX() async throws {
        let harness = try GatewayHarness()
        try await harness.start(registry: true)
        let labour = try harness.client("gov.labour.dongnai")
        let files = harness.dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let list = BeneficiaryListGenerator(citizens: harness.register, accounts: harness.accounts, seed: 5)
            .make(rows: 40, defects: [.wrongBirthYear, .missingID, .duplicate, .unknownID])
        let csvFile = files.appendingPathComponent("danh-sach.csv")
        try list.write(csv: csvFile)
        let uploaded = try await upload(labour, file: csvFile, name: "danh-sach.csv", type: Self.csv,
                                        reference: SyntheticPopulation.referenceDate.iso)
        XCTAssertEqual(uploaded.status, 201, String(decoding: uploaded.body, as: UTF8.self))
        let summary = try object(uploaded.body)
        let batch = try XCTUnwrap(summary["id"] as? String)
        let batchCounts = try XCTUnwrap(summary["counts"] as? [String: Any])
        let period = "2026-12"
        for path in ["/v1/asxh/batches/\(batch)/verify", "/v1/asxh/batches/\(batch)/accounts?period=\(period)"] {
            let job = try await finishedJob(labour, start: path)
            XCTAssertEqual(job["state"] as? String, "done", "\(path): \(job)")
        }
        let base = "/v1/asxh/batches/\(batch)/reports"

        // The monthly report in JSON: every row counted once (one category per row in this list), by status as
        // the batch summary, the verification and the payment decisions say.
        let monthlyAnswer = try await get(labour, "\(base)/monthly?period=\(period)")
        XCTAssertEqual(monthlyAnswer.status, 200, String(decoding: monthlyAnswer.body, as: UTF8.self))
        XCTAssertEqual(monthlyAnswer.contentType, "application/json")
        let monthly = try object(monthlyAnswer.body)
        XCTAssertEqual(monthly["batch"] as? String, batch)
        XCTAssertEqual(monthly["title"] as? String, "Báo cáo tháng 12/2026")
        XCTAssertEqual(monthly["dueOn"] as? String, "2027-01-01")
        XCTAssertEqual(monthly["totalRows"] as? Int, 40)
        let counts = try XCTUnwrap(monthly["counts"] as? [[String: Any]])
        func total(_ include: ([String: Any]) -> Bool) -> Int { counts.filter(include).reduce(0) { $0 + ($1["count"] as? Int ?? 0) } }
        XCTAssertEqual(total { _ in true }, 40, "each row once")
        XCTAssertEqual(total { $0["verificationStatus"] as? String == "returned-to-commune" }, batchCounts["returnedToCommune"] as? Int)
        XCTAssertEqual(total { $0["verificationStatus"] as? String == "not_found" }, 1, "the unknown number")
        let paymentsAnswer = try await get(labour, "/v1/asxh/batches/\(batch)/payments?period=\(period)")
        let payments = try XCTUnwrap(try object(paymentsAnswer.body)["payments"] as? [[String: Any]])
        var byPayment: [String: Int] = [:]
        for payment in payments { byPayment[((payment["decision"] as? [String: Any])?["status"] as? String) ?? "?", default: 0] += 1 }
        for (status, n) in byPayment {
            XCTAssertEqual(total { $0["paymentStatus"] as? String == status }, n, "payment status \(status)")
        }
        XCTAssertEqual(total { $0["paymentStatus"] != nil }, payments.count, "a payment status for each verified row")
        let districts = Set(counts.compactMap { $0["district"] as? String })
        XCTAssertFalse(districts.isEmpty)

        // The monthly report as XLSX: an attachment that openpyxl opens, with the Vietnamese header row.
        let monthlyHeaders = ["STT", "Quận/huyện", "Xã/phường", "Đối tượng", "Trạng thái đối chiếu", "Trạng thái chi trả", "Số lượng"]
        let xlsx = try await get(labour, "\(base)/monthly?period=\(period)&format=xlsx")
        XCTAssertEqual(xlsx.status, 200)
        XCTAssertEqual(xlsx.contentType, Self.xlsx)
        let xlsxFile = files.appendingPathComponent("bao-cao.xlsx")
        try xlsx.body.write(to: xlsxFile)
        let reader = try TabularReader(url: xlsxFile)
        XCTAssertEqual(reader.headers, monthlyHeaders, "the gateway's own reader")
        reader.close()
        let openpyxl = (try? ContractConformanceTests.python(["-c", "import openpyxl"], stdin: nil))?.status == 0
        if openpyxl {
            let script = """
                import json, sys, openpyxl
                sheet = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]
                rows = [list(row) for row in sheet.iter_rows(values_only=True)]
                print(json.dumps({"title": sheet.title, "header": rows[0], "rows": len(rows) - 1,
                                  "total": sum(row[-1] for row in rows[1:])}, ensure_ascii=False))
                """
            let run = try ContractConformanceTests.python(["-c", script, xlsxFile.path], stdin: nil)
            XCTAssertEqual(run.status, 0, run.stderr)
            let opened = try object(Data(run.stdout.utf8))
            XCTAssertEqual(opened["header"] as? [String], monthlyHeaders)
            XCTAssertEqual(opened["title"] as? String, "Báo cáo tháng 12-2026")
            XCTAssertEqual(opened["rows"] as? Int, counts.count, "one row per count")
            XCTAssertEqual(opened["total"] as? Int, 40, "the counts are number cells adding up to the batch")
        }

        // The monthly report as CSV (asked by Accept): UTF-8 with a BOM, the Vietnamese header row first.
        let csvAnswer = try await labour.send(
            method: .GET, path: "\(base)/monthly?period=\(period)", headers: [("X-User-Id", "canbo-01"), ("Accept", "text/csv")], body: nil)
        XCTAssertEqual(csvAnswer.status, 200)
        XCTAssertEqual(csvAnswer.contentType, "text/csv; charset=utf-8")
        XCTAssertTrue(csvAnswer.body.starts(with: [0xEF, 0xBB, 0xBF]), "a byte order mark for Excel")
        let csvLines = String(decoding: csvAnswer.body.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(csvLines.first?.components(separatedBy: ","), monthlyHeaders)
        XCTAssertEqual(csvLines.count, counts.count + 1)

        // The list for one bank: JSON filtered by BIN, then the same list as CSV.
        let banksAnswer = try await get(labour, "\(base)/banks?period=\(period)")
        XCTAssertEqual(banksAnswer.status, 200)
        let lists = try XCTUnwrap(try object(banksAnswer.body)["banks"] as? [[String: Any]])
        let bank = try XCTUnwrap(lists.first { $0["bin"] != nil })
        let bin = try XCTUnwrap(bank["bin"] as? String)
        let bankLines = try XCTUnwrap(bank["lines"] as? [[String: Any]])
        XCTAssertFalse(bankLines.isEmpty)
        XCTAssertTrue(bankLines.allSatisfy { ["needs-account", "ready-cashless"].contains($0["status"] as? String ?? "") })
        let onlyOneAnswer = try await get(labour, "\(base)/banks?period=\(period)&bank=\(bin)")
        let onlyOne = try XCTUnwrap(try object(onlyOneAnswer.body)["banks"] as? [[String: Any]])
        XCTAssertEqual(onlyOne.count, 1)
        XCTAssertEqual((onlyOne.first?["lines"] as? [Any])?.count, bankLines.count)
        let bankCSV = try await get(labour, "\(base)/banks?period=\(period)&bank=\(bin)&format=csv")
        XCTAssertEqual(bankCSV.status, 200)
        let bankRows = String(decoding: bankCSV.body.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(bankRows.first?.components(separatedBy: ","), [
            "STT", "Dòng trong danh sách", "Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Người nhận",
            "Số định danh người nhận", "Số tài khoản", "Xã/phường", "Quận/huyện", "Đối tượng", "Tình trạng",
            "Mã yêu cầu mở tài khoản",
        ])
        XCTAssertEqual(bankRows.count, bankLines.count + 1, "one line per payee")
        let otherBIN = bin == "999999" ? "999998" : "999999"
        let noList = try await get(labour, "\(base)/banks?period=\(period)&bank=\(otherBIN)&format=csv")
        XCTAssertEqual(noList.status, 404)

        // Refusals: a bank list in CSV without a bank, an unknown report, a bad format.
        let noBank = try await get(labour, "\(base)/banks?period=\(period)&format=csv")
        XCTAssertEqual(noBank.status, 400)
        XCTAssertTrue(noBank.problem?.detail.contains("bank") ?? false, "\(String(describing: noBank.problem))")
        let unknown = try await get(labour, "\(base)/payroll?period=\(period)")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.problem?.type, "urn:lienthong:error:not-found")
        let badFormat = try await get(labour, "\(base)/cash?period=\(period)&format=ods")
        XCTAssertEqual(badFormat.status, 400)

        // The report folders are gone; the requests are audited by report.
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: URL(fileURLWithPath: harness.configuration.gateway.dataDirectory).appendingPathComponent("registry-uploads").path)
            .filter { $0.hasPrefix("report-") }
        XCTAssertEqual(leftovers, [], "every report folder is removed")
        let actions = Set(try harness.auditRecords().filter { $0.target == "asxh" && $0.status == 200 }.map(\.action))
        XCTAssertTrue(actions.isSuperset(of: ["asxh.report.monthly", "asxh.report.banks"]), "\(actions)")
        XCTAssertTrue(try harness.auditRecords().contains { $0.action == "asxh.report" && $0.status == 404 })

        try await labour.shutdown()
        await harness.stop()
        if !openpyxl { throw XCTSkip("python3 lacks openpyxl: the XLSX was checked with the gateway's own reader only") }
    }

    /// Starts a job and waits until it is no longer running (60 s at most).
    func finishedJob(_ client: PartnerClient, start path: String) async throws -> [String: Any] {
        let started = try await post(client, path)
        XCTAssertEqual(started.status, 202, String(decoding: started.body, as: UTF8.self))
        let id = try XCTUnwrap((try object(started.body)["job"] as? [String: Any])?["id"] as? String)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let job = try object(try await get(client, "/v1/asxh/jobs/\(id)").body)
            if job["state"] as? String != "running" { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("job \(id) still running after 60 s")
        return [:]
    }

    // MARK: Helpers

    func upload(_ client: PartnerClient, file: URL, name: String, type: String, reference: String) async throws -> PartnerClient.Answer {
        let query = "name=\(name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? name)&referenceDate=\(reference)"
        return try await client.send(
            method: .POST, path: "/v1/asxh/batches?\(query)",
            headers: [("Content-Type", type), ("X-User-Id", "canbo-01")], body: try Data(contentsOf: file))
    }

    func get(_ client: PartnerClient, _ path: String) async throws -> PartnerClient.Answer {
        try await client.send(method: .GET, path: path, headers: [("X-User-Id", "canbo-01")], body: nil)
    }

    func post(_ client: PartnerClient, _ path: String) async throws -> PartnerClient.Answer {
        try await client.send(method: .POST, path: path, headers: [("X-User-Id", "canbo-01")], body: nil)
    }

    func object(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))
    }
}
