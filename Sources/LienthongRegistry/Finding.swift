/// How much a finding matters.
public enum FindingSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Verification (or the personal-id request) can still run; the officer should fix the list.
    case warning
    /// The row cannot be verified: it goes back to the commune.
    case blocking

    /// `warning` < `blocking`.
    public static func < (lhs: FindingSeverity, rhs: FindingSeverity) -> Bool {
        lhs == .warning && rhs == .blocking
    }
}

/// The stable codes of data-quality findings (SPEC §6; Kế hoạch 251/KH-UBND, appendix 2, step 1, applied to every
/// row). The raw values appear in reports and the API.
public enum FindingCode: String, Sendable, Hashable, Codable, CaseIterable {
    /// No personal id number (nor a 12-digit CMND). Blocking, except for a child, who is sent to
    /// `population.request-personal-id` when the child's data is complete.
    case personalIdMissing = "personal-id-missing"
    /// The personal id number is not 12 digits with a known birth-registration prefix. Blocking.
    case personalIdMalformed = "personal-id-malformed"
    /// The number's birth year or sex differs from the stated date of birth or sex. Blocking: the number may belong
    /// to someone else, and the register's values would then replace the beneficiary's.
    case personalIdInconsistent = "personal-id-inconsistent"
    /// The CMND is neither 9 digits nor a valid 12-digit number. Warning (legacy field).
    case cmndMalformed = "cmnd-malformed"
    /// A 12-digit CMND differs from the personal id number it should equal. Warning.
    case cmndInconsistent = "cmnd-inconsistent"
    /// No full name. Blocking.
    case nameMissing = "name-missing"
    /// No date of birth. Blocking.
    case dobMissing = "dob-missing"
    /// The date of birth cannot be read, does not exist, or is before 1900. Blocking.
    case dobInvalid = "dob-invalid"
    /// Only the year (or month and year) of birth is known. Warning; blocking for a child without a number (the
    /// personal-id request needs the full date).
    case dobPartial = "dob-partial"
    /// The date of birth is after the reference date. Blocking.
    case dobFuture = "dob-future"
    /// No sex. Warning; blocking for a child without a number.
    case sexMissing = "sex-missing"
    /// The sex cannot be read. Warning; blocking for a child without a number.
    case sexInvalid = "sex-invalid"
    /// No ethnicity. Warning.
    case ethnicityMissing = "ethnicity-missing"
    /// A child without a parent or guardian. Warning; blocking for a child without a number.
    case guardianMissing = "guardian-missing"
    /// A child without a number and without a birth-registration place. Blocking.
    case birthPlaceMissing = "birth-place-missing"
    /// No category. Warning.
    case categoryMissing = "category-missing"
    /// A category cannot be read. Warning.
    case categoryInvalid = "category-invalid"
    /// The account type cannot be read. Warning.
    case accountTypeInvalid = "account-type-invalid"
    /// The account number is not 1–34 letters or digits (or lost digits in scientific notation). Warning.
    case accountNumberMalformed = "account-number-malformed"
    /// A bank account whose bank is not in the bank directory. Warning.
    case bankUnknown = "bank-unknown"
    /// The authorised person's or guardian's personal id number is malformed. Warning.
    case authorisedIdMalformed = "authorised-id-malformed"
    /// The no-capacity flag cannot be read (taken as no). Warning.
    case noCapacityInvalid = "no-capacity-invalid"
    /// The commune code is not 5 digits. Warning.
    case communeCodeMalformed = "commune-code-malformed"
    /// The same person appears earlier in the list. Blocking for the same personal id (or CMND); warning for the
    /// same name and date of birth of a row without a number.
    case duplicateInList = "duplicate-in-list"
    /// The personal id number is already in the registry. Warning: the row updates the existing beneficiary (a
    /// person can hold several categories).
    case duplicateInRegistry = "duplicate-in-registry"

    /// The fixed message, Vietnamese then English. Never contains a value.
    public var message: String {
        switch self {
        case .personalIdMissing: "Thiếu số định danh cá nhân / personal id number is missing"
        case .personalIdMalformed: "Định dạng số định danh cá nhân bị sai / personal id number is malformed"
        case .personalIdInconsistent:
            "Số định danh cá nhân không khớp năm sinh hoặc giới tính / personal id number disagrees with the birth year or sex"
        case .cmndMalformed: "Định dạng số CMND bị sai / CMND number is malformed"
        case .cmndInconsistent: "Số CMND 12 số khác số định danh cá nhân / 12-digit CMND differs from the personal id number"
        case .nameMissing: "Thiếu họ tên / full name is missing"
        case .dobMissing: "Thiếu ngày tháng năm sinh / date of birth is missing"
        case .dobInvalid: "Ngày tháng năm sinh không hợp lệ / date of birth is invalid"
        case .dobPartial: "Chỉ có năm sinh, thiếu ngày tháng / only the year of birth is known"
        case .dobFuture: "Ngày sinh sau ngày đối chiếu / date of birth is in the future"
        case .sexMissing: "Thiếu giới tính / sex is missing"
        case .sexInvalid: "Giới tính không hợp lệ / sex is invalid"
        case .ethnicityMissing: "Thiếu dân tộc / ethnicity is missing"
        case .guardianMissing: "Trẻ em thiếu thông tin cha/mẹ/người giám hộ / child has no parent or guardian"
        case .birthPlaceMissing: "Trẻ em thiếu nơi đăng ký khai sinh / child has no birth-registration place"
        case .categoryMissing: "Thiếu đối tượng / category is missing"
        case .categoryInvalid: "Đối tượng không hợp lệ / category is not recognised"
        case .accountTypeInvalid: "Loại tài khoản không hợp lệ / account type is not recognised"
        case .accountNumberMalformed: "Số tài khoản không hợp lệ / account number is malformed"
        case .bankUnknown: "Không xác định được ngân hàng / bank is not in the bank directory"
        case .authorisedIdMalformed:
            "Định dạng số định danh của người được ủy quyền/giám hộ bị sai / authorised person's personal id number is malformed"
        case .noCapacityInvalid:
            "Không đọc được cột không còn khả năng giao dịch / no-capacity flag is not recognised"
        case .communeCodeMalformed: "Mã xã không hợp lệ / commune code is malformed"
        case .duplicateInList: "Trùng đối tượng trong danh sách / duplicate of an earlier row"
        case .duplicateInRegistry: "Đối tượng đã có trong cơ sở dữ liệu / already in the registry"
        }
    }
}

/// One data-quality finding about one row: where (row, column), what (code, severity) and a fixed message that never
/// contains the value.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int
    /// The column concerned, `nil` for the row as a whole (duplicates by name and date of birth).
    public var column: ListColumn?
    /// The stable code.
    public var code: FindingCode
    /// Whether the row can still be verified.
    public var severity: FindingSeverity
    /// For duplicates: the earlier row.
    public var relatedRow: Int?
    /// The fixed message, Vietnamese then English.
    public var message: String

    /// Creates a finding with the code's message.
    public init(row: Int, column: ListColumn?, code: FindingCode, severity: FindingSeverity, relatedRow: Int? = nil) {
        self.row = row
        self.column = column
        self.code = code
        self.severity = severity
        self.relatedRow = relatedRow
        if let relatedRow {
            self.message = code.message + " (dòng \(relatedRow) / row \(relatedRow))"
        } else {
            self.message = code.message
        }
    }

    /// `row R, column: code (severity)`.
    public var description: String {
        "row \(row)\(column.map { ", \($0.rawValue)" } ?? ""): \(code.rawValue) (\(severity.rawValue))"
    }
}
