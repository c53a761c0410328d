public import LienthongCore

/// Age groups given by their lower bounds: `[15, 25, 35, 45, 55, 65]` (the default) means 15–24, 25–34, 35–44,
/// 45–54, 55–64 and 65+; the last band is open.
///
/// The first bound is also where the analysed population starts: bounds must be at least 15, because form 01
/// (Circular 01/2022/TT-BLĐTBXH) covers people aged 15 and over. Ages are completed years on the analysis date,
/// as ``CalendarDate/age(on:)`` counts them: on one's birthday one has turned that age (someone born on 29 February
/// turns a year older on 1 March in common years).
///
/// ```swift
/// let bands = try AgeBands(parsing: "15,30,60")
/// bands.band(forAge: 29)   // 0
/// bands.labels             // ["15–29", "30–59", "60+"]
/// ```
public struct AgeBands: Sendable, Hashable, Codable {
    /// The lowest bound accepted (the labour-supply survey covers people aged 15 and over).
    public static let minimumAge = 15
    /// The highest bound accepted.
    public static let maximumAge = 120
    /// The most bands accepted.
    public static let maximumBands = 32

    /// The default bands: 15–24, 25–34, 35–44, 45–54, 55–64, 65+.
    public static let `default` = AgeBands(uncheckedLowerBounds: [15, 25, 35, 45, 55, 65])

    /// The lower bounds, strictly increasing.
    public let lowerBounds: [Int]

    /// Bands from their lower bounds.
    ///
    /// - Throws: ``LaborAnalysisError/Code/badAgeBands`` when the list is empty, longer than ``maximumBands``,
    ///   not strictly increasing, or has a bound below ``minimumAge`` or above ``maximumAge``.
    public init(lowerBounds: [Int]) throws(LaborAnalysisError) {
        guard !lowerBounds.isEmpty else { throw AgeBands.error("at least one lower bound is required") }
        guard lowerBounds.count <= AgeBands.maximumBands else {
            throw AgeBands.error("at most \(AgeBands.maximumBands) bands are allowed")
        }
        for bound in lowerBounds where bound < AgeBands.minimumAge || bound > AgeBands.maximumAge {
            throw AgeBands.error("lower bounds must be between \(AgeBands.minimumAge) and \(AgeBands.maximumAge)")
        }
        for (previous, next) in zip(lowerBounds, lowerBounds.dropFirst()) where next <= previous {
            throw AgeBands.error("lower bounds must be strictly increasing")
        }
        self.lowerBounds = lowerBounds
    }

    /// Bands from text such as `"15,25,35,45,55,65"` (spaces allowed around the numbers; `;` also separates).
    ///
    /// - Throws: ``LaborAnalysisError/Code/badAgeBands`` when a part is not a whole number, or for the reasons of
    ///   ``init(lowerBounds:)``.
    public init(parsing text: String) throws(LaborAnalysisError) {
        var bounds: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false)
            .flatMap({ $0.split(separator: ";", omittingEmptySubsequences: false) }) {
            let trimmed = part.filter { $0 != " " && $0 != "\t" }
            guard !trimmed.isEmpty, trimmed.utf8.count <= 3,
                  trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let bound = Int(trimmed) else {
                throw AgeBands.error("age bands must be whole numbers separated by commas, e.g. 15,25,35,45,55,65")
            }
            bounds.append(bound)
        }
        try self.init(lowerBounds: bounds)
    }

    private init(uncheckedLowerBounds: [Int]) { lowerBounds = uncheckedLowerBounds }

    /// Decodes from the array of lower bounds, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let bounds = try container.decode([Int].self)
        do { try self.init(lowerBounds: bounds) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.detail)
        }
    }

    /// Encodes as the array of lower bounds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(lowerBounds)
    }

    /// The number of bands.
    public var count: Int { lowerBounds.count }

    /// The youngest age analysed (the first lower bound).
    public var youngestAge: Int { lowerBounds[0] }

    /// The 0-based band of an age in completed years, `nil` under the first bound.
    public func band(forAge age: Int) -> Int? {
        guard age >= lowerBounds[0] else { return nil }
        var index = 0
        while index + 1 < lowerBounds.count, age >= lowerBounds[index + 1] { index += 1 }
        return index
    }

    /// The band of someone born on `dateOfBirth`, on `date` (``CalendarDate/age(on:)``); `nil` under the first bound.
    public func band(dateOfBirth: CalendarDate, on date: CalendarDate) -> Int? {
        band(forAge: dateOfBirth.age(on: date))
    }

    /// The label of a band: `"15–24"` (en dash), or `"65+"` for the last one.
    ///
    /// - Precondition: `index` is in `0..<count`.
    public func label(ofBand index: Int) -> String {
        precondition(lowerBounds.indices.contains(index), "band index out of range")
        if index == lowerBounds.count - 1 { return "\(lowerBounds[index])+" }
        return "\(lowerBounds[index])\u{2013}\(lowerBounds[index + 1] - 1)"
    }

    /// The labels of all bands in order.
    public var labels: [String] { lowerBounds.indices.map(label(ofBand:)) }

    /// The latest birth day (days since 1970-01-01) of someone who has turned `age` on `date`, so that
    /// `birthDay <= cutoff` ⇔ `CalendarDate(birthDay).age(on: date) >= age`. Used for the analysis' fast band
    /// lookup; the tests check it against ``CalendarDate/age(on:)``.
    ///
    /// The cutoff is the same month and day `age` years earlier; when that year has no such day (29 February in a
    /// common year) it is the last day of the month before it, since ``CalendarDate/age(on:)`` compares
    /// (month, day) pairs.
    static func cutoffDay(age: Int, on date: CalendarDate) -> Int {
        let year = date.year - age
        guard year >= 1 else { return Int(Int32.min) }
        let day = min(date.day, CalendarDate.daysInMonth(year: year, month: date.month))
        guard let cutoff = try? CalendarDate(year: year, month: date.month, day: day) else { return Int(Int32.min) }
        return cutoff.daysSinceEpoch
    }

    private static func error(_ detail: String) -> LaborAnalysisError {
        LaborAnalysisError(.badAgeBands, detail: detail)
    }
}
