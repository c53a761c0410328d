import LienthongCore
import LienthongTabular
import LienthongRegistry

/// The language of a label: Vietnamese (as officers and official releases write it) or English.
public enum LaborLanguage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Tiếng Việt.
    case vi
    /// English.
    case en
}

/// Builds the lookup tables behind the `init?(surveyText:)` initialisers.
///
/// Every spelling is reduced by ``HeaderKey/normalize(_:)`` (no diacritics, `đ` → `d`, lower case, only letters and
/// digits), so `"Có việc làm"`, `"CO VIEC LAM"` and `"co_viec_lam"` are the same key. When two cases claim the same
/// key the first one listed keeps it (the tests check that no label of one case parses as another).
enum SurveyVocabulary {
    static func table<Value>(_ entries: [(Value, [String])]) -> [String: Value] {
        var table: [String: Value] = [:]
        for (value, spellings) in entries {
            for spelling in spellings {
                let key = HeaderKey.normalize(spelling)
                if !key.isEmpty, table[key] == nil { table[key] = value }
            }
        }
        return table
    }

    static func entries<Value: CaseIterable & RawRepresentable>(
        _ type: Value.Type, label: (Value, LaborLanguage) -> String, extra: (Value) -> [String]
    ) -> [(Value, [String])] where Value.RawValue == String {
        type.allCases.map { value in
            (value, [value.rawValue, label(value, .vi), label(value, .en)] + extra(value))
        }
    }

    static func lookup<Value>(_ text: String, in table: [String: Value]) -> Value? {
        let key = HeaderKey.normalize(text)
        return key.isEmpty ? nil : table[key]
    }
}

// MARK: - Area

extension AreaType {
    /// The label: `Thành thị` / `Urban`, `Nông thôn` / `Rural`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.urban, .vi): "Thành thị"
        case (.urban, .en): "Urban"
        case (.rural, .vi): "Nông thôn"
        case (.rural, .en): "Rural"
        }
    }

    /// Reads an officer's spelling: the Vietnamese label with or without diacritics, the English label, the raw
    /// code, or the short forms `TT` (thành thị) and `NT` (nông thôn); case, spaces and punctuation are ignored.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        AreaType.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .urban: ["TT", "Thành phố", "Đô thị", "City"]
            case .rural: ["NT", "Nông thôn/xã", "Countryside"]
            }
        }))
}

// MARK: - Education

extension EducationLevel {
    /// The label, e.g. `Tốt nghiệp trung học phổ thông` / `Upper secondary`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.none, .vi): "Chưa tốt nghiệp tiểu học"
        case (.none, .en): "Below primary"
        case (.primary, .vi): "Tốt nghiệp tiểu học"
        case (.primary, .en): "Primary"
        case (.lowerSecondary, .vi): "Tốt nghiệp trung học cơ sở"
        case (.lowerSecondary, .en): "Lower secondary"
        case (.upperSecondary, .vi): "Tốt nghiệp trung học phổ thông"
        case (.upperSecondary, .en): "Upper secondary"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Tiểu học`, `THCS`, `THPT`,
    /// `Cấp 2`, `9/12`, `12/12`, `Chưa đi học`, `Không`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        EducationLevel.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .none: ["Chưa đi học", "Không", "Không đi học", "Chưa tốt nghiệp", "Chưa học xong tiểu học", "None"]
            case .primary: ["Tiểu học", "Cấp 1", "5/12", "TN tiểu học"]
            case .lowerSecondary: ["THCS", "Trung học cơ sở", "Tốt nghiệp THCS", "Cấp 2", "9/12", "TN THCS"]
            case .upperSecondary: ["THPT", "Trung học phổ thông", "Tốt nghiệp THPT", "Cấp 3", "12/12", "TN THPT"]
            }
        }))
}

// MARK: - Qualification

extension Qualification {
    /// The label, e.g. `Đại học` / `University`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.none, .vi): "Không có bằng cấp, chứng chỉ"
        case (.none, .en): "No degree or certificate"
        case (.elementary, .vi): "Sơ cấp"
        case (.elementary, .en): "Elementary vocational"
        case (.intermediate, .vi): "Trung cấp"
        case (.intermediate, .en): "Intermediate vocational"
        case (.college, .vi): "Cao đẳng"
        case (.college, .en): "College"
        case (.university, .vi): "Đại học"
        case (.university, .en): "University"
        case (.postgraduate, .vi): "Trên đại học"
        case (.postgraduate, .en): "Postgraduate"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Không`, `Chưa qua đào tạo`,
    /// `Sơ cấp nghề`, `TC`, `CĐ`, `ĐH`, `Thạc sĩ`, `Tiến sĩ`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        Qualification.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .none: ["Không", "Không có", "Chưa qua đào tạo", "Không có bằng cấp", "Không có CMKT", "None"]
            case .elementary: ["Sơ cấp nghề", "Chứng chỉ nghề", "Chứng chỉ", "Dạy nghề dưới 3 tháng", "SC", "Elementary"]
            case .intermediate: ["Trung cấp nghề", "Trung cấp chuyên nghiệp", "TCCN", "TC", "Intermediate"]
            case .college: ["Cao đẳng nghề", "CĐ", "Cao đẳng sư phạm"]
            case .university: ["ĐH", "Cử nhân", "Kỹ sư", "Bác sĩ", "Bachelor"]
            case .postgraduate: ["Sau đại học", "Thạc sĩ", "Tiến sĩ", "Master", "PhD", "Doctorate"]
            }
        }))
}

