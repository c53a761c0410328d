public import Foundation
public import LienthongAdapters
public import LienthongCore
public import LienthongSOAP

/// One synthetic person of the population register. Names and places are NFC.
public struct SyntheticCitizen: Codable, Sendable, Hashable {
    /// The 12-digit personal id number as the commune's lists know it; `nil` for children whose number the
    /// lists lack (the population database has it: ``assignedPersonalId``).
    public var personalId: String?
    /// For a child without ``personalId`` in the lists: the number the population database assigned at birth
    /// registration, which `TimSoDinhDanh` finds.
    public var assignedPersonalId: String?
    /// Full name.
    public var fullName: String
    /// Date of birth, `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// Sex.
    public var sex: Sex
    /// Ethnicity (dân tộc), e.g. `Kinh`, `Hoa`, `Khmer`.
    public var ethnicity: String
    /// Hometown (quê quán).
    public var hometown: String
    /// Permanent residence (nơi thường trú): commune, district, province.
    public var permanentResidence: String
    /// Father's full name.
    public var fatherName: String
    /// Mother's full name.
    public var motherName: String
    /// Where the birth was registered.
    public var birthRegistrationPlace: String

    /// Creates a citizen.
    public init(
        personalId: String?, assignedPersonalId: String? = nil, fullName: String, dateOfBirth: String, sex: Sex,
        ethnicity: String, hometown: String, permanentResidence: String, fatherName: String, motherName: String,
        birthRegistrationPlace: String
    ) {
        self.personalId = personalId
        self.assignedPersonalId = assignedPersonalId
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.ethnicity = ethnicity
        self.hometown = hometown
        self.permanentResidence = permanentResidence
        self.fatherName = fatherName
        self.motherName = motherName
        self.birthRegistrationPlace = birthRegistrationPlace
    }

    /// The number the population database holds: ``personalId`` or, for a child missing from the lists,
    /// ``assignedPersonalId``.
    public var registeredPersonalId: String? { personalId ?? assignedPersonalId }

    /// The record the population database returns for this person.
    public var upstreamRecord: PopulationSOAP.Citizen? {
        guard let number = registeredPersonalId else { return nil }
        return PopulationSOAP.Citizen(
            personalID: number, fullName: fullName, dateOfBirth: dateOfBirth, sex: sex, ethnicity: ethnicity,
            hometown: hometown, permanentResidence: permanentResidence, fatherName: fatherName, motherName: motherName,
            birthRegistrationPlace: birthRegistrationPlace
        )
    }
}

/// Deterministic synthetic population of Đồng Nai (SPEC §9).
///
/// ```swift
/// let citizens = SyntheticPopulation.generate(citizens: 1_000, seed: 42)
/// try SyntheticPopulation.write(citizens, to: URL(fileURLWithPath: "citizens.jsonl"))
/// ```
///
/// Family names follow the shares of REFERENCE.md; given names by sex, with the `oa`/`oe`/`uy` clusters in both
/// tone-mark styles; ages 0–90 on ``referenceDate``; personal id numbers consistent with birth year and sex,
/// mostly prefix 075 (Đồng Nai); real legacy Đồng Nai districts and communes; about 3% children under 14
/// whose number the lists lack.
public enum SyntheticPopulation {
    /// The day ages are counted on (fixed, so output does not depend on the clock).
    public static let referenceDate: CalendarDate = {
        do { return try CalendarDate(year: 2025, month: 7, day: 1) } catch { preconditionFailure("valid date") }
    }()

    /// Share of citizens that are children under 14 without a number in the lists.
    public static let childrenWithoutNumberShare = 0.03

