public import LienthongCore

/// A parsed field: absent (empty or no column), a valid value, or present but unusable.
///
/// An invalid value is not kept: findings name the column, never the value.
public enum FieldValue<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    /// No value (empty cell or no such column).
    case absent
    /// A value that parsed.
    case valid(Value)
    /// A value was present but could not be read.
    case invalid

    /// The value when valid.
    public var value: Value? {
        if case .valid(let value) = self { return value }
        return nil
    }

    /// Whether the field was empty or missing.
    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    /// Whether a value was present but unusable.
    public var isInvalid: Bool {
        if case .invalid = self { return true }
        return false
    }
}

/// A date of birth as lists carry it: a full date, or only a month and year, or only a year.
///
/// Older registers (people with meritorious service born before 1950) often hold a year only; it stays a year, it
/// is never turned into 1 January. Encodes as `"YYYY-MM-DD"`, `"YYYY-MM"` or `"YYYY"`.
public enum BirthDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Day, month and year.
    case full(CalendarDate)
    /// Month and year (`mm/yyyy`, or `00/mm/yyyy`).
    case yearMonth(year: Int, month: Int)
    /// Year only (`yyyy`, or `00/00/yyyy`).
    case yearOnly(Int)

    /// The year.
    public var year: Int {
        switch self {
        case .full(let date): date.year
        case .yearMonth(let year, _): year
        case .yearOnly(let year): year
        }
    }

    /// The full date, `nil` when only the year (and month) is known.
    public var fullDate: CalendarDate? {
        if case .full(let date) = self { return date }
        return nil
    }

    /// Whether day, month and year are all known.
    public var isComplete: Bool { fullDate != nil }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    public var text: String {
        switch self {
        case .full(let date): return date.iso
        case .yearMonth(let year, let month): return BirthDate.pad(year, 4) + "-" + BirthDate.pad(month, 2)
        case .yearOnly(let year): return BirthDate.pad(year, 4)
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    public var description: String { text }

    /// The earliest day the value can denote (1 January, or the 1st of the month, for partial dates).
    public var earliestDay: CalendarDate {
        switch self {
        case .full(let date): return date
        case .yearMonth(let year, let month): return (try? CalendarDate(year: year, month: month, day: 1)) ?? BirthDate.floor
        case .yearOnly(let year): return (try? CalendarDate(year: year, month: 1, day: 1)) ?? BirthDate.floor
        }
    }

    /// Completed years on `date`; for a partial date, counted from its earliest day (so the age is never
    /// under-estimated by more than a year, and a year-only child counts as a child until the calendar year it
    /// turns the limit).
    public func age(on date: CalendarDate) -> Int { earliestDay.age(on: date) }

    /// Whether the value lies after `date` (a partial date only when its earliest day does).
    public func isAfter(_ date: CalendarDate) -> Bool { earliestDay > date }

    /// Orders by the earliest day, then partial before complete.
    public static func < (lhs: BirthDate, rhs: BirthDate) -> Bool { lhs.text < rhs.text }

    /// Decodes `"YYYY-MM-DD"`, `"YYYY-MM"` or `"YYYY"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = BirthDateParser.parseCanonical(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "birth date must be YYYY-MM-DD, YYYY-MM or YYYY")
        }
        self = value
    }

    /// Encodes as ``text``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    private static let floor = CalendarDate(daysSinceEpoch: -25_567)  // 1900-01-01

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.utf8.count)) + digits
    }
}

/// The kind of account a payment goes to (plan II.1.d: bank account, e-wallet, mobile money). Raw values are the
/// ones of the NAPAS contract's account kind.
public enum AccountType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Tài khoản ngân hàng.
    case bank
    /// Ví điện tử.
    case eWallet = "e-wallet"
    /// Mobile Money (tài khoản tiền di động).
    case mobileMoney = "mobile-money"

    /// The Vietnamese name as officers write it.
    public var vietnameseName: String {
        switch self {
        case .bank: "Tài khoản ngân hàng"
        case .eWallet: "Ví điện tử"
        case .mobileMoney: "Mobile Money"
        }
    }

    /// Reads the type from Vietnamese or English text (`"Tài khoản ngân hàng"`, `"TKNH"`, `"Ví điện tử"`, `"ví"`,
    /// `"Mobile Money"`, `"MM"`, `"bank"`, `"e-wallet"`…), ignoring case, diacritics and punctuation.
    public static func parse(_ text: String) -> AccountType? { table[ListHeader.key(text)] }

    private static let table: [String: AccountType] = {
        let words: [(AccountType, [String])] = [
            (.bank, ["Tài khoản ngân hàng", "Ngân hàng", "TK ngân hàng", "TKNH", "NH", "bank", "bank account", "ATM",
                     "Thẻ ATM"]),
            (.eWallet, ["Ví điện tử", "Ví", "VĐT", "e-wallet", "ewallet", "wallet", "Tài khoản ví điện tử"]),
            (.mobileMoney, ["Mobile Money", "MM", "Tiền di động", "Tài khoản tiền di động", "Tài khoản mobile money"]),
        ]
        var table: [String: AccountType] = [:]
        for (type, names) in words {
            for name in names { table[ListHeader.key(name)] = type }
        }
        return table
    }()
}
