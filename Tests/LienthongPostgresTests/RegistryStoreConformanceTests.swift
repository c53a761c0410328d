import Foundation
import LienthongCore
import LienthongPostgres
import LienthongRegistry
import LienthongRegistryStore
import XCTest

/// One scenario run against the SQLite ``RegistryStore`` and the ``PostgresRegistryStore``, through
/// ``RegistryRecords`` only: every result (batch ids and clock times normalised) is written to a transcript, and
/// the two transcripts must be equal line by line. Synthetic data only.
final class RegistryStoreConformanceTests: XCTestCase {
    static let period = "2026-05"
    static let bank = "970405"

    /// Synthetic numbers (PersonalID.make; never real).
    static func id(_ year: Int, _ sex: Sex, _ serial: Int) -> PersonalID {
        PersonalID.make(provinceCode: "075", birthYear: year, sex: sex, serial: serial)
    }

    static let idA = id(1990, .male, 101)
    static let idB = id(1955, .female, 102)
    static let idC = id(1940, .male, 103)
    static let idE = id(1972, .female, 104)
    static let idF = id(1985, .male, 105)
    static let idG = id(1966, .female, 106)
    static let childID = id(2016, .male, 107)

    static let headers = ["Số CCCD", "Ngày sinh", "Họ và tên", "Giới tính", "Dân tộc", "Xã/phường", "Quận/huyện",
                          "Đối tượng", "Số tài khoản", "Ngân hàng", "Không còn khả năng giao dịch",
                          "Người được ủy quyền/giám hộ", "Số định danh người được ủy quyền/giám hộ", "Họ tên cha/mẹ",
                          "Nơi đăng ký khai sinh"]

    /// The first list: 16 rows (rows 2–17), with defects (a missing name, a number repeated in the list).
    static var firstList: [[String]] {
        var rows: [[String]] = [
            [idA.digits, "15/03/1990", "Nguyễn Văn An", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Người có công",
             "0071000123456", "Vietcombank", "", "", "", "", ""],
            [idB.digits, "02/01/1955", "Trần Thị Hoà", "Nữ", "Kinh", "Xã An Bình", "Huyện Long Thành", "BTXH",
             "", "", "", "", "", "", ""],
            // Defect: no name.
            [id(1980, .male, 108).digits, "01/01/1980", "", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Hộ nghèo",
             "", "", "", "", "", "", ""],
            // Defect: A again.
            [idA.digits, "15/03/1990", "Nguyễn Văn An", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Người có công",
             "", "", "", "", "", "", ""],
            ["", "20/05/2016", "Lê Minh Khoa", "Nam", "Kinh", "Xã Tam An", "Huyện Long Thành", "Trẻ em", "", "", "", "", "",
             "Lê Văn Bình", "Xã Tam An, Huyện Long Thành"],
            [idC.digits, "1940", "Phạm Văn Cường", "Nam", "Kinh", "Xã Tam An", "Huyện Long Thành", "Người có công", "", "",
             "x", "", "", "", ""],
            [idE.digits, "09/09/1972", "Đỗ Thị Em", "Nữ", "Kinh", "Xã Tam An", "Huyện Long Thành", "BTXH",
             "0071000999888", "Vietcombank", "", "", "", "", ""],
            [idF.digits, "11/11/1985", "Võ Văn Phúc", "Nam", "Kinh", "Xã Phước Thái", "Huyện Long Thành", "Hộ nghèo",
             "", "", "", "", "", "", ""],
            [idG.digits, "06/06/1966", "Bùi Thị Giang", "Nữ", "Kinh", "Xã Phước Thái", "Huyện Long Thành", "BTXH",
             "1200300400", "BIDV", "", "", "", "", ""],
        ]
        for serial in 0..<7 {
            let person = id(1950 + serial, serial % 2 == 0 ? .male : .female, 200 + serial)
            rows.append([person.digits, "0\(serial + 1)/0\(serial + 1)/\(1950 + serial)", "Người Thử Số \(serial)",
                         serial % 2 == 0 ? "Nam" : "Nữ", "Kinh", serial < 4 ? "Xã An Bình" : "Xã Tam An", "Huyện Long Thành",
                         serial % 3 == 0 ? "Người có công" : "BTXH", serial % 2 == 0 ? "99000\(serial)" : "",
                         serial % 2 == 0 ? "Vietcombank" : "", "", "", "", "", ""])
        }
        return rows
    }

