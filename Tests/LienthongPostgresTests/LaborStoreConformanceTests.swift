import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongPostgres
import LienthongTabular
import XCTest

/// One scenario of the labour records run against the SQLite ``LaborStore`` and the ``PostgresLaborStore``: each
/// store's answers are checked against the values the scenario expects, then the two stores' answers are compared
/// value by value (the snapshots field by field). Synthetic people only.
final class LaborStoreConformanceTests: XCTestCase {
    func testSQLiteAndPostgresStoresGiveTheSameResults() async throws {
        let testDatabase = try await TestDatabase.create()
        let directory = try makeTemporaryDirectory()
        let database = try PostgresDatabase(url: testDatabase.url, maximumConnections: 4)
        database.start()
        do {
            let files = try LaborScenario.Files(directory: directory)
            let sqlite = try LaborStore(path: directory.appendingPathComponent("labor.sqlite").path)
            let postgres = try await PostgresLaborStore(database: database)

            // The migration is versioned and applied once.
            let applied = try await database.appliedMigrations()
            XCTAssertTrue(applied.contains("labor-v1"))
            let again = try await database.migrate(PostgresLaborStore.migrations)
            XCTAssertEqual(again, [])
            _ = try await PostgresLaborStore(database: database)

            let fromSQLite = try await LaborScenario.run(sqlite, files: files, label: "sqlite")
            let fromPostgres = try await LaborScenario.run(postgres, files: files, label: "postgres")
            LaborScenario.assertSame(fromSQLite, fromPostgres)
        } catch {
            await database.shutdown()
            try? FileManager.default.removeItem(at: directory)
            try? await testDatabase.drop()
            throw error
        }
        await database.shutdown()
        try? FileManager.default.removeItem(at: directory)
        try await testDatabase.drop()
    }
}

/// The scenario, written once against ``LaborRecords``.
enum LaborScenario {
    /// What a store answered, in scenario order.
    struct Observations {
        var upserts: [UpsertSummary] = []
        var applied = 0
        var records: [String: WorkerRecord?] = [:]
        var histories: [String: [WorkerRecord]] = [:]
        var counts: [String: LaborCounts] = [:]
        var pending: [[IdentityTask]] = []
        var statuses: [IdentityStatus?] = []
        var snapshots: [String: SnapshotResult] = [:]
        var survey: SurveyImportSummary?
        var refusals: [LaborSurveyError] = []
    }

    static let surveyDate = date("2025-06-15")
    static let surveyPeople = 1_200
    static let refusedPeople = 1_500

    static func date(_ iso: String) -> CalendarDate {
        do { return try CalendarDate(iso: iso) } catch { preconditionFailure("bad fixture date") }
    }

    static func id(born: String, _ sex: Sex, serial: Int) -> PersonalID {
        PersonalID.make(provinceCode: "75", birthYear: date(born).year, sex: sex, serial: serial)
    }

    static func worker(_ serial: Int, born: String, _ sex: Sex, asOf: String, status: EmploymentStatus = .employed,
                       area: AreaType = .urban, qualification: Qualification = .none, district: String = "731",
                       commune: String = "26041", sector: EconomicSector? = nil, income: IncomeBand = .unknown,
                       insurance: SocialInsuranceParticipation = .none,
                       source: WorkerRecordSource = .industrialZone) -> WorkerRecord {
        WorkerRecord(
            personalID: id(born: born, sex, serial: serial), fullName: "Người Thử Nghiệm \(serial)",
            dateOfBirth: date(born), sex: sex, districtCode: district, communeCode: commune, area: area,
            education: .upperSecondary, qualification: qualification, employmentStatus: status,
            sector: status == .employed ? sector : nil, incomeBand: income, socialInsurance: insurance,
            asOf: date(asOf), source: source)
    }