    /// Generates `citizens` people from `seed`; the same arguments always give the same people.
    public static func generate(citizens count: Int, seed: UInt64) -> [SyntheticCitizen] {
        var rng = SplitMix64(seed: seed)
        var usedNumbers = Set<String>()
        var result: [SyntheticCitizen] = []
        result.reserveCapacity(max(0, count))
        let totalDays = referenceDate.daysSinceEpoch
        for _ in 0..<max(0, count) {
            let sex: Sex = rng.chance(0.5) ? .male : .female
            let withoutNumber = rng.chance(childrenWithoutNumberShare)
            // Ages: children without a number are 0–13; others 0–90, slightly fewer of the very old.
            let age: Int
            if withoutNumber {
                age = rng.uniform(in: 0...13)
            } else {
                let a = rng.uniform(in: 0...90)
                age = (a > 70 && rng.chance(0.5)) ? rng.uniform(in: 0...70) : a
            }
            // A birthday `age` years before the reference date, any day of that year-long window.
            let latest = totalDays - age * 365 - age / 4
            let birth = CalendarDate(daysSinceEpoch: latest - rng.uniform(365))
            let ethnicity = rng.pick(weighted: NameData.ethnicities)

            let family = familyName(ethnicity: ethnicity, rng: &rng)
            let fullName = personName(family: family, sex: sex, birthYear: birth.year, rng: &rng)
            let fatherName = personName(family: family, sex: .male, birthYear: birth.year - 28, rng: &rng)
            let motherFamily = familyName(ethnicity: ethnicity, rng: &rng)
            let motherName = personName(family: motherFamily, sex: .female, birthYear: birth.year - 25, rng: &rng)

            let residence = dongNaiAddress(rng: &rng)
            let provinceCode = rng.chance(0.78) ? "75" : rng.pick(weighted: DongNaiPlaces.otherBirthProvinces)
            let birthRegistrationPlace: String
            if provinceCode == "75" {
                birthRegistrationPlace = rng.chance(0.6) ? residence : dongNaiAddress(rng: &rng)
            } else {
                birthRegistrationPlace = LegacyProvinces.name(code: provinceCode) ?? DongNaiPlaces.province
            }
            let hometown: String
            if provinceCode != "75" && rng.chance(0.8) {
                hometown = LegacyProvinces.name(code: provinceCode) ?? DongNaiPlaces.province
            } else if rng.chance(0.3) {
                hometown = LegacyProvinces.name(code: rng.pick(weighted: DongNaiPlaces.otherBirthProvinces)) ?? DongNaiPlaces.province
            } else {
                hometown = dongNaiAddress(rng: &rng)
            }

            var number: String
            repeat {
                number = PersonalID.make(provinceCode: provinceCode, birthYear: birth.year, sex: sex, serial: rng.uniform(1_000_000)).digits
            } while usedNumbers.contains(number)
            usedNumbers.insert(number)

            result.append(
                SyntheticCitizen(
                    personalId: withoutNumber ? nil : number,
                    assignedPersonalId: withoutNumber ? number : nil,
                    fullName: fullName,
                    dateOfBirth: birth.iso,
                    sex: sex,
                    ethnicity: ethnicity,
                    hometown: hometown,
                    permanentResidence: residence,
                    fatherName: fatherName,
                    motherName: motherName,
                    birthRegistrationPlace: birthRegistrationPlace
                )
            )
        }
        return result
    }

    static func familyName(ethnicity: String, rng: inout SplitMix64) -> String {
        let listed = NameData.familyNames.reduce(0) { $0 + $1.1 }
        let x = rng.unitInterval() * 100
        if x < listed {
            var y = x
            for (name, share) in NameData.familyNames {
                if y < share { return name }
                y -= share
            }
        }
        if let minority = NameData.minorityFamilyNames[ethnicity] { return rng.pick(minority) }
        return rng.pick(NameData.otherFamilyNames)
    }

    static func personName(family: String, sex: Sex, birthYear: Int, rng: inout SplitMix64) -> String {
        var middle = rng.pick(weighted: sex == .male ? NameData.maleMiddleNames : NameData.femaleMiddleNames)
        // Văn and Thị are rarer among the young.
        if birthYear >= 2000 && (middle == "Văn" || middle == "Thị") && rng.chance(0.6) {
            middle = rng.pick(weighted: sex == .male ? NameData.maleMiddleNames : NameData.femaleMiddleNames)
        }
        var given = rng.pick(weighted: sex == .male ? NameData.maleGivenNames : NameData.femaleGivenNames)
        if given == middle { given = rng.pick(weighted: sex == .male ? NameData.maleGivenNames : NameData.femaleGivenNames) }
        return VietnameseName.normalized("\(family) \(middle) \(given)")
    }

    static func dongNaiAddress(rng: inout SplitMix64) -> String {
        let weighted = DongNaiPlaces.districts.map { ($0, $0.weight) }
        let district = rng.pick(weighted: weighted)
        let commune = rng.pick(district.communes)
        return VietnameseName.normalized("\(commune), \(district.district), \(DongNaiPlaces.province)")
    }

    // MARK: JSON Lines

    /// Writes one JSON object per line (sorted keys), UTF-8, atomically.
    public static func write(_ citizens: [SyntheticCitizen], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for citizen in citizens {
            data.append(try encoder.encode(citizen))
            data.append(0x0A)
        }
        try data.write(to: url, options: .atomic)
    }

    /// Reads a JSON Lines file written by ``write(_:to:)``; blank lines are skipped. A malformed line throws
    /// ``SyntheticDataError`` naming the line number (never its content).
    public static func load(from url: URL) throws -> [SyntheticCitizen] {
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        var result: [SyntheticCitizen] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                var citizen = try decoder.decode(SyntheticCitizen.self, from: Data(line))
                citizen.fullName = VietnameseName.normalized(citizen.fullName)
                result.append(citizen)
            } catch {
                throw SyntheticDataError(line: lineNumber)
            }
        }
        return result
    }
}

/// A malformed line in a synthetic-population file.
public struct SyntheticDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int

    /// Creates an error.
    public init(line: Int) {
        self.line = line
    }

    /// Names the line only.
    public var description: String { "synthetic population file: line \(line) is not a valid citizen record" }
}
