import Foundation
import LienthongAudit
import LienthongClient
import LienthongGateway
import LienthongSimulators
import XCTest

/// The registry's API on the partner listener (SPEC §6, `/v1/asxh`): uploads (CSV and XLSX), refusals, a verify job
/// run in the background through the gateway's own exchange path, its progress, the discrepancies, the audit trail.
final class RegistryAPITests: XCTestCase {
    static let csv = "text/csv"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func testUploadVerifyJobDiscrepanciesAndRefusals() async throws {
        let harness = try GatewayHarness()
        try await harness.start(registry: true)
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
        let records = try harness.auditRecords()
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
