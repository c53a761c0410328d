/// The 63 provinces before 1 July 2025, with their two-digit codes (Decision 124/2004/QĐ-TTg).
///
/// The birth-registration prefix of a personal id number (`0` + code) always uses this list,
/// whatever reforms came later; codes are never reused within it.
///
/// ```swift
/// LegacyProvinces.name(code: "75")   // "Tỉnh Đồng Nai"
/// ```
public enum LegacyProvinces {
    /// Every legacy province in code order, names as in REFERENCE.md.
    public static let all: [(code: String, name: String)] = [
        ("01", "Thành phố Hà Nội"),
        ("02", "Tỉnh Hà Giang"),
        ("04", "Tỉnh Cao Bằng"),
        ("06", "Tỉnh Bắc Kạn"),
        ("08", "Tỉnh Tuyên Quang"),
        ("10", "Tỉnh Lào Cai"),
        ("11", "Tỉnh Điện Biên"),
        ("12", "Tỉnh Lai Châu"),
        ("14", "Tỉnh Sơn La"),
        ("15", "Tỉnh Yên Bái"),
        ("17", "Tỉnh Hoà Bình"),
        ("19", "Tỉnh Thái Nguyên"),
        ("20", "Tỉnh Lạng Sơn"),
        ("22", "Tỉnh Quảng Ninh"),
        ("24", "Tỉnh Bắc Giang"),
        ("25", "Tỉnh Phú Thọ"),
        ("26", "Tỉnh Vĩnh Phúc"),
        ("27", "Tỉnh Bắc Ninh"),
        ("30", "Tỉnh Hải Dương"),
        ("31", "Thành phố Hải Phòng"),
        ("33", "Tỉnh Hưng Yên"),
        ("34", "Tỉnh Thái Bình"),
        ("35", "Tỉnh Hà Nam"),
        ("36", "Tỉnh Nam Định"),
        ("37", "Tỉnh Ninh Bình"),
        ("38", "Tỉnh Thanh Hóa"),
        ("40", "Tỉnh Nghệ An"),
        ("42", "Tỉnh Hà Tĩnh"),
        ("44", "Tỉnh Quảng Bình"),
        ("45", "Tỉnh Quảng Trị"),
        ("46", "Tỉnh Thừa Thiên Huế"),
        ("48", "Thành phố Đà Nẵng"),
        ("49", "Tỉnh Quảng Nam"),
        ("51", "Tỉnh Quảng Ngãi"),
        ("52", "Tỉnh Bình Định"),
        ("54", "Tỉnh Phú Yên"),
        ("56", "Tỉnh Khánh Hòa"),
        ("58", "Tỉnh Ninh Thuận"),
        ("60", "Tỉnh Bình Thuận"),
        ("62", "Tỉnh Kon Tum"),
        ("64", "Tỉnh Gia Lai"),
        ("66", "Tỉnh Đắk Lắk"),
        ("67", "Tỉnh Đắk Nông"),
        ("68", "Tỉnh Lâm Đồng"),
        ("70", "Tỉnh Bình Phước"),
        ("72", "Tỉnh Tây Ninh"),
        ("74", "Tỉnh Bình Dương"),
        ("75", "Tỉnh Đồng Nai"),
        ("77", "Tỉnh Bà Rịa - Vũng Tàu"),
        ("79", "Thành phố Hồ Chí Minh"),
        ("80", "Tỉnh Long An"),
        ("82", "Tỉnh Tiền Giang"),
        ("83", "Tỉnh Bến Tre"),
        ("84", "Tỉnh Trà Vinh"),
        ("86", "Tỉnh Vĩnh Long"),
        ("87", "Tỉnh Đồng Tháp"),
        ("89", "Tỉnh An Giang"),
        ("91", "Tỉnh Kiên Giang"),
        ("92", "Thành phố Cần Thơ"),
        ("93", "Tỉnh Hậu Giang"),
        ("94", "Tỉnh Sóc Trăng"),
        ("95", "Tỉnh Bạc Liêu"),
        ("96", "Tỉnh Cà Mau"),
    ]

    private static let byCode: [String: String] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0.name) })

    /// The legacy province's name for a two-digit code, `nil` when there is none.
    public static func name(code: String) -> String? { byCode[code] }
}

