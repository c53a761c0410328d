import LienthongCore
@testable import LienthongLabor
import XCTest

final class AgeBandsTests: XCTestCase {
    private func date(_ iso: String) -> CalendarDate { Fixture.date(iso) }

    func testDefaultBandsAndLabels() {
        let bands = AgeBands.default
        XCTAssertEqual(bands.lowerBounds, [15, 25, 35, 45, 55, 65])
        XCTAssertEqual(bands.labels, ["15–24", "25–34", "35–44", "45–54", "55–64", "65+"])
        XCTAssertEqual(bands.label(ofBand: 0), "15\u{2013}24")
        XCTAssertNil(bands.band(forAge: 14))
        XCTAssertEqual(bands.band(forAge: 15), 0)
        XCTAssertEqual(bands.band(forAge: 24), 0)
        XCTAssertEqual(bands.band(forAge: 25), 1)
        XCTAssertEqual(bands.band(forAge: 64), 4)
        XCTAssertEqual(bands.band(forAge: 65), 5)
        XCTAssertEqual(bands.band(forAge: 110), 5)
    }

    func testParsing() throws {
        XCTAssertEqual(try AgeBands(parsing: "15,25,35,45,55,65"), .default)
        XCTAssertEqual(try AgeBands(parsing: " 15 , 30 ;60").lowerBounds, [15, 30, 60])
        XCTAssertEqual(try AgeBands(parsing: "18").labels, ["18+"])
        for bad in ["", "15,,25", "25,15", "15,25,25", "10,20", "15,a", "15,-3", "15,25,200", "15.5", "1e2"] {
            XCTAssertThrowsError(try AgeBands(parsing: bad), "\(bad)") { error in
                XCTAssertEqual((error as? LaborAnalysisError)?.code, .badAgeBands, "\(bad)")
            }
        }
        XCTAssertThrowsError(try AgeBands(lowerBounds: []))
        XCTAssertThrowsError(try AgeBands(lowerBounds: Array(15...60)))
        let decoded = try JSONDecoder().decode(AgeBands.self, from: Data("[15,30]".utf8))
        XCTAssertEqual(decoded.lowerBounds, [15, 30])
        XCTAssertThrowsError(try JSONDecoder().decode(AgeBands.self, from: Data("[30,15]".utf8)))
    }

    func testBirthdayOnTheAnalysisDateCountsAsTurned() throws {
        let on = date("2025-07-01")
        XCTAssertEqual(AgeBands.default.band(dateOfBirth: date("2000-07-01"), on: on), 1, "turns 25 that day")
        XCTAssertEqual(AgeBands.default.band(dateOfBirth: date("2000-07-02"), on: on), 0, "still 24")
        XCTAssertNil(AgeBands.default.band(dateOfBirth: date("2010-07-02"), on: on), "14: not analysed")
        XCTAssertEqual(AgeBands.default.band(dateOfBirth: date("2010-07-01"), on: on), 0, "15 that day")

        // The same through the analysis (its fast path uses birth-day cutoffs).
        let records = [
            Fixture.worker(born: "2000-07-01", .male, .urban, .employed),   // 25 → 25–34
            Fixture.worker(born: "2000-07-02", .male, .urban, .employed),   // 24 → 15–24
            Fixture.worker(born: "2010-07-02", .male, .urban, .inactive),   // 14 → excluded
            Fixture.worker(born: "2010-07-01", .male, .urban, .inactive),   // 15 → 15–24
            Fixture.worker(born: "1960-07-01", .male, .urban, .inactive),   // 65 → 65+
            Fixture.worker(born: "1960-07-02", .male, .urban, .inactive),   // 64 → 55–64
            Fixture.worker(born: "1900-01-01", .female, .rural, .inactive), // 125 → 65+
        ]
        let table = analyse(LaborSnapshot(records), by: [.ageGroup], on: on, threshold: 1)
        XCTAssertEqual(table.cells.map(\.count), [2, 1, 0, 0, 1, 2])
        XCTAssertEqual(table.total.count, 6)
    }