// MARK: - Employment status

extension EmploymentStatus {
    /// The label: `Có việc làm` / `Employed`, `Thất nghiệp` / `Unemployed`,
    /// `Không tham gia hoạt động kinh tế` / `Outside the labour force`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.employed, .vi): "Có việc làm"
        case (.employed, .en): "Employed"
        case (.unemployed, .vi): "Thất nghiệp"
        case (.unemployed, .en): "Unemployed"
        case (.inactive, .vi): "Không tham gia hoạt động kinh tế"
        case (.inactive, .en): "Outside the labour force"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Đang làm việc`,
    /// `Không có việc làm`, `Ngoài lực lượng lao động`, `Không tham gia HĐKT`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        EmploymentStatus.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .employed: ["Đang làm việc", "Có việc", "Làm việc", "Đang có việc làm", "CVL"]
            case .unemployed: ["Không có việc làm", "Chưa có việc làm", "Đang tìm việc", "TN", "Thất nghiệp/đang tìm việc"]
            case .inactive: ["Không tham gia HĐKT", "Không hoạt động kinh tế", "Ngoài lực lượng lao động",
                             "Ngoài LLLĐ", "Outside the labor force", "Not in the labour force", "Not in labor force"]
            }
        }))
}

// MARK: - Establishment

extension EstablishmentType {
    /// The label, e.g. `Doanh nghiệp có vốn đầu tư nước ngoài` / `Foreign-invested enterprise`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.state, .vi): "Cơ quan, đơn vị nhà nước"
        case (.state, .en): "State agency or unit"
        case (.privateEnterprise, .vi): "Doanh nghiệp ngoài nhà nước"
        case (.privateEnterprise, .en): "Non-state enterprise"
        case (.foreignInvested, .vi): "Doanh nghiệp có vốn đầu tư nước ngoài"
        case (.foreignInvested, .en): "Foreign-invested enterprise"
        case (.cooperative, .vi): "Hợp tác xã"
        case (.cooperative, .en): "Cooperative"
        case (.household, .vi): "Hộ kinh doanh cá thể"
        case (.household, .en): "Household business"
        case (.selfEmployed, .vi): "Tự làm, lao động tự do"
        case (.selfEmployed, .en): "Self-employed"
        case (.other, .vi): "Khác"
        case (.other, .en): "Other"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Nhà nước`, `DN tư nhân`,
    /// `FDI`, `HTX`, `Hộ kinh doanh`, `Tự do`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        EstablishmentType.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .state: ["Nhà nước", "Cơ quan nhà nước", "Đơn vị nhà nước", "Đơn vị sự nghiệp công lập", "State"]
            case .privateEnterprise: ["Doanh nghiệp tư nhân", "DN tư nhân", "DN ngoài nhà nước", "Tư nhân",
                                      "Công ty tư nhân", "Private enterprise", "Private"]
            case .foreignInvested: ["FDI", "DN FDI", "Doanh nghiệp FDI", "Vốn đầu tư nước ngoài", "DN có vốn ĐTNN",
                                    "Foreign invested"]
            case .cooperative: ["HTX"]
            case .household: ["Hộ kinh doanh", "Hộ gia đình", "Cá thể", "Hộ cá thể", "HKD", "Household"]
            case .selfEmployed: ["Tự làm", "Lao động tự do", "Tự do", "Tự kinh doanh", "Self employed"]
            case .other: ["Loại khác"]
            }
        }))
}

