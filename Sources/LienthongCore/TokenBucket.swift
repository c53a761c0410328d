/// A token bucket: `rate` tokens per second flow into a bucket holding at most `capacity`; each request takes one.
/// A value type with no clock of its own: the caller passes the time, so tests drive it exactly.
///
/// ```swift
/// var bucket = TokenBucket(rate: 100, capacity: 200, now: .now)
/// if let wait = bucket.take(now: .now) { /* refuse: 429, Retry-After: ceil(wait) */ }
/// ```
public struct TokenBucket: Sendable, Hashable {
    /// Tokens added per second.
    public let rate: Double
    /// The most tokens the bucket holds (the burst allowed after a quiet spell).
    public let capacity: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    /// A full bucket at `now`.
    public init(rate: Double, capacity: Double, now: ContinuousClock.Instant) {
        self.rate = max(rate, .leastNonzeroMagnitude)
        self.capacity = max(capacity, 1)
        self.tokens = self.capacity
        self.updated = now
    }

    /// Takes one token at `now`: `nil` when there was one, else how long until there will be one.
    public mutating func take(now: ContinuousClock.Instant) -> Duration? {
        if now > updated {
            let elapsed = now - updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(capacity, tokens + seconds * rate)
            updated = now
        }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        let missing = (1 - tokens) / rate
        return .nanoseconds(Int64((missing * 1e9).rounded(.up)))
    }
}
