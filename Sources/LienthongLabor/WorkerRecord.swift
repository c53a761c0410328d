public import LienthongCore

/// One person's labour-supply record (Circular 01/2022/TT-BLĐTBXH, form 01 "Phiếu thu thập thông tin về cung lao
/// động"), plus income band and social-insurance participation, as of a date.
///
/// Records come from three sources (``WorkerRecordSource``). A person has one record per as-of date; the analysis for
/// a date uses each person's latest record on or before it, so a newer record replaces an older one without the
/// older one being lost.
public struct WorkerRecord: Sendable, Hashable, Codable {
    // Identity (verified against the population database like a beneficiary).
    /// Số định danh cá nhân.
    public var personalID: PersonalID
    /// Họ và tên (NFC).
    public var fullName: String
    /// Ngày sinh.
    public var dateOfBirth: CalendarDate
    /// Giới tính.
    public var sex: Sex
    /// Dân tộc (free text as declared; optional).
    public var ethnicity: String?

    // Residence.
    /// Mã huyện/quận (district code, e.g. `731`); the unit used for "by district".
    public var districtCode: String
    /// Mã xã/phường (commune code, 5 digits).
    public var communeCode: String
    /// Thành thị / nông thôn.
    public var area: AreaType

    // Education and qualification.
    /// Trình độ giáo dục phổ thông (general education).
    public var education: EducationLevel
    /// Trình độ chuyên môn kỹ thuật (professional qualification); a worker is *trained* when it is not `.none`.
    public var qualification: Qualification
    /// Chuyên ngành đào tạo (field of study; free text, optional).
    public var fieldOfStudy: String?

    // Activity.
    /// Tình trạng hoạt động kinh tế.
    public var employmentStatus: EmploymentStatus
    /// Công việc chính (job title; employed only).
    public var jobTitle: String?
    /// Vị trí việc làm (position; employed only).
    public var position: String?
    /// Nơi làm việc (workplace name; employed only).
    public var workplace: String?
    /// Loại hình nơi làm việc (employed only).
    public var establishment: EstablishmentType?
    /// Ngành kinh tế: VSIC 2018 section letter `A`…`U` (employed only).
    public var sector: EconomicSector?
    /// Công việc trước đây (unemployed only; free text).
    public var previousJob: String?
    /// Thời gian thất nghiệp, months (unemployed only).
    public var unemploymentMonths: Int?
    /// Lý do không tham gia hoạt động kinh tế (outside the labour force only).
    public var inactivityReason: InactivityReason?
    /// Nhu cầu đào tạo (wants training).
    public var wantsTraining: Bool?
    /// Nhu cầu việc làm (wants a job or another job).
    public var wantsJob: Bool?

    // Additions beyond form 01.
    /// Thu nhập bình quân tháng, by band.
    public var incomeBand: IncomeBand
    /// Tham gia BHXH.
    public var socialInsurance: SocialInsuranceParticipation

    // Provenance.
    /// The date the facts in this record describe (ngày cập nhật thông tin).
    public var asOf: CalendarDate
    /// Where the record came from.
    public var source: WorkerRecordSource

    /// Creates a record; optional form-01 fields default to absent.
    public init(
        personalID: PersonalID, fullName: String, dateOfBirth: CalendarDate, sex: Sex, ethnicity: String? = nil,
        districtCode: String, communeCode: String, area: AreaType,
        education: EducationLevel, qualification: Qualification, fieldOfStudy: String? = nil,
        employmentStatus: EmploymentStatus, jobTitle: String? = nil, position: String? = nil, workplace: String? = nil,
        establishment: EstablishmentType? = nil, sector: EconomicSector? = nil, previousJob: String? = nil,
        unemploymentMonths: Int? = nil, inactivityReason: InactivityReason? = nil, wantsTraining: Bool? = nil,
        wantsJob: Bool? = nil, incomeBand: IncomeBand, socialInsurance: SocialInsuranceParticipation,
        asOf: CalendarDate, source: WorkerRecordSource
    ) {
        self.personalID = personalID
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.ethnicity = ethnicity
        self.districtCode = districtCode
        self.communeCode = communeCode
        self.area = area
        self.education = education
        self.qualification = qualification
        self.fieldOfStudy = fieldOfStudy
        self.employmentStatus = employmentStatus
        self.jobTitle = jobTitle
        self.position = position
        self.workplace = workplace
        self.establishment = establishment
        self.sector = sector
        self.previousJob = previousJob
        self.unemploymentMonths = unemploymentMonths
        self.inactivityReason = inactivityReason
        self.wantsTraining = wantsTraining
        self.wantsJob = wantsJob
        self.incomeBand = incomeBand
        self.socialInsurance = socialInsurance
        self.asOf = asOf
        self.source = source
    }

    /// Whether the worker holds a degree or certificate (the official "trained worker" definition).
    public var isTrained: Bool { qualification != .none }
}

/// Thành thị (urban) or nông thôn (rural).
public enum AreaType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Thành thị.
    case urban
    /// Nông thôn.
    case rural
}