// MARK: - Economic sector

extension EconomicSector {
    /// The VSIC 2018 section name (Decision 27/2018/QĐ-TTg) in Vietnamese, or the ISIC Rev. 4 name in English.
    public func label(_ language: LaborLanguage) -> String {
        guard let names = EconomicSector.names[rawValue] else { return rawValue }
        return language == .vi ? names.vi : names.en
    }

    /// Reads an officer's spelling: the section letter (`C`, `c`), the Vietnamese name with or without diacritics,
    /// the English name, a letter followed by a name (`C - Công nghiệp chế biến`, `C. Manufacturing`), and short
    /// forms such as `Nông nghiệp`, `Chế biến chế tạo`, `Thương mại`, `Vận tải`, `Giáo dục`, `Y tế`.
    public init?(surveyText text: String) {
        if let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) {
            self = value
            return
        }
        // "C - Công nghiệp …", "C. …", "C: …", "C) …": a section letter followed by a separator and a name.
        guard let trimmed = FieldParser.trimmed(text) else { return nil }
        let scalars = Array(trimmed.unicodeScalars)
        guard scalars.count >= 3, scalars[0].isASCII, " -.:)".unicodeScalars.contains(scalars[1]),
              let sector = EconomicSector(rawValue: String(scalars[0])) else { return nil }
        let rest = String(String.UnicodeScalarView(scalars[1...]))
        guard rest.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { return nil }
        self = sector
    }

    /// Vietnamese and English names of the 21 sections.
    private static let names: [String: (vi: String, en: String)] = [
        "A": ("Nông nghiệp, lâm nghiệp và thủy sản", "Agriculture, forestry and fishing"),
        "B": ("Khai khoáng", "Mining and quarrying"),
        "C": ("Công nghiệp chế biến, chế tạo", "Manufacturing"),
        "D": ("Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí",
              "Electricity, gas, steam and air conditioning supply"),
        "E": ("Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải",
              "Water supply; sewerage, waste management and remediation activities"),
        "F": ("Xây dựng", "Construction"),
        "G": ("Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác",
              "Wholesale and retail trade; repair of motor vehicles and motorcycles"),
        "H": ("Vận tải kho bãi", "Transportation and storage"),
        "I": ("Dịch vụ lưu trú và ăn uống", "Accommodation and food service activities"),
        "J": ("Thông tin và truyền thông", "Information and communication"),
        "K": ("Hoạt động tài chính, ngân hàng và bảo hiểm", "Financial and insurance activities"),
        "L": ("Hoạt động kinh doanh bất động sản", "Real estate activities"),
        "M": ("Hoạt động chuyên môn, khoa học và công nghệ", "Professional, scientific and technical activities"),
        "N": ("Hoạt động hành chính và dịch vụ hỗ trợ", "Administrative and support service activities"),
        "O": ("Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý nhà nước, an ninh quốc phòng; "
              + "bảo đảm xã hội bắt buộc", "Public administration and defence; compulsory social security"),
        "P": ("Giáo dục và đào tạo", "Education"),
        "Q": ("Y tế và hoạt động trợ giúp xã hội", "Human health and social work activities"),
        "R": ("Nghệ thuật, vui chơi và giải trí", "Arts, entertainment and recreation"),
        "S": ("Hoạt động dịch vụ khác", "Other service activities"),
        "T": ("Hoạt động làm thuê các công việc trong các hộ gia đình, sản xuất sản phẩm vật chất và dịch vụ tự "
              + "tiêu dùng của hộ gia đình",
              "Activities of households as employers; undifferentiated goods- and services-producing activities of "
              + "households for own use"),
        "U": ("Hoạt động của các tổ chức và cơ quan quốc tế", "Activities of extraterritorial organizations and bodies"),
    ]

    private static let shortNames: [String: [String]] = [
        "A": ["Nông nghiệp", "Nông, lâm nghiệp và thủy sản", "Nông lâm thủy sản", "Nông lâm ngư nghiệp", "Agriculture"],
        "B": ["Khai thác mỏ", "Mining"],
        "C": ["Công nghiệp chế biến chế tạo", "Chế biến, chế tạo", "Công nghiệp chế biến", "CN chế biến, chế tạo",
              "Sản xuất công nghiệp"],
        "D": ["Sản xuất và phân phối điện", "Điện, khí đốt", "Electricity"],
        "E": ["Cung cấp nước", "Xử lý rác thải", "Water supply"],
        "G": ["Bán buôn và bán lẻ", "Bán buôn, bán lẻ", "Thương mại", "Buôn bán", "Trade", "Wholesale and retail trade"],
        "H": ["Vận tải", "Vận tải, kho bãi", "Vận tải và kho bãi", "Transport", "Transportation"],
        "I": ["Lưu trú và ăn uống", "Dịch vụ lưu trú, ăn uống", "Nhà hàng, khách sạn", "Accommodation and food"],
        "J": ["Thông tin, truyền thông", "Công nghệ thông tin", "Information technology"],
        "K": ["Tài chính, ngân hàng, bảo hiểm", "Tài chính ngân hàng", "Finance", "Financial services"],
        "L": ["Bất động sản", "Kinh doanh bất động sản", "Real estate"],
        "M": ["Khoa học công nghệ", "Chuyên môn, khoa học và công nghệ", "Professional services"],
        "N": ["Hành chính và dịch vụ hỗ trợ", "Dịch vụ hỗ trợ"],
        "O": ["Quản lý nhà nước", "Quản lý nhà nước, an ninh quốc phòng", "Public administration"],
        "P": ["Giáo dục", "Giáo dục, đào tạo", "Giáo dục đào tạo"],
        "Q": ["Y tế", "Y tế, trợ giúp xã hội", "Health", "Health and social work"],
        "R": ["Nghệ thuật, vui chơi, giải trí", "Vui chơi giải trí", "Arts and entertainment"],
        "S": ["Dịch vụ khác", "Other services"],
        "T": ["Làm thuê trong hộ gia đình", "Giúp việc gia đình", "Households as employers"],
        "U": ["Tổ chức quốc tế", "Extraterritorial organizations"],
    ]

    private static let surveyTable: [String: EconomicSector] = SurveyVocabulary.table(all.map { sector in
        var spellings = [sector.rawValue, sector.label(.vi), sector.label(.en)]
        spellings += shortNames[sector.rawValue] ?? []
        return (sector, spellings)
    })
}

