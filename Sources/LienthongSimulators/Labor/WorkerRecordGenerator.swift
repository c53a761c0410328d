public import Foundation
public import LienthongCore
public import LienthongLabor
import LienthongTabular

/// Synthetic labour-supply records (form 01) for the synthetic population: deterministic from a seed, with shares
/// close to Đồng Nai's (an industrial province: manufacturing is the largest sector, most factory workers in
/// foreign-invested firms with compulsory social insurance, about three in ten workers trained). Synthetic only.
///
/// ```swift
/// let records = WorkerRecordGenerator(citizens: people, seed: 7).make(asOf: date)
/// let payload = WorkerRecordGenerator.messagePayload(records.filter { $0.source == .industrialZone })
/// ```
public struct WorkerRecordGenerator: Sendable {
    /// The citizens the records describe.
    public let citizens: [SyntheticCitizen]
    /// Seed of every choice.
    public let seed: UInt64

    /// Creates a generator.
    public init(citizens: [SyntheticCitizen], seed: UInt64) {
        self.citizens = citizens
        self.seed = seed
    }

    /// Legacy district codes of Đồng Nai (Decision 124/2004/QĐ-TTg), by the district names the population uses.
    public static let districtCodes: [String: String] = [
        "Thành phố Biên Hòa": "731", "Thành phố Long Khánh": "732", "Huyện Tân Phú": "734", "Huyện Vĩnh Cửu": "735",
        "Huyện Định Quán": "736", "Huyện Trảng Bom": "737", "Huyện Thống Nhất": "738", "Huyện Cẩm Mỹ": "739",
        "Huyện Long Thành": "740", "Huyện Xuân Lộc": "741", "Huyện Nhơn Trạch": "742",
    ]

    /// One record per citizen aged 15 or more on `asOf` with a number and a full date of birth, in citizen order.
    /// Factory workers of the industrial zones are marked ``WorkerRecordSource/industrialZone``, the rest
    /// ``WorkerRecordSource/survey``.
    public func make(asOf: CalendarDate) -> [WorkerRecord] {
        var rng = SplitMix64(seed: seed)
        var out: [WorkerRecord] = []
        for citizen in citizens {
            guard let number = citizen.registeredPersonalId, let id = try? PersonalID(number),
                  let birth = try? CalendarDate(iso: citizen.dateOfBirth) else { continue }
            let age = birth.age(on: asOf)
            guard age >= 15 else { continue }
            let (districtCode, communeCode, area) = Self.place(citizen.permanentResidence)
            let status: EmploymentStatus = {
                let employed: Double = switch age {
                case ..<25: 0.45
                case ..<55: 0.87
                case ..<65: 0.58
                default: 0.18
                }
                let roll = rng.unitInterval()
                if roll < employed { return .employed }
                if roll < employed + (age < 60 ? 0.025 : 0.004) { return .unemployed }
                return .inactive
            }()
            let qualification = rng.pick(weighted: [
                (Qualification.none, 70.0), (.elementary, 8), (.intermediate, 7), (.college, 4), (.university, 10), (.postgraduate, 1),
            ])
            let education = rng.pick(weighted: [(EducationLevel.none, 3.0), (.primary, 15), (.lowerSecondary, 32), (.upperSecondary, 50)])
            var record = WorkerRecord(
                personalID: id, fullName: citizen.fullName, dateOfBirth: birth, sex: citizen.sex, ethnicity: citizen.ethnicity,
                districtCode: districtCode, communeCode: communeCode, area: area, education: education,
                qualification: qualification, employmentStatus: status, incomeBand: .none, socialInsurance: .none,
                asOf: asOf, source: .survey)
            switch status {
            case .employed:
                let sector = rng.pick(weighted: Self.sectors)
                record.sector = sector
                let factory = sector.rawValue == "C" && rng.chance(0.8)
                record.establishment = factory
                    ? rng.pick(weighted: [(EstablishmentType.foreignInvested, 70.0), (.privateEnterprise, 30)])
                    : rng.pick(weighted: [(EstablishmentType.household, 35.0), (.selfEmployed, 25), (.privateEnterprise, 25), (.state, 12), (.cooperative, 3)])
                record.jobTitle = factory ? "Công nhân" : nil
                record.workplace = factory ? "Doanh nghiệp trong khu công nghiệp" : nil
                record.source = factory ? .industrialZone : .survey
                let enterprise = [.foreignInvested, .privateEnterprise, .state].contains(record.establishment)
                record.socialInsurance = enterprise ? (rng.chance(0.9) ? .compulsory : .none) : (rng.chance(0.08) ? .voluntary : .none)
                record.incomeBand = qualification == .none
                    ? rng.pick(weighted: [(IncomeBand.under5m, 30.0), (.from5to10m, 60), (.from10to20m, 10)])
                    : rng.pick(weighted: [(IncomeBand.under5m, 10.0), (.from5to10m, 45), (.from10to20m, 35), (.over20m, 10)])
                record.wantsTraining = rng.chance(0.2)
            case .unemployed:
                record.unemploymentMonths = rng.uniform(in: 1...18)
                record.previousJob = rng.chance(0.6) ? "Công nhân" : nil
                record.wantsJob = true
                record.wantsTraining = rng.chance(0.5)
            case .inactive:
                record.inactivityReason = age < 25 ? .studying : age >= 60 ? .retired
                    : rng.pick(weighted: [(InactivityReason.housework, 60.0), (.disability, 15), (.other, 25)])
            }
            out.append(record)
        }
        return out
    }