/// Trình độ giáo dục phổ thông.
public enum EducationLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Chưa đi học / chưa tốt nghiệp tiểu học.
    case none
    /// Tốt nghiệp tiểu học.
    case primary
    /// Tốt nghiệp THCS.
    case lowerSecondary
    /// Tốt nghiệp THPT.
    case upperSecondary
}

/// Trình độ chuyên môn kỹ thuật (highest degree or certificate).
public enum Qualification: String, Sendable, Hashable, Codable, CaseIterable {
    /// Không có bằng cấp, chứng chỉ.
    case none
    /// Sơ cấp (and certificates of at least 3 months).
    case elementary
    /// Trung cấp.
    case intermediate
    /// Cao đẳng.
    case college
    /// Đại học.
    case university
    /// Trên đại học.
    case postgraduate
}

/// Tình trạng hoạt động kinh tế (ILO definitions as used by GSO's labour-force survey).
public enum EmploymentStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Có việc làm.
    case employed
    /// Thất nghiệp (without work, looking for and available for work).
    case unemployed
    /// Không tham gia hoạt động kinh tế (outside the labour force).
    case inactive
}

/// Loại hình nơi làm việc.
public enum EstablishmentType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Cơ quan, đơn vị nhà nước.
    case state
    /// Doanh nghiệp ngoài nhà nước.
    case privateEnterprise
    /// Doanh nghiệp có vốn đầu tư nước ngoài (FDI).
    case foreignInvested
    /// Hợp tác xã.
    case cooperative
    /// Hộ kinh doanh cá thể.
    case household
    /// Tự làm / lao động tự do.
    case selfEmployed
    /// Khác.
    case other
}

/// Ngành kinh tế: a VSIC 2018 section (`A` agriculture … `U` extraterritorial organisations).
public struct EconomicSector: RawRepresentable, Sendable, Hashable, Codable, Comparable {
    /// The section letter, `A`…`U`.
    public let rawValue: String

    /// The 21 sections in order.
    public static let all: [EconomicSector] = "ABCDEFGHIJKLMNOPQRSTU".map { EconomicSector(uncheckedLetter: String($0)) }

    /// A section from its letter (case-insensitive); `nil` outside `A`…`U`.
    public init?(rawValue: String) {
        let letter = rawValue.uppercased()
        guard letter.count == 1, "ABCDEFGHIJKLMNOPQRSTU".contains(letter) else { return nil }
        self.rawValue = letter
    }

    private init(uncheckedLetter: String) { rawValue = uncheckedLetter }

    /// Orders by letter.
    public static func < (lhs: EconomicSector, rhs: EconomicSector) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Lý do không tham gia hoạt động kinh tế.
public enum InactivityReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// Đang đi học.
    case studying
    /// Làm công việc nội trợ.
    case housework
    /// Nghỉ hưu / già yếu.
    case retired
    /// Ốm đau, khuyết tật.
    case disability
    /// Khác.
    case other
}

/// Thu nhập bình quân tháng (VND), by band.
public enum IncomeBand: String, Sendable, Hashable, Codable, CaseIterable {
    /// Không có thu nhập.
    case none
    /// Dưới 5 triệu đồng.
    case under5m
    /// Từ 5 đến dưới 10 triệu.
    case from5to10m
    /// Từ 10 đến dưới 20 triệu.
    case from10to20m
    /// Từ 20 triệu trở lên.
    case over20m
    /// Không rõ.
    case unknown
}

/// Tham gia bảo hiểm xã hội.
public enum SocialInsuranceParticipation: String, Sendable, Hashable, Codable, CaseIterable {
    /// BHXH bắt buộc.
    case compulsory
    /// BHXH tự nguyện.
    case voluntary
    /// Không tham gia.
    case none
}

/// Where a worker record came from.
public enum WorkerRecordSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// `labor.worker-records` from the industrial-zone board (Ban quản lý các khu công nghiệp).
    case industrialZone
    /// An accepted `vss.participant-sync` record (social insurance).
    case socialInsurance
    /// A commune survey file (CSV/XLSX).
    case survey
}

/// A social-insurance participation fact from an accepted `vss.participant-sync` record. It carries no labour-supply
/// fields, so it never makes a record on its own: it updates the participation of the person's latest full record
/// when it is newer than that record (``WorkerRecord/applying(_:)``).
public struct SocialInsuranceUpdate: Sendable, Hashable, Codable {
    /// Số định danh cá nhân.
    public var personalID: PersonalID
    /// Participation as social insurance reports it.
    public var participation: SocialInsuranceParticipation
    /// The date the fact describes (the sync's date).
    public var asOf: CalendarDate

    /// Creates an update.
    public init(personalID: PersonalID, participation: SocialInsuranceParticipation, asOf: CalendarDate) {
        self.personalID = personalID
        self.participation = participation
        self.asOf = asOf
    }
}

extension WorkerRecord {
    /// The record with `update`'s participation when the update is about this person and newer than the record.
    public func applying(_ update: SocialInsuranceUpdate) -> WorkerRecord {
        guard update.personalID == personalID, update.asOf > asOf else { return self }
        var updated = self
        updated.socialInsurance = update.participation
        return updated
    }
}

/// Counts keyed by source encode as a JSON object (`{"survey": 3}`), not as an array of alternating keys and values.
extension WorkerRecordSource: CodingKeyRepresentable {}
