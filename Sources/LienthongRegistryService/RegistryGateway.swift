public import Foundation
import LienthongAdapters
public import LienthongClient
public import LienthongCore
public import LienthongRegistry
public import LienthongRegistryStore

/// The registry's calls through the gateway (SPEC §6: "it reaches the adapters only through the gateway's exchange
/// path, so its calls are authorised and audited like any partner's"), with the labour department's client.
///
/// Answers that say something about the person become results; answers that say the exchange failed (timeouts,
/// `5xx`, `429`, a refused connection) become ``RegistryCallError/transient`` so a run stops and resumes later
/// without recording anything for that row.
public struct RegistryGateway: Sendable {
    /// The labour department's client of the partner API.
    public let client: PartnerClient
    /// The officer acting (`X-User-Id`).
    public let user: String

    /// Creates the gateway side of the registry.
    public init(client: PartnerClient, user: String) {
        self.client = client
        self.user = user
    }

    /// A call that did not produce a result.
    public enum RegistryCallError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Worth retrying later: timeout, upstream or gateway failure, rate limit, no connection. Carries the
        /// HTTP status (0 when no answer came) and the problem type when there was one.
        case transient(status: Int, problem: String?)
        /// The gateway refused the call for a reason retrying will not change (e.g. `403`: the grant is missing).
        case refused(status: Int, problem: String?)

