/// A date of the proleptic Gregorian calendar without time or zone, e.g. a date of birth.
///
/// ```swift
/// let dob = try CalendarDate(iso: "2000-02-29")
/// dob.iso                                            // "2000-02-29"
/// try CalendarDate(dayMonthYear: "29/02/2000") == dob // true
/// dob.age(on: try CalendarDate(iso: "2025-02-28"))   // 24
/// ```
///
/// Encodes as a `"YYYY-MM-DD"` JSON string; years are limited to 1–9999 so the form has four digits.
public struct CalendarDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The year, 1–9999.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, 1–28/29/30/31.
    public let day: Int

    /// Creates a date, checking that it exists (`invalidDate`), leap years included.
    public init(year: Int, month: Int, day: Int) throws(IdentifierError) {
        try self.init(year: year, month: month, day: day, field: "date")
    }

    /// Creates a date, naming `field` in the error.
    public init(year: Int, month: Int, day: Int, field: String) throws(IdentifierError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysInMonth(year: year, month: month) else {
            throw IdentifierError(.invalidDate, field: field, detail: "not a real calendar date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses strictly `YYYY-MM-DD` (`invalidFormat`), then checks the date exists (`invalidDate`).
    public init(iso: String, field: String = "date") throws(IdentifierError) {
        var parts = (0, 0, 0)
        var index = 0
        for byte in iso.utf8 {
            switch index {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { throw CalendarDate.formatError(field, "YYYY-MM-DD") }
            case 0..<10:
                guard let digit = CalendarDate.digit(byte) else { throw CalendarDate.formatError(field, "YYYY-MM-DD") }
                if index < 4 { parts.0 = parts.0 * 10 + digit } else if index < 7 { parts.1 = parts.1 * 10 + digit } else { parts.2 = parts.2 * 10 + digit }
            default:
                throw CalendarDate.formatError(field, "YYYY-MM-DD")
            }
            index += 1
        }
        guard index == 10 else { throw CalendarDate.formatError(field, "YYYY-MM-DD") }
        try self.init(year: parts.0, month: parts.1, day: parts.2, field: field)
    }

    /// Parses strictly `DD/MM/YYYY`, the form Vietnamese officers write (`invalidFormat`, `invalidDate`).
    public init(dayMonthYear text: String, field: String = "date") throws(IdentifierError) {
        var parts = (0, 0, 0)
        var index = 0
        for byte in text.utf8 {
            switch index {
            case 2, 5:
                guard byte == UInt8(ascii: "/") else { throw CalendarDate.formatError(field, "DD/MM/YYYY") }
            case 0..<10:
                guard let digit = CalendarDate.digit(byte) else { throw CalendarDate.formatError(field, "DD/MM/YYYY") }
                if index < 2 { parts.0 = parts.0 * 10 + digit } else if index < 5 { parts.1 = parts.1 * 10 + digit } else { parts.2 = parts.2 * 10 + digit }
            default:
                throw CalendarDate.formatError(field, "DD/MM/YYYY")
            }
            index += 1
        }
        guard index == 10 else { throw CalendarDate.formatError(field, "DD/MM/YYYY") }
        try self.init(year: parts.2, month: parts.1, day: parts.0, field: field)
    }

    /// The date `days` after 1970-01-01 (negative before it).
    ///
    /// - Precondition: the result lies within years 1–9999.
    /// The date in Vietnam (UTC+7, no daylight saving time) at an instant given as seconds since
    /// 1970-01-01T00:00:00Z (e.g. `Date().timeIntervalSince1970`).
    public static func inVietnam(secondsSince1970 seconds: Double) -> CalendarDate {
        CalendarDate(daysSinceEpoch: Int(((seconds + 7 * 3600) / 86_400).rounded(.down)))
    }

    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        precondition((1...9999).contains(y), "date outside years 1...9999")
        self.year = y
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` later (earlier when negative).
    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Completed years of age on `date` (someone born on 29 February turns a year older on 1 March
    /// in common years).
    public func age(on date: CalendarDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    /// `YYYY-MM-DD`.
    public var iso: String {
        var text = ""
        text.reserveCapacity(10)
        CalendarDate.append(year, width: 4, to: &text)
        text += "-"
        CalendarDate.append(month, width: 2, to: &text)
        text += "-"
        CalendarDate.append(day, width: 2, to: &text)
        return text
    }

    /// `YYYY-MM-DD`.
    public var description: String { iso }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month (0 for a month outside 1–12).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    /// Chronological order.
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes from a `"YYYY-MM-DD"` JSON string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try CalendarDate(iso: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a `"YYYY-MM-DD"` JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func formatError(_ field: String, _ form: String) -> IdentifierError {
        IdentifierError(.invalidFormat, field: field, detail: "date must have the form \(form)")
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
        text += digits
    }
}
