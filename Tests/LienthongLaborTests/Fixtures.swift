import LienthongCore
@testable import LienthongLabor
import XCTest

/// Synthetic worker records (no real person): personal id numbers built with `PersonalID.make` so they agree with
/// the birth year and sex.
enum Fixture {
    static func date(_ iso: String) -> CalendarDate {
        do { return try CalendarDate(iso: iso) } catch { preconditionFailure("bad fixture date") }
    }

    /// The analysis date of the hand-computed fixture.
    static let analysisDate = date("2025-07-01")

    /// Guarded by `lock`.
    nonisolated(unsafe) static var nextSerial = 1

    static func worker(
        born: String, _ sex: Sex, _ area: AreaType, _ status: EmploymentStatus,
        qualification: Qualification = .none, insurance: SocialInsuranceParticipation = .none,
        district: String = "731", commune: String = "26041", sector: EconomicSector? = nil,
        income: IncomeBand = .unknown, serial: Int? = nil
    ) -> WorkerRecord {
        let dob = date(born)
        let number: Int
        if let serial { number = serial } else {
            number = nextSerialValue()
        }
        return WorkerRecord(
            personalID: PersonalID.make(provinceCode: "75", birthYear: dob.year, sex: sex, serial: number),
            fullName: "Người Thử Nghiệm", dateOfBirth: dob, sex: sex, districtCode: district, communeCode: commune,
            area: area, education: .upperSecondary, qualification: qualification, employmentStatus: status,
            sector: sector, incomeBand: income, socialInsurance: insurance, asOf: analysisDate, source: .survey)
    }

    private static let lock = NSLock()
    private static func nextSerialValue() -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextSerial += 1
        return nextSerial % 1_000_000
    }

    /// The 30 people (plus two children) whose counts and rates the aggregation tests compute by hand.
    ///
    /// Analysis date 2025-07-01. Columns: number, birth date (age on the date), sex, area, status, qualification,
    /// social insurance.
    static let handFixture: [WorkerRecord] = [
        // Urban, 15–24 (born 2005-03-01, age 20)
        worker(born: "2005-03-01", .male, .urban, .employed),                                                    // 1
        worker(born: "2005-03-01", .female, .urban, .employed, qualification: .elementary, insurance: .compulsory), // 2
        worker(born: "2005-03-01", .male, .urban, .unemployed),                                                  // 3
        worker(born: "2005-03-01", .female, .urban, .inactive),                                                  // 4
        // Urban, 25–34 (born 1995-05-10, age 30)
        worker(born: "1995-05-10", .male, .urban, .employed, qualification: .university, insurance: .compulsory), // 5
        worker(born: "1995-05-10", .male, .urban, .employed, qualification: .university, insurance: .compulsory), // 6
        worker(born: "1995-05-10", .male, .urban, .employed, qualification: .college, insurance: .voluntary),    // 7
        worker(born: "1995-05-10", .male, .urban, .employed),                                                    // 8
        worker(born: "1995-05-10", .female, .urban, .employed, qualification: .intermediate, insurance: .compulsory), // 9
        worker(born: "1995-05-10", .female, .urban, .employed),                                                  // 10
        worker(born: "1995-05-10", .female, .urban, .unemployed),                                                // 11
        worker(born: "1995-05-10", .male, .urban, .inactive),                                                    // 12
        // Urban, 35–44 (born 1985-09-20, age 39)
        worker(born: "1985-09-20", .male, .urban, .employed, qualification: .university, insurance: .compulsory), // 13
        worker(born: "1985-09-20", .female, .urban, .employed),                                                  // 14
        worker(born: "1985-09-20", .female, .urban, .inactive),                                                  // 15
        // Rural, 15–24 (born 2006-11-30, age 18)
        worker(born: "2006-11-30", .male, .rural, .employed),                                                    // 16
        worker(born: "2006-11-30", .female, .rural, .unemployed),                                                // 17
        worker(born: "2006-11-30", .male, .rural, .inactive),                                                    // 18
        // Rural, 25–34 (born 1994-02-14, age 31)
        worker(born: "1994-02-14", .male, .rural, .employed, qualification: .elementary, insurance: .voluntary), // 19
        worker(born: "1994-02-14", .male, .rural, .employed),                                                    // 20
        worker(born: "1994-02-14", .female, .rural, .employed),                                                  // 21
        worker(born: "1994-02-14", .female, .rural, .employed, qualification: .college, insurance: .compulsory), // 22
        worker(born: "1994-02-14", .male, .rural, .unemployed),                                                  // 23
        worker(born: "1994-02-14", .female, .rural, .inactive),                                                  // 24
        // Rural, 45–54 (born 1972-07-01: 53rd birthday on the analysis date)
        worker(born: "1972-07-01", .male, .rural, .employed),                                                    // 25
        worker(born: "1972-07-01", .female, .rural, .employed, insurance: .voluntary),                           // 26
        // Rural, 65+ (born 1955-01-15, age 70)
        worker(born: "1955-01-15", .male, .rural, .inactive),                                                    // 27
        worker(born: "1955-01-15", .female, .rural, .inactive),                                                  // 28
        worker(born: "1955-01-15", .male, .rural, .employed),                                                    // 29
        worker(born: "1955-01-15", .female, .rural, .inactive),                                                  // 30
        // Children (born 2012-06-01, age 13): not analysed.
        worker(born: "2012-06-01", .male, .rural, .inactive),                                                    // 31
        worker(born: "2012-06-01", .female, .urban, .inactive),                                                  // 32
    ]

    /// `count` copies of one kind of person.
    static func people(_ count: Int, _ sex: Sex, _ area: AreaType, status: EmploymentStatus = .employed,
                       born: String = "1990-01-01", district: String = "731", commune: String = "26041",
                       sector: EconomicSector? = nil) -> [WorkerRecord] {
        (0..<count).map { _ in
            worker(born: born, sex, area, status, district: district, commune: commune, sector: sector)
        }
    }
}

