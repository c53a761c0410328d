/// A column of a beneficiary list as officers send it (SPEC §6; Kế hoạch 251/KH-UBND II.1.d and the appendix's
/// checklist for children).
///
/// Each column has the Vietnamese header officers write (``vietnameseHeader``), an English header
/// (``englishHeader``) and further accepted spellings (``aliases``). Headers are matched through
/// ``ListHeader/key(_:)``, which ignores case, diacritics, spaces and punctuation, so `"Số CCCD"`, `"SO CCCD"`
/// and `"so_cccd"` are the same header.
///
/// The raw value is a stable English code, used in findings, reports and JSON.
///
/// Which columns a list must have is decided by ``ListHeader/map(_:)``: ``fullName`` and ``dateOfBirth``, and
/// a way to identify the person: ``personalId``, or ``cmnd``, or (for lists of children without a number)
/// ``birthRegistrationPlace`` together with a parent column (``parentName``, ``fatherName`` or ``motherName``).
public enum ListColumn: String, Sendable, Hashable, Codable, CaseIterable {
    /// STT: the row's sequence number in the officer's list (read and ignored).
    case sequence
    /// Họ và tên.
    case fullName
    /// Ngày sinh: `dd/mm/yyyy`, `d/m/yyyy`, `yyyy-mm-dd`, `mm/yyyy`, a year alone, or an Excel serial number.
    case dateOfBirth
    /// Giới tính.
    case sex
    /// Số định danh cá nhân (the 12-digit number printed on the CCCD). A 9-digit value here is read as a CMND.
    case personalId
    /// Số CMND: the old identity-card number (9 digits, or 12 digits equal to the personal id number).
    case cmnd
    /// Dân tộc.
    case ethnicity
    /// Quê quán.
    case hometown
    /// Nơi thường trú, as one text.
    case permanentResidence
    /// Xã/phường of the permanent residence.
    case commune
    /// Mã xã: the 5-digit commune code (Decision 124/2004/QĐ-TTg).
    case communeCode
    /// Quận/huyện of the permanent residence (abolished from 1 July 2025, still in older lists).
    case district
    /// Tỉnh/thành phố of the permanent residence.
    case province
    /// Đối tượng: one or more ``BeneficiaryCategory`` names separated by `,` or `;`.
    case category
    /// Số tài khoản: bank account, e-wallet or mobile-money account of the beneficiary or of the authorised person.
    case accountNumber
    /// Loại tài khoản: bank account, e-wallet or mobile money (``AccountType``).
    case accountType
    /// Ngân hàng / nhà cung cấp dịch vụ: a bank's BIN, short name or name, or an e-wallet or mobile-money provider.
    case bankOrProvider
    /// Số điện thoại (often the mobile-money or e-wallet account).
    case phone
    /// Người được ủy quyền/giám hộ: the name of the authorised person or guardian who receives the payment.
    case authorisedName
    /// Số định danh of the authorised person or guardian.
    case authorisedPersonalId
    /// Quan hệ với đối tượng: how the authorised person or guardian is related to the beneficiary.
    case guardianRelation
    /// Họ tên cha/mẹ/người giám hộ (children's lists).
    case parentName
    /// Họ tên cha (children's lists with separate parent columns).
    case fatherName
    /// Họ tên mẹ (children's lists with separate parent columns).
    case motherName
    /// Nơi đăng ký khai sinh (children's lists).
    case birthRegistrationPlace
    /// Không còn khả năng giao dịch: the beneficiary cannot transact (paid in cash by the post office unless a
    /// guardian or authorised person receives the payment).
    case noCapacity
    /// Ghi chú.
    case notes

