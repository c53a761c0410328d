import Foundation
import LienthongCore
import LienthongRegistry
import LienthongSimulators
import LienthongTabular
import XCTest

/// The generated lists read back through the spreadsheet readers and the registry's screening, with each deliberate
/// problem landing where the plan's checklist says it should.
final class BeneficiaryListGeneratorTests: XCTestCase {
    func testEveryDefectIsScreenedAsExpectedInCSVAndXLSX() throws {
        let people = SyntheticPopulation.generate(citizens: 600, seed: 5)
        let generator = BeneficiaryListGenerator(citizens: people, accounts: AccountRegister(citizens: people, seed: 5), seed: 5)
        let list = generator.make(rows: 80, defects: BeneficiaryListGenerator.Defect.allCases)
        XCTAssertEqual(Set(list.defects.values), Set(BeneficiaryListGenerator.Defect.allCases), "every defect placed")
        XCTAssertEqual(list.rows.count, 80)
        let again = generator.make(rows: 80, defects: BeneficiaryListGenerator.Defect.allCases)
        XCTAssertEqual(again.rows, list.rows, "deterministic for a seed")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-list-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for format in ["csv", "xlsx"] {
            let url = dir.appendingPathComponent("danh-sach.\(format)")
            if format == "csv" { try list.write(csv: url) } else { try list.write(xlsx: url) }
            let reader = try TabularReader(url: url)
            defer { reader.close() }
            let index = try ListHeader.map(reader.headers)
            var screening = ListScreening(check: QualityCheck(referenceDate: SyntheticPopulation.referenceDate))
            var dispositions: [Int: RowDisposition] = [:]
            var codes: [Int: Set<FindingCode>] = [:]
            while let row = try reader.next() {
                let cells = row.cells.map { RawCell($0.text, numeric: $0.kind == .number || $0.kind == .dateSerial) as RawCell? }
                let (_, assessment) = screening.screen(index.row(number: row.number, cells: cells))
                dispositions[row.number] = assessment.disposition
                codes[row.number] = Set(assessment.findings.map(\.code))
            }
            XCTAssertEqual(dispositions.count, 80, format)
            for (fileRow, defect) in list.defects {
                let disposition = try XCTUnwrap(dispositions[fileRow], "\(format) row \(fileRow)")
                switch defect {
                case .nfdName, .otherToneMarks, .wrongBirthDay, .unknownID, .yearOnlyBirth:
                    guard case .verify = disposition else { return XCTFail("\(format) \(defect): \(disposition)") }
                case .wrongBirthYear:
                    XCTAssertEqual(disposition, .returnToCommune, "\(format) \(defect)")
                    XCTAssertTrue(codes[fileRow]?.contains(.personalIdInconsistent) ?? false, "\(format) \(defect)")
                case .missingID:
                    XCTAssertEqual(disposition, .returnToCommune, "\(format) \(defect)")
                case .duplicate:
                    XCTAssertTrue(codes[fileRow]?.contains(.duplicateInList) ?? false, "\(format) \(defect)")
                case .childWithoutNumber:
                    XCTAssertEqual(disposition, .requestPersonalID, "\(format) \(defect)")
                }
            }
        }
    }
}
