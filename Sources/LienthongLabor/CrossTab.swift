public import LienthongCore

/// The indicators of one cell (SPEC §7), each a fraction in 0…1, or `nil` when it is not published.
///
/// - ``laborForceParticipationRate`` = (employed + unemployed) / people aged 15+ (tỷ lệ tham gia lực lượng lao động);
/// - ``unemploymentRate`` = unemployed / (employed + unemployed) (tỷ lệ thất nghiệp);
/// - ``trainedRate`` = employed with a degree or certificate / employed (tỷ lệ lao động đã qua đào tạo có bằng cấp,
///   chứng chỉ; trained means ``Qualification`` other than `none`);
/// - ``socialInsuranceRate`` = employed in compulsory or voluntary social insurance / employed.
///
/// A rate is `nil` when its denominator is 0, when the cell's count is suppressed, or when its numerator or its
/// denominator is nonzero and under the threshold (a rate over a tiny group can single someone out). A numerator of
/// 0 over a denominator at or above the threshold gives 0.
public struct LaborIndicators: Sendable, Hashable, Codable {
    /// (employed + unemployed) / population.
    public var laborForceParticipationRate: Double?
    /// unemployed / (employed + unemployed).
    public var unemploymentRate: Double?
    /// trained employed / employed.
    public var trainedRate: Double?
    /// (compulsory + voluntary) employed / employed.
    public var socialInsuranceRate: Double?

    /// Creates indicators.
    public init(laborForceParticipationRate: Double? = nil, unemploymentRate: Double? = nil, trainedRate: Double? = nil,
                socialInsuranceRate: Double? = nil) {
        self.laborForceParticipationRate = laborForceParticipationRate
        self.unemploymentRate = unemploymentRate
        self.trainedRate = trainedRate
        self.socialInsuranceRate = socialInsuranceRate
    }

    /// No indicator published.
    public static let hidden = LaborIndicators()
}

/// One published entry of a ``LaborAnalysis``: a cell, a margin or the grand total.
public struct LaborCell: Sendable, Hashable, Codable {
    /// The value codes, one per dimension of the entry: two for a cell of a 2-D table, one for a cell of a 1-D table
    /// and for a margin (the value of the margin's dimension), none for the grand total. Codes, not words: see
    /// ``LaborDimension/label(value:language:)``.
    public var key: [String]
    /// The number of people, `nil` when suppressed.
    public var count: Int?
    /// Whether the count is suppressed (primary or secondary; see ``LaborAnalysis``).
    public var suppressed: Bool
    /// `count` / the grand total; `nil` when either is suppressed or the total is 0.
    public var share: Double?
    /// The rates; all `nil` when suppressed.
    public var indicators: LaborIndicators

    /// Creates an entry.
    public init(key: [String], count: Int?, share: Double?, indicators: LaborIndicators) {
        self.key = key
        self.count = count
        self.suppressed = count == nil
        self.share = share
        self.indicators = indicators
    }
}

