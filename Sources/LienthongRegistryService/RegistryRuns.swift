import Crypto
public import Foundation
public import LienthongCore
public import LienthongRegistry
public import LienthongRegistryStore
public import Logging

/// The registry's long runs over a batch, each resumable: what is done is recorded row by row in the
/// ``RegistryStore`` as it happens, so a run stopped by a crash, a restart or an upstream outage continues where it
/// stopped and never repeats a finished row's call.
///
/// ```swift
/// let runs = RegistryRuns(store: store, gateway: RegistryGateway(client: labour, user: "canbo-01"), logger: logger)
/// let progress = try await runs.verify(batch: id, concurrency: 8) { print("\($0.done)/\($0.total)") }
/// ```
public struct RegistryRuns: Sendable {
    /// Where rows and results live.
    public let store: any RegistryRecords
    /// The calls through the gateway.
    public let gateway: RegistryGateway
    /// Logs counts and codes only.
    public let logger: Logger

    /// Creates the runs.
    public init(store: any RegistryRecords, gateway: RegistryGateway, logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.logger = logger
    }

    /// A run stopped before every row had its result; run it again to continue.
    public struct Interrupted: Error, Sendable, CustomStringConvertible {
        /// Rows that got a result in this run before it stopped.
        public var completed: Int
        /// Why: the call error that stopped it.
        public var cause: RegistryGateway.RegistryCallError
        /// `interrupted after N rows: cause`.
        public var description: String { "interrupted after \(completed) rows: \(cause)" }
    }

    /// Verifies every pending row of `batch` against the population database (`population.verify-citizen`, or
    /// `population.request-personal-id` for children without a number), at most `concurrency` calls at a time.
    /// Throws ``Interrupted`` at the first call that fails for a reason other than the person (timeouts, `5xx`, …)
    /// once the calls in flight have finished; results already recorded stay.
    @discardableResult
    public func verify(
        batch: String, concurrency: Int = 8, progress: @Sendable (VerificationProgress) -> Void = { _ in }
    ) async throws -> VerificationProgress {
        let gateway = self.gateway
        let store = self.store
        try await Self.drain(
            concurrency: concurrency, logger: logger,
            next: { after, limit in try await store.pendingVerifications(batch: batch, afterRow: after ?? 0, limit: limit) },
            row: { $0.row },
            call: { task in try await gateway.verify(task) },
            record: { results in try await store.recordVerifications(batch: batch, results: results.map { ($0.0.row, $0.1) }) },
            progress: { progress(try await store.verificationProgress(batch: batch)) })
        let result = try await store.verificationProgress(batch: batch)
        logger.info("verification run finished", metadata: ["batch": "\(batch)", "done": "\(result.done)", "total": "\(result.total)"])
        return result
    }

    /// Verifies the accounts of `batch` for the payment `period` (`YYYY-MM`) through `napas.verify-account`.
    /// Returns how many accounts were checked in this run.
    @discardableResult
    public func verifyAccounts(batch: String, period: String, concurrency: Int = 8) async throws -> Int {
        let gateway = self.gateway
        let store = self.store
        return try await Self.drain(
            concurrency: concurrency, logger: logger,
            next: { after, limit in try await store.pendingAccountChecks(batch: batch, period: period, afterRow: after ?? 0, limit: limit) },
            row: { $0.row },
            call: { task in try await gateway.verifyAccount(task) },
            record: { results in
                for (task, result) in results {
                    try await store.recordAccountCheck(batch: batch, row: task.row, period: period, result: result.0, registeredName: result.registeredName)
                }
            },
            progress: {})
    }

    /// Sends an `asxh.account-opening-request` for every payee of `batch` who needs an account opened in `period`.
    /// Message ids are derived from the request reference, so sending again after a crash is idempotent at the
    /// gateway. Returns how many requests were sent.
    @discardableResult
    public func openAccounts(batch: String, period: String) async throws -> Int {
        var sent = 0
        for task in try await store.pendingOpenings(batch: batch, period: period, limit: .max) {
            guard let bin = task.bankBIN else { continue }
            let payload = try task.requestPayload()
            let id = Self.messageID(for: task.requestRef)
            do {
                try await gateway.sendOpening(payload, to: "bank.\(bin)", id: id)
            } catch {
                throw Interrupted(completed: sent, cause: error)
            }
            try await store.recordOpeningSent(batch: batch, row: task.row, requestRef: task.requestRef, messageID: id, bank: bin, period: period)
            sent += 1
        }
        logger.info("account-opening requests sent", metadata: ["batch": "\(batch)", "sent": "\(sent)"])
        return sent
    }

