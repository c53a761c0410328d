public import LienthongCore

/// The people of one analysis, in a compact column store built for a province's worth of records (a million people
/// in about 17 MB).
///
/// Only what the analysis reads is kept, one small integer per person per column: the date of birth as days since
/// 1970-01-01 (`Int32`), sex, area, qualification, employment status, sector, income band and social-insurance
/// participation as `UInt8` codes, and the district and commune as indices (`UInt16`, `UInt32`) into tables of
/// codes interned once. No names, no personal id numbers, no strings per person: an analysis never needs them and a
/// snapshot held in memory should not hold them.
///
/// The snapshot holds whatever it is given: the caller restricts it to the records wanted, normally each person's
/// latest record on or before the analysis date (one entry per person). ``analyse(_:by:on:bands:threshold:)``
/// then keeps those aged at least the first age band's lower bound (15) on the date.
///
/// ```swift
/// var snapshot = LaborSnapshot()
/// snapshot.reserveCapacity(records.count)
/// for record in records { snapshot.append(record) }
/// let table = analyse(snapshot, by: [.sex], on: today)
/// ```
public struct LaborSnapshot: Sendable, Equatable {
    // One element per person in every column.
    var birthDays: [Int32] = []
    var sexes: [UInt8] = []
    var areas: [UInt8] = []
    var qualifications: [UInt8] = []
    var statuses: [UInt8] = []
    /// 0…20 for sections A…U, ``LaborSnapshot/noSector`` when absent.
    var sectors: [UInt8] = []
    var incomeBands: [UInt8] = []
    var socialInsurance: [UInt8] = []
    var districts: [UInt16] = []
    var communes: [UInt32] = []

    /// The district codes met so far, in order of first appearance; a person's district is an index into it.
    public private(set) var districtCodes: [String] = []
    /// The commune codes met so far, in order of first appearance; a person's commune is an index into it.
    public private(set) var communeCodes: [String] = []
    private var districtIndex: [String: UInt16] = [:]
    private var communeIndex: [String: UInt32] = [:]

    static let noSector: UInt8 = 21

    /// An empty snapshot.
    public init() {}

    /// A snapshot of `records`, in order.
    public init(_ records: some Sequence<WorkerRecord>) {
        self.init()
        reserveCapacity(records.underestimatedCount)
        for record in records { append(record) }
    }

    /// The number of people.
    public var count: Int { birthDays.count }

    /// Reserves room for `capacity` people.
    public mutating func reserveCapacity(_ capacity: Int) {
        birthDays.reserveCapacity(capacity)
        sexes.reserveCapacity(capacity)
        areas.reserveCapacity(capacity)
        qualifications.reserveCapacity(capacity)
        statuses.reserveCapacity(capacity)
        sectors.reserveCapacity(capacity)
        incomeBands.reserveCapacity(capacity)
        socialInsurance.reserveCapacity(capacity)
        districts.reserveCapacity(capacity)
        communes.reserveCapacity(capacity)
    }

    /// Adds one person: the fields the analysis reads, nothing else (not the name, not the id number).
    public mutating func append(_ record: WorkerRecord) {
        append(dateOfBirth: record.dateOfBirth, sex: record.sex, districtCode: record.districtCode,
               communeCode: record.communeCode, area: record.area, qualification: record.qualification,
               employmentStatus: record.employmentStatus, sector: record.sector, incomeBand: record.incomeBand,
               socialInsurance: record.socialInsurance)
    }

    /// Adds one person from the analysed fields alone, for a store that reads them from its columns without
    /// building a whole ``WorkerRecord``.
    ///
    /// - Precondition: fewer than 65 536 distinct district codes (a country has about 700).
    public mutating func append(
        dateOfBirth: CalendarDate, sex: Sex, districtCode: String, communeCode: String, area: AreaType,
        qualification: Qualification, employmentStatus: EmploymentStatus, sector: EconomicSector?,
        incomeBand: IncomeBand, socialInsurance: SocialInsuranceParticipation
    ) {
        // Years 1–9999 are within ±2.9 million days of 1970.
        birthDays.append(Int32(dateOfBirth.daysSinceEpoch))
        sexes.append(Codes.sex(sex))
        areas.append(Codes.area(area))
        qualifications.append(Codes.qualification(qualification))
        statuses.append(Codes.status(employmentStatus))
        sectors.append(sector.map(Codes.sector) ?? LaborSnapshot.noSector)
        incomeBands.append(Codes.incomeBand(incomeBand))
        self.socialInsurance.append(Codes.socialInsurance(socialInsurance))
        districts.append(intern(district: districtCode))
        communes.append(intern(commune: communeCode))
    }

    private mutating func intern(district code: String) -> UInt16 {
        if let index = districtIndex[code] { return index }
        precondition(districtCodes.count < Int(UInt16.max), "too many distinct district codes")
        let index = UInt16(districtCodes.count)
        districtCodes.append(code)
        districtIndex[code] = index
        return index
    }

    private mutating func intern(commune code: String) -> UInt32 {
        if let index = communeIndex[code] { return index }
        let index = UInt32(communeCodes.count)
        communeCodes.append(code)
        communeIndex[code] = index
        return index
    }

    /// Snapshots compare by their content (the interning order included).
    public static func == (lhs: LaborSnapshot, rhs: LaborSnapshot) -> Bool {
        lhs.birthDays == rhs.birthDays && lhs.sexes == rhs.sexes && lhs.areas == rhs.areas
            && lhs.qualifications == rhs.qualifications && lhs.statuses == rhs.statuses && lhs.sectors == rhs.sectors
            && lhs.incomeBands == rhs.incomeBands && lhs.socialInsurance == rhs.socialInsurance
            && lhs.districts == rhs.districts && lhs.communes == rhs.communes
            && lhs.districtCodes == rhs.districtCodes && lhs.communeCodes == rhs.communeCodes
    }
}

/// The small integer codes of the snapshot's columns: each enum's position in `allCases`.
enum Codes {
    static let sexes: [Sex] = [.male, .female]
    static func sex(_ value: Sex) -> UInt8 { value == .male ? 0 : 1 }
    static func area(_ value: AreaType) -> UInt8 { value == .urban ? 0 : 1 }

    static func qualification(_ value: Qualification) -> UInt8 {
        switch value {
        case .none: 0
        case .elementary: 1
        case .intermediate: 2
        case .college: 3
        case .university: 4
        case .postgraduate: 5
        }
    }

    static let employed: UInt8 = 0
    static let unemployed: UInt8 = 1
    static let inactive: UInt8 = 2
    static func status(_ value: EmploymentStatus) -> UInt8 {
        switch value {
        case .employed: employed
        case .unemployed: unemployed
        case .inactive: inactive
        }
    }

    static func sector(_ value: EconomicSector) -> UInt8 {
        UInt8(truncatingIfNeeded: (value.rawValue.utf8.first ?? UInt8(ascii: "A")) &- UInt8(ascii: "A"))
    }

    static func incomeBand(_ value: IncomeBand) -> UInt8 {
        switch value {
        case .none: 0
        case .under5m: 1
        case .from5to10m: 2
        case .from10to20m: 3
        case .over20m: 4
        case .unknown: 5
        }
    }

    static let compulsory: UInt8 = 0
    static let voluntary: UInt8 = 1
    static func socialInsurance(_ value: SocialInsuranceParticipation) -> UInt8 {
        switch value {
        case .compulsory: compulsory
        case .voluntary: voluntary
        case .none: 2
        }
    }
}
