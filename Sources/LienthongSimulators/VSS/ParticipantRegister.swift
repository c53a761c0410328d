public import LienthongAdapters
public import LienthongCore

/// The social-insurance register (BHXH tỉnh Đồng Nai) as the VSS simulator holds it, generated deterministically
/// from the synthetic population.
///
/// Rules (ages on ``referenceDate``):
/// - children under 6: all hold a child's health-insurance card (group `TE`, level 1), scheme
///   `health-insurance-only`, participating since birth;
/// - 6–17: about 65% hold a pupil's card (`HS`, level 4), `health-insurance-only`;
/// - 18–60: about 60% take part in social insurance: about 82% `compulsory` (card `DN`, level 4, with employer,
///   VSIC economic sector and wage band), the rest `voluntary` (household card `GD`, level 4, declared income band);
///   of them about 84% `participating`, 8% `paused`, 8% `stopped` (a stopped person holds no card);
/// - over 60: about 50% pensioners with a card (`HT`, level 3), `health-insurance-only`.
///
/// Social-insurance numbers are `75` + 8 digits, unique; card codes follow Decision 1351/QĐ-BHXH
/// (`XX N PP NNNNNNNNNN`, province 75, ending with the social-insurance number).
///
/// ```swift
/// let citizens = SyntheticPopulation.generate(citizens: 1_000, seed: 42)
/// let register = ParticipantRegister(citizens: citizens, seed: 42)
/// register.participant(personalId: number)?.scheme     // .compulsory
/// let payload = register.syncBatch(count: 50, seed: 7)  // a `vss.participant-sync` payload
/// ```
public struct ParticipantRegister: Sendable {
    /// One person known to social insurance, with the fields of a `vss.participant-sync` record.
    public struct Participant: Codable, Sendable, Hashable {
        /// The 12-digit personal id number.
        public var personalId: String
        /// The 10-digit social-insurance number.
        public var socialInsuranceNumber: String
        /// Full name (NFC).
        public var fullName: String
        /// Date of birth, `YYYY-MM-DD`.
        public var dateOfBirth: String
        /// Sex.
        public var sex: Sex
        /// Whether the person contributes now.
        public var participation: InsuranceParticipation
        /// The scheme.
        public var scheme: InsuranceScheme
        /// Since when the participation state holds, `YYYY-MM-DD`.
        public var since: String
        /// The 15-character health-insurance card code, when the person holds a card.
        public var healthInsuranceCard: String?
        /// The employer (compulsory scheme only).
        public var employer: String?
        /// The employer's economic sector, a VSIC 2018 section letter such as `C` (compulsory scheme only).
        public var economicSector: String?
        /// Monthly wage (or declared income) band: `under-5m`, `5m-10m`, `10m-15m`, `15m-20m`, `over-20m` (VND).
        public var monthlyWageBand: String?

        /// Creates a participant.
        public init(
            personalId: String, socialInsuranceNumber: String, fullName: String, dateOfBirth: String, sex: Sex,
            participation: InsuranceParticipation, scheme: InsuranceScheme, since: String,
            healthInsuranceCard: String? = nil, employer: String? = nil, economicSector: String? = nil,
            monthlyWageBand: String? = nil
        ) {
            self.personalId = personalId
            self.socialInsuranceNumber = socialInsuranceNumber
            self.fullName = fullName
            self.dateOfBirth = dateOfBirth
            self.sex = sex
            self.participation = participation
            self.scheme = scheme
            self.since = since
            self.healthInsuranceCard = healthInsuranceCard
            self.employer = employer
            self.economicSector = economicSector
            self.monthlyWageBand = monthlyWageBand
        }

        /// The record the lookup operation returns (province from the social-insurance number).
        public var upstreamRecord: VSSUpstream.Participant {
            VSSUpstream.Participant(
                personalId: personalId, socialInsuranceNumber: socialInsuranceNumber, participation: participation,
                scheme: scheme, since: since, healthInsuranceCard: healthInsuranceCard,
                provinceCode: String(socialInsuranceNumber.prefix(2)))
        }

        /// The record of a `vss.participant-sync` payload (absent optional members omitted).
        public var syncRecord: JSONValue {
            var members: [String: JSONValue] = [
                "personalId": .string(personalId),
                "socialInsuranceNumber": .string(socialInsuranceNumber),
                "fullName": .string(fullName),
                "dateOfBirth": .string(dateOfBirth),
                "sex": .string(sex.rawValue),
                "participation": .string(participation.rawValue),
                "scheme": .string(scheme.rawValue),
                "since": .string(since),
            ]
            if let healthInsuranceCard { members["healthInsuranceCard"] = .string(healthInsuranceCard) }
            if let employer { members["employer"] = .string(employer) }
            if let economicSector { members["economicSector"] = .string(economicSector) }
            if let monthlyWageBand { members["monthlyWageBand"] = .string(monthlyWageBand) }
            return .object(members)
        }
    }

