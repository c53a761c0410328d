/// A bank or payment provider reachable through the NAPAS switch, keyed on its 6-digit BIN.
public struct Bank: Sendable, Hashable, Codable {
    /// The 6-digit bank identification number used by NAPAS and VietQR.
    public var bin: String
    /// A short name. Public lists disagree on these (BIDV/BID, VCB/Vietcombank): key on ``bin``.
    public var shortName: String
    /// The bank's full Vietnamese name.
    public var name: String
    /// The SWIFT/BIC code, where known.
    public var swift: String?

    /// Creates a directory entry.
    public init(bin: String, shortName: String, name: String, swift: String? = nil) {
        self.bin = bin
        self.shortName = shortName
        self.name = name
        self.swift = swift
    }
}

/// The built-in bank directory and BIN validation.
///
/// The seed is REFERENCE.md's BIN table, row for row. Some banks that matter (the Bank for Social
/// Policies, VBSP) have no BIN confirmed by a primary source and are not in it: deployments add them
/// through configuration with ``BankCatalog/merging(_:)``.
///
/// ```swift
/// BankDirectory.bank(bin: "970436")?.swift   // "BFTVVNVX" (Vietcombank)
/// try BankDirectory.validateBIN("970436")
/// ```
public enum BankDirectory {
    /// Every row of REFERENCE.md's BIN table, in BIN order.
    public static let seed: [Bank] = [
        Bank(bin: "422589", shortName: "CIMB", name: "Ngân hàng TNHH MTV CIMB Việt Nam", swift: "CIBBVNVN"),
        Bank(bin: "458761", shortName: "HSBC", name: "Ngân hàng TNHH MTV HSBC (Việt Nam)", swift: "HSBCVNVX"),
        Bank(bin: "546034", shortName: "CAKE", name: "Ngân hàng số CAKE by VPBank", swift: nil),
        Bank(bin: "546035", shortName: "Ubank", name: "Ngân hàng số Ubank by VPBank", swift: nil),
        Bank(bin: "668888", shortName: "KBank", name: "Ngân hàng Đại chúng TNHH Kasikornbank", swift: "KASIVNVX"),
        Bank(bin: "796500", shortName: "DBSBank", name: "DBS Bank Ltd - Chi nhánh TP. Hồ Chí Minh", swift: "DBSSVNVX"),
        Bank(bin: "801011", shortName: "Nonghyup", name: "Ngân hàng Nonghyup - CN Hà Nội", swift: nil),
        Bank(bin: "970400", shortName: "SaigonBank", name: "Ngân hàng TMCP Sài Gòn Công Thương", swift: "SBITVNVX"),
        Bank(bin: "970403", shortName: "Sacombank", name: "Ngân hàng TMCP Sài Gòn Thương Tín", swift: "SGTTVNVX"),
        Bank(bin: "970405", shortName: "Agribank", name: "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", swift: "VBAAVNVX"),
        Bank(bin: "970406", shortName: "DongABank", name: "Ngân hàng TMCP Đông Á", swift: "EACBVNVX"),
        Bank(bin: "970407", shortName: "Techcombank", name: "Ngân hàng TMCP Kỹ thương Việt Nam", swift: "VTCBVNVX"),
        Bank(bin: "970408", shortName: "GPBank", name: "Ngân hàng TM TNHH MTV Dầu Khí Toàn Cầu", swift: "GBNKVNVX"),
        Bank(bin: "970409", shortName: "BacABank", name: "Ngân hàng TMCP Bắc Á", swift: "NASCVNVX"),
        Bank(bin: "970410", shortName: "StandardChartered", name: "Ngân hàng TNHH MTV Standard Chartered Bank Việt Nam", swift: "SCBLVNVX"),
        Bank(bin: "970412", shortName: "PVcomBank", name: "Ngân hàng TMCP Đại Chúng Việt Nam", swift: "WBVNVNVX"),
        Bank(bin: "970414", shortName: "Oceanbank", name: "Ngân hàng TM TNHH MTV Đại Dương", swift: nil),
        Bank(bin: "970415", shortName: "VietinBank", name: "Ngân hàng TMCP Công thương Việt Nam", swift: "ICBVVNVX"),
        Bank(bin: "970416", shortName: "ACB", name: "Ngân hàng TMCP Á Châu", swift: "ASCBVNVX"),
        Bank(bin: "970418", shortName: "BIDV", name: "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", swift: "BIDVVNVX"),
        Bank(bin: "970419", shortName: "NCB", name: "Ngân hàng TMCP Quốc Dân", swift: "NVBAVNVX"),
        Bank(bin: "970421", shortName: "VRB", name: "Ngân hàng Liên doanh Việt - Nga", swift: nil),
        Bank(bin: "970422", shortName: "MBBank", name: "Ngân hàng TMCP Quân đội", swift: "MSCBVNVX"),
        Bank(bin: "970423", shortName: "TPBank", name: "Ngân hàng TMCP Tiên Phong", swift: "TPBVVNVX"),
        Bank(bin: "970424", shortName: "ShinhanBank", name: "Ngân hàng TNHH MTV Shinhan Việt Nam", swift: "SHBKVNVX"),
        Bank(bin: "970425", shortName: "ABBANK", name: "Ngân hàng TMCP An Bình", swift: "ABBKVNVX"),
        Bank(bin: "970426", shortName: "MSB", name: "Ngân hàng TMCP Hàng Hải", swift: "MCOBVNVX"),
        Bank(bin: "970427", shortName: "VietABank", name: "Ngân hàng TMCP Việt Á", swift: "VNACVNVX"),
        Bank(bin: "970428", shortName: "NamABank", name: "Ngân hàng TMCP Nam Á", swift: "NAMAVNVX"),
        Bank(bin: "970429", shortName: "SCB", name: "Ngân hàng TMCP Sài Gòn", swift: "SACLVNVX"),
        Bank(bin: "970430", shortName: "PGBank", name: "Ngân hàng TMCP Xăng dầu Petrolimex", swift: "PGBLVNVX"),
        Bank(bin: "970431", shortName: "Eximbank", name: "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam", swift: "EBVIVNVX"),
        Bank(bin: "970432", shortName: "VPBank", name: "Ngân hàng TMCP Việt Nam Thịnh Vượng", swift: "VPBKVNVX"),
        Bank(bin: "970433", shortName: "VietBank", name: "Ngân hàng TMCP Việt Nam Thương Tín", swift: "VNTTVNVX"),
        Bank(bin: "970434", shortName: "IndovinaBank", name: "Ngân hàng TNHH Indovina", swift: nil),
        Bank(bin: "970436", shortName: "Vietcombank", name: "Ngân hàng TMCP Ngoại Thương Việt Nam", swift: "BFTVVNVX"),
        Bank(bin: "970437", shortName: "HDBank", name: "Ngân hàng TMCP Phát triển TP. Hồ Chí Minh", swift: "HDBCVNVX"),
        Bank(bin: "970438", shortName: "BaoVietBank", name: "Ngân hàng TMCP Bảo Việt", swift: "BVBVVNVX"),
        Bank(bin: "970439", shortName: "PublicBank", name: "Ngân hàng TNHH MTV Public Việt Nam", swift: "VIDPVNVX"),
        Bank(bin: "970440", shortName: "SeABank", name: "Ngân hàng TMCP Đông Nam Á", swift: "SEAVVNVX"),
        Bank(bin: "970441", shortName: "VIB", name: "Ngân hàng TMCP Quốc tế Việt Nam", swift: "VNIBVNVX"),
        Bank(bin: "970442", shortName: "HongLeong", name: "Ngân hàng TNHH MTV Hong Leong Việt Nam", swift: "HLBBVNVX"),
        Bank(bin: "970443", shortName: "SHB", name: "Ngân hàng TMCP Sài Gòn - Hà Nội", swift: "SHBAVNVX"),
        Bank(bin: "970444", shortName: "CBBank", name: "Ngân hàng Thương mại TNHH MTV Xây dựng Việt Nam", swift: "GTBAVNVX"),
        Bank(bin: "970446", shortName: "COOPBANK", name: "Ngân hàng Hợp tác xã Việt Nam", swift: nil),
        Bank(bin: "970448", shortName: "OCB", name: "Ngân hàng TMCP Phương Đông", swift: "ORCOVNVX"),
        Bank(bin: "970449", shortName: "LPBank", name: "Ngân hàng TMCP Lộc Phát Việt Nam (trước: Bưu Điện Liên Việt)", swift: "LVBKVNVX"),
        Bank(bin: "970452", shortName: "KienLongBank", name: "Ngân hàng TMCP Kiên Long", swift: "KLBKVNVX"),
        Bank(bin: "970454", shortName: "BVBank", name: "Ngân hàng TMCP Bản Việt", swift: "VCBCVNVX"),
        Bank(bin: "970455", shortName: "IBK HN", name: "Ngân hàng Công nghiệp Hàn Quốc - CN Hà Nội", swift: nil),
        Bank(bin: "970456", shortName: "IBK HCM", name: "Ngân hàng Công nghiệp Hàn Quốc - CN TP. Hồ Chí Minh", swift: nil),
        Bank(bin: "970457", shortName: "Woori", name: "Ngân hàng TNHH MTV Woori Việt Nam", swift: nil),
        Bank(bin: "970458", shortName: "UnitedOverseas", name: "Ngân hàng United Overseas - CN TP. Hồ Chí Minh", swift: nil),
        Bank(bin: "970462", shortName: "KookminHN", name: "Ngân hàng Kookmin - CN Hà Nội", swift: nil),
        Bank(bin: "970463", shortName: "KookminHCM", name: "Ngân hàng Kookmin - CN TP. Hồ Chí Minh", swift: nil),
    ]

