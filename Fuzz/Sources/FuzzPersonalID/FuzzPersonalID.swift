// libFuzzer target: the identifier and date parsers of LienthongCore on UTF-8-decoded input (invalid UTF-8 is
// repaired to U+FFFD, as `String(decoding:)` does, so odd scalars reach the parsers too). What parses must be well
// formed and parse again to the same value.
import FuzzDriver
import LienthongCore

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// Whether `text` is exactly `count` ASCII digits (`count == nil`: any length ≥ 1).
func isDigits(_ text: String, count: Int?) -> Bool {
    if let count, text.utf8.count != count { return false }
    return !text.utf8.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
}

/// One input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    if let id = try? PersonalID(text) {
        check(isDigits(id.digits, count: 12), "personal id is not 12 digits")
        check((try? PersonalID(id.digits)) == id, "personal id does not re-parse")
        check((1900...2399).contains(id.birthYear), "birth year \(id.birthYear) out of the century table")
        _ = id.sex
        _ = id.birthRegistration
        _ = id.consistencyProblems(birthYear: id.birthYear, sex: id.sex)
        check(id.consistencyProblems(birthYear: id.birthYear, sex: id.sex).isEmpty, "id inconsistent with itself")
        check(!id.description.contains(id.digits), "description shows the number")
    }
    if let cmnd = try? CMND(text) {
        check(isDigits(cmnd.digits, count: 9) || isDigits(cmnd.digits, count: 12), "CMND is not 9 or 12 digits")
        _ = cmnd.personalID
        check(!cmnd.description.contains(cmnd.digits), "description shows the number")
    }
    if let number = try? SocialInsuranceNumber(text) {
        check(isDigits(number.digits, count: 10), "social insurance number is not 10 digits")
        check(number.provinceCode.utf8.count == 2, "province code is not 2 characters")
    }
    if let card = try? HealthInsuranceCardCode(text) {
        check(card.value.utf8.count == 15, "card code is not 15 characters")
        check(card.group.utf8.count == 2, "group is not 2 letters")
        check((1...5).contains(card.level), "level out of 1-5")
        check(card.province.utf8.count == 2, "province is not 2 digits")
        check(isDigits(card.socialInsuranceNumber.digits, count: 10), "embedded social insurance number is not 10 digits")
    }
    if let date = try? CalendarDate(iso: text) {
        check(date.iso == text, "ISO date does not print back as written")
        checkDate(date)
    }
    if let date = try? CalendarDate(dayMonthYear: text) {
        checkDate(date)
        let dmy = String(text)
        check((try? CalendarDate(dayMonthYear: dmy)) == date, "DD/MM/YYYY date does not re-parse")
    }
    if let member = try? MemberID(text) {
        check((try? MemberID(member.description)) == member, "member id does not re-parse")
    }
    return 0
}

/// A parsed date is valid and survives the day-count and ISO round trips.
func checkDate(_ date: CalendarDate) {
    check((1...9999).contains(date.year), "year out of 1-9999")
    check((1...12).contains(date.month), "month out of 1-12")
    check((1...CalendarDate.daysInMonth(year: date.year, month: date.month)).contains(date.day), "day out of the month")
    check(CalendarDate(daysSinceEpoch: date.daysSinceEpoch) == date, "day count does not round-trip")
    check((try? CalendarDate(iso: date.iso)) == date, "ISO form does not re-parse")
    check(date.age(on: date) == 0, "age on the same day is not 0")
}

/// The process entry point: SwiftPM renames `main` to `FuzzPersonalID_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzPersonalID_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else {
            var none: UInt8 = 0
            return withUnsafePointer(to: &none) { fuzz($0, 0) }
        }
        return fuzz(data, size)
    }
}