/// The 34 provincial units from 1 July 2025 (Resolution 202/2025/QH15) and the mapping from the legacy codes.
///
/// Several two-digit codes now name another province than before (15, 24, 44, 52, 80, 82, 91): never read a
/// legacy code, such as a personal id number's prefix, through this list without ``successor(ofLegacyCode:)``.
///
/// ```swift
/// Provinces2025.successor(ofLegacyCode: "74")   // "79" (Bình Dương is now part of TP Hồ Chí Minh)
/// Provinces2025.name(code: "79")                // "TP Hồ Chí Minh"
/// ```
public enum Provinces2025 {
    /// Every 2025 provincial unit in code order, names as in REFERENCE.md.
    public static let all: [(code: String, name: String)] = [
        ("01", "Hà Nội"),
        ("04", "Cao Bằng"),
        ("08", "Tuyên Quang"),
        ("11", "Điện Biên"),
        ("12", "Lai Châu"),
        ("14", "Sơn La"),
        ("15", "Lào Cai"),
        ("19", "Thái Nguyên"),
        ("20", "Lạng Sơn"),
        ("22", "Quảng Ninh"),
        ("24", "Bắc Ninh"),
        ("25", "Phú Thọ"),
        ("31", "Hải Phòng"),
        ("33", "Hưng Yên"),
        ("37", "Ninh Bình"),
        ("38", "Thanh Hóa"),
        ("40", "Nghệ An"),
        ("42", "Hà Tĩnh"),
        ("44", "Quảng Trị"),
        ("46", "Huế"),
        ("48", "Đà Nẵng"),
        ("51", "Quảng Ngãi"),
        ("52", "Gia Lai"),
        ("56", "Khánh Hòa"),
        ("66", "Đắk Lắk"),
        ("68", "Lâm Đồng"),
        ("75", "Đồng Nai"),
        ("79", "TP Hồ Chí Minh"),
        ("80", "Tây Ninh"),
        ("82", "Đồng Tháp"),
        ("86", "Vĩnh Long"),
        ("91", "An Giang"),
        ("92", "Cần Thơ"),
        ("96", "Cà Mau"),
    ]

