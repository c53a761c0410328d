import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongLabor
import LienthongSimulators
import XCTest

/// The labour analysis API on the partner listener (SPEC §7, `/v1/labor`, `Contracts/services/labor.md`), through a
/// real gateway with `[labor]` (``GatewayHarness`` with `labor: true, laborPartners: true`): the industrial-zone
/// board's worker records checked record by record, a social-insurance sync, commune surveys (CSV and XLSX, and two
/// broken ones refused whole), one round of taking the inbox and verifying identities against the population
/// simulator, the analysis checked against counts made here from the generated records, suppression, the CSV and
/// XLSX exports, the IOC feed's single reader, the refusals, and the audit trail (no personal data anywhere).
final class LaborAPITests: XCTestCase {
    var harness: GatewayHarness!

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    /// (a) records, sync, surveys, ingest; (b) the analysis and its suppression; (c) CSV and XLSX; (f) the audit.
    func testRecordsSurveysIngestAnalysisAndExports() async throws {
        harness = try GatewayHarness()
        try await harness.start(labor: true, laborPartners: true)
        let traffic = try LaborTraffic(harness: harness)
        defer { traffic.shutdown() }

        try await traffic.sendAndIngest()
        try await traffic.analyses()
        try await traffic.exports()
        try traffic.auditAndPersonalData(expectActions: ["labor.status", "labor.import", "labor.ingest", "labor.analysis"])
    }

    /// (a)–(c) with the gateway on PostgreSQL (`[storage] url`): the labour records live in the database with the
    /// queue and the audit chain, and the API answers the same. Skipped without `LIENTHONG_TEST_POSTGRES`.
    func testTheSameOnPostgreSQL() async throws {
        let database = try ThrowawayDatabase(prefix: "labor_api")
        defer { database.drop() }
        harness = try GatewayHarness()
        try await harness.start(labor: true, laborPartners: true, storageURL: database.url)
        let traffic = try LaborTraffic(harness: harness)
        defer { traffic.shutdown() }
        try await traffic.sendAndIngest()
        try await traffic.analyses()
        try await traffic.exports()
        await harness.stop()
        harness = nil

        // The records are in PostgreSQL, not in a SQLite file beside the gateway.
        XCTAssertGreaterThan(Int(try database.value("SELECT count(*) FROM labor_record")) ?? 0, 0)
        let actions = try database.value("SELECT DISTINCT action FROM audit_record WHERE target = 'labor' ORDER BY 1")
        XCTAssertEqual(actions.split(separator: "\n").map(String.init), ["labor.analysis", "labor.import", "labor.ingest", "labor.status"])
    }

    /// (d) the IOC feed's single reader; (e) who may call the rest, and the malformed requests; (f) their audit.
    func testWhoMayCallWhatAndRefusals() async throws {
        harness = try GatewayHarness()
        try await harness.start(labor: true, laborPartners: true)
        let traffic = try LaborTraffic(harness: harness)
        defer { traffic.shutdown() }

        try await traffic.iocFeedAccess()
        try await traffic.refusals()
        try traffic.auditAndPersonalData(expectActions: ["labor.ioc-feed", "labor.analysis", "labor.import", "labor.ingest"])
        let records = try harness.auditRecords().filter { $0.target == "labor" }
        XCTAssertTrue(records.contains { $0.action == "labor.ioc-feed" && $0.status == 200 && $0.actor == "gov.ioc.dongnai" })
        XCTAssertTrue(records.contains { $0.action == "labor.ioc-feed" && $0.status == 403 && $0.actor == "gov.labour.dongnai" })
        XCTAssertTrue(records.contains { $0.action == "labor.analysis" && $0.status == 403 && $0.actor == "bank.970436" })
        XCTAssertTrue(records.contains { $0.action == "labor.analysis" && $0.status == 400 && $0.user == LaborTraffic.user })
    }
}

// MARK: - The synthetic data

/// The generated worker records of the harness's population, split as the gateway receives them: factory workers of
/// the industrial zones (a `labor.worker-records` message, plus one broken record and one person the population
/// register does not hold) and everyone else (commune surveys, half CSV, half XLSX). Synthetic data only.
struct LaborFixture {
    /// The analysis date and the records' as-of date.
    static let date = SyntheticPopulation.referenceDate

    /// Every generated record (one per citizen aged 15+ with a number).
    let records: [WorkerRecord]
    /// The industrial-zone board's records.
    let industrial: [WorkerRecord]
    /// The communes' records.
    let survey: [WorkerRecord]
    /// A worker whose personal id number the register does not hold (valid number, consistent with birth and sex).
    let stranger: WorkerRecord
    /// Position of the broken record in the posted `records`.
    let badIndex = 1
    /// The broken record: a real person's record with a district code of letters.
    let bad: WorkerRecord

