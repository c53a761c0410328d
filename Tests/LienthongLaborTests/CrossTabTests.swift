import LienthongCore
@testable import LienthongLabor
import XCTest

final class CrossTabTests: XCTestCase {
    private let date = Fixture.analysisDate

    // MARK: - Aggregation against hand-computed expectations

    func testOneDimensionBySexMatchesHandCounts() throws {
        let snapshot = LaborSnapshot(Fixture.handFixture)
        XCTAssertEqual(snapshot.count, 32)
        let table = analyse(snapshot, by: [.sex], on: date)

        XCTAssertEqual(table.dimensions, [.sex])
        XCTAssertEqual(table.values, [["male", "female"]])
        XCTAssertTrue(table.rowMargins.isEmpty)
        XCTAssertTrue(table.columnMargins.isEmpty)
        XCTAssertEqual(table.suppressedCells, 0)
        XCTAssertEqual(table.threshold, 5)

        // Males: 1,3,5,6,7,8,12,13,16,18,19,20,23,25,27,29 = 16 (children 31, 32 are 13 and not counted).
        // Employed 1,5,6,7,8,13,16,19,20,25,29 = 11; unemployed 3,23 = 2; inactive 12,18,27 = 3.
        // Trained employed 5,6,7,13,19 = 5; insured employed 5,6,13 (compulsory), 7,19 (voluntary) = 5.
        let male = try XCTUnwrap(table.cell("male"))
        XCTAssertEqual(male.key, ["male"])
        XCTAssertEqual(male.count, 16)
        XCTAssertEqual(try XCTUnwrap(male.share), 16.0 / 30.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(male.indicators.laborForceParticipationRate), 13.0 / 16.0, accuracy: 1e-12)
        XCTAssertNil(male.indicators.unemploymentRate, "2 unemployed is under the threshold")
        XCTAssertEqual(try XCTUnwrap(male.indicators.trainedRate), 5.0 / 11.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(male.indicators.socialInsuranceRate), 5.0 / 11.0, accuracy: 1e-12)

        // Females: 14; employed 2,9,10,14,21,22,26 = 7; unemployed 11,17 = 2; inactive 4,15,24,28,30 = 5.
        // Trained employed 2,9,22 = 3 (under 5: hidden); insured employed 2,9,22,26 = 4 (hidden).
        let female = try XCTUnwrap(table.cell("female"))
        XCTAssertEqual(female.count, 14)
        XCTAssertEqual(try XCTUnwrap(female.indicators.laborForceParticipationRate), 9.0 / 14.0, accuracy: 1e-12)
        XCTAssertNil(female.indicators.unemploymentRate)
        XCTAssertNil(female.indicators.trainedRate)
        XCTAssertNil(female.indicators.socialInsuranceRate)

        // Total 30: employed 18, unemployed 4, labour force 22, trained employed 8, insured employed 9.
        XCTAssertEqual(table.total.key, [])
        XCTAssertEqual(table.total.count, 30)
        XCTAssertEqual(table.total.share, 1)
        XCTAssertEqual(try XCTUnwrap(table.total.indicators.laborForceParticipationRate), 22.0 / 30.0, accuracy: 1e-12)
        XCTAssertNil(table.total.indicators.unemploymentRate, "4 unemployed is under the threshold")
        XCTAssertEqual(try XCTUnwrap(table.total.indicators.trainedRate), 8.0 / 18.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.total.indicators.socialInsuranceRate), 0.5, accuracy: 1e-12)
    }

    func testRatesWithoutSuppressionThreshold() throws {
        // Threshold 1 publishes everything: the small numerators come back.
        let table = analyse(LaborSnapshot(Fixture.handFixture), by: [.sex], on: date, threshold: 1)
        let female = try XCTUnwrap(table.cell("female"))
        XCTAssertEqual(try XCTUnwrap(female.indicators.unemploymentRate), 2.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(female.indicators.trainedRate), 3.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(female.indicators.socialInsuranceRate), 4.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.total.indicators.unemploymentRate), 4.0 / 22.0, accuracy: 1e-12)
    }

    func testTwoDimensionsAgeGroupByAreaMatchesHandCounts() throws {
        let table = analyse(LaborSnapshot(Fixture.handFixture), by: [.ageGroup, .area], on: date, threshold: 1)
        XCTAssertEqual(table.values, [["15–24", "25–34", "35–44", "45–54", "55–64", "65+"], ["urban", "rural"]])
        XCTAssertEqual(table.cells.count, 12)
        // Urban: 4, 8, 3, 0, 0, 0 (= 15); rural: 3, 6, 0, 2, 0, 4 (= 15).
        let expected: [[Int]] = [[4, 3], [8, 6], [3, 0], [0, 2], [0, 0], [0, 4]]
        for (i, band) in table.values[0].enumerated() {
            for (j, area) in table.values[1].enumerated() {
                XCTAssertEqual(table.cell(band, area)?.count, expected[i][j], "\(band) × \(area)")
                XCTAssertEqual(table.cells[i * 2 + j].key, [band, area])
            }
        }
        XCTAssertEqual(table.rowMargins.map(\.count), [7, 14, 3, 2, 0, 4])
        XCTAssertEqual(table.rowMargins.map(\.key), table.values[0].map { [$0] })
        XCTAssertEqual(table.columnMargins.map(\.count), [15, 15])
        XCTAssertEqual(table.total.count, 30)
        XCTAssertEqual(table.rowMargin("25–34")?.count, 14)
        XCTAssertEqual(table.columnMargin("rural")?.count, 15)

        // 25–34 urban (people 5–12): 8 people; employed 5–10 = 6, unemployed 11, inactive 12.
        // LFPR 7/8; unemployment 1/7; trained employed 5,6,7,9 = 4/6; insured employed 5,6,7,9 = 4/6.
        let urban = try XCTUnwrap(table.cell("25–34", "urban"))
        XCTAssertEqual(try XCTUnwrap(urban.indicators.laborForceParticipationRate), 7.0 / 8.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(urban.indicators.unemploymentRate), 1.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(urban.indicators.trainedRate), 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(urban.indicators.socialInsuranceRate), 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(urban.share), 8.0 / 30.0, accuracy: 1e-12)

        // 25–34 rural (people 19–24): 6 people; employed 19–22 = 4, unemployed 23, inactive 24.
        // LFPR 5/6; unemployment 1/5; trained employed 19,22 = 2/4; insured employed 19 (voluntary), 22 = 2/4.
        let rural = try XCTUnwrap(table.cell("25–34", "rural"))
        XCTAssertEqual(try XCTUnwrap(rural.indicators.laborForceParticipationRate), 5.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rural.indicators.unemploymentRate), 1.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rural.indicators.trainedRate), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rural.indicators.socialInsuranceRate), 0.5, accuracy: 1e-12)

        // 55–64 has nobody: every rate's denominator is 0.
        let empty = try XCTUnwrap(table.cell("55–64", "urban"))
        XCTAssertEqual(empty.count, 0)
        XCTAssertFalse(empty.suppressed)
        XCTAssertEqual(empty.share, 0)
        XCTAssertEqual(empty.indicators, .hidden)

        // Urban margin (people 1–15): employed 1,2,5–10,13,14 = 10; unemployed 3,11 = 2: LFPR 12/15.
        let urbanMargin = try XCTUnwrap(table.columnMargin("urban"))
        XCTAssertEqual(try XCTUnwrap(urbanMargin.indicators.laborForceParticipationRate), 12.0 / 15.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(urbanMargin.indicators.unemploymentRate), 2.0 / 12.0, accuracy: 1e-12)
    }

    func testTwoDimensionsWithDefaultThresholdSuppressesSmallCells() throws {
        let table = analyse(LaborSnapshot(Fixture.handFixture), by: [.ageGroup, .area], on: date)
        // Cells 1…4: (15–24, urban) 4, (15–24, rural) 3, (35–44, urban) 3, (45–54, rural) 2, (65+, rural) 4.
        for (band, area) in [("15–24", "urban"), ("15–24", "rural"), ("35–44", "urban"), ("45–54", "rural"), ("65+", "rural")] {
            let cell = try XCTUnwrap(table.cell(band, area))
            XCTAssertTrue(cell.suppressed, "\(band) × \(area)")
            XCTAssertNil(cell.count)
            XCTAssertNil(cell.share)
            XCTAssertEqual(cell.indicators, .hidden, "rates are hidden on suppressed cells")
        }
        // Row margins 3 (35–44), 2 (45–54) and 4 (65+) are under the threshold too; 7 and 14 are published.
        XCTAssertEqual(table.rowMargins.map(\.count), [7, 14, nil, nil, 0, nil])
        XCTAssertEqual(table.columnMargins.map(\.count), [15, 15])
        XCTAssertEqual(table.total.count, 30)
        XCTAssertEqual(table.suppressedCells, 5)
        XCTAssertEqual(table.suppressedMargins, 3)
        // Zero cells are published as 0.
        XCTAssertEqual(table.cell("55–64", "urban")?.count, 0)
        XCTAssertEqual(table.cell("35–44", "rural")?.count, 0)
        XCTAssertEqual(table.cell("25–34", "urban")?.count, 8)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }

    func testEveryCombinationAppearsAndDistrictValuesComeFromTheSnapshot() throws {
        var records = Fixture.people(6, .male, .urban, district: "736", commune: "26200")
        records += Fixture.people(7, .female, .rural, district: "731", commune: "26041")
        let table = analyse(LaborSnapshot(records), by: [.district, .sector], on: date)
        XCTAssertEqual(table.values[0], ["731", "736"], "district codes present, sorted")
        XCTAssertEqual(table.values[1], EconomicSector.all.map(\.rawValue) + ["none"])
        XCTAssertEqual(table.cells.count, 2 * 22)
        XCTAssertEqual(table.cell("736", "none")?.count, 6)
        XCTAssertEqual(table.cell("731", "none")?.count, 7)
        XCTAssertEqual(table.cell("731", "C")?.count, 0)

        let byIncome = analyse(LaborSnapshot(records), by: [.incomeBand], on: date)
        XCTAssertEqual(byIncome.values[0], IncomeBand.allCases.map(\.rawValue))
        XCTAssertEqual(byIncome.cell("unknown")?.count, 13)
        let bySI = analyse(LaborSnapshot(records), by: [.socialInsurance, .trained], on: date)
        XCTAssertEqual(bySI.values, [["compulsory", "voluntary", "none"], ["trained", "untrained"]])
        XCTAssertEqual(bySI.cell("none", "untrained")?.count, 13)
        let byStatus = analyse(LaborSnapshot(records), by: [.employmentStatus, .commune], on: date)
        XCTAssertEqual(byStatus.values[1], ["26041", "26200"])
        XCTAssertEqual(byStatus.cell("employed", "26200")?.count, 6)
    }

    func testNoDimensionGivesOnlyTheTotal() {
        let table = analyse(LaborSnapshot(Fixture.handFixture), by: [], on: date)
        XCTAssertTrue(table.cells.isEmpty)
        XCTAssertEqual(table.total.count, 30)
    }

    func testEmptySnapshot() {
        let table = analyse(LaborSnapshot(), by: [.commune, .sex], on: date)
        XCTAssertTrue(table.cells.isEmpty)
        XCTAssertEqual(table.total.count, 0)
        XCTAssertNil(table.total.share)
        XCTAssertEqual(table.total.indicators, .hidden)
    }

    func testResultIsCodableAndMarksSuppression() throws {
        let table = analyse(LaborSnapshot(Fixture.handFixture), by: [.ageGroup, .area], on: date)
        let data = try JSONEncoder().encode(table)
        let decoded = try JSONDecoder().decode(LaborAnalysis.self, from: data)
        XCTAssertEqual(decoded, table)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""suppressed":true"#))
        XCTAssertFalse(text.contains("Người"), "no names in a snapshot's analysis")
    }

    func testLabelsForValues() {
        XCTAssertEqual(LaborAnalysis.label(for: .sex, value: "female", language: .vi), "Nữ")
        XCTAssertEqual(LaborAnalysis.label(for: .sex, value: "male", language: .en), "Male")
        XCTAssertEqual(LaborAnalysis.label(for: .area, value: "urban", language: .vi), "Thành thị")
        XCTAssertEqual(LaborAnalysis.label(for: .ageGroup, value: "65+", language: .vi), "65+")
        XCTAssertEqual(LaborAnalysis.label(for: .district, value: "731", language: .en), "731")
        XCTAssertEqual(LaborAnalysis.label(for: .sector, value: "C", language: .vi), "Công nghiệp chế biến, chế tạo")
        XCTAssertEqual(LaborAnalysis.label(for: .sector, value: "none", language: .en), "No sector (not employed or not stated)")
        XCTAssertEqual(LaborAnalysis.label(for: .trained, value: "trained", language: .vi), "Đã qua đào tạo có bằng cấp, chứng chỉ")
        XCTAssertEqual(LaborAnalysis.label(for: .employmentStatus, value: "employed", language: .vi), "Có việc làm")
        XCTAssertEqual(LaborAnalysis.label(for: .socialInsurance, value: "voluntary", language: .vi), "BHXH tự nguyện")
        XCTAssertEqual(LaborAnalysis.label(for: .incomeBand, value: "over20m", language: .en), "20 million VND or more")
        XCTAssertEqual(LaborAnalysis.label(for: .sex, value: "other", language: .en), "other")
    }

    func testSnapshotKeepsNoPersonalStrings() {
        var snapshot = LaborSnapshot()
        for record in Fixture.handFixture { snapshot.append(record) }
        XCTAssertEqual(snapshot, LaborSnapshot(Fixture.handFixture))
        XCTAssertEqual(snapshot.districtCodes, ["731"])
        XCTAssertEqual(snapshot.communeCodes, ["26041"])
        let mirror = String(describing: snapshot)
        XCTAssertFalse(mirror.contains("Người"))
        XCTAssertFalse(mirror.contains(Fixture.handFixture[0].personalID.digits))
    }

    func testMillionRecordsAnalyse() {
        // A functional run at scale (no timing assertion): 1,000,000 people over 50 communes.
        var snapshot = LaborSnapshot()
        snapshot.reserveCapacity(1_000_000)
        let base = Fixture.date("1940-01-01").daysSinceEpoch
        for index in 0..<1_000_000 {
            snapshot.append(
                dateOfBirth: CalendarDate(daysSinceEpoch: base + (index * 7919) % 30_000),
                sex: index % 2 == 0 ? .male : .female, districtCode: String(731 + index % 5),
                communeCode: String(26_000 + index % 50), area: index % 3 == 0 ? .urban : .rural,
                qualification: index % 4 == 0 ? .university : .none,
                employmentStatus: [.employed, .employed, .unemployed, .inactive][index % 4],
                sector: index % 4 < 2 ? EconomicSector.all[index % 21] : nil, incomeBand: .unknown,
                socialInsurance: index % 5 == 0 ? .compulsory : .none)
        }
        let start = ContinuousClock.now
        let table = analyse(snapshot, by: [.commune, .ageGroup], on: date)
        let elapsed = ContinuousClock.now - start
        print("analyse of 1,000,000 people by commune × age group: \(elapsed)")
        XCTAssertEqual(table.cells.count, 50 * 6)
        XCTAssertEqual(table.cells.compactMap(\.count).reduce(0, +), table.total.count)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }
}
