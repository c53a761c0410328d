public import Foundation

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-29T17:04:40.123Z`), formatted without
/// Foundation formatters (the audit path formats one per record).
public enum AuditTimestamp {
    /// Formats a number of milliseconds since 1970-01-01T00:00:00Z.
    public static func string(millisecondsSince1970 ms: Int64) -> String {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)

        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ value: Int64, width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            out.append(contentsOf: digits)
        }
        put(year, width: 4); out.append(UInt8(ascii: "-"))
        put(month, width: 2); out.append(UInt8(ascii: "-"))
        put(day, width: 2); out.append(UInt8(ascii: "T"))
        put(msOfDay / 3_600_000, width: 2); out.append(UInt8(ascii: ":"))
        put(msOfDay / 60_000 % 60, width: 2); out.append(UInt8(ascii: ":"))
        put(msOfDay / 1000 % 60, width: 2); out.append(UInt8(ascii: "."))
        put(msOfDay % 1000, width: 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Formats a `Date` (truncated to the millisecond).
    public static func string(from date: Date) -> String {
        string(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// The current time.
    public static func now() -> String {
        string(from: Date())
    }
}
