public import Foundation
import LienthongCore

/// Number, date and duration formatting for the console, written out by hand so the output does not depend on the
/// machine's locale data: Vietnamese uses `.` to group thousands and `,` for decimals (`12.345`, `62,4 %`),
/// English the reverse (`12,345`, `62.4%`).
public enum ConsoleFormat {
    /// The dash shown for a suppressed or missing value.
    public static let suppressed = "—"

    /// `value` with thousands grouped (`12.345` / `12,345`).
    public static func integer(_ value: Int, _ language: ConsoleLanguage) -> String {
        let separator: Character = language == .vi ? "." : ","
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(separator) }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// `value`, or the dash when it is `nil` (suppressed).
    public static func integer(_ value: Int?, _ language: ConsoleLanguage) -> String {
        value.map { integer($0, language) } ?? suppressed
    }

    /// A rate in `0…1` as a percentage with one decimal (`62,4 %` / `62.4%`); the dash when `nil` or not finite.
    public static func percent(_ rate: Double?, _ language: ConsoleLanguage) -> String {
        guard let rate, rate.isFinite else { return suppressed }
        let tenths = Int((rate * 1000).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        let text = "\(sign)\(integer(Int(magnitude / 10), language))\(language == .vi ? "," : ".")\(magnitude % 10)"
        return language == .vi ? text + " %" : text + "%"
    }

    /// `date` as `yyyy-MM-dd HH:mm` at the given offset from UTC (seconds; Vietnam is +25200).
    public static func dateTime(_ date: Date, offsetSeconds: Int) -> String {
        let (day, secondOfDay) = split(date, offsetSeconds: offsetSeconds)
        return "\(day.iso) \(pad2(secondOfDay / 3600)):\(pad2(secondOfDay % 3600 / 60))"
    }

    /// `date` as `yyyy-MM-dd` at the given offset from UTC (seconds).
    public static func date(_ date: Date, offsetSeconds: Int) -> String {
        split(date, offsetSeconds: offsetSeconds).day.iso
    }

    /// An offset from UTC as `UTC+07:00`.
    public static func utcOffset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return "UTC\(sign)\(pad2(minutes / 60)):\(pad2(minutes % 60))"
    }

    /// A duration in whole seconds as days, hours and minutes (`3 ngày 4 giờ 5 phút` / `3 d 4 h 5 min`).
    public static func duration(seconds: Int, _ language: ConsoleLanguage) -> String {
        let total = max(0, seconds)
        let days = total / 86_400
        let hours = total % 86_400 / 3_600
        let minutes = total % 3_600 / 60
        var parts: [String] = []
        if days > 0 { parts.append("\(days) \(language.pick("ngày", "d"))") }
        if days > 0 || hours > 0 { parts.append("\(hours) \(language.pick("giờ", "h"))") }
        parts.append("\(minutes) \(language.pick("phút", "min"))")
        return parts.joined(separator: " ")
    }

    /// The first `length` characters of a hash followed by `…` when it is longer.
    public static func shortHash(_ hash: String, length: Int = 16) -> String {
        hash.count > length ? String(hash.prefix(length)) + "…" : hash
    }

    /// A number for SVG attributes: rounded to one decimal, without a trailing `.0` (`120`, `47.5`).
    static func svg(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    private static func split(_ date: Date, offsetSeconds: Int) -> (day: CalendarDate, secondOfDay: Int) {
        // Clamped to years 1…9999 (CalendarDate's range), so a corrupt timestamp cannot trap.
        let limit = 253_402_300_799.0  // 9999-12-31T23:59:59Z
        let raw = date.timeIntervalSince1970
        let clamped = raw.isFinite ? min(max(raw, -62_135_596_800 + 86_400), limit - 86_400) : 0
        let local = Int(clamped.rounded(.down)) + max(-86_400, min(86_400, offsetSeconds))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return (CalendarDate(daysSinceEpoch: days), local - days * 86_400)
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