    /// The province of the register and of every generated number and card.
    public static let provinceCode = "75"

    /// Everyone in the register, in the order of the citizens they were generated from.
    public let participants: [Participant]
    /// The day ages and dates were generated against; the `asOf` of sync batches.
    public let referenceDate: CalendarDate
    private let byPersonalID: [String: Int]
    private let bySocialInsuranceNumber: [String: Int]

    /// Builds a register from given participants (e.g. hand-written ones in tests). Later entries repeating a
    /// number are ignored by the lookups.
    public init(participants: [Participant], referenceDate: CalendarDate = SyntheticPopulation.referenceDate) {
        self.participants = participants
        self.referenceDate = referenceDate
        var byPersonalID: [String: Int] = [:]
        var bySocialInsuranceNumber: [String: Int] = [:]
        for (index, participant) in participants.enumerated() {
            if byPersonalID[participant.personalId] == nil { byPersonalID[participant.personalId] = index }
            if bySocialInsuranceNumber[participant.socialInsuranceNumber] == nil {
                bySocialInsuranceNumber[participant.socialInsuranceNumber] = index
            }
        }
        self.byPersonalID = byPersonalID
        self.bySocialInsuranceNumber = bySocialInsuranceNumber
    }

    /// Generates the register from the synthetic population; the same arguments always give the same register.
    ///
    /// Citizens without any number (``SyntheticCitizen/registeredPersonalId`` `nil`) are skipped.
    public init(citizens: [SyntheticCitizen], seed: UInt64, referenceDate: CalendarDate = SyntheticPopulation.referenceDate) {
        var rng = SplitMix64(seed: seed)
        var usedNumbers = Set<String>()
        var result: [Participant] = []
        for citizen in citizens {
            guard let personalId = citizen.registeredPersonalId,
                  let birth = try? CalendarDate(iso: citizen.dateOfBirth), birth <= referenceDate
            else { continue }
            let age = birth.age(on: referenceDate)
            guard let plan = Self.plan(age: age, rng: &rng) else { continue }

            var number: String
            repeat {
                number = Self.provinceCode + Self.zeroPadded(rng.uniform(100_000_000), width: 8)
            } while usedNumbers.contains(number)
            usedNumbers.insert(number)

            let since = Self.sinceDate(birth: birth, fromAge: plan.fromAge, referenceDate: referenceDate, rng: &rng)
            var participant = Participant(
                personalId: personalId, socialInsuranceNumber: number, fullName: citizen.fullName,
                dateOfBirth: citizen.dateOfBirth, sex: citizen.sex, participation: plan.participation,
                scheme: plan.scheme, since: since.iso)
            if let card = plan.card {
                participant.healthInsuranceCard = card.group + String(card.level) + Self.provinceCode + number
            }
            switch plan.scheme {
            case .compulsory:
                let sector = rng.pick(weighted: VSSData.sectors)
                participant.economicSector = sector
                participant.employer = rng.pick(VSSData.employers[sector] ?? VSSData.employers["C"] ?? ["Công ty TNHH Sản xuất Đồng Nai"])
                participant.monthlyWageBand = rng.pick(weighted: VSSData.compulsoryWageBands)
            case .voluntary:
                participant.monthlyWageBand = rng.pick(weighted: VSSData.voluntaryIncomeBands)
            case .healthInsuranceOnly:
                break
            }
            result.append(participant)
        }
        self.init(participants: result, referenceDate: referenceDate)
    }

    /// Number of participants.
    public var count: Int { participants.count }

    /// The participant with this personal id number.
    public func participant(personalId: String) -> Participant? {
        byPersonalID[personalId].map { participants[$0] }
    }

    /// The participant with this social-insurance number.
    public func participant(socialInsuranceNumber: String) -> Participant? {
        bySocialInsuranceNumber[socialInsuranceNumber].map { participants[$0] }
    }

    /// Answers one lookup of the upstream contract.
    public func lookup(_ query: VSSUpstream.Query) -> VSSUpstream.LookupAnswer {
        let found: Participant?
        switch query {
        case .personalID(let number): found = participant(personalId: number)
        case .socialInsuranceNumber(let number): found = participant(socialInsuranceNumber: number)
        }
        return found.map { .found($0.upstreamRecord) } ?? .notFound
    }

    // MARK: Sync batches