    init(register: [SyntheticCitizen]) throws {
        records = WorkerRecordGenerator(citizens: register, seed: 7).make(asOf: Self.date)
        industrial = records.filter { $0.source == .industrialZone }
        survey = records.filter { $0.source != .industrialZone }
        let held = Set(register.compactMap(\.registeredPersonalId))
        var serial = 987_654
        var id = PersonalID.make(provinceCode: "075", birthYear: 1988, sex: .female, serial: serial)
        while held.contains(id.digits) {
            serial -= 1
            id = PersonalID.make(provinceCode: "075", birthYear: 1988, sex: .female, serial: serial)
        }
        stranger = WorkerRecord(
            personalID: id, fullName: "Lê Thị Ngoài Sổ", dateOfBirth: try CalendarDate(iso: "1988-05-05"), sex: .female,
            districtCode: "731", communeCode: "73101", area: .urban, education: .upperSecondary, qualification: .none,
            employmentStatus: .employed, jobTitle: "Công nhân", sector: EconomicSector(rawValue: "C"), incomeBand: .from5to10m,
            socialInsurance: .compulsory, asOf: Self.date, source: .industrialZone)
        bad = survey[0]
    }

    /// The `labor.worker-records` payload: the industrial records, the broken one at ``badIndex``, the stranger last.
    var workerPayload: JSONValue {
        var items = industrial.map(WorkerRecordGenerator.json)
        guard case .object(var broken) = WorkerRecordGenerator.json(bad) else { preconditionFailure("an object") }
        broken["districtCode"] = .string("7A1")
        items.insert(.object(broken), at: badIndex)
        items.append(WorkerRecordGenerator.json(stranger))
        return .object(["records": .array(items)])
    }

    /// Records the population database confirms, aged 15+ on ``date``: what the analysis counts.
    var counted: [WorkerRecord] { records }

    /// Every personal id number and full name of the fixture (none may appear in a log, a detail or an audit record).
    var personalData: [String] {
        (records + [stranger]).flatMap { [$0.personalID.digits, $0.fullName] }
    }

    /// Expected counts by the value codes of `key` (the analysis' dimension values), on ``date``.
    func counts(_ key: (WorkerRecord) -> [String]) -> [[String]: Int] {
        var out: [[String]: Int] = [:]
        for record in counted { out[key(record), default: 0] += 1 }
        return out
    }

    /// The value code of `record` for a dimension name of the API.
    static func value(_ dimension: String, _ record: WorkerRecord) -> String {
        switch dimension {
        case "ageGroup":
            let bands = AgeBands.default
            return bands.band(dateOfBirth: record.dateOfBirth, on: date).map { bands.labels[$0] } ?? "under"
        case "sex": return record.sex.rawValue
        case "commune": return record.communeCode
        case "district": return record.districtCode
        case "area": return record.area.rawValue
        case "employmentStatus": return record.employmentStatus.rawValue
        default: preconditionFailure("dimension \(dimension) not computed by the fixture")
        }
    }

    /// A message envelope as JSON bytes.
    static func envelope(id: UUID = UUID(), type: String, to: String = "gov.labour.dongnai", payload: JSONValue) -> Data {
        let payloadText = String(decoding: JCS.canonicalize(payload), as: UTF8.self)
        return Data(#"{"id":"\#(id.uuidString.lowercased())","type":"\#(type)","to":"\#(to)","payload":\#(payloadText)}"#.utf8)
    }
}

// MARK: - The exchanges, shared with LaborContractTests

/// Drives the labour API through a real gateway, checking each answer's meaning; every answer is also recorded in
/// ``log`` (without the body of CSV and XLSX answers) for `scripts/check-answer.py`.
final class LaborTraffic {
    static let user = "canbo-ld-01"
    static let csv = "text/csv"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    let harness: GatewayHarness
    let fixture: LaborFixture
    let labour: PartnerClient
    let iz: PartnerClient
    let vss: PartnerClient
    let ioc: PartnerClient
    let bank: PartnerClient
    let files: URL
    var log = AnswerLog()
    /// The `detail` of every problem answer seen.
    var details: [String] = []
    /// Personal data made up beyond the fixture's (checked like it).
    var extraPersonalData: [String] = []

