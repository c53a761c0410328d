public import LienthongCore
import LienthongTabular

/// The parsers behind ``BeneficiaryDraft``, one per kind of cell. Pure functions of the cell; none keeps or
/// reports the value it rejects.
public enum FieldParser {
    /// Trimmed text, `nil` when empty or whitespace only (non-breaking spaces count as whitespace).
    public static func trimmed(_ text: String) -> String? {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return nil }
        return String(scalars[first...last])
    }

    /// A name or place: ``VietnameseName/normalized(_:)`` (NFC, single spaces, tone marks as written), `nil` when
    /// empty.
    public static func text(_ cell: RawCell?) -> String? {
        guard let cell, let text = trimmed(cell.text) else { return nil }
        let normalized = VietnameseName.normalized(text)
        return normalized.isEmpty ? nil : normalized
    }

    /// A personal id number.
    ///
    /// Spaces, dots and dashes are dropped, and a leading apostrophe (Excel's "store as text" mark). A cell that held
    /// a number (`numeric`, or text in scientific notation such as `7.5090000001E+10`) lost its leading zeros:
    /// 10 or 11 digits from such a cell are padded to 12 (`75090000001` → `075090000001`; Hà Nội's `001` prefix
    /// loses two). Text cells are never padded. The result must be a valid ``PersonalID``.
    public static func personalID(_ cell: RawCell?) -> FieldValue<PersonalID> {
        switch digits(cell) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .valid(let value):
            var text = value.digits
            if value.fromNumber, (10...11).contains(text.utf8.count) {
                text = String(repeating: "0", count: 12 - text.utf8.count) + text
            }
            guard let id = try? PersonalID(text) else { return .invalid }
            return .valid(id)
        }
    }

    /// An old CMND number: 9 digits, or 12 digits forming a personal id number. Cleaned like ``personalID(_:)``;
    /// from a number cell 8 digits are padded to 9 and 10–11 digits to 12.
    public static func cmnd(_ cell: RawCell?) -> FieldValue<CMND> {
        switch digits(cell) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .valid(let value):
            var text = value.digits
            if value.fromNumber {
                switch text.utf8.count {
                case 8: text = "0" + text
                case 10, 11: text = String(repeating: "0", count: 12 - text.utf8.count) + text
                default: break
                }
            }
            guard let cmnd = try? CMND(text) else { return .invalid }
            return .valid(cmnd)
        }
    }

    /// The ASCII digits of an identifier cell, and whether they came from a number (so leading zeros may be lost).
    public static func digits(_ cell: RawCell?) -> FieldValue<IdentifierDigits> {
        guard let cell, var text = trimmed(cell.text) else { return .absent }
        if text.hasPrefix("'") { text.removeFirst() }
        if let expanded = expandScientific(text) {
            return expanded.isEmpty ? .invalid : .valid(IdentifierDigits(expanded, fromNumber: true))
        }
        var digits = ""
        digits.reserveCapacity(text.utf8.count)
        if cell.numeric {
            // A number's plain decimal form: an integral value may carry ".0".
            var integral = Substring(text)
            if let dot = text.firstIndex(of: ".") {
                guard text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return .invalid }
                integral = text[..<dot]
            }
            for byte in integral.utf8 {
                guard isDigit(byte) else { return .invalid }
                digits.unicodeScalars.append(Unicode.Scalar(byte))
            }
        } else {
            for scalar in text.unicodeScalars {
                if scalar.isASCII, isDigit(UInt8(scalar.value)) {
                    digits.unicodeScalars.append(scalar)
                } else if scalar == " " || scalar == "." || scalar == "-" || isSpace(scalar) {
                    continue
                } else {
                    return .invalid
                }
            }
        }
        return digits.isEmpty ? .invalid : .valid(IdentifierDigits(digits, fromNumber: cell.numeric))
    }

    /// A date of birth.
    ///
    /// Accepted: `dd/mm/yyyy` and `d/m/yyyy` (also with `-` or `.`), `yyyy-mm-dd` (also `yyyy/mm/dd`), `mm/yyyy`,
    /// `yyyy` alone, `00/00/yyyy` (year only) and `00/mm/yyyy` (month and year), `yyyymmdd`, a trailing time
    /// (`1990-03-15 00:00:00`), and Excel serial day numbers (1900 date system, text digits or number cells): a
    /// whole number of up to 7 digits that is not a year 1800–2199. Two-digit years are refused (ambiguous).
    public static func birthDate(_ cell: RawCell?) -> FieldValue<BirthDate> {
        guard let cell, let text = trimmed(cell.text) else { return .absent }
        guard let date = BirthDateParser.parse(text) else { return .invalid }
        return .valid(date)
    }

    /// Sex: `Nam`, `Nữ` (any case, with or without diacritics), `male`, `female`, `M`, `F`, `trai`, `gái`, and the
    /// statistical coding `1` = male, `2` = female. `0` is refused: some exports use it for female, others for
    /// unknown.
    public static func sex(_ cell: RawCell?) -> FieldValue<Sex> {
        guard let cell, let text = trimmed(cell.text) else { return .absent }
        switch ListHeader.key(wholeNumber(text, numeric: cell.numeric)) {
        case "nam", "male", "m", "trai", "contrai", "betrai", "1": return .valid(.male)
        case "nu", "female", "f", "gai", "congai", "begai", "2": return .valid(.female)
        default: return .invalid
        }
    }

    /// The no-capacity flag: `x`, `có`, `yes`, `y`, `1`, `true`, or a phrase such as "Không còn khả năng giao dịch"
    /// or "Mất năng lực hành vi dân sự" mean yes; `không`, `no`, `n`, `0`, `false`, `-` mean no; an empty cell is
    /// absent (no).
    public static func flag(_ cell: RawCell?) -> FieldValue<Bool> {
        guard let cell, let text = trimmed(cell.text) else { return .absent }
        if text == "-" { return .valid(false) }
        if text == "✓" || text == "✔" { return .valid(true) }
        let key = ListHeader.key(wholeNumber(text, numeric: cell.numeric))
        switch key {
        case "x", "co", "yes", "y", "1", "true", "dung": return .valid(true)
        case "khong", "no", "n", "0", "false", "sai": return .valid(false)
        default:
            for phrase in ["khongconkhanang", "khongcokhanang", "matnangluc", "hanchenangluc", "cannottransact"]
            where key.contains(phrase) {
                return .valid(true)
            }
            return .invalid
        }
    }

    /// Categories, one or more separated by `,`, `;` or a line break (see ``BeneficiaryCategory/parse(_:)``);
    /// invalid when any part is unknown. Duplicates are dropped, order kept.
    public static func categories(_ cell: RawCell?) -> FieldValue<[BeneficiaryCategory]> {
        guard let cell, trimmed(cell.text) != nil else { return .absent }
        var result: [BeneficiaryCategory] = []
        for part in cell.text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" || $0 == "\r\n" }) {
            guard let text = trimmed(String(part)) else { continue }
            guard let category = BeneficiaryCategory.parse(text) else { return .invalid }
            if !result.contains(category) { result.append(category) }
        }
        return result.isEmpty ? .absent : .valid(result)
    }

    /// The account type (``AccountType/parse(_:)``).
    public static func accountType(_ cell: RawCell?) -> FieldValue<AccountType> {
        guard let cell, let text = trimmed(cell.text) else { return .absent }
        guard let type = AccountType.parse(text) else { return .invalid }
        return .valid(type)
    }

    /// An account number: spaces, dots and dashes dropped; then 1–34 ASCII letters or digits (the NAPAS limit).
    /// A number cell in scientific notation is refused (digits were lost).
    public static func accountNumber(_ cell: RawCell?) -> FieldValue<String> {
        guard let cell, var text = trimmed(cell.text) else { return .absent }
        if text.hasPrefix("'") { text.removeFirst() }
        if cell.numeric, let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) {
            text = String(text[..<dot])
        }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "-" || scalar == "." || isSpace(scalar) { continue }
            guard scalar.isASCII, scalar.properties.isAlphabetic || isDigit(UInt8(scalar.value)) else { return .invalid }
            if cell.numeric, scalar == "E" || scalar == "e" { return .invalid }
            result.unicodeScalars.append(scalar)
        }
        guard (1...34).contains(result.utf8.count) else { return .invalid }
        return .valid(result)
    }

    /// A phone number: digits only (spaces, dots, dashes, parentheses dropped), `+84`/`84` prefix → `0`, and a
    /// leading `0` restored for 9 digits from a number cell. Invalid unless 10 or 11 digits result.
    public static func phone(_ cell: RawCell?) -> FieldValue<String> {
        guard let cell, var text = trimmed(cell.text) else { return .absent }
        if text.hasPrefix("'") { text.removeFirst() }
        var digits = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII, isDigit(UInt8(scalar.value)) {
                digits.unicodeScalars.append(scalar)
            } else if " .-()+".unicodeScalars.contains(scalar) || isSpace(scalar) {
                continue
            } else {
                return .invalid
            }
        }
        if digits.hasPrefix("84"), digits.utf8.count == 11 { digits = "0" + digits.dropFirst(2) }
        if cell.numeric, digits.utf8.count == 9 { digits = "0" + digits }
        guard (10...11).contains(digits.utf8.count) else { return .invalid }
        return .valid(digits)
    }

    /// A 5-digit commune code; from a number cell, lost leading zeros (codes of Hà Nội start with `00`) are restored.
    public static func communeCode(_ cell: RawCell?) -> FieldValue<String> {
        switch digits(cell) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .valid(let value):
            var text = value.digits
            if value.fromNumber, text.utf8.count < 5 { text = String(repeating: "0", count: 5 - text.utf8.count) + text }
            return text.utf8.count == 5 ? .valid(text) : .invalid
        }
    }

    /// Expands `7.5090000001E+10` (or `7,509E10`) to the integral digits it denotes; `""` when the number is not a
    /// whole number; `nil` when the text is not in scientific notation.
    static func expandScientific(_ text: String) -> String? {
        guard let e = text.firstIndex(where: { $0 == "E" || $0 == "e" }) else { return nil }
        let mantissa = text[..<e]
        var exponentText = text[text.index(after: e)...]
        if exponentText.hasPrefix("+") { exponentText = exponentText.dropFirst() }
        guard let exponent = Int(exponentText), exponent >= 0, exponent < 40, !mantissa.isEmpty else { return nil }
        var integral = ""
        var fraction = ""
        var seenPoint = false
        for character in mantissa {
            if character == "." || character == "," {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if let ascii = character.asciiValue, isDigit(ascii) {
                if seenPoint { fraction.append(character) } else { integral.append(character) }
            } else {
                return nil
            }
        }
        guard !integral.isEmpty else { return nil }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        guard fraction.utf8.count <= exponent else { return "" }
        var digits = integral + fraction + String(repeating: "0", count: exponent - fraction.utf8.count)
        while digits.hasPrefix("0"), digits.utf8.count > 1 { digits.removeFirst() }
        return digits
    }

    /// A number cell's `1.0` as `1`; other text unchanged.
    static func wholeNumber(_ text: String, numeric: Bool) -> String {
        guard numeric, let dot = text.firstIndex(of: "."),
              text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return text }
        return String(text[..<dot])
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "\u{FEFF}" || scalar == "\u{200B}"
    }
}

