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