    func testTwentyNinthOfFebruary() throws {
        let bands = try AgeBands(lowerBounds: [15, 25])
        // Born 29 Feb 2000: in the common year 2025 the 25th birthday falls on 1 March.
        XCTAssertEqual(bands.band(dateOfBirth: date("2000-02-29"), on: date("2025-02-28")), 0)
        XCTAssertEqual(bands.band(dateOfBirth: date("2000-02-29"), on: date("2025-03-01")), 1)
        // On 29 Feb 2028, someone born 28 Feb 2003 has turned 25; someone born 1 Mar 2003 has not.
        XCTAssertEqual(bands.band(dateOfBirth: date("2003-02-28"), on: date("2028-02-29")), 1)
        XCTAssertEqual(bands.band(dateOfBirth: date("2003-03-01"), on: date("2028-02-29")), 0)

        let records = [
            Fixture.worker(born: "2000-02-29", .female, .urban, .employed),
            Fixture.worker(born: "2004-02-29", .female, .urban, .employed),
        ]
        let before = analyse(LaborSnapshot(records), by: [.ageGroup], on: date("2025-02-28"), bands: bands, threshold: 1)
        XCTAssertEqual(before.cells.map(\.count), [2, 0])
        let after = analyse(LaborSnapshot(records), by: [.ageGroup], on: date("2025-03-01"), bands: bands, threshold: 1)
        XCTAssertEqual(after.cells.map(\.count), [1, 1])
        // Born 29 Feb 2008: 14 on 28 Feb 2023 (not analysed), 15 on 1 Mar 2023.
        let young = [Fixture.worker(born: "2008-02-29", .male, .rural, .inactive)]
        XCTAssertEqual(analyse(LaborSnapshot(young), by: [], on: date("2023-02-28"), threshold: 1).total.count, 0)
        XCTAssertEqual(analyse(LaborSnapshot(young), by: [], on: date("2023-03-01"), threshold: 1).total.count, 1)
    }

    func testCutoffsAgreeWithCalendarDateAge() {
        // The analysis' cutoff day must match CalendarDate.age(on:) exactly, on every day of a leap cycle.
        let start = date("2024-01-01").daysSinceEpoch
        for offset in stride(from: 0, to: 4 * 366, by: 1) {
            let on = CalendarDate(daysSinceEpoch: start + offset)
            for age in [15, 25, 65] {
                let cutoff = AgeBands.cutoffDay(age: age, on: on)
                XCTAssertGreaterThanOrEqual(CalendarDate(daysSinceEpoch: cutoff).age(on: on), age, "\(on) \(age)")
                XCTAssertLessThan(CalendarDate(daysSinceEpoch: cutoff + 1).age(on: on), age, "\(on) \(age)")
            }
        }
    }
}

final class DimensionTests: XCTestCase {
    func testRawValuesAndAliases() throws {
        for dimension in LaborDimension.allCases {
            XCTAssertEqual(try LaborDimension(parsing: dimension.rawValue), dimension)
        }
        XCTAssertEqual(try LaborDimension(parsing: "age"), .ageGroup)
        XCTAssertEqual(try LaborDimension(parsing: "AgeGroup"), .ageGroup)
        XCTAssertEqual(try LaborDimension(parsing: "area"), .area)
        XCTAssertEqual(try LaborDimension(parsing: "urbanRural"), .area)
        XCTAssertEqual(try LaborDimension(parsing: "employment"), .employmentStatus)
        XCTAssertEqual(try LaborDimension(parsing: "si"), .socialInsurance)
        XCTAssertEqual(try LaborDimension(parsing: "BHXH"), .socialInsurance)
        XCTAssertEqual(try LaborDimension(parsing: "income"), .incomeBand)
        XCTAssertEqual(try LaborDimension(parsing: "employment_status"), .employmentStatus)
    }

    func testParseList() throws {
        XCTAssertEqual(try LaborDimension.parseList("age,area"), [.ageGroup, .area])
        XCTAssertEqual(try LaborDimension.parseList(["sex", "district"]), [.sex, .district])
        XCTAssertEqual(try LaborDimension.parseList(["sex, "]), [.sex])
        XCTAssertEqual(try LaborDimension.parseList([String]()), [])
        XCTAssertEqual(try LaborDimension.parseList(""), [])
    }

    func testParseErrors() {
        func code(_ values: [String]) -> LaborAnalysisError.Code? {
            do {
                _ = try LaborDimension.parseList(values)
                return nil
            } catch {
                XCTAssertFalse(error.detail.contains("nationality"), "the caller's text is not echoed")
                return error.code
            }
        }
        XCTAssertEqual(code(["nationality"]), .unknownDimension)
        XCTAssertEqual(code(["sex,area,age"]), .tooManyDimensions)
        XCTAssertEqual(code(["sex", "area", "commune"]), .tooManyDimensions)
        XCTAssertEqual(code(["sex,sex"]), .duplicateDimension)
        XCTAssertEqual(code(["area", "urbanRural"]), .duplicateDimension)
        XCTAssertNil(code(["sex", "area"]))
    }

    func testDimensionNames() {
        XCTAssertEqual(LaborDimension.ageGroup.label(.vi), "Nhóm tuổi")
        XCTAssertEqual(LaborDimension.socialInsurance.label(.en), "Social insurance")
    }
}
