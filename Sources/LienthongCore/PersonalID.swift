/// Sex as recorded in civil-status and population data.
public enum Sex: String, Sendable, Codable, Hashable, CaseIterable {
    /// Nam.
    case male
    /// Nữ.
    case female
}

/// An error about an identifier or a field value.
///
/// `detail` is a fixed phrase written by this module; it never contains the input
/// value, so the error can be logged or rendered into a problem document as is.
///
/// ```swift
/// do { _ = try PersonalID(text) } catch { print(error) }   // "personalId: must be exactly 12 digits"
/// ```
public struct IdentifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the value.
    public enum Code: String, Sendable {
        /// The value has the wrong number of characters.
        case wrongLength
        /// The value contains characters other than ASCII digits.
        case notDigits
        /// The province (or birth-registration place) code is not in the code list.
        case unknownProvince
        /// The birth year is outside the centuries the personal id number can encode (1900–2399).
        case unsupportedCentury
        /// The birth year encoded in a number differs from the stated one.
        case birthYearMismatch
        /// The sex encoded in a number differs from the stated one.
        case sexMismatch
        /// The value does not have the required shape.
        case invalidFormat
        /// The value is not a real calendar date.
        case invalidDate
    }

    /// What is wrong.
    public var code: Code
    /// The name of the field the value came from, e.g. `personalId`.
    public var field: String
    /// A fixed explanation without personal data.
    public var detail: String

    /// Creates an error. `detail` must be a fixed phrase, never an input value.
    public init(_ code: Code, field: String, detail: String) {
        self.code = code
        self.field = field
        self.detail = detail
    }

    /// `"<field>: <detail>"`.
    public var description: String { "\(field): \(detail)" }
}

