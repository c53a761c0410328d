/// The groups of social-security beneficiaries the plan names (Kế hoạch 251/KH-UBND, II.1.b); a person can hold
/// several.
public enum BeneficiaryCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Người có công với cách mạng: people with meritorious service to the revolution.
    case meritoriousService = "nguoi-co-cong"
    /// Thân nhân người có công: relatives of people with meritorious service.
    case meritoriousServiceRelative = "than-nhan-nguoi-co-cong"
    /// Bảo trợ xã hội: beneficiaries of social protection (social assistance).
    case socialProtection = "bao-tro-xa-hoi"
    /// Hộ nghèo: poor household.
    case poorHousehold = "ho-ngheo"
    /// Hộ cận nghèo: near-poor household.
    case nearPoorHousehold = "ho-can-ngheo"
    /// Trẻ em: children.
    case child = "tre-em"
    /// Người nghiện ma túy: people with drug addiction.
    case drugAddiction = "nguoi-nghien-ma-tuy"

    /// The Vietnamese name as officers write it.
    public var vietnameseName: String {
        switch self {
        case .meritoriousService: "Người có công"
        case .meritoriousServiceRelative: "Thân nhân người có công"
        case .socialProtection: "Bảo trợ xã hội"
        case .poorHousehold: "Hộ nghèo"
        case .nearPoorHousehold: "Hộ cận nghèo"
        case .child: "Trẻ em"
        case .drugAddiction: "Người nghiện ma túy"
        }
    }
}

extension BeneficiaryCategory {
    /// The English name.
    public var englishName: String {
        switch self {
        case .meritoriousService: "Person with meritorious service"
        case .meritoriousServiceRelative: "Relative of a person with meritorious service"
        case .socialProtection: "Social protection beneficiary"
        case .poorHousehold: "Poor household"
        case .nearPoorHousehold: "Near-poor household"
        case .child: "Child"
        case .drugAddiction: "Person with drug addiction"
        }
    }

    /// Further names accepted on import: fuller or shorter Vietnamese wordings, the abbreviations officers use
    /// (`NCC`, `BTXH`, `HN`, `HCN`, `TE`…), the health-insurance group codes (`CC`, `CN`), and English names.
    /// Matching ignores case, diacritics, spaces and punctuation (``ListHeader/key(_:)``).
    public var aliases: [String] {
        switch self {
        case .meritoriousService:
            ["Người có công với cách mạng", "NCC", "NCCVCM", "CC", "Có công", "Meritorious service",
             "Person with meritorious service to the revolution", "Revolutionary contributor"]
        case .meritoriousServiceRelative:
            ["Thân nhân người có công với cách mạng", "Thân nhân NCC", "TNNCC", "Thân nhân liệt sĩ",
             "Thân nhân liệt sỹ", "Relative of meritorious person", "Meritorious service relative",
             "Relative of a martyr"]
        case .socialProtection:
            ["BTXH", "Đối tượng bảo trợ xã hội", "Trợ cấp xã hội", "Đối tượng trợ cấp xã hội", "Social protection",
             "Social assistance", "Social assistance beneficiary"]
        case .poorHousehold:
            ["HN", "Hộ nghèo", "Thành viên hộ nghèo", "Poor", "Poor household member"]
        case .nearPoorHousehold:
            ["HCN", "CN", "Cận nghèo", "Thành viên hộ cận nghèo", "Near poor", "Near-poor household member"]
        case .child:
            ["TE", "Trẻ em có hoàn cảnh đặc biệt", "Trẻ em dưới 16 tuổi", "Children", "Child"]
        case .drugAddiction:
            ["Nghiện ma túy", "Người nghiện ma tuý", "Người nghiện", "Tệ nạn xã hội", "Người sử dụng trái phép chất ma túy",
             "Drug addiction", "Drug addict", "Drug user"]
        }
    }

    /// Reads one category from its code (`"ho-ngheo"`), Vietnamese name, English name or an alias; `nil` when
    /// unknown.
    ///
    /// ```swift
    /// BeneficiaryCategory.parse("Hộ cận nghèo")   // .nearPoorHousehold
    /// BeneficiaryCategory.parse("BTXH")           // .socialProtection
    /// ```
    public static func parse(_ text: String) -> BeneficiaryCategory? { lookup[ListHeader.key(text)] }

    private static let lookup: [String: BeneficiaryCategory] = {
        var table: [String: BeneficiaryCategory] = [:]
        for category in allCases {
            for name in [category.rawValue, category.vietnameseName, category.englishName] + category.aliases {
                let key = ListHeader.key(name)
                if table[key] == nil { table[key] = category }
            }
        }
        return table
    }()
}
