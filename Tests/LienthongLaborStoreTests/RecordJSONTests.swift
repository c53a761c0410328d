import Foundation
import LienthongCore
import LienthongLabor
@testable import LienthongLaborStore
import XCTest

final class RecordJSONTests: XCTestCase {
    /// A record with every member set, text with characters JSON must escape.
    private func fullRecord() -> WorkerRecord {
        WorkerRecord(
            personalID: Synthetic.id(born: "1988-08-08", .female, serial: 8), fullName: "Người \"Thử\" \\ Nghiệm",
            dateOfBirth: Synthetic.date("1988-08-08"), sex: .female, ethnicity: "Kinh\u{1}", districtCode: "731",
            communeCode: "26041", area: .rural, education: .lowerSecondary, qualification: .intermediate,
            fieldOfStudy: "Cơ khí / điện\ttử", employmentStatus: .unemployed, jobTitle: "Thợ\nhàn", position: "Tổ trưởng",
            workplace: "Công ty TNHH Thử\r", establishment: .foreignInvested, sector: EconomicSector(rawValue: "C"),
            previousJob: "Thợ may", unemploymentMonths: 4, inactivityReason: .other, wantsTraining: true,
            wantsJob: false, incomeBand: .under5m, socialInsurance: .voluntary, asOf: Synthetic.date("2025-02-03"),
            source: .socialInsurance)
    }

    func testHandWrittenJSONIsTheCodableJSON() throws {
        let record = fullRecord()
        // Every member is set, so a member added to WorkerRecord and missing from RecordJSON shows up below.
        let members = Mirror(reflecting: record).children
        for member in members {
            let inner = Mirror(reflecting: member.value)
            XCTAssertFalse(inner.displayStyle == .optional && inner.children.isEmpty, "\(member.label ?? "?") is nil")
        }
        let hand = RecordJSON.encode(record)
        let foundation = try JSONEncoder().encode(record)
        let handValue = try JSONValue(parsing: Array(hand))
        XCTAssertEqual(handValue, try JSONValue(parsing: Array(foundation)))
        guard case .object(let object) = handValue else { return XCTFail("not an object") }
        XCTAssertEqual(object.count, members.count)
        XCTAssertEqual(try JSONDecoder().decode(WorkerRecord.self, from: hand), record)

        // Absent optionals are omitted, as JSONEncoder does.
        let sparse = Synthetic.worker(serial: 3)
        XCTAssertEqual(try JSONValue(parsing: Array(RecordJSON.encode(sparse))),
                       try JSONValue(parsing: Array(try JSONEncoder().encode(sparse))))
    }

    func testStoredRecordsRoundTrip() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let record = fullRecord()
        try store.upsert([record])
        XCTAssertEqual(try store.history(personalID: record.personalID), [record])
        XCTAssertEqual(try store.record(personalID: record.personalID, on: nil), record)
        XCTAssertEqual(try store.snapshot(on: Synthetic.date("2025-07-01")).snapshot, LaborSnapshot([record]))
    }
}