    /// The second list: A (registered: a duplicate warning) and F (found `not_found`: not registered).
    static var secondList: [[String]] {
        [
            [idA.digits, "15/03/1990", "Nguyễn Văn An", "Nam", "Kinh", "Xã An Bình", "Huyện Long Thành", "Người có công",
             "", "", "", "", "", "", ""],
            [idF.digits, "11/11/1985", "Võ Văn Phúc", "Nam", "Kinh", "Xã Phước Thái", "Huyện Long Thành", "Hộ nghèo",
             "", "", "", "", "", "", ""],
        ]
    }

    static func csv(_ lines: [[String]]) -> String {
        lines.map { $0.map { field in
            field.contains(",") || field.contains("\"") ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    func testSQLiteAndPostgresStoresGiveTheSameResults() async throws {
        let test = try await TestDatabase.create()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try PostgresDatabase(url: test.url, maximumConnections: 4)
        database.start()
        do {
            let postgres = try await PostgresRegistryStore(database: database, defaultBankBIN: Self.bank)
            // Opening it again applies nothing.
            _ = try await PostgresRegistryStore(database: database, defaultBankBIN: Self.bank)
            let applied = try await database.appliedMigrations()
            XCTAssertEqual(applied.filter { $0.hasPrefix("registry-") }, ["registry-v1"])
            let sqlite = try RegistryStore(path: directory.appendingPathComponent("registry.sqlite").path,
                                           defaultBankBIN: Self.bank)

            let expected = try await Self.scenario(sqlite, directory: directory.appendingPathComponent("sqlite"))
            let actual = try await Self.scenario(postgres, directory: directory.appendingPathComponent("postgres"))
            XCTAssertGreaterThan(expected.count, 40)
            XCTAssertEqual(expected.count, actual.count, "transcript lengths")
            for (index, (sqliteLine, postgresLine)) in zip(expected, actual).enumerated() {
                XCTAssertEqual(sqliteLine, postgresLine, "transcript line \(index)")
            }
        } catch {
            await database.shutdown()
            try await test.drop()
            throw error
        }
        await database.shutdown()
        try await test.drop()
    }

    /// A list larger than the PostgreSQL store's import chunk: in-list duplicates across chunks, registry
    /// duplicates, progress every 1,000 rows; then a damaged list whose bad row comes after several chunks were
    /// written: refused, and nothing of it stays (rows counted in the database itself).
    func testLargeImportsAcrossChunksGiveTheSameResults() async throws {
        let test = try await TestDatabase.create()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try PostgresDatabase(url: test.url, maximumConnections: 4)
        database.start()
        do {
            let postgres = try await PostgresRegistryStore(database: database, defaultBankBIN: Self.bank)
            let sqlite = try RegistryStore(path: directory.appendingPathComponent("registry.sqlite").path,
                                           defaultBankBIN: Self.bank)
            let expected = try await Self.largeScenario(sqlite, directory: directory.appendingPathComponent("sqlite"))
            let actual = try await Self.largeScenario(postgres, directory: directory.appendingPathComponent("postgres"))
            XCTAssertEqual(expected.count, actual.count, "transcript lengths")
            for (index, (sqliteLine, postgresLine)) in zip(expected, actual).enumerated() {
                XCTAssertEqual(sqliteLine, postgresLine, "transcript line \(index)")
            }
            let counted = try await database.withTransaction { connection in
                try await connection.query("SELECT count(*) FROM registry_row", logger: database.logger)
                    .collect().first?.decode(Int.self)
            }
            XCTAssertEqual(counted, 1_201 + 2, "the refused list left no row")
        } catch {
            await database.shutdown()
            try await test.drop()
            throw error
        }
        await database.shutdown()
        try await test.drop()
    }

    /// A row of the large lists: person `n` (numbers repeat every 700 rows: in-list duplicates across chunks).
    static func largeRow(_ n: Int) -> [String] {
        let person = id(1940 + n % 50, n % 2 == 0 ? .male : .female, 1_000 + n % 700)
        return [person.digits, "01/0\(1 + n % 9)/\(1940 + n % 50)", "Người Thử \(n % 700)", n % 2 == 0 ? "Nam" : "Nữ", "Kinh",
                "Xã \(n % 3)", "Huyện Long Thành", n % 4 == 0 ? "Người có công" : "BTXH", n % 5 == 0 ? "88\(n)" : "",
                n % 5 == 0 ? "Vietcombank" : "", "", "", "", "", ""]
    }

    static func largeScenario(_ store: some RegistryRecords, directory: URL) async throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let t = Transcript()
        let reference = try CalendarDate(year: 2026, month: 5, day: 1)
        // Two people registered by an earlier batch.
        let earlier = directory.appendingPathComponent("earlier.csv")
        try Data(csv([headers] + [largeRow(3), largeRow(1_100)]).utf8).write(to: earlier)
        let first = try await store.importList(url: earlier, name: "earlier.csv", importedBy: "o", referenceDate: reference,
                                               banks: .standard, progress: { _ in })
        t.batches.append(first.id)
        let large = directory.appendingPathComponent("large.csv")
        try Data(csv([headers] + (0..<1_201).map(largeRow)).utf8).write(to: large)
        var reported: [Int] = []
        let batch = try await store.importList(url: large, name: "large.csv", importedBy: "o", referenceDate: reference,
                                               banks: .standard, progress: { reported.append($0) })
        t.batches.append(batch.id)
        XCTAssertGreaterThan(batch.counts.returnedToCommune, 400)
        try t.add("large import", timeless(batch))
        XCTAssertEqual(reported, [1_000, 1_201])
        try t.add("progress", reported)
        var after = 0
        while true {
            let rows = try await store.rows(batch: batch.id, after: after, limit: 250)
            guard let last = rows.last else { break }
            try t.add("rows after \(after)", rows)
            after = last.row
        }
        let damaged = directory.appendingPathComponent("damaged.csv")
        try Data((csv([headers] + (0..<1_150).map { largeRow($0 + 5_000) })
                  + csv([Array(repeating: "x", count: headers.count + 1)])).utf8).write(to: damaged)
        await t.error("damaged import") {
            _ = try await store.importList(url: damaged, name: "damaged.csv", importedBy: "o", referenceDate: reference,
                                           banks: .standard, progress: { _ in })
        }
        try t.add("batches", try await store.batches().map(timeless))
        return t.lines
    }

    /// A transcript of results, batch ids replaced by `batch-1`, `batch-2`.
    final class Transcript {
        var lines: [String] = []
        var batches: [String] = []
        let encoder: JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .millisecondsSince1970
            return encoder
        }()

        func normalise(_ text: String) -> String {
            var text = text
            for (index, batch) in batches.enumerated() {
                text = text.replacingOccurrences(of: batch, with: "batch-\(index + 1)")
            }
            return text
        }

        func add(_ label: String, _ value: some Encodable) throws {
            let json = String(decoding: try encoder.encode(value), as: UTF8.self)
            lines.append(label + " " + normalise(json))
        }

        /// Records the error `body` throws (its code and detail), or `no error`.
        func error(_ label: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                lines.append(label + " no error")
            } catch let error as RegistryStoreError {
                lines.append(label + " RegistryStoreError " + error.description)
            } catch let error as ImportError {
                lines.append(label + " ImportError \(error.code.rawValue) " + error.description)
            } catch {
                lines.append(label + " other error \(String(reflecting: type(of: error)))")
            }
        }

        func file(_ label: String, _ url: URL) throws {
            let name = normalise(url.lastPathComponent)
            lines.append(label + " " + name + "\n" + normalise(try String(contentsOf: url, encoding: .utf8)))
        }
    }