    /// A deliberate defect put into a sync record by ``syncBatch(count:seed:invalid:)``; each makes
    /// ``ParticipantSync`` refuse the record.
    public enum Defect: String, Sendable, Hashable, CaseIterable {
        /// The personal id number lost its last digit.
        case truncatedPersonalId
        /// The social-insurance number lost its last digit.
        case truncatedSocialInsuranceNumber
        /// The sex is the other one than the personal id number encodes.
        case swappedSex
        /// `fullName` is missing.
        case missingFullName
        /// `participation` has a value outside the contract.
        case unknownParticipation
        /// `since` is 30 days before the date of birth.
        case sinceBeforeBirth
        /// The card belongs to another social-insurance number.
        case foreignHealthInsuranceCard
        /// The record repeats the one before it (never used for the first record).
        case duplicateOfPrevious
    }

    /// A realistic `vss.participant-sync` payload drawn from the register:
    /// `{ "records": [ … ], "asOf": "<referenceDate>" }`.
    ///
    /// - Parameters:
    ///   - count: number of records; at most ``count`` of the register (distinct participants in a seeded order).
    ///   - seed: picks the participants and the defective positions; the same arguments give the same payload.
    ///   - invalid: number of records (at most `count`) given a ``Defect``, cycling through the defects in
    ///     declaration order over the defective positions in increasing order.
    public func syncBatch(count: Int, seed: UInt64, invalid: Int = 0) -> JSONValue {
        syncBatchWithDefects(count: count, seed: seed, invalid: invalid).payload
    }

    /// Like ``syncBatch(count:seed:invalid:)``, also telling which positions carry which defect.
    public func syncBatchWithDefects(count: Int, seed: UInt64, invalid: Int) -> (payload: JSONValue, defects: [Int: Defect]) {
        var rng = SplitMix64(seed: seed)
        let size = min(max(0, count), participants.count)
        let chosen = Self.sample(size, from: participants.count, rng: &rng)
        var records = chosen.map { participants[$0].syncRecord }
        var defects: [Int: Defect] = [:]
        let positions = Self.sample(min(max(0, invalid), size), from: size, rng: &rng).sorted()
        let kinds = Defect.allCases
        for (n, position) in positions.enumerated() {
            var defect = kinds[n % kinds.count]
            if defect == .duplicateOfPrevious && position == 0 { defect = kinds[0] }
            records[position] = Self.apply(defect, to: records[position], previous: position > 0 ? records[position - 1] : nil)
            defects[position] = defect
        }
        let payload: JSONValue = .object(["records": .array(records), "asOf": .string(referenceDate.iso)])
        return (payload, defects)
    }

    static func apply(_ defect: Defect, to record: JSONValue, previous: JSONValue?) -> JSONValue {
        guard case .object(var members) = record else { return record }
        func string(_ key: String) -> String {
            if case .string(let text)? = members[key] { return text }
            return ""
        }
        switch defect {
        case .truncatedPersonalId:
            members["personalId"] = .string(String(string("personalId").dropLast()))
        case .truncatedSocialInsuranceNumber:
            members["socialInsuranceNumber"] = .string(String(string("socialInsuranceNumber").dropLast()))
        case .swappedSex:
            members["sex"] = .string(string("sex") == Sex.male.rawValue ? Sex.female.rawValue : Sex.male.rawValue)
        case .missingFullName:
            members["fullName"] = nil
        case .unknownParticipation:
            members["participation"] = .string("active")
        case .sinceBeforeBirth:
            if let birth = try? CalendarDate(iso: string("dateOfBirth")) {
                members["since"] = .string(birth.adding(days: -30).iso)
            }
        case .foreignHealthInsuranceCard:
            let number = string("socialInsuranceNumber")
            // Another number of the same province: the last digit changed.
            let last = number.last.flatMap { $0.wholeNumberValue } ?? 0
            let other = String(number.dropLast()) + String((last + 1) % 10)
            members["healthInsuranceCard"] = .string("DN4" + Self.provinceCode + other)
        case .duplicateOfPrevious:
            return previous ?? record
        }
        return .object(members)
    }

    /// `k` distinct indices of `0..<n` in a seeded order (partial Fisher–Yates).
    static func sample(_ k: Int, from n: Int, rng: inout SplitMix64) -> [Int] {
        var indices = Array(0..<n)
        for i in 0..<k {
            let j = i + rng.uniform(n - i)
            indices.swapAt(i, j)
        }
        return Array(indices.prefix(k))
    }

    // MARK: Generation

    struct Plan {
        var scheme: InsuranceScheme
        var participation: InsuranceParticipation
        var card: (group: String, level: Int)?
        /// The age from which `since` is drawn.
        var fromAge: Int
    }

