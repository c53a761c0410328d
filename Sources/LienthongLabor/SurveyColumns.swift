public import LienthongCore
public import LienthongRegistry
import LienthongTabular

/// A column of a commune's labour-supply survey list (form 01 fields, CSV or XLSX; the same import rules as the
/// registry's beneficiary lists: headers in Vietnamese with or without diacritics, or in English, in any order).
///
/// Headers are matched through ``HeaderKey/normalize(_:)``, which ignores case, diacritics, spaces and
/// punctuation. The raw value is the stable English code used in errors and JSON (the `labor.worker-records`
/// member names).
public enum SurveyColumn: String, Sendable, Hashable, Codable, CaseIterable {
    /// Số định danh cá nhân (required).
    case personalId
    /// Họ và tên (required).
    case fullName
    /// Ngày sinh, a full date (required).
    case dateOfBirth
    /// Giới tính (required).
    case sex
    /// Dân tộc.
    case ethnicity
    /// Mã huyện, 3 digits (required).
    case districtCode
    /// Mã xã, 5 digits (required).
    case communeCode
    /// Thành thị / nông thôn (required).
    case area
    /// Trình độ giáo dục phổ thông.
    case education
    /// Trình độ chuyên môn kỹ thuật.
    case qualification
    /// Chuyên ngành đào tạo.
    case fieldOfStudy
    /// Tình trạng việc làm (required).
    case employmentStatus
    /// Công việc chính.
    case jobTitle
    /// Vị trí việc làm.
    case position
    /// Nơi làm việc.
    case workplace
    /// Loại hình nơi làm việc.
    case establishment
    /// Ngành kinh tế (VSIC section).
    case sector
    /// Công việc trước đây.
    case previousJob
    /// Thời gian thất nghiệp (tháng).
    case unemploymentMonths
    /// Lý do không tham gia hoạt động kinh tế.
    case inactivityReason
    /// Nhu cầu đào tạo.
    case wantsTraining
    /// Nhu cầu việc làm.
    case wantsJob
    /// Thu nhập bình quân tháng.
    case incomeBand
    /// Tham gia BHXH.
    case socialInsurance
    /// Ngày cập nhật thông tin (defaults to the import's date).
    case asOf

    /// The columns a survey list must have.
    public static let required: [SurveyColumn] = [
        .personalId, .fullName, .dateOfBirth, .sex, .districtCode, .communeCode, .area, .employmentStatus,
    ]

    /// Whether a list without this column is refused.
    public var isRequired: Bool { SurveyColumn.required.contains(self) }

    /// The header as officers write it, used in exports and in the error naming a missing column.
    public var vietnameseHeader: String {
        switch self {
        case .personalId: "Số định danh cá nhân"
        case .fullName: "Họ và tên"
        case .dateOfBirth: "Ngày sinh"
        case .sex: "Giới tính"
        case .ethnicity: "Dân tộc"
        case .districtCode: "Mã huyện"
        case .communeCode: "Mã xã"
        case .area: "Thành thị/Nông thôn"
        case .education: "Trình độ giáo dục phổ thông"
        case .qualification: "Trình độ chuyên môn kỹ thuật"
        case .fieldOfStudy: "Chuyên ngành"
        case .employmentStatus: "Tình trạng việc làm"
        case .jobTitle: "Công việc chính"
        case .position: "Vị trí việc làm"
        case .workplace: "Nơi làm việc"
        case .establishment: "Loại hình nơi làm việc"
        case .sector: "Ngành kinh tế"
        case .previousJob: "Công việc trước đây"
        case .unemploymentMonths: "Thời gian thất nghiệp (tháng)"
        case .inactivityReason: "Lý do không tham gia hoạt động kinh tế"
        case .wantsTraining: "Nhu cầu đào tạo"
        case .wantsJob: "Nhu cầu việc làm"
        case .incomeBand: "Thu nhập bình quân tháng"
        case .socialInsurance: "Tham gia BHXH"
        case .asOf: "Ngày cập nhật"
        }
    }