    /// A summary without its clock time.
    static func timeless(_ summary: BatchSummary) -> BatchSummary {
        var summary = summary
        summary.importedAt = Date(timeIntervalSince1970: 0)
        return summary
    }

    /// An opening without its clock time.
    static func timeless(_ opening: OpeningRecord) -> OpeningRecord {
        var opening = opening
        opening.sentAt = Date(timeIntervalSince1970: 0)
        return opening
    }

    /// The scenario: imports (a refused one), verification, account checks, openings, jobs and reports.
    static func scenario(_ store: some RegistryRecords, directory: URL) async throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let t = Transcript()
        let period = Self.period
        let reference = try CalendarDate(year: 2026, month: 5, day: 1)

        // Import.
        let first = directory.appendingPathComponent("ds-xa-an-binh.csv")
        try Data(csv([headers] + firstList).utf8).write(to: first)
        var reported: [Int] = []
        let batch = try await store.importList(url: first, name: "ds-xa-an-binh.csv", importedBy: "officer-1",
                                               referenceDate: reference, banks: .standard,
                                               progress: { reported.append($0) })
        t.batches.append(batch.id)
        XCTAssertEqual(batch.counts.total, 16)
        XCTAssertEqual(batch.counts.returnedToCommune, 2)
        try t.add("import", timeless(batch))
        try t.add("progress", reported)
        try t.add("batch", timeless(try await store.batch(id: batch.id)))
        let reread = try await store.batch(id: batch.id)
        XCTAssertEqual(reread.importedAt, batch.importedAt)

