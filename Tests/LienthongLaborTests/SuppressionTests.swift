import LienthongCore
@testable import LienthongLabor
import XCTest

final class SuppressionTests: XCTestCase {
    private let date = Fixture.analysisDate

    func testPrimarySuppressionOneDimensionNeedsAComplement() throws {
        // 20 men, 3 women: the women are under 5; publishing the men and the total would give 23 − 20 = 3, so the
        // men are suppressed too; the total stays.
        let records = Fixture.people(20, .male, .urban) + Fixture.people(3, .female, .urban)
        let table = analyse(LaborSnapshot(records), by: [.sex], on: date)
        XCTAssertNil(table.cell("female")?.count)
        XCTAssertNil(table.cell("male")?.count)
        XCTAssertEqual(table.total.count, 23)
        XCTAssertEqual(table.suppressedCells, 2)
        XCTAssertEqual(table.suppressedMargins, 0)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }

    func testNothingSuppressedWhenEveryCellIsZeroOrLarge() {
        let records = Fixture.people(5, .male, .urban) + Fixture.people(9, .male, .rural)
        let table = analyse(LaborSnapshot(records), by: [.sex, .area], on: date)
        XCTAssertEqual(table.cells.map(\.count), [5, 9, 0, 0])
        XCTAssertEqual(table.rowMargins.map(\.count), [14, 0])
        XCTAssertEqual(table.columnMargins.map(\.count), [5, 9])
        XCTAssertEqual(table.suppressedCells, 0)
        XCTAssertEqual(table.suppressedMargins, 0)
        XCTAssertEqual(table.cell("female", "urban")?.suppressed, false, "zeros are not suppressed")
    }

    func testSubtractionCaseInARowAndItsColumns() throws {
        // sex × area:      urban  rural | margin
        //   male             10      2  |   12
        //   female            8      9  |   17
        //   margin           18     11  |   29
        // Primary: (male, rural) = 2. Row "male" would give 12 − 10 = 2, so (male, urban) = 10 goes too (the
        // smallest nonzero published cell of the row). Then column "urban" has one suppressed entry (10), so its
        // smallest other nonzero cell (female, urban) = 8 goes; column "rural" likewise takes (female, rural) = 9.
        // All margins stay published.
        let records = Fixture.people(10, .male, .urban) + Fixture.people(2, .male, .rural)
            + Fixture.people(8, .female, .urban) + Fixture.people(9, .female, .rural)
        let table = analyse(LaborSnapshot(records), by: [.sex, .area], on: date)
        XCTAssertEqual(table.cells.map(\.count), [nil, nil, nil, nil])
        XCTAssertEqual(table.rowMargins.map(\.count), [12, 17])
        XCTAssertEqual(table.columnMargins.map(\.count), [18, 11])
        XCTAssertEqual(table.total.count, 29)
        XCTAssertEqual(table.suppressedCells, 4)
        XCTAssertEqual(table.suppressedMargins, 0)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }

    func testSecondarySuppressionPrefersTheSmallestNonzeroCell() throws {
        // One line: sectors A 2 (primary), B 0, C 6, F 30, others 0, total 38. The partner is C (6), not F (30)
        // and not the zeros.
        let records = Fixture.people(2, .male, .urban, sector: EconomicSector(rawValue: "A"))
            + Fixture.people(6, .male, .urban, sector: EconomicSector(rawValue: "C"))
            + Fixture.people(30, .male, .urban, sector: EconomicSector(rawValue: "F"))
        let table = analyse(LaborSnapshot(records), by: [.sector], on: date)
        XCTAssertNil(table.cell("A")?.count)
        XCTAssertNil(table.cell("C")?.count, "6 is the smallest nonzero published cell of the line")
        XCTAssertEqual(table.cell("B")?.count, 0)
        XCTAssertEqual(table.cell("F")?.count, 30)
        XCTAssertEqual(table.total.count, 38)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }

