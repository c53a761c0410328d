public import Foundation
public import LienthongCore
import LienthongTabular

/// Beneficiary lists as a commune officer would send them, generated from the synthetic population: Vietnamese
/// headers, categories, accounts (real ones from the ``AccountRegister`` where the person holds one), guardians,
/// children with their parents and birth-registration place, and, on request, the problems the plan's checklist
/// is about, each recorded in ``List/defects`` by row so tests and the demo know what to expect.
///
/// ```swift
/// let list = BeneficiaryListGenerator(citizens: people, accounts: accounts, seed: 7).make(rows: 200, defects: .all)
/// try list.write(csv: url)            // or xlsx: url
/// ```
public struct BeneficiaryListGenerator: Sendable {
    /// A deliberate problem in one row.
    public enum Defect: String, Sendable, Hashable, CaseIterable, Codable {
        /// The name is written in Unicode NFD (still the same name: must match).
        case nfdName = "nfd-name"
        /// The name uses the other tone-mark style (hoà/hòa: still the same name, must match).
        case otherToneMarks = "other-tone-marks"
        /// The birth year is off by three: the personal id no longer agrees with it (blocking finding).
        case wrongBirthYear = "wrong-birth-year"
        /// The day of birth is wrong but the year right: verification answers `mismatch` on `dateOfBirth`.
        case wrongBirthDay = "wrong-birth-day"
        /// No personal id on an adult's row (returned to the commune).
        case missingID = "missing-id"
        /// The row repeats an earlier row's person.
        case duplicate = "duplicate"
        /// A child listed without a number (goes to `population.request-personal-id`).
        case childWithoutNumber = "child-without-number"
        /// A well-formed, consistent number the register does not hold (`not_found`).
        case unknownID = "unknown-id"
        /// The date of birth is written as the year alone, as older registers hold it (compared on the year: matches).
        case yearOnlyBirth = "year-only-birth"
    }

    /// The list: header row, data rows (as text), and the defects by 1-based file row (the header is row 1).
    public struct List: Sendable {
        /// The header row (Vietnamese).
        public var headers: [String]
        /// The data rows, each aligned with ``headers``.
        public var rows: [[String]]
        /// Deliberate problems by file row number.
        public var defects: [Int: Defect]

        /// Writes the list as CSV (UTF-8 with BOM, as Excel writes it for Vietnamese).
        public func write(csv url: URL) throws {
            let writer = try CSVWriter(url: url, headers: headers)
            for row in rows { try writer.append(row) }
            try writer.finish()
        }

        /// Writes the list as XLSX (ids as text so leading zeros stay).
        public func write(xlsx url: URL) throws {
            let writer = try XLSXWriter(url: url, sheetName: "Danh sách", headers: headers)
            for row in rows { try writer.append(row.map { XLSXWriter.Value.text($0) }) }
            try writer.finish()
        }
    }

    /// The columns written, in order.
    public static let headers = [
        "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Dân tộc", "Quê quán", "Nơi thường trú",
        "Đối tượng", "Số tài khoản", "Loại tài khoản", "Ngân hàng", "Người được ủy quyền/giám hộ", "Họ tên cha/mẹ",
        "Nơi đăng ký khai sinh", "Không còn khả năng giao dịch",
    ]

    let citizens: [SyntheticCitizen]
    let accounts: [String: AccountRegister.Account]
    let seed: UInt64

    /// A generator over `citizens`; people holding an account in `accounts` list it.
    public init(citizens: [SyntheticCitizen], accounts: AccountRegister, seed: UInt64) {
        self.citizens = citizens
        var byHolder: [String: AccountRegister.Account] = [:]
        for account in accounts.accounts where account.open && account.type == .bankAccount {
            if byHolder[account.holderPersonalId] == nil { byHolder[account.holderPersonalId] = account }
        }
        self.accounts = byHolder
        self.seed = seed
    }