        // A refused import (a row with a value beyond the headers, after valid rows) stores nothing.
        let damaged = directory.appendingPathComponent("hong.csv")
        try Data((csv([headers] + firstList.prefix(3)) + csv([Array(repeating: "x", count: headers.count + 2)])).utf8)
            .write(to: damaged)
        await t.error("refused import") {
            _ = try await store.importList(url: damaged, name: "hong.csv", importedBy: "officer-1", referenceDate: reference,
                                           banks: .standard, progress: { _ in })
        }
        let missing = directory.appendingPathComponent("thieu-cot.csv")
        try Data(csv([Array(headers.dropFirst(2))] + [Array(firstList[0].dropFirst(2))]).utf8).write(to: missing)
        await t.error("missing column") {
            _ = try await store.importList(url: missing, name: "thieu-cot.csv", importedBy: "officer-1",
                                           referenceDate: reference, banks: .standard, progress: { _ in })
        }
        try t.add("batches after refusals", try await store.batches().map(timeless))
        let stored = try await store.batches()
        XCTAssertEqual(stored.count, 1)

        // Rows.
        try t.add("rows page 1", try await store.rows(batch: batch.id, after: 0, limit: 5))
        try t.add("rows page 2", try await store.rows(batch: batch.id, after: 6, limit: 100))
        try t.add("row 4", try await store.row(batch: batch.id, row: 4))
        await t.error("row 99") { _ = try await store.row(batch: batch.id, row: 99) }
        await t.error("unknown batch") { _ = try await store.batch(id: "nope") }
        await t.error("rows of unknown batch") { _ = try await store.rows(batch: "nope", after: 0, limit: 1) }
        try t.add("contains A", try await store.contains(personalID: idA))
        try t.add("contains child", try await store.contains(personalID: childID))

        // Verification, paging as a run does.
        try t.add("pending 1", try await store.pendingVerifications(batch: batch.id, afterRow: 0, limit: 3))
        try t.add("pending 2", try await store.pendingVerifications(batch: batch.id, afterRow: 6, limit: 3))
        try t.add("progress 0", try await store.verificationProgress(batch: batch.id))
        try await store.recordVerification(batch: batch.id, row: 2, status: .matched)
        try await store.recordVerification(batch: batch.id, row: 2, status: .matched)   // idempotent
        await t.error("other result") { try await store.recordVerification(batch: batch.id, row: 2, status: .notFound) }
        await t.error("returned row") { try await store.recordVerification(batch: batch.id, row: 4, status: .matched) }
        await t.error("unknown row") { try await store.recordVerification(batch: batch.id, row: 99, status: .matched) }
        await t.error("number for a numbered row") {
            try await store.recordVerification(batch: batch.id, row: 3, status: .numberAssigned(childID))
        }
        try t.add("batch verifying", timeless(try await store.batch(id: batch.id)))
        // All or none: row 2 already has another result.
        await t.error("set with a conflict") {
            try await store.recordVerifications(batch: batch.id, results: [(row: 3, status: .matched), (row: 2, status: .invalid([]))])
        }
        try t.add("progress 1", try await store.verificationProgress(batch: batch.id))
        try await store.recordVerifications(batch: batch.id, results: [
            (row: 3, status: .matched),
            (row: 6, status: .numberAssigned(childID)),
            (row: 7, status: .matched),
            (row: 8, status: .mismatch([FieldDifference(field: .fullName, registered: "Đỗ Thị Êm"),
                                        FieldDifference(field: .dateOfBirth, registered: "1972-09-19")])),
            (row: 9, status: .notFound),
            (row: 10, status: .matched),
        ])
        var after = 10
        while true {
            let tasks = try await store.pendingVerifications(batch: batch.id, afterRow: after, limit: 3)
            guard let last = tasks.last else { break }
            try t.add("pending page after \(after)", tasks)
            try await store.recordVerifications(batch: batch.id, results: tasks.map { (row: $0.row, status: .matched) })
            after = last.row
        }
        try t.add("progress 2", try await store.verificationProgress(batch: batch.id))
        try t.add("batch verified", timeless(try await store.batch(id: batch.id)))
        try t.add("contains child now", try await store.contains(personalID: childID))
        try t.add("contains F (not found)", try await store.contains(personalID: idF))
        try t.add("row 8", try await store.row(batch: batch.id, row: 8))