    /// The header as officers write it, used in reports and in the error naming a missing column.
    public var vietnameseHeader: String {
        switch self {
        case .sequence: "STT"
        case .fullName: "Họ và tên"
        case .dateOfBirth: "Ngày sinh"
        case .sex: "Giới tính"
        case .personalId: "Số định danh cá nhân"
        case .cmnd: "Số CMND"
        case .ethnicity: "Dân tộc"
        case .hometown: "Quê quán"
        case .permanentResidence: "Nơi thường trú"
        case .commune: "Xã/phường"
        case .communeCode: "Mã xã"
        case .district: "Quận/huyện"
        case .province: "Tỉnh/thành phố"
        case .category: "Đối tượng"
        case .accountNumber: "Số tài khoản"
        case .accountType: "Loại tài khoản"
        case .bankOrProvider: "Ngân hàng"
        case .phone: "Số điện thoại"
        case .authorisedName: "Người được ủy quyền/giám hộ"
        case .authorisedPersonalId: "Số định danh người được ủy quyền/giám hộ"
        case .guardianRelation: "Quan hệ với đối tượng"
        case .parentName: "Họ tên cha/mẹ"
        case .fatherName: "Họ tên cha"
        case .motherName: "Họ tên mẹ"
        case .birthRegistrationPlace: "Nơi đăng ký khai sinh"
        case .noCapacity: "Không còn khả năng giao dịch"
        case .notes: "Ghi chú"
        }
    }

    /// The English header, accepted on import and used in English exports.
    public var englishHeader: String {
        switch self {
        case .sequence: "No."
        case .fullName: "Full name"
        case .dateOfBirth: "Date of birth"
        case .sex: "Sex"
        case .personalId: "Personal id number"
        case .cmnd: "CMND number"
        case .ethnicity: "Ethnicity"
        case .hometown: "Hometown"
        case .permanentResidence: "Permanent residence"
        case .commune: "Commune"
        case .communeCode: "Commune code"
        case .district: "District"
        case .province: "Province"
        case .category: "Category"
        case .accountNumber: "Account number"
        case .accountType: "Account type"
        case .bankOrProvider: "Bank or provider"
        case .phone: "Phone number"
        case .authorisedName: "Authorised person or guardian"
        case .authorisedPersonalId: "Authorised person's personal id"
        case .guardianRelation: "Relationship"
        case .parentName: "Parent's name"
        case .fatherName: "Father's name"
        case .motherName: "Mother's name"
        case .birthRegistrationPlace: "Birth registration place"
        case .noCapacity: "No capacity"
        case .notes: "Notes"
        }
    }