        /// `transient(503, urn:…)`.
        public var description: String {
            switch self {
            case .transient(let status, let problem): "transient(\(status), \(problem ?? "-"))"
            case .refused(let status, let problem): "refused(\(status), \(problem ?? "-"))"
            }
        }
    }

    /// `population.verify-citizen` or `population.request-personal-id` for one row, under `purpose` (the registry's
    /// `asxh.verify-beneficiary`; labour analysis checks its people under `labor.analysis`).
    public func verify(_ task: VerificationTask, purpose: String = "asxh.verify-beneficiary") async throws(RegistryCallError) -> VerificationStatus {
        switch task.kind {
        case .verify:
            guard let personalID = task.personalID, let name = task.fullName, let birth = task.dateOfBirth else {
                return .invalid([Finding(row: task.row, column: .personalId, code: .personalIdMissing, severity: .blocking)])
            }
            // A list that holds only the year (or month and year) is compared on the year, as the contract allows.
            let request = VerifyCitizenRequest(
                personalId: personalID.digits, fullName: name, dateOfBirth: birth.fullDate?.iso ?? BirthDate.yearOnly(birth.year).text,
                hometown: task.hometown, permanentResidence: task.permanentResidence)
            let answer = try await call("population.verify-citizen", request, purpose: purpose)
            if answer.status == 400 {
                return .invalid([Finding(row: task.row, column: .personalId, code: .personalIdMalformed, severity: .blocking)])
            }
            let response: VerifyCitizenResponse = try decode(answer)
            switch response.status {
            case .matched: return .matched
            case .notFound: return .notFound
            case .mismatch:
                return .mismatch(response.mismatches.compactMap { m in
                    RegisteredField(rawValue: m.field.rawValue).map { FieldDifference(field: $0, registered: m.registered) }
                })
            }
        case .requestPersonalID:
            guard let name = task.fullName, let birth = task.dateOfBirth?.fullDate, let sex = task.sex,
                  let parent = task.parentName, let place = task.birthRegistrationPlace else {
                return .invalid([Finding(row: task.row, column: .birthRegistrationPlace, code: .birthPlaceMissing, severity: .blocking)])
            }
            let request = RequestPersonalIDRequest(
                fullName: name, dateOfBirth: birth.iso, sex: sex, parentName: parent, birthRegistrationPlace: place)
            let answer = try await call("population.request-personal-id", request, purpose: purpose)
            let response: RequestPersonalIDResponse = try decode(answer)
            if response.status == .matched, let number = response.personalId, let id = try? PersonalID(number) {
                return .numberAssigned(id)
            }
            return .notFound
        }
    }

    /// `napas.verify-account` for one account of a payment period.
    public func verifyAccount(_ task: AccountCheckTask) async throws(RegistryCallError) -> (AccountVerification, registeredName: String?) {
        guard let bin = task.bin, let holder = task.holderName else { return (.notFound, nil) }
        let kind: AccountKind = switch task.accountType {
        case .eWallet?: .eWallet
        case .mobileMoney?: .mobileMoney
        default: .bank
        }
        let request = VerifyAccountRequest(
            bin: bin, accountNumber: task.accountNumber, accountType: kind, holderName: holder,
            personalId: task.holderPersonalID?.digits)
        let answer = try await call("napas.verify-account", request, purpose: "asxh.verify-account")
        if answer.status == 400 { return (.notFound, nil) }   // e.g. a BIN not in the directory: no such account
        let response: VerifyAccountResponse = try decode(answer)
        let verification = AccountVerification(rawValue: response.status.rawValue) ?? .notFound
        return (verification, response.registeredName)
    }

    /// Sends one `asxh.account-opening-request` to `bank` with the message id `id` (a re-send after a crash uses the
    /// same id and payload, so the gateway answers `200` instead of queuing it twice).
    public func sendOpening(_ payload: JSONValue, to bank: String, id: String) async throws(RegistryCallError) {
        let envelope = JSONValue.object([
            "id": .string(id), "type": .string("asxh.account-opening-request"), "to": .string(bank), "payload": payload,
        ])
        let answer: PartnerClient.Answer
        do {
            answer = try await client.send(
                method: .POST, path: "/v1/messages",
                headers: [("Content-Type", "application/json"), ("X-User-Id", user)], body: Data(JCS.canonicalize(envelope)))
        } catch {
            throw .transient(status: 0, problem: nil)
        }
        guard answer.status == 202 || answer.status == 200 else { throw Self.failure(answer) }
    }

    /// One account-opening result from the labour department's inbox.
    public struct OpeningResult: Sendable, Hashable {
        /// The inbox message id.
        public var messageID: String
        /// The result payload's members.
        public var requestRef: String
        /// acknowledged, opened, rejected or card-delivered.
        public var outcome: OpeningOutcome
        /// The opened account.
        public var accountID: String?
        /// acmt.011 reason code of a rejection.
        public var reasonCode: String?
        /// Reason text of a rejection.
        public var reason: String?
        /// The bank's business date of the step.
        public var on: String?
    }

    /// Takes the banks' account-opening results waiting in the labour department's inbox (one lease of up to
    /// `limit`), hands each to `handle` and acknowledges it once handled. A message `handle` throws on is left
    /// unacknowledged (offered again after its lease). Returns how many were handled.
    public func drainOpeningResults(limit: Int = 50, _ handle: (OpeningResult) async throws -> Void) async throws(RegistryCallError) -> Int {
        try await drainInbox(type: "asxh.account-opening-result", limit: limit) { message in
            guard case .object(let payload) = message.payload, case .string(let ref)? = payload["requestRef"],
                  case .string(let outcomeText)? = payload["outcome"], let outcome = OpeningOutcome(rawValue: outcomeText) else { return }
            func text(_ key: String) -> String? { if case .string(let s)? = payload[key] { s } else { nil } }
            try await handle(OpeningResult(
                messageID: message.id, requestRef: ref, outcome: outcome, accountID: text("accountId"),
                reasonCode: text("reasonCode"), reason: text("reason"), on: text("on")))
        }
    }

    /// A message leased from the member's inbox.
    public struct InboxMessage: Sendable {
        /// The message id.
        public var id: String
        /// The sender's member id.
        public var from: String
        /// The payload.
        public var payload: JSONValue
    }

    /// One lease of up to `limit` messages of `type` from the member's inbox: each is handed to `handle` and
    /// acknowledged once handled; one `handle` throws on stays unacknowledged (offered again after its lease).
    /// Returns how many were handled.
    public func drainInbox(type: String, limit: Int = 50, _ handle: (InboxMessage) async throws -> Void) async throws(RegistryCallError) -> Int {
        let answer: PartnerClient.Answer
        do {
            answer = try await client.send(method: .GET, path: "/v1/inbox?limit=\(limit)&type=\(type)", headers: [], body: nil)
        } catch {
            throw .transient(status: 0, problem: nil)
        }
        guard answer.status == 200 else { throw Self.failure(answer) }
        guard case .object(let root)? = try? JSONValue(parsing: Array(answer.body)), case .array(let items)? = root["messages"] else {
            throw .transient(status: answer.status, problem: nil)
        }
        var handled = 0
        for case .object(let item) in items {
            guard case .string(let id)? = item["id"], case .string(let token)? = item["leaseToken"] else { continue }
            let from: String = if case .string(let sender)? = item["from"] { sender } else { "" }
            do {
                try await handle(InboxMessage(id: id, from: from, payload: item["payload"] ?? .null))
            } catch {
                continue   // not acknowledged: offered again after the lease
            }
            _ = try? await client.send(
                method: .POST, path: "/v1/inbox/\(id)/ack", headers: [("Content-Type", "application/json")],
                body: Data(#"{"leaseToken":"\#(token)"}"#.utf8))
            handled += 1
        }
        return handled
    }

    // MARK: -

    private func call<Body: Encodable>(_ service: String, _ body: Body, purpose: String) async throws(RegistryCallError) -> PartnerClient.Answer {
        let answer: PartnerClient.Answer
        do {
            answer = try await client.call(service: service, body: try JSONEncoder().encode(body), user: user, purpose: purpose)
        } catch {
            throw .transient(status: 0, problem: nil)
        }
        if answer.status == 200 || answer.status == 400 { return answer }
        throw Self.failure(answer)
    }

    private func decode<T: Decodable>(_ answer: PartnerClient.Answer) throws(RegistryCallError) -> T {
        do { return try answer.decode(T.self) } catch { throw .transient(status: answer.status, problem: nil) }
    }

    private static func failure(_ answer: PartnerClient.Answer) -> RegistryCallError {
        let problem = answer.problem?.type
        return switch answer.status {
        case 408, 429, 500...599: .transient(status: answer.status, problem: problem)
        default: .refused(status: answer.status, problem: problem)
        }
    }
}