/// Checks the suppression guarantee on a result: in every line (row + its margin, column + its margin, row margins +
/// total, column margins + total; 1-D: cells + total) the number of suppressed entries is 0 or at least 2, and the
/// published counts of a fully published line add up.
func assertNoLineDisclosesOneSuppressedEntry(_ analysis: LaborAnalysis, file: StaticString = #filePath, line: UInt = #line) {
    var lines: [[LaborCell]] = []
    switch analysis.dimensions.count {
    case 1:
        lines.append(analysis.cells + [analysis.total])
    case 2:
        let n1 = analysis.values[0].count
        let n2 = analysis.values[1].count
        for i in 0..<n1 { lines.append(Array(analysis.cells[(i * n2)..<((i + 1) * n2)]) + [analysis.rowMargins[i]]) }
        for j in 0..<n2 { lines.append((0..<n1).map { analysis.cells[$0 * n2 + j] } + [analysis.columnMargins[j]]) }
        lines.append(analysis.rowMargins + [analysis.total])
        lines.append(analysis.columnMargins + [analysis.total])
    default:
        break
    }
    for (index, entries) in lines.enumerated() {
        let suppressed = entries.filter(\.suppressed).count
        XCTAssertTrue(suppressed == 0 || suppressed >= 2,
                      "line \(index) has exactly one suppressed entry", file: file, line: line)
        if suppressed == 0 {
            let parts = entries.dropLast().compactMap(\.count).reduce(0, +)
            XCTAssertEqual(parts, entries.last?.count, "line \(index) does not add up", file: file, line: line)
        }
        for entry in entries {
            XCTAssertEqual(entry.suppressed, entry.count == nil, file: file, line: line)
            if let count = entry.count {
                XCTAssertTrue(count == 0 || count >= analysis.threshold, "a published count is under the threshold",
                              file: file, line: line)
            } else {
                XCTAssertNil(entry.share, file: file, line: line)
                XCTAssertEqual(entry.indicators, .hidden, file: file, line: line)
            }
        }
    }
}
