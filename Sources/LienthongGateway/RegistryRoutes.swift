import Foundation
import HTTPTypes
import Hummingbird
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongRegistryService
import LienthongRegistryStore
import Logging
import NIOCore
import Synchronization

/// The social-security registry hosted beside the gateway (SPEC §6): its store, its background jobs and, created on
/// first use, its client of the gateway's own partner listener (loopback mTLS with the registry member's identity),
/// so every call it makes is authorised and audited like any partner's.
final class RegistryHost: Sendable {
    let settings: GatewayConfiguration.Registry
    /// The registry's records: SQLite (`[registry] database`) or PostgreSQL with the rest of the storage.
    let store: any RegistryRecords
    let jobs: JobBoard
    /// Where uploads are streamed before import (under the gateway's data directory).
    let uploadDirectory: URL
    private let logger: Logger
    private let client: LoopbackMemberClient

    init(
        settings: GatewayConfiguration.Registry, dataDirectory: String, trustAnchorFile: String, store: (any RegistryRecords)?,
        logger: Logger
    ) throws {
        self.settings = settings
        self.logger = logger
        client = LoopbackMemberClient(
            certificateFile: settings.certificateFile, privateKeyFile: settings.privateKeyFile, trustAnchorFile: trustAnchorFile)
        if let store {
            self.store = store
        } else {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: settings.databaseFile).deletingLastPathComponent(), withIntermediateDirectories: true)
            self.store = try RegistryStore(path: settings.databaseFile, defaultBankBIN: settings.defaultBankBIN, logger: logger)
        }
        jobs = JobBoard(store: self.store, logger: logger)
        uploadDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("registry-uploads")
        try FileManager.default.createDirectory(at: uploadDirectory, withIntermediateDirectories: true)
    }

    /// Records the partner listener's real port (known once it is bound).
    func partnerListening(port: Int) { client.partnerListening(port: port) }

    /// The registry's runs for `user` (the officer acting, sent as `X-User-Id` on the registry's own calls).
    func runs(user: String) throws -> RegistryRuns {
        RegistryRuns(store: store, gateway: RegistryGateway(client: try client.get(), user: user), logger: logger)
    }

    /// Stops running jobs and closes the client.
    func shutdown() async {
        await jobs.cancelAll()
        await client.shutdown()
    }
}