    init(harness: GatewayHarness) throws {
        self.harness = harness
        fixture = try LaborFixture(register: harness.register)
        labour = try harness.client("gov.labour.dongnai")
        iz = try harness.client("gov.iz.dongnai")
        vss = try harness.client("gov.vss.dongnai")
        ioc = try harness.client("gov.ioc.dongnai")
        bank = try harness.client("bank.970436")
        files = harness.dir.appendingPathComponent("labor-files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
    }

    func shutdown() {
        for client in [labour, iz, vss, ioc, bank] { Task { try? await client.shutdown() } }
    }

    var date: String { LaborFixture.date.iso }

    // MARK: (a) records, sync, surveys, ingest

    func sendAndIngest() async throws {
        let empty = try await status()
        XCTAssertEqual(empty["records"] as? Int, 0)

        // The industrial-zone board's records: one refused (index and field, no value), the rest accepted.
        let posted = try await send(iz, "POST", "/v1/messages", type: "application/json",
                                    body: LaborFixture.envelope(type: "labor.worker-records", payload: fixture.workerPayload),
                                    expect: 202, record: false)
        let accepted = try object(posted.body)
        let validation = try XCTUnwrap(accepted["validation"] as? [String: Any], "the sender gets the report")
        XCTAssertEqual(validation["total"] as? Int, fixture.industrial.count + 2)
        XCTAssertEqual(validation["accepted"] as? Int, fixture.industrial.count + 1)
        let refused = try XCTUnwrap(validation["refused"] as? [[String: Any]])
        XCTAssertEqual(refused.count, 1)
        XCTAssertEqual(refused.first?["index"] as? Int, fixture.badIndex)
        XCTAssertEqual(refused.first?["field"] as? String, "districtCode")
        let postedText = String(decoding: posted.body, as: UTF8.self)
        for value in [fixture.bad.personalID.digits, fixture.bad.fullName, "7A1"] {
            XCTAssertFalse(postedText.contains(value), "the report names the field, never the value")
        }

        // The social-insurance sync (facts, never records of their own).
        let sync = harness.participants.syncBatch(count: 30, seed: 5)
        let synced = try await send(vss, "POST", "/v1/messages", type: "application/json",
                                    body: LaborFixture.envelope(type: "vss.participant-sync", payload: sync), expect: 202, record: false)
        let syncAccepted = try XCTUnwrap((try object(synced.body)["validation"] as? [String: Any])?["accepted"] as? Int)

        // Two commune surveys, CSV and XLSX.
        let half = fixture.survey.count / 2
        let parts = [(Array(fixture.survey[..<half]), "khao-sat-xa-1.csv", Self.csv),
                     (Array(fixture.survey[half...]), "khao-sat-xa-2.xlsx", Self.xlsx)]
        for (records, name, type) in parts {
            let file = files.appendingPathComponent(name)
            try WorkerRecordGenerator.writeSurvey(records, to: file)
            let answer = try await upload(file, name: name, type: type, expect: 201)
            let summary = try object(answer.body)
            XCTAssertEqual(summary["fileName"] as? String, name)
            XCTAssertEqual(summary["rows"] as? Int, records.count)
            XCTAssertEqual(summary["people"] as? Int, records.count)
            XCTAssertEqual(summary["inserted"] as? Int, records.count)
            XCTAssertEqual(summary["replaced"] as? Int, 0)
        }
        let afterSurveys = try await status()
        XCTAssertEqual(afterSurveys["records"] as? Int, fixture.survey.count, "the board's records wait in the inbox")

        // A survey with a year-only birth date in its third data row (row 4 as the officer sees it): refused whole.
        let yearOnly = files.appendingPathComponent("khao-sat-loi.csv")
        let brokenRecords = Array(fixture.survey.prefix(5))
        try WorkerRecordGenerator.writeSurvey(brokenRecords, to: yearOnly)
        var lines = try String(contentsOf: yearOnly, encoding: .utf8).components(separatedBy: "\r\n")
        let target = brokenRecords[2].dateOfBirth
        let written = String(format: "%02d/%02d/%04d", target.day, target.month, target.year)
        XCTAssertTrue(lines[3].contains(written), "the third data row holds the birth date as dd/mm/yyyy")
        lines[3] = lines[3].replacingOccurrences(of: written, with: String(target.year))
        try lines.joined(separator: "\r\n").write(to: yearOnly, atomically: true, encoding: .utf8)
        let refusedSurvey = try await upload(yearOnly, name: "khao-sat-loi.csv", type: Self.csv, expect: 400)
        let detail = try XCTUnwrap(refusedSurvey.problem?.detail)
        for part in ["khao-sat-loi.csv", "row 4", "Ngày sinh", "full date of birth required"] {
            XCTAssertTrue(detail.contains(part), "\(part) in: \(detail)")
        }
        for record in brokenRecords {
            for value in [record.personalID.digits, record.fullName, String(record.dateOfBirth.year)] {
                XCTAssertFalse(detail.contains(value), "no value of the file in the detail: \(detail)")
            }
        }

        // A survey without the "Giới tính" column: refused, naming it.
        let noSex = files.appendingPathComponent("thieu-cot.csv")
        try WorkerRecordGenerator.writeSurvey(brokenRecords, to: noSex)
        let rows = try String(contentsOf: noSex, encoding: .utf8).components(separatedBy: "\r\n").map { line -> String in
            var cells = line.components(separatedBy: ",")
            if cells.count > 3 { cells.remove(at: 3) }
            return cells.joined(separator: ",")
        }
        XCTAssertFalse(rows[0].contains("Giới tính"))
        try rows.joined(separator: "\r\n").write(to: noSex, atomically: true, encoding: .utf8)
        let missing = try await upload(noSex, name: "thieu-cot.csv", type: Self.csv, expect: 400)
        let missingDetail = try XCTUnwrap(missing.problem?.detail)
        XCTAssertTrue(missingDetail.contains("thieu-cot.csv") && missingDetail.contains("Giới tính"), missingDetail)
        let afterRefusals = try await status()
        XCTAssertEqual(afterRefusals["records"] as? Int, fixture.survey.count, "nothing of a refused file is stored")
        XCTAssertEqual(afterRefusals["people"] as? Int, afterSurveys["people"] as? Int)

        // One round: the inbox taken, every new identity verified; the stranger is not found and left out.
        let round = try object(try await send(labour, "POST", "/v1/labor/ingest", expect: 200).body)
        XCTAssertEqual(round["running"] as? Bool, false)
        XCTAssertNil(round["cause"], "\(round)")
        XCTAssertNotNil(round["finishedAt"])
        let ingest = try XCTUnwrap(round["ingest"] as? [String: Any], "\(round)")
        XCTAssertEqual(ingest["messages"] as? Int, 2)
        XCTAssertEqual(ingest["records"] as? Int, fixture.industrial.count + 1)
        XCTAssertEqual(ingest["socialInsuranceUpdates"] as? Int, syncAccepted)
        XCTAssertEqual(ingest["skipped"] as? Int, 0)
        XCTAssertEqual(round["verified"] as? Int, fixture.records.count + 1, "every person once")

        let counts = try await status()
        XCTAssertEqual(counts["records"] as? Int, fixture.records.count + 1)
        XCTAssertEqual(counts["people"] as? Int, fixture.records.count + 1)
        XCTAssertEqual(counts["unverified"] as? Int, 0)
        XCTAssertEqual(counts["socialInsuranceUpdates"] as? Int, syncAccepted)
        XCTAssertEqual(counts["latestAsOf"] as? String, date)
        // Keyed by status and by source (objects, as the contract says).
        let byIdentity = counts["byIdentity"] as? [String: Int]
        XCTAssertNotNil(byIdentity, "byIdentity must be an object keyed by status, got \(String(describing: counts["byIdentity"]))")
        XCTAssertEqual(byIdentity?["not_found"], 1, "the stranger")
        XCTAssertEqual(byIdentity?.values.reduce(0, +), fixture.records.count + 1)
        let bySource = counts["bySource"] as? [String: Int]
        XCTAssertNotNil(bySource, "bySource must be an object keyed by source, got \(String(describing: counts["bySource"]))")
        XCTAssertEqual(bySource?["industrialZone"], fixture.industrial.count + 1)
        XCTAssertEqual(bySource?["survey"], fixture.survey.count)

        // The last round, as status reports it.
        let view = try await statusView()
        let last = try XCTUnwrap(view["lastRound"] as? [String: Any])
        XCTAssertEqual(last["verified"] as? Int, fixture.records.count + 1)
    }

    // MARK: (b) the analysis

    func analyses() async throws {
        // By age group and sex, the configured threshold (5): published counts equal the test's own.
        let pyramid = try await analysis("by=ageGroup,sex&date=\(date)")
        let population = try XCTUnwrap(pyramid.view["population"] as? [String: Any])
        XCTAssertEqual(population["excludedIdentity"] as? Int, 1, "the stranger")
        XCTAssertEqual(population["unverified"] as? Int, 0)
        XCTAssertEqual(population["people"] as? Int, fixture.records.count)
        XCTAssertEqual(pyramid.threshold, 5)
        XCTAssertEqual(pyramid.values[0], AgeBands.default.labels)
        XCTAssertEqual(pyramid.values[1], ["male", "female"])
        check(pyramid, against: fixture.counts { [LaborFixture.value("ageGroup", $0), LaborFixture.value("sex", $0)] })
        XCTAssertEqual(pyramid.total["count"] as? Int, fixture.records.count)
        let labels = try XCTUnwrap(pyramid.view["labels"] as? [String: [String: String]])
        XCTAssertEqual(labels["sex"]?["female"], "Nữ")
        XCTAssertEqual(labels["ageGroup"]?["65+"], "65+")
        let english = try await analysis("by=gender,age&date=\(date)&lang=en")
        XCTAssertEqual(english.dimensions, ["sex", "ageGroup"], "aliases")
        XCTAssertEqual((english.view["labels"] as? [String: [String: String]])?["sex"]?["female"], "Female")

        // A higher threshold (20): suppression is visible, and no line gives a suppressed entry away.
        let strict = try await analysis("by=ageGroup,sex&date=\(date)&threshold=20")
        XCTAssertEqual(strict.threshold, 20)
        check(strict, against: fixture.counts { [LaborFixture.value("ageGroup", $0), LaborFixture.value("sex", $0)] })
        XCTAssertGreaterThan(strict.suppressed, 0, "some group of the pyramid is under 20")

        // A threshold under the configured one is not honoured: threshold=1 still withholds counts 1–4.
        let communes = try await analysis("by=commune,sex&date=\(date)&threshold=1")
        XCTAssertEqual(communes.threshold, 5)
        let expected = fixture.counts { [LaborFixture.value("commune", $0), LaborFixture.value("sex", $0)] }
        XCTAssertTrue(expected.values.contains { (1..<5).contains($0) }, "the fixture has small commune groups")
        check(communes, against: expected)

        // One dimension, and none (the grand total only).
        let status = try await analysis("by=employmentStatus&date=\(date)")
        XCTAssertTrue(status.rowMargins.isEmpty && status.columnMargins.isEmpty)
        check(status, against: fixture.counts { [LaborFixture.value("employmentStatus", $0)] })
        let total = try await analysis("date=\(date)")
        XCTAssertTrue(total.cells.isEmpty)
        XCTAssertEqual(total.total["count"] as? Int, fixture.records.count)
        let indicators = try XCTUnwrap(total.total["indicators"] as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        let employed = fixture.records.filter { $0.employmentStatus == .employed }
        let unemployed = fixture.records.filter { $0.employmentStatus == .unemployed }.count
        let labourForce = employed.count + unemployed
        XCTAssertEqual(indicators["laborForceParticipationRate"] ?? -1, Double(labourForce) / Double(fixture.records.count), accuracy: 1e-9)
        XCTAssertEqual(indicators["trainedRate"] ?? -1,
                       Double(employed.filter { $0.qualification != .none }.count) / Double(employed.count), accuracy: 1e-9)
        if unemployed >= 5 {
            XCTAssertEqual(indicators["unemploymentRate"] ?? -1, Double(unemployed) / Double(labourForce), accuracy: 1e-9)
        } else {
            XCTAssertNil(indicators["unemploymentRate"], "a numerator under the threshold is not published")
        }
    }

    // MARK: (c) CSV and XLSX

    func exports() async throws {
        let json = try await analysis("by=ageGroup,sex&date=\(date)")
        let lines = json.cells.count + json.rowMargins.count + json.columnMargins.count + 1
        let header = ["Nhóm tuổi", "Giới tính", "Số người", "Tỷ trọng (%)", "Tỷ lệ tham gia LLLĐ (%)", "Tỷ lệ thất nghiệp (%)",
                      "Tỷ lệ qua đào tạo có bằng cấp (%)", "Tỷ lệ tham gia BHXH (%)"]

        let csv = try await send(labour, "GET", "/v1/labor/analysis?by=ageGroup,sex&date=\(date)&format=csv", expect: 200)
        XCTAssertEqual(csv.contentType, "text/csv; charset=utf-8")
        XCTAssertTrue(csv.body.starts(with: [0xEF, 0xBB, 0xBF]), "a byte order mark for Excel")
        let rows = String(decoding: csv.body.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(rows.first?.components(separatedBy: ","), header)
        XCTAssertEqual(rows.count, lines + 1, "one line per cell, margin and the total")
        let emptyCounts = rows.dropFirst().filter { $0.components(separatedBy: ",")[2].isEmpty }.count
        XCTAssertEqual(emptyCounts, json.suppressed, "a suppressed count is an empty cell")
        let englishCSV = try await send(labour, "GET", "/v1/labor/analysis?by=ageGroup,sex&date=\(date)&format=csv&lang=en", expect: 200)
        XCTAssertTrue(String(decoding: englishCSV.body.dropFirst(3), as: UTF8.self).hasPrefix("Age group,Sex,People,"))

        let xlsx = try await send(labour, "GET", "/v1/labor/analysis?by=ageGroup,sex&date=\(date)&format=xlsx", expect: 200)
        XCTAssertEqual(xlsx.contentType, Self.xlsx)
        XCTAssertTrue(xlsx.body.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a ZIP archive")
        let file = files.appendingPathComponent("phan-tich.xlsx")
        try xlsx.body.write(to: file)
        guard (try? ContractConformanceTests.python(["-c", "import openpyxl"], stdin: nil))?.status == 0 else {
            print("LaborAPITests: python3 with openpyxl is not available (scripts/install-deps.sh); the XLSX was not opened")
            return
        }
        let script = """
            import json, sys, openpyxl
            sheet = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            print(json.dumps({"header": rows[0], "rows": len(rows) - 1,
                              "emptyCounts": sum(1 for row in rows[1:] if row[2] is None),
                              "numbers": all(isinstance(row[2], int) for row in rows[1:] if row[2] is not None)},
                             ensure_ascii=False))
            """
        let run = try ContractConformanceTests.python(["-c", script, file.path], stdin: nil)
        XCTAssertEqual(run.status, 0, run.stderr)
        let opened = try object(Data(run.stdout.utf8))
        XCTAssertEqual(opened["header"] as? [String], header)
        XCTAssertEqual(opened["rows"] as? Int, lines)
        XCTAssertEqual(opened["emptyCounts"] as? Int, json.suppressed)
        XCTAssertEqual(opened["numbers"] as? Bool, true, "counts are number cells")
    }

    // MARK: (d) the IOC feed

    func iocFeedAccess() async throws {
        let feed = try object(try await send(ioc, "GET", "/v1/labor/ioc-feed?date=\(date)", expect: 200).body)
        XCTAssertEqual(feed["date"] as? String, date)
        XCTAssertEqual(feed["source"] as? String, "gov.labour.dongnai")
        let tables = try XCTUnwrap(feed["tables"] as? [[String: Any]])
        XCTAssertEqual(tables.map { $0["dimensions"] as? [String] ?? [] }, [
            ["ageGroup", "sex"], ["area", "employmentStatus"], ["district", "employmentStatus"], ["sector"],
            ["socialInsurance"], ["trained", "sex"],
        ])
        XCTAssertTrue(tables.allSatisfy { $0["threshold"] as? Int == 5 })
        try await send(ioc, "GET", "/v1/labor/ioc-feed", expect: 200)   // today
        try await send(ioc, "GET", "/v1/labor/ioc-feed?date=\(date)", user: nil, expect: 400)
        try await send(ioc, "GET", "/v1/labor/ioc-feed?date=2025-13-01", expect: 400)

        // Every other member with a certificate, the labour department included.
        let others = (GatewayHarness.members + GatewayHarness.laborPartnerMembers).filter { $0 != "gov.ioc.dongnai" }
        XCTAssertTrue(others.contains("gov.labour.dongnai"))
        for member in others {
            let client = try harness.client(member)
            let answer = try await send(client, "GET", "/v1/labor/ioc-feed?date=\(date)", expect: 403)
            XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:forbidden", member)
            try? await client.shutdown()
        }
    }

    // MARK: (e) refusals

    func refusals(emptyStore: Bool = true) async throws {
        // Members outside labor.users, the IOC included, for every other route.
        for client in [bank, ioc, iz] {
            try await send(client, "GET", "/v1/labor/analysis?by=sex", expect: 403)
            try await send(client, "GET", "/v1/labor/status", expect: 403)
            try await send(client, "POST", "/v1/labor/ingest", expect: 403)
        }
        let file = files.appendingPathComponent("khao-sat.csv")
        try WorkerRecordGenerator.writeSurvey(Array(fixture.survey.prefix(3)), to: file)
        try await upload(file, name: "khao-sat.csv", type: Self.csv, client: bank, expect: 403)

        // Malformed requests.
        try await send(labour, "GET", "/v1/labor/analysis?by=sex", user: nil, expect: 400)
        let unknown = try await send(labour, "GET", "/v1/labor/analysis?by=shoeSize", expect: 400)
        XCTAssertFalse(unknown.problem?.detail.contains("shoeSize") ?? true, "the caller's text is not echoed")
        try await send(labour, "GET", "/v1/labor/analysis?by=sex&date=2025-02-30", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex&date=01/07/2025", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex,area,sector", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex,gender", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex&threshold=0", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex&threshold=five", expect: 400)
        try await send(labour, "GET", "/v1/labor/analysis?by=sex&format=pdf", expect: 400)
        try await send(labour, "GET", "/v1/labor/status", user: nil, expect: 400)
        try await upload(file, name: "khao-sat.csv", type: "application/json", expect: 415)
        try await upload(file, name: "a/b.csv", type: Self.csv, expect: 400)
        try await upload(file, name: "khao-sat.csv", type: Self.csv, asOf: "2025-7-1", expect: 400)

        // An empty store: every count 0, nothing suppressed.
        let empty = try await analysis("by=sex")
        if emptyStore {
            XCTAssertEqual(empty.total["count"] as? Int, 0)
            XCTAssertEqual(empty.suppressed, 0)
        }
    }

    // MARK: A round while another runs

    /// A second `POST /v1/labor/ingest` while a round runs is `409`: a new record from the board, the population
    /// register slowed down so that verifying it takes a second, the round started in the background and seen running
    /// through `GET /v1/labor/status`.
    func conflictingRound() async throws {
        let id = PersonalID.make(provinceCode: "075", birthYear: 1979, sex: .male, serial: 987_321)
        XCTAssertFalse(harness.register.contains { $0.registeredPersonalId == id.digits })
        var record = fixture.stranger
        record.personalID = id
        record.fullName = "Phạm Văn Ngoài Sổ"
        record.dateOfBirth = try CalendarDate(iso: "1979-02-03")
        record.sex = .male
        extraPersonalData += [id.digits, record.fullName]
        let payload: JSONValue = .object(["records": .array([WorkerRecordGenerator.json(record)])])
        try await send(iz, "POST", "/v1/messages", type: "application/json",
                       body: LaborFixture.envelope(type: "labor.worker-records", payload: payload), expect: 202, record: false)
        harness.faults.setLatency(.seconds(1))
        defer { harness.faults.setLatency(.zero) }
        let background = Task { [labour] () async throws -> PartnerClient.Answer in
            let headers = [("X-User-Id", "canbo-ld-01")]
            return try await labour.send(method: .POST, path: "/v1/labor/ingest", headers: headers, body: nil)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var running = false
        while ContinuousClock.now < deadline, !running {
            running = (try await statusView()["lastRound"] as? [String: Any])?["running"] as? Bool ?? false
            if !running { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertTrue(running, "the background round was seen running")
        let refused = try await send(labour, "POST", "/v1/labor/ingest", expect: 409)
        XCTAssertEqual(refused.problem?.type, "urn:lienthong:error:conflict")
        let first = try await background.value
        XCTAssertEqual(first.status, 200)
        log.record(method: "POST", path: "/v1/labor/ingest", first)
        let round = try object(first.body)
        XCTAssertEqual((round["ingest"] as? [String: Any])?["records"] as? Int, 1)
        XCTAssertEqual(round["verified"] as? Int, 1)
    }

    // MARK: (f) the audit

    /// Every labour request is audited with target `labor`; no audit field and no problem detail holds a personal id
    /// number or a full name of the fixture.
    func auditAndPersonalData(expectActions actions: Set<String>) throws {
        let records = try harness.auditRecords()
        let labor = records.filter { $0.target == "labor" }
        XCTAssertTrue(actions.isSubset(of: Set(labor.map(\.action))), "\(Set(labor.map(\.action)))")
        XCTAssertTrue(labor.allSatisfy { $0.actor.contains(".") }, "the member is the actor")
        XCTAssertTrue(labor.contains { $0.user == Self.user })
        let secrets = fixture.personalData + extraPersonalData
        for record in records {
            for field in [record.actor, record.user, record.action, record.target, record.ref, record.purpose, record.subject] {
                for secret in secrets where field.contains(secret) {
                    XCTFail("audit record \(record.seq) holds personal data in \(record.action)")
                }
            }
        }
        for detail in details {
            for secret in secrets where detail.contains(secret) {
                XCTFail("a problem detail holds personal data: \(detail.prefix(40))…")
            }
        }
    }

    // MARK: - Helpers

    /// An analysis answer.
    struct Analysis {
        var view: [String: Any]
        var body: [String: Any]
        var dimensions: [String] { body["dimensions"] as? [String] ?? [] }
        var values: [[String]] { body["values"] as? [[String]] ?? [] }
        var threshold: Int { body["threshold"] as? Int ?? -1 }
        var cells: [[String: Any]] { body["cells"] as? [[String: Any]] ?? [] }
        var rowMargins: [[String: Any]] { body["rowMargins"] as? [[String: Any]] ?? [] }
        var columnMargins: [[String: Any]] { body["columnMargins"] as? [[String: Any]] ?? [] }
        var total: [String: Any] { body["total"] as? [String: Any] ?? [:] }
        /// Suppressed cells, margins and total.
        var suppressed: Int { (body["suppressedCells"] as? Int ?? 0) + (body["suppressedMargins"] as? Int ?? 0) }

        /// The sum equations: rows, columns, and the margins with the total (one line for a 1-D table).
        var lines: [[[String: Any]]] {
            switch dimensions.count {
            case 1: return [cells + [total]]
            case 2:
                let n2 = values[1].count
                var out: [[[String: Any]]] = []
                for i in 0..<values[0].count { out.append(Array(cells[(i * n2)..<((i + 1) * n2)]) + [rowMargins[i]]) }
                for j in 0..<n2 { out.append(stride(from: j, to: cells.count, by: n2).map { cells[$0] } + [columnMargins[j]]) }
                out.append(rowMargins + [total])
                out.append(columnMargins + [total])
                return out
            default: return []
            }
        }
    }

    /// `GET /v1/labor/analysis?<query>` (JSON).
    func analysis(_ query: String, file: StaticString = #filePath, line: UInt = #line) async throws -> Analysis {
        let answer = try await send(labour, "GET", "/v1/labor/analysis?\(query)", expect: 200, file: file, line: line)
        let view = try object(answer.body)
        return Analysis(view: view, body: try XCTUnwrap(view["analysis"] as? [String: Any], file: file, line: line))
    }

    /// Published counts equal `expected` (0 when absent); counts from 1 to threshold − 1 are withheld; a withheld
    /// entry publishes nothing; every line has 0 or at least 2 withheld entries; the totals of suppression agree.
    func check(_ analysis: Analysis, against expected: [[String]: Int], file: StaticString = #filePath, line: UInt = #line) {
        let threshold = analysis.threshold
        func verify(_ entry: [String: Any], expected count: Int, what: String) {
            let suppressed = entry["suppressed"] as? Bool ?? false
            if suppressed {
                XCTAssertNil(entry["count"], what, file: file, line: line)
                XCTAssertNil(entry["share"], what, file: file, line: line)
                XCTAssertEqual((entry["indicators"] as? [String: Any])?.count, 0, what, file: file, line: line)
            } else {
                XCTAssertEqual(entry["count"] as? Int, count, what, file: file, line: line)
            }
            if (1..<threshold).contains(count) { XCTAssertTrue(suppressed, "\(what): \(count) < \(threshold)", file: file, line: line) }
        }
        var rows: [String: Int] = [:], columns: [String: Int] = [:]
        for (key, count) in expected {
            rows[key[0], default: 0] += count
            if key.count == 2 { columns[key[1], default: 0] += count }
        }
        var seen = 0
        for cell in analysis.cells {
            let key = cell["key"] as? [String] ?? []
            seen += expected[key] ?? 0
            verify(cell, expected: expected[key] ?? 0, what: "cell \(key)")
        }
        XCTAssertEqual(seen, expected.values.reduce(0, +), "every expected group has a cell", file: file, line: line)
        for margin in analysis.rowMargins {
            let key = margin["key"] as? [String] ?? []
            verify(margin, expected: rows[key.first ?? ""] ?? 0, what: "row margin \(key)")
        }
        for margin in analysis.columnMargins {
            let key = margin["key"] as? [String] ?? []
            verify(margin, expected: columns[key.first ?? ""] ?? 0, what: "column margin \(key)")
        }
        verify(analysis.total, expected: expected.values.reduce(0, +), what: "total")
        for (index, entries) in analysis.lines.enumerated() {
            let withheld = entries.filter { $0["suppressed"] as? Bool == true }.count
            XCTAssertTrue(withheld == 0 || withheld >= 2, "line \(index) has exactly one suppressed entry", file: file, line: line)
        }
        let withheldCells = analysis.cells.filter { $0["suppressed"] as? Bool == true }.count
        XCTAssertEqual(analysis.body["suppressedCells"] as? Int, withheldCells, file: file, line: line)
        let withheldMargins = (analysis.rowMargins + analysis.columnMargins + [analysis.total])
            .filter { $0["suppressed"] as? Bool == true }.count
        XCTAssertEqual(analysis.body["suppressedMargins"] as? Int, withheldMargins, file: file, line: line)
    }

    /// `GET /v1/labor/status` → its `counts`.
    func status() async throws -> [String: Any] {
        let view = try await statusView()
        return try XCTUnwrap(view["counts"] as? [String: Any])
    }

    func statusView() async throws -> [String: Any] {
        try object(try await send(labour, "GET", "/v1/labor/status", expect: 200).body)
    }

    /// `POST /v1/labor/surveys?name=<name>[&asOf=<asOf>]` with the file as body.
    @discardableResult
    func upload(_ url: URL, name: String, type: String, client: PartnerClient? = nil, asOf: String? = LaborFixture.date.iso,
                expect: Int, file: StaticString = #filePath, line: UInt = #line) async throws -> PartnerClient.Answer {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? name
        let query = "name=\(encoded)" + (asOf.map { "&asOf=\($0)" } ?? "")
        return try await send(client ?? labour, "POST", "/v1/labor/surveys?\(query)", type: type,
                              body: try Data(contentsOf: url), expect: expect, file: file, line: line)
    }

    /// One request; its answer is checked for `expect`, recorded for the contract check (unless `record` is false:
    /// the message exchanges belong to another part of the contract), and a problem's detail kept.
    @discardableResult
    func send(_ client: PartnerClient, _ method: String, _ path: String, user: String? = LaborTraffic.user,
              type: String? = nil, body: Data? = nil, expect status: Int, record: Bool = true,
              file: StaticString = #filePath, line: UInt = #line) async throws -> PartnerClient.Answer {
        var headers: [(String, String)] = []
        if let user { headers.append(("X-User-Id", user)) }
        if let type { headers.append(("Content-Type", type)) }
        let answer = try await client.send(method: method == "GET" ? .GET : .POST, path: path, headers: headers, body: body)
        XCTAssertEqual(answer.status, status, "\(method) \(path): \(String(decoding: answer.body.prefix(400), as: UTF8.self))",
                       file: file, line: line)
        if let detail = answer.problem?.detail { details.append(detail) }
        if record {
            var recorded = answer
            if let type = answer.contentType, !type.contains("json") { recorded.body = Data() }
            log.record(method: method, path: path, recorded)
        }
        return answer
    }

    func object(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data.prefix(400), as: UTF8.self))
    }
}
