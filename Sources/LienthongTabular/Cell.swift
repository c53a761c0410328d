public import LienthongCore
import Foundation

/// One cell as the file holds it: the text as written (NFC-normalised) and what kind of value it is.
///
/// Numbers keep the exact decimal text of the file (`"75090000001"`, `"45292"`, `"1.5E-3"`), so nothing is lost
/// to floating point and the registry can re-pad an identifier that a spreadsheet turned into a number.
public struct Cell: Sendable, Hashable, CustomStringConvertible {
    /// What kind of value a cell holds.
    public enum Kind: Sendable, Hashable {
        /// No value.
        case empty
        /// Text (every CSV cell that is not empty).
        case text
        /// An XLSX number; ``Cell/text`` is the exact decimal text of `<v>`.
        case number
        /// An XLSX number whose cell style is a date format; ``Cell/text`` is the serial, e.g. `"45292"`.
        case dateSerial
        /// An XLSX boolean; ``Cell/text`` is `"1"` or `"0"`.
        case boolean
        /// An XLSX formula error; ``Cell/text`` is the error text, e.g. `"#N/A"`.
        case error
    }

    /// The kind of value.
    public var kind: Kind
    /// The text as written, NFC-normalised; `""` for an empty cell.
    public var text: String

    /// Creates a cell; an empty `text` always makes an ``Kind/empty`` cell.
    public init(_ text: String, kind: Kind = .text) {
        self.text = text
        self.kind = text.isEmpty ? .empty : kind
    }

    /// The empty cell.
    public static let empty = Cell("", kind: .empty)

    /// Whether the cell has no value.
    public var isEmpty: Bool { kind == .empty }

    /// Whether the cell is empty or holds only whitespace.
    public var isBlank: Bool {
        kind == .empty || text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }

    /// The text.
    public var description: String { text }
}

/// One data row: its 1-based number in the file (the header row is row 1 when it is the first row) and its
/// cells aligned to the headers (`cells.count == headers.count`; a missing cell is ``Cell/empty``).
public struct TabularRow: Sendable, Hashable {
    /// The row number as a spreadsheet program shows it (CSV: the record number, a quoted newline does not count).
    public var number: Int
    /// The cells, one per header.
    public var cells: [Cell]

    /// Creates a row.
    public init(number: Int, cells: [Cell]) {
        self.number = number
        self.cells = cells
    }

    /// The cell at `index`, ``Cell/empty`` when out of range.
    public subscript(index: Int) -> Cell {
        cells.indices.contains(index) ? cells[index] : .empty
    }
}

/// Spreadsheet column letters: `0` ↔ `A`, `25` ↔ `Z`, `26` ↔ `AA`.
public enum ColumnLetters {
    /// The letters of a 0-based column index.
    public static func letters(_ index: Int) -> String {
        var n = index + 1
        var scalars: [Unicode.Scalar] = []
        while n > 0 {
            let rem = (n - 1) % 26
            scalars.append(Unicode.Scalar(UInt8(65 + rem)))
            n = (n - 1) / 26
        }
        var text = ""
        for s in scalars.reversed() { text.unicodeScalars.append(s) }
        return text
    }

    /// The 0-based index of letters like `"AB"` (case-insensitive), `nil` when not letters or beyond `XFD`.
    public static func index(_ letters: some StringProtocol) -> Int? {
        var value = 0
        var count = 0
        for byte in letters.utf8 {
            let upper = byte & ~0x20
            guard upper >= 65, upper <= 90 else { return nil }
            value = value * 26 + Int(upper - 64)
            count += 1
            if count > 3 { return nil }
        }
        guard count > 0, value <= 16384 else { return nil }
        return value - 1
    }
}

/// A date cell's value: a whole day, or only a year (officers write `1950` when the day is unknown).
public enum DateValue: Sendable, Hashable, CustomStringConvertible {
    /// A day of the calendar.
    case day(CalendarDate)
    /// Only the year is known.
    case year(Int)

    /// `YYYY-MM-DD` or `YYYY`.
    public var description: String {
        switch self {
        case .day(let date): date.iso
        case .year(let year): String(year)
        }
    }
}

/// Excel's serial day numbers.
///
/// In the 1900 system serial 1 is 1900-01-01 and serial 60 is the fictitious 1900-02-29 that Excel keeps for
/// Lotus 1-2-3 compatibility (it has no real date: `date(fromSerial: 60)` is `nil`); serial 61 is 1900-03-01.
/// In the 1904 system (`<workbookPr date1904="1"/>`) serial 0 is 1904-01-01.
public enum ExcelDate {
    /// A workbook's date system.
    public enum System: Sendable, Hashable {
        /// The default: serial 1 = 1900-01-01.
        case system1900
        /// Old Mac workbooks: serial 0 = 1904-01-01.
        case system1904
    }