/// The registry's jobs: one running job per kind and batch. Every change is written through to the registry
/// database (``RegistryJob``), so a job can be read after a restart; progress reports are kept in memory and
/// written at most once a second.
actor JobBoard {
    private let store: any RegistryRecords
    private let logger: Logger
    private var running: [String: RegistryJob] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var lastWrite: [String: ContinuousClock.Instant] = [:]

    /// A board over `store`'s jobs (call ``interruptLeftovers()`` before the first job starts).
    init(store: any RegistryRecords, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Jobs left `running` by a previous process become `interrupted` (cause `restart`). A job runs in the process
    /// that started it: with several gateways on one database, start registry jobs through one of them (the others'
    /// restarts would mark its running jobs interrupted; the work done stays, and the job can be started again).
    func interruptLeftovers() async throws {
        let interrupted = try await store.interruptRunningJobs(cause: "restart", at: Date())
        if interrupted > 0 { logger.notice("registry jobs interrupted by a restart", metadata: ["jobs": "\(interrupted)"]) }
    }

    /// Registers a running job; `409` while a job of the same kind runs for the same batch.
    func start(kind: String, batch: String?, period: String?) async throws -> RegistryJob {
        if running.values.contains(where: { $0.kind == kind && $0.batch == batch }) {
            throw GatewayProblem(.conflict, detail: "a \(kind) job is already running for this batch")
        }
        let job = RegistryJob(
            id: UUID().uuidString.lowercased(), kind: kind, batch: batch, period: period, state: .running, startedAt: Date())
        try await store.saveJob(job)
        running[job.id] = job
        return job
    }

    /// Keeps the task running `id`, so shutdown can cancel it.
    func attach(_ id: String, task: Task<Void, Never>) {
        if running[id] != nil { tasks[id] = task }
    }

    /// Newer verification progress of a running job (late or older reports are ignored).
    func report(_ id: String, progress: VerificationProgress) async {
        guard var job = running[id], progress.done >= (job.progress?.done ?? 0) else { return }
        job.progress = progress
        running[id] = job
        let now = ContinuousClock.now
        if let last = lastWrite[id], now - last < .seconds(1) { return }
        lastWrite[id] = now
        await save(job)
    }

    /// Ends a job.
    func finish(_ id: String, state: RegistryJob.State, progress: VerificationProgress? = nil, processed: Int? = nil, cause: String? = nil) async {
        guard var job = running.removeValue(forKey: id) else { return }
        job.state = state
        job.finishedAt = Date()
        if let progress { job.progress = progress }
        job.processed = processed ?? job.processed
        job.cause = cause
        tasks[id] = nil
        lastWrite[id] = nil
        await save(job)
    }

    /// One job: a running one as this process sees it, any other from the database.
    func job(_ id: String) async throws -> RegistryJob? {
        if let job = running[id] { return job }
        return try await store.job(id: id)
    }

    /// The latest jobs, newest first (running ones with their live progress).
    func latest(limit: Int = 50) async throws -> [RegistryJob] {
        try await store.jobs(limit: limit).map { running[$0.id] ?? $0 }
    }

    /// Cancels every running job (gateway shutdown); they end as interrupted and can be started again.
    func cancelAll() async {
        let active = Array(tasks.values)
        for task in active { task.cancel() }
        for task in active { await task.value }
    }

    /// Writes `job`; a failed write is logged (the job's work is in the store either way; only its record lags).
    private func save(_ job: RegistryJob) async {
        do { try await store.saveJob(job) } catch {
            logger.error("registry job record not written", metadata: ["job": "\(job.id)", "error": "\(type(of: error))"])
        }
    }
}

/// `/v1/asxh/...` on the partner listener (SPEC §6): the registry's API for its users (`registry.users`).
///
/// - `POST /v1/asxh/batches?name=<file>[&referenceDate=YYYY-MM-DD]`: body is the list (`text/csv` or XLSX), streamed
///   to a temporary file and imported all or nothing → `201` batch summary; `400` names file, row, column, reason.
/// - `GET /v1/asxh/batches`, `GET /v1/asxh/batches/{id}` (summary and verification progress).
/// - `POST /v1/asxh/batches/{id}/verify`, `POST .../accounts?period=`, `POST .../open-accounts?period=`,
///   `POST /v1/asxh/results` → `202 { job }`; `GET /v1/asxh/jobs/{id}` → the job; `GET /v1/asxh/jobs` → the latest
///   50 (kept in the registry database: a restart leaves them readable, running ones `interrupted`).
/// - `GET /v1/asxh/batches/{id}/discrepancies[?period=]`, `GET /v1/asxh/batches/{id}/payments?period=`.
/// - `GET /v1/asxh/batches/{id}/reports/{report}[?period=&format=json|csv|xlsx&bank=]` with `report` one of
///   `discrepancies`, `banks`, `cash`, `monthly` (``ReportKind``): the store's model in JSON, or the store's CSV or
///   XLSX file with Vietnamese headers as an attachment.
///
/// Every request carries `X-User-Id` and is audited by ``ExchangeMiddleware`` with target `asxh`.
struct RegistryRoutes {
    let host: RegistryHost

    static let csvType = Uploads.csvType
    static let xlsxType = Uploads.xlsxType

    func register(on router: Router<GatewayRequestContext>) {
        let group = router.group("/v1/asxh")
        group.post("batches") { request, context in try await upload(request: request, context: context) }
        group.get("batches") { request, context in
            _ = try admit(request, context, action: "asxh.batches")
            return try Self.json(["batches": try await mapped { try await host.store.batches() }], status: .ok)
        }
        group.get("batches/:id") { request, context in
            _ = try admit(request, context, action: "asxh.batch")
            let id = try batchID(context)
            let summary = try await mapped { try await host.store.batch(id: id) }
            let progress = try await mapped { try await host.store.verificationProgress(batch: id) }
            return try Self.json(BatchView(batch: summary, verification: progress), status: .ok)
        }
        group.post("batches/:id/verify") { request, context in
            try await startJob(request, context, kind: "verify", needsPeriod: false)
        }
        group.post("batches/:id/accounts") { request, context in
            try await startJob(request, context, kind: "accounts", needsPeriod: true)
        }
        group.post("batches/:id/open-accounts") { request, context in
            try await startJob(request, context, kind: "open-accounts", needsPeriod: true)
        }
        group.post("results") { request, context in
            try await startJob(request, context, kind: "results", needsPeriod: false)
        }
        group.get("jobs") { request, context in
            _ = try admit(request, context, action: "asxh.jobs")
            return try Self.json(["jobs": try await mapped { try await host.jobs.latest() }], status: .ok)
        }
        group.get("jobs/:id") { request, context in
            _ = try admit(request, context, action: "asxh.job")
            guard let id = context.parameters.get("id"), let job = try await mapped({ try await host.jobs.job(id) }) else {
                throw GatewayProblem(.notFound, detail: "no such job")
            }
            return try Self.json(job, status: .ok)
        }
        group.get("batches/:id/discrepancies") { request, context in
            _ = try admit(request, context, action: "asxh.discrepancies")
            let id = try batchID(context)
            let period = try Self.period(request, required: false)
            return try Self.json(try await mapped { try await host.store.discrepancyReport(batch: id, period: period) }, status: .ok)
        }
        group.get("batches/:id/reports/:report") { request, context in
            try await report(request, context)
        }
        group.get("batches/:id/payments") { request, context in
            _ = try admit(request, context, action: "asxh.payments")
            let id = try batchID(context)
            let period = try Self.period(request, required: true) ?? ""
            _ = try await mapped { try await host.store.batch(id: id) }
            let decisions = try await mapped { try await host.store.paymentDecisions(batch: id, period: period) }
            return try Self.json(PaymentsView(batch: id, period: period, payments: decisions), status: .ok)
        }
    }

    /// Audit notes, then the checks every registry request shares: a member in `registry.users` and `X-User-Id`.
    func admit(_ request: Request, _ context: GatewayRequestContext, action: String) throws -> String {
        context.notes.update { $0.action = action; $0.target = "asxh" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        guard host.settings.allows(member) else {
            throw GatewayProblem(.forbidden, detail: "member may not use the social-security registry")
        }
        return try RequestChecks.user(request)
    }

    func batchID(_ context: GatewayRequestContext) throws -> String {
        try RequestChecks.pathParameter(context, "id", what: "batch id")
    }

    // MARK: Upload

    func upload(request: Request, context: GatewayRequestContext) async throws -> Response {
        let user = try admit(request, context, action: "asxh.import")
        let referenceDate = try request.uri.queryParameters.get("referenceDate").map {
            do { return try CalendarDate(iso: String($0), field: "referenceDate") } catch {
                throw GatewayProblem(.badRequest, detail: "referenceDate must be YYYY-MM-DD")
            }
        } ?? Self.today()

        let upload = try await Uploads.receive(
            request, into: host.uploadDirectory, limit: host.settings.maxUploadBytes, setting: "registry.max_upload_bytes")
        defer { try? FileManager.default.removeItem(at: upload.file) }
        let store = host.store
        do {
            let summary = try await store.importList(
                url: upload.file, name: upload.name, importedBy: user, referenceDate: referenceDate, banks: .standard, progress: { _ in })
            return try Self.json(summary, status: .created)
        } catch let error as ImportError {
            throw GatewayProblem(.badRequest, detail: error.description)
        } catch let error as RegistryStoreError {
            throw Self.problem(error)
        }
    }

    // MARK: Reports

    /// The reports of a batch (SPEC §6).
    enum ReportKind: String, CaseIterable {
        /// The commune's discrepancy list (``DiscrepancyReport``); `period` optional.
        case discrepancies
        /// One list per bank for a period (``BankList``); CSV and XLSX need `bank`.
        case banks
        /// The post office's cash list for a period (``CashList``).
        case cash
        /// The monthly report for a period (``MonthlyReport``).
        case monthly

        /// Whether `?period=` is required.
        var needsPeriod: Bool { self != .discrepancies }
    }

    /// How a report is answered.
    enum ReportFormat: String, CaseIterable {
        case json, csv, xlsx

        /// The answer's `Content-Type`.
        var contentType: String {
            switch self {
            case .json: "application/json"
            case .csv: "\(RegistryRoutes.csvType); charset=utf-8"
            case .xlsx: RegistryRoutes.xlsxType
            }
        }
    }

    /// `?bank=` value naming the list of accounts without a known bank (the writer's `ngan-hang-khac-…` files).
    static let otherBank = "other"

    /// `GET /v1/asxh/batches/{id}/reports/{report}`. Checks in order: `registry.users` and `X-User-Id`, the batch id
    /// (`400`), the report (`404`), `format` (`400`), `period` (`400`), `bank` (`400`), then the store (`404` for an
    /// unknown batch or a bank without a list).
    func report(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let kind = context.parameters.get("report").flatMap(ReportKind.init(rawValue:))
        _ = try admit(request, context, action: kind.map { "asxh.report.\($0.rawValue)" } ?? "asxh.report")
        let id = try batchID(context)
        guard let kind else {
            throw GatewayProblem(.notFound, detail: "no such report; reports are discrepancies, banks, cash and monthly")
        }
        let format = try Self.reportFormat(request)
        let period = try Self.period(request, required: kind.needsPeriod)
        let bank = try Self.bank(request, required: kind == .banks && format != .json)
        let store = host.store

        if format == .json {
            switch kind {
            case .discrepancies:
                return try Self.json(try await mapped { try await store.discrepancyReport(batch: id, period: period) }, status: .ok)
            case .banks:
                var lists = try await mapped { try await store.bankLists(batch: id, period: period ?? "") }
                if let bank {
                    lists = lists.filter { ($0.bin ?? Self.otherBank) == bank }
                    if lists.isEmpty { throw GatewayProblem(.notFound, detail: "no list for this bank in this period") }
                }
                return try Self.json(BanksView(batch: id, period: period ?? "", banks: lists), status: .ok)
            case .cash:
                return try Self.json(try await mapped { try await store.cashList(batch: id, period: period ?? "") }, status: .ok)
            case .monthly:
                return try Self.json(try await mapped { try await store.monthlyReport(batch: id, period: period ?? "") }, status: .ok)
            }
        }

        // CSV or XLSX: written by the store into a fresh folder, read back, and the folder removed.
        let folder = host.uploadDirectory.appendingPathComponent("report-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files: ReportFiles
        switch kind {
        case .discrepancies:
            files = try await mapped { try await store.writeDiscrepancyReport(batch: id, period: period, to: folder) }
        case .banks:
            let written = try await mapped { try await store.writeBankLists(batch: id, period: period ?? "", to: folder) }
            guard let chosen = written[bank == Self.otherBank ? "" : bank ?? ""] else {
                throw GatewayProblem(.notFound, detail: "no list for this bank in this period")
            }
            files = chosen
        case .cash:
            files = try await mapped { try await store.writeCashList(batch: id, period: period ?? "", to: folder) }
        case .monthly:
            files = try await mapped { try await store.writeMonthlyReport(batch: id, period: period ?? "", to: folder) }
        }
        let file = format == .csv ? files.csv : files.xlsx
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw GatewayProblem(.internal, detail: "the report could not be read back")
        }
        return Response(
            status: .ok,
            headers: [.contentType: format.contentType,
                      .contentDisposition: "attachment; filename=\"\(Self.headerFileName(file.lastPathComponent))\""],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `?format=json|csv|xlsx` (`400` otherwise); without it, the first of `text/csv`, the XLSX media type or
    /// `application/json` that `Accept` lists (with a non-zero `q`), else JSON.
    static func reportFormat(_ request: Request) throws -> ReportFormat {
        if let raw = request.uri.queryParameters.get("format").map({ String($0) }) {
            guard let format = ReportFormat(rawValue: raw) else {
                throw GatewayProblem(.badRequest, detail: "format must be json, csv or xlsx")
            }
            return format
        }
        for range in (request.headers[.accept] ?? "").split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let media = parts.first else { continue }
            let refused = parts.dropFirst().contains { parameter in
                guard parameter.hasPrefix("q=") else { return false }
                return (Double(parameter.dropFirst(2)) ?? 1) <= 0
            }
            if refused { continue }
            switch media {
            case csvType: return .csv
            case xlsxType: return .xlsx
            case "application/json": return .json
            default: continue
            }
        }
        return .json
    }

    /// `?bank=`: a 6-digit BIN or ``otherBank``; `400` when malformed, or missing while `required`.
    static func bank(_ request: Request, required: Bool) throws -> String? {
        guard let raw = request.uri.queryParameters.get("bank").map({ String($0) }) else {
            if required { throw GatewayProblem(.badRequest, detail: "bank=<BIN> is required for a bank list in CSV or XLSX") }
            return nil
        }
        let isBIN = raw.utf8.count == 6 && raw.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard isBIN || raw == otherBank else {
            throw GatewayProblem(.badRequest, detail: "bank must be a 6-digit BIN or \(otherBank)")
        }
        return raw
    }

    /// A file name safe inside a quoted `Content-Disposition` parameter (the writers' names already are).
    static func headerFileName(_ name: String) -> String {
        String(name.unicodeScalars.map { scalar -> Character in
            let safe = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return safe ? Character(scalar) : "_"
        })
    }

    // MARK: Jobs

    func startJob(_ request: Request, _ context: GatewayRequestContext, kind: String, needsPeriod: Bool) async throws -> Response {
        let user = try admit(request, context, action: "asxh.\(kind)")
        var batch: String?
        if kind != "results" {
            let id = try batchID(context)
            _ = try await mapped { try await host.store.batch(id: id) }
            batch = id
        }
        let period = needsPeriod ? try Self.period(request, required: true) : nil
        let runs = try host.runs(user: user)
        let board = host.jobs
        let job = try await board.start(kind: kind, batch: batch, period: period)
        let id = job.id
        let task = Task {
            do {
                switch kind {
                case "verify":
                    let result = try await runs.verify(batch: batch ?? "", concurrency: 8) { progress in
                        Task { await board.report(id, progress: progress) }
                    }
                    await board.finish(id, state: .done, progress: result)
                case "accounts":
                    await board.finish(id, state: .done, processed: try await runs.verifyAccounts(batch: batch ?? "", period: period ?? ""))
                case "open-accounts":
                    await board.finish(id, state: .done, processed: try await runs.openAccounts(batch: batch ?? "", period: period ?? ""))
                default:
                    await board.finish(id, state: .done, processed: try await runs.collectOpeningResults())
                }
            } catch let error as RegistryRuns.Interrupted {
                await board.finish(id, state: .interrupted, progress: await Self.progress(runs, batch, kind), cause: error.cause.description)
            } catch let error as RegistryStoreError {
                await board.finish(id, state: .failed, progress: await Self.progress(runs, batch, kind), cause: error.code.rawValue)
            } catch is CancellationError {
                await board.finish(id, state: .interrupted, progress: await Self.progress(runs, batch, kind), cause: "cancelled")
            } catch {
                // The type only: an error's text could carry a value from the list.
                runs.logger.error("registry job failed", metadata: ["job": "\(id)", "kind": "\(kind)", "error": "\(type(of: error))"])
                await board.finish(id, state: .failed, progress: await Self.progress(runs, batch, kind), cause: "internal")
            }
        }
        await board.attach(id, task: task)
        return try Self.json(["job": job], status: .accepted)
    }

    /// Verification progress after a verify job stopped early (nil for other kinds).
    static func progress(_ runs: RegistryRuns, _ batch: String?, _ kind: String) async -> VerificationProgress? {
        guard kind == "verify", let batch else { return nil }
        return try? await runs.store.verificationProgress(batch: batch)
    }

    // MARK: Helpers

    /// `?period=YYYY-MM`.
    static func period(_ request: Request, required: Bool) throws -> String? {
        guard let raw = request.uri.queryParameters.get("period").map({ String($0) }) else {
            if required { throw GatewayProblem(.badRequest, detail: "period=YYYY-MM is required") }
            return nil
        }
        let bytes = Array(raw.utf8)
        var wellFormed = bytes.count == 7
        for (offset, byte) in bytes.enumerated() {
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if offset == 4 ? byte != UInt8(ascii: "-") : !isDigit { wellFormed = false }
        }
        guard wellFormed, let month = Int(raw.suffix(2)), (1...12).contains(month) else {
            throw GatewayProblem(.badRequest, detail: "period must be YYYY-MM")
        }
        return raw
    }

    /// Runs a store call, turning its errors into problems.
    func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as RegistryStoreError { throw Self.problem(error) }
    }

    /// Runs an asynchronous store call, turning its errors into problems.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as RegistryStoreError { throw Self.problem(error) }
    }

    static func problem(_ error: RegistryStoreError) -> GatewayProblem {
        switch error.code {
        case .notFound: GatewayProblem(.notFound, detail: error.detail)
        case .conflict: GatewayProblem(.conflict, detail: error.detail)
        case .invalidArgument: GatewayProblem(.badRequest, detail: error.detail)
        case .corrupt: GatewayProblem(.internal, detail: "registry storage error")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .custom { path in Self.apiKey(path.last?.stringValue ?? "") }
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The JSON key of a Swift property under the API's lowerCamelCase convention (SPEC §3): acronyms become words
    /// (`personalID` → `personalId`, `toRequestPersonalID` → `toRequestPersonalId`, `bankBIN` → `bankBin`).
    static func apiKey(_ name: String) -> any CodingKey {
        var key = name
        for (acronym, word) in [("BIN", "Bin"), ("ID", "Id")] where key.hasSuffix(acronym) && key.count > acronym.count {
            key = String(key.dropLast(acronym.count)) + word
        }
        return AnyKey(key)
    }

    /// A coding key made of a string.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Today in Vietnam (UTC+7).
    static func today() -> CalendarDate {
        CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970)
    }
}

/// `GET /v1/asxh/batches/{id}`.
struct BatchView: Encodable {
    var batch: BatchSummary
    var verification: VerificationProgress
}

/// `GET /v1/asxh/batches/{id}/reports/banks` in JSON.
struct BanksView: Encodable {
    var batch: String
    var period: String
    var banks: [BankList]
}

/// `GET /v1/asxh/batches/{id}/payments`.
struct PaymentsView: Encodable {
    var batch: String
    var period: String
    var payments: [RowPaymentDecision]
}
