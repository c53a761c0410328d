import LienthongQueue
import XCTest

final class PushSlotsTests: XCTestCase {
    private let t0 = ContinuousClock.now

    /// Slots whose recipient answered one push in 100 ms (so messages are leased ahead); nothing in flight or waiting.
    private func quick(maxConcurrency: Int, prefetch: Int, maxWait: Duration) -> PushSlots<Int> {
        var slots = PushSlots<Int>(maxConcurrency: maxConcurrency, prefetch: prefetch, maxWait: maxWait)
        _ = slots.startLease(probeOnly: false)
        slots.leaseFinished([-1], at: t0)
        _ = slots.takeForPush(limit: 1, now: t0)
        slots.pushFinished(took: .milliseconds(100))
        return slots
    }

    func testNothingIsLeasedAheadBeforeThePushDurationIsKnownNorForASlowRecipient() {
        var slots = PushSlots<Int>(maxConcurrency: 4, prefetch: 4, maxWait: .seconds(10))
        XCTAssertNil(slots.pushDuration)
        XCTAssertEqual(slots.leaseAhead, 0)
        XCTAssertEqual(slots.startLease(probeOnly: false), 4, "the free slots only, until a push has ended")
        slots.leaseFinished([1, 2, 3, 4], at: t0)
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0).push, [1, 2, 3, 4])
        slots.pushFinished(took: .seconds(8))   // slow: 8 s is over half of the 10 s a message may wait
        XCTAssertEqual(slots.pushDuration, .seconds(8))
        XCTAssertEqual(slots.leaseAhead, 0)
        XCTAssertEqual(slots.startLease(probeOnly: false), 1, "the one free slot, nothing ahead")
        slots.leaseFinished([], at: t0)
        slots.pushFinished(took: .seconds(8))
        XCTAssertEqual(slots.startLease(probeOnly: false), 2, "the two free slots, nothing ahead")
        slots.leaseFinished([], at: t0)
        // The recipient speeds up: the average (weight 1/4 for the newest) falls under 5 s, and leasing ahead resumes.
        slots.pushFinished(took: .milliseconds(50))
        XCTAssertGreaterThan(slots.pushDuration!, .seconds(5))
        XCTAssertEqual(slots.leaseAhead, 0)
        slots.pushFinished(took: .milliseconds(50))
        XCTAssertLessThanOrEqual(slots.pushDuration!, .seconds(5))
        XCTAssertEqual(slots.leaseAhead, 4)
        XCTAssertEqual(slots.startLease(probeOnly: false), 8, "idle and quick: slots and buffer")
    }

    func testAnIdleRecipientLeasesAllTheRoomThenTopsUpInQuarterChunks() {
        var slots = quick(maxConcurrency: 4, prefetch: 4, maxWait: .seconds(10))
        XCTAssertEqual(slots.startLease(probeOnly: false), 8, "idle: slots and buffer")
        XCTAssertEqual(slots.startLease(probeOnly: false), 0, "one lease at a time")
        slots.leaseFinished([1], at: t0)   // only one was due
        XCTAssertEqual(slots.waiting, 1)
        // Not idle any more: room is 7 of 8, at least a quarter (2): lease 7.
        XCTAssertEqual(slots.startLease(probeOnly: false), 7)
        slots.leaseFinished(Array(2...8), at: t0)
        XCTAssertEqual(slots.waiting, 8)
        XCTAssertEqual(slots.startLease(probeOnly: false), 0, "slots and buffer full")

        let (push, abandoned) = slots.takeForPush(limit: .max, now: t0)
        XCTAssertEqual(push, [1, 2, 3, 4], "oldest first, no more than the slots")
        XCTAssertEqual(abandoned, [])
        XCTAssertEqual(slots.inFlight, 4)
        XCTAssertEqual(slots.waiting, 4)
        XCTAssertEqual(slots.freeSlots, 0)

        slots.pushFinished(took: .milliseconds(100))
        XCTAssertEqual(slots.startLease(probeOnly: false), 0, "room 1 is under a quarter of 8")
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0).push, [5], "the next waiting message takes the freed slot")
        slots.pushFinished(took: .milliseconds(100))
        slots.pushFinished(took: .milliseconds(100))
        XCTAssertEqual(slots.startLease(probeOnly: false), 3, "2 in flight, 3 waiting: room 3 of 8 is over a quarter, lease it")
    }

    func testTheLimitAndTheFreeSlotsBoundEachTake() {
        var slots = quick(maxConcurrency: 3, prefetch: 3, maxWait: .seconds(10))
        _ = slots.startLease(probeOnly: false)
        slots.leaseFinished([1, 2, 3, 4, 5], at: t0)
        XCTAssertEqual(slots.takeForPush(limit: 1, now: t0).push, [1])
        XCTAssertEqual(slots.takeForPush(limit: 0, now: t0).push, [])
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0).push, [2, 3])
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0).push, [], "no free slot")
        XCTAssertEqual(slots.inFlight, 3)
        XCTAssertEqual(slots.waiting, 2)
    }

    func testMessagesThatWaitedLongerThanMaxWaitAreAbandonedNotPushed() {
        var slots = quick(maxConcurrency: 1, prefetch: 4, maxWait: .seconds(10))
        _ = slots.startLease(probeOnly: false)
        slots.leaseFinished([1, 2], at: t0)
        _ = slots.startLease(probeOnly: false)
        slots.leaseFinished([3], at: t0 + .seconds(8))
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0 + .seconds(1)).push, [1])
        // Even with no slot free (limit 0), expired waiters are swept out.
        let later = slots.takeForPush(limit: 0, now: t0 + .seconds(11))
        XCTAssertEqual(later.push, [])
        XCTAssertEqual(later.abandoned, [2])
        XCTAssertEqual(slots.waiting, 1)
        slots.pushFinished(took: .milliseconds(100))
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0 + .seconds(12)).push, [3], "leased later, still within its wait")
    }

    func testAProbeOnlyLeasesOneAndOnlyWhenIdle() {
        var slots = quick(maxConcurrency: 8, prefetch: 8, maxWait: .seconds(10))
        XCTAssertEqual(slots.startLease(probeOnly: true), 1)
        slots.leaseFinished([1], at: t0)
        XCTAssertEqual(slots.startLease(probeOnly: true), 0, "a message waits: no second probe")
        _ = slots.takeForPush(limit: 1, now: t0)
        XCTAssertEqual(slots.startLease(probeOnly: true), 0, "the probe is in flight")
        slots.pushFinished(took: .milliseconds(100))
        XCTAssertEqual(slots.startLease(probeOnly: true), 1)
    }

    func testAFailedLeaseEndsTheLeaseAndAbandonAllEmptiesTheBuffer() {
        var slots = quick(maxConcurrency: 2, prefetch: 2, maxWait: .seconds(10))
        XCTAssertEqual(slots.startLease(probeOnly: false), 4)
        slots.leaseFinished([], at: t0)
        XCTAssertFalse(slots.leasing)
        XCTAssertEqual(slots.startLease(probeOnly: false), 4, "nothing came of it: idle again")
        slots.leaseFinished([1], at: t0)
        XCTAssertEqual(slots.startLease(probeOnly: false), 3)
        slots.leaseFinished([2, 3, 4], at: t0)
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0).push, [1, 2])
        XCTAssertEqual(slots.abandonAll(), [3, 4])
        XCTAssertEqual(slots.waiting, 0)
        XCTAssertEqual(slots.inFlight, 2, "pushes in flight are not the buffer's")
    }

    func testNoLeasingAheadWithoutAWaitWindowAndBoundsClamped() {
        var slots = PushSlots<Int>(maxConcurrency: 0, prefetch: 5, maxWait: .zero)
        XCTAssertEqual(slots.maxConcurrency, 1)
        XCTAssertEqual(slots.prefetch, 0, "no time to wait in: nothing leased ahead")
        XCTAssertEqual(slots.startLease(probeOnly: false), 1)
        slots.leaseFinished([1], at: t0)
        XCTAssertEqual(slots.startLease(probeOnly: false), 0, "one slot, no buffer")
        XCTAssertEqual(slots.takeForPush(limit: .max, now: t0 + .seconds(60)).push, [1], "and nothing is abandoned")
    }

    func testThePrefetchIsAsManyAsTheSlotsUnlessGiven() {
        let slots = PushSlots<Int>(maxConcurrency: 16, maxWait: .seconds(10))
        XCTAssertEqual(slots.prefetch, 16)
        XCTAssertEqual(slots.maxLeased, 32)
        XCTAssertEqual(PushSlots<Int>(maxConcurrency: 4, prefetch: 1, maxWait: .seconds(10)).maxLeased, 5)
        XCTAssertEqual(PushSlots<Int>(maxConcurrency: 4, maxWait: .zero).maxLeased, 4)
    }

    func testTheBufferStaysInOrderOverManyRounds() {
        var slots = quick(maxConcurrency: 4, prefetch: 4, maxWait: .seconds(10))
        var next = 0
        var pushed: [Int] = []
        for _ in 0..<500 {
            let room = slots.startLease(probeOnly: false)
            if room > 0 {
                slots.leaseFinished(Array(next..<(next + room)), at: t0)
                next += room
            }
            let take = slots.takeForPush(limit: .max, now: t0)
            pushed += take.push
            XCTAssertLessThanOrEqual(slots.inFlight, 4)
            XCTAssertLessThanOrEqual(slots.inFlight + slots.waiting, slots.maxLeased)
            for _ in 0..<min(slots.inFlight, 3) { slots.pushFinished(took: .milliseconds(100)) }
        }
        XCTAssertEqual(slots.maxLeased, 8)
        XCTAssertEqual(pushed, Array(0..<pushed.count), "pushed once each, in lease order")
        XCTAssertGreaterThan(pushed.count, 1000)
    }
}
