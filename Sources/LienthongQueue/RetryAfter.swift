public import Foundation

/// Parsing of the `Retry-After` response header (RFC 9110 §10.2.3).
///
/// ```swift
/// RetryAfter.parse("120", now: now)                              // .seconds(120)
/// RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now)     // time until that instant, .zero if past
/// RetryAfter.parse("-5", now: now)                                // nil
/// ```
public enum RetryAfter {
    /// The default ceiling for a parsed delay: 24 hours. A recipient asking for more is treated as asking for this.
    public static let defaultMaximum: Duration = .seconds(24 * 60 * 60)

    /// Parses a `Retry-After` value into a delay from `now`.
    ///
    /// Accepts `delta-seconds` (`1*DIGIT`) and `HTTP-date`: the preferred IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`) and, as RFC 9110 §5.6.7 asks recipients to, the obsolete
    /// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
    /// Leading and trailing spaces and tabs are ignored. The weekday name must be a real one but is not
    /// checked against the date.
    ///
    /// - Returns: the delay, at most `maximum`; `.zero` for a date not after `now`; `nil` for anything
    ///   else (empty, signs, fractions, junk, impossible dates such as 31 February).
    public static func parse(_ header: String, now: Date, maximum: Duration = defaultMaximum) -> Duration? {
        let bytes = Array(header.utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let value = Array(bytes[start..<end])
        guard !value.isEmpty else { return nil }

        if value.allSatisfy(isDigit) {
            let maximumSeconds = maximum.components.seconds
            var seconds: Int64 = 0
            for digit in value {
                let (times10, overflow) = seconds.multipliedReportingOverflow(by: 10)
                let (next, carry) = times10.addingReportingOverflow(Int64(digit - 0x30))
                guard !overflow, !carry else { return maximum }
                seconds = next
                if seconds > maximumSeconds { return maximum }
            }
            return min(.seconds(seconds), maximum)
        }

        guard let date = parseHTTPDate(value, now: now) else { return nil }
        let delta = date.timeIntervalSince(now)
        if delta <= 0 { return .zero }
        if delta >= maximum.timeInterval { return maximum }
        return .seconds(delta)
    }

    /// Parses an `HTTP-date` (any of the three forms) into an instant; `nil` when it is not one.
    ///
    /// A two-digit RFC 850 year is taken as the latest year with those last two digits that is
    /// not more than 50 years after `now` (RFC 9110 §5.6.7).
    public static func parseHTTPDate(_ text: String, now: Date) -> Date? {
        parseHTTPDate(Array(text.utf8), now: now)
    }

    // MARK: - Implementation

    private static let shortDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private struct Cursor {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func literal(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else { return false }
            index += expected.count
            return true
        }

        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard RetryAfter.isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += count
            return value
        }

        mutating func oneOf(_ names: [String]) -> Int? {
            for (position, name) in names.enumerated() where literal(name) { return position }
            return nil
        }

        /// `hour ":" minute ":" second`.
        mutating func timeOfDay() -> (Int, Int, Int)? {
            guard let hour = digits(2), literal(":"), let minute = digits(2), literal(":"), let second = digits(2) else { return nil }
            return (hour, minute, second)
        }
    }

    private static func parseHTTPDate(_ bytes: [UInt8], now: Date) -> Date? {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        do {
            var cursor = Cursor(bytes: bytes)
            if cursor.oneOf(shortDays) != nil, cursor.literal(", "), let day = cursor.digits(2), cursor.literal(" "),
               let month = cursor.oneOf(months), cursor.literal(" "), let year = cursor.digits(4), cursor.literal(" "),
               let (hour, minute, second) = cursor.timeOfDay(), cursor.literal(" GMT"), cursor.atEnd {
                return makeDate(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
            }
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        do {
            var cursor = Cursor(bytes: bytes)
            if cursor.oneOf(longDays) != nil, cursor.literal(", "), let day = cursor.digits(2), cursor.literal("-"),
               let month = cursor.oneOf(months), cursor.literal("-"), let shortYear = cursor.digits(2), cursor.literal(" "),
               let (hour, minute, second) = cursor.timeOfDay(), cursor.literal(" GMT"), cursor.atEnd {
                return makeDate(year: fullYear(shortYear, now: now), month: month + 1, day: day,
                                hour: hour, minute: minute, second: second)
            }
        }
        // asctime: Sun Nov  6 08:49:37 1994
        do {
            var cursor = Cursor(bytes: bytes)
            if cursor.oneOf(shortDays) != nil, cursor.literal(" "), let month = cursor.oneOf(months), cursor.literal(" ") {
                let day: Int?
                if cursor.literal(" ") { day = cursor.digits(1) } else { day = cursor.digits(2) }
                if let day, cursor.literal(" "), let (hour, minute, second) = cursor.timeOfDay(), cursor.literal(" "),
                   let year = cursor.digits(4), cursor.atEnd {
                    return makeDate(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
                }
            }
        }
        return nil
    }

    private static func fullYear(_ twoDigits: Int, now: Date) -> Int {
        let currentYear = civilYear(of: now)
        var year = currentYear - currentYear % 100 + twoDigits
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    private static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    private static func makeDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        let monthLengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        // IMF-fixdate allows second 60 (a leap second); it is read as the first second of the next minute.
        guard (1...12).contains(month), (1...monthLengths[month - 1]).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The UTC calendar year of an instant (H. Hinnant's `civil_from_days`, year part).
    private static func civilYear(of date: Date) -> Int {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