    // Person A: three records (the oldest arrives last but one), matched, a newer social-insurance update.
    static let a1 = worker(1, born: "1990-04-12", .male, asOf: "2025-01-01")
    static let a0 = worker(1, born: "1990-04-12", .male, asOf: "2024-06-01", status: .unemployed, source: .survey)
    static let a3 = worker(1, born: "1990-04-12", .male, asOf: "2025-06-01", qualification: .university,
                           sector: EconomicSector(rawValue: "C"), income: .from10to20m)
    // Person B: a record corrected for the same as-of date, an identity mismatch, an older update (no effect).
    static let b1 = worker(2, born: "1985-09-30", .female, asOf: "2025-01-01", status: .unemployed, area: .rural)
    static var b1Corrected: WorkerRecord {
        var record = b1
        record.employmentStatus = .inactive
        record.communeCode = "26044"
        return record
    }
    static let bRegisteredName = "Trần Thị Đăng Ký"
    static let bRegisteredBirth = date("1985-10-01")
    // Person C: updates, then not found by the population database.
    static let c1 = worker(3, born: "2000-02-02", .male, asOf: "2025-03-01", district: "732", commune: "26050")
    // Person D: the same (person, as-of date) twice in one call (the last wins); never checked.
    static let d1 = worker(4, born: "1995-05-05", .female, asOf: "2025-02-01", qualification: .university,
                           district: "733", commune: "26101", insurance: .voluntary)
    static var d1Corrected: WorkerRecord {
        var record = d1
        record.qualification = .college
        return record
    }
    // Person E: refused by the population database.
    static let e1 = worker(5, born: "1970-07-07", .male, asOf: "2025-01-15", district: "732", commune: "26053",
                           insurance: .compulsory)

    static let people = [a1.personalID, b1.personalID, c1.personalID, d1.personalID, e1.personalID]

    // MARK: - Survey files

    static let headers = ["STT", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Mã huyện", "Mã xã",
                          "Thành thị/Nông thôn", "Trình độ chuyên môn kỹ thuật", "Tình trạng việc làm",
                          "Ngành kinh tế", "Thu nhập bình quân tháng", "Tham gia BHXH"]

    /// A survey person: born in 1960 + serial % 40, alternately male and female.
    static func surveyPerson(_ serial: Int) -> (id: PersonalID, born: String, sex: Sex) {
        let year = 1960 + serial % 40
        let sex: Sex = serial % 2 == 0 ? .male : .female
        let born = "\(year)-03-\(10 + serial % 18)"
        return (id(born: born, sex, serial: serial), born, sex)
    }

    static func csvRow(_ number: Int, serial: Int) -> [String] {
        let person = surveyPerson(serial)
        let birth = date(person.born)
        let dayMonthYear = String(format: "%02d/%02d/%04d", birth.day, birth.month, birth.year)
        let statuses = ["Có việc làm", "Thất nghiệp", "Không tham gia hoạt động kinh tế"]
        let status = statuses[serial % 3]
        return [String(number), person.id.digits, "Người Khảo Sát \(serial)", dayMonthYear,
                person.sex == .male ? "Nam" : "Nữ", "73\(serial % 4)", "260\(40 + serial % 23)",
                serial % 5 == 0 ? "Nông thôn" : "Thành thị", serial % 7 == 0 ? "Đại học" : "",
                status, serial % 3 == 0 ? ["A", "C", "G", "P"][serial % 4] : "",
                serial % 3 == 0 ? "Từ 10 đến dưới 20 triệu đồng" : "", serial % 6 == 0 ? "BHXH bắt buộc" : ""]
    }

    /// The survey files, written once for both stores.
    struct Files {
        /// 1,200 new people, person B again (a new as-of date), then the first row's person again.
        var accepted: URL
        /// 1,500 good rows (more than one batch), then a year-only date of birth on row 1,502.
        var badRow: URL
        /// The area column missing.
        var missingColumn: URL

