import Foundation
import LienthongQueue
import XCTest

final class RetryPolicyTests: XCTestCase {
    private let policy = RetryPolicy()

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    func testDefaults() {
        XCTAssertEqual(policy.base, .seconds(1))
        XCTAssertEqual(policy.cap, .seconds(300))
        XCTAssertEqual(policy.maxAttempts, 12)
        XCTAssertEqual(policy.maxAge, .seconds(86_400))
        XCTAssertEqual(try RetryPolicy(), policy)
    }

    func testConfigurationIsValidated() {
        func field(_ make: () throws -> RetryPolicy) -> String? {
            do { _ = try make(); return nil } catch { return (error as? QueueStateError)?.field }
        }
        XCTAssertEqual(field { try RetryPolicy(base: .zero) }, "base")
        XCTAssertEqual(field { try RetryPolicy(base: .seconds(-1)) }, "base")
        XCTAssertEqual(field { try RetryPolicy(base: .seconds(10), cap: .seconds(5)) }, "cap")
        XCTAssertEqual(field { try RetryPolicy(cap: .seconds(31 * 86_400)) }, "cap")
        XCTAssertEqual(field { try RetryPolicy(maxAttempts: 0) }, "maxAttempts")
        XCTAssertEqual(field { try RetryPolicy(maxAge: .zero) }, "maxAge")
        XCTAssertEqual(field { try RetryPolicy(maxAge: .seconds(31 * 86_400)) }, "maxAge")
        XCTAssertNil(field { try RetryPolicy(base: .milliseconds(200), cap: .milliseconds(200), maxAttempts: 1, maxAge: .seconds(1)) })
    }