    func testMarginsUnderThresholdAndMarginLineComplement() throws {
        // sex × area:      urban  rural | margin
        //   male              2      1  |    3   ← all primary
        //   female           10     10  |   20
        //   margin           12     11  |   23
        // Columns: urban has (male, urban) alone → (female, urban) goes; rural likewise → (female, rural).
        // Row margins with the total: 3 is suppressed alone → the female margin 20 goes too.
        let records = Fixture.people(2, .male, .urban) + Fixture.people(1, .male, .rural)
            + Fixture.people(10, .female, .urban) + Fixture.people(10, .female, .rural)
        let table = analyse(LaborSnapshot(records), by: [.sex, .area], on: date)
        XCTAssertEqual(table.cells.map(\.count), [nil, nil, nil, nil])
        XCTAssertEqual(table.rowMargins.map(\.count), [nil, nil])
        XCTAssertEqual(table.columnMargins.map(\.count), [12, 11])
        XCTAssertEqual(table.total.count, 23)
        XCTAssertEqual(table.suppressedMargins, 2)
        XCTAssertEqual(table.rowMargin("female")?.indicators, .hidden)
        assertNoLineDisclosesOneSuppressedEntry(table)
    }

    func testTotalUnderThresholdIsSuppressed() {
        let records = Fixture.people(3, .male, .urban)
        let table = analyse(LaborSnapshot(records), by: [.sex], on: date)
        XCTAssertNil(table.total.count)
        XCTAssertNil(table.cell("male")?.count)
        XCTAssertEqual(table.cell("female")?.count, 0)
        let total = analyse(LaborSnapshot(records), by: [], on: date)
        XCTAssertNil(total.total.count)
    }

    func testRatesHiddenForSmallNumeratorsAndShownForZero() throws {
        // 10 employed, 0 unemployed: unemployment rate 0/10 = 0 is published; 3 trained of 10 is not.
        var records = Fixture.people(10, .male, .urban)
        for index in 0..<3 {
            records[index].qualification = .university
        }
        let table = analyse(LaborSnapshot(records), by: [.sex], on: date)
        let male = try XCTUnwrap(table.cell("male"))
        XCTAssertEqual(male.indicators.unemploymentRate, 0)
        XCTAssertEqual(male.indicators.laborForceParticipationRate, 1)
        XCTAssertNil(male.indicators.trainedRate)
        XCTAssertEqual(male.indicators.socialInsuranceRate, 0)
    }

    func testRandomTablesNeverLeaveASingleSuppressedEntryInALine() {
        var generator = SplitMix64(seed: 0x5EED)
        for round in 0..<60 {
            var records: [WorkerRecord] = []
            let communes = 2 + Int(generator.next() % 6)
            for commune in 0..<communes {
                for sector in ["A", "C", "F", "G"] {
                    // Counts 0…12 (many under 5) and sometimes larger.
                    let roll = Int(generator.next() % 16)
                    let count = roll < 13 ? roll : 20 + roll
                    records += Fixture.people(count, .female, .rural, commune: String(26_000 + commune),
                                              sector: EconomicSector(rawValue: sector))
                }
            }
            let table = analyse(LaborSnapshot(records), by: [.commune, .sector], on: date)
            assertNoLineDisclosesOneSuppressedEntry(table)
            let oneD = analyse(LaborSnapshot(records), by: [.commune], on: date)
            assertNoLineDisclosesOneSuppressedEntry(oneD)
            XCTAssertEqual(table.total.count, records.count >= 5 ? records.count : nil, "round \(round)")
        }
    }

    func testSuppressionAlgorithmDirectly() {
        // Lines over entries [a, b, c, total]: a + b + c = total; a = 1 is primary.
        let lines = [Suppression.Line(parts: [0, 1, 2], sum: 3)]
        XCTAssertEqual(Suppression.suppress(counts: [1, 7, 6, 14], lines: lines, threshold: 5), [true, false, true, false])
        // When all other parts are zero, the sum entry is the partner.
        XCTAssertEqual(Suppression.suppress(counts: [3, 0, 0, 3], lines: lines, threshold: 5), [true, false, false, true])
        // No primary: nothing moves.
        XCTAssertEqual(Suppression.suppress(counts: [5, 0, 6, 11], lines: lines, threshold: 5), [false, false, false, false])
    }
}

/// A small deterministic generator for the randomised tests.
struct SplitMix64: RandomNumberGenerator {
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