    /// The English header, accepted on import and used in English exports.
    public var englishHeader: String {
        switch self {
        case .personalId: "Personal id"
        case .fullName: "Full name"
        case .dateOfBirth: "Date of birth"
        case .sex: "Sex"
        case .ethnicity: "Ethnicity"
        case .districtCode: "District code"
        case .communeCode: "Commune code"
        case .area: "Urban/rural"
        case .education: "Education"
        case .qualification: "Qualification"
        case .fieldOfStudy: "Field of study"
        case .employmentStatus: "Employment status"
        case .jobTitle: "Job title"
        case .position: "Position"
        case .workplace: "Workplace"
        case .establishment: "Establishment type"
        case .sector: "Economic sector"
        case .previousJob: "Previous job"
        case .unemploymentMonths: "Unemployment months"
        case .inactivityReason: "Inactivity reason"
        case .wantsTraining: "Wants training"
        case .wantsJob: "Wants job"
        case .incomeBand: "Monthly income"
        case .socialInsurance: "Social insurance"
        case .asOf: "As of"
        }
    }

    /// Further accepted headers (each wording once: diacritics, case and punctuation do not matter).
    public var aliases: [String] {
        switch self {
        case .personalId:
            ["Số định danh", "Mã định danh", "Mã định danh cá nhân", "Số ĐDCN", "ĐDCN", "Số CCCD", "CCCD",
             "Căn cước công dân", "Số căn cước công dân", "Số căn cước", "Số CCCD/ĐDCN", "Personal id number",
             "Personal_id", "National id", "Citizen id", "Id number"]
        case .fullName:
            ["Họ tên", "Họ, chữ đệm và tên", "Họ, tên đệm, tên", "Họ và tên người lao động", "Name", "Fullname"]
        case .dateOfBirth:
            ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Ngày/tháng/năm sinh", "Sinh ngày", "NS", "DOB",
             "Birth date", "Birthdate"]
        case .sex:
            ["GT", "Giới", "Nam/nữ", "Gender"]
        case .ethnicity:
            ["Ethnic group"]
        case .districtCode:
            ["Mã quận/huyện", "Mã huyện/quận", "Mã quận", "Mã đơn vị hành chính cấp huyện", "District_code"]
        case .communeCode:
            ["Mã xã/phường", "Mã phường/xã", "Mã phường", "Mã đơn vị hành chính cấp xã", "Ward code", "Commune_code"]
        case .area:
            ["Khu vực", "Thành thị/nông thôn", "Thành thị, nông thôn", "TT/NT", "Urban rural", "Area", "Urban_rural"]
        case .education:
            ["Trình độ GDPT", "Trình độ học vấn", "Học vấn", "Trình độ văn hóa", "Giáo dục phổ thông",
             "General education", "Education level"]
        case .qualification:
            ["Trình độ CMKT", "Trình độ chuyên môn", "Chuyên môn kỹ thuật", "Bằng cấp, chứng chỉ", "Bằng cấp",
             "Professional qualification"]
        case .fieldOfStudy:
            ["Chuyên ngành đào tạo", "Ngành đào tạo", "Ngành học", "Field"]
        case .employmentStatus:
            ["Tình trạng hoạt động kinh tế", "Tình trạng HĐKT", "Tình trạng việc làm hiện nay", "Tình trạng",
             "Employment", "Status", "Activity status"]
        case .jobTitle:
            ["Công việc", "Công việc chính hiện nay", "Nghề nghiệp", "Việc làm", "Job", "Occupation"]
        case .position:
            ["Vị trí", "Chức vụ", "Vị trí công việc", "Job position"]
        case .workplace:
            ["Tên nơi làm việc", "Đơn vị làm việc", "Nơi làm việc hiện nay", "Tên cơ sở", "Employer", "Place of work"]
        case .establishment:
            ["Loại hình", "Loại hình cơ sở", "Loại hình doanh nghiệp", "Khu vực làm việc", "Establishment",
             "Type of establishment", "Workplace type"]
        case .sector:
            ["Ngành", "Ngành nghề", "Ngành kinh tế (VSIC)", "Ngành VSIC", "Lĩnh vực", "Sector", "Industry",
             "VSIC section"]
        case .previousJob:
            ["Công việc trước", "Công việc đã làm trước đây", "Previous occupation"]
        case .unemploymentMonths:
            ["Thời gian thất nghiệp", "Số tháng thất nghiệp", "Thất nghiệp (tháng)", "Unemployment duration",
             "Months unemployed", "Unemployment duration (months)"]
        case .inactivityReason:
            ["Lý do không tham gia HĐKT", "Lý do không tham gia", "Lý do không làm việc", "Reason not in labour force",
             "Reason not in labor force", "Inactivity"]
        case .wantsTraining:
            ["Có nhu cầu đào tạo", "Nhu cầu học nghề", "Training need", "Needs training"]
        case .wantsJob:
            ["Có nhu cầu việc làm", "Nhu cầu tìm việc", "Job need", "Needs job", "Wants a job"]
        case .incomeBand:
            ["Thu nhập", "Thu nhập bình quân", "Thu nhập bình quân/tháng", "Mức thu nhập", "Income", "Income band",
             "Monthly income band"]
        case .socialInsurance:
            ["BHXH", "Tham gia bảo hiểm xã hội", "Bảo hiểm xã hội", "Loại hình BHXH", "Social insurance participation"]
        case .asOf:
            ["Ngày cập nhật thông tin", "Ngày thu thập", "Ngày điều tra", "Ngày khảo sát", "Updated", "Survey date",
             "As_of", "Date"]
        }
    }

    /// Every accepted header: Vietnamese, English, then aliases.
    public var acceptedHeaders: [String] { [vietnameseHeader, englishHeader] + aliases }

    /// The column a header names, `nil` when it names none.
    public static func column(for header: String) -> SurveyColumn? { table[HeaderKey.normalize(header)] }

    /// Key → column. A key never names two columns (checked by the tests).
    static let table: [String: SurveyColumn] = {
        var table: [String: SurveyColumn] = [:]
        for column in allCases {
            for header in column.acceptedHeaders {
                let key = HeaderKey.normalize(header)
                if table[key] == nil { table[key] = column }
            }
        }
        return table
    }()
}