/// The result of ``analyse(_:by:on:bands:threshold:)``: counts, shares and rates by up to two dimensions, with
/// margins, after small-cell suppression. Codable as the JSON of `GET /v1/labor/analysis`.
///
/// Layout: ``values`` lists each dimension's value codes in order; ``cells`` holds every combination of them, row
/// by row (`cells[i * values[1].count + j]` for 2-D, `cells[i]` for 1-D), zero cells included. ``rowMargins`` (one
/// per value of the first dimension) and ``columnMargins`` (one per value of the second) exist for 2-D tables only:
/// in a 1-D table the cells are themselves the totals per value. ``total`` is the grand total. A 0-D request
/// (no dimension) gives no cells, only the total.
///
/// # SUPPRESSION
///
/// So that no one can be singled out, an entry's count is published only when it is 0 or at least ``threshold``
/// (default 5), and when it cannot be recomputed from the published ones:
///
/// 1. **Primary suppression.** Every cell, margin and the grand total with 1 ≤ count < threshold is suppressed.
///    Zeros are published.
/// 2. **Secondary (complementary) suppression.** The table's sum equations are its *lines*: each row (the cells of
///    one value of the first dimension and that row's margin), each column (the cells of one value of the second
///    dimension and its margin), the row margins with the grand total, and the column margins with the grand total.
///    A 1-D table has a single line: its cells with the grand total. A line with exactly one suppressed entry would
///    give it away by subtraction, so in such a line the smallest nonzero unsuppressed entry is suppressed too,
///    preferring the line's parts (cells; or margins in a line of margins) over its sum entry, and the first in
///    table order among equals. Lines are re-examined until none has exactly one suppressed entry: every line ends
///    with 0 or at least 2.
///
/// A suppressed entry publishes neither count, nor share, nor rates. Rates follow ``LaborIndicators``' rules.
/// ``suppressedCells`` and ``suppressedMargins`` say how many entries were withheld.
///
/// The guarantee is per line: a single subtraction along a row, a column or a list of margins never yields a
/// suppressed count. It is the usual rule of statistical offices for published tables; combining several lines
/// (solving the table as a linear system) is not ruled out by it in every table shape.
public struct LaborAnalysis: Sendable, Hashable, Codable {
    /// The analysis date; ages are counted on it.
    public var date: CalendarDate
    /// The dimensions crossed (0, 1 or 2).
    public var dimensions: [LaborDimension]
    /// The value codes of each dimension, in table order (parallel to ``dimensions``).
    public var values: [[String]]
    /// The age bands used (their first bound is the youngest age analysed).
    public var ageBands: AgeBands
    /// The suppression threshold: counts from 1 to `threshold − 1` are withheld.
    public var threshold: Int
    /// Every combination of values, row by row.
    public var cells: [LaborCell]
    /// Per value of the first dimension (2-D tables only).
    public var rowMargins: [LaborCell]
    /// Per value of the second dimension (2-D tables only).
    public var columnMargins: [LaborCell]
    /// The grand total: everyone analysed.
    public var total: LaborCell
    /// How many cells are suppressed (margins and the total not included).
    public var suppressedCells: Int
    /// How many margins and totals are suppressed.
    public var suppressedMargins: Int

    /// Creates a result (normally made by ``analyse(_:by:on:bands:threshold:)``).
    public init(date: CalendarDate, dimensions: [LaborDimension], values: [[String]], ageBands: AgeBands, threshold: Int,
                cells: [LaborCell], rowMargins: [LaborCell], columnMargins: [LaborCell], total: LaborCell,
                suppressedCells: Int, suppressedMargins: Int) {
        self.date = date
        self.dimensions = dimensions
        self.values = values
        self.ageBands = ageBands
        self.threshold = threshold
        self.cells = cells
        self.rowMargins = rowMargins
        self.columnMargins = columnMargins
        self.total = total
        self.suppressedCells = suppressedCells
        self.suppressedMargins = suppressedMargins
    }

    /// The cell with these value codes (one per dimension), `nil` when there is none.
    public func cell(_ key: String...) -> LaborCell? {
        guard key.count == dimensions.count, !key.isEmpty else { return nil }
        var index = 0
        for (position, value) in key.enumerated() {
            guard let valueIndex = values[position].firstIndex(of: value) else { return nil }
            index = index * values[position].count + valueIndex
        }
        return cells.indices.contains(index) ? cells[index] : nil
    }

    /// The margin of a value of the first dimension (2-D tables), `nil` when there is none.
    public func rowMargin(_ value: String) -> LaborCell? {
        guard dimensions.count == 2, let index = values[0].firstIndex(of: value) else { return nil }
        return rowMargins[index]
    }

    /// The margin of a value of the second dimension (2-D tables), `nil` when there is none.
    public func columnMargin(_ value: String) -> LaborCell? {
        guard dimensions.count == 2, let index = values[1].firstIndex(of: value) else { return nil }
        return columnMargins[index]
    }

    /// The words for a value code of a dimension (``LaborDimension/label(value:language:)``).
    public static func label(for dimension: LaborDimension, value: String, language: LaborLanguage) -> String {
        dimension.label(value: value, language: language)
    }
}

