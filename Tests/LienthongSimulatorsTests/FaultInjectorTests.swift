import Foundation
import LienthongSimulators
import XCTest

final class FaultInjectorTests: XCTestCase {
    func testNoFaultsByDefault() {
        let faults = FaultInjector()
        for _ in 0..<100 { XCTAssertEqual(faults.decide(), .init(latency: .zero, action: .proceed)) }
    }

    func testErrorRateIsDeterministicAndClose() {
        func run(seed: UInt64) -> [FaultInjector.Action] {
            let faults = FaultInjector(seed: seed)
            faults.setErrorRate(0.25)
            return (0..<4000).map { _ in faults.decide().action }
        }
        let a = run(seed: 9)
        XCTAssertEqual(a, run(seed: 9))
        let failures = Double(a.filter { $0 == .fail }.count) / 4000
        XCTAssertEqual(failures, 0.25, accuracy: 0.03)
        let always = FaultInjector()
        always.setErrorRate(3)
        XCTAssertEqual(always.snapshot().errorRate, 1)
        XCTAssertEqual(always.decide().action, .fail)
    }

    func testTimedDowntimeHealsByItself() {
        let faults = FaultInjector()
        let start = ContinuousClock.now
        faults.setDown(for: .seconds(10), mode: .closeConnection, now: start)
        XCTAssertEqual(faults.decide(now: start + .seconds(5)).action, .down(.closeConnection))
        XCTAssertEqual(faults.snapshot(now: start + .seconds(4)).downRemainingMs, 6000)
        XCTAssertEqual(faults.decide(now: start + .seconds(11)).action, .proceed)
        XCTAssertFalse(faults.snapshot(now: start + .seconds(11)).down)
    }

    func testUpdatesFromJSON() throws {
        let faults = FaultInjector()
        let update = try JSONDecoder().decode(FaultInjector.Update.self, from: Data(#"{"latencyMs":250,"errorRate":0.5,"downForMs":1000}"#.utf8))
        let now = ContinuousClock.now
        faults.apply(update, now: now)
        let snapshot = faults.snapshot(now: now)
        XCTAssertEqual(snapshot.latencyMs, 250)
        XCTAssertEqual(snapshot.errorRate, 0.5)
        XCTAssertTrue(snapshot.down)
        faults.apply(.init(downForMs: 0))
        XCTAssertFalse(faults.snapshot().down)
        XCTAssertEqual(faults.decide().latency, .milliseconds(250))
        faults.reset()
        XCTAssertEqual(faults.snapshot(), .init(latencyMs: 0, errorRate: 0, down: false, downRemainingMs: nil, downMode: .serviceUnavailable))
    }

    func testFlappingAlternatesUpAndDownUntilStoppedOrHealed() throws {
        let faults = FaultInjector()
        let start = ContinuousClock.now
        faults.apply(try JSONDecoder().decode(FaultInjector.Update.self, from: Data(#"{"flapMs":2000}"#.utf8)), now: start)
        let expected: [(Duration, Bool)] = [
            (.milliseconds(0), false), (.milliseconds(1999), false), (.milliseconds(2000), true), (.milliseconds(3999), true),
            (.milliseconds(4000), false), (.milliseconds(6500), true),
        ]
        for (offset, down) in expected {
            XCTAssertEqual(faults.decide(now: start + offset).action, down ? .down(.serviceUnavailable) : .proceed, "at \(offset)")
            XCTAssertEqual(faults.snapshot(now: start + offset).down, down, "at \(offset)")
        }
        XCTAssertEqual(faults.snapshot(now: start).flapMs, 2000)
        faults.apply(.init(flapMs: 0), now: start)
        XCTAssertEqual(faults.decide(now: start + .seconds(3)).action, .proceed)
        XCTAssertNil(faults.snapshot().flapMs)
        faults.setFlapping(period: .seconds(1), now: start)
        faults.heal()
        XCTAssertEqual(faults.decide(now: start + .milliseconds(1500)).action, .proceed, "heal stops flapping")
    }
}
