public import Hummingbird
import Foundation
import NIOCore
import Synchronization

/// Run-time switchable faults for simulators: added latency, an error rate, downtime (optionally for a
/// limited time, after which it heals by itself), and flapping (alternately up and down for equal periods).
///
/// Switch through the Swift API or, on a simulator's listener, `POST /_sim/faults` with
/// `{ "latencyMs": 1500, "errorRate": 0.2, "downForMs": 10000, "down": true, "downMode": "close", "flapMs": 2000 }`
/// (every key optional; `downForMs: 0` or `down: false` heals; `flapMs: 0` stops flapping). `GET /_sim/faults`
/// shows the state.
///
/// ```swift
/// let faults = FaultInjector(seed: 7)
/// faults.setLatency(.milliseconds(800))
/// faults.setErrorRate(0.1)
/// faults.setDown(for: .seconds(30))
/// faults.setFlapping(period: .seconds(2))   // up 2 s, down 2 s, up 2 s, ...
/// ```
///
/// Decisions use a seeded generator, so a sequence of requests meets the same faults for the same seed.
public final class FaultInjector: Sendable {
    /// How a simulator behaves while down.
    public enum DownMode: String, Sendable, Codable, Hashable {
        /// Answer `503 Service Unavailable`.
        case serviceUnavailable = "503"
        /// Close the connection without answering.
        case closeConnection = "close"
    }

    /// What to do with one request.
    public enum Action: Sendable, Hashable {
        /// Serve it normally.
        case proceed
        /// Answer with a server error (for SOAP: HTTP 500 with a SOAP fault).
        case fail
        /// Behave as down.
        case down(DownMode)
    }

    /// The decision for one request: wait `latency`, then act.
    public struct Decision: Sendable, Hashable {
        /// Added delay before acting.
        public var latency: Duration
        /// What to do.
        public var action: Action

        /// Creates a decision.
        public init(latency: Duration, action: Action) {
            self.latency = latency
            self.action = action
        }
    }

    /// The state as shown by `GET /_sim/faults`.
    public struct Snapshot: Codable, Sendable, Hashable {
        /// Added latency in milliseconds.
        public var latencyMs: Int
        /// Share of requests answered with an error, 0–1.
        public var errorRate: Double
        /// Whether the simulator is down now.
        public var down: Bool
        /// Milliseconds until a timed downtime heals; absent when up or down until healed.
        public var downRemainingMs: Int?
        /// Behaviour while down.
        public var downMode: DownMode
        /// Status every request is answered with (see ``FaultInjector/setForcedStatus(_:retryAfterSeconds:)``);
        /// absent when none.
        public var forcedStatus: Int?
        /// `Retry-After` seconds sent with the forced status; absent when none.
        public var retryAfterSeconds: Int?
        /// Flapping period in milliseconds (up for one period, down for the next); absent when not flapping.
        public var flapMs: Int?