    private static let byCode: [String: String] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0.name) })

    /// The 2025 provincial unit's name for a two-digit code, `nil` when there is none.
    public static func name(code: String) -> String? { byCode[code] }

    /// The 2025 code of the unit a legacy province became part of, `nil` for an unknown legacy code.
    ///
    /// Takes the two-digit legacy code (`"74"`), not the three-digit id prefix.
    public static func successor(ofLegacyCode code: String) -> String? { successors[code] }

    /// Legacy code → 2025 code, for all 63 legacy provinces.
    ///
    /// REFERENCE.md states the moves of 15, 24, 44, 52, 80, 82, 91, 74, 77, 93, 94 and 70; the rest follow the
    /// mergers of Resolution 202/2025/QH15 (art. 1): the surviving unit keeps its own code (Tuyên Quang 08,
    /// Thái Nguyên 19, Phú Thọ 25, Hải Phòng 31, Hưng Yên 33, Ninh Bình 37, Đà Nẵng 48, Quảng Ngãi 51,
    /// Khánh Hòa 56, Đắk Lắk 66, Lâm Đồng 68, Vĩnh Long 86, Cà Mau 96) or takes the code REFERENCE.md lists
    /// for the merged unit (Lào Cai 15, Bắc Ninh 24, Quảng Trị 44, Gia Lai 52, Tây Ninh 80, Đồng Tháp 82,
    /// An Giang 91); the 11 unchanged provinces keep their codes.
    static let successors: [String: String] = [
        "01": "01",  // Thành phố Hà Nội → Hà Nội
        "02": "08",  // Tỉnh Hà Giang → Tuyên Quang
        "04": "04",  // Tỉnh Cao Bằng → Cao Bằng
        "06": "19",  // Tỉnh Bắc Kạn → Thái Nguyên
        "08": "08",  // Tỉnh Tuyên Quang → Tuyên Quang
        "10": "15",  // Tỉnh Lào Cai → Lào Cai
        "11": "11",  // Tỉnh Điện Biên → Điện Biên
        "12": "12",  // Tỉnh Lai Châu → Lai Châu
        "14": "14",  // Tỉnh Sơn La → Sơn La
        "15": "15",  // Tỉnh Yên Bái → Lào Cai
        "17": "25",  // Tỉnh Hoà Bình → Phú Thọ
        "19": "19",  // Tỉnh Thái Nguyên → Thái Nguyên
        "20": "20",  // Tỉnh Lạng Sơn → Lạng Sơn
        "22": "22",  // Tỉnh Quảng Ninh → Quảng Ninh
        "24": "24",  // Tỉnh Bắc Giang → Bắc Ninh
        "25": "25",  // Tỉnh Phú Thọ → Phú Thọ
        "26": "25",  // Tỉnh Vĩnh Phúc → Phú Thọ
        "27": "24",  // Tỉnh Bắc Ninh → Bắc Ninh
        "30": "31",  // Tỉnh Hải Dương → Hải Phòng
        "31": "31",  // Thành phố Hải Phòng → Hải Phòng
        "33": "33",  // Tỉnh Hưng Yên → Hưng Yên
        "34": "33",  // Tỉnh Thái Bình → Hưng Yên
        "35": "37",  // Tỉnh Hà Nam → Ninh Bình
        "36": "37",  // Tỉnh Nam Định → Ninh Bình
        "37": "37",  // Tỉnh Ninh Bình → Ninh Bình
        "38": "38",  // Tỉnh Thanh Hóa → Thanh Hóa
        "40": "40",  // Tỉnh Nghệ An → Nghệ An
        "42": "42",  // Tỉnh Hà Tĩnh → Hà Tĩnh
        "44": "44",  // Tỉnh Quảng Bình → Quảng Trị
        "45": "44",  // Tỉnh Quảng Trị → Quảng Trị
        "46": "46",  // Tỉnh Thừa Thiên Huế → Huế
        "48": "48",  // Thành phố Đà Nẵng → Đà Nẵng
        "49": "48",  // Tỉnh Quảng Nam → Đà Nẵng
        "51": "51",  // Tỉnh Quảng Ngãi → Quảng Ngãi
        "52": "52",  // Tỉnh Bình Định → Gia Lai
        "54": "66",  // Tỉnh Phú Yên → Đắk Lắk
        "56": "56",  // Tỉnh Khánh Hòa → Khánh Hòa
        "58": "56",  // Tỉnh Ninh Thuận → Khánh Hòa
        "60": "68",  // Tỉnh Bình Thuận → Lâm Đồng
        "62": "51",  // Tỉnh Kon Tum → Quảng Ngãi
        "64": "52",  // Tỉnh Gia Lai → Gia Lai
        "66": "66",  // Tỉnh Đắk Lắk → Đắk Lắk
        "67": "68",  // Tỉnh Đắk Nông → Lâm Đồng
        "68": "68",  // Tỉnh Lâm Đồng → Lâm Đồng
        "70": "75",  // Tỉnh Bình Phước → Đồng Nai
        "72": "80",  // Tỉnh Tây Ninh → Tây Ninh
        "74": "79",  // Tỉnh Bình Dương → TP Hồ Chí Minh
        "75": "75",  // Tỉnh Đồng Nai → Đồng Nai
        "77": "79",  // Tỉnh Bà Rịa - Vũng Tàu → TP Hồ Chí Minh
        "79": "79",  // Thành phố Hồ Chí Minh → TP Hồ Chí Minh
        "80": "80",  // Tỉnh Long An → Tây Ninh
        "82": "82",  // Tỉnh Tiền Giang → Đồng Tháp
        "83": "86",  // Tỉnh Bến Tre → Vĩnh Long
        "84": "86",  // Tỉnh Trà Vinh → Vĩnh Long
        "86": "86",  // Tỉnh Vĩnh Long → Vĩnh Long
        "87": "82",  // Tỉnh Đồng Tháp → Đồng Tháp
        "89": "91",  // Tỉnh An Giang → An Giang
        "91": "91",  // Tỉnh Kiên Giang → An Giang
        "92": "92",  // Thành phố Cần Thơ → Cần Thơ
        "93": "92",  // Tỉnh Hậu Giang → Cần Thơ
        "94": "92",  // Tỉnh Sóc Trăng → Cần Thơ
        "95": "96",  // Tỉnh Bạc Liêu → Cà Mau
        "96": "96",  // Tỉnh Cà Mau → Cà Mau
    ]
}
