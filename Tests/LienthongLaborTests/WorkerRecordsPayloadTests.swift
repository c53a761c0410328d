import LienthongCore
import LienthongLabor
import XCTest

final class WorkerRecordsPayloadTests: XCTestCase {
    // Synthetic: born 1995-08-20, male, birth registered in province 75.
    private let personalID = PersonalID.make(provinceCode: "75", birthYear: 1995, sex: .male, serial: 42)

    private func goodRecord() -> [String: JSONValue] {
        [
            "personalId": .string(personalID.digits),
            "fullName": .string("Lê Văn Thử"),
            "dateOfBirth": .string("1995-08-20"),
            "sex": .string("male"),
            "ethnicity": .string("Kinh"),
            "districtCode": .string("731"),
            "communeCode": .string("26041"),
            "area": .string("urban"),
            "education": .string("upperSecondary"),
            "qualification": .string("college"),
            "fieldOfStudy": .string("Điện tử"),
            "employmentStatus": .string("employed"),
            "jobTitle": .string("Kỹ thuật viên"),
            "position": .string("Tổ trưởng"),
            "workplace": .string("Công ty TNHH Thử Nghiệm"),
            "establishment": .string("foreignInvested"),
            "sector": .string("C"),
            "wantsTraining": .bool(true),
            "wantsJob": .bool(false),
            "incomeBand": .string("from10to20m"),
            "socialInsurance": .string("compulsory"),
            "asOf": .string("2025-06-30"),
        ]
    }

    func testGoodRecord() throws {
        let record = try WorkerRecordsPayload.workerRecord(from: .object(goodRecord()), source: .industrialZone).get()
        XCTAssertEqual(record.personalID, personalID)
        XCTAssertEqual(record.fullName, "Lê Văn Thử")
        XCTAssertEqual(record.dateOfBirth, Fixture.date("1995-08-20"))
        XCTAssertEqual(record.sex, .male)
        XCTAssertEqual(record.area, .urban)
        XCTAssertEqual(record.education, .upperSecondary)
        XCTAssertEqual(record.qualification, .college)
        XCTAssertEqual(record.employmentStatus, .employed)
        XCTAssertEqual(record.establishment, .foreignInvested)
        XCTAssertEqual(record.sector?.rawValue, "C")
        XCTAssertEqual(record.wantsTraining, true)
        XCTAssertEqual(record.incomeBand, .from10to20m)
        XCTAssertEqual(record.socialInsurance, .compulsory)
        XCTAssertEqual(record.asOf, Fixture.date("2025-06-30"))
        XCTAssertEqual(record.source, .industrialZone)
    }

    func testDefaultsForAbsentOptionalMembers() throws {
        var fields = goodRecord()
        for name in ["ethnicity", "education", "qualification", "fieldOfStudy", "jobTitle", "position", "workplace",
                     "establishment", "sector", "wantsTraining", "wantsJob", "incomeBand"] {
            fields[name] = nil
        }
        fields["socialInsurance"] = .null
        fields["employmentStatus"] = .string("unemployed")
        fields["unemploymentMonths"] = .number(4)
        fields["previousJob"] = .string("Công nhân")
        let record = try WorkerRecordsPayload.workerRecord(from: .object(fields), source: .industrialZone).get()
        XCTAssertEqual(record.education, EducationLevel.none)
        XCTAssertEqual(record.qualification, Qualification.none)
        XCTAssertEqual(record.incomeBand, .unknown)
        XCTAssertEqual(record.socialInsurance, SocialInsuranceParticipation.none)
        XCTAssertEqual(record.unemploymentMonths, 4)
        XCTAssertEqual(record.previousJob, "Công nhân")
        XCTAssertNil(record.sector)
    }

