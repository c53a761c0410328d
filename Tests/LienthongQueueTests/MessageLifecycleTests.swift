import Foundation
import LienthongQueue
import XCTest

final class MessageLifecycleTests: XCTestCase {
    private let tokenA = LeaseToken("token-a")!
    private let tokenB = LeaseToken("token-b")!
    private let policy = RetryPolicy()
    private let leaseDuration: Duration = .seconds(30)

    // MARK: Fixtures, one per internal state

    /// leased by `tokenA` at t0+1, expiring at t0+31, attempts 1.
    private func leased() -> MessageLifecycle {
        var message = MessageLifecycle(acceptedAt: t0)
        XCTAssertEqual(message.lease(token: tokenA, now: t0.plus(1), leaseDuration: leaseDuration),
                       .persist(.leased(token: tokenA, expiresAt: t0.plus(31))))
        return message
    }

    private func fixture(_ kind: MessageState.Kind) -> MessageLifecycle {
        var rng = ConstantRandom(value: 0)
        var message = leased()
        switch kind {
        case .queued:
            return MessageLifecycle(acceptedAt: t0)
        case .leased:
            return message
        case .waitingRetry:
            // Smallest jitter after attempt 1: half of the 1 s ceiling.
            XCTAssertEqual(message.deliveryFailed(token: tokenA, now: t0.plus(2), failure: .httpStatus(503), policy: policy, using: &rng),
                           .scheduleRetry(at: t0.plus(2.5)))
        case .delivered:
            XCTAssertEqual(message.deliverySucceeded(token: tokenA, now: t0.plus(2)), .markDelivered(at: t0.plus(2)))
        case .dead:
            XCTAssertEqual(message.deliveryFailed(token: tokenA, now: t0.plus(2), failure: .httpStatus(404), policy: policy, using: &rng),
                           .markDead(.permanentFailure))
        }
        XCTAssertEqual(message.state.kind, kind)
        return message
    }

    // MARK: Every state × event

    private enum Event: CaseIterable {
        case lease, deliverySucceeded, ack, deliveryFailed, leaseExpired, operatorRetry, purge
    }

    /// All events happen at t0+1000: any retry is due and the t0+31 lease has expired.
    private let late = t0.plus(1000)

    private func apply(_ event: Event, to message: inout MessageLifecycle) -> MessageLifecycle.Action {
        var rng = ConstantRandom(value: 0)
        switch event {
        case .lease: return message.lease(token: tokenB, now: late, leaseDuration: leaseDuration)
        case .deliverySucceeded: return message.deliverySucceeded(token: tokenA, now: late)
        case .ack: return message.ack(token: tokenA, now: late)
        case .deliveryFailed: return message.deliveryFailed(token: tokenA, now: late, failure: .httpStatus(500), policy: policy, using: &rng)
        case .leaseExpired: return message.leaseExpired(now: late, policy: policy)
        case .operatorRetry: return message.operatorRetry(now: late)
        case .purge: return message.purge()
        }
    }

