public import LienthongConfig
public import LienthongCore

/// Who a certificate pin belongs to and what each member may do: deny by default.
///
/// Built once from the configuration; I/O-free and cheap to query per request.
public struct AccessPolicy: Sendable {
    /// Outcome of a rights check.
    public enum Decision: Sendable, Equatable {
        /// Allowed.
        case allow
        /// Refused with a problem to send.
        case deny(GatewayProblem)
    }

    private let memberByPin: [String: MemberID]
    private let grants: [MemberID: [String: Set<String>]]
    private let sends: [MemberID: [String: Set<MemberID>]]
    private let deliveries: [MemberID: GatewayConfiguration.Delivery]

    /// Builds the policy from configured members.
    public init(members: [GatewayConfiguration.Member]) {
        var byPin: [String: MemberID] = [:]
        var grants: [MemberID: [String: Set<String>]] = [:]
        var sends: [MemberID: [String: Set<MemberID>]] = [:]
        var deliveries: [MemberID: GatewayConfiguration.Delivery] = [:]
        for member in members {
            for send in member.sends { sends[member.id, default: [:]][send.type, default: []].formUnion(send.to) }
            deliveries[member.id] = member.delivery
            for pin in member.pins { byPin[pin] = member.id }
            var services: [String: Set<String>] = [:]
            for grant in member.grants { services[grant.service, default: []].formUnion(grant.purposes) }
            grants[member.id] = services
        }
        self.memberByPin = byPin
        self.grants = grants
        self.sends = sends
        self.deliveries = deliveries
    }

    /// Whether `member` may send messages of `type` to `to` (deny by default).
    public func maySend(member: MemberID, type: String, to: MemberID) -> Bool {
        sends[member]?[type]?.contains(to) ?? false
    }

    /// How `member` receives messages, if it receives any.
    public func delivery(of member: MemberID) -> GatewayConfiguration.Delivery? { deliveries[member] }

    /// The member a certificate pin is registered to, if any.
    public func member(forPin pin: String) -> MemberID? { memberByPin[pin] }

    /// Whether `member` may call `service` stating `purpose`.
    ///
    /// Order of refusals: unknown service (404), no grant (403), purpose missing where the service
    /// returns personal data (400), purpose not granted (403).
    public func authorize(member: MemberID, service: String, purpose: String?) -> Decision {
        guard ServiceCatalog.isKnown(service) else {
            return .deny(GatewayProblem(.notFound, detail: "no such service"))
        }
        guard let purposes = grants[member]?[service] else {
            return .deny(GatewayProblem(.forbidden, detail: "member is not granted this service"))
        }
        guard ServiceCatalog.requiresPurpose(service) else { return .allow }
        guard let purpose, !purpose.isEmpty else {
            return .deny(GatewayProblem(.badRequest, detail: "X-Purpose header is required for this service"))
        }
        guard purposes.contains(purpose) else {
            return .deny(GatewayProblem(.forbidden, detail: "purpose is not granted for this service"))
        }
        return .allow
    }
}