// MARK: - Inactivity reason

extension InactivityReason {
    /// The label, e.g. `Đang đi học` / `Studying`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.studying, .vi): "Đang đi học"
        case (.studying, .en): "Studying"
        case (.housework, .vi): "Làm công việc nội trợ"
        case (.housework, .en): "Housework"
        case (.retired, .vi): "Nghỉ hưu, già yếu"
        case (.retired, .en): "Retired or too old"
        case (.disability, .vi): "Ốm đau, khuyết tật"
        case (.disability, .en): "Illness or disability"
        case (.other, .vi): "Khác"
        case (.other, .en): "Other"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Đi học`, `Nội trợ`,
    /// `Nghỉ hưu`, `Già yếu`, `Khuyết tật`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        InactivityReason.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .studying: ["Đi học", "Học sinh", "Sinh viên", "Học sinh, sinh viên", "Student"]
            case .housework: ["Nội trợ", "Làm nội trợ", "Homemaker"]
            case .retired: ["Nghỉ hưu", "Hưu trí", "Già yếu", "Retired", "Too old"]
            case .disability: ["Ốm đau", "Khuyết tật", "Ốm đau/khuyết tật", "Disabled", "Disability", "Illness"]
            case .other: ["Lý do khác"]
            }
        }))
}

// MARK: - Income band

extension IncomeBand {
    /// The label, e.g. `Từ 5 đến dưới 10 triệu đồng` / `5 to under 10 million VND`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.none, .vi): "Không có thu nhập"
        case (.none, .en): "No income"
        case (.under5m, .vi): "Dưới 5 triệu đồng"
        case (.under5m, .en): "Under 5 million VND"
        case (.from5to10m, .vi): "Từ 5 đến dưới 10 triệu đồng"
        case (.from5to10m, .en): "5 to under 10 million VND"
        case (.from10to20m, .vi): "Từ 10 đến dưới 20 triệu đồng"
        case (.from10to20m, .en): "10 to under 20 million VND"
        case (.over20m, .vi): "Từ 20 triệu đồng trở lên"
        case (.over20m, .en): "20 million VND or more"
        case (.unknown, .vi): "Không rõ"
        case (.unknown, .en): "Unknown"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Dưới 5 triệu`,
    /// `5-10 triệu`, `10-20 triệu`, `Trên 20 triệu`, `Không xác định`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        IncomeBand.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .none: ["Không có", "Không thu nhập", "0"]
            case .under5m: ["Dưới 5 triệu", "Dưới 5tr", "Dưới 5 triệu đồng/tháng", "Under 5m"]
            case .from5to10m: ["5-10 triệu", "5 - 10 triệu", "Từ 5 đến 10 triệu", "Từ 5 - dưới 10 triệu", "5-10tr"]
            case .from10to20m: ["10-20 triệu", "10 - 20 triệu", "Từ 10 đến 20 triệu", "Từ 10 - dưới 20 triệu", "10-20tr"]
            case .over20m: ["Trên 20 triệu", "20 triệu trở lên", "Từ 20 triệu trở lên", "Trên 20tr", "Over 20m"]
            case .unknown: ["Không xác định", "Không biết", "Không trả lời", "Not stated"]
            }
        }))
}

