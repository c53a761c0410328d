import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import XCTest

/// A small store whose analysis can be checked by hand: history, a record after the date, social-insurance updates
/// older and newer than the records, an excluded identity, a mismatch that makes a 14-year-old 15, and a child.
final class AnalysisTests: XCTestCase {
    private let date = Synthetic.date("2025-07-01")

    func testAnalyseOverTheSnapshotGivesTheHandCheckedCounts() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        var records: [WorkerRecord] = []
        // 1–6: employed, as of 2025-01-01; 1–2 trained; 3 women.
        for serial in 1...6 {
            records.append(Synthetic.worker(serial: serial, serial <= 3 ? .female : .male,
                                            qualification: serial <= 2 ? .college : .none, asOf: "2025-01-01"))
        }
        // 7: employed in January, unemployed since June.
        records.append(Synthetic.worker(serial: 7, status: .employed, asOf: "2025-01-01"))
        records.append(Synthetic.worker(serial: 7, status: .unemployed, asOf: "2025-06-01"))
        // 8: first recorded after the analysis date: not in the snapshot.
        records.append(Synthetic.worker(serial: 8, status: .unemployed, asOf: "2025-08-01"))
        // 9: inactive, identity not found: excluded.
        records.append(Synthetic.worker(serial: 9, status: .inactive, asOf: "2025-01-01"))
        // 10: employed, the survey wrote 2011 (14), the register says 2010 (15).
        records.append(Synthetic.worker(serial: 10, born: "2011-03-01", status: .employed, asOf: "2025-01-01",
                                        idBorn: "2010-03-01"))
        // 11: employed without social insurance in January, compulsory since March (update newer than the record).
        records.append(Synthetic.worker(serial: 11, insurance: .none, asOf: "2025-01-01"))
        // 12: employed with compulsory insurance as of May; an older update saying none changes nothing.
        records.append(Synthetic.worker(serial: 12, insurance: .compulsory, asOf: "2025-05-01"))
        // 13: a child (born 2015): in the snapshot, not analysed.
        records.append(Synthetic.worker(serial: 13, born: "2015-05-05", status: .inactive, asOf: "2025-01-01"))
        // Shuffled, and in two batches: arrival order must not matter.
        var generator = SplitMix(seed: 42)
        records.shuffle(using: &generator)
        try store.upsert(Array(records[..<7]))
        try store.upsert(Array(records[7...]))
        func id(_ serial: Int, born: String = "1990-04-12", _ sex: Sex = .male) -> PersonalID {
            Synthetic.id(born: born, sex, serial: serial)
        }
        try store.apply([
            SocialInsuranceUpdate(personalID: id(11), participation: .compulsory, asOf: Synthetic.date("2025-03-01")),
            SocialInsuranceUpdate(personalID: id(12), participation: .none, asOf: Synthetic.date("2025-03-01")),
            // After the analysis date: ignored.
            SocialInsuranceUpdate(personalID: id(4), participation: .voluntary, asOf: Synthetic.date("2025-07-02")),
        ])
        try store.recordIdentities([
            (id(1, .female), .matched),
            (id(9), .notFound),
            (id(10, born: "2010-03-01"), .mismatch(registeredName: nil, registeredDateOfBirth: Synthetic.date("2010-03-01"))),
        ])

        let result = try store.snapshot(on: date)
        XCTAssertEqual(result.people, 11)            // 1–7, 10–13
        XCTAssertEqual(result.excludedIdentity, 1)   // 9
        XCTAssertEqual(result.unverified, 9)         // all but 1 and 10
        XCTAssertEqual(result.recordsConsidered, 13) // 1–6, 7 twice, 9, 10–13
        XCTAssertEqual(result.socialInsuranceUpdated, 1)
        XCTAssertEqual(result.registeredDatesOfBirth, 1)

        let status = analyse(result.snapshot, by: [.employmentStatus], on: date, threshold: 1)
        XCTAssertEqual(status.total.count, 10)                   // the child is not analysed
        XCTAssertEqual(status.cell("employed")?.count, 9)        // 1–6, 10, 11, 12
        XCTAssertEqual(status.cell("unemployed")?.count, 1)      // 7
        XCTAssertEqual(status.cell("inactive")?.count, 0)        // 9 excluded, 13 a child
        XCTAssertEqual(status.total.indicators.laborForceParticipationRate, 1.0)
        XCTAssertEqual(status.total.indicators.unemploymentRate ?? -1, 0.1, accuracy: 1e-12)
        XCTAssertEqual(status.total.indicators.trainedRate ?? -1, 2.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(status.total.indicators.socialInsuranceRate ?? -1, 2.0 / 9.0, accuracy: 1e-12) // 11, 12

        let insurance = analyse(result.snapshot, by: [.socialInsurance], on: date, threshold: 1)
        XCTAssertEqual(insurance.cell("compulsory")?.count, 2)
        XCTAssertEqual(insurance.cell("voluntary")?.count, 0)
        XCTAssertEqual(insurance.cell("none")?.count, 8)

        let bySex = analyse(result.snapshot, by: [.sex, .employmentStatus], on: date, threshold: 1)
        XCTAssertEqual(bySex.cell("female", "employed")?.count, 3)
        XCTAssertEqual(bySex.cell("male", "employed")?.count, 6)
        XCTAssertEqual(bySex.cell("male", "unemployed")?.count, 1)

        // In January: 7 employed, 11 uninsured, 12 not yet recorded; 10 is 14 until March by the register too.
        let january = try store.snapshot(on: Synthetic.date("2025-01-31"))
        XCTAssertEqual(january.people, 10)           // 1–7, 10, 11, 13
        let januaryStatus = analyse(january.snapshot, by: [.employmentStatus], on: Synthetic.date("2025-01-31"),
                                    threshold: 1)
        XCTAssertEqual(januaryStatus.cell("employed")?.count, 8)   // 1–7, 11 (10 is 14 until March)
        XCTAssertEqual(januaryStatus.cell("unemployed")?.count, 0)
        let januaryInsurance = analyse(january.snapshot, by: [.socialInsurance], on: Synthetic.date("2025-01-31"),
                                       threshold: 1)
        XCTAssertEqual(januaryInsurance.cell("compulsory")?.count, 0)

        // With the default threshold, the small cells are suppressed.
        XCTAssertNil(analyse(result.snapshot, by: [.employmentStatus], on: date).cell("unemployed")?.count)
    }
}

/// A small deterministic generator for shuffling fixtures.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
