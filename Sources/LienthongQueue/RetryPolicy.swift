public import Foundation

/// When to retry a failed push delivery, and when to give up.
///
/// **Back-off: exponential with "equal jitter".** After attempt `n` (1-based) the ceiling is
/// `e = min(cap, base · 2^(n−1))` and the delay is drawn uniformly from `[e/2, e]`.
/// Equal jitter rather than full jitter (`[0, e]`) because the recipient is a single, possibly struggling
/// partner system: the lower half-bound guarantees the spacing between attempts still grows exponentially
/// and that a failed attempt is never followed by an almost immediate one, while the random upper half
/// still spreads a burst of messages that failed together (a bank coming back after an outage is not hit
/// by all of them in the same second). Full jitter's advantage, the least total work under contention for
/// a shared resource, matters less here because the per-recipient ``CircuitBreaker`` already limits the
/// load on a failing recipient.
///
/// **Retry-After** (429 and 503) is a floor: the next attempt is never earlier than the recipient asked,
/// even above `cap`. When that floor lies beyond the age limit the policy gives up instead of retrying
/// early. A back-off delay that would overshoot the age limit is shortened to end exactly at it, so the
/// message gets a last attempt.
///
/// **Giving up:** after `maxAttempts` attempts, or once `maxAge` has passed since the message was
/// accepted (or since an operator retried it).
///
/// Defaults: base 1 s, cap 5 min, 12 attempts, max age 24 h. With these the ceilings run 1, 2, 4, … 256 s,
/// then 300 s, so 12 attempts span roughly 9 to 18 minutes of back-off; `maxAge` matters when `Retry-After`
/// asks for long waits or an operator raises `maxAttempts`.
public struct RetryPolicy: Sendable, Hashable {
    /// The default first back-off ceiling: 1 second.
    public static let defaultBase: Duration = .seconds(1)
    /// The default largest back-off ceiling: 5 minutes.
    public static let defaultCap: Duration = .seconds(5 * 60)
    /// The default number of delivery attempts before giving up: 12.
    public static let defaultMaxAttempts = 12
    /// The default age after which a message is given up: 24 hours.
    public static let defaultMaxAge: Duration = .seconds(24 * 60 * 60)
    /// The largest `cap` and `maxAge` accepted: 30 days.
    public static let longestDuration: Duration = .seconds(30 * 24 * 60 * 60)

    /// The back-off ceiling after the first attempt.
    public let base: Duration
    /// The largest back-off ceiling.
    public let cap: Duration
    /// The number of delivery attempts (the first one included) before giving up.
    public let maxAttempts: Int
    /// How long after acceptance (or an operator retry) delivery is given up.
    public let maxAge: Duration

    /// The policy with the documented defaults.
    public init() {
        self.base = RetryPolicy.defaultBase
        self.cap = RetryPolicy.defaultCap
        self.maxAttempts = RetryPolicy.defaultMaxAttempts
        self.maxAge = RetryPolicy.defaultMaxAge
    }

