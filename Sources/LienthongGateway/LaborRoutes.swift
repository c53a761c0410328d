import Foundation
import HTTPTypes
import Hummingbird
import LienthongConfig
import LienthongConsole
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongRegistryService
import LienthongTabular
import Logging
import NIOCore
import Synchronization

/// Labour analysis hosted beside the gateway (SPEC §7): the worker records' store, a cached analysis snapshot, the
/// background round that takes the labour inbox and verifies new identities, and the client of the gateway's own
/// partner listener it makes those calls with (loopback mTLS as the labour department).
final class LaborHost: Sendable {
    let settings: GatewayConfiguration.Labor
    /// The worker records: SQLite (`[labor] database`) or PostgreSQL with the rest of the storage (`[storage] url`).
    let store: any LaborRecords
    let bands: AgeBands
    /// Where survey uploads are streamed before import (under the gateway's data directory).
    let uploadDirectory: URL
    private let client: LoopbackMemberClient
    private let logger: Logger
    /// Bumped by every write this process makes; a cached snapshot of an older version is rebuilt.
    private let version = Mutex(0)
    private let cache = Mutex<CachedSnapshot?>(nil)
    private let round = Mutex(RoundState())
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// How long a snapshot is reused when nothing was written through this process (writes by another process,
    /// such as `lienthong labor import`, show after at most this long).
    static let snapshotLifetime: Duration = .seconds(30)

    struct CachedSnapshot {
        var date: CalendarDate
        var version: Int
        var madeAt: ContinuousClock.Instant
        var result: SnapshotResult
    }

    /// The last ingest-and-verify round, for `GET /v1/labor/status` and the console.
    struct RoundState: Sendable {
        var running = false
        var lastFinishedAt: Date?
        var lastIngest: LaborRuns.IngestSummary?
        var lastVerified: Int?
        var lastCause: String?
    }