/// Counts people by up to two dimensions, computes the indicators, and suppresses small cells (see
/// ``LaborAnalysis``, section SUPPRESSION).
///
/// The population is everyone in `snapshot` aged at least `bands`' first lower bound (15 by default) on `date`,
/// ages in completed years as ``CalendarDate/age(on:)`` counts them. The caller supplies the snapshot already
/// restricted to each person's latest record on or before `date` (one entry per person); this function does not
/// look at as-of dates.
///
/// Every combination of known values appears, with count 0 when nobody has it: all enum values, all age bands, and
/// for ``LaborDimension/district`` and ``LaborDimension/commune`` the codes present in the snapshot (sorted). One pass over the
/// snapshot fills a flat array of counters indexed by `code1 * n2 + code2`.
///
/// - Parameters:
///   - snapshot: the people.
///   - by: 0, 1 or 2 distinct dimensions (``LaborDimension/parseList(_:)`` checks a request's).
///   - date: the analysis date.
///   - bands: the age bands (``AgeBands/default``).
///   - threshold: the suppression threshold; values below 1 are taken as 1 (nothing suppressed).
/// - Precondition: `by` has at most two distinct dimensions.
public func analyse(_ snapshot: LaborSnapshot, by dimensions: [LaborDimension], on date: CalendarDate,
                    bands: AgeBands = .default, threshold: Int = 5) -> LaborAnalysis {
    precondition(dimensions.count <= LaborDimension.maximumCount, "at most two dimensions")
    precondition(Set(dimensions).count == dimensions.count, "dimensions must be distinct")
    let threshold = max(1, threshold)
    let axes = dimensions.map { Axis($0, snapshot: snapshot, bands: bands) }
    let counters = CrossTabCounter.count(snapshot, axes: axes, bands: bands, date: date)
    return CrossTabBuilder(axes: axes, dimensions: dimensions, counters: counters, threshold: threshold,
                           bands: bands, date: date).build()
}

/// One dimension of a table: its value codes and how to read a person's value index.
struct Axis {
    let dimension: LaborDimension
    let values: [String]
    /// For district and commune: interned index → position in ``values`` (sorted codes).
    let remap: [Int]

    init(_ dimension: LaborDimension, snapshot: LaborSnapshot, bands: AgeBands) {
        self.dimension = dimension
        switch dimension {
        case .ageGroup:
            values = bands.labels
            remap = []
        case .sex:
            values = Codes.sexes.map(\.rawValue)
            remap = []
        case .area:
            values = AreaType.allCases.map(\.rawValue)
            remap = []
        case .district, .commune:
            let codes = dimension == .district ? snapshot.districtCodes : snapshot.communeCodes
            let order = codes.indices.sorted { codes[$0] < codes[$1] }
            values = order.map { codes[$0] }
            var remap = [Int](repeating: 0, count: codes.count)
            for (position, interned) in order.enumerated() { remap[interned] = position }
            self.remap = remap
        case .employmentStatus:
            values = EmploymentStatus.allCases.map(\.rawValue)
            remap = []
        case .sector:
            values = EconomicSector.all.map(\.rawValue) + [LaborDimension.noSectorValue]
            remap = []
        case .trained:
            values = ["trained", "untrained"]
            remap = []
        case .socialInsurance:
            values = SocialInsuranceParticipation.allCases.map(\.rawValue)
            remap = []
        case .incomeBand:
            values = IncomeBand.allCases.map(\.rawValue)
            remap = []
        }
    }

    var count: Int { values.count }
}

/// The counters of one entry.
struct EntryCounts: Equatable {
    var population = 0
    var employed = 0
    var unemployed = 0
    var trainedEmployed = 0
    var insuredEmployed = 0

    static func += (lhs: inout EntryCounts, rhs: EntryCounts) {
        lhs.population += rhs.population
        lhs.employed += rhs.employed
        lhs.unemployed += rhs.unemployed
        lhs.trainedEmployed += rhs.trainedEmployed
        lhs.insuredEmployed += rhs.insuredEmployed
    }
}

/// The single counting pass.
enum CrossTabCounter {
    static let stride = 5

