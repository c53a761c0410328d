import Foundation
import LienthongCore
import LienthongQueue
import XCTest

final class CircuitBreakerTests: XCTestCase {
    private func configuration() throws -> CircuitBreaker.Configuration {
        try CircuitBreaker.Configuration(failureThreshold: 3, coolDown: .seconds(30), probeTimeout: .seconds(60))
    }

    func testDefaultsAndValidation() {
        let defaults = CircuitBreaker.Configuration()
        XCTAssertEqual(defaults.failureThreshold, 5)
        XCTAssertEqual(defaults.coolDown, .seconds(30))
        XCTAssertEqual(defaults.probeTimeout, .seconds(60))
        XCTAssertThrowsError(try CircuitBreaker.Configuration(failureThreshold: 0)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.outOfRange, field: "failureThreshold"))
        }
        XCTAssertThrowsError(try CircuitBreaker.Configuration(coolDown: .zero)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.outOfRange, field: "coolDown"))
        }
        XCTAssertThrowsError(try CircuitBreaker.Configuration(probeTimeout: .seconds(-1))) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.outOfRange, field: "probeTimeout"))
        }
    }

    func testOpensAfterConsecutiveFailuresAndASuccessResetsTheCount() throws {
        var breaker = CircuitBreaker(configuration: try configuration())
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 0))
        breaker.record(.failure, now: t0)
        breaker.record(.failure, now: t0)
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 2))
        XCTAssertTrue(breaker.allowsAttempt(now: t0))
        breaker.record(.success, now: t0)
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 0), "failures must be consecutive")
        breaker.record(.failure, now: t0.plus(1))
        breaker.record(.failure, now: t0.plus(2))
        breaker.record(.failure, now: t0.plus(3))
        XCTAssertEqual(breaker.state, .open(until: t0.plus(33)))
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(4)))
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(32.999)))
        XCTAssertEqual(breaker.state, .open(until: t0.plus(33)), "refusing does not change an open breaker")
        XCTAssertEqual(breaker.nextAttemptAllowed(now: t0.plus(4)), t0.plus(33))
    }

    func testHalfOpenAllowsOneProbeThenClosesOnSuccess() throws {
        var breaker = CircuitBreaker(configuration: try CircuitBreaker.Configuration(failureThreshold: 1, coolDown: .seconds(30)))
        breaker.record(.failure, now: t0)
        XCTAssertEqual(breaker.state, .open(until: t0.plus(30)))
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(30)), "the probe")
        XCTAssertEqual(breaker.state, .halfOpen(probeStartedAt: t0.plus(30)))
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(31)), "only one probe at a time")
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(31)))
        breaker.record(.success, now: t0.plus(32))
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 0))
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(33)))
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(33)))
        XCTAssertEqual(breaker.nextAttemptAllowed(now: t0.plus(33)), t0.plus(33))
    }

    func testFailedProbeReopensForAnotherCoolDown() throws {
        var breaker = CircuitBreaker(configuration: try configuration())
        for second in 0..<3 { breaker.record(.failure, now: t0.plus(Double(second))) }
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(40)))
        breaker.record(.failure, now: t0.plus(41))
        XCTAssertEqual(breaker.state, .open(until: t0.plus(71)))
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(70)))
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(71)))
    }

    func testLostProbeIsReplacedAfterTheProbeTimeout() throws {
        var breaker = CircuitBreaker(configuration: try configuration())
        for _ in 0..<3 { breaker.record(.failure, now: t0) }
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(30)))
        XCTAssertFalse(breaker.allowsAttempt(now: t0.plus(89.9)))
        XCTAssertEqual(breaker.nextAttemptAllowed(now: t0.plus(50)), t0.plus(90))
        XCTAssertTrue(breaker.allowsAttempt(now: t0.plus(90)), "the first probe never reported")
        XCTAssertEqual(breaker.state, .halfOpen(probeStartedAt: t0.plus(90)))
    }

    func testLateResultsWhileOpen() throws {
        var breaker = CircuitBreaker(configuration: try configuration())
        for _ in 0..<3 { breaker.record(.failure, now: t0) }
        breaker.record(.failure, now: t0.plus(10))
        XCTAssertEqual(breaker.state, .open(until: t0.plus(30)), "a late failure does not extend the cool-down")
        breaker.record(.success, now: t0.plus(11))
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 0), "a late success shows the recipient answers")
    }

    func testRecipientsAreIsolated() throws {
        let failingBank = try MemberID("bank.970436")
        let healthyBank = try MemberID("bank.970415")
        var breakers = CircuitBreakers(configuration: try configuration())
        for second in 0..<3 {
            XCTAssertTrue(breakers.allowsAttempt(for: failingBank, now: t0.plus(Double(second))))
            breakers.record(.failure, for: failingBank, now: t0.plus(Double(second)))
        }
        XCTAssertEqual(breakers.state(for: failingBank), .open(until: t0.plus(32)))
        XCTAssertFalse(breakers.allowsAttempt(for: failingBank, now: t0.plus(5)))

        XCTAssertEqual(breakers.state(for: healthyBank), .closed(consecutiveFailures: 0))
        XCTAssertTrue(breakers.allowsAttempt(for: healthyBank, now: t0.plus(5)))
        breakers.record(.failure, for: healthyBank, now: t0.plus(5))
        breakers.record(.failure, for: healthyBank, now: t0.plus(6))
        XCTAssertEqual(breakers.state(for: healthyBank), .closed(consecutiveFailures: 2), "counted separately")
        XCTAssertEqual(breakers.state(for: failingBank), .open(until: t0.plus(32)), "unaffected by the other's results")
        breakers.record(.success, for: healthyBank, now: t0.plus(7))
        XCTAssertEqual(breakers.state(for: healthyBank), .closed(consecutiveFailures: 0))
        XCTAssertEqual(breakers.state(for: failingBank), .open(until: t0.plus(32)))

        XCTAssertEqual(breakers.blockedRecipients(now: t0.plus(8)), [failingBank])
        XCTAssertEqual(breakers.blockedRecipients(now: t0.plus(32)), [], "cool-down over: a probe may go")
        XCTAssertTrue(breakers.allowsAttempt(for: failingBank, now: t0.plus(32)))
        XCTAssertEqual(breakers.blockedRecipients(now: t0.plus(33)), [failingBank], "probe in flight")
        XCTAssertTrue(breakers.allowsAttempt(for: healthyBank, now: t0.plus(33)))
        breakers.record(.success, for: failingBank, now: t0.plus(34))
        XCTAssertEqual(breakers.state(for: failingBank), .closed(consecutiveFailures: 0))
        XCTAssertEqual(breakers.blockedRecipients(now: t0.plus(35)), [])
        XCTAssertEqual(breakers, CircuitBreakers(configuration: try configuration()), "healthy recipients leave no entries")
    }

    func testDeliveryOutcomesDriveTheBreaker() throws {
        var breaker = CircuitBreaker(configuration: try configuration())
        for _ in 0..<10 {
            breaker.record(DeliveryOutcome.classify(status: 400, error: nil, retryAfterHeader: nil, now: t0).circuitBreakerResult, now: t0)
        }
        XCTAssertEqual(breaker.state, .closed(consecutiveFailures: 0), "permanent refusals do not trip the breaker")
        for _ in 0..<3 {
            breaker.record(DeliveryOutcome.classify(status: nil, error: .timeout, retryAfterHeader: nil, now: t0).circuitBreakerResult, now: t0)
        }
        XCTAssertEqual(breaker.state, .open(until: t0.plus(30)))
    }
}