    private static let byBIN: [String: Bank] = Dictionary(uniqueKeysWithValues: seed.map { ($0.bin, $0) })

    /// The seed entry for a BIN, `nil` when the seed has none.
    public static func bank(bin: String) -> Bank? { byBIN[bin] }

    /// Checks that `s` is a well-formed BIN: exactly 6 ASCII digits (`notDigits`, `wrongLength`).
    /// It does not require the BIN to be in the seed; use ``bank(bin:)`` or a ``BankCatalog`` for that.
    public static func validateBIN(_ s: String) throws(IdentifierError) {
        try validateBIN(s, field: "bin")
    }

    /// Checks that `s` is exactly 6 ASCII digits, naming `field` in the error.
    public static func validateBIN(_ s: String, field: String) throws(IdentifierError) {
        try ASCIIDigits.check(s, length: 6, field: field, name: "BIN")
    }
}

/// A configurable bank directory: the seed plus the deployment's own entries, unique by BIN.
///
/// ```swift
/// let catalog = try BankCatalog.standard.merging([
///     Bank(bin: "999999", shortName: "VBSP", name: "Ngân hàng Chính sách xã hội"),
/// ])
/// catalog.bank(bin: "999999")?.shortName   // "VBSP"
/// ```
public struct BankCatalog: Sendable, Hashable, Codable {
    /// The entries, sorted by BIN.
    public private(set) var banks: [Bank]