    /// A list of `rows` people (at most as many as the population holds), with one row per requested defect
    /// placed early in the list (rows 2, 3, …) so even a short list carries them all.
    public func make(rows count: Int, defects: [Defect] = []) -> List {
        var rng = SplitMix64(seed: seed)
        let adults = citizens.filter { $0.personalId != nil && age($0) >= 18 }
        let children = citizens.filter { $0.personalId != nil && age($0) < 15 }
        let unnumbered = citizens.filter { $0.personalId == nil && $0.assignedPersonalId != nil }
        var rows: [[String]] = []
        var marks: [Int: Defect] = [:]
        var used = Set<String>()

        func row(_ c: SyntheticCitizen, name: String? = nil, dob: String? = nil, id: String?? = nil) -> [String] {
            let personalID = id ?? c.personalId
            let isChild = age(c) < 15
            let account = personalID.flatMap { accounts[$0] }
            let category: String = isChild ? "Trẻ em" : ["Bảo trợ xã hội", "Người có công", "Hộ nghèo", "Hộ cận nghèo", "Thân nhân người có công"][Int(rng.next() % 5)]
            let noCapacity = !isChild && age(c) >= 80 && rng.next() % 3 == 0
            let guardian = isChild ? c.motherName : (noCapacity && rng.next() % 2 == 0 ? c.fatherName : "")
            return [
                String(rows.count + 1), name ?? c.fullName, Self.displayDate(dob ?? c.dateOfBirth), c.sex == .male ? "Nam" : "Nữ",
                personalID ?? "", c.ethnicity, c.hometown, c.permanentResidence, category,
                account?.accountNumber ?? "", account == nil ? "" : "Tài khoản ngân hàng", account?.providerCode ?? "",
                guardian, isChild ? c.motherName : "", isChild ? c.birthRegistrationPlace : "", noCapacity && guardian.isEmpty ? "x" : "",
            ]
        }

        var adultIndex = 0
        func nextAdult() -> SyntheticCitizen? {
            while adultIndex < adults.count {
                let c = adults[adultIndex]
                adultIndex += 1
                if used.insert(c.personalId ?? "").inserted { return c }
            }
            return nil
        }
        for defect in defects {
            let fileRow = rows.count + 2
            switch defect {
            case .nfdName:
                guard let c = nextAdult() else { continue }
                rows.append(row(c, name: c.fullName.decomposedStringWithCanonicalMapping))
            case .otherToneMarks:
                guard let c = adults.first(where: { !used.contains($0.personalId ?? "") && VietnameseName.inOtherToneMarkStyle($0.fullName) != nil }) else { continue }
                used.insert(c.personalId ?? "")
                rows.append(row(c, name: VietnameseName.inOtherToneMarkStyle(c.fullName)))
            case .wrongBirthYear:
                guard let c = nextAdult(), let date = try? CalendarDate(iso: c.dateOfBirth),
                      let moved = try? CalendarDate(year: date.year - 3, month: date.month, day: min(date.day, 28)) else { continue }
                rows.append(row(c, dob: moved.iso))
            case .wrongBirthDay:
                guard let c = nextAdult(), let date = try? CalendarDate(iso: c.dateOfBirth),
                      let moved = try? CalendarDate(year: date.year, month: date.month, day: date.day == 1 ? 2 : 1) else { continue }
                rows.append(row(c, dob: moved.iso))
            case .yearOnlyBirth:
                guard let c = nextAdult(), let date = try? CalendarDate(iso: c.dateOfBirth) else { continue }
                rows.append(row(c, dob: String(date.year)))
            case .missingID:
                guard let c = nextAdult() else { continue }
                rows.append(row(c, id: .some(nil)))
            case .duplicate:
                guard let first = rows.first else { continue }
                rows.append(first.enumerated().map { $0.offset == 0 ? String(rows.count + 1) : $0.element })
            case .childWithoutNumber:
                guard let c = unnumbered.first(where: { used.insert("child:" + $0.fullName + $0.dateOfBirth).inserted }) else { continue }
                rows.append(row(c, id: .some(nil)))
            case .unknownID:
                guard let c = nextAdult(), let date = try? CalendarDate(iso: c.dateOfBirth) else { continue }
                let known = Set(citizens.compactMap(\.registeredPersonalId))
                var serial = 999_999
                var id = PersonalID.make(provinceCode: "075", birthYear: date.year, sex: c.sex, serial: serial)
                while known.contains(id.digits) { serial -= 1; id = PersonalID.make(provinceCode: "075", birthYear: date.year, sex: c.sex, serial: serial) }
                rows.append(row(c, id: .some(id.digits)))
            }
            marks[fileRow] = defect
        }
        var childIndex = 0
        while rows.count < count {
            if rng.next() % 5 == 0, childIndex < children.count {
                let c = children[childIndex]
                childIndex += 1
                if used.insert(c.personalId ?? "").inserted { rows.append(row(c)) }
            } else if let c = nextAdult() {
                rows.append(row(c))
            } else if childIndex < children.count {
                childIndex += 1
            } else {
                break
            }
        }
        return List(headers: Self.headers, rows: rows, defects: marks)
    }

    private func age(_ c: SyntheticCitizen) -> Int {
        guard let birth = try? CalendarDate(iso: c.dateOfBirth) else { return 0 }
        let reference = SyntheticPopulation.referenceDate
        var years = reference.year - birth.year
        if (reference.month, reference.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    /// `dd/mm/yyyy`, as officers write dates.
    static func displayDate(_ iso: String) -> String {
        guard let date = try? CalendarDate(iso: iso) else { return iso }
        return String(format: "%02d/%02d/%04d", date.day, date.month, date.year)
    }
}
