import Foundation
import SwiftASN1

/// RFC 5280 `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, converted to and from `Date`
/// with whole-second precision (UTCTime for 1950–2049, GeneralizedTime otherwise, §4.1.2.5).
enum ASN1Time {
    /// Drops the sub-second part (toward the past), the precision the encoding keeps.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static func serialize(_ date: Date, into coder: inout DER.Serializer) throws {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let hours = Int(secondOfDay / 3600)
        let minutes = Int((secondOfDay % 3600) / 60)
        let secs = Int(secondOfDay % 60)
        if (1950..<2050).contains(year) {
            try coder.serialize(
                UTCTime(year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: secs)
            )
        } else {
            try coder.serialize(
                GeneralizedTime(
                    year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: secs,
                    fractionalSeconds: 0
                )
            )
        }
    }

    static func parse(_ node: ASN1Node) throws -> Date {
        switch node.identifier {
        case UTCTime.defaultIdentifier:
            let t = try UTCTime(derEncoded: node)
            return date(t.year, t.month, t.day, t.hours, t.minutes, t.seconds, 0)
        case GeneralizedTime.defaultIdentifier:
            let t = try GeneralizedTime(derEncoded: node)
            return date(t.year, t.month, t.day, t.hours, t.minutes, t.seconds, t.fractionalSeconds)
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    static func isTime(_ node: ASN1Node) -> Bool {
        node.identifier == UTCTime.defaultIdentifier || node.identifier == GeneralizedTime.defaultIdentifier
    }

    private static func date(
        _ year: Int, _ month: Int, _ day: Int, _ hours: Int, _ minutes: Int, _ seconds: Int, _ fraction: Double
    ) -> Date {
        let days = Self.days(fromCivil: year, month, day)
        let total = days * 86_400 + Int64(hours * 3600 + minutes * 60 + seconds)
        return Date(timeIntervalSince1970: TimeInterval(total) + fraction)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let m = Int64(month)
        let d = Int64(day)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
