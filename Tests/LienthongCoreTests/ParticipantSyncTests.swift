import Foundation
import LienthongCore
import XCTest

final class ParticipantSyncTests: XCTestCase {
    let today = try! CalendarDate(iso: "2025-07-01")

    /// A valid record for a woman born 1990-03-15; `serial` makes its numbers distinct from other records'.
    func record(serial: Int = 12345, _ change: (inout [String: JSONValue]) -> Void = { _ in }) -> JSONValue {
        let personalId = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .female, serial: serial).digits
        let number = "75" + String(format: "%08d", serial)
        var members: [String: JSONValue] = [
            "personalId": .string(personalId),
            "socialInsuranceNumber": .string(number),
            "fullName": .string("Nguyễn Thị Hoà"),
            "dateOfBirth": .string("1990-03-15"),
            "sex": .string("female"),
            "participation": .string("participating"),
            "scheme": .string("compulsory"),
            "since": .string("2012-09-01"),
            "healthInsuranceCard": .string("DN475" + number),
            "employer": .string("Công ty TNHH Giày Da Tam Phước"),
            "economicSector": .string("C"),
            "monthlyWageBand": .string("5m-10m"),
        ]
        change(&members)
        return .object(members)
    }

    func payload(_ records: [JSONValue], asOf: String? = "2025-07-01") -> JSONValue {
        var members: [String: JSONValue] = ["records": .array(records)]
        if let asOf { members["asOf"] = .string(asOf) }
        return .object(members)
    }

    func testValidRecordsAreAcceptedUnchanged() throws {
        let first = record(serial: 1) { $0["note"] = .string("unlisted members are allowed") }
        let second = record(serial: 2) {
            $0["healthInsuranceCard"] = nil
            $0["employer"] = .null
            $0["participation"] = .string("stopped")
            $0["scheme"] = .string("voluntary")
            $0["since"] = .string("2025-07-01")
        }
        let child = record(serial: 3) {
            $0["personalId"] = .string(PersonalID.make(provinceCode: "75", birthYear: 2022, sex: .male, serial: 3).digits)
            $0["dateOfBirth"] = .string("2022-01-31")
            $0["sex"] = .string("male")
            $0["scheme"] = .string("health-insurance-only")
            $0["since"] = .string("2022-01-31")
            $0["healthInsuranceCard"] = .string("TE17575" + "00000003")
        }
        let report = ParticipantSync.validate(payload([first, second, child]), today: today)
        XCTAssertEqual(report.refused, [])
        XCTAssertEqual(report.accepted, [first, second, child])
        XCTAssertEqual(report.acceptedIndices, [0, 1, 2])
        XCTAssertEqual(report.total, 3)
        XCTAssertFalse(report.isBatchRefused)
        // Without asOf too.
        XCTAssertEqual(ParticipantSync.validate(payload([first], asOf: nil), today: today).accepted, [first])
    }

    func testEveryRefusalKindNamesTheFieldAtTheRightIndex() throws {
        let cases: [(JSONValue, String, String)] = [
            (.string("not a record"), "record", "must be an object"),
            (record(serial: 10) { $0["personalId"] = nil }, "personalId", "is required"),
            (record(serial: 11) { $0["fullName"] = .null }, "fullName", "is required"),
            (record(serial: 12) { $0["since"] = nil }, "since", "is required"),
            (record(serial: 13) { $0["personalId"] = .number(75_190_012_345) }, "personalId", "must be a string"),
            (record(serial: 14) { $0["sex"] = .bool(true) }, "sex", "must be a string"),
            (record(serial: 15) { $0["employer"] = .number(1) }, "employer", "must be a string"),
            (record(serial: 16) { $0["healthInsuranceCard"] = .array([]) }, "healthInsuranceCard", "must be a string"),
            (record(serial: 17) { $0["personalId"] = .string("07519001234") }, "personalId", "12-digit"),
            (record(serial: 18) { $0["personalId"] = .string("099190012345") }, "personalId", "12-digit"),
            (record(serial: 19) { $0["socialInsuranceNumber"] = .string("751234567") }, "socialInsuranceNumber", "10-digit"),
            (record(serial: 20) { $0["socialInsuranceNumber"] = .string("75123456７8") }, "socialInsuranceNumber", "10-digit"),
            (record(serial: 21) { $0["fullName"] = .string("  ") }, "fullName", "must not be empty"),
            (record(serial: 22) { $0["fullName"] = .string("Nguyễn\u{0007}Hoà") }, "fullName", "control characters"),
            (record(serial: 23) { $0["fullName"] = .string(String(repeating: "a", count: 201)) }, "fullName", "at most 200"),
            (record(serial: 24) { $0["dateOfBirth"] = .string("1990-02-30") }, "dateOfBirth", "YYYY-MM-DD"),
            (record(serial: 25) { $0["dateOfBirth"] = .string("15/03/1990") }, "dateOfBirth", "YYYY-MM-DD"),
            (record(serial: 26) { $0["sex"] = .string("nu") }, "sex", "male or female"),
            (record(serial: 27) { $0["participation"] = .string("active") }, "participation", "participating, paused or stopped"),
            (record(serial: 28) { $0["scheme"] = .string("private") }, "scheme", "compulsory, voluntary or health-insurance-only"),
            (record(serial: 29) { $0["since"] = .string("2012-9-1") }, "since", "YYYY-MM-DD"),
            (record(serial: 30) { $0["healthInsuranceCard"] = .string("dn4757500000030") }, "healthInsuranceCard", "15-character"),
            (record(serial: 31) { $0["healthInsuranceCard"] = .string("DN67575000000310") }, "healthInsuranceCard", "15-character"),
            (record(serial: 32) { $0["economicSector"] = .string("") }, "economicSector", "must not be empty"),
            (record(serial: 33) { $0["monthlyWageBand"] = .string("\u{0000}") }, "monthlyWageBand", "control characters"),
            (record(serial: 34) { $0["dateOfBirth"] = .string("1991-03-15") }, "personalId", "birth year"),
            (record(serial: 35) { $0["sex"] = .string("male") }, "personalId", "sex"),
            (record(serial: 36) {
                $0["personalId"] = .string(PersonalID.make(provinceCode: "75", birthYear: 2025, sex: .female, serial: 36).digits)
                $0["dateOfBirth"] = .string("2025-07-02")
                $0["since"] = .string("2025-07-02")
            }, "dateOfBirth", "after today"),
            (record(serial: 37) { $0["since"] = .string("1990-03-14") }, "since", "before dateOfBirth"),
            (record(serial: 38) { $0["since"] = .string("2025-07-02") }, "since", "after today"),
            (record(serial: 39) { $0["healthInsuranceCard"] = .string("DN4757500000040") }, "healthInsuranceCard", "last 10 digits"),
        ]
        // A valid record between every pair, so indices are not simply 0, 1, 2, …
        var records: [JSONValue] = []
        var expected: [ParticipantSync.Refusal] = []
        var valid: [Int] = []
        for (n, (value, field, _)) in cases.enumerated() {
            valid.append(records.count)
            records.append(record(serial: 1000 + n))
            expected.append(ParticipantSync.Refusal(index: records.count, field: field, reason: ""))
            records.append(value)
        }
        let report = ParticipantSync.validate(payload(records), today: today)
        XCTAssertEqual(report.total, records.count)
        XCTAssertEqual(report.acceptedIndices, valid)
        XCTAssertEqual(report.accepted, valid.map { records[$0] })
        XCTAssertEqual(report.refused.count, cases.count)
        for (n, refusal) in report.refused.enumerated() where n < cases.count {
            XCTAssertEqual(refusal.index, expected[n].index, "case \(n)")
            XCTAssertEqual(refusal.field, cases[n].1, "case \(n): \(refusal.reason)")
            XCTAssertTrue(refusal.reason.contains(cases[n].2), "case \(n): \(refusal.reason)")
        }
    }

    func testOnlyTheFirstProblemIsReportedInAFixedOrder() {
        // Presence comes before formats: a missing scheme wins over a malformed personalId.
        let a = record(serial: 1) {
            $0["personalId"] = .string("123")
            $0["scheme"] = nil
        }
        // Formats in member order: socialInsuranceNumber before since and the card.
        let b = record(serial: 2) {
            $0["socialInsuranceNumber"] = .string("12")
            $0["since"] = .string("yesterday")
            $0["healthInsuranceCard"] = .string("DN4757599999999")
        }
        // Formats before consistency: a malformed card wins over a birth year mismatch.
        let c = record(serial: 3) {
            $0["dateOfBirth"] = .string("1985-01-01")
            $0["healthInsuranceCard"] = .string("XX")
        }
        // Consistency in order: birth year before since-before-birth and card mismatch.
        let d = record(serial: 4) {
            $0["dateOfBirth"] = .string("1989-12-31")
            $0["since"] = .string("1980-01-01")
            $0["healthInsuranceCard"] = .string("DN4757599999999")
        }
        let report = ParticipantSync.validate(payload([a, b, c, d]), today: today)
        XCTAssertEqual(report.refused.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(report.refused.map(\.field), ["scheme", "socialInsuranceNumber", "healthInsuranceCard", "personalId"])
        XCTAssertEqual(report.accepted, [])
    }

    func testDuplicatesInsideTheBatch() {
        let first = record(serial: 1)
        let samePerson = record(serial: 2) { $0["personalId"] = first.member("personalId") }
        let sameNumber = record(serial: 3) {
            $0["socialInsuranceNumber"] = first.member("socialInsuranceNumber")
            $0["healthInsuranceCard"] = nil
        }
        let exactCopy = first
        // A refused record still counts: a later record for the same person is refused too.
        let refused = record(serial: 4) { $0["since"] = .string("2030-01-01") }
        let afterRefused = record(serial: 5) { $0["personalId"] = refused.member("personalId") }
        let other = record(serial: 6)
        let report = ParticipantSync.validate(payload([first, samePerson, sameNumber, exactCopy, refused, afterRefused, other]), today: today)
        XCTAssertEqual(report.acceptedIndices, [0, 6])
        XCTAssertEqual(report.accepted, [first, other])
        XCTAssertEqual(report.refused, [
            ParticipantSync.Refusal(index: 1, field: "personalId", reason: "repeats the personalId of record 0 of the batch"),
            ParticipantSync.Refusal(index: 2, field: "socialInsuranceNumber", reason: "repeats the socialInsuranceNumber of record 0 of the batch"),
            ParticipantSync.Refusal(index: 3, field: "personalId", reason: "repeats the personalId of record 0 of the batch"),
            ParticipantSync.Refusal(index: 4, field: "since", reason: "must not be after today"),
            ParticipantSync.Refusal(index: 5, field: "personalId", reason: "repeats the personalId of record 4 of the batch"),
        ])
        XCTAssertEqual(report.total, 7)
    }

    func testBatchLevelRefusals() {
        func only(_ value: JSONValue) -> ParticipantSync.Refusal? {
            let report = ParticipantSync.validate(value, today: today)
            XCTAssertEqual(report.accepted, [])
            XCTAssertEqual(report.refused.count, 1)
            XCTAssertTrue(report.isBatchRefused)
            return report.refused.first
        }
        XCTAssertEqual(only(.object([:])), ParticipantSync.Refusal(index: -1, field: "records", reason: "is required"))
        XCTAssertEqual(only(.object(["records": .object([:])])), ParticipantSync.Refusal(index: -1, field: "records", reason: "must be an array"))
        XCTAssertEqual(only(.array([record()]))?.field, "payload")
        XCTAssertEqual(only(payload([record()], asOf: "2025-13-01"))?.field, "asOf")
        XCTAssertEqual(only(payload([record()], asOf: "2025-07-02")), ParticipantSync.Refusal(index: -1, field: "asOf", reason: "must not be after today"))
        XCTAssertEqual(ParticipantSync.validate(payload([record()], asOf: "2025-07-02"), today: today).total, 1)

        let empty = ParticipantSync.validate(payload([]), today: today)
        XCTAssertEqual(empty, ParticipantSync.Report(accepted: [], acceptedIndices: [], refused: [], total: 0))
    }

    func testRefusalsNeverCarryValuesAndEncodeAsJSON() throws {
        let bad = record(serial: 77) {
            $0["dateOfBirth"] = .string("1991-03-15")
            $0["fullName"] = .string("Trần Văn Bình")
        }
        let card = record(serial: 78) { $0["healthInsuranceCard"] = .string("DN4757512345679") }
        let duplicate = record(serial: 79) { $0["personalId"] = bad.member("personalId") }
        let report = ParticipantSync.validate(payload([bad, card, duplicate]), today: today)
        XCTAssertEqual(report.refused.count, 3)
        let encoded = try JSONEncoder().encode(report.refused)
        let text = String(decoding: encoded, as: UTF8.self)
        for secret in ["075190000077", "7500000077", "7500000078", "DN4757512345679", "Trần", "1991"] {
            XCTAssertFalse(text.contains(secret), "refusals leak a value: \(text)")
        }
        let decoded = try JSONDecoder().decode([ParticipantSync.Refusal].self, from: encoded)
        XCTAssertEqual(decoded, report.refused)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report.refused[0])) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["index", "field", "reason"])
        XCTAssertEqual(report.refused[0].description, "records[0].personalId: does not match the birth year of dateOfBirth")
    }

    func testParsedPayloadRoundTrip() throws {
        let text = #"""
            {"asOf":"2025-06-30","records":[
              {"personalId":"075190012345","socialInsuranceNumber":"7512345678","fullName":"Nguyễn Thị Hoà",
               "dateOfBirth":"1990-03-15","sex":"female","participation":"paused","scheme":"compulsory",
               "since":"2024-11-01","healthInsuranceCard":"DN4757512345678","employer":"Công ty TNHH Giày Da Tam Phước",
               "economicSector":"C","monthlyWageBand":"5m-10m"},
              {"personalId":"075190012345","socialInsuranceNumber":"7512345679","fullName":"Nguyễn Thị Hoà",
               "dateOfBirth":"1990-03-15","sex":"female","participation":"participating","scheme":"voluntary","since":"2025-01-01"}
            ]}
            """#
        let report = ParticipantSync.validate(try JSONValue(parsing: text), today: today)
        XCTAssertEqual(report.acceptedIndices, [0])
        XCTAssertEqual(report.refused.map(\.field), ["personalId"])
        XCTAssertEqual(ParticipantSync.messageType, "vss.participant-sync")
    }
}

private extension JSONValue {
    /// The member `key` of an object (`null` otherwise); test helper.
    func member(_ key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }
}