    /// Counters per cell (row-major; one cell for a 0-D table).
    static func count(_ snapshot: LaborSnapshot, axes: [Axis], bands: AgeBands, date: CalendarDate) -> [EntryCounts] {
        let cellCount = axes.reduce(1) { $0 * $1.count }
        guard cellCount > 0 else { return [] }
        // Birth-day cutoffs: born on or before cutoffs[k] ⇔ aged at least lowerBounds[k] on the date.
        let cutoffs = bands.lowerBounds.map { AgeBands.cutoffDay(age: $0, on: date) }
        let populationCutoff = cutoffs[0]
        let n2 = axes.count == 2 ? axes[1].count : 1
        var flat = [Int](repeating: 0, count: cellCount * stride)
        let first = axes.first
        let second = axes.count == 2 ? axes[1] : nil

        flat.withUnsafeMutableBufferPointer { counters in
            for person in 0..<snapshot.count {
                let birthDay = Int(snapshot.birthDays[person])
                guard birthDay <= populationCutoff else { continue }
                var index = 0
                if let first {
                    index = value(first, person, birthDay, snapshot, cutoffs)
                    if let second { index = index * n2 + value(second, person, birthDay, snapshot, cutoffs) }
                }
                let base = index * stride
                counters[base] += 1
                let status = snapshot.statuses[person]
                if status == Codes.employed {
                    counters[base + 1] += 1
                    if snapshot.qualifications[person] != 0 { counters[base + 3] += 1 }
                    if snapshot.socialInsurance[person] <= Codes.voluntary { counters[base + 4] += 1 }
                } else if status == Codes.unemployed {
                    counters[base + 2] += 1
                }
            }
        }
        return (0..<cellCount).map { cell in
            let base = cell * stride
            return EntryCounts(population: flat[base], employed: flat[base + 1], unemployed: flat[base + 2],
                               trainedEmployed: flat[base + 3], insuredEmployed: flat[base + 4])
        }
    }

    @inline(__always)
    static func value(_ axis: Axis, _ person: Int, _ birthDay: Int, _ snapshot: LaborSnapshot, _ cutoffs: [Int]) -> Int {
        switch axis.dimension {
        case .ageGroup:
            var band = cutoffs.count - 1
            while band > 0, birthDay > cutoffs[band] { band -= 1 }
            return band
        case .sex: return Int(snapshot.sexes[person])
        case .area: return Int(snapshot.areas[person])
        case .district: return axis.remap[Int(snapshot.districts[person])]
        case .commune: return axis.remap[Int(snapshot.communes[person])]
        case .employmentStatus: return Int(snapshot.statuses[person])
        case .sector: return Int(snapshot.sectors[person])
        case .trained: return snapshot.qualifications[person] != 0 ? 0 : 1
        case .socialInsurance: return Int(snapshot.socialInsurance[person])
        case .incomeBand: return Int(snapshot.incomeBands[person])
        }
    }
}

/// Margins, suppression and the published entries.
struct CrossTabBuilder {
    let axes: [Axis]
    let dimensions: [LaborDimension]
    let counters: [EntryCounts]
    let threshold: Int
    let bands: AgeBands
    let date: CalendarDate

    func build() -> LaborAnalysis {
        // Entries: cells, then row margins, then column margins (2-D only), then the grand total.
        let n1 = axes.first?.count ?? 0
        let n2 = axes.count == 2 ? axes[1].count : 0
        let cellCount = axes.isEmpty ? 0 : counters.count
        var entries: [EntryCounts] = axes.isEmpty ? [] : counters
        var rowRange = 0..<0
        var columnRange = 0..<0
        if axes.count == 2 {
            var rows = [EntryCounts](repeating: EntryCounts(), count: n1)
            var columns = [EntryCounts](repeating: EntryCounts(), count: n2)
            for i in 0..<n1 {
                for j in 0..<n2 {
                    rows[i] += counters[i * n2 + j]
                    columns[j] += counters[i * n2 + j]
                }
            }
            rowRange = entries.count..<(entries.count + n1)
            entries += rows
            columnRange = entries.count..<(entries.count + n2)
            entries += columns
        }
        var total = EntryCounts()
        for cell in counters { total += cell }
        let totalIndex = entries.count
        entries.append(total)

        let lines = Self.lines(dimensionCount: axes.count, n1: n1, n2: n2, cellCount: cellCount,
                               rowRange: rowRange, columnRange: columnRange, totalIndex: totalIndex)
        let suppressed = Suppression.suppress(counts: entries.map(\.population), lines: lines, threshold: threshold)

        let totalPublished = !suppressed[totalIndex] && total.population > 0
        func entry(_ index: Int, key: [String]) -> LaborCell {
            let counts = entries[index]
            guard !suppressed[index] else { return LaborCell(key: key, count: nil, share: nil, indicators: .hidden) }
            let share = totalPublished ? Double(counts.population) / Double(total.population) : nil
            return LaborCell(key: key, count: counts.population, share: share, indicators: indicators(counts))
        }

        var cells: [LaborCell] = []
        cells.reserveCapacity(cellCount)
        for index in 0..<cellCount {
            let key: [String]
            if axes.count == 2 {
                key = [axes[0].values[index / n2], axes[1].values[index % n2]]
            } else {
                key = [axes[0].values[index]]
            }
            cells.append(entry(index, key: key))
        }
        let rowMargins = rowRange.enumerated().map { entry($0.element, key: [axes[0].values[$0.offset]]) }
        let columnMargins = columnRange.enumerated().map { entry($0.element, key: [axes[1].values[$0.offset]]) }
        let suppressedCells = suppressed[0..<cellCount].filter { $0 }.count
        let suppressedMargins = suppressed[cellCount...].filter { $0 }.count
        return LaborAnalysis(
            date: date, dimensions: dimensions, values: axes.map(\.values), ageBands: bands, threshold: threshold,
            cells: cells, rowMargins: rowMargins, columnMargins: columnMargins, total: entry(totalIndex, key: []),
            suppressedCells: suppressedCells, suppressedMargins: suppressedMargins)
    }