    init(
        settings: GatewayConfiguration.Labor, dataDirectory: String, trustAnchorFile: String, store: (any LaborRecords)?, logger: Logger
    ) throws {
        self.settings = settings
        self.logger = logger
        client = LoopbackMemberClient(
            certificateFile: settings.certificateFile, privateKeyFile: settings.privateKeyFile, trustAnchorFile: trustAnchorFile)
        do { bands = try AgeBands(lowerBounds: settings.ageBands) } catch {
            throw GatewayProblem(.internal, detail: "labor.age_bands: \(error.detail)")
        }
        if let store {
            self.store = store
        } else {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: settings.databaseFile).deletingLastPathComponent(), withIntermediateDirectories: true)
            self.store = try LaborStore(path: settings.databaseFile, logger: logger)
        }
        uploadDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("labor-uploads")
        try FileManager.default.createDirectory(at: uploadDirectory, withIntermediateDirectories: true)
    }

    /// Records the partner listener's real port and starts the background round when configured.
    func partnerListening(port: Int) {
        client.partnerListening(port: port)
        guard settings.ingestIntervalSeconds > 0 else { return }
        let interval = settings.ingestIntervalSeconds
        loop.withLock { existing in
            guard existing == nil else { return }
            existing = Task { [self] in
                while !Task.isCancelled {
                    _ = await runRound(user: "lienthong-labor")
                    try? await Task.sleep(for: .seconds(interval))
                }
            }
        }
    }

    /// The labour runs for `user` (the officer, or the background round's name, sent as `X-User-Id`).
    func runs(user: String) throws -> LaborRuns {
        LaborRuns(store: store, gateway: RegistryGateway(client: try client.get(), user: user), logger: logger)
    }

    /// Takes the inbox and verifies new identities once; `nil` when a round is already running.
    func runRound(user: String) async -> RoundState? {
        let started = round.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard started else { return nil }
        var ingest: LaborRuns.IngestSummary?
        var verified: Int?
        var cause: String?
        do {
            let runs = try runs(user: user)
            ingest = try await runs.ingest(today: CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970))
            verified = try await runs.verifyIdentities()
        } catch let error as RegistryRuns.Interrupted {
            cause = error.cause.description
        } catch let error as GatewayProblem {
            cause = error.code.rawValue
        } catch {
            cause = "internal"
            logger.error("labour round failed", metadata: ["error": "\(type(of: error))"])
        }
        if (ingest?.messages ?? 0) > 0 || (verified ?? 0) > 0 { invalidate() }
        return round.withLock { state in
            state.running = false
            state.lastFinishedAt = Date()
            state.lastIngest = ingest
            state.lastVerified = verified
            state.lastCause = cause
            return state
        }
    }

    /// The last round's state.
    var roundState: RoundState { round.withLock { $0 } }

    /// Marks cached snapshots stale (after a write through this process).
    func invalidate() {
        version.withLock { $0 += 1 }
    }

    /// Each person's latest record on or before `date` (reused while fresh).
    func snapshot(on date: CalendarDate) async throws -> SnapshotResult {
        let current = version.withLock { $0 }
        if let cached = cache.withLock({ $0 }), cached.date == date, cached.version == current,
           ContinuousClock.now - cached.madeAt < Self.snapshotLifetime {
            return cached.result
        }
        let result = try await store.snapshot(on: date)
        cache.withLock { $0 = CachedSnapshot(date: date, version: current, madeAt: .now, result: result) }
        return result
    }

    /// The analysis by `dimensions` on `date` with the configured bands and at least the configured threshold.
    func analysis(by dimensions: [LaborDimension], on date: CalendarDate, threshold: Int? = nil) async throws -> (LaborAnalysis, SnapshotResult) {
        let snapshot = try await snapshot(on: date)
        let limit = max(settings.suppressionThreshold, threshold ?? 0)
        return (analyse(snapshot.snapshot, by: dimensions, on: date, bands: bands, threshold: limit), snapshot)
    }

    /// The IOC feed on `date`: the headline indicators and the standard breakdowns, all suppressed alike.
    func iocFeed(on date: CalendarDate) async throws -> IOCFeedView {
        let tables: [[LaborDimension]] = [[], [.ageGroup, .sex], [.area, .employmentStatus], [.district, .employmentStatus], [.sector], [.socialInsurance], [.trained, .sex]]
        var analyses: [LaborAnalysis] = []
        var people = 0
        for dimensions in tables {
            let (analysis, snapshot) = try await self.analysis(by: dimensions, on: date)
            analyses.append(analysis)
            people = snapshot.people
        }
        return IOCFeedView(date: date.iso, source: settings.member.value, peopleInRecords: people, headline: analyses[0].total, tables: Array(analyses.dropFirst()))
    }

    /// The console's labour dashboard on `date`.
    func dashboard(on date: CalendarDate, language: ConsoleLanguage, context: ConsoleContext) async throws -> LaborViewModel {
        let lang: LaborLanguage = language == .vi ? .vi : .en
        let total = try await analysis(by: [], on: date).0.total
        let pyramid = try await analysis(by: [.ageGroup, .sex], on: date).0
        let byDistrict = try await analysis(by: [.district, .employmentStatus], on: date).0
        let sectors = try await analysis(by: [.sector], on: date).0
        let insurance = try await analysis(by: [.sex, .socialInsurance], on: date).0
        func rows(_ a: LaborAnalysis, columns: [String]) -> [ChartRow] {
            a.values[0].map { row in
                ChartRow(label: LaborAnalysis.label(for: a.dimensions[0], value: row, language: lang),
                         values: columns.map { a.cell(row, $0)?.count })
            }
        }
        let insuranceRows = rows(insurance, columns: ["compulsory", "voluntary", "none"])
            + [ChartRow(label: language.pick("Tổng", "Total"),
                        values: ["compulsory", "voluntary", "none"].map { insurance.columnMargin($0)?.count })]
        return LaborViewModel(
            context: context, area: "Đồng Nai", asOf: date, suppressionThreshold: pyramid.threshold,
            headline: LaborHeadline(
                people15Plus: total.count, participationRate: total.indicators.laborForceParticipationRate,
                unemploymentRate: total.indicators.unemploymentRate, trainedRate: total.indicators.trainedRate,
                socialInsuranceRate: total.indicators.socialInsuranceRate),
            pyramid: rows(pyramid, columns: ["male", "female"]),
            employmentByDistrict: rows(byDistrict, columns: ["employed", "unemployed", "inactive"]),
            sectors: sectors.cells.filter { $0.key[0] != LaborDimension.noSectorValue }.map {
                ChartRow(label: "\($0.key[0]) – " + LaborAnalysis.label(for: .sector, value: $0.key[0], language: lang), values: [$0.count])
            },
            socialInsurance: insuranceRows)
    }

    /// Stops the background round and closes the client.
    func shutdown() async {
        let task = loop.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await client.shutdown()
    }
}

