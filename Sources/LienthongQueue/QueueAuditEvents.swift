public import LienthongAudit

/// The audit records the queue writes (`Contracts/audit.md`), in one place for every store: which action, actor,
/// outcome and status each step of a message's life is recorded with. No payload ever enters them.
public enum QueueAuditEvents {
    /// Acceptance: `message.accepted` (ok, 202), `message.duplicate` (ok, 200) or `message.conflict` (denied, 409);
    /// actor the sender, target the type, ref the id.
    public static func accept(_ result: AcceptResult, sender: String, user: String, type: String, id: String) -> AuditEvent {
        let (action, outcome, status): (String, AuditOutcome, Int) = switch result {
        case .accepted: ("message.accepted", .ok, 202)
        case .duplicate: ("message.duplicate", .ok, 200)
        case .conflict: ("message.conflict", .denied, 409)
        }
        return AuditEvent(actor: sender, user: user, action: action, target: type, ref: id, outcome: outcome, status: status)
    }

    /// `message.leased` by `actor` (`gateway` for push workers, status 0, user = the gateway `instance`; the
    /// recipient for pull, status 200).
    public static func leased(_ message: QueuedMessage, actor: String, instance: String) -> AuditEvent {
        let push = actor == "gateway"
        return AuditEvent(actor: actor, user: push ? instance : "", action: "message.leased", target: message.type,
                          ref: message.id, outcome: .ok, status: push ? 0 : 200)
    }

    /// The record of a push delivery's outcome once the lifecycle decided `action`: `message.delivered` (ok),
    /// `message.retry-scheduled` or `message.dead` (error), with the HTTP status or 0; any other action is a refused
    /// report, `message.delivery-rejected` (denied, 409). Actor `gateway`, user the gateway `instance` that reported.
    public static func delivery(
        _ action: MessageLifecycle.Action, outcome: DeliveryOutcome, message: QueuedMessage, instance: String
    ) -> AuditEvent {
        let status = QueueStorage.httpStatus(outcome)
        let (name, result, code): (String, AuditOutcome, Int) = switch action {
        case .markDelivered: ("message.delivered", .ok, status)
        case .scheduleRetry: ("message.retry-scheduled", .error, status)
        case .markDead: ("message.dead", .error, status)
        case .reject, .persist, .purge: ("message.delivery-rejected", .denied, 409)
        }
        return AuditEvent(actor: "gateway", user: instance, action: name, target: message.type, ref: message.id, outcome: result, status: code)
    }

    /// `message.acked` by the recipient: ok 200 when `accepted`, else denied 409; denied 404 when no message of the
    /// recipient has the id (`message` nil, `id` the id asked for).
    public static func acked(recipient: String, message: QueuedMessage?, id: String, accepted: Bool) -> AuditEvent {
        guard let message else {
            return AuditEvent(actor: recipient, action: "message.acked", ref: id, outcome: .denied, status: 404)
        }
        return AuditEvent(actor: recipient, action: "message.acked", target: message.type, ref: message.id,
                          outcome: accepted ? .ok : .denied, status: accepted ? 200 : 409)
    }

    /// A lease that expired without a report: `message.lease-expired`, and `message.dead` too when that was the last
    /// attempt (error, status 0, actor `gateway`, user the gateway `instance` that noticed).
    public static func leaseExpired(_ message: QueuedMessage, dead: Bool, instance: String) -> [AuditEvent] {
        var events = [AuditEvent(actor: "gateway", user: instance, action: "message.lease-expired", target: message.type,
                                 ref: message.id, outcome: .error, status: 0)]
        if dead {
            events.append(AuditEvent(actor: "gateway", user: instance, action: "message.dead", target: message.type,
                                     ref: message.id, outcome: .error, status: 0))
        }
        return events
    }
}
