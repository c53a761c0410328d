public import Foundation

/// The delivery lifecycle of one queued message: a value-type state machine that reads no clock and does
/// no I/O. Each event returns an ``Action`` telling the store and the worker what to do; a rejected event
/// leaves the value unchanged.
///
/// Every row carries its attempt count (incremented when a lease is taken) and its lease token; only the
/// current lease's token can settle a leased message, so a stale worker or pull client can never
/// acknowledge a message someone else has re-claimed.
///
/// | state \ event    | lease            | deliverySucceeded / ack        | deliveryFailed                        | leaseExpired                  | operatorRetry | purge      |
/// |------------------|------------------|--------------------------------|---------------------------------------|-------------------------------|---------------|------------|
/// | queued           | → leased         | notLeased                      | notLeased                             | notLeased                     | notDead       | notFinal   |
/// | leased           | alreadyLeased    | → delivered (token) / staleLease | → waitingRetry or dead (token) / staleLease | → queued or dead (when expired) / leaseNotExpired | notDead | notFinal |
/// | waitingRetry     | → leased when due / notDue | notLeased            | notLeased                             | notLeased                     | notDead       | notFinal   |
/// | delivered        | alreadyFinal     | alreadyAcknowledged (same token) / alreadyFinal | alreadyFinal         | alreadyFinal                  | alreadyFinal  | purge      |
/// | dead             | alreadyFinal     | alreadyFinal                   | alreadyFinal                          | alreadyFinal                  | → queued      | purge      |
///
/// ```swift
/// var message = MessageLifecycle(acceptedAt: now)
/// let token = LeaseToken.random(using: &rng)
/// message.lease(token: token, now: now, leaseDuration: .seconds(30))          // .persist(.leased(...)), attempts == 1
/// let outcome = DeliveryOutcome.classify(status: 503, error: nil, retryAfterHeader: "10", now: later)
/// message.record(outcome, token: token, now: later, policy: policy, using: &rng)  // .scheduleRetry(at: ...)
/// ```
public struct MessageLifecycle: Sendable, Hashable {
    /// The current state.
    public private(set) var state: MessageState
    /// Delivery attempts made (leases taken) since acceptance or the last operator retry.
    public private(set) var attempts: Int
    /// When the message was accepted.
    public let acceptedAt: Date
    /// When the age clock of the retry policy started: `acceptedAt`, or the last operator retry.
    public private(set) var ageClockStartedAt: Date
    /// The token of the most recent lease (kept after the lease ends, to recognise a repeated acknowledgement).
    public private(set) var lastLeaseToken: LeaseToken?
    /// When the most recent lease was taken.
    public private(set) var lastAttemptAt: Date?
    /// How the most recent failed attempt failed.
    public private(set) var lastError: DeliveryFailure?

    /// What the store and worker must do after an event.
    public enum Action: Sendable, Hashable {
        /// Persist the new state (a lease taken, a message returned to the queue, an operator retry).
        case persist(MessageState)
        /// Persist `delivered`; the message is done.
        case markDelivered(at: Date)
        /// Persist `waitingRetry`; the message becomes eligible again at `at`.
        case scheduleRetry(at: Date)
        /// Persist `dead`; delivery is abandoned for this reason.
        case markDead(DeadReason)
        /// Delete the message.
        case purge
        /// The event does not apply to this state; nothing changed.
        case reject(Rejection)
    }

    /// Why an event was rejected. Raw values are stable.
    public enum Rejection: String, Sendable, Hashable, CaseIterable {
        /// The token is not the current lease's: the lease expired and was taken by someone else.
        case staleLease
        /// The message is not leased (queued or waiting for a retry): there is nothing to settle.
        case notLeased
        /// The message is delivered or dead.
        case alreadyFinal
        /// The message was already delivered under this same lease token (a repeated acknowledgement).
        case alreadyAcknowledged
        /// The message is already leased.
        case alreadyLeased
        /// The message waits for a retry that is not due yet.
        case notDue
        /// The lease has not expired yet.
        case leaseNotExpired
        /// Only a dead message can be retried by an operator.
        case notDead
        /// Only a delivered or dead message can be purged.
        case notFinal
        /// The lease token is the one of the previous lease; every lease needs a fresh token.
        case tokenReused
        /// The lease duration is not positive.
        case invalidLeaseDuration
    }