/// `GET /v1/labor/ioc-feed`.
struct IOCFeedView: Encodable {
    var date: String
    var source: String
    /// People with a record used on the date (before the 15+ filter).
    var peopleInRecords: Int
    var headline: LaborCell
    var tables: [LaborAnalysis]
}

/// `/v1/labor/...` on the partner listener (SPEC §7):
///
/// - `GET /v1/labor/analysis?by=ageGroup,area[&date=YYYY-MM-DD][&threshold=N][&format=json|csv|xlsx]`: counts and
///   rates by up to two dimensions, small cells suppressed (`threshold` may only raise `labor.suppression_threshold`);
///   CSV/XLSX with Vietnamese headers (`&lang=en` for English).
/// - `GET /v1/labor/ioc-feed[?date=]`: the headline and the standard breakdowns, for `labor.ioc_member` only.
/// - `POST /v1/labor/surveys?name=<file>[&asOf=YYYY-MM-DD]`: a commune survey (CSV/XLSX), imported all or nothing.
/// - `POST /v1/labor/ingest`: one round of taking the inbox and verifying new identities → `200` its summary
///   (`409` while one runs); `GET /v1/labor/status`: record counts and the last round.
///
/// Every request carries `X-User-Id` and is audited with target `labor`.
struct LaborRoutes {
    let host: LaborHost

    func register(on router: Router<GatewayRequestContext>) {
        let group = router.group("/v1/labor")
        group.get("analysis") { request, context in
            _ = try admit(request, context, action: "labor.analysis")
            let query = request.uri.queryParameters
            let dimensions: [LaborDimension]
            do throws(LaborAnalysisError) { dimensions = try LaborDimension.parseList(query.get("by").map { String($0) } ?? "") } catch {
                throw GatewayProblem(.badRequest, detail: "by: \(error.detail)")
            }
            let date = try Self.date(request)
            var threshold: Int?
            if let raw = query.get("threshold") {
                guard let value = Int(String(raw)), (1...1000).contains(value) else {
                    throw GatewayProblem(.badRequest, detail: "threshold must be a whole number from 1 to 1000")
                }
                threshold = value
            }
            let (analysis, snapshot) = try await host.analysis(by: dimensions, on: date, threshold: threshold)
            let language: LaborLanguage = query.get("lang") == "en" ? .en : .vi
            switch query.get("format").map({ String($0) }) ?? "json" {
            case "json":
                return try Self.json(AnalysisView(analysis: analysis, snapshot: snapshot, language: language), status: .ok)
            case "csv":
                return try file(analysis, language: language, csv: true)
            case "xlsx":
                return try file(analysis, language: language, csv: false)
            default:
                throw GatewayProblem(.badRequest, detail: "format must be json, csv or xlsx")
            }
        }
        group.get("ioc-feed") { request, context in
            context.notes.update { $0.action = "labor.ioc-feed"; $0.target = "labor" }
            guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
            guard member == host.settings.iocMember else {
                throw GatewayProblem(.forbidden, detail: "only the provincial operations centre may read the IOC feed")
            }
            _ = try RequestChecks.user(request)
            return try Self.json(try await host.iocFeed(on: try Self.date(request)), status: .ok)
        }
        group.post("surveys") { request, context in try await upload(request, context) }
        group.post("ingest") { request, context in
            let user = try admit(request, context, action: "labor.ingest")
            guard let state = await host.runRound(user: user) else {
                throw GatewayProblem(.conflict, detail: "a round of taking the inbox is already running")
            }
            return try Self.json(RoundView(state), status: .ok)
        }
        group.get("status") { request, context in
            _ = try admit(request, context, action: "labor.status")
            return try Self.json(StatusView(counts: try await host.store.counts(), lastRound: RoundView(host.roundState)), status: .ok)
        }
    }

    /// Audit notes, then the checks every labour request shares: a member in `labor.users` and `X-User-Id`.
    func admit(_ request: Request, _ context: GatewayRequestContext, action: String) throws -> String {
        context.notes.update { $0.action = action; $0.target = "labor" }
        guard let member = context.member else { throw GatewayProblem(.unauthenticated, detail: "no member identity") }
        guard host.settings.allows(member) else {
            throw GatewayProblem(.forbidden, detail: "member may not use labour analysis")
        }
        return try RequestChecks.user(request)
    }