    func testEachRefusalKind() {
        func refusal(_ change: (inout [String: JSONValue]) -> Void) -> WorkerRecordsPayload.RecordRefusal? {
            var fields = goodRecord()
            change(&fields)
            if case .failure(let refusal) = WorkerRecordsPayload.workerRecord(from: .object(fields), source: .industrialZone) {
                return refusal
            }
            return nil
        }
        XCTAssertEqual(WorkerRecordsPayload.workerRecord(from: .array([]), source: .industrialZone),
                       .failure(.init(field: "record", reason: "must be an object")))
        let cases: [(String, (inout [String: JSONValue]) -> Void, String)] = [
            ("personalId", { $0["personalId"] = nil }, "is required"),
            ("fullName", { $0["fullName"] = .null }, "is required"),
            ("asOf", { $0["asOf"] = nil }, "is required"),
            ("sex", { $0["sex"] = .number(1) }, "must be a string"),
            ("education", { $0["education"] = .bool(true) }, "must be a string"),
            ("unemploymentMonths", { $0["unemploymentMonths"] = .string("3") }, "must be a number"),
            ("unemploymentMonths", { $0["unemploymentMonths"] = .number(2.5) }, "must be a whole number from 0 to 600"),
            ("wantsJob", { $0["wantsJob"] = .string("yes") }, "must be a boolean"),
            ("personalId", { $0["personalId"] = .string("12345") }, "must be a 12-digit personal id number"),
            ("fullName", { $0["fullName"] = .string("  ") }, "must not be empty"),
            ("dateOfBirth", { $0["dateOfBirth"] = .string("20/08/1995") }, "must be a date YYYY-MM-DD"),
            ("sex", { $0["sex"] = .string("Nam") }, "must be male or female"),
            ("districtCode", { $0["districtCode"] = .string("73") }, "must be 3 digits"),
            ("communeCode", { $0["communeCode"] = .string("2604A") }, "must be 5 digits"),
            ("area", { $0["area"] = .string("Thành thị") }, "must be one of urban, rural"),
            ("employmentStatus", { $0["employmentStatus"] = .string("Employed") },
             "must be one of employed, unemployed, inactive"),
            ("sector", { $0["sector"] = .string("c") }, "must be a VSIC section letter A to U"),
            ("incomeBand", { $0["incomeBand"] = .string("high") },
             "must be one of none, under5m, from5to10m, from10to20m, over20m, unknown"),
            ("socialInsurance", { $0["socialInsurance"] = .string("yes") }, "must be one of compulsory, voluntary, none"),
            ("asOf", { $0["asOf"] = .string("2025-13-01") }, "must be a date YYYY-MM-DD"),
            ("personalId", { $0["dateOfBirth"] = .string("1996-08-20") }, "does not match the birth year of dateOfBirth"),
            ("personalId", { $0["sex"] = .string("female") }, "does not match the sex"),
            ("dateOfBirth", { $0["asOf"] = .string("1990-01-01") }, "must not be after asOf"),
        ]
        for (field, change, reason) in cases {
            let result = refusal(change)
            XCTAssertEqual(result?.field, field, reason)
            XCTAssertEqual(result?.reason, reason, field)
            XCTAssertFalse(result?.description.contains(personalID.digits) ?? true)
        }
    }

    func testParticipantSyncMapping() throws {
        func record(_ participation: String, _ scheme: String) -> JSONValue {
            .object([
                "personalId": .string(personalID.digits), "socialInsuranceNumber": .string("7512345678"),
                "fullName": .string("Lê Văn Thử"), "dateOfBirth": .string("1995-08-20"), "sex": .string("male"),
                "participation": .string(participation), "scheme": .string(scheme), "since": .string("2020-01-01"),
            ])
        }
        let asOf = Fixture.date("2025-06-30")
        let compulsory = try XCTUnwrap(WorkerRecordsPayload.socialInsuranceUpdate(
            fromParticipantSync: record("participating", "compulsory"), asOf: asOf))
        XCTAssertEqual(compulsory, SocialInsuranceUpdate(personalID: personalID, participation: .compulsory, asOf: asOf))
        XCTAssertEqual(WorkerRecordsPayload.socialInsuranceUpdate(
            fromParticipantSync: record("participating", "voluntary"), asOf: asOf)?.participation, .voluntary)
        for (participation, scheme) in [("paused", "compulsory"), ("stopped", "voluntary"),
                                        ("participating", "health-insurance-only")] {
            XCTAssertEqual(WorkerRecordsPayload.socialInsuranceUpdate(
                fromParticipantSync: record(participation, scheme), asOf: asOf)?.participation, SocialInsuranceParticipation.none)
        }
        XCTAssertNil(WorkerRecordsPayload.socialInsuranceUpdate(fromParticipantSync: record("active", "compulsory"), asOf: asOf))
        XCTAssertNil(WorkerRecordsPayload.socialInsuranceUpdate(fromParticipantSync: .object([:]), asOf: asOf))

        // The update replaces the participation of an older record only.
        var base = try WorkerRecordsPayload.workerRecord(from: .object(goodRecord()), source: .industrialZone).get()
        base.socialInsurance = .none
        XCTAssertEqual(base.applying(compulsory).socialInsurance, SocialInsuranceParticipation.none, "same date: not newer")
        let later = try XCTUnwrap(WorkerRecordsPayload.socialInsuranceUpdate(
            fromParticipantSync: record("participating", "compulsory"), asOf: Fixture.date("2025-07-01")))
        XCTAssertEqual(base.applying(later).socialInsurance, .compulsory)
        let older = SocialInsuranceUpdate(personalID: personalID, participation: .voluntary, asOf: Fixture.date("2020-01-01"))
        XCTAssertEqual(base.applying(older).socialInsurance, SocialInsuranceParticipation.none)
    }
}
