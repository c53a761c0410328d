/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seedable generator.
///
/// Synthetic data and fault injection use it (never `SystemRandomNumberGenerator`) so that one seed always
/// gives the same output, and draw through ``uniform(_:)`` and ``unitInterval()`` rather than the standard
/// library's `random(in:using:)`, whose algorithm is not promised to stay the same between releases.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject, unbiased).
    public mutating func uniform(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold {
                product = next().multipliedFullWidth(by: b)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + uniform(range.count)
    }

    /// A uniform double in `[0, 1)` (53 random bits).
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `true` with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unitInterval() < p
    }

    /// A uniformly chosen element.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[uniform(items.count)]
    }

    /// An element chosen with probability proportional to its weight.
    public mutating func pick<T>(weighted items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var x = unitInterval() * total
        for (item, weight) in items {
            if x < weight { return item }
            x -= weight
        }
        return items[items.count - 1].0
    }
}