    func upload(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        _ = try admit(request, context, action: "labor.import")
        let asOf = try request.uri.queryParameters.get("asOf").map {
            do { return try CalendarDate(iso: String($0), field: "asOf") } catch {
                throw GatewayProblem(.badRequest, detail: "asOf must be YYYY-MM-DD")
            }
        } ?? CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970)
        let upload = try await Uploads.receive(
            request, into: host.uploadDirectory, limit: host.settings.maxUploadBytes, setting: "labor.max_upload_bytes")
        defer { try? FileManager.default.removeItem(at: upload.file) }
        do {
            let summary = try await host.store.importSurvey(
                url: upload.file, name: upload.name, defaultAsOf: asOf, options: TabularOptions(), progress: { _ in })
            host.invalidate()
            return try Self.json(summary, status: .created)
        } catch let error as LaborSurveyError {
            throw GatewayProblem(.badRequest, detail: error.description)
        }
    }

    /// The analysis as a CSV or XLSX file (Vietnamese headers by default).
    func file(_ analysis: LaborAnalysis, language: LaborLanguage, csv: Bool) throws -> Response {
        let url = host.uploadDirectory.appendingPathComponent("\(UUID().uuidString.lowercased()).\(csv ? "csv" : "xlsx")")
        defer { try? FileManager.default.removeItem(at: url) }
        if csv { try LaborReportWriter.writeCSV(analysis, to: url, language: language) } else {
            try LaborReportWriter.writeXLSX(analysis, to: url, language: language)
        }
        let data = try Data(contentsOf: url)
        let name = "phan-tich-lao-dong-" + (analysis.dimensions.map(\.rawValue).joined(separator: "-").nilIfEmpty ?? "tong") + "-\(analysis.date.iso).\(csv ? "csv" : "xlsx")"
        return Response(
            status: .ok,
            headers: [
                .contentType: csv ? "text/csv; charset=utf-8" : Uploads.xlsxType,
                .contentDisposition: "attachment; filename=\"\(name)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `?date=YYYY-MM-DD`, default today in Vietnam.
    static func date(_ request: Request) throws -> CalendarDate {
        guard let raw = request.uri.queryParameters.get("date") else {
            return CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970)
        }
        do { return try CalendarDate(iso: String(raw), field: "date") } catch {
            throw GatewayProblem(.badRequest, detail: "date must be YYYY-MM-DD")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        try RegistryRoutes.json(value, status: status)
    }
}

/// `GET /v1/labor/analysis` (JSON): the analysis, the labels of its values, and who it covers.
struct AnalysisView: Encodable {
    var analysis: LaborAnalysis
    /// Per dimension, the label of each value (Vietnamese, or English with `lang=en`).
    var labels: [String: [String: String]]
    var population: Population

    struct Population: Encodable {
        /// People with a record on the date (all ages; the analysis counts those of the first age band and older).
        var people: Int
        /// People left out because the population database did not confirm them (`not_found`, `invalid`).
        var excludedIdentity: Int
        /// People included whose identity is not checked yet.
        var unverified: Int
    }

    init(analysis: LaborAnalysis, snapshot: SnapshotResult, language: LaborLanguage) {
        self.analysis = analysis
        var labels: [String: [String: String]] = [:]
        for (dimension, values) in zip(analysis.dimensions, analysis.values) {
            labels[dimension.rawValue] = Dictionary(uniqueKeysWithValues: values.map {
                ($0, LaborAnalysis.label(for: dimension, value: $0, language: language))
            })
        }
        self.labels = labels
        population = Population(people: snapshot.people, excludedIdentity: snapshot.excludedIdentity, unverified: snapshot.unverified)
    }
}

/// The last ingest-and-verify round.
struct RoundView: Encodable {
    var running: Bool
    var finishedAt: Date?
    var ingest: LaborRuns.IngestSummary?
    var verified: Int?
    var cause: String?

    init(_ state: LaborHost.RoundState) {
        running = state.running
        finishedAt = state.lastFinishedAt
        ingest = state.lastIngest
        verified = state.lastVerified
        cause = state.lastCause
    }
}

/// `GET /v1/labor/status`.
struct StatusView: Encodable {
    var counts: LaborCounts
    var lastRound: RoundView
}

extension String {
    /// `nil` for the empty string.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