/// Why a survey list's header row cannot be used. Names the column, never a cell's value.
public struct LaborImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable, Codable {
        /// A required column is absent (``LaborImportError/column`` names it).
        case missingColumn = "missing-column"
        /// Two header cells name the same column (``LaborImportError/positions`` says where).
        case duplicateColumn = "duplicate-column"
    }

    /// What is wrong.
    public var code: Code
    /// The column concerned.
    public var column: SurveyColumn
    /// 0-based positions of the header cells concerned (empty for a missing column).
    public var positions: [Int]
    /// A fixed message, Vietnamese then English, naming the column.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, column: SurveyColumn, positions: [Int] = [], message: String) {
        self.code = code
        self.column = column
        self.positions = positions
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Why one survey row cannot become a ``WorkerRecord``: the row, the column and a fixed reason. Never the value.
public struct LaborRowError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What is wrong with the cell.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// A required value is empty.
        case missing
        /// The value cannot be read as this column's kind of value.
        case invalid
        /// A date of birth with only a year (or month and year): workers need a full date.
        case incompleteDate = "incomplete-date"
        /// The personal id number encodes another birth year than the date of birth.
        case birthYearMismatch = "birth-year-mismatch"
        /// The personal id number encodes the other sex.
        case sexMismatch = "sex-mismatch"
        /// The date of birth is after the record's as-of date.
        case afterAsOf = "after-as-of"
        /// A text longer than ``SurveyHeader/maxTextLength``.
        case tooLong = "too-long"

        /// The fixed explanation.
        public var text: String {
            switch self {
            case .missing: "required value is missing"
            case .invalid: "value cannot be read"
            case .incompleteDate: "full date of birth required"
            case .birthYearMismatch: "personal id number does not match the birth year"
            case .sexMismatch: "personal id number does not match the sex"
            case .afterAsOf: "date of birth is after the as-of date"
            case .tooLong: "text is too long"
            }
        }
    }

    /// The row number as the officer sees it.
    public var row: Int
    /// The column at fault.
    public var column: SurveyColumn
    /// What is wrong.
    public var reason: Reason

    /// Creates an error.
    public init(row: Int, column: SurveyColumn, reason: Reason) {
        self.row = row
        self.column = column
        self.reason = reason
    }

    /// `row N, <Vietnamese header> (<code>): <reason>`; never the value.
    public var description: String { "row \(row), \(column.vietnameseHeader) (\(column.rawValue)): \(reason.text)" }
}