        /// Creates a snapshot.
        public init(
            latencyMs: Int, errorRate: Double, down: Bool, downRemainingMs: Int?, downMode: DownMode,
            forcedStatus: Int? = nil, retryAfterSeconds: Int? = nil, flapMs: Int? = nil
        ) {
            self.flapMs = flapMs
            self.latencyMs = latencyMs
            self.errorRate = errorRate
            self.down = down
            self.downRemainingMs = downRemainingMs
            self.downMode = downMode
            self.forcedStatus = forcedStatus
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// A change, as posted to `/_sim/faults`; absent keys leave their setting alone.
    public struct Update: Codable, Sendable, Hashable {
        /// New added latency in milliseconds (≥ 0).
        public var latencyMs: Int?
        /// New error rate, clamped to 0–1.
        public var errorRate: Double?
        /// Go down for this many milliseconds; `0` heals.
        public var downForMs: Int?
        /// `true`: down until healed; `false`: heal.
        public var down: Bool?
        /// Behaviour while down.
        public var downMode: DownMode?
        /// Answer every request with this status (400–599); any other value (e.g. `0`) clears it.
        public var forcedStatus: Int?
        /// `Retry-After` seconds to send with the forced status; a negative value clears it. Only read together
        /// with `forcedStatus`.
        public var retryAfterSeconds: Int?
        /// Flap with this period in milliseconds (up first); `0` stops flapping.
        public var flapMs: Int?

        /// Creates an update.
        public init(
            latencyMs: Int? = nil, errorRate: Double? = nil, downForMs: Int? = nil, down: Bool? = nil, downMode: DownMode? = nil,
            forcedStatus: Int? = nil, retryAfterSeconds: Int? = nil, flapMs: Int? = nil
        ) {
            self.flapMs = flapMs
            self.latencyMs = latencyMs
            self.errorRate = errorRate
            self.downForMs = downForMs
            self.down = down
            self.downMode = downMode
            self.forcedStatus = forcedStatus
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    private struct State: Sendable {
        var latency: Duration = .zero
        var errorRate: Double = 0
        var down = false
        var downUntil: ContinuousClock.Instant?
        var downMode: DownMode = .serviceUnavailable
        var forced: ForcedStatus?
        var flap: (period: Duration, since: ContinuousClock.Instant)?
        var rng: SplitMix64

        mutating func heal(now: ContinuousClock.Instant) {
            if down, let downUntil, now >= downUntil {
                down = false
                self.downUntil = nil
            }
        }

        /// Down now: switched down, or in a down half of the flapping cycle.
        func isDown(now: ContinuousClock.Instant) -> Bool {
            if down { return true }
            guard let flap, now >= flap.since else { return false }
            let phase = Int((now - flap.since) / flap.period)
            return phase % 2 == 1
        }
    }

    private let state: Mutex<State>

    /// Creates an injector with no faults.
    public init(seed: UInt64 = 0x5EED) {
        self.state = Mutex(State(rng: SplitMix64(seed: seed)))
    }

    /// Sets the latency added to every request.
    public func setLatency(_ latency: Duration) {
        state.withLock { $0.latency = max(.zero, latency) }
    }

    /// Sets the share of requests answered with an error (clamped to 0–1).
    public func setErrorRate(_ rate: Double) {
        state.withLock { $0.errorRate = rate.isNaN ? 0 : min(1, max(0, rate)) }
    }

    /// Goes down: for `duration` (then heals by itself), or until ``heal()`` when `duration` is `nil`.
    public func setDown(for duration: Duration? = nil, mode: DownMode = .serviceUnavailable, now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.down = true
            $0.downMode = mode
            $0.downUntil = duration.map { now + $0 }
        }
    }

    /// Ends downtime (and flapping).
    public func heal() {
        state.withLock {
            $0.down = false
            $0.downUntil = nil
            $0.flap = nil
        }
    }

    /// Flaps: up for `period`, down for `period`, and so on from `now` (up first); `nil` or a zero period stops.
    public func setFlapping(period: Duration?, now: ContinuousClock.Instant = .now) {
        state.withLock {
            guard let period, period > .zero else {
                $0.flap = nil
                return
            }
            $0.flap = (period, now)
        }
    }

    /// Removes every fault.
    public func reset() {
        state.withLock {
            $0.latency = .zero
            $0.errorRate = 0
            $0.down = false
            $0.downUntil = nil
            $0.downMode = .serviceUnavailable
            $0.forced = nil
            $0.flap = nil
        }
    }

    /// Applies a posted change.
    public func apply(_ update: Update, now: ContinuousClock.Instant = .now) {
        if let mode = update.downMode { state.withLock { $0.downMode = mode } }
        if let latency = update.latencyMs { setLatency(.milliseconds(max(0, latency))) }
        if let rate = update.errorRate { setErrorRate(rate) }
        let mode = state.withLock { $0.downMode }
        if let down = update.down {
            if down { setDown(for: nil, mode: mode, now: now) } else { heal() }
        }
        if let downFor = update.downForMs {
            if downFor > 0 { setDown(for: .milliseconds(downFor), mode: mode, now: now) } else { heal() }
        }
        if let status = update.forcedStatus {
            setForcedStatus(status, retryAfterSeconds: update.retryAfterSeconds)
        }
        if let flap = update.flapMs {
            setFlapping(period: flap > 0 ? .milliseconds(flap) : nil, now: now)
        }
    }

    /// The current state.
    public func snapshot(now: ContinuousClock.Instant = .now) -> Snapshot {
        state.withLock { s in
            s.heal(now: now)
            var remaining: Int?
            if s.down, let until = s.downUntil {
                remaining = Self.milliseconds(until - now)
            }
            return Snapshot(
                latencyMs: Self.milliseconds(s.latency),
                errorRate: s.errorRate,
                down: s.isDown(now: now),
                downRemainingMs: remaining,
                downMode: s.downMode,
                forcedStatus: s.forced?.status,
                retryAfterSeconds: s.forced?.retryAfterSeconds,
                flapMs: s.flap.map { Self.milliseconds($0.period) }
            )
        }
    }

    /// Decides the fate of one request (consumes one random draw when an error rate is set).
    public func decide(now: ContinuousClock.Instant = .now) -> Decision {
        state.withLock { s in
            s.heal(now: now)
            if s.isDown(now: now) { return Decision(latency: s.latency, action: .down(s.downMode)) }
            if s.errorRate > 0 && (s.errorRate >= 1 || s.rng.unitInterval() < s.errorRate) {
                return Decision(latency: s.latency, action: .fail)
            }
            return Decision(latency: s.latency, action: .proceed)
        }
    }
}

extension FaultInjector {
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

extension FaultInjector {
    /// A status that every request is answered with, whatever it holds (e.g. `429` with `Retry-After`, `400`).
    ///
    /// Simulators that support it consult ``FaultInjector/forcedStatus()`` after the other faults (latency,
    /// downtime, error rate) have let a request through.
    public struct ForcedStatus: Sendable, Hashable {
        /// The HTTP status, 400–599.
        public var status: Int
        /// Seconds for the `Retry-After` header; `nil` sends none.
        public var retryAfterSeconds: Int?

        /// Creates a forced status.
        public init(status: Int, retryAfterSeconds: Int? = nil) {
            self.status = status
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// Answers every request with `status` (400–599), with `Retry-After: retryAfterSeconds` when given and not
    /// negative; `nil` or a status outside 400–599 clears the forced status.
    public func setForcedStatus(_ status: Int?, retryAfterSeconds: Int? = nil) {
        state.withLock { s in
            guard let status, (400...599).contains(status) else {
                s.forced = nil
                return
            }
            s.forced = ForcedStatus(status: status, retryAfterSeconds: retryAfterSeconds.flatMap { $0 >= 0 ? $0 : nil })
        }
    }

    /// The forced status in effect, if any.
    public func forcedStatus() -> ForcedStatus? {
        state.withLock { $0.forced }
    }
}

/// The request context of the simulators: Hummingbird's basic storage plus the channel, so that a down
/// simulator can close connections.
public struct SimulatorRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection's channel.
    let channel: any Channel

    /// Creates the context for a request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Applies a ``FaultInjector`` to every request except the `/_sim/` control paths.
public struct FaultInjectionMiddleware: RouterMiddleware {
    /// The request context.
    public typealias Context = SimulatorRequestContext

    /// The injector consulted for each request.
    public let faults: FaultInjector
    /// Builds the error answer (e.g. `500` with a SOAP fault) for `.fail`, and the `503` answer for downtime.
    public let failureResponse: @Sendable (HTTPResponse.Status) -> Response

    /// Creates the middleware.
    public init(faults: FaultInjector, failureResponse: @escaping @Sendable (HTTPResponse.Status) -> Response) {
        self.faults = faults
        self.failureResponse = failureResponse
    }

    /// Delays, fails, refuses or passes the request on.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/_sim/") { return try await next(request, context) }
        let decision = faults.decide()
        if decision.latency > .zero { try await Task.sleep(for: decision.latency) }
        switch decision.action {
        case .proceed:
            return try await next(request, context)
        case .fail:
            return failureResponse(.internalServerError)
        case .down(.serviceUnavailable):
            return failureResponse(.serviceUnavailable)
        case .down(.closeConnection):
            try await context.channel.close()
            throw HTTPError(.serviceUnavailable)
        }
    }
}

extension FaultInjector {
    /// Adds `GET /_sim/faults` and `POST /_sim/faults` to `router`.
    public func addControlRoutes(to router: Router<SimulatorRequestContext>) {
        router.get("/_sim/faults") { _, _ in
            try FaultInjector.json(self.snapshot())
        }
        router.post("/_sim/faults") { request, context in
            let update = try await request.decode(as: Update.self, context: context)
            self.apply(update)
            return try FaultInjector.json(self.snapshot())
        }
    }

    static func json(_ snapshot: Snapshot) throws -> Response {
        var buffer = ByteBuffer()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        buffer.writeBytes(try encoder.encode(snapshot))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