// MARK: - Social insurance

extension SocialInsuranceParticipation {
    /// The label: `BHXH bắt buộc` / `Compulsory social insurance`, `BHXH tự nguyện` / `Voluntary social insurance`,
    /// `Không tham gia BHXH` / `Not participating`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.compulsory, .vi): "BHXH bắt buộc"
        case (.compulsory, .en): "Compulsory social insurance"
        case (.voluntary, .vi): "BHXH tự nguyện"
        case (.voluntary, .en): "Voluntary social insurance"
        case (.none, .vi): "Không tham gia BHXH"
        case (.none, .en): "Not participating"
        }
    }

    /// Reads an officer's spelling: the labels, the raw code, and short forms such as `Bắt buộc`, `Tự nguyện`,
    /// `Bảo hiểm xã hội bắt buộc`, `Không`, `Chưa tham gia`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        SocialInsuranceParticipation.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .compulsory: ["Bắt buộc", "Bảo hiểm xã hội bắt buộc", "BHXH BB", "BB", "Compulsory"]
            case .voluntary: ["Tự nguyện", "Bảo hiểm xã hội tự nguyện", "BHXH TN", "Voluntary"]
            case .none: ["Không", "Không tham gia", "Chưa tham gia", "Không có", "None", "No"]
            }
        }))
}

// MARK: - Source

extension WorkerRecordSource {
    /// The label: `Ban quản lý các khu công nghiệp` / `Industrial-zone board`, `Bảo hiểm xã hội` /
    /// `Social insurance`, `Điều tra của xã` / `Commune survey`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.industrialZone, .vi): "Ban quản lý các khu công nghiệp"
        case (.industrialZone, .en): "Industrial-zone board"
        case (.socialInsurance, .vi): "Bảo hiểm xã hội"
        case (.socialInsurance, .en): "Social insurance"
        case (.survey, .vi): "Điều tra của xã"
        case (.survey, .en): "Commune survey"
        }
    }

    /// Reads a spelling: the labels, the raw code, and short forms `BQL KCN`, `BHXH`, `Điều tra`.
    public init?(surveyText text: String) {
        guard let value = SurveyVocabulary.lookup(text, in: Self.surveyTable) else { return nil }
        self = value
    }

    private static let surveyTable = SurveyVocabulary.table(SurveyVocabulary.entries(
        WorkerRecordSource.self, label: { $0.label($1) },
        extra: { value in
            switch value {
            case .industrialZone: ["BQL KCN", "Ban quản lý KCN", "KCN", "Industrial zone"]
            case .socialInsurance: ["BHXH", "VSS"]
            case .survey: ["Điều tra", "Khảo sát", "Survey"]
            }
        }))
}

// MARK: - Sex (labels only; parsing is LienthongRegistry's FieldParser.sex)

enum SexLabel {
    static func label(_ sex: Sex, _ language: LaborLanguage) -> String {
        switch (sex, language) {
        case (.male, .vi): "Nam"
        case (.male, .en): "Male"
        case (.female, .vi): "Nữ"
        case (.female, .en): "Female"
        }
    }
}
