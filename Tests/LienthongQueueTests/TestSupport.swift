import Foundation

/// SplitMix64: a small seeded generator, so jitter in tests is deterministic.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A generator that always returns the same value: `0` gives the smallest jitter, `.max` the largest.
struct ConstantRandom: RandomNumberGenerator {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

/// A fixed instant for tests: 2025-06-15 15:06:40 UTC.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

extension Date {
    /// `self` plus `seconds`.
    func plus(_ seconds: TimeInterval) -> Date { addingTimeInterval(seconds) }
}