    /// Takes the banks' account-opening results waiting in the labour department's inbox and records them.
    /// Returns how many were recorded.
    @discardableResult
    public func collectOpeningResults() async throws -> Int {
        var total = 0
        while true {
            let store = self.store
            let handled: Int
            do {
                handled = try await gateway.drainOpeningResults { result in
                    try await store.recordOpeningResult(
                        requestRef: result.requestRef, outcome: result.outcome, accountID: result.accountID,
                        reasonCode: result.reasonCode, reason: result.reason, on: result.on.flatMap { try? CalendarDate(iso: $0) })
                }
            } catch {
                throw Interrupted(completed: total, cause: error)
            }
            total += handled
            if handled == 0 { return total }
        }
    }

    /// The message id of the opening request `requestRef`: a UUID (version 8, RFC 9562) from SHA-256.
    static func messageID(for requestRef: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("lienthong.registry.opening|\(requestRef)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }

    /// Runs the pending tasks' calls `concurrency` at a time in a sliding window: the next page of tasks is read
    /// (after the last row read) while calls are in flight, and results are recorded together (one transaction, one
    /// fsync) every `concurrency × 16` results and at the end. A transient failure stops new calls; the calls in
    /// flight finish, every success is recorded, and ``Interrupted`` is thrown (failed rows stay pending). Returns
    /// the results recorded. A crash loses at most one unrecorded group of results, whose calls are made again.
    @discardableResult
    static func drain<Task: Sendable, Result: Sendable, Cursor>(
        concurrency: Int, logger: Logger,
        next: @Sendable (_ after: Cursor?, _ limit: Int) async throws -> [Task],
        row: @Sendable (Task) -> Cursor,
        call: @escaping @Sendable (Task) async throws -> Result,
        record: @Sendable ([(Task, Result)]) async throws -> Void,
        progress: @Sendable () async throws -> Void
    ) async throws -> Int {
        let width = max(1, concurrency)
        let page = width * 16
        var completed = 0
        var queued: [Task] = []
        var queuedIndex = 0
        var lastRow: Cursor?
        var exhausted = false
        var failure: RegistryGateway.RegistryCallError?
        var results: [(Task, Result)] = []
        var lastProgress = ContinuousClock.now

        func flush() async throws {
            guard !results.isEmpty else { return }
            try await record(results)
            completed += results.count
            results.removeAll(keepingCapacity: true)
            // Progress counts the whole batch: at most once a second, and at the end.
            if ContinuousClock.now - lastProgress >= .seconds(1) {
                lastProgress = ContinuousClock.now
                try await progress()
            }
        }
        /// The next task to call, reading a page ahead when the queue runs low.
        func take() async throws -> Task? {
            if queued.count - queuedIndex < width, !exhausted {
                let more = try await next(lastRow, page)
                if more.isEmpty { exhausted = true }
                if let last = more.last { lastRow = row(last) }
                queued.removeFirst(queuedIndex)
                queuedIndex = 0
                queued += more
            }
            guard queuedIndex < queued.count else { return nil }
            defer { queuedIndex += 1 }
            return queued[queuedIndex]
        }

        try await withThrowingTaskGroup(of: (Task, Swift.Result<Result, RegistryGateway.RegistryCallError>).self) { group in
            func start() async throws -> Bool {
                guard failure == nil, let task = try await take() else { return false }
                group.addTask {
                    do {
                        return (task, .success(try await call(task)))
                    } catch {
                        return (task, .failure(error as? RegistryGateway.RegistryCallError ?? .transient(status: 0, problem: nil)))
                    }
                }
                return true
            }
            for _ in 0..<width {
                guard try await start() else { break }
            }
            while let (task, outcome) = try await group.next() {
                switch outcome {
                case .success(let value): results.append((task, value))
                case .failure(let error): failure = failure ?? error
                }
                if results.count >= page { try await flush() }
                _ = try await start()
            }
        }
        try await flush()
        try await progress()
        if let failure {
            logger.warning("run interrupted", metadata: ["completed": "\(completed)", "cause": "\(failure)"])
            throw Interrupted(completed: completed, cause: failure)
        }
        return completed
    }
}