    /// What a person of `age` holds, or `nil` when not in the register.
    static func plan(age: Int, rng: inout SplitMix64) -> Plan? {
        switch age {
        case ..<6:
            return Plan(scheme: .healthInsuranceOnly, participation: .participating, card: ("TE", 1), fromAge: 0)
        case 6..<18:
            guard rng.chance(0.65) else { return nil }
            return Plan(scheme: .healthInsuranceOnly, participation: .participating, card: ("HS", 4), fromAge: 6)
        case 18...60:
            guard rng.chance(0.60) else { return nil }
            let scheme: InsuranceScheme = rng.chance(0.82) ? .compulsory : .voluntary
            let participation = rng.pick(weighted: [
                (InsuranceParticipation.participating, 0.84), (.paused, 0.08), (.stopped, 0.08),
            ])
            let card: (String, Int)? = participation == .stopped ? nil : (scheme == .compulsory ? ("DN", 4) : ("GD", 4))
            return Plan(scheme: scheme, participation: participation, card: card, fromAge: 18)
        default:
            guard rng.chance(0.50) else { return nil }
            return Plan(scheme: .healthInsuranceOnly, participation: .participating, card: ("HT", 3), fromAge: 60)
        }
    }

    /// A date between the birthday at `fromAge` (not before 1 Jan 1995, when VSS began, except for births) and
    /// `referenceDate`; the date of birth itself when `fromAge` is 0.
    static func sinceDate(birth: CalendarDate, fromAge: Int, referenceDate: CalendarDate, rng: inout SplitMix64) -> CalendarDate {
        if fromAge == 0 { return birth }
        let birthday = birth.adding(days: fromAge * 365 + fromAge / 4)
        let vssStart = (try? CalendarDate(year: 1995, month: 1, day: 1)) ?? birthday
        let earliest = max(birthday, vssStart).daysSinceEpoch
        let latest = referenceDate.daysSinceEpoch
        guard earliest < latest else { return max(birth, referenceDate) }
        return CalendarDate(daysSinceEpoch: earliest + rng.uniform(latest - earliest + 1))
    }

    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.utf8.count)) + digits
    }
}

/// Synthetic employers, sectors and wage bands of the VSS simulator. Employer names are invented.
enum VSSData {
    /// VSIC 2018 sections, weighted roughly like Đồng Nai's insured workforce (manufacturing first).
    static let sectors: [(String, Double)] = [
        ("C", 55), ("G", 11), ("F", 7), ("H", 6), ("P", 5), ("I", 4), ("O", 4), ("Q", 3), ("K", 3), ("A", 2),
    ]

    /// Invented employers by section.
    static let employers: [String: [String]] = [
        "A": ["Công ty TNHH Nông sản Xuân Lộc Xanh", "Hợp tác xã Cao su Cẩm Mỹ"],
        "C": [
            "Công ty TNHH Giày Da Tam Phước", "Công ty TNHH May Mặc Nhơn Trạch Mới", "Công ty CP Điện tử Amata Biên Hòa",
            "Công ty TNHH Gỗ Nội Thất Trảng Bom", "Công ty TNHH Thực phẩm Long Thành Sạch", "Công ty CP Cơ khí Hố Nai",
            "Công ty TNHH Bao bì Giang Điền", "Công ty TNHH Dệt Sợi Bàu Xéo",
        ],
        "F": ["Công ty CP Xây dựng Đồng Nai Mới", "Công ty TNHH Xây lắp Long Bình"],
        "G": ["Công ty TNHH Thương mại Tân Hiệp", "Công ty CP Siêu thị Biên Hòa Xanh", "Hộ kinh doanh Chợ Tân Phong"],
        "H": ["Công ty CP Vận tải Đồng Nai Xanh", "Công ty TNHH Kho vận Nhơn Trạch"],
        "I": ["Công ty TNHH Nhà hàng Bửu Long", "Khách sạn Sông Đồng Nai (giả lập)"],
        "K": ["Quỹ tín dụng nhân dân Tân Mai (giả lập)", "Công ty TNHH Bảo hiểm Long Khánh (giả lập)"],
        "O": ["UBND xã Tam An (giả lập)", "UBND phường Tân Phong (giả lập)"],
        "P": ["Trường THCS Trần Phú (giả lập)", "Trường Tiểu học Tân Hiệp (giả lập)"],
        "Q": ["Trạm Y tế xã Phước Thiền (giả lập)", "Phòng khám Đa khoa Hố Nai (giả lập)"],
    ]

    /// Monthly wage bands of compulsory participants.
    static let compulsoryWageBands: [(String, Double)] = [
        ("under-5m", 12), ("5m-10m", 48), ("10m-15m", 24), ("15m-20m", 9), ("over-20m", 7),
    ]

    /// Declared income bands of voluntary participants.
    static let voluntaryIncomeBands: [(String, Double)] = [
        ("under-5m", 62), ("5m-10m", 30), ("10m-15m", 6), ("15m-20m", 1), ("over-20m", 1),
    ]
}
