import Foundation
import LienthongCore
import LienthongSimulators
import XCTest

final class SyntheticPopulationTests: XCTestCase {
    func testSameSeedGivesSameOutputAndOtherSeedDiffers() {
        let a = SyntheticPopulation.generate(citizens: 300, seed: 42)
        let b = SyntheticPopulation.generate(citizens: 300, seed: 42)
        let c = SyntheticPopulation.generate(citizens: 300, seed: 43)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.count, 300)
    }

    func testEveryNumberIsConsistentWithBirthYearAndSexAndUnique() throws {
        let citizens = SyntheticPopulation.generate(citizens: 5_000, seed: 7)
        var seen = Set<String>()
        var outsideDongNai = 0
        for citizen in citizens {
            let number = try XCTUnwrap(citizen.registeredPersonalId)
            XCTAssertTrue(citizen.personalId == nil || citizen.assignedPersonalId == nil)
            let id = try PersonalID(number)
            let birth = try CalendarDate(iso: citizen.dateOfBirth)
            XCTAssertEqual(id.birthYear, birth.year)
            XCTAssertEqual(id.sex, citizen.sex)
            XCTAssertTrue(id.consistencyProblems(birthYear: birth.year, sex: citizen.sex).isEmpty)
            XCTAssertTrue(seen.insert(number).inserted, "duplicate number")
            let age = birth.age(on: SyntheticPopulation.referenceDate)
            XCTAssertTrue((0...90).contains(age), "age \(age)")
            if !number.hasPrefix("075") { outsideDongNai += 1 }
            XCTAssertEqual(citizen.fullName, VietnameseName.normalized(citizen.fullName))
            XCTAssertEqual(Array(citizen.fullName.utf8), Array(citizen.fullName.precomposedStringWithCanonicalMapping.utf8))
            XCTAssertTrue(citizen.permanentResidence.hasSuffix("Tỉnh Đồng Nai"))
            XCTAssertFalse(citizen.fatherName.isEmpty)
            XCTAssertFalse(citizen.motherName.isEmpty)
            XCTAssertFalse(citizen.birthRegistrationPlace.isEmpty)
        }
        let share = Double(outsideDongNai) / Double(citizens.count)
        XCTAssertTrue((0.1...0.35).contains(share), "share born outside Đồng Nai \(share)")
    }

    func testChildrenWithoutNumberAreAboutThreePercentAndUnder14() throws {
        let citizens = SyntheticPopulation.generate(citizens: 20_000, seed: 11)
        let children = citizens.filter { $0.personalId == nil }
        let share = Double(children.count) / Double(citizens.count)
        XCTAssertEqual(share, 0.03, accuracy: 0.006)
        for child in children {
            XCTAssertNotNil(child.assignedPersonalId)
            XCTAssertLessThan(try CalendarDate(iso: child.dateOfBirth).age(on: SyntheticPopulation.referenceDate), 14)
            XCTAssertFalse(child.birthRegistrationPlace.isEmpty)
        }
    }

    func testFamilyNameSharesFollowTheReference() {
        let citizens = SyntheticPopulation.generate(citizens: 20_000, seed: 2025)
        func share(_ family: String) -> Double {
            Double(citizens.filter { $0.fullName.hasPrefix(family + " ") }.count) / Double(citizens.count)
        }
        XCTAssertEqual(share("Nguyễn"), 0.38, accuracy: 0.015)
        XCTAssertEqual(share("Trần"), 0.11, accuracy: 0.01)
        XCTAssertEqual(share("Lê"), 0.095, accuracy: 0.01)
        let ethnicities = Set(citizens.map(\.ethnicity))
        XCTAssertTrue(ethnicities.isSuperset(of: ["Kinh", "Hoa", "Khmer", "Châu Ro", "S'tiêng"]))
        XCTAssertGreaterThan(Double(citizens.filter { $0.ethnicity == "Kinh" }.count) / 20_000, 0.85)
    }

    func testToneMarkClusterNamesAreCommonInSmallSeeds() {
        let citizens = SyntheticPopulation.generate(citizens: 200, seed: 1)
        let clusters = ["oà", "òa", "oá", "óa", "oả", "ỏa", "oạ", "ọa", "oè", "òe", "oé", "óe", "oẻ", "ỏe", "uý", "úy", "uỳ", "ùy", "uỷ", "ủy", "uỵ", "ụy", "oa", "oe", "uy"]
        let withCluster = citizens.filter { citizen in
            let given = citizen.fullName.split(separator: " ").last.map(String.init)?.lowercased() ?? ""
            return clusters.contains { given.contains($0) }
        }
        XCTAssertGreaterThanOrEqual(withCluster.count, 5)
        let places = Set(citizens.map { $0.permanentResidence.split(separator: ",")[1].trimmingCharacters(in: .whitespaces) })
        XCTAssertTrue(places.contains("Thành phố Biên Hòa"))
        XCTAssertGreaterThanOrEqual(places.count, 6)
    }

    func testJSONLinesRoundTrip() throws {
        let citizens = SyntheticPopulation.generate(citizens: 120, seed: 5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("citizens-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try SyntheticPopulation.write(citizens, to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 120)
        XCTAssertEqual(try SyntheticPopulation.load(from: url), citizens)

        try Data("{\"bad\":1}\n".utf8).write(to: url)
        XCTAssertThrowsError(try SyntheticPopulation.load(from: url)) { error in
            XCTAssertEqual(error as? SyntheticDataError, SyntheticDataError(line: 1))
        }
    }

    func testGeneratorIsStableAcrossReleases() {
        var rng = SplitMix64(seed: 0)
        // Reference values of SplitMix64 for seed 0.
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
        for bound in [1, 2, 7, 1000] {
            for _ in 0..<100 { XCTAssertTrue((0..<bound).contains(rng.uniform(bound))) }
        }
    }
}