    /// A newly accepted message: queued, no attempts.
    public init(acceptedAt: Date) {
        self.state = .queued
        self.attempts = 0
        self.acceptedAt = acceptedAt
        self.ageClockStartedAt = acceptedAt
        self.lastLeaseToken = nil
        self.lastAttemptAt = nil
        self.lastError = nil
    }

    /// Restores a lifecycle from stored fields.
    ///
    /// Throws `outOfRange` for a negative attempt count, `inconsistent` naming `lastLeaseToken` when a
    /// leased state's token differs from `lastLeaseToken` (give `nil` to take it from the state) and
    /// `inconsistent` naming `attempts` when a leased state has no attempt counted.
    public init(state: MessageState, attempts: Int, acceptedAt: Date, ageClockStartedAt: Date? = nil,
                lastLeaseToken: LeaseToken? = nil, lastAttemptAt: Date? = nil, lastError: DeliveryFailure? = nil) throws(QueueStateError) {
        guard attempts >= 0 else { throw QueueStateError(.outOfRange, field: "attempts") }
        var lastToken = lastLeaseToken
        if let current = state.leaseToken {
            if let lastLeaseToken, lastLeaseToken != current { throw QueueStateError(.inconsistent, field: "lastLeaseToken") }
            guard attempts >= 1 else { throw QueueStateError(.inconsistent, field: "attempts") }
            lastToken = current
        }
        self.state = state
        self.attempts = attempts
        self.acceptedAt = acceptedAt
        self.ageClockStartedAt = ageClockStartedAt ?? acceptedAt
        self.lastLeaseToken = lastToken
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
    }

    /// The external status of SPEC §4 (`queued | delivering | delivered | dead`).
    public var status: MessageStatus { state.externalStatus }

    /// The current lease token, when leased.
    public var leaseToken: LeaseToken? { state.leaseToken }

    // MARK: - Events

    /// Takes a lease: from `queued`, or from `waitingRetry` once `now` reaches its `notBefore`.
    ///
    /// Counts an attempt, records `token` as the current lease and sets the lease to expire at
    /// `now + leaseDuration`. Returns `.persist(.leased(...))`.
    /// Rejections: `invalidLeaseDuration`, `alreadyLeased`, `notDue`, `alreadyFinal`, `tokenReused`.
    public mutating func lease(token: LeaseToken, now: Date, leaseDuration: Duration) -> Action {
        guard leaseDuration > .zero else { return .reject(.invalidLeaseDuration) }
        switch state {
        case .queued:
            break
        case .waitingRetry(let notBefore):
            guard now >= notBefore else { return .reject(.notDue) }
        case .leased:
            return .reject(.alreadyLeased)
        case .delivered, .dead:
            return .reject(.alreadyFinal)
        }
        guard token != lastLeaseToken else { return .reject(.tokenReused) }
        attempts += 1
        lastLeaseToken = token
        lastAttemptAt = now
        state = .leased(token: token, expiresAt: now.adding(leaseDuration))
        return .persist(state)
    }

    /// A push delivery under lease `token` succeeded (`2xx`): the message is delivered.
    ///
    /// A result reported after the lease's expiry is still accepted as long as nobody re-claimed the
    /// message (the token is still current): the recipient has it, and re-sending would only duplicate it.
    /// Rejections: `staleLease`, `notLeased`, `alreadyAcknowledged`, `alreadyFinal`.
    public mutating func deliverySucceeded(token: LeaseToken, now: Date) -> Action {
        switch state {
        case .leased(let current, _):
            guard current == token else { return .reject(.staleLease) }
            state = .delivered(at: now)
            return .markDelivered(at: now)
        case .queued, .waitingRetry:
            return .reject(.notLeased)
        case .delivered:
            return .reject(token == lastLeaseToken ? .alreadyAcknowledged : .alreadyFinal)
        case .dead:
            return .reject(.alreadyFinal)
        }
    }

    /// A pull client acknowledged the message under lease `token` (`POST /v1/inbox/{id}/ack`).
    ///
    /// Same rules as ``deliverySucceeded(token:now:)``: only the current lease's token acknowledges;
    /// repeating an acknowledgement that succeeded is rejected as `alreadyAcknowledged`, which a route may
    /// answer as success.
    public mutating func ack(token: LeaseToken, now: Date) -> Action {
        deliverySucceeded(token: token, now: now)
    }

