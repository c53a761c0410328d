import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import XCTest

/// A temporary directory removed at the end of the test.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("labor-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    var databasePath: String { file("labor.sqlite").path }
}

/// Synthetic workers (numbers made with `PersonalID.make`, so they agree with the birth year and sex; never real).
enum Synthetic {
    static func date(_ iso: String) -> CalendarDate {
        do { return try CalendarDate(iso: iso) } catch { preconditionFailure("bad fixture date") }
    }

    static func id(born: String, _ sex: Sex, serial: Int) -> PersonalID {
        PersonalID.make(provinceCode: "75", birthYear: date(born).year, sex: sex, serial: serial)
    }

    /// A worker record; the personal id number is made from `serial` and the birth year and sex.
    static func worker(
        serial: Int, born: String = "1990-04-12", _ sex: Sex = .male, area: AreaType = .urban,
        status: EmploymentStatus = .employed, qualification: Qualification = .none,
        insurance: SocialInsuranceParticipation = .none, district: String = "731", commune: String = "26041",
        sector: EconomicSector? = nil, income: IncomeBand = .unknown, asOf: String = "2025-01-01",
        source: WorkerRecordSource = .industrialZone, idBorn: String? = nil
    ) -> WorkerRecord {
        WorkerRecord(
            personalID: id(born: idBorn ?? born, sex, serial: serial), fullName: "Người Thử Nghiệm \(serial)",
            dateOfBirth: date(born), sex: sex, districtCode: district, communeCode: commune, area: area,
            education: .upperSecondary, qualification: qualification, employmentStatus: status,
            sector: status == .employed ? sector : nil, incomeBand: income, socialInsurance: insurance,
            asOf: date(asOf), source: source)
    }
}

/// Makes the database refuse one person's record from another connection (a trigger standing in for a failing
/// disk), through Python's sqlite3 so the test needs nothing of the store's internals.
enum FailingTrigger {
    static func install(at path: String, onSerial serial: Int) throws {
        let digits = Synthetic.worker(serial: serial).personalID.digits
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("CREATE TRIGGER refuse BEFORE INSERT ON labor_record WHEN NEW.personal_id = '\(digits)' "
                       "BEGIN SELECT RAISE(ABORT, 'refused'); END")
            db.commit()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 sqlite3 trigger")
    }
}
