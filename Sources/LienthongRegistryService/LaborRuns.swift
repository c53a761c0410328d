import Foundation
public import LienthongCore
public import LienthongLabor
public import LienthongLaborStore
import LienthongRegistry
import LienthongRegistryStore
public import Logging

/// The labour department's member system for labour analysis (SPEC §7): it takes the worker records and the social
/// insurance facts waiting in its inbox, and checks each person's identity against the population database, all
/// through the gateway's partner API as the labour department (so every call is authorised and audited).
public struct LaborRuns: Sendable {
    /// The labour records.
    public let store: any LaborRecords
    /// The calls through the gateway (the same client as the registry's).
    public let gateway: RegistryGateway
    /// Counts and ids only.
    public let logger: Logger

    /// Creates the runs.
    public init(store: any LaborRecords, gateway: RegistryGateway, logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.logger = logger
    }

    /// What ``ingest(today:)`` took from the inbox.
    public struct IngestSummary: Sendable, Hashable, Codable {
        /// Messages taken and acknowledged.
        public var messages: Int = 0
        /// Worker records stored (new or replacing one of the same person and date).
        public var records: Int = 0
        /// Social-insurance facts stored.
        public var socialInsuranceUpdates: Int = 0
        /// Records skipped because they no longer decode (the gateway checked them when it accepted the message).
        public var skipped: Int = 0

        /// Creates a summary.
        public init() {}
    }

    /// Takes every `labor.worker-records` and `vss.participant-sync` message waiting in the inbox: worker records
    /// (industrial-zone board) are stored in one transaction per message, participant records become social-insurance
    /// facts as of the sync's `asOf` (or `today`). A message is acknowledged only once stored.
    ///
    /// - Throws: ``RegistryRuns/Interrupted`` when the gateway cannot be reached or refuses.
    public func ingest(today: CalendarDate) async throws -> IngestSummary {
        var summary = IngestSummary()
        let store = self.store
        do {
            while true {
                var round = IngestSummary()
                let workers = try await gateway.drainInbox(type: WorkerRecordsPayload.messageType) { message in
                    guard case .object(let payload) = message.payload, case .array(let items)? = payload["records"] else { return }
                    var records: [WorkerRecord] = []
                    for item in items {
                        switch WorkerRecordsPayload.workerRecord(from: item, source: .industrialZone) {
                        case .success(let record): records.append(record)
                        case .failure: round.skipped += 1
                        }
                    }
                    let stored = try await store.upsert(records)
                    round.records += stored.inserted + stored.replaced
                }
                let syncs = try await gateway.drainInbox(type: ParticipantSync.messageType) { message in
                    guard case .object(let payload) = message.payload, case .array(let items)? = payload["records"] else { return }
                    var asOf = today
                    if case .string(let text)? = payload["asOf"], let date = try? CalendarDate(iso: text) { asOf = date }
                    let updates = items.compactMap { WorkerRecordsPayload.socialInsuranceUpdate(fromParticipantSync: $0, asOf: asOf) }
                    round.skipped += items.count - updates.count
                    round.socialInsuranceUpdates += try await store.apply(updates)
                }
                round.messages = workers + syncs
                summary.messages += round.messages
                summary.records += round.records
                summary.socialInsuranceUpdates += round.socialInsuranceUpdates
                summary.skipped += round.skipped
                if round.messages == 0 { break }
            }
        } catch {
            throw RegistryRuns.Interrupted(completed: summary.messages, cause: error)
        }
        logger.info("labour inbox taken", metadata: [
            "messages": "\(summary.messages)", "records": "\(summary.records)", "siUpdates": "\(summary.socialInsuranceUpdates)",
        ])
        return summary
    }

    /// Checks, through `population.verify-citizen` under the purpose `labor.analysis`, the identity of every person not yet checked, `concurrency` calls
    /// at a time in the registry runs' sliding window (``RegistryRuns``); results are stored a page at a time (a stop
    /// loses at most one page, whose calls are made again).
    /// Returns how many people were checked.
    ///
    /// - Throws: ``RegistryRuns/Interrupted`` on an upstream or gateway failure (the rest stays to check).
    @discardableResult
    public func verifyIdentities(concurrency: Int = 8) async throws -> Int {
        let store = self.store
        let gateway = self.gateway
        let checked = try await RegistryRuns.drain(
            concurrency: concurrency, logger: logger,
            next: { after, limit in try await store.pendingIdentities(afterPersonalID: after, limit: limit) },
            row: { $0.personalID },
            call: { person in
                let task = VerificationTask(
                    row: 0, kind: .verify, personalID: person.personalID, fullName: person.fullName,
                    dateOfBirth: .full(person.dateOfBirth), sex: nil, hometown: nil, permanentResidence: nil,
                    parentName: nil, birthRegistrationPlace: nil)
                return Self.identity(try await gateway.verify(task, purpose: "labor.analysis"))
            },
            record: { results in try await store.recordIdentities(results.map { ($0.0.personalID, $0.1) }) },
            progress: {})
        logger.info("identity checks finished", metadata: ["checked": "\(checked)"])
        return checked
    }

    /// The stored result of a verification answer (the register's name and date of birth kept on a mismatch).
    static func identity(_ status: VerificationStatus) -> IdentityResult {
        switch status {
        case .matched, .numberAssigned: return .matched
        case .notFound: return .notFound
        case .invalid: return .invalid
        case .mismatch(let differences):
            let name = differences.first { $0.field == .fullName }?.registered
            let date = differences.first { $0.field == .dateOfBirth }.flatMap { try? CalendarDate(iso: $0.registered) }
            return .mismatch(registeredName: name, registeredDateOfBirth: date)
        }
    }
}