/// Where each survey column sits in a list, and how a row becomes a ``WorkerRecord``.
///
/// ```swift
/// let header = try SurveyHeader.map(headerCells)
/// switch header.record(row: 2, cells: cells, defaultAsOf: today) {
/// case .success(let record): …
/// case .failure(let error): print(error)   // "row 2, Ngày sinh (dateOfBirth): full date of birth required"
/// }
/// ```
public struct SurveyHeader: Sendable, Hashable {
    /// Longest accepted free text (names, job titles, workplaces…), in characters.
    public static let maxTextLength = 200
    /// Longest accepted unemployment duration, in months.
    public static let maxUnemploymentMonths = 600

    /// 0-based position of each recognised column.
    public let positions: [SurveyColumn: Int]
    /// How many header cells the list has.
    public let width: Int
    /// 0-based positions of non-empty header cells that name no column (ignored).
    public let unrecognised: [Int]

    /// Creates a header from known positions; ``map(_:)`` is the usual way.
    public init(positions: [SurveyColumn: Int], width: Int, unrecognised: [Int] = []) {
        self.positions = positions
        self.width = width
        self.unrecognised = unrecognised
    }

    /// The position of `column`, `nil` when the list lacks it.
    public func position(of column: SurveyColumn) -> Int? { positions[column] }

    /// Maps a header row to column positions, in any order; empty header cells are skipped.
    ///
    /// - Throws: ``LaborImportError`` `missingColumn` naming the first missing column of ``SurveyColumn/required``,
    ///   or `duplicateColumn` when two header cells name the same column.
    public static func map(_ headers: [String]) throws(LaborImportError) -> SurveyHeader {
        var positions: [SurveyColumn: Int] = [:]
        var unrecognised: [Int] = []
        for (position, header) in headers.enumerated() {
            let key = HeaderKey.normalize(header)
            guard !key.isEmpty else { continue }
            guard let column = SurveyColumn.table[key] else {
                unrecognised.append(position)
                continue
            }
            if let first = positions[column] {
                throw LaborImportError(
                    .duplicateColumn, column: column, positions: [first, position],
                    message: "Cột \"\(column.vietnameseHeader)\" xuất hiện hai lần (cột \(first + 1) và \(position + 1)) / "
                        + "column \"\(column.englishHeader)\" appears twice (columns \(first + 1) and \(position + 1))")
            }
            positions[column] = position
        }
        for column in SurveyColumn.required where positions[column] == nil {
            throw LaborImportError(
                .missingColumn, column: column,
                message: "Thiếu cột bắt buộc \"\(column.vietnameseHeader)\" / required column \"\(column.englishHeader)\" is missing")
        }
        return SurveyHeader(positions: positions, width: headers.count, unrecognised: unrecognised)
    }