/// The 12-digit personal identification number (số định danh cá nhân, printed on the CCCD).
///
/// Layout `PPP G YY NNNNNN` (Decree 137/2015/NĐ-CP, Circular 07/2016/TT-BCA): birth-registration
/// province (`0` + the legacy two-digit province code, or a country code when the first digit is not 0),
/// century-and-sex digit, last two digits of the birth year, six random digits. There is no check digit.
///
/// ```swift
/// let id = try PersonalID("075090000123")
/// id.birthYear    // 1990
/// id.sex          // .male
/// id.birthRegistration   // .province(code: "75", name: "Tỉnh Đồng Nai")
/// id.consistencyProblems(birthYear: 1990, sex: .female)   // [sexMismatch]
/// ```
///
/// `description` is redacted, so interpolating a `PersonalID` into a log line does not leak the
/// number; read ``digits`` explicitly where the number is meant to be used. Encodes as a plain JSON string.
public struct PersonalID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 12 ASCII digits.
    public let digits: String

    /// Parses a personal id number: exactly 12 ASCII digits, and a birth-registration prefix that is
    /// either `0` + a legacy province code or a country code (first digit not 0).
    ///
    /// - Parameter field: the field name used in errors.
    public init(_ text: String, field: String = "personalId") throws(IdentifierError) {
        try ASCIIDigits.check(text, length: 12, field: field, name: "personal id number")
        let utf8 = text.utf8
        if utf8.first == UInt8(ascii: "0") {
            let code = String(decoding: utf8.dropFirst().prefix(2), as: UTF8.self)
            guard LegacyProvinces.name(code: code) != nil else {
                throw IdentifierError(.unknownProvince, field: field,
                                      detail: "birth-registration province code is not a known province")
            }
        }
        self.digits = text
    }

    /// Where the birth was registered, as encoded in the first three digits.
    public enum BirthRegistration: Sendable, Hashable {
        /// Registered in Vietnam: the legacy two-digit province code and the province's name before 1 July 2025.
        case province(code: String, name: String)
        /// Registered abroad: the three-digit country code.
        case abroad(countryCode: String)
    }

    /// The birth-registration place. The prefix never changes with administrative reforms; it is read
    /// through the legacy (63-province) list, never the 2025 list.
    public var birthRegistration: BirthRegistration {
        let utf8 = digits.utf8
        if utf8.first == UInt8(ascii: "0") {
            let code = String(digits.dropFirst().prefix(2))
            // The initialiser checked that the code exists.
            return .province(code: code, name: LegacyProvinces.name(code: code) ?? "")
        }
        return .abroad(countryCode: String(digits.prefix(3)))
    }

    /// The century-and-sex digit (position 4).
    public var centurySexDigit: Int { digit(at: 3) }

    /// The sex encoded in the number: an even century-and-sex digit is male, an odd one female.
    public var sex: Sex { centurySexDigit % 2 == 0 ? .male : .female }

    /// The birth year: `1900 + 100·⌊d4/2⌋ + YY`.
    public var birthYear: Int { 1900 + 100 * (centurySexDigit / 2) + digit(at: 4) * 10 + digit(at: 5) }

    /// Compares the number with a stated birth year and sex and returns what disagrees
    /// (`birthYearMismatch`, `sexMismatch`); `nil` statements are not checked.
    public func consistencyProblems(birthYear: Int?, sex: Sex?, field: String = "personalId") -> [IdentifierError] {
        var problems: [IdentifierError] = []
        if let birthYear, birthYear != self.birthYear {
            problems.append(IdentifierError(.birthYearMismatch, field: field,
                                            detail: "birth year encoded in the number differs from the stated birth year"))
        }
        if let sex, sex != self.sex {
            problems.append(IdentifierError(.sexMismatch, field: field,
                                            detail: "sex encoded in the number differs from the stated sex"))
        }
        return problems
    }

    /// The century-and-sex digit for a birth year and sex.
    ///
    /// - Throws: `unsupportedCentury` when the year is outside 1900–2399.
    public static func centurySexDigit(birthYear: Int, sex: Sex, field: String = "personalId") throws(IdentifierError) -> Int {
        guard (1900...2399).contains(birthYear) else {
            throw IdentifierError(.unsupportedCentury, field: field,
                                  detail: "birth year is outside the centuries a personal id number can encode")
        }
        return 2 * ((birthYear - 1900) / 100) + (sex == .male ? 0 : 1)
    }

    /// Builds a number for synthetic data.
    ///
    /// - Parameters:
    ///   - provinceCode: a legacy two-digit province code (`"75"`), or a full three-digit prefix
    ///     (`"075"`, or a country code such as `"840"` for a birth registered abroad).
    ///   - birthYear: 1900–2399.
    ///   - serial: the last six digits, 0–999999.
    /// - Precondition: the arguments give a valid number (a programming error otherwise).
    public static func make(provinceCode: String, birthYear: Int, sex: Sex, serial: Int) -> PersonalID {
        precondition((0...999_999).contains(serial), "serial must be 0...999999")
        let prefix: String
        switch provinceCode.utf8.count {
        case 2: prefix = "0" + provinceCode
        case 3: prefix = provinceCode
        default: preconditionFailure("provinceCode must have 2 or 3 digits")
        }
        let centurySex: Int
        do {
            centurySex = try centurySexDigit(birthYear: birthYear, sex: sex)
        } catch {
            preconditionFailure("birthYear must be 1900...2399")
        }
        let yy = birthYear % 100
        var text = prefix
        text += String(centurySex)
        text += yy < 10 ? "0\(yy)" : String(yy)
        let serialText = String(serial)
        text += String(repeating: "0", count: 6 - serialText.utf8.count) + serialText
        do {
            return try PersonalID(text)
        } catch {
            preconditionFailure("provinceCode is not a legacy province code or a country code")
        }
    }

    /// Orders by the digits.
    public static func < (lhs: PersonalID, rhs: PersonalID) -> Bool { lhs.digits < rhs.digits }

    /// Redacted: never the number itself.
    public var description: String { "PersonalID(redacted)" }
    /// Redacted: never the number itself.
    public var debugDescription: String { description }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try PersonalID(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a JSON string of the digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    private func digit(at offset: Int) -> Int {
        let utf8 = digits.utf8
        return Int(utf8[utf8.index(utf8.startIndex, offsetBy: offset)] &- UInt8(ascii: "0"))
    }
}

/// Validation of fixed-length ASCII digit strings, shared by the identifier types.
enum ASCIIDigits {
    /// Checks that `text` is ASCII digits only (`notDigits`), then that it has `length` of them (`wrongLength`).
    static func check(_ text: String, length: Int, field: String, name: String) throws(IdentifierError) {
        guard try count(text, field: field, name: name) == length else {
            throw IdentifierError(.wrongLength, field: field, detail: "\(name) must have exactly \(length) digits")
        }
    }

    /// Checks that `text` is ASCII digits only and returns how many there are.
    static func count(_ text: String, field: String, name: String) throws(IdentifierError) -> Int {
        var count = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw IdentifierError(.notDigits, field: field, detail: "\(name) must contain only the digits 0-9")
            }
            count += 1
        }
        return count
    }
}
