import AsyncHTTPClient
@testable import LienthongGateway
import XCTest

/// The delivery loop's wake-up call: a fire wakes the waiter (or the next wait), the timeout ends a wait, a timer
/// left from an earlier wait does not end a later one, and cancelling the waiting task ends its wait.
final class WakeSignalTests: XCTestCase {
    private let loop = HTTPClient.shared.eventLoopGroup.any()

    func testAFireBeforeTheWaitIsRememberedOnce() async {
        let signal = WakeSignal()
        signal.fire()
        let started = ContinuousClock.now
        await signal.wait(timeout: .seconds(10), on: loop)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "the remembered fire ends the wait, not the 10 s timeout")
        let second = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(200), on: loop)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - second, .milliseconds(200), "remembered once, not for ever")
    }

    func testAFireDuringTheWaitWakesIt() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        Task {
            try? await Task.sleep(for: .milliseconds(100))
            signal.fire()
        }
        await signal.wait(timeout: .seconds(10), on: loop)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testATimerFromAnEarlierWaitDoesNotEndALaterOne() async {
        let signal = WakeSignal()
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            signal.fire()
        }
        await signal.wait(timeout: .milliseconds(400), on: loop)   // woken by the fire; its 400 ms timer stays scheduled
        let second = ContinuousClock.now
        await signal.wait(timeout: .seconds(1), on: loop)          // the first timer fires during this wait
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - second, .milliseconds(900), "only this wait's own timer ends it")
    }

    func testCancellingTheWaiterEndsTheWait() async {
        let signal = WakeSignal()
        let loop = self.loop
        let waiter = Task { await signal.wait(timeout: .seconds(30), on: loop) }
        try? await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        waiter.cancel()
        await waiter.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }
}