    /// Reads one data row.
    ///
    /// Values are read with the registry's parsers (``FieldParser``): personal id (a number cell's lost leading
    /// zeros restored), dates (`dd/mm/yyyy`, `yyyy-mm-dd`, Excel serials…), sex (`Nam`/`Nữ`…), commune code, yes/no
    /// flags (`có`/`không`, `x`…); the enums through their `init?(surveyText:)`. The first problem found, in column
    /// order of ``SurveyColumn``, is returned; then the consistency checks (the personal id number against the birth
    /// year and sex, the date of birth not after the as-of date).
    ///
    /// Defaults for absent optional values: education and qualification `none`, income band `unknown`, social
    /// insurance `none`, as-of date `defaultAsOf`. Record source: ``WorkerRecordSource/survey``.
    ///
    /// - Parameters:
    ///   - row: the row number as the officer sees it (the header is row 1), used in errors.
    ///   - cells: the row's cells in header order; `nil` for an empty cell.
    ///   - defaultAsOf: the as-of date when the list has no ``SurveyColumn/asOf`` value.
    public func record(row: Int, cells: [RawCell?], defaultAsOf: CalendarDate) -> Result<WorkerRecord, LaborRowError> {
        func cell(_ column: SurveyColumn) -> RawCell? {
            guard let position = positions[column], position < cells.count else { return nil }
            return cells[position]
        }
        func fail(_ column: SurveyColumn, _ reason: LaborRowError.Reason) -> Result<WorkerRecord, LaborRowError> {
            .failure(LaborRowError(row: row, column: column, reason: reason))
        }
        func required<T>(_ value: FieldValue<T>) -> LaborRowError.Reason? {
            switch value {
            case .absent: .missing
            case .invalid: .invalid
            case .valid: nil
            }
        }

        // Identity.
        let idValue = FieldParser.personalID(cell(.personalId))
        guard let personalID = idValue.value else { return fail(.personalId, required(idValue) ?? .invalid) }
        guard let fullNameText = FieldParser.text(cell(.fullName)) else { return fail(.fullName, .missing) }
        guard fullNameText.count <= SurveyHeader.maxTextLength else { return fail(.fullName, .tooLong) }
        let birthValue = FieldParser.birthDate(cell(.dateOfBirth))
        guard let birth = birthValue.value else { return fail(.dateOfBirth, required(birthValue) ?? .invalid) }
        guard let dateOfBirth = birth.fullDate else { return fail(.dateOfBirth, .incompleteDate) }
        let sexValue = FieldParser.sex(cell(.sex))
        guard let sex = sexValue.value else { return fail(.sex, required(sexValue) ?? .invalid) }
        let ethnicity: String?
        switch optionalText(cell(.ethnicity)) {
        case .failure(let reason): return fail(.ethnicity, reason)
        case .success(let value): ethnicity = value
        }

        // Residence.
        let districtValue = SurveyHeader.districtCode(cell(.districtCode))
        guard let districtCode = districtValue.value else {
            return fail(.districtCode, required(districtValue) ?? .invalid)
        }
        let communeValue = FieldParser.communeCode(cell(.communeCode))
        guard let communeCode = communeValue.value else {
            return fail(.communeCode, required(communeValue) ?? .invalid)
        }
        let areaValue = SurveyHeader.parse(cell(.area), AreaType.init(surveyText:))
        guard let area = areaValue.value else { return fail(.area, required(areaValue) ?? .invalid) }

        // Education.
        let educationValue = SurveyHeader.parse(cell(.education), EducationLevel.init(surveyText:))
        if educationValue.isInvalid { return fail(.education, .invalid) }
        let qualificationValue = SurveyHeader.parse(cell(.qualification), Qualification.init(surveyText:))
        if qualificationValue.isInvalid { return fail(.qualification, .invalid) }
        var texts: [SurveyColumn: String] = [:]
        for column in [SurveyColumn.fieldOfStudy] {
            switch optionalText(cell(column)) {
            case .failure(let reason): return fail(column, reason)
            case .success(let value): texts[column] = value
            }
        }

        // Activity.
        let statusValue = SurveyHeader.parse(cell(.employmentStatus), EmploymentStatus.init(surveyText:))
        guard let status = statusValue.value else {
            return fail(.employmentStatus, required(statusValue) ?? .invalid)
        }
        for column in [SurveyColumn.jobTitle, .position, .workplace] {
            switch optionalText(cell(column)) {
            case .failure(let reason): return fail(column, reason)
            case .success(let value): texts[column] = value
            }
        }
        let establishmentValue = SurveyHeader.parse(cell(.establishment), EstablishmentType.init(surveyText:))
        if establishmentValue.isInvalid { return fail(.establishment, .invalid) }
        let sectorValue = SurveyHeader.parse(cell(.sector), EconomicSector.init(surveyText:))
        if sectorValue.isInvalid { return fail(.sector, .invalid) }
        switch optionalText(cell(.previousJob)) {
        case .failure(let reason): return fail(.previousJob, reason)
        case .success(let value): texts[.previousJob] = value
        }
        let monthsValue = SurveyHeader.months(cell(.unemploymentMonths))
        if monthsValue.isInvalid { return fail(.unemploymentMonths, .invalid) }
        let reasonValue = SurveyHeader.parse(cell(.inactivityReason), InactivityReason.init(surveyText:))
        if reasonValue.isInvalid { return fail(.inactivityReason, .invalid) }
        let trainingValue = FieldParser.flag(cell(.wantsTraining))
        if trainingValue.isInvalid { return fail(.wantsTraining, .invalid) }
        let jobValue = FieldParser.flag(cell(.wantsJob))
        if jobValue.isInvalid { return fail(.wantsJob, .invalid) }
        let incomeValue = SurveyHeader.parse(cell(.incomeBand), IncomeBand.init(surveyText:))
        if incomeValue.isInvalid { return fail(.incomeBand, .invalid) }
        let insuranceValue = SurveyHeader.parse(cell(.socialInsurance), SocialInsuranceParticipation.init(surveyText:))
        if insuranceValue.isInvalid { return fail(.socialInsurance, .invalid) }
        let asOf: CalendarDate
        switch FieldParser.birthDate(cell(.asOf)) {
        case .absent: asOf = defaultAsOf
        case .invalid: return fail(.asOf, .invalid)
        case .valid(let date):
            guard let full = date.fullDate else { return fail(.asOf, .incompleteDate) }
            asOf = full
        }

        // Consistency.
        if let problem = personalID.consistencyProblems(birthYear: dateOfBirth.year, sex: sex).first {
            return fail(.personalId, problem.code == .sexMismatch ? .sexMismatch : .birthYearMismatch)
        }
        if dateOfBirth > asOf { return fail(.dateOfBirth, .afterAsOf) }

        return .success(WorkerRecord(
            personalID: personalID, fullName: fullNameText, dateOfBirth: dateOfBirth, sex: sex, ethnicity: ethnicity,
            districtCode: districtCode, communeCode: communeCode, area: area,
            education: educationValue.value ?? .none, qualification: qualificationValue.value ?? .none,
            fieldOfStudy: texts[.fieldOfStudy],
            employmentStatus: status, jobTitle: texts[.jobTitle], position: texts[.position],
            workplace: texts[.workplace], establishment: establishmentValue.value, sector: sectorValue.value,
            previousJob: texts[.previousJob], unemploymentMonths: monthsValue.value,
            inactivityReason: reasonValue.value, wantsTraining: trainingValue.value, wantsJob: jobValue.value,
            incomeBand: incomeValue.value ?? .unknown, socialInsurance: insuranceValue.value ?? .none,
            asOf: asOf, source: .survey))
    }