    /// Further accepted headers: spellings with and without diacritics are the same after ``ListHeader/key(_:)``,
    /// so the list holds each wording once; abbreviations officers use (`CCCD`, `SĐT`, `STK`, `NS`…) included.
    public var aliases: [String] {
        switch self {
        case .sequence:
            ["Số thứ tự", "TT", "No", "Seq"]
        case .fullName:
            ["Họ tên", "Họ, tên đệm, tên", "Họ, chữ đệm và tên", "Họ và tên đối tượng", "Họ tên đối tượng",
             "Tên đối tượng", "Họ và tên người hưởng", "Họ tên người hưởng", "Họ và tên trẻ em", "Họ tên trẻ em",
             "Name", "Fullname", "Full_name", "Beneficiary name"]
        case .dateOfBirth:
            ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Ngày/tháng/năm sinh", "Năm sinh", "NS",
             "Sinh ngày", "DOB", "Birth date", "Birthdate", "Date_of_birth", "Year of birth"]
        case .sex:
            ["GT", "Giới", "Nam/nữ", "Gender"]
        case .personalId:
            ["Số định danh", "Mã định danh", "Mã định danh cá nhân", "Số ĐDCN", "ĐDCN", "CCCD", "Số CCCD",
             "Căn cước công dân", "Số căn cước công dân", "Số căn cước", "Căn cước", "Số thẻ căn cước",
             "Số CCCD/CMND", "CCCD/CMND", "Số CMND/CCCD", "CMND/CCCD", "Số CCCD/ĐDCN",
             "Personal id", "Personal_id", "National id", "National id number", "Citizen id", "Id number"]
        case .cmnd:
            ["CMND", "Chứng minh nhân dân", "Số chứng minh nhân dân", "Số CMTND", "CMTND", "Số chứng minh thư",
             "CMND cũ", "Số CMND cũ", "Old id", "Old id number", "Identity card number"]
        case .ethnicity:
            ["Ethnic group", "Ethnic"]
        case .hometown:
            ["Nguyên quán", "Home town", "Place of origin"]
        case .permanentResidence:
            ["Nơi đăng ký thường trú", "Địa chỉ thường trú", "Thường trú", "Nơi ĐKTT", "ĐKTT",
             "Hộ khẩu thường trú", "HKTT", "Địa chỉ", "Address", "Residence", "Permanent address"]
        case .commune:
            ["Xã", "Phường", "Xã, phường, thị trấn", "Xã/phường/thị trấn", "Phường/xã", "Tên xã", "Ward",
             "Commune/ward"]
        case .communeCode:
            ["Mã xã/phường", "Mã phường/xã", "Mã đơn vị hành chính cấp xã", "Mã ĐVHC", "Ward code", "Commune_code"]
        case .district:
            ["Huyện", "Quận", "Huyện/thành phố", "Huyện, thành phố", "Quận/huyện/thị xã", "Huyện/thị xã/thành phố"]
        case .province:
            ["Tỉnh", "Tỉnh/TP", "Tỉnh, thành phố", "Tỉnh/thành", "City/province", "Province/city"]
        case .category:
            ["Loại đối tượng", "Nhóm đối tượng", "Diện đối tượng", "Diện hưởng", "Đối tượng hưởng",
             "Beneficiary category", "Beneficiary type", "Categories"]
        case .accountNumber:
            ["STK", "Số TK", "Tài khoản", "Số tài khoản/ví", "Số tài khoản nhận", "Số tài khoản hưởng trợ cấp",
             "Account", "Account no", "Account_number"]
        case .accountType:
            ["Loại TK", "Hình thức tài khoản", "Loại tài khoản/ví", "Account_type", "Account kind"]
        case .bankOrProvider:
            ["Tên ngân hàng", "Ngân hàng/nhà cung cấp dịch vụ", "Ngân hàng/nhà cung cấp", "Nhà cung cấp dịch vụ",
             "Tên ngân hàng/nhà cung cấp dịch vụ", "Nơi mở tài khoản", "Mã ngân hàng", "NH", "BIN", "Bank",
             "Bank name", "Provider", "Bank/provider", "Bank BIN"]
        case .phone:
            ["SĐT", "Điện thoại", "ĐT", "Số ĐT", "Phone", "Mobile", "Phone_number", "Telephone"]
        case .authorisedName:
            ["Người được ủy quyền", "Người giám hộ", "Họ tên người giám hộ", "Họ tên người được ủy quyền",
             "Người được ủy quyền/người giám hộ", "Người nhận thay", "Người nhận ủy quyền", "Người nhận ủy quyền giám hộ",
             "Guardian", "Guardian name", "Authorised person", "Authorized person", "Authorized person or guardian"]
        case .authorisedPersonalId:
            ["Số định danh người được ủy quyền", "Số định danh người giám hộ", "CCCD người giám hộ",
             "Số CCCD người giám hộ", "CCCD người được ủy quyền", "Số CCCD người được ủy quyền",
             "Mã định danh người giám hộ", "Mã định danh người được ủy quyền", "CCCD người nhận thay",
             "Guardian id", "Guardian personal id", "Authorised person id", "Authorized person id",
             "Authorized person's personal id"]
        case .guardianRelation:
            ["Quan hệ", "Mối quan hệ", "Quan hệ với người hưởng", "Quan hệ với trẻ", "Relation",
             "Relationship to beneficiary"]
        case .parentName:
            ["Cha/mẹ", "Họ tên cha mẹ", "Cha mẹ", "Họ tên bố/mẹ", "Bố/mẹ", "Cha/mẹ/người giám hộ",
             "Họ tên cha/mẹ/người giám hộ", "Parent", "Parent name", "Parents"]
        case .fatherName:
            ["Họ và tên cha", "Cha", "Họ tên bố", "Bố", "Father", "Father name"]
        case .motherName:
            ["Họ và tên mẹ", "Mẹ", "Mother", "Mother name"]
        case .birthRegistrationPlace:
            ["Nơi ĐKKS", "Nơi ĐK khai sinh", "Nơi khai sinh", "Place of birth registration", "Birth registration"]
        case .noCapacity:
            ["Không còn khả năng", "Không có khả năng giao dịch",
             "Mất năng lực hành vi dân sự", "Không còn năng lực hành vi", "Cannot transact", "No_capacity",
             "Incapacitated"]
        case .notes:
            ["Note", "Remarks"]
        }
    }

    /// Every header accepted for the column: Vietnamese, English, then aliases.
    public var acceptedHeaders: [String] { [vietnameseHeader, englishHeader] + aliases }
}