    /// A policy with the given values.
    ///
    /// Requires `0 < base <= cap <= 30 days`, `maxAttempts >= 1` and `0 < maxAge <= 30 days`
    /// (`outOfRange` naming `base`, `cap`, `maxAttempts` or `maxAge` otherwise).
    public init(base: Duration = RetryPolicy.defaultBase, cap: Duration = RetryPolicy.defaultCap,
                maxAttempts: Int = RetryPolicy.defaultMaxAttempts, maxAge: Duration = RetryPolicy.defaultMaxAge) throws(QueueStateError) {
        guard base > .zero else { throw QueueStateError(.outOfRange, field: "base") }
        guard cap >= base, cap <= RetryPolicy.longestDuration else { throw QueueStateError(.outOfRange, field: "cap") }
        guard maxAttempts >= 1 else { throw QueueStateError(.outOfRange, field: "maxAttempts") }
        guard maxAge > .zero, maxAge <= RetryPolicy.longestDuration else { throw QueueStateError(.outOfRange, field: "maxAge") }
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// Why a policy gives up. Raw values match ``DeadReason``.
    public enum GiveUpReason: String, Sendable, Hashable, CaseIterable {
        /// `maxAttempts` attempts were made.
        case attemptsExhausted = "attempts-exhausted"
        /// `maxAge` has passed (or the recipient's `Retry-After` points beyond it).
        case maxAgeExceeded = "max-age-exceeded"

        /// The matching dead reason.
        public var deadReason: DeadReason {
            switch self {
            case .attemptsExhausted: .attemptsExhausted
            case .maxAgeExceeded: .maxAgeExceeded
            }
        }
    }

    /// What to do after a retryable failure.
    public enum Decision: Sendable, Hashable {
        /// Attempt again, no earlier than this instant.
        case retry(at: Date)
        /// Stop: the message goes dead.
        case giveUp(GiveUpReason)
    }

    /// The back-off ceiling `e = min(cap, base · 2^(attempt−1))` after attempt `attempt` (values below 1 count as 1).
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        var ceiling = base
        var remaining = max(1, attempt) - 1
        while remaining > 0, ceiling < cap {
            ceiling = ceiling * 2
            remaining -= 1
        }
        return min(ceiling, cap)
    }

    /// The range the jittered back-off after attempt `attempt` is drawn from: `[e/2, e]`.
    public func backoffRange(afterAttempt attempt: Int) -> ClosedRange<Duration> {
        let ceiling = ceiling(afterAttempt: attempt)
        return (ceiling / 2)...ceiling
    }

    /// A jittered back-off after attempt `attempt`, drawn uniformly from ``backoffRange(afterAttempt:)``
    /// with one 64-bit value from `rng`.
    public func backoff(afterAttempt attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let range = backoffRange(afterAttempt: attempt)
        // 53 random bits mapped onto [0, 1], both ends included.
        let fraction = Double(rng.next() >> 11) / Double((UInt64(1) << 53) - 1)
        let delay = range.lowerBound + (range.upperBound - range.lowerBound) * fraction
        return min(max(delay, range.lowerBound), range.upperBound)
    }

    /// Whether a message has run out of attempts or age, independently of any failure.
    ///
    /// - Parameters:
    ///   - attempts: the attempts made so far.
    ///   - firstAcceptedAt: when the age clock started (acceptance, or the last operator retry).
    public func exhaustion(attempts: Int, firstAcceptedAt: Date, now: Date) -> GiveUpReason? {
        if attempts >= maxAttempts { return .attemptsExhausted }
        if now >= firstAcceptedAt.adding(maxAge) { return .maxAgeExceeded }
        return nil
    }

    /// Decides what follows a retryable failure of attempt number `attempt`.
    ///
    /// - Parameters:
    ///   - attempt: the 1-based number of the attempt that just failed (the message's attempt count).
    ///   - firstAcceptedAt: when the age clock started (acceptance, or the last operator retry).
    ///   - now: the current instant.
    ///   - retryAfter: the recipient's `Retry-After`, when it sent one (see ``RetryAfter/parse(_:now:maximum:)``).
    ///   - rng: the source of jitter; tests pass a seeded generator.
    public func nextAttempt(attempt: Int, firstAcceptedAt: Date, now: Date, retryAfter: Duration?,
                            using rng: inout some RandomNumberGenerator) -> Decision {
        if let reason = exhaustion(attempts: attempt, firstAcceptedAt: firstAcceptedAt, now: now) { return .giveUp(reason) }
        let deadline = firstAcceptedAt.adding(maxAge)
        let backoff = backoff(afterAttempt: attempt, using: &rng)
        if let retryAfter {
            let floor = now.adding(retryAfter)
            if floor > deadline { return .giveUp(.maxAgeExceeded) }
            return .retry(at: max(floor, min(now.adding(backoff), deadline)))
        }
        return .retry(at: min(now.adding(backoff), deadline))
    }
}
