public import Foundation
public import LienthongCore

/// The durable outbound queue (SPEC §4) as the gateway's workers and routes use it, whatever stores it:
/// ``SQLiteQueueStore`` (one node, embedded) or a PostgreSQL store (several gateway instances on one database).
///
/// Every implementation runs each state change through ``MessageLifecycle`` and commits it together with its
/// audit records (`message.accepted`, `message.leased`, `message.delivered`, ...), so the same calls give the
/// same results and the same audit actions on every store (the shared conformance suite checks this).
///
/// ```swift
/// let queue: any DurableQueue = try SQLiteQueueStore(auditStore: audit)
/// for message in try await queue.lease(recipient: nil, excluding: [], limit: 16, leaseDuration: .seconds(60),
///                                      now: .now, actor: "gateway", type: nil) { ... }
/// ```
///
/// Reads are `async` here: a synchronous store satisfies them as they are.
public protocol DurableQueue: Sendable {
    /// Accepts a message, idempotently by `(sender, id)`: `.accepted`, `.duplicate` (same payload) or `.conflict`.
    func accept(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                user: String, now: Date) async throws -> AcceptResult

    /// Leases up to `limit` due messages, oldest first (only for `recipient` and of `type` when given, never for a
    /// member in `excluding`), each with a fresh lease token and one attempt counted.
    func lease(recipient: MemberID?, excluding: Set<MemberID>, limit: Int, leaseDuration: Duration,
               now: Date, actor: String, type: String?) async throws -> [QueuedMessage]

    /// Records the outcome of a push delivery made under lease `token`.
    func recordDelivery(id: String, token: LeaseToken, outcome: DeliveryOutcome, now: Date,
                        policy: RetryPolicy) async throws -> MessageLifecycle.Action

    /// A pull acknowledgement by `recipient` under lease `token`.
    func ack(id: String, recipient: MemberID, token: LeaseToken, now: Date) async throws -> MessageLifecycle.Action

    /// Returns every lease expired by `now` to the queue (or marks the message dead when `policy` says so);
    /// returns how many were handled.
    func recoverExpiredLeases(now: Date, policy: RetryPolicy) async throws -> Int

    /// The message with this id (the first accepted when several senders used it), or `nil`.
    func message(id: String) async throws -> QueuedMessage?

    /// Up to `limit` messages, oldest first, filtered by internal state, recipient and type when given.
    func list(state: MessageState.Kind?, recipient: MemberID?, type: String?, limit: Int) async throws -> [QueuedMessage]

    /// Message counts by internal state and recipient, sorted by state then recipient.
    func depth() async throws -> [(state: MessageState.Kind, recipient: MemberID, count: Int)]
}

/// The queue as the gateway serves it: ``DurableQueue`` plus accepting with an admission (acceptance report,
/// account-opening ledger) in the same transaction, the stored reports, the delivery workers' wake-up time and the
/// operator actions (SPEC §4, §8). ``SQLiteQueueStore`` and the PostgreSQL store implement it alike; the gateway
/// holds `any GatewayQueue` chosen by `[storage] url`.
public protocol GatewayQueue: DurableQueue {
    /// Accepts a message as ``DurableQueue/accept(id:sender:recipient:type:payload:user:now:)`` and applies
    /// `admission` in the same transaction for a new message (a refusal it throws stores nothing); returns the
    /// result and the `seq` of the audit record written.
    ///
    /// `idempotencyBytes`: what idempotency compares when the stored payload is not what the sender posted (a
    /// `vss.participant-sync` is stored without its refused records); the sender's payload by default.
    func acceptAudited(id: String, sender: MemberID, recipient: MemberID, type: String, payload: [UInt8],
                       user: String, now: Date, idempotencyBytes: [UInt8]?,
                       admission: MessageAdmission) async throws -> (result: AcceptResult, auditSeq: Int64)

    /// The acceptance report stored with the message `(sender, id)`, if any.
    func report(sender: MemberID, id: String) async throws -> [UInt8]?

    /// When a worker should look again: `now` when a message is `queued`, otherwise the earliest retry
    /// `notBefore` or lease expiry; `nil` when nothing is pending.
    func nextDueDate(now: Date) async throws -> Date?

    /// Operator: puts the dead message(s) with this id back to `queued` (`operator.retry` audited per message);
    /// returns whether one was retried.
    func retryDead(id: String, now: Date, user: String) async throws -> Bool

    /// Operator: puts every dead message for `recipient` back to `queued`; returns how many.
    func retryAllDead(recipient: MemberID, now: Date, user: String) async throws -> Int

    /// Operator: deletes messages delivered before `olderThan` (one `operator.purge` record); returns how many.
    func purgeDelivered(olderThan: Date, user: String) async throws -> Int

    /// Every message accepted with this id (by any sender), oldest first.
    func messages(id: String) async throws -> [QueuedMessage]
}

extension SQLiteQueueStore: GatewayQueue {}
