import LienthongCore
import XCTest

final class TokenBucketTests: XCTestCase {
    func testBurstThenRateThenRefill() {
        let t0 = ContinuousClock.now
        var bucket = TokenBucket(rate: 10, capacity: 3, now: t0)
        XCTAssertNil(bucket.take(now: t0))
        XCTAssertNil(bucket.take(now: t0))
        XCTAssertNil(bucket.take(now: t0), "a full bucket allows the burst")
        let wait = bucket.take(now: t0)
        XCTAssertEqual(wait, .milliseconds(100), "one token every 100 ms at 10/s")
        XCTAssertNotNil(bucket.take(now: t0 + .milliseconds(50)), "half a token is not a token")
        XCTAssertNil(bucket.take(now: t0 + .milliseconds(100)))
        XCTAssertNil(bucket.take(now: t0 + .seconds(60)))
        XCTAssertNil(bucket.take(now: t0 + .seconds(60)))
        XCTAssertNil(bucket.take(now: t0 + .seconds(60)))
        XCTAssertNotNil(bucket.take(now: t0 + .seconds(60)), "refill stops at capacity")
    }

    func testTimeGoingBackwardsAddsNothing() {
        let t0 = ContinuousClock.now
        var bucket = TokenBucket(rate: 1, capacity: 1, now: t0 + .seconds(5))
        XCTAssertNil(bucket.take(now: t0 + .seconds(5)))
        XCTAssertNotNil(bucket.take(now: t0))
    }
}
