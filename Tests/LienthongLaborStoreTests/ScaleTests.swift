import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongTabular
import XCTest

/// A province-sized store: builds it, snapshots it and prints the times (no timing assertion). The number of
/// people is `LIENTHONG_LABOR_SCALE_PEOPLE` (default 200,000); `LIENTHONG_LABOR_SCALE_SURVEY=1` also streams a
/// survey file of one row per person into the store.
final class ScaleTests: XCTestCase {
    private let date = Synthetic.date("2025-07-01")

    private static var people: Int {
        ProcessInfo.processInfo.environment["LIENTHONG_LABOR_SCALE_PEOPLE"].flatMap(Int.init) ?? 200_000
    }

    private static let statuses: [EmploymentStatus] = [.employed, .employed, .employed, .unemployed, .inactive]
    private static let insurance: [SocialInsuranceParticipation] = [.compulsory, .voluntary, .none, .none]

    /// Person `index`'s record as of `asOf`; deterministic.
    private static func record(_ index: Int, asOf: String) -> WorkerRecord {
        let year = 1950 + index % 60
        let born = "\(year)-\(String(format: "%02d", 1 + index % 12))-\(String(format: "%02d", 1 + index % 28))"
        let status = statuses[index % statuses.count]
        return WorkerRecord(
            personalID: PersonalID.make(provinceCode: "75", birthYear: year, sex: index % 2 == 0 ? .male : .female,
                                        serial: index % 1_000_000),
            fullName: "Người Thử Nghiệm", dateOfBirth: Synthetic.date(born), sex: index % 2 == 0 ? .male : .female,
            districtCode: String(731 + index % 11), communeCode: String(26000 + index % 170),
            area: index % 3 == 0 ? .urban : .rural, education: .upperSecondary,
            qualification: Qualification.allCases[index % Qualification.allCases.count], employmentStatus: status,
            sector: status == .employed ? EconomicSector.all[index % 21] : nil,
            incomeBand: IncomeBand.allCases[index % IncomeBand.allCases.count],
            socialInsurance: insurance[index % insurance.count], asOf: Synthetic.date(asOf), source: .industrialZone)
    }

    func testSnapshotOfAProvinceSizedStore() throws {
        let people = Self.people
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let clock = ContinuousClock()

        // Everyone as of 2025-01-01; every tenth person again as of 2025-05-01 (history), in batches of 20,000.
        let start = clock.now
        var stored = 0
        for batchStart in stride(from: 0, to: people, by: 20_000) {
            var batch: [WorkerRecord] = []
            batch.reserveCapacity(22_000)
            for index in batchStart..<min(batchStart + 20_000, people) {
                batch.append(Self.record(index, asOf: "2025-01-01"))
                if index % 10 == 0 {
                    var newer = Self.record(index, asOf: "2025-05-01")
                    newer.employmentStatus = .unemployed
                    newer.sector = nil
                    batch.append(newer)
                }
            }
            stored += try store.upsert(batch).inserted
        }
        let updates = stride(from: 0, to: people, by: 7).map { index in
            SocialInsuranceUpdate(personalID: Self.record(index, asOf: "2025-01-01").personalID,
                                  participation: .compulsory, asOf: Synthetic.date("2025-03-01"))
        }
        try store.apply(updates)
        let excluded = stride(from: 0, to: people, by: 100).map { (Self.record($0, asOf: "2025-01-01").personalID, IdentityResult.notFound) }
        try store.recordIdentities(excluded)
        let built = clock.now - start

        let snapshotStart = clock.now
        let result = try store.snapshot(on: date)
        let snapshotTime = clock.now - snapshotStart
        let analysisStart = clock.now
        let table = analyse(result.snapshot, by: [.district, .employmentStatus], on: date)
        let analysisTime = clock.now - analysisStart
        let countsStart = clock.now
        let counts = try store.counts()
        let countsTime = clock.now - countsStart
        print("LaborStore scale: \(people) people, \(stored) records stored in \(built); snapshot in \(snapshotTime); "
              + "analysis in \(analysisTime); counts in \(countsTime)")

        let expectedRecords = people + (people + 9) / 10
        XCTAssertEqual(stored, expectedRecords)
        XCTAssertEqual(counts.records, expectedRecords)
        XCTAssertEqual(counts.people, people)
        XCTAssertEqual(counts.byIdentity, [.notFound: excluded.count])
        XCTAssertEqual(result.excludedIdentity, excluded.count)
        XCTAssertEqual(result.people, people - excluded.count)
        XCTAssertEqual(result.recordsConsidered, expectedRecords)
        XCTAssertEqual(result.unverified, people - excluded.count)
        // Unemployed: every fifth person by status, plus every tenth by the newer record (those are the ones whose
        // index is 0 mod 10), minus the excluded (0 mod 100: all of them in the second group).
        let unemployed = (0..<people).filter { $0 % 100 != 0 && ($0 % 10 == 0 || $0 % 5 == 3) }.count
        XCTAssertEqual(table.columnMargin("unemployed")?.count, unemployed)
        XCTAssertEqual(result.snapshot.districtCodes.count, 11)

        guard ProcessInfo.processInfo.environment["LIENTHONG_LABOR_SCALE_SURVEY"] == "1" else { return }
        // One survey row per person as of 2025-06-01, streamed from a CSV file.
        let url = dir.file("survey.csv")
        let writer = try CSVWriter(url: url, headers: ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính",
                                                       "Mã huyện", "Mã xã", "Thành thị/Nông thôn", "Tình trạng việc làm"])
        for index in 0..<people {
            let record = Self.record(index, asOf: "2025-06-01")
            try writer.append([record.personalID.digits, record.fullName, record.dateOfBirth.iso,
                               record.sex == .male ? "Nam" : "Nữ", record.districtCode, record.communeCode,
                               record.area == .urban ? "Thành thị" : "Nông thôn", "Có việc làm"])
        }
        try writer.finish()
        let importStart = clock.now
        let summary = try store.importSurvey(url: url, name: "survey.csv", defaultAsOf: Synthetic.date("2025-06-01"))
        let importTime = clock.now - importStart
        let afterStart = clock.now
        let after = try store.snapshot(on: date)
        let afterTime = clock.now - afterStart
        print("LaborStore scale: survey of \(summary.rows) rows imported in \(importTime); snapshot in \(afterTime)")
        XCTAssertEqual(summary.people, people)
        XCTAssertEqual(summary.inserted, people)
        XCTAssertEqual(analyse(after.snapshot, by: [.employmentStatus], on: date).cell("unemployed")?.count, 0)
    }
}