    /// The expected action and, for accepted events, the resulting state.
    private func expected(_ kind: MessageState.Kind, _ event: Event) -> (MessageLifecycle.Action, MessageState?) {
        let leasedB = MessageState.leased(token: tokenB, expiresAt: late.plus(30))
        switch (kind, event) {
        case (.queued, .lease): return (.persist(leasedB), leasedB)
        case (.queued, .deliverySucceeded), (.queued, .ack), (.queued, .deliveryFailed), (.queued, .leaseExpired):
            return (.reject(.notLeased), nil)
        case (.queued, .operatorRetry): return (.reject(.notDead), nil)
        case (.queued, .purge): return (.reject(.notFinal), nil)

        case (.leased, .lease): return (.reject(.alreadyLeased), nil)
        case (.leased, .deliverySucceeded), (.leased, .ack): return (.markDelivered(at: late), .delivered(at: late))
        case (.leased, .deliveryFailed): return (.scheduleRetry(at: late.plus(0.5)), .waitingRetry(notBefore: late.plus(0.5)))
        case (.leased, .leaseExpired): return (.persist(.queued), .queued)
        case (.leased, .operatorRetry): return (.reject(.notDead), nil)
        case (.leased, .purge): return (.reject(.notFinal), nil)

        case (.waitingRetry, .lease): return (.persist(leasedB), leasedB)
        case (.waitingRetry, .deliverySucceeded), (.waitingRetry, .ack), (.waitingRetry, .deliveryFailed), (.waitingRetry, .leaseExpired):
            return (.reject(.notLeased), nil)
        case (.waitingRetry, .operatorRetry): return (.reject(.notDead), nil)
        case (.waitingRetry, .purge): return (.reject(.notFinal), nil)

        case (.delivered, .lease): return (.reject(.alreadyFinal), nil)
        case (.delivered, .deliverySucceeded), (.delivered, .ack): return (.reject(.alreadyAcknowledged), nil)
        case (.delivered, .deliveryFailed), (.delivered, .leaseExpired), (.delivered, .operatorRetry):
            return (.reject(.alreadyFinal), nil)
        case (.delivered, .purge): return (.purge, nil)

        case (.dead, .lease), (.dead, .deliverySucceeded), (.dead, .ack), (.dead, .deliveryFailed), (.dead, .leaseExpired):
            return (.reject(.alreadyFinal), nil)
        case (.dead, .operatorRetry): return (.persist(.queued), .queued)
        case (.dead, .purge): return (.purge, nil)
        }
    }

    func testEveryStateTimesEveryEvent() {
        var pairs = 0
        for kind in MessageState.Kind.allCases {
            for event in Event.allCases {
                let before = fixture(kind)
                var message = before
                let action = apply(event, to: &message)
                let (expectedAction, expectedState) = expected(kind, event)
                XCTAssertEqual(action, expectedAction, "\(kind) × \(event)")
                if case .reject = action {
                    XCTAssertEqual(message, before, "\(kind) × \(event): a rejected event must not change anything")
                } else if let expectedState {
                    XCTAssertEqual(message.state, expectedState, "\(kind) × \(event)")
                } else {
                    // Purge deletes the row; the value itself stays as it was.
                    XCTAssertEqual(message, before, "\(kind) × \(event)")
                }
                pairs += 1
            }
        }
        XCTAssertEqual(pairs, 35)
    }

    // MARK: Leases and tokens

    func testWrongTokenNeverSettlesALeasedMessage() {
        var rng = ConstantRandom(value: 0)
        let before = leased()
        var message = before
        XCTAssertEqual(message.ack(token: tokenB, now: t0.plus(5)), .reject(.staleLease))
        XCTAssertEqual(message.deliverySucceeded(token: tokenB, now: t0.plus(5)), .reject(.staleLease))
        XCTAssertEqual(message.deliveryFailed(token: tokenB, now: t0.plus(5), failure: .timeout, policy: policy, using: &rng),
                       .reject(.staleLease))
        XCTAssertEqual(message, before)
        XCTAssertEqual(message.ack(token: tokenA, now: t0.plus(5)), .markDelivered(at: t0.plus(5)))
    }

    func testStaleTokenCannotAckAfterTheMessageWasReclaimed() {
        var message = leased()
        XCTAssertEqual(message.leaseExpired(now: t0.plus(31), policy: policy), .persist(.queued))
        XCTAssertEqual(message.ack(token: tokenA, now: t0.plus(32)), .reject(.notLeased))
        XCTAssertEqual(message.lease(token: tokenB, now: t0.plus(40), leaseDuration: leaseDuration),
                       .persist(.leased(token: tokenB, expiresAt: t0.plus(70))))
        let reclaimed = message
        XCTAssertEqual(message.ack(token: tokenA, now: t0.plus(41)), .reject(.staleLease))
        XCTAssertEqual(message, reclaimed)
        XCTAssertEqual(message.ack(token: tokenB, now: t0.plus(42)), .markDelivered(at: t0.plus(42)))
        // The old worker's late acknowledgement is still not accepted as the delivering one.
        XCTAssertEqual(message.ack(token: tokenA, now: t0.plus(43)), .reject(.alreadyFinal))
        XCTAssertEqual(message.ack(token: tokenB, now: t0.plus(43)), .reject(.alreadyAcknowledged))
    }