        // Account checks for the period.
        await t.error("bad period") { _ = try await store.pendingAccountChecks(batch: batch.id, period: "2026-5", afterRow: 0, limit: 1) }
        let checks = try await store.pendingAccountChecks(batch: batch.id, period: period, afterRow: 0, limit: 100)
        try t.add("account checks", checks)
        XCTAssertGreaterThan(checks.count, 2)
        for task in checks where task.row != 10 {
            let result: AccountVerification = task.row == 8 ? .nameMismatch : (task.row == 14 ? .closed : .verified)
            try await store.recordAccountCheck(batch: batch.id, row: task.row, period: period, result: result,
                                               registeredName: task.row == 8 ? "DO THI KHAC" : nil)
        }
        await t.error("check of an unverified row") {
            try await store.recordAccountCheck(batch: batch.id, row: 4, period: period, result: .verified, registeredName: nil)
        }
        try t.add("account checks left", try await store.pendingAccountChecks(batch: batch.id, period: period, afterRow: 0, limit: 100))
        try t.add("decisions", try await store.paymentDecisions(batch: batch.id, period: period))
        try t.add("decisions next period", try await store.paymentDecisions(batch: batch.id, period: "2026-06"))

        // Openings.
        let openings = try await store.pendingOpenings(batch: batch.id, period: period, limit: .max)
        try t.add("openings to request", openings)
        XCTAssertGreaterThanOrEqual(openings.count, 3)
        try t.add("openings limited", try await store.pendingOpenings(batch: batch.id, period: period, limit: 1))
        for task in openings {
            try await store.recordOpeningSent(batch: batch.id, row: task.row, requestRef: task.requestRef,
                                              messageID: "msg-\(task.row)", bank: task.bankBIN ?? Self.bank, period: period)
        }
        let opened = openings[0], rejected = openings[1], waiting = openings[2]
        try await store.recordOpeningSent(batch: batch.id, row: opened.row, requestRef: opened.requestRef,
                                          messageID: "msg-\(opened.row)", bank: Self.bank, period: period)
        try await store.recordOpeningSent(batch: batch.id, row: waiting.row, requestRef: waiting.requestRef,
                                          messageID: "msg-\(waiting.row)-again", bank: Self.bank, period: period)
        await t.error("another reference") {
            try await store.recordOpeningSent(batch: batch.id, row: opened.row, requestRef: "other", messageID: "m",
                                              bank: Self.bank, period: period)
        }
        await t.error("bad bank") {
            try await store.recordOpeningSent(batch: batch.id, row: opened.row, requestRef: opened.requestRef,
                                              messageID: "m", bank: "12", period: nil)
        }
        let day = try CalendarDate(year: 2026, month: 5, day: 20)
        try await store.recordOpeningResult(requestRef: opened.requestRef, outcome: .acknowledged, accountID: nil,
                                            reasonCode: nil, reason: nil, on: day)
        await t.error("opened without account") {
            try await store.recordOpeningResult(requestRef: opened.requestRef, outcome: .opened, accountID: nil,
                                                reasonCode: nil, reason: nil, on: day)
        }
        try await store.recordOpeningResult(requestRef: opened.requestRef, outcome: .opened, accountID: "9704050000001",
                                            reasonCode: nil, reason: nil, on: day)
        try await store.recordOpeningResult(requestRef: opened.requestRef, outcome: .acknowledged, accountID: nil,
                                            reasonCode: nil, reason: nil, on: day)   // older step: nothing
        try await store.recordOpeningResult(requestRef: rejected.requestRef, outcome: .rejected, accountID: nil,
                                            reasonCode: "KYC", reason: "Hồ sơ chưa đủ", on: day)
        await t.error("opened after rejected") {
            try await store.recordOpeningResult(requestRef: rejected.requestRef, outcome: .opened, accountID: "1",
                                                reasonCode: nil, reason: nil, on: day)
        }
        await t.error("card for rejected") {
            try await store.recordOpeningResult(requestRef: rejected.requestRef, outcome: .cardDelivered, accountID: "1",
                                                reasonCode: nil, reason: nil, on: day)
        }
        await t.error("unknown opening") {
            try await store.recordOpeningResult(requestRef: "asxh-none-1", outcome: .opened, accountID: "1",
                                                reasonCode: nil, reason: nil, on: day)
        }
        await t.error("answered, another message") {
            try await store.recordOpeningSent(batch: batch.id, row: opened.row, requestRef: opened.requestRef,
                                              messageID: "msg-new", bank: Self.bank, period: period)
        }
        try t.add("openings", try await store.openings(batch: batch.id).map(timeless))
        try t.add("row with opened account", try await store.row(batch: batch.id, row: opened.row))
        let recheck = try await store.pendingAccountChecks(batch: batch.id, period: period, afterRow: 0, limit: 100)
        try t.add("account checks after opening", recheck)
        for task in recheck where task.row == opened.row {
            try await store.recordAccountCheck(batch: batch.id, row: task.row, period: period, result: .verified,
                                               registeredName: nil)
        }
        try t.add("decisions after opening", try await store.paymentDecisions(batch: batch.id, period: period))
        try t.add("openings left", try await store.pendingOpenings(batch: batch.id, period: period, limit: .max))