    /// A push delivery under lease `token` failed.
    ///
    /// A permanent failure (`4xx` other than 408/429) marks the message dead at once; a retryable one asks
    /// `policy` for the next attempt (honouring `retryAfter`) and either schedules it (`waitingRetry`) or
    /// gives up (`dead`). The failure becomes `lastError`.
    /// Rejections: `staleLease`, `notLeased`, `alreadyFinal`.
    public mutating func deliveryFailed(token: LeaseToken, now: Date, failure: DeliveryFailure, retryAfter: Duration? = nil,
                                        policy: RetryPolicy, using rng: inout some RandomNumberGenerator) -> Action {
        switch state {
        case .leased(let current, _):
            guard current == token else { return .reject(.staleLease) }
        case .queued, .waitingRetry:
            return .reject(.notLeased)
        case .delivered, .dead:
            return .reject(.alreadyFinal)
        }
        lastError = failure
        if failure.isPermanent {
            state = .dead(.permanentFailure)
            return .markDead(.permanentFailure)
        }
        switch policy.nextAttempt(attempt: attempts, firstAcceptedAt: ageClockStartedAt, now: now,
                                  retryAfter: retryAfter, using: &rng) {
        case .retry(let at):
            state = .waitingRetry(notBefore: at)
            return .scheduleRetry(at: at)
        case .giveUp(let reason):
            state = .dead(reason.deadReason)
            return .markDead(reason.deadReason)
        }
    }

    /// Applies a classified push outcome: ``deliverySucceeded(token:now:)`` for `.delivered`, otherwise
    /// ``deliveryFailed(token:now:failure:retryAfter:policy:using:)``.
    public mutating func record(_ outcome: DeliveryOutcome, token: LeaseToken, now: Date, policy: RetryPolicy,
                                using rng: inout some RandomNumberGenerator) -> Action {
        switch outcome {
        case .delivered:
            return deliverySucceeded(token: token, now: now)
        case .permanentFailure(let failure):
            return deliveryFailed(token: token, now: now, failure: failure, retryAfter: nil, policy: policy, using: &rng)
        case .retryableFailure(let failure, let retryAfter):
            return deliveryFailed(token: token, now: now, failure: failure, retryAfter: retryAfter, policy: policy, using: &rng)
        }
    }

    /// The lease ran out without a result (a pull client that never acknowledged, a crashed worker).
    ///
    /// Returns the message to the queue at once (`.persist(.queued)`, `lastError` = `leaseExpired`), unless
    /// `policy` says the attempts or the age are used up, in which case it is marked dead. So a pull
    /// recipient that never acknowledges gets the message offered `maxAttempts` times.
    /// Rejections: `leaseNotExpired` (before `expiresAt`), `notLeased`, `alreadyFinal`.
    public mutating func leaseExpired(now: Date, policy: RetryPolicy) -> Action {
        switch state {
        case .leased(_, let expiresAt):
            guard now >= expiresAt else { return .reject(.leaseNotExpired) }
        case .queued, .waitingRetry:
            return .reject(.notLeased)
        case .delivered, .dead:
            return .reject(.alreadyFinal)
        }
        lastError = .leaseExpired
        if let reason = policy.exhaustion(attempts: attempts, firstAcceptedAt: ageClockStartedAt, now: now) {
            state = .dead(reason.deadReason)
            return .markDead(reason.deadReason)
        }
        state = .queued
        return .persist(.queued)
    }

    /// An operator retries a dead message (`lienthong queue retry`): it is queued again with its attempt
    /// count reset to zero and its age clock restarted at `now`. `lastError` is kept for the record.
    /// Rejections: `alreadyFinal` (delivered), `notDead` (queued, leased, waiting).
    public mutating func operatorRetry(now: Date) -> Action {
        switch state {
        case .dead:
            state = .queued
            attempts = 0
            ageClockStartedAt = now
            return .persist(.queued)
        case .delivered:
            return .reject(.alreadyFinal)
        case .queued, .leased, .waitingRetry:
            return .reject(.notDead)
        }
    }

    /// An operator purges the message (`lienthong queue purge`). Only final messages (delivered or dead)
    /// can be purged, so an accepted message is never lost while delivery is still being attempted.
    /// Returns `.purge` (the value itself is unchanged; the store deletes the row).
    /// Rejection: `notFinal`.
    public func purge() -> Action {
        state.isFinal ? .purge : .reject(.notFinal)
    }
}