    func testLeaseExpiryReturnsTheMessageToTheQueueOnlyOnceExpired() {
        var message = leased()
        let before = message
        XCTAssertEqual(message.leaseExpired(now: t0.plus(30.999), policy: policy), .reject(.leaseNotExpired))
        XCTAssertEqual(message, before)
        XCTAssertEqual(message.leaseExpired(now: t0.plus(31), policy: policy), .persist(.queued))
        XCTAssertEqual(message.state, .queued)
        XCTAssertEqual(message.status, .queued)
        XCTAssertEqual(message.lastError, .leaseExpired)
        XCTAssertEqual(message.attempts, 1)
        XCTAssertNil(message.leaseToken)
        XCTAssertEqual(message.lastLeaseToken, tokenA)
    }

    func testLateResultUnderTheStillCurrentTokenIsAccepted() {
        var message = leased()
        // The lease expired at t0+31 but nobody has re-claimed the message: the recipient has it.
        XCTAssertEqual(message.deliverySucceeded(token: tokenA, now: t0.plus(60)), .markDelivered(at: t0.plus(60)))
    }

    func testAttemptsIncrementOnLeaseOnly() {
        var rng = ConstantRandom(value: 0)
        var message = MessageLifecycle(acceptedAt: t0)
        XCTAssertEqual(message.attempts, 0)
        XCTAssertNil(message.lastAttemptAt)
        var now = t0
        for attempt in 1...4 {
            let token = LeaseToken("attempt-\(attempt)")!
            guard case .persist(.leased) = message.lease(token: token, now: now, leaseDuration: leaseDuration) else {
                return XCTFail("lease \(attempt) refused")
            }
            XCTAssertEqual(message.attempts, attempt)
            XCTAssertEqual(message.lastAttemptAt, now)
            XCTAssertEqual(message.leaseToken, token)
            XCTAssertEqual(message.status, .delivering)
            guard case .scheduleRetry(let at) = message.deliveryFailed(token: token, now: now.plus(1), failure: .timeout,
                                                                       policy: policy, using: &rng) else {
                return XCTFail("failure \(attempt) not scheduled")
            }
            XCTAssertEqual(message.attempts, attempt, "a failure does not count another attempt")
            XCTAssertEqual(message.status, .queued)
            now = at
        }
    }

    func testWaitingRetryIsNotLeasedBeforeItIsDue() {
        var message = fixture(.waitingRetry)
        let before = message
        XCTAssertEqual(message.lease(token: tokenB, now: t0.plus(2.499), leaseDuration: leaseDuration), .reject(.notDue))
        XCTAssertEqual(message, before)
        XCTAssertFalse(message.state.isEligibleForLease(now: t0.plus(2.499)))
        XCTAssertTrue(message.state.isEligibleForLease(now: t0.plus(2.5)))
        XCTAssertEqual(message.lease(token: tokenB, now: t0.plus(2.5), leaseDuration: leaseDuration),
                       .persist(.leased(token: tokenB, expiresAt: t0.plus(32.5))))
        XCTAssertEqual(message.attempts, 2)
    }

