/// One push recipient's delivery slots, and the messages leased ahead of them (an I/O-free state machine).
///
/// Pushes to a recipient are bounded by its `max_concurrency` (the slots). Leasing is a write transaction that
/// waits its turn in the group commit, behind the accepts; if a slot could only be refilled by a new lease, every
/// push would be followed by that wait. So up to `prefetch` more messages are leased ahead and wait here, in
/// memory, for a slot: when a push ends, the next one starts at once, and the lease that tops the buffer up runs
/// beside the pushes.
///
/// A message waits at most `maxWait` after its lease was taken. One that waited longer (its recipient's circuit
/// breaker opened meanwhile, or the gateway is stopping) is *abandoned*: it is not pushed, its lease is left to
/// expire, and the queue returns it (at least once; the lease counted as an attempt). `maxWait` is chosen so a
/// push started before it still ends before the lease expires.
///
/// Leasing ahead only pays, and is only safe, when pushes are quick: a message waiting behind a full set of slots
/// waits about one push. So messages are leased ahead only once pushes are known to take at most half of `maxWait`
/// (a moving average of the pushes that ended); until the first push ends, and for a slow recipient, the lease takes
/// no more than the free slots, and nothing waits.
///
/// ```swift
/// var slots = PushSlots<Message>(maxConcurrency: 4, prefetch: 4, maxWait: .seconds(10))
/// let n = slots.startLease(probeOnly: false)          // all the room when idle; then chunks of at least a quarter
/// slots.leaseFinished(leased, at: .now)               // the lease's messages wait for slots
/// let (push, abandoned) = slots.takeForPush(limit: slots.freeSlots, now: .now)   // push is now in flight
/// slots.pushFinished(took: .milliseconds(40))        // one slot free again; pushes take about this long
/// ```
public struct PushSlots<Leased: Sendable>: Sendable {
    /// Pushes in flight at most (the recipient's `max_concurrency`, ≥ 1).
    public let maxConcurrency: Int
    /// Messages leased beyond the slots, waiting for one (≥ 0).
    public let prefetch: Int
    /// How long a leased message may wait for a slot before it is abandoned to its lease's expiry.
    public let maxWait: Duration
    /// Pushes in flight now.
    public private(set) var inFlight = 0
    /// Whether a lease for this recipient is under way (at most one at a time).
    public private(set) var leasing = false
    /// How long pushes take: a moving average (weight 1/4 for the newest) of the pushes that ended; nil before the first.
    public private(set) var pushDuration: Duration?
    private var ready: [(message: Leased, leasedAt: ContinuousClock.Instant)] = []
    private var readyHead = 0

    /// - Parameters:
    ///   - maxConcurrency: pushes in flight at most (clamped to ≥ 1).
    ///   - prefetch: messages leased ahead of the slots (clamped to ≥ 0); by default as many as the slots.
    ///   - maxWait: the longest a leased message waits for a slot; with `maxWait <= .zero` nothing is leased ahead
    ///     (and nothing abandoned: a lease then takes no more than the free slots).
    public init(maxConcurrency: Int, prefetch: Int? = nil, maxWait: Duration) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.prefetch = maxWait > .zero ? max(0, prefetch ?? self.maxConcurrency) : 0
        self.maxWait = maxWait
    }

    /// The most messages held leased at once, in flight and waiting: the slots and the prefetch. Abandoned messages
    /// are not counted: their leases run until they expire, but they are no longer held here.
    public var maxLeased: Int { maxConcurrency + prefetch }

    /// Leased messages waiting for a slot.
    public var waiting: Int { ready.count - readyHead }

    /// Slots not in use.
    public var freeSlots: Int { maxConcurrency - inFlight }

    /// How many messages may wait beyond the slots now: `prefetch` once pushes are known to take at most half of
    /// `maxWait`, else none.
    public var leaseAhead: Int {
        guard let pushDuration, pushDuration * 2 <= maxWait else { return 0 }
        return prefetch
    }

    /// How many messages to lease now; 0 for none. When more than 0, a lease is under way until
    /// ``leaseFinished(_:at:)``.
    ///
    /// - Idle (nothing in flight or waiting): all the room, so a lone message goes out without waiting for company.
    /// - Otherwise: the room left in slots and buffer (``leaseAhead``), once it is at least a quarter of both
    ///   together, so that one lease transaction serves several pushes.
    /// - `probeOnly` (the circuit breaker lets a single probe through): 1 when idle, else 0.
    public mutating func startLease(probeOnly: Bool) -> Int {
        guard !leasing else { return 0 }
        let idle = inFlight == 0 && waiting == 0
        let room: Int
        if probeOnly {
            room = idle ? 1 : 0
        } else {
            let capacity = maxConcurrency + leaseAhead
            let want = capacity - inFlight - waiting
            room = want >= (idle ? 1 : max(1, capacity / 4)) ? want : 0
        }
        if room > 0 { leasing = true }
        return room
    }

    /// The lease under way ended with `leased` (none when it failed or found nothing due), taken at `at`.
    public mutating func leaseFinished(_ leased: [Leased], at: ContinuousClock.Instant) {
        leasing = false
        ready.append(contentsOf: leased.map { ($0, at) })
    }

    /// Takes the waiting messages, oldest lease first, that may be pushed now, at most `limit` (and the free
    /// slots), and counts them in flight. Messages that waited longer than `maxWait` come back as `abandoned`.
    public mutating func takeForPush(limit: Int, now: ContinuousClock.Instant) -> (push: [Leased], abandoned: [Leased]) {
        var push: [Leased] = []
        var abandoned: [Leased] = []
        let allowed = min(limit, freeSlots)
        while readyHead < ready.count {
            let next = ready[readyHead]
            if maxWait > .zero, now - next.leasedAt > maxWait {
                abandoned.append(next.message)
            } else if push.count < allowed {
                push.append(next.message)
            } else {
                break
            }
            readyHead += 1
        }
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        } else if readyHead > 64, readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        inFlight += push.count
        return (push, abandoned)
    }

    /// Takes every waiting message without pushing it (the gateway stops, or the recipient is blocked and
    /// stopping cannot wait for it).
    public mutating func abandonAll() -> [Leased] {
        let abandoned = ready[readyHead...].map(\.message)
        ready.removeAll()
        readyHead = 0
        return abandoned
    }

    /// One push ended (whatever its outcome) after `took`: its slot is free, and the push duration is averaged in.
    public mutating func pushFinished(took: Duration) {
        precondition(inFlight > 0, "pushFinished without a push in flight")
        inFlight -= 1
        pushDuration = pushDuration.map { ($0 * 3 + took) / 4 } ?? took
    }
}