        init(directory: URL) throws {
            accepted = directory.appendingPathComponent("ds-xa.csv")
            var rows = (1...surveyPeople).map { csvRow($0, serial: 10_000 + $0) }
            rows.append([String(surveyPeople + 1), b1.personalID.digits, "Người Khảo Sát B", "30/09/1985", "Nữ", "731",
                         "26041", "Nông thôn", "", "Có việc làm", "A", "", "BHXH tự nguyện"])
            var again = csvRow(surveyPeople + 2, serial: 10_001)
            again[9] = "Thất nghiệp"
            again[10] = ""
            rows.append(again)
            try Self.write(accepted, headers: headers, rows: rows)

            badRow = directory.appendingPathComponent("ds-loi.csv")
            var bad = (1...refusedPeople).map { csvRow($0, serial: 30_000 + $0) }
            var yearOnly = csvRow(refusedPeople + 1, serial: 39_999)
            yearOnly[3] = "1987"
            bad.append(yearOnly)
            try Self.write(badRow, headers: headers, rows: bad)

            missingColumn = directory.appendingPathComponent("thieu-cot.csv")
            let fewer = headers.filter { $0 != "Thành thị/Nông thôn" }
            try Self.write(missingColumn, headers: fewer, rows: [Array(csvRow(1, serial: 40_001).prefix(fewer.count))])
        }

        /// A plain CSV (no value holds a comma, a quote or a line break).
        static func write(_ url: URL, headers: [String], rows: [[String]]) throws {
            let lines = [headers] + rows
            try Data(lines.map { $0.joined(separator: ",") }.joined(separator: "\n").appending("\n").utf8)
                .write(to: url)
        }
    }

    // MARK: - The scenario