    func testLeaseRefusesAReusedTokenAndANonPositiveDuration() {
        var message = leased()
        XCTAssertEqual(message.leaseExpired(now: t0.plus(31), policy: policy), .persist(.queued))
        let before = message
        XCTAssertEqual(message.lease(token: tokenA, now: t0.plus(40), leaseDuration: leaseDuration), .reject(.tokenReused))
        XCTAssertEqual(message.lease(token: tokenB, now: t0.plus(40), leaseDuration: .zero), .reject(.invalidLeaseDuration))
        XCTAssertEqual(message.lease(token: tokenB, now: t0.plus(40), leaseDuration: .seconds(-1)), .reject(.invalidLeaseDuration))
        XCTAssertEqual(message, before)
    }

    // MARK: Failures and giving up

    func testPermanentFailureIsDeadAtOnce() {
        var rng = ConstantRandom(value: 0)
        var message = leased()
        XCTAssertEqual(message.deliveryFailed(token: tokenA, now: t0.plus(2), failure: .httpStatus(422), policy: policy, using: &rng),
                       .markDead(.permanentFailure))
        XCTAssertEqual(message.state, .dead(.permanentFailure))
        XCTAssertEqual(message.status, .dead)
        XCTAssertEqual(message.lastError, .httpStatus(422))
        XCTAssertEqual(message.attempts, 1)
    }