    /// The catalog of ``BankDirectory/seed``.
    public static let standard = BankCatalog(validated: BankDirectory.seed)

    /// Builds a catalog, checking every BIN is 6 digits and appears once (`invalidFormat` for a duplicate).
    public init(_ banks: [Bank]) throws(IdentifierError) {
        var seen = Set<String>()
        for bank in banks {
            try BankDirectory.validateBIN(bank.bin)
            guard seen.insert(bank.bin).inserted else {
                throw IdentifierError(.invalidFormat, field: "bin", detail: "BIN appears more than once in the bank directory")
            }
        }
        self.init(validated: banks)
    }

    private init(validated banks: [Bank]) {
        self.banks = banks.sorted { $0.bin < $1.bin }
    }

    /// Decodes an array of banks and validates it like ``init(_:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let banks = try container.decode([Bank].self)
        do { try self.init(banks) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as an array of banks.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(banks)
    }

    /// The entry for a BIN, `nil` when there is none.
    public func bank(bin: String) -> Bank? {
        var low = 0, high = banks.count
        while low < high {
            let mid = (low + high) / 2
            if banks[mid].bin < bin { low = mid + 1 } else { high = mid }
        }
        return low < banks.count && banks[low].bin == bin ? banks[low] : nil
    }

    /// A catalog where `entries` replace the entries with the same BIN and add the others.
    public func merging(_ entries: [Bank]) throws(IdentifierError) -> BankCatalog {
        let replaced = Set(entries.map(\.bin))
        var seen = Set<String>()
        for bank in entries {
            guard seen.insert(bank.bin).inserted else {
                throw IdentifierError(.invalidFormat, field: "bin", detail: "BIN appears more than once in the bank directory")
            }
        }
        return try BankCatalog(banks.filter { !replaced.contains($0.bin) } + entries)
    }
}