    /// Shares of the employed by VSIC section.
    static let sectors: [(EconomicSector, Double)] = [
        ("C", 38), ("A", 16), ("G", 12), ("F", 7), ("H", 5), ("I", 4), ("P", 4), ("O", 3), ("Q", 2), ("S", 2), ("N", 2),
        ("K", 1), ("J", 1), ("M", 1), ("L", 1), ("D", 0.5), ("E", 0.5),
    ].compactMap { letter, weight in EconomicSector(rawValue: letter).map { ($0, weight) } }

    /// District code, a synthetic 5-digit commune code (district code and the commune's position) and urban/rural,
    /// from a permanent-residence text "commune, district, province".
    static func place(_ residence: String) -> (String, String, AreaType) {
        let parts = residence.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let commune = parts.first ?? ""
        let district = parts.count > 1 ? parts[1] : ""
        let code = districtCodes[district] ?? "731"
        let index = (DongNaiPlaces.districts.first { $0.district == district }?.communes.firstIndex(of: commune) ?? 0) + 1
        let area: AreaType = commune.hasPrefix("Xã") ? .rural : .urban
        return (code, code + String(format: "%02d", index), area)
    }

    /// A `labor.worker-records` payload for `records`.
    public static func messagePayload(_ records: [WorkerRecord]) -> JSONValue {
        .object(["records": .array(records.map(json))])
    }

    /// One record as the message contract writes it (`Contracts/messages.md`, `WorkerRecord`).
    public static func json(_ record: WorkerRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "personalId": .string(record.personalID.digits), "fullName": .string(record.fullName),
            "dateOfBirth": .string(record.dateOfBirth.iso), "sex": .string(record.sex.rawValue),
            "districtCode": .string(record.districtCode), "communeCode": .string(record.communeCode),
            "area": .string(record.area.rawValue), "education": .string(record.education.rawValue),
            "qualification": .string(record.qualification.rawValue), "employmentStatus": .string(record.employmentStatus.rawValue),
            "incomeBand": .string(record.incomeBand.rawValue), "socialInsurance": .string(record.socialInsurance.rawValue),
            "asOf": .string(record.asOf.iso),
        ]
        if let value = record.ethnicity { object["ethnicity"] = .string(value) }
        if let value = record.jobTitle { object["jobTitle"] = .string(value) }
        if let value = record.workplace { object["workplace"] = .string(value) }
        if let value = record.establishment { object["establishment"] = .string(value.rawValue) }
        if let value = record.sector { object["sector"] = .string(value.rawValue) }
        if let value = record.previousJob { object["previousJob"] = .string(value) }
        if let value = record.unemploymentMonths { object["unemploymentMonths"] = .number(Double(value)) }
        if let value = record.inactivityReason { object["inactivityReason"] = .string(value.rawValue) }
        if let value = record.wantsTraining { object["wantsTraining"] = .bool(value) }
        if let value = record.wantsJob { object["wantsJob"] = .bool(value) }
        return .object(object)
    }

    /// Writes `records` as a commune survey file (CSV or XLSX by the extension) with the Vietnamese headers of
    /// ``SurveyColumn`` and labels as officers write them.
    public static func writeSurvey(_ records: [WorkerRecord], to url: URL) throws {
        let columns: [SurveyColumn] = [
            .personalId, .fullName, .dateOfBirth, .sex, .ethnicity, .districtCode, .communeCode, .area, .education,
            .qualification, .employmentStatus, .sector, .incomeBand, .socialInsurance, .asOf,
        ]
        let headers = columns.map(\.vietnameseHeader)
        func cells(_ r: WorkerRecord) -> [String] {
            [
                r.personalID.digits, r.fullName, Self.dayMonthYear(r.dateOfBirth), r.sex == .male ? "Nam" : "Nữ", r.ethnicity ?? "",
                r.districtCode, r.communeCode, r.area.label(.vi), r.education.label(.vi), r.qualification.label(.vi),
                r.employmentStatus.label(.vi), r.sector?.rawValue ?? "", r.incomeBand.label(.vi), r.socialInsurance.label(.vi),
                Self.dayMonthYear(r.asOf),
            ]
        }
        if url.pathExtension.lowercased() == "xlsx" {
            let writer = try XLSXWriter(url: url, sheetName: "Phieu 01", headers: headers)
            for record in records { try writer.append(cells(record).map { .text($0) }) }
            try writer.finish()
        } else {
            let writer = try CSVWriter(url: url, headers: headers)
            for record in records { try writer.append(cells(record)) }
            try writer.finish()
        }
    }

    static func dayMonthYear(_ date: CalendarDate) -> String {
        String(format: "%02d/%02d/%04d", date.day, date.month, date.year)
    }
}