    func testGivesUpWhenAttemptsRunOut() throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(10), maxAttempts: 3, maxAge: .seconds(3600))
        var rng = SplitMix64(seed: 7)
        var message = MessageLifecycle(acceptedAt: t0)
        var now = t0
        for attempt in 1...3 {
            let token = LeaseToken("t\(attempt)")!
            _ = message.lease(token: token, now: now, leaseDuration: leaseDuration)
            let action = message.deliveryFailed(token: token, now: now.plus(1), failure: .httpStatus(500), policy: policy, using: &rng)
            if attempt < 3 {
                guard case .scheduleRetry(let at) = action else { return XCTFail("attempt \(attempt): \(action)") }
                now = at
            } else {
                XCTAssertEqual(action, .markDead(.attemptsExhausted))
                XCTAssertEqual(message.state, .dead(.attemptsExhausted))
                XCTAssertEqual(message.lastError, .httpStatus(500))
            }
        }
    }

    func testGivesUpWhenAgeRunsOut() throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(10), maxAttempts: 100, maxAge: .seconds(60))
        var rng = ConstantRandom(value: 0)
        var message = MessageLifecycle(acceptedAt: t0)
        _ = message.lease(token: tokenA, now: t0.plus(59), leaseDuration: leaseDuration)
        XCTAssertEqual(message.deliveryFailed(token: tokenA, now: t0.plus(60), failure: .timeout, policy: policy, using: &rng),
                       .markDead(.maxAgeExceeded))
    }

    func testExpiredLeaseGoesDeadWhenAttemptsOrAgeAreUsedUp() throws {
        let twoAttempts = try RetryPolicy(maxAttempts: 2, maxAge: .seconds(3600))
        var message = MessageLifecycle(acceptedAt: t0)
        _ = message.lease(token: tokenA, now: t0, leaseDuration: leaseDuration)
        XCTAssertEqual(message.leaseExpired(now: t0.plus(30), policy: twoAttempts), .persist(.queued))
        _ = message.lease(token: tokenB, now: t0.plus(31), leaseDuration: leaseDuration)
        XCTAssertEqual(message.leaseExpired(now: t0.plus(61), policy: twoAttempts), .markDead(.attemptsExhausted))
        XCTAssertEqual(message.lastError, .leaseExpired)

        let shortAge = try RetryPolicy(maxAttempts: 50, maxAge: .seconds(60))
        var old = MessageLifecycle(acceptedAt: t0)
        _ = old.lease(token: tokenA, now: t0.plus(45), leaseDuration: leaseDuration)
        XCTAssertEqual(old.leaseExpired(now: t0.plus(75), policy: shortAge), .markDead(.maxAgeExceeded))
    }

    func testOperatorRetryResetsAttemptsAndTheAgeClock() throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(10), maxAttempts: 2, maxAge: .seconds(60))
        var rng = ConstantRandom(value: 0)
        var message = MessageLifecycle(acceptedAt: t0)
        _ = message.lease(token: tokenA, now: t0, leaseDuration: leaseDuration)
        _ = message.deliveryFailed(token: tokenA, now: t0.plus(1), failure: .timeout, policy: policy, using: &rng)
        _ = message.lease(token: tokenB, now: t0.plus(2), leaseDuration: leaseDuration)
        XCTAssertEqual(message.deliveryFailed(token: tokenB, now: t0.plus(3), failure: .timeout, policy: policy, using: &rng),
                       .markDead(.attemptsExhausted))

        let retryAt = t0.plus(7200)   // well past maxAge since acceptance
        XCTAssertEqual(message.operatorRetry(now: retryAt), .persist(.queued))
        XCTAssertEqual(message.attempts, 0)
        XCTAssertEqual(message.ageClockStartedAt, retryAt)
        XCTAssertEqual(message.acceptedAt, t0)
        XCTAssertEqual(message.lastError, .timeout, "the last error is kept for the record")

        let tokenC = LeaseToken("token-c")!
        XCTAssertEqual(message.lease(token: tokenC, now: retryAt, leaseDuration: leaseDuration),
                       .persist(.leased(token: tokenC, expiresAt: retryAt.plus(30))))
        XCTAssertEqual(message.attempts, 1)
        XCTAssertEqual(message.deliveryFailed(token: tokenC, now: retryAt.plus(1), failure: .timeout, policy: policy, using: &rng),
                       .scheduleRetry(at: retryAt.plus(1.5)), "neither attempts nor age are exhausted after the reset")
    }

    func testRecordAppliesAClassifiedOutcomeAndHonoursRetryAfter() {
        var rng = ConstantRandom(value: 0)
        var message = leased()
        let outcome = DeliveryOutcome.classify(status: 429, error: nil, retryAfterHeader: "120", now: t0.plus(2))
        XCTAssertEqual(message.record(outcome, token: tokenA, now: t0.plus(2), policy: policy, using: &rng),
                       .scheduleRetry(at: t0.plus(122)))
        XCTAssertEqual(message.lastError, .httpStatus(429))

        var permanent = leased()
        XCTAssertEqual(permanent.record(.permanentFailure(.httpStatus(403)), token: tokenA, now: t0.plus(2), policy: policy, using: &rng),
                       .markDead(.permanentFailure))

        var delivered = leased()
        XCTAssertEqual(delivered.record(.delivered(status: 202), token: tokenA, now: t0.plus(2), policy: policy, using: &rng),
                       .markDelivered(at: t0.plus(2)))
        XCTAssertEqual(delivered.record(.delivered(status: 202), token: tokenB, now: t0.plus(3), policy: policy, using: &rng),
                       .reject(.alreadyFinal))
    }

    // MARK: External status and stored form

    func testExternalStatusMapping() {
        XCTAssertEqual(MessageState.queued.externalStatus, .queued)
        XCTAssertEqual(MessageState.leased(token: tokenA, expiresAt: t0).externalStatus, .delivering)
        XCTAssertEqual(MessageState.waitingRetry(notBefore: t0).externalStatus, .queued)
        XCTAssertEqual(MessageState.delivered(at: t0).externalStatus, .delivered)
        XCTAssertEqual(MessageState.dead(.maxAgeExceeded).externalStatus, .dead)
        XCTAssertEqual(MessageStatus.allCases.map(\.rawValue), ["queued", "delivering", "delivered", "dead"])
        XCTAssertEqual(MessageState.Kind.allCases.map(\.rawValue), ["queued", "leased", "waiting-retry", "delivered", "dead"])
        XCTAssertEqual(DeadReason.allCases.map(\.rawValue), ["permanent-failure", "attempts-exhausted", "max-age-exceeded"])
    }

    func testStateRoundTripsThroughFlattenedColumns() throws {
        for kind in MessageState.Kind.allCases {
            let state = fixture(kind).state
            let restored = try MessageState(kind: state.kind, leaseToken: state.leaseToken, leaseExpiresAt: state.leaseExpiresAt,
                                            notBefore: state.notBefore, deliveredAt: state.deliveredAt, deadReason: state.deadReason)
            XCTAssertEqual(restored, state)
        }
        XCTAssertThrowsError(try MessageState(kind: .leased, leaseToken: tokenA, leaseExpiresAt: nil, notBefore: nil,
                                              deliveredAt: nil, deadReason: nil)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.missingField, field: "leaseExpiresAt"))
        }
        XCTAssertThrowsError(try MessageState(kind: .queued, leaseToken: nil, leaseExpiresAt: nil, notBefore: t0,
                                              deliveredAt: nil, deadReason: nil)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.unexpectedField, field: "notBefore"))
        }
        XCTAssertThrowsError(try MessageState(kind: .dead, leaseToken: nil, leaseExpiresAt: nil, notBefore: nil,
                                              deliveredAt: nil, deadReason: nil)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.missingField, field: "deadReason"))
        }
        XCTAssertEqual(QueueStateError(.missingField, field: "deadReason").description, "deadReason: missingField")
    }

    func testRestoringALifecycleValidatesItsFields() throws {
        let original = fixture(.leased)
        let restored = try MessageLifecycle(state: original.state, attempts: original.attempts, acceptedAt: original.acceptedAt,
                                            ageClockStartedAt: original.ageClockStartedAt, lastLeaseToken: original.lastLeaseToken,
                                            lastAttemptAt: original.lastAttemptAt, lastError: original.lastError)
        XCTAssertEqual(restored, original)
        let leasedA = MessageState.leased(token: tokenA, expiresAt: t0)
        XCTAssertEqual(try MessageLifecycle(state: leasedA, attempts: 1, acceptedAt: t0).lastLeaseToken, tokenA)
        XCTAssertThrowsError(try MessageLifecycle(state: .queued, attempts: -1, acceptedAt: t0)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.outOfRange, field: "attempts"))
        }
        XCTAssertThrowsError(try MessageLifecycle(state: leasedA, attempts: 1, acceptedAt: t0, lastLeaseToken: tokenB)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.inconsistent, field: "lastLeaseToken"))
        }
        XCTAssertThrowsError(try MessageLifecycle(state: leasedA, attempts: 0, acceptedAt: t0)) {
            XCTAssertEqual($0 as? QueueStateError, QueueStateError(.inconsistent, field: "attempts"))
        }
    }

    // MARK: Lease tokens

    func testLeaseTokens() throws {
        var rng = SplitMix64(seed: 1)
        let first = LeaseToken.random(using: &rng)
        let second = LeaseToken.random(using: &rng)
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(first.value.count, 32)
        XCTAssertTrue(first.value.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        var zeros = ConstantRandom(value: 0)
        XCTAssertEqual(LeaseToken.random(using: &zeros).value, String(repeating: "0", count: 32))

        XCTAssertNil(LeaseToken(""))
        XCTAssertNil(LeaseToken("has space"))
        XCTAssertNil(LeaseToken("ü"))
        XCTAssertNil(LeaseToken(String(repeating: "a", count: 129)))
        XCTAssertNotNil(LeaseToken(String(repeating: "a", count: 128)))
        XCTAssertEqual(LeaseToken("Ab-_9")?.description, "Ab-_9")

        let json = try JSONEncoder().encode([first])
        XCTAssertEqual(try JSONDecoder().decode([LeaseToken].self, from: json), [first])
        XCTAssertThrowsError(try JSONDecoder().decode([LeaseToken].self, from: Data(#"["bad token"]"#.utf8)))
    }
}