        // A second list: A is registered (a warning), F was not found (not registered).
        let second = directory.appendingPathComponent("ds-2.csv")
        try Data(csv([headers] + secondList).utf8).write(to: second)
        let batch2 = try await store.importList(url: second, name: "ds-2.csv", importedBy: "officer-2",
                                                referenceDate: reference, banks: .standard, progress: { _ in })
        t.batches.append(batch2.id)
        try t.add("second import", timeless(batch2))
        try t.add("second rows", try await store.rows(batch: batch2.id, after: 0, limit: 10))
        try t.add("batches", try await store.batches().map(timeless))

        // Jobs.
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        let jobs = [
            RegistryJob(id: "00000000-0000-4000-8000-000000000001", kind: "verify", batch: batch.id, period: nil,
                        state: .running, startedAt: t0),
            RegistryJob(id: "00000000-0000-4000-8000-000000000002", kind: "accounts", batch: batch.id, period: period,
                        state: .done, startedAt: t0.addingTimeInterval(10), finishedAt: t0.addingTimeInterval(20),
                        processed: 7),
            RegistryJob(id: "00000000-0000-4000-8000-000000000003", kind: "results", batch: nil, period: nil,
                        state: .running, startedAt: t0.addingTimeInterval(10)),
        ]
        for job in jobs { try await store.saveJob(job) }
        var progressed = jobs[0]
        progressed.progress = try await store.verificationProgress(batch: batch.id)
        try await store.saveJob(progressed)
        try t.add("jobs", try await store.jobs(limit: 10))
        try t.add("jobs limited", try await store.jobs(limit: 2))
        try t.add("job", try await store.job(id: jobs[0].id))
        try t.add("unknown job", try await store.job(id: "none"))
        let interrupted = try await store.interruptRunningJobs(cause: "restart", at: t0.addingTimeInterval(60))
        XCTAssertEqual(interrupted, 2)
        try t.add("interrupted", interrupted)
        try t.add("jobs after restart", try await store.jobs(limit: 10))

        // Reports, as values and as files.
        try t.add("discrepancies", try await store.discrepancyReport(batch: batch.id, period: nil))
        let discrepancies = try await store.discrepancyReport(batch: batch.id, period: period)
        XCTAssertTrue(discrepancies.lines.contains { $0.kind == .accountNameMismatch })
        try t.add("discrepancies for the period", discrepancies)
        await t.error("report of unknown batch") { _ = try await store.discrepancyReport(batch: "nope", period: nil) }
        let banks = try await store.bankLists(batch: batch.id, period: period)
        XCTAssertGreaterThan(banks.count, 1)
        try t.add("bank lists", banks)
        let cash = try await store.cashList(batch: batch.id, period: period)
        XCTAssertFalse(cash.lines.isEmpty)
        try t.add("cash list", cash)
        try t.add("monthly report", try await store.monthlyReport(batch: batch.id, period: period))
        try t.add("monthly report next period", try await store.monthlyReport(batch: batch.id, period: "2026-06"))
        let reports = directory.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        try t.file("discrepancy file", try await store.writeDiscrepancyReport(batch: batch.id, period: period, to: reports).csv)
        let bankFiles = try await store.writeBankLists(batch: batch.id, period: period, to: reports)
        for key in bankFiles.keys.sorted() {
            guard let files = bankFiles[key] else { continue }
            try t.file("bank file \(key)", files.csv)
        }
        try t.file("cash file", try await store.writeCashList(batch: batch.id, period: period, to: reports).csv)
        try t.file("monthly file", try await store.writeMonthlyReport(batch: batch.id, period: period, to: reports).csv)
        return t.lines
    }
}
