import LienthongCore
import LienthongTabular

/// Why an analysis request cannot be answered. `detail` is a fixed phrase: it never holds personal data, nor the
/// caller's text.
public struct LaborAnalysisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable, Codable {
        /// A `by=` value names no ``LaborDimension``.
        case unknownDimension
        /// More than two dimensions were asked for.
        case tooManyDimensions
        /// The same dimension was asked for twice.
        case duplicateDimension
        /// Age bands that are not increasing whole numbers of at least 15 (see ``AgeBands``).
        case badAgeBands
        /// A date that is not `YYYY-MM-DD` or not a real date.
        case badDate
        /// A suppression threshold below 1.
        case badThreshold
    }

    /// What is wrong.
    public var code: Code
    /// A fixed explanation (never an input value).
    public var detail: String

    /// Creates an error. `detail` must be a fixed phrase.
    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}

/// A dimension of the labour analysis (SPEC §7): what a count can be broken down by.
///
/// The raw value is the `by=` spelling of the API. Values of each dimension are stable codes
/// (``values(bands:districtCodes:communeCodes:)``); ``label(value:language:)`` turns them into words.
public enum LaborDimension: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nhóm tuổi: the ``AgeBands`` of the analysis (`"15–24"` … `"65+"`).
    case ageGroup
    /// Giới tính: `male`, `female`.
    case sex
    /// Thành thị / nông thôn: `urban`, `rural`.
    case area
    /// Huyện: the district codes present in the snapshot.
    case district
    /// Xã: the commune codes present in the snapshot.
    case commune
    /// Tình trạng hoạt động kinh tế: `employed`, `unemployed`, `inactive`.
    case employmentStatus
    /// Ngành kinh tế: VSIC sections `A`…`U`, then `none` (not employed, or not stated).
    case sector
    /// Đã qua đào tạo (has a degree or certificate): `trained`, `untrained`.
    case trained
    /// Tham gia BHXH: `compulsory`, `voluntary`, `none`.
    case socialInsurance
    /// Thu nhập bình quân tháng: the ``IncomeBand`` codes.
    case incomeBand

    /// The most dimensions one analysis crosses.
    public static let maximumCount = 2

    /// The value code of ``sector`` for people without a sector (not employed, or not stated).
    public static let noSectorValue = "none"

    /// Reads one `by=` value: a raw value (`ageGroup`, `employmentStatus`…) or an alias: `age` → ``ageGroup``,
    /// `urbanRural` → ``area``, `employment` → ``employmentStatus``, `si` and `bhxh` → ``socialInsurance``,
    /// `income` → ``incomeBand``, `gender` → ``sex``, `economicSector` → ``sector``. Case, spaces, `_` and `-` are
    /// ignored.
    ///
    /// - Throws: ``LaborAnalysisError/Code/unknownDimension``.
    public init(parsing text: String) throws(LaborAnalysisError) {
        guard let value = LaborDimension.aliases[HeaderKey.normalize(text)] else {
            throw LaborAnalysisError(.unknownDimension, detail: "unknown dimension; expected one of "
                + LaborDimension.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = value
    }

    /// Reads the `by=` values of a request: each value may itself list dimensions separated by `,` or `;`
    /// (`by=sex,area` and `by=sex&by=area` mean the same); empty parts are skipped. At most two dimensions, each
    /// once; none means the grand total only.
    ///
    /// - Throws: ``LaborAnalysisError`` `unknownDimension`, `tooManyDimensions` or `duplicateDimension`.
    public static func parseList(_ values: [String]) throws(LaborAnalysisError) -> [LaborDimension] {
        var result: [LaborDimension] = []
        for value in values {
            for part in value.split(whereSeparator: { $0 == "," || $0 == ";" }) {
                guard !HeaderKey.normalize(part).isEmpty else { continue }
                let dimension = try LaborDimension(parsing: String(part))
                guard !result.contains(dimension) else {
                    throw LaborAnalysisError(.duplicateDimension, detail: "a dimension is given twice")
                }
                result.append(dimension)
            }
        }
        guard result.count <= maximumCount else {
            throw LaborAnalysisError(.tooManyDimensions, detail: "at most \(maximumCount) dimensions can be crossed")
        }
        return result
    }

    /// Reads a single `by=` text such as `"sex,area"` (see ``parseList(_:)``).
    public static func parseList(_ text: String) throws(LaborAnalysisError) -> [LaborDimension] {
        try parseList([text])
    }

    private static let aliases: [String: LaborDimension] = {
        var table: [String: LaborDimension] = [:]
        let extra: [LaborDimension: [String]] = [
            .ageGroup: ["age", "ageBand", "ageGroups", "nhomTuoi", "tuoi"],
            .sex: ["gender", "gioiTinh"],
            .area: ["urbanRural", "urban/rural", "khuVuc", "thanhThiNongThon"],
            .district: ["huyen", "districtCode"],
            .commune: ["xa", "communeCode", "ward"],
            .employmentStatus: ["employment", "status", "tinhTrangViecLam"],
            .sector: ["economicSector", "nganh", "nganhKinhTe", "vsic"],
            .trained: ["training", "daQuaDaoTao"],
            .socialInsurance: ["si", "bhxh"],
            .incomeBand: ["income", "thuNhap"],
        ]
        for dimension in allCases {
            for spelling in [dimension.rawValue] + (extra[dimension] ?? []) {
                table[HeaderKey.normalize(spelling)] = dimension
            }
        }
        return table
    }()

    /// The dimension's name: e.g. `Nhóm tuổi` / `Age group`.
    public func label(_ language: LaborLanguage) -> String {
        switch (self, language) {
        case (.ageGroup, .vi): "Nhóm tuổi"
        case (.ageGroup, .en): "Age group"
        case (.sex, .vi): "Giới tính"
        case (.sex, .en): "Sex"
        case (.area, .vi): "Thành thị/nông thôn"
        case (.area, .en): "Urban/rural"
        case (.district, .vi): "Huyện"
        case (.district, .en): "District"
        case (.commune, .vi): "Xã"
        case (.commune, .en): "Commune"
        case (.employmentStatus, .vi): "Tình trạng việc làm"
        case (.employmentStatus, .en): "Employment status"
        case (.sector, .vi): "Ngành kinh tế"
        case (.sector, .en): "Economic sector"
        case (.trained, .vi): "Đào tạo"
        case (.trained, .en): "Training"
        case (.socialInsurance, .vi): "Tham gia BHXH"
        case (.socialInsurance, .en): "Social insurance"
        case (.incomeBand, .vi): "Thu nhập bình quân tháng"
        case (.incomeBand, .en): "Monthly income"
        }
    }

    /// The words for one value code of this dimension: the enums' `label(_:)`, the band label for
    /// ``ageGroup``, the code itself for ``district`` and ``commune`` (names live outside this module) and for any
    /// code the dimension does not know.
    public func label(value: String, language: LaborLanguage) -> String {
        switch self {
        case .ageGroup, .district, .commune:
            return value
        case .sex:
            return Sex(rawValue: value).map { SexLabel.label($0, language) } ?? value
        case .area:
            return AreaType(rawValue: value)?.label(language) ?? value
        case .employmentStatus:
            return EmploymentStatus(rawValue: value)?.label(language) ?? value
        case .sector:
            if value == LaborDimension.noSectorValue {
                return language == .vi ? "Không có ngành (không làm việc hoặc không rõ)"
                    : "No sector (not employed or not stated)"
            }
            guard let sector = EconomicSector(rawValue: value), sector.rawValue == value else { return value }
            return sector.label(language)
        case .trained:
            switch (value, language) {
            case ("trained", .vi): return "Đã qua đào tạo có bằng cấp, chứng chỉ"
            case ("trained", .en): return "Trained (degree or certificate)"
            case ("untrained", .vi): return "Chưa qua đào tạo"
            case ("untrained", .en): return "Untrained"
            default: return value
            }
        case .socialInsurance:
            return SocialInsuranceParticipation(rawValue: value)?.label(language) ?? value
        case .incomeBand:
            return IncomeBand(rawValue: value)?.label(language) ?? value
        }
    }
}