    // swiftlint:disable:next function_body_length
    static func run(_ store: some LaborRecords, files: Files, label: String) async throws -> Observations {
        var seen = Observations()
        let (a, b, c, d, e) = (a1.personalID, b1.personalID, c1.personalID, d1.personalID, e1.personalID)

        // Records: new ones, an older one kept as history, a correction, a repeat within one call.
        seen.upserts.append(try await store.upsert([a1, b1, c1, e1]))
        seen.upserts.append(try await store.upsert([a0]))
        seen.upserts.append(try await store.upsert([a3, b1Corrected, d1, d1Corrected]))
        seen.upserts.append(try await store.upsert([]))
        XCTAssertEqual(seen.upserts, [UpsertSummary(inserted: 4, replaced: 0), UpsertSummary(inserted: 1, replaced: 0),
                                      UpsertSummary(inserted: 2, replaced: 2), UpsertSummary()], label)

        // Social-insurance facts: A newer than its record, B older (no effect), C twice with a repeat (last wins).
        seen.applied = try await store.apply([
            SocialInsuranceUpdate(personalID: a, participation: .compulsory, asOf: date("2025-07-01")),
            SocialInsuranceUpdate(personalID: b, participation: .voluntary, asOf: date("2024-12-01")),
            SocialInsuranceUpdate(personalID: c, participation: .compulsory, asOf: date("2025-04-01")),
            SocialInsuranceUpdate(personalID: c, participation: .compulsory, asOf: date("2025-05-01")),
            SocialInsuranceUpdate(personalID: c, participation: .voluntary, asOf: date("2025-05-01")),
        ])
        XCTAssertEqual(seen.applied, 5, label)

        // The record in force at several dates.
        func record(_ id: PersonalID, _ on: String?) async throws -> WorkerRecord? {
            let value = try await store.record(personalID: id, on: on.map(date))
            seen.records["\(id.digits)@\(on ?? "latest")"] = value
            return value
        }
        var aWithUpdate = a3
        aWithUpdate.socialInsurance = .compulsory
        var cApril = c1
        cApril.socialInsurance = .compulsory
        var cMay = c1
        cMay.socialInsurance = .voluntary
        let nothing = try await record(a, "2024-05-31")
        XCTAssertNil(nothing, label)
        let onA0 = try await record(a, "2024-12-31")
        XCTAssertEqual(onA0, a0, label)
        let onA1 = try await record(a, "2025-03-01")
        XCTAssertEqual(onA1, a1, label)
        let onA3 = try await record(a, "2025-06-15")
        XCTAssertEqual(onA3, a3, label)
        let onUpdate = try await record(a, "2025-07-01")
        XCTAssertEqual(onUpdate, aWithUpdate, label)
        let latestA = try await record(a, nil)
        XCTAssertEqual(latestA, aWithUpdate, label)
        let latestB = try await record(b, nil)
        XCTAssertEqual(latestB, b1Corrected, label)
        let onC = try await record(c, "2025-04-15")
        XCTAssertEqual(onC, cApril, label)
        let latestC = try await record(c, nil)
        XCTAssertEqual(latestC, cMay, label)
        let latestD = try await record(d, nil)
        XCTAssertEqual(latestD, d1Corrected, label)

        // History, oldest as-of date first, as stored.
        for person in people { seen.histories[person.digits] = try await store.history(personalID: person) }
        XCTAssertEqual(seen.histories[a.digits], [a0, a1, a3], label)
        XCTAssertEqual(seen.histories[d.digits], [d1Corrected], label)
        let nobody = try await store.history(personalID: id(born: "1999-01-01", .male, serial: 999))
        XCTAssertEqual(nobody, [], label)

        let initial = try await store.counts()
        seen.counts["initial"] = initial
        XCTAssertEqual(initial, LaborCounts(records: 7, people: 5, bySource: [.industrialZone: 6, .survey: 1],
                                            byIdentity: [:], unverified: 5, socialInsuranceUpdates: 4,
                                            latestAsOf: date("2025-06-01")), label)

        // Identity work in pages, in personal id order, with the latest record's name and date of birth.
        let sorted = [a3, b1Corrected, c1, d1Corrected, e1].sorted { $0.personalID.digits < $1.personalID.digits }
        var pages: [[IdentityTask]] = []
        var after: PersonalID?
        while true {
            let page = try await store.pendingIdentities(afterPersonalID: after, limit: 2)
            if page.isEmpty { break }
            pages.append(page)
            after = page.last?.personalID
        }
        seen.pending = pages
        XCTAssertEqual(pages.map(\.count), [2, 2, 1], label)
        XCTAssertEqual(pages.flatMap { $0 }, sorted.map {
            IdentityTask(personalID: $0.personalID, fullName: $0.fullName, dateOfBirth: $0.dateOfBirth)
        }, label)
        do {
            _ = try await store.pendingIdentities(afterPersonalID: nil, limit: 0)
            XCTFail("limit 0 accepted", file: #filePath, line: #line)
        } catch let error as LaborStoreError {
            XCTAssertEqual(error.code, .invalidArgument, label)
        }

        try await store.recordIdentities([
            (a, .matched),
            (b, .mismatch(registeredName: bRegisteredName, registeredDateOfBirth: bRegisteredBirth)),
            (c, .matched), (c, .notFound),   // a later answer replaces the earlier one
            (e, .invalid),
        ])
        try await store.recordIdentities([])
        for person in people { seen.statuses.append(try await store.identityStatus(of: person)) }
        XCTAssertEqual(seen.statuses, [.matched, .mismatch, .notFound, nil, .invalid], label)
        let remaining = try await store.pendingIdentities(afterPersonalID: nil, limit: 10)
        seen.pending.append(remaining)
        XCTAssertEqual(remaining.map(\.personalID), [d], label)

        // A mismatch shows the register's name and date of birth; people not found are still readable.
        var bRegistered = b1Corrected
        bRegistered.fullName = bRegisteredName
        bRegistered.dateOfBirth = bRegisteredBirth
        let registered = try await record(b, "2025-06-15")
        XCTAssertEqual(registered, bRegistered, label)
        let bHistory = try await store.history(personalID: b)
        XCTAssertEqual(bHistory, [b1Corrected], label)

        let checked = try await store.counts()
        seen.counts["checked"] = checked
        XCTAssertEqual(checked.byIdentity, [.matched: 1, .mismatch: 1, .notFound: 1, .invalid: 1], label)
        XCTAssertEqual(checked.unverified, 1, label)

        // Snapshots: A, B (register's date of birth) and D; C and E left out; A's update only from July.
        var bInSnapshot = b1Corrected
        bInSnapshot.dateOfBirth = bRegisteredBirth
        let included = [a3, bInSnapshot, d1Corrected].sorted { $0.personalID.digits < $1.personalID.digits }
        let june = try await store.snapshot(on: date("2025-06-15"))
        seen.snapshots["june"] = june
        XCTAssertEqual(june, SnapshotResult(date: date("2025-06-15"), snapshot: LaborSnapshot(included),
                                            excludedIdentity: 2, unverified: 1, recordsConsidered: 7,
                                            socialInsuranceUpdated: 0, registeredDatesOfBirth: 1), label)
        let july = try await store.snapshot(on: date("2025-07-31"))
        seen.snapshots["july"] = july
        let includedInJuly = included.map { $0.personalID == a ? aWithUpdate : $0 }
        XCTAssertEqual(july, SnapshotResult(date: date("2025-07-31"), snapshot: LaborSnapshot(includedInJuly),
                                            excludedIdentity: 2, unverified: 1, recordsConsidered: 7,
                                            socialInsuranceUpdated: 1, registeredDatesOfBirth: 1), label)
        let early = try await store.snapshot(on: date("2024-12-31"))
        seen.snapshots["early"] = early
        XCTAssertEqual(early, SnapshotResult(date: date("2024-12-31"), snapshot: LaborSnapshot([a0]),
                                             excludedIdentity: 0, unverified: 0, recordsConsidered: 1), label)
        let empty = try await store.snapshot(on: date("2000-01-01"))
        seen.snapshots["empty"] = empty
        XCTAssertEqual(empty.people, 0, label)

        // A survey: 1,200 new people over two batches, B again with a new as-of date, a repeated person.
        var progress: [Int] = []
        let summary = try await store.importSurvey(url: files.accepted, name: "ds-xa.csv", defaultAsOf: surveyDate,
                                                   options: TabularOptions(), progress: { progress.append($0) })
        seen.survey = summary
        XCTAssertEqual(summary, SurveyImportSummary(fileName: "ds-xa.csv", rows: surveyPeople + 2,
                                                    people: surveyPeople + 1, inserted: surveyPeople + 1,
                                                    replaced: 1), label)
        XCTAssertEqual(progress.last, surveyPeople + 2, label)
        let first = surveyPerson(10_001).id
        let surveyed = try await record(first, nil)
        XCTAssertEqual(surveyed?.employmentStatus, .unemployed, label)   // the repeated row won
        XCTAssertEqual(surveyed?.source, .survey, label)
        XCTAssertEqual(surveyed?.asOf, surveyDate, label)
        let bSurveyed = try await record(b, nil)
        XCTAssertEqual(bSurveyed?.employmentStatus, .employed, label)
        XCTAssertEqual(bSurveyed?.fullName, bRegisteredName, label)
        let bHistoryAfterSurvey = try await store.history(personalID: b)
        XCTAssertEqual(bHistoryAfterSurvey.count, 2, label)
        let imported = try await store.counts()
        seen.counts["imported"] = imported
        XCTAssertEqual(imported.records, 7 + surveyPeople + 1, label)
        XCTAssertEqual(imported.bySource[.survey], 1 + surveyPeople + 1, label)
        XCTAssertEqual(imported.latestAsOf, surveyDate, label)

        // Refused surveys change nothing: a bad row after more than a batch of good ones, a missing column.
        for (url, name) in [(files.badRow, "ds-loi.csv"), (files.missingColumn, "thieu-cot.csv")] {
            do {
                _ = try await store.importSurvey(url: url, name: name, defaultAsOf: surveyDate,
                                                 options: TabularOptions(), progress: { _ in })
                XCTFail("\(label): \(name) accepted")
            } catch let error as LaborSurveyError {
                seen.refusals.append(error)
            }
        }
        XCTAssertEqual(seen.refusals.map(\.code), [.invalidRow, .missingColumn], label)
        XCTAssertEqual(seen.refusals.first?.row, refusedPeople + 2, label)
        XCTAssertEqual(seen.refusals.first?.description,
                       "ds-loi.csv: row \(refusedPeople + 2), column \"Ngày sinh\": full date of birth required", label)
        XCTAssertEqual(seen.refusals.last?.column, "Thành thị/Nông thôn", label)
        let afterRefusals = try await store.counts()
        seen.counts["refused"] = afterRefusals
        XCTAssertEqual(afterRefusals, imported, label)
        let refusedPerson = try await record(surveyPerson(30_001).id, nil)
        XCTAssertNil(refusedPerson, label)

        // The final snapshot: every survey person unverified, B's survey record with the register's birth date.
        let final = try await store.snapshot(on: date("2025-07-31"))
        seen.snapshots["final"] = final
        XCTAssertEqual(final.people, 3 + surveyPeople, label)
        XCTAssertEqual(final.excludedIdentity, 2, label)
        XCTAssertEqual(final.unverified, 1 + surveyPeople, label)
        XCTAssertEqual(final.recordsConsidered, 7 + surveyPeople + 1, label)
        XCTAssertEqual(final.socialInsuranceUpdated, 1, label)
        XCTAssertEqual(final.registeredDatesOfBirth, 1, label)
        XCTAssertEqual(Set(final.snapshot.districtCodes), ["730", "731", "732", "733"], label)
        return seen
    }

    // MARK: - Comparing the stores

    static func assertSame(_ sqlite: Observations, _ postgres: Observations,
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(sqlite.upserts, postgres.upserts, "upserts", file: file, line: line)
        XCTAssertEqual(sqlite.applied, postgres.applied, "apply", file: file, line: line)
        XCTAssertEqual(Set(sqlite.records.keys), Set(postgres.records.keys), "records read", file: file, line: line)
        for (key, value) in sqlite.records {
            XCTAssertEqual(value, postgres.records[key] ?? nil, "record \(key)", file: file, line: line)
        }
        XCTAssertEqual(sqlite.histories, postgres.histories, "histories", file: file, line: line)
        XCTAssertEqual(Set(sqlite.counts.keys), Set(postgres.counts.keys), "counts taken", file: file, line: line)
        for (key, value) in sqlite.counts {
            XCTAssertEqual(value, postgres.counts[key], "counts \(key)", file: file, line: line)
        }
        XCTAssertEqual(sqlite.pending, postgres.pending, "pending identities", file: file, line: line)
        XCTAssertEqual(sqlite.statuses, postgres.statuses, "identity statuses", file: file, line: line)
        XCTAssertEqual(sqlite.survey, postgres.survey, "survey import", file: file, line: line)
        XCTAssertEqual(sqlite.refusals, postgres.refusals, "survey refusals", file: file, line: line)
        XCTAssertEqual(Set(sqlite.snapshots.keys), Set(postgres.snapshots.keys), "snapshots taken", file: file, line: line)
        for (key, left) in sqlite.snapshots {
            guard let right = postgres.snapshots[key] else { continue }
            XCTAssertEqual(left.date, right.date, "snapshot \(key): date", file: file, line: line)
            XCTAssertEqual(left.people, right.people, "snapshot \(key): people", file: file, line: line)
            XCTAssertEqual(left.excludedIdentity, right.excludedIdentity, "snapshot \(key): excludedIdentity",
                           file: file, line: line)
            XCTAssertEqual(left.unverified, right.unverified, "snapshot \(key): unverified", file: file, line: line)
            XCTAssertEqual(left.recordsConsidered, right.recordsConsidered, "snapshot \(key): recordsConsidered",
                           file: file, line: line)
            XCTAssertEqual(left.socialInsuranceUpdated, right.socialInsuranceUpdated,
                           "snapshot \(key): socialInsuranceUpdated", file: file, line: line)
            XCTAssertEqual(left.registeredDatesOfBirth, right.registeredDatesOfBirth,
                           "snapshot \(key): registeredDatesOfBirth", file: file, line: line)
            XCTAssertEqual(left.snapshot.count, right.snapshot.count, "snapshot \(key): count", file: file, line: line)
            XCTAssertEqual(left.snapshot.districtCodes, right.snapshot.districtCodes,
                           "snapshot \(key): district codes (person order)", file: file, line: line)
            XCTAssertEqual(left.snapshot.communeCodes, right.snapshot.communeCodes,
                           "snapshot \(key): commune codes (person order)", file: file, line: line)
            XCTAssertTrue(left.snapshot == right.snapshot, "snapshot \(key): the people's columns differ",
                          file: file, line: line)
            // The analysis of each snapshot, one dimension at a time, reads every column of every person.
            for dimension in LaborDimension.allCases {
                XCTAssertEqual(analyse(left.snapshot, by: [dimension], on: left.date),
                               analyse(right.snapshot, by: [dimension], on: right.date),
                               "snapshot \(key): analysis by \(dimension)", file: file, line: line)
            }
        }
    }
}
