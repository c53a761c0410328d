public import LienthongCore

/// One row of a beneficiary list, parsed and normalised, not yet checked (``QualityCheck``) or verified.
///
/// Names and places are NFC with single spaces and keep their tone-mark style as written (`Hoà` stays `Hoà`);
/// compare them with ``VietnameseName/comparisonKey(_:)``. Each parsed field is a ``FieldValue``: absent, valid, or
/// invalid (the unusable value is not kept). `description` is redacted.
///
/// ```swift
/// let draft = BeneficiaryDraft(ListRow(number: 2, text: [.fullName: "Nguyễn Văn An", .dateOfBirth: "15/03/1990",
///                                                       .personalId: "075090000001"]))
/// draft.effectivePersonalID?.birthYear   // 1990
/// ```
public struct BeneficiaryDraft: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row number in the list.
    public var row: Int

    /// Họ và tên (normalised).
    public var fullName: String?
    /// Ngày sinh.
    public var dateOfBirth: FieldValue<BirthDate>
    /// Giới tính.
    public var sex: FieldValue<Sex>
    /// Số định danh cá nhân. A 9-digit value in that column is moved to ``cmnd`` (lists often have one
    /// "Số CMND/CCCD" column) and this field is then absent.
    public var personalID: FieldValue<PersonalID>
    /// Số CMND (legacy).
    public var cmnd: FieldValue<CMND>
    /// Dân tộc.
    public var ethnicity: String?
    /// Quê quán.
    public var hometown: String?
    /// Nơi thường trú as one text, when the list has that column.
    public var permanentResidence: String?
    /// Xã/phường.
    public var commune: String?
    /// Mã xã (5 digits).
    public var communeCode: FieldValue<String>
    /// Quận/huyện.
    public var district: String?
    /// Tỉnh/thành phố.
    public var province: String?
    /// Đối tượng.
    public var categories: FieldValue<[BeneficiaryCategory]>
    /// Số tài khoản (letters and digits only).
    public var accountNumber: FieldValue<String>
    /// Loại tài khoản as written; see ``effectiveAccountType``.
    public var accountType: FieldValue<AccountType>
    /// Ngân hàng / nhà cung cấp as written (normalised).
    public var bankOrProvider: String?
    /// The BIN of the bank ``bankOrProvider`` names, when it names a known bank.
    public var bankBIN: String?
    /// Số điện thoại (digits, leading 0).
    public var phone: FieldValue<String>
    /// Người được ủy quyền/giám hộ.
    public var authorisedName: String?
    /// Số định danh of the authorised person or guardian.
    public var authorisedPersonalID: FieldValue<PersonalID>
    /// Quan hệ với đối tượng.
    public var guardianRelation: String?
    /// Họ tên cha/mẹ/người giám hộ as one column.
    public var parentName: String?
    /// Họ tên cha.
    public var fatherName: String?
    /// Họ tên mẹ.
    public var motherName: String?
    /// Nơi đăng ký khai sinh.
    public var birthRegistrationPlace: String?
    /// Không còn khả năng giao dịch (absent = no).
    public var noCapacity: FieldValue<Bool>
    /// Ghi chú.
    public var notes: String?

    /// Parses a row. `banks` resolves the "Ngân hàng" cell to a BIN.
    public init(_ row: ListRow, banks: BankMatcher = .standard) {
        self.row = row.number
        fullName = FieldParser.text(row[.fullName])
        dateOfBirth = FieldParser.birthDate(row[.dateOfBirth])
        sex = FieldParser.sex(row[.sex])
        var cmndValue = FieldParser.cmnd(row[.cmnd])
        var personal = FieldParser.personalID(row[.personalId])
        if personal.isInvalid, case .valid(let digits) = FieldParser.digits(row[.personalId]),
           digits.digits.utf8.count == 9 || (digits.fromNumber && digits.digits.utf8.count == 8) {
            // A CMND in a combined "Số CMND/CCCD" column.
            let moved = FieldParser.cmnd(row[.personalId])
            if cmndValue.isAbsent {
                cmndValue = moved
                personal = .absent
            } else if moved == cmndValue {
                personal = .absent
            }
        }
        personalID = personal
        cmnd = cmndValue
        ethnicity = FieldParser.text(row[.ethnicity])
        hometown = FieldParser.text(row[.hometown])
        permanentResidence = FieldParser.text(row[.permanentResidence])
        commune = FieldParser.text(row[.commune])
        communeCode = FieldParser.communeCode(row[.communeCode])
        district = FieldParser.text(row[.district])
        province = FieldParser.text(row[.province])
        categories = FieldParser.categories(row[.category])
        accountNumber = FieldParser.accountNumber(row[.accountNumber])
        accountType = FieldParser.accountType(row[.accountType])
        bankOrProvider = FieldParser.text(row[.bankOrProvider])
        bankBIN = bankOrProvider.flatMap { banks.bank(for: $0)?.bin }
        phone = FieldParser.phone(row[.phone])
        authorisedName = FieldParser.text(row[.authorisedName])
        authorisedPersonalID = FieldParser.personalID(row[.authorisedPersonalId])
        guardianRelation = FieldParser.text(row[.guardianRelation])
        parentName = FieldParser.text(row[.parentName])
        fatherName = FieldParser.text(row[.fatherName])
        motherName = FieldParser.text(row[.motherName])
        birthRegistrationPlace = FieldParser.text(row[.birthRegistrationPlace])
        noCapacity = FieldParser.flag(row[.noCapacity])
        notes = FieldParser.text(row[.notes])
    }

    /// The personal id number to verify with: ``personalID``, else a 12-digit ``cmnd`` (which equals the personal
    /// id number, REFERENCE.md).
    public var effectivePersonalID: PersonalID? {
        personalID.value ?? cmnd.value?.personalID
    }

    /// A parent's name for `population.request-personal-id`: ``parentName``, else ``motherName``, else
    /// ``fatherName``, else the guardian (``authorisedName``): the checklist's "cha/mẹ/người giám hộ".
    public var parentOrGuardianName: String? {
        parentName ?? motherName ?? fatherName ?? authorisedName
    }

    /// The permanent residence as one text: the column itself, else "commune, district, province" from the parts.
    public var residence: String? {
        if let permanentResidence { return permanentResidence }
        let parts = [commune, district, province].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The account type: as written, else ``AccountType/bank`` when the provider is a known bank.
    public var effectiveAccountType: AccountType? {
        accountType.value ?? (bankBIN != nil ? .bank : nil)
    }

    /// The account to pay into: ``accountNumber``, else for e-wallets and mobile money the ``phone`` number
    /// (such accounts are keyed by phone number).
    public var effectiveAccountNumber: String? {
        if let number = accountNumber.value { return number }
        switch accountType.value {
        case .eWallet?, .mobileMoney?: return phone.value
        default: return nil
        }
    }

    /// Whether the beneficiary cannot transact (absent or unreadable flag: no).
    public var cannotTransact: Bool { noCapacity.value ?? false }

    /// Whether the person is a child (under `ageLimit`, 16 by the Law on Children) on `date`: by the date of birth
    /// (a partial date counts from its earliest day), or, without a usable date, by the ``BeneficiaryCategory/child``
    /// category.
    public func isChild(on date: CalendarDate, ageLimit: Int = QualityCheck.childAgeLimit) -> Bool {
        if let birth = dateOfBirth.value { return birth.age(on: date) < ageLimit }
        return categories.value?.contains(.child) ?? false
    }

    /// Redacted: the row number only.
    public var description: String { "BeneficiaryDraft(row \(row), redacted)" }
}