    /// The sum equations of the table (see ``LaborAnalysis``, SUPPRESSION).
    static func lines(dimensionCount: Int, n1: Int, n2: Int, cellCount: Int, rowRange: Range<Int>,
                      columnRange: Range<Int>, totalIndex: Int) -> [Suppression.Line] {
        switch dimensionCount {
        case 0:
            return []
        case 1:
            return [Suppression.Line(parts: Array(0..<cellCount), sum: totalIndex)]
        default:
            var lines: [Suppression.Line] = []
            for i in 0..<n1 {
                lines.append(Suppression.Line(parts: (0..<n2).map { i * n2 + $0 }, sum: rowRange.lowerBound + i))
            }
            for j in 0..<n2 {
                lines.append(Suppression.Line(parts: (0..<n1).map { $0 * n2 + j }, sum: columnRange.lowerBound + j))
            }
            lines.append(Suppression.Line(parts: Array(rowRange), sum: totalIndex))
            lines.append(Suppression.Line(parts: Array(columnRange), sum: totalIndex))
            return lines
        }
    }

    func indicators(_ counts: EntryCounts) -> LaborIndicators {
        let labourForce = counts.employed + counts.unemployed
        return LaborIndicators(
            laborForceParticipationRate: rate(labourForce, counts.population),
            unemploymentRate: rate(counts.unemployed, labourForce),
            trainedRate: rate(counts.trainedEmployed, counts.employed),
            socialInsuranceRate: rate(counts.insuredEmployed, counts.employed))
    }

    /// `numerator / denominator`, or `nil` when the denominator is 0 or either side is nonzero and under the
    /// threshold.
    func rate(_ numerator: Int, _ denominator: Int) -> Double? {
        guard denominator > 0, denominator >= threshold else { return nil }
        if numerator > 0, numerator < threshold { return nil }
        return Double(numerator) / Double(denominator)
    }
}

/// Primary and secondary suppression over a table's entries and sum equations.
enum Suppression {
    /// One sum equation: `sum` = Σ `parts` (indices into the entries).
    struct Line: Equatable {
        var parts: [Int]
        var sum: Int
    }

    /// Which entries are suppressed (see ``LaborAnalysis``, SUPPRESSION).
    ///
    /// - Parameters:
    ///   - counts: the count of every entry.
    ///   - lines: the sum equations.
    ///   - threshold: counts in `1..<threshold` are suppressed first.
    static func suppress(counts: [Int], lines: [Line], threshold: Int) -> [Bool] {
        var suppressed = counts.map { $0 >= 1 && $0 < threshold }
        var changed = true
        while changed {
            changed = false
            for line in lines {
                var suppressedInLine = suppressed[line.sum] ? 1 : 0
                for part in line.parts where suppressed[part] {
                    suppressedInLine += 1
                    if suppressedInLine > 1 { break }
                }
                guard suppressedInLine == 1 else { continue }
                var best: Int?
                for part in line.parts where !suppressed[part] && counts[part] > 0 {
                    if let current = best, counts[current] <= counts[part] { continue }
                    best = part
                }
                if best == nil, !suppressed[line.sum], counts[line.sum] > 0 { best = line.sum }
                // A line with one suppressed entry always has another nonzero one (its sum equation balances), so a
                // partner is always found.
                if let best {
                    suppressed[best] = true
                    changed = true
                }
            }
        }
        return suppressed
    }
}
