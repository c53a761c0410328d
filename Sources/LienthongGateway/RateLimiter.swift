import LienthongConfig
import LienthongCore
import Synchronization

/// Per-member request rate limits on the partner listener (`partner.rate_limit_per_second`, a member's own
/// `rate_limit_per_second`): one ``TokenBucket`` per member, created on first use.
final class RateLimiter: Sendable {
    private struct Limit: Sendable {
        var rate: Double
        var burst: Double
    }

    private let limits: [MemberID: Limit]
    private let fallback: Limit?
    private let buckets = Mutex<[MemberID: TokenBucket]>([:])

    init(configuration: GatewayConfiguration) {
        let partner = configuration.partner
        func limit(_ rate: Double) -> Limit? {
            rate > 0 ? Limit(rate: rate, burst: partner.rateLimitBurst > 0 ? partner.rateLimitBurst : rate * 2) : nil
        }
        fallback = limit(partner.rateLimitPerSecond)
        var limits: [MemberID: Limit] = [:]
        for member in configuration.members {
            if let rate = member.rateLimitPerSecond { limits[member.id] = limit(rate) ?? Limit(rate: .infinity, burst: .infinity) }
        }
        self.limits = limits
    }

    /// `nil` when `member` may go ahead now; otherwise the refusal, with the seconds to wait (at least 1).
    func admit(_ member: MemberID, now: ContinuousClock.Instant = .now) -> GatewayProblem? {
        guard let limit = limits[member] ?? fallback, limit.rate.isFinite else { return nil }
        let wait = buckets.withLock { buckets -> Duration? in
            var bucket = buckets[member] ?? TokenBucket(rate: limit.rate, capacity: limit.burst, now: now)
            let wait = bucket.take(now: now)
            buckets[member] = bucket
            return wait
        }
        guard let wait else { return nil }
        let seconds = max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
        return GatewayProblem(.rateLimited, detail: "request rate limit of this member exceeded", retryAfterSeconds: seconds)
    }
}