    func testCeilingGrowsExponentiallyUpToTheCap() {
        let ceilings = (1...12).map { seconds(policy.ceiling(afterAttempt: $0)) }
        XCTAssertEqual(ceilings, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        XCTAssertEqual(policy.ceiling(afterAttempt: 0), .seconds(1))
        XCTAssertEqual(policy.ceiling(afterAttempt: -3), .seconds(1))
        XCTAssertEqual(policy.ceiling(afterAttempt: 1_000_000), .seconds(300), "no overflow for huge attempt numbers")
        XCTAssertEqual(policy.backoffRange(afterAttempt: 3), .seconds(2) ... .seconds(4))
    }

    func testEqualJitterBoundsAreReached() {
        for attempt in 1...12 {
            var low = ConstantRandom(value: 0)
            var high = ConstantRandom(value: .max)
            let range = policy.backoffRange(afterAttempt: attempt)
            XCTAssertEqual(policy.backoff(afterAttempt: attempt, using: &low), range.lowerBound)
            XCTAssertEqual(policy.backoff(afterAttempt: attempt, using: &high), range.upperBound)
            XCTAssertEqual(range.lowerBound * 2, range.upperBound)
        }
        var middle = ConstantRandom(value: 1 << 63)
        XCTAssertEqual(seconds(policy.backoff(afterAttempt: 5, using: &middle)), 12, accuracy: 1e-6)
    }

    func testSeededScheduleStaysInBoundsAndNeverShrinks() {
        var rng = SplitMix64(seed: 42)
        var previousUpper = 0.0
        for attempt in 1...12 {
            let ceiling = seconds(policy.ceiling(afterAttempt: attempt))
            var samples: [Double] = []
            for _ in 0..<500 {
                let delay = seconds(policy.backoff(afterAttempt: attempt, using: &rng))
                XCTAssertGreaterThanOrEqual(delay, ceiling / 2, "attempt \(attempt)")
                XCTAssertLessThanOrEqual(delay, ceiling, "attempt \(attempt)")
                XCTAssertLessThanOrEqual(delay, 300, "never above the cap")
                samples.append(delay)
            }
            // Equal jitter: every delay after attempt n+1 is at least every delay after attempt n.
            XCTAssertGreaterThanOrEqual(samples.min()!, min(previousUpper, 150), "attempt \(attempt)")
            previousUpper = samples.max()!
            // The jitter really spreads: the samples cover most of the range and average near 3/4 of the ceiling.
            XCTAssertLessThan(samples.min()!, ceiling * 0.55)
            XCTAssertGreaterThan(samples.max()!, ceiling * 0.95)
            let mean = samples.reduce(0, +) / Double(samples.count)
            XCTAssertEqual(mean / ceiling, 0.75, accuracy: 0.03, "attempt \(attempt)")
        }
    }

    func testSameSeedSameScheduleOtherSeedOtherSchedule() {
        func schedule(seed: UInt64) -> [Duration] {
            var rng = SplitMix64(seed: seed)
            return (1...12).map { policy.backoff(afterAttempt: $0, using: &rng) }
        }
        XCTAssertEqual(schedule(seed: 9), schedule(seed: 9))
        XCTAssertNotEqual(schedule(seed: 9), schedule(seed: 10))
    }

    func testNextAttemptRetriesWithinTheBackoffRange() {
        var rng = SplitMix64(seed: 3)
        for attempt in 1...11 {
            let now = t0.plus(Double(attempt) * 100)
            guard case .retry(let at) = policy.nextAttempt(attempt: attempt, firstAcceptedAt: t0, now: now, retryAfter: nil, using: &rng) else {
                return XCTFail("attempt \(attempt) gave up")
            }
            let range = policy.backoffRange(afterAttempt: attempt)
            let delay = at.timeIntervalSince(now)
            XCTAssertGreaterThanOrEqual(delay, seconds(range.lowerBound) - 1e-6)
            XCTAssertLessThanOrEqual(delay, seconds(range.upperBound) + 1e-6)
        }
    }

    func testGivesUpAfterMaxAttempts() throws {
        var rng = ConstantRandom(value: 0)
        XCTAssertEqual(policy.nextAttempt(attempt: 12, firstAcceptedAt: t0, now: t0.plus(10), retryAfter: nil, using: &rng),
                       .giveUp(.attemptsExhausted))
        XCTAssertEqual(policy.nextAttempt(attempt: 13, firstAcceptedAt: t0, now: t0.plus(10), retryAfter: nil, using: &rng),
                       .giveUp(.attemptsExhausted))
        XCTAssertEqual(policy.nextAttempt(attempt: 11, firstAcceptedAt: t0, now: t0.plus(10), retryAfter: nil, using: &rng),
                       .retry(at: t0.plus(160)))
        let once = try RetryPolicy(maxAttempts: 1)
        XCTAssertEqual(once.nextAttempt(attempt: 1, firstAcceptedAt: t0, now: t0, retryAfter: nil, using: &rng), .giveUp(.attemptsExhausted))
    }

    func testGivesUpAfterMaxAgeAndShortensTheLastBackoffToTheDeadline() throws {
        var rng = ConstantRandom(value: 0)
        let day = 86_400.0
        XCTAssertEqual(policy.nextAttempt(attempt: 1, firstAcceptedAt: t0, now: t0.plus(day), retryAfter: nil, using: &rng),
                       .giveUp(.maxAgeExceeded))
        XCTAssertEqual(policy.nextAttempt(attempt: 1, firstAcceptedAt: t0, now: t0.plus(day + 1), retryAfter: nil, using: &rng),
                       .giveUp(.maxAgeExceeded))
        // Back-off of 128 s (attempt 9, smallest jitter) from 10 s before the deadline: retry at the deadline.
        XCTAssertEqual(policy.nextAttempt(attempt: 9, firstAcceptedAt: t0, now: t0.plus(day - 10), retryAfter: nil, using: &rng),
                       .retry(at: t0.plus(day)))
        XCTAssertEqual(policy.exhaustion(attempts: 3, firstAcceptedAt: t0, now: t0.plus(day - 0.001)), nil)
        XCTAssertEqual(policy.exhaustion(attempts: 3, firstAcceptedAt: t0, now: t0.plus(day)), .maxAgeExceeded)
        XCTAssertEqual(policy.exhaustion(attempts: 12, firstAcceptedAt: t0, now: t0), .attemptsExhausted)
    }

    func testRetryAfterIsAFloorEvenAboveTheCap() {
        var rng = ConstantRandom(value: .max)
        // Back-off after attempt 1 is at most 1 s; the recipient asked for 10 minutes.
        XCTAssertEqual(policy.nextAttempt(attempt: 1, firstAcceptedAt: t0, now: t0.plus(5), retryAfter: .seconds(600), using: &rng),
                       .retry(at: t0.plus(605)))
        // A Retry-After shorter than the back-off does not shorten it (attempt 9: 256 s with the largest jitter).
        XCTAssertEqual(policy.nextAttempt(attempt: 9, firstAcceptedAt: t0, now: t0.plus(5), retryAfter: .seconds(3), using: &rng),
                       .retry(at: t0.plus(261)))
        XCTAssertEqual(policy.nextAttempt(attempt: 1, firstAcceptedAt: t0, now: t0.plus(5), retryAfter: .zero, using: &rng),
                       .retry(at: t0.plus(6)))
    }

    func testRetryAfterBeyondTheAgeLimitGivesUp() {
        var rng = ConstantRandom(value: 0)
        let day = 86_400.0
        XCTAssertEqual(policy.nextAttempt(attempt: 2, firstAcceptedAt: t0, now: t0.plus(day - 60), retryAfter: .seconds(61), using: &rng),
                       .giveUp(.maxAgeExceeded))
        XCTAssertEqual(policy.nextAttempt(attempt: 2, firstAcceptedAt: t0, now: t0.plus(day - 60), retryAfter: .seconds(60), using: &rng),
                       .retry(at: t0.plus(day)))
    }

    func testGiveUpReasonsMapToDeadReasons() {
        XCTAssertEqual(RetryPolicy.GiveUpReason.attemptsExhausted.deadReason, .attemptsExhausted)
        XCTAssertEqual(RetryPolicy.GiveUpReason.maxAgeExceeded.deadReason, .maxAgeExceeded)
        for reason in RetryPolicy.GiveUpReason.allCases {
            XCTAssertEqual(reason.rawValue, reason.deadReason.rawValue)
        }
    }
}
