public import Foundation
public import LienthongCore

/// A circuit breaker for one push recipient, so that a recipient that is down is not hammered and its
/// messages do not hold delivery workers that other recipients need.
///
/// ```text
/// closed ──N consecutive failures──▶ open ──cool-down passed, allowsAttempt──▶ half-open (one probe)
///   ▲                                 ▲                                          │
///   └───────────── success ───────────┼──────────────────────────────────────────┤
///                                     └──────────────── failure ─────────────────┘
/// ```
///
/// A value type: the delivery workers keep one per recipient (see ``CircuitBreakers``) and mutate it
/// under whatever isolation they use. It reads no clock; `now` is passed in.
///
/// ```swift
/// var breaker = CircuitBreaker()
/// if breaker.allowsAttempt(now: now) {
///     let outcome = … deliver …
///     breaker.record(outcome.circuitBreakerResult, now: Date())
/// }
/// ```
public struct CircuitBreaker: Sendable, Hashable {
    /// The breaker's thresholds.
    public struct Configuration: Sendable, Hashable {
        /// The default number of consecutive failures that opens the breaker: 5.
        public static let defaultFailureThreshold = 5
        /// The default time an open breaker refuses attempts: 30 seconds.
        public static let defaultCoolDown: Duration = .seconds(30)
        /// The default time after which a half-open probe that never reported is presumed lost: 60 seconds.
        public static let defaultProbeTimeout: Duration = .seconds(60)

        /// Consecutive failures that open the breaker.
        public let failureThreshold: Int
        /// How long an open breaker refuses attempts before allowing one probe.
        public let coolDown: Duration
        /// How long a half-open breaker waits for its probe's result before allowing another probe
        /// (the worker running the probe may have crashed).
        public let probeTimeout: Duration

        /// The documented defaults: 5 failures, 30 s cool-down, 60 s probe timeout.
        public init() {
            self.failureThreshold = Configuration.defaultFailureThreshold
            self.coolDown = Configuration.defaultCoolDown
            self.probeTimeout = Configuration.defaultProbeTimeout
        }

        /// A configuration with the given values; all must be positive (`outOfRange` naming the field otherwise).
        public init(failureThreshold: Int = Configuration.defaultFailureThreshold,
                    coolDown: Duration = Configuration.defaultCoolDown,
                    probeTimeout: Duration = Configuration.defaultProbeTimeout) throws(QueueStateError) {
            guard failureThreshold >= 1 else { throw QueueStateError(.outOfRange, field: "failureThreshold") }
            guard coolDown > .zero else { throw QueueStateError(.outOfRange, field: "coolDown") }
            guard probeTimeout > .zero else { throw QueueStateError(.outOfRange, field: "probeTimeout") }
            self.failureThreshold = failureThreshold
            self.coolDown = coolDown
            self.probeTimeout = probeTimeout
        }
    }

    /// The breaker's state.
    public enum State: Sendable, Hashable {
        /// Attempts flow; `consecutiveFailures` failures in a row so far.
        case closed(consecutiveFailures: Int)
        /// Attempts are refused until `until`.
        case open(until: Date)
        /// One probe attempt was let through at `probeStartedAt`; others are refused until it reports.
        case halfOpen(probeStartedAt: Date)
    }

    /// The result of an attempt, as far as the breaker is concerned (see ``DeliveryOutcome/circuitBreakerResult``).
    public enum Result: Sendable, Hashable {
        /// The recipient answered (delivered, or refused the message permanently).
        case success
        /// The recipient failed (timeout, transport error, 408, 429, `5xx`, ...).
        case failure
    }

    /// The thresholds.
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: State

    /// A closed breaker.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.state = .closed(consecutiveFailures: 0)
    }

    /// Whether an attempt may start at `now`; call it right before attempting and attempt only on `true`.
    ///
    /// Closed: always. Open: no, until the cool-down has passed; then the breaker turns half-open and this
    /// call is the one probe allowed. Half-open: no while the probe is in flight, unless it has been out for
    /// `probeTimeout`, in which case this call becomes the new probe.
    public mutating func allowsAttempt(now: Date) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen(probeStartedAt: now)
            return true
        case .halfOpen(let probeStartedAt):
            guard now >= probeStartedAt.adding(configuration.probeTimeout) else { return false }
            state = .halfOpen(probeStartedAt: now)
            return true
        }
    }

    /// Records an attempt's result.
    ///
    /// A success closes the breaker from any state (the recipient is answering). A failure counts towards
    /// the threshold when closed, re-opens a half-open breaker for another cool-down, and leaves an open
    /// breaker as it is (a late result of an attempt started before it opened).
    public mutating func record(_ result: Result, now: Date) {
        switch (result, state) {
        case (.success, _):
            state = .closed(consecutiveFailures: 0)
        case (.failure, .closed(let failures)):
            if failures + 1 >= configuration.failureThreshold {
                state = .open(until: now.adding(configuration.coolDown))
            } else {
                state = .closed(consecutiveFailures: failures + 1)
            }
        case (.failure, .halfOpen):
            state = .open(until: now.adding(configuration.coolDown))
        case (.failure, .open):
            break
        }
    }

    /// The earliest instant at which ``allowsAttempt(now:)`` may return `true`: `now` when closed, the end
    /// of the cool-down when open, the probe timeout when half-open.
    public func nextAttemptAllowed(now: Date) -> Date {
        switch state {
        case .closed: now
        case .open(let until): max(now, until)
        case .halfOpen(let probeStartedAt): max(now, probeStartedAt.adding(configuration.probeTimeout))
        }
    }
}

/// One ``CircuitBreaker`` per recipient: a failing recipient's breaker never affects another's.
///
/// Recipients without a breaker entry are closed; an entry is dropped again when its breaker closes
/// with no failures, so the table only holds recipients with recent trouble.
public struct CircuitBreakers: Sendable, Hashable {
    /// The thresholds every recipient's breaker uses.
    public let configuration: CircuitBreaker.Configuration
    private var breakers: [MemberID: CircuitBreaker] = [:]

    /// An empty table: every recipient closed.
    public init(configuration: CircuitBreaker.Configuration = CircuitBreaker.Configuration()) {
        self.configuration = configuration
    }

    /// Whether an attempt to `recipient` may start at `now` (see ``CircuitBreaker/allowsAttempt(now:)``).
    public mutating func allowsAttempt(for recipient: MemberID, now: Date) -> Bool {
        guard var breaker = breakers[recipient] else { return true }
        let allowed = breaker.allowsAttempt(now: now)
        breakers[recipient] = breaker
        return allowed
    }

    /// Records an attempt's result for `recipient` (see ``CircuitBreaker/record(_:now:)``).
    public mutating func record(_ result: CircuitBreaker.Result, for recipient: MemberID, now: Date) {
        var breaker = breakers[recipient] ?? CircuitBreaker(configuration: configuration)
        breaker.record(result, now: now)
        if breaker.state == .closed(consecutiveFailures: 0) {
            breakers[recipient] = nil
        } else {
            breakers[recipient] = breaker
        }
    }

    /// The state of `recipient`'s breaker.
    public func state(for recipient: MemberID) -> CircuitBreaker.State {
        breakers[recipient]?.state ?? .closed(consecutiveFailures: 0)
    }

    /// The recipients whose breaker would refuse an attempt at `now` (open within its cool-down, or
    /// half-open with a probe in flight); a worker excludes them when claiming messages.
    public func blockedRecipients(now: Date) -> Set<MemberID> {
        Set(breakers.compactMap { recipient, breaker in breaker.nextAttemptAllowed(now: now) > now ? recipient : nil })
    }
}