/// The digits of an identifier cell and whether they came from a number cell (which drops leading zeros).
public struct IdentifierDigits: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The ASCII digits.
    public var digits: String
    /// Whether the cell held a number (or scientific notation), so leading zeros may have been lost.
    public var fromNumber: Bool

    /// Creates a value.
    public init(_ digits: String, fromNumber: Bool) {
        self.digits = digits
        self.fromNumber = fromNumber
    }

    /// Redacted: never the digits.
    public var description: String { "IdentifierDigits(redacted)" }
}

/// Date-of-birth parsing (see ``FieldParser/birthDate(_:)``).
enum BirthDateParser {
    static func parse(_ raw: String) -> BirthDate? {
        var text = Substring(raw)
        // A trailing time: "1990-03-15 00:00:00", "15/03/1990 0:00", "1990-03-15T00:00:00".
        if let cut = text.firstIndex(where: { $0 == " " || $0 == "T" }) {
            let rest = text[text.index(after: cut)...]
            guard rest.allSatisfy({ $0.isNumber || ":. APMapm".contains($0) }) else { return nil }
            text = text[..<cut]
        }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) { return parseNumber(text) }
        // Whole number with ".0" from a number cell, or a serial with a time fraction.
        if let dot = text.firstIndex(of: "."), text[..<dot].allSatisfy({ $0.isASCII && $0.isNumber }),
           !text[..<dot].isEmpty, text[text.index(after: dot)...].allSatisfy({ $0.isASCII && $0.isNumber }),
           !text[text.index(after: dot)...].isEmpty, text.firstIndex(of: ".") == text.lastIndex(of: ".") {
            let integral = text[..<dot]
            // "15.03" is not a date; a number with a fraction is a serial (or a year) with a time.
            if integral.utf8.count >= 4 { return parseNumber(integral) }
            return nil
        }
        let separators: Set<Character> = ["/", "-", "."]
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count else { return nil }
        switch parts.count {
        case 3 where parts[0].utf8.count == 4 && parts[1].utf8.count <= 2 && parts[2].utf8.count <= 2:
            return make(year: numbers[0], month: numbers[1], day: numbers[2])
        case 3 where parts[2].utf8.count == 4 && parts[0].utf8.count <= 2 && parts[1].utf8.count <= 2:
            return make(year: numbers[2], month: numbers[1], day: numbers[0])
        case 2 where parts[1].utf8.count == 4 && parts[0].utf8.count <= 2:
            return make(year: numbers[1], month: numbers[0], day: 0)
        case 2 where parts[0].utf8.count == 4 && parts[1].utf8.count <= 2:
            return make(year: numbers[0], month: numbers[1], day: 0)
        default:
            return nil
        }
    }

    /// A date written as digits only: a year, an Excel serial, or `yyyymmdd`.
    static func parseNumber(_ digits: Substring) -> BirthDate? {
        guard let value = Int(digits) else { return nil }
        switch digits.utf8.count {
        case 8:
            return make(year: value / 10_000, month: value / 100 % 100, day: value % 100)
        case 1...7:
            if digits.utf8.count == 4, (1800...2199).contains(value) { return .yearOnly(value) }
            return fromExcelSerial(value)
        default:
            return nil
        }
    }

    /// The Excel 1900 date system: serial 1 = 1900-01-01; serial 60 is the non-existent 1900-02-29.
    static func fromExcelSerial(_ serial: Int) -> BirthDate? {
        ExcelDate.date(fromSerial: serial).map { .full($0) }
    }

    static func make(year: Int, month: Int, day: Int) -> BirthDate? {
        guard (1...9999).contains(year) else { return nil }
        if month == 0 { return day == 0 ? .yearOnly(year) : nil }
        guard (1...12).contains(month) else { return nil }
        if day == 0 { return .yearMonth(year: year, month: month) }
        guard let date = try? CalendarDate(year: year, month: month, day: day) else { return nil }
        return .full(date)
    }

    /// The canonical forms `YYYY-MM-DD`, `YYYY-MM`, `YYYY` only.
    static func parseCanonical(_ text: String) -> BirthDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.first?.utf8.count == 4, parts.dropFirst().allSatisfy({ $0.utf8.count == 2 }),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        switch numbers.count {
        case 1: return .yearOnly(numbers[0])
        case 2: return (1...12).contains(numbers[1]) ? .yearMonth(year: numbers[0], month: numbers[1]) : nil
        case 3:
            guard let date = try? CalendarDate(year: numbers[0], month: numbers[1], day: numbers[2]) else { return nil }
            return .full(date)
        default: return nil
        }
    }
}