    /// Optional free text: `nil` when empty, refused when longer than ``maxTextLength``.
    private func optionalText(_ cell: RawCell?) -> TextValue {
        guard let text = FieldParser.text(cell) else { return .success(nil) }
        return text.count <= SurveyHeader.maxTextLength ? .success(text) : .failure(.tooLong)
    }

    /// An optional text or the reason it is refused.
    private enum TextValue {
        case success(String?)
        case failure(LaborRowError.Reason)
    }

    /// An enum value through its `init?(surveyText:)`.
    static func parse<T>(_ cell: RawCell?, _ make: (String) -> T?) -> FieldValue<T> {
        guard let cell, let text = FieldParser.trimmed(cell.text) else { return .absent }
        let whole = FieldParser.wholeNumberText(text, numeric: cell.numeric)
        guard let value = make(whole) else { return .invalid }
        return .valid(value)
    }

    /// A 3-digit district code; from a number cell, lost leading zeros (Hà Nội's `001`…) are restored.
    static func districtCode(_ cell: RawCell?) -> FieldValue<String> {
        switch FieldParser.digits(cell) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .valid(let value):
            var text = value.digits
            if value.fromNumber, text.utf8.count < 3 { text = String(repeating: "0", count: 3 - text.utf8.count) + text }
            return text.utf8.count == 3 ? .valid(text) : .invalid
        }
    }

    /// Whole months, 0…``maxUnemploymentMonths`` (a number cell's `3.0` is 3).
    static func months(_ cell: RawCell?) -> FieldValue<Int> {
        guard let cell, let text = FieldParser.trimmed(cell.text) else { return .absent }
        let whole = FieldParser.wholeNumberText(text, numeric: cell.numeric)
        guard !whole.isEmpty, whole.utf8.count <= 4,
              whole.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let months = Int(whole), months <= maxUnemploymentMonths else { return .invalid }
        return .valid(months)
    }
}

extension FieldParser {
    /// A number cell's `1.0` as `1`; other text unchanged (the registry's own helper is internal).
    static func wholeNumberText(_ text: String, numeric: Bool) -> String {
        guard numeric, let dot = text.firstIndex(of: "."),
              text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return text }
        return String(text[..<dot])
    }
}