    /// The largest serial Excel accepts (9999-12-31 in the 1900 system).
    public static let maximumSerial = 2_958_465

    // Days since 1970-01-01 of the system's day zero.
    private static let epoch1900 = -25_569  // 1899-12-30 (serials >= 61)
    private static let epoch1904 = -24_107  // 1904-01-01

    /// The date of a whole serial; `nil` for serial 60 in the 1900 system, for serials before the system's
    /// first day and beyond 9999-12-31.
    public static func date(fromSerial serial: Int, system: System = .system1900) -> CalendarDate? {
        switch system {
        case .system1900:
            guard serial >= 1, serial <= maximumSerial, serial != 60 else { return nil }
            return CalendarDate(daysSinceEpoch: epoch1900 + serial + (serial < 60 ? 1 : 0))
        case .system1904:
            guard serial >= 0, serial <= maximumSerial - 1462 else { return nil }
            return CalendarDate(daysSinceEpoch: epoch1904 + serial)
        }
    }

    /// The date of a serial written as decimal text (`"45292"`, `"45292.75"`: the time of day is dropped).
    public static func date(fromSerialText text: some StringProtocol, system: System = .system1900) -> CalendarDate? {
        var whole = 0
        var digits = 0
        var seenPoint = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if byte >= 48, byte <= 57 {
                if !seenPoint {
                    whole = whole * 10 + Int(byte - 48)
                    digits += 1
                    if digits > 8 { return nil }
                }
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        return date(fromSerial: whole, system: system)
    }

    /// The serial of a date; `nil` before the system's first day.
    public static func serial(for date: CalendarDate, system: System = .system1900) -> Int? {
        let days = date.daysSinceEpoch
        switch system {
        case .system1900:
            let serial = days - epoch1900
            if serial >= 61 { return serial }
            let early = serial - 1
            return early >= 1 ? early : nil
        case .system1904:
            let serial = days - epoch1904
            return serial >= 0 ? serial : nil
        }
    }
}

/// Reads the date forms officers write, from a cell. Deciding what a date *means* is the registry's job.
///
/// Accepted: `dd/mm/yyyy` and `d/m/yyyy` (also with `-` or `.`), `yyyy-mm-dd` (optionally followed by a
/// time such as ` 00:00:00` or `T00:00:00`), a year alone (`yyyy`, 1000–9999, as text or as an XLSX number)
/// and Excel serials (date-styled cells, or other XLSX number cells that are not a plausible year).
/// Surrounding whitespace is ignored. Text that is only digits is never taken as a serial.
public enum TabularDate {
    /// The date in `cell`, `nil` when empty or not one of the accepted forms (or not a real date).
    public static func parse(_ cell: Cell, system: ExcelDate.System = .system1900) -> DateValue? {
        let text = cell.text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch cell.kind {
        case .empty, .boolean, .error:
            return nil
        case .dateSerial:
            return ExcelDate.date(fromSerialText: text, system: system).map(DateValue.day)
        case .number:
            if let year = Int(text), (1000...9999).contains(year) { return .year(year) }
            return ExcelDate.date(fromSerialText: text, system: system).map(DateValue.day)
        case .text:
            return parse(text: text)
        }
    }

    /// The date in `text` (already trimmed), one of the text forms above.
    public static func parse(text: String) -> DateValue? {
        let bytes = Array(text.utf8)
        if bytes.count == 4, let year = number(bytes[...]), year >= 1000 { return .year(year) }
        // yyyy-mm-dd[ time]
        if bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
           let y = number(bytes[0..<4]), let m = number(bytes[5..<7]), let d = number(bytes[8..<10]) {
            if bytes.count > 10 {
                guard bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T") else { return nil }
            }
            return (try? CalendarDate(year: y, month: m, day: d)).map(DateValue.day)
        }
        // d/m/yyyy with / - or .
        var parts: [ArraySlice<UInt8>] = []
        var separator: UInt8?
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") {
            if separator == nil { separator = byte } else if separator != byte { return nil }
            parts.append(bytes[start..<i])
            start = i + 1
        }
        parts.append(bytes[start...])
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
              let d = number(parts[0]), let m = number(parts[1]), let y = number(parts[2]) else { return nil }
        return (try? CalendarDate(year: y, month: m, day: d)).map(DateValue.day)
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
}

/// Text helpers shared by the readers.
enum TextNormalization {
    /// Whether every byte is ASCII.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < bytes.count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isASCII($0) }
    }

    /// NFC form; ASCII text is returned as is.
    static func nfc(_ text: String) -> String {
        if text.utf8.withContiguousStorageIfAvailable(isASCII) ?? false { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    /// Validated UTF-8 → NFC string, `nil` when not valid UTF-8.
    static func string(utf8 bytes: [UInt8]) -> String? {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text.precomposedStringWithCanonicalMapping
    }
}
