import ArgumentParser
import Foundation
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongPostgres
import LienthongRegistryService
import LienthongTabular
import Logging

/// `lienthong labor`: labour analysis (SPEC §7) from the command line, on the same database as `/v1/labor`.
///
/// Exit codes: 0 done; 1 the input was refused (file, row, column and reason printed) or a bad option; 2 interrupted
/// by an upstream or gateway failure (run the same command again to continue); 3 refused by the gateway.
struct LaborCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labor",
        abstract: "Labour analysis: import surveys, take the inbox, verify identities, analyse, export.",
        subcommands: [Import.self, Ingest.self, Verify.self, Analyse.self, Status.self])

    /// The labour database.
    struct StoreOption: ParsableArguments {
        @Option(help: "The labour records database: a SQLite file (created when absent) or a postgres:// URL (the cluster's database).")
        var labor: String = "lienthong-demo/data/labor.sqlite"

        /// Runs `body` on the store `--labor` names, closing a PostgreSQL pool afterwards.
        func withStore<T: Sendable>(_ body: @escaping @Sendable (any LaborRecords) async throws -> T) async throws -> T {
            guard GatewayConfiguration.Storage.isPostgresURL(labor) else {
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: labor).deletingLastPathComponent(), withIntermediateDirectories: true)
                return try await body(try LaborStore(path: labor))
            }
            return try await PostgresDatabase.withDatabase(url: labor, maximumConnections: 4, logger: Logger(label: "lienthong.labor")) { database in
                try await body(try await PostgresLaborStore(database: database))
            }
        }
    }

    /// Runs `body` with the labour runs (the gateway reached as the labour department over mTLS).
    static func withRuns(_ store: StoreOption, _ gateway: AsxhCommand.GatewayOption, _ body: @escaping @Sendable (LaborRuns) async throws -> Void) async throws {
        try await AsxhCommand.exitCodes {
          try await store.withStore { labor in
            let dir = URL(fileURLWithPath: gateway.certs)
            let client = try PartnerClient(
                baseURL: gateway.gateway, certificateFile: dir.appendingPathComponent("\(gateway.member).pem").path,
                keyFile: dir.appendingPathComponent("\(gateway.member)-key.pem").path, caFile: dir.appendingPathComponent("ca.pem").path,
                maxConnections: 16)
            defer { Task { try? await client.shutdown() } }
            try await body(LaborRuns(store: labor, gateway: RegistryGateway(client: client, user: gateway.user), logger: Logger(label: "lienthong.labor")))
          }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a commune survey (CSV or XLSX, form 01 columns); all or nothing.")
        @Argument(help: "The survey file (.csv or .xlsx).") var file: String
        @OptionGroup var store: StoreOption
        @Option(help: "As-of date of rows without one (YYYY-MM-DD; default today in Vietnam).") var asOf: String?

        func run() async throws {
            do {
                let url = URL(fileURLWithPath: file)
                let date = try asOf.map { try CalendarDate(iso: $0, field: "--as-of") } ?? AsxhCommand.today()
                let summary = try await store.withStore { labor in
                    try await labor.importSurvey(url: url, name: url.lastPathComponent, defaultAsOf: date, options: TabularOptions(), progress: { _ in })
                }
                print("\(summary.fileName): \(summary.rows) rows, \(summary.people) people, \(summary.inserted) new records, \(summary.replaced) replaced")
            } catch let error as LaborSurveyError {
                FileHandle.standardError.write(Data("refused: \(error)\n".utf8))
                throw ExitCode(1)
            } catch let error as IdentifierError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the worker records (labor.worker-records) and social-insurance syncs waiting in the labour inbox.")
        @OptionGroup var store: StoreOption
        @OptionGroup var gateway: AsxhCommand.GatewayOption

        func run() async throws {
            try await LaborCommand.withRuns(store, gateway) { runs in
                let s = try await runs.ingest(today: AsxhCommand.today())
                print("\(s.messages) messages: \(s.records) worker records, \(s.socialInsuranceUpdates) social-insurance facts, \(s.skipped) skipped")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every new person's identity against the population database through the gateway (resumable).")
        @OptionGroup var store: StoreOption
        @OptionGroup var gateway: AsxhCommand.GatewayOption
        @Option(help: "Calls in flight at most.") var concurrency: Int = 8

        func run() async throws {
            try await LaborCommand.withRuns(store, gateway) { runs in
                let checked = try await runs.verifyIdentities(concurrency: concurrency)
                let counts = try await runs.store.counts()
                let statuses = counts.byIdentity.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
                print("\(checked) identities checked; " + (statuses + ["unverified \(counts.unverified)"]).joined(separator: ", "))
            }
        }
    }

    struct Analyse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts and rates by up to two dimensions, small cells suppressed (e.g. --by age,area).")
        @OptionGroup var store: StoreOption
        @Option(help: "Dimensions: ageGroup (age), sex, area, district, commune, employmentStatus (employment), sector, trained, socialInsurance (si), incomeBand (income).")
        var by: String = ""
        @Option(help: "Analysis date (YYYY-MM-DD; default today in Vietnam).") var date: String?
        @Option(help: "Lower bounds of the age bands.") var ageBands: String = "15,25,35,45,55,65"
        @Option(help: "Cells under this many people are suppressed.") var threshold: Int = 5
        @Option(help: "table, json, csv or xlsx.") var format: String = "table"
        @Option(help: "Output file for csv and xlsx.") var out: String?
        @Flag(help: "English labels and headers.") var english = false

        func run() async throws {
            let dimensions: [LaborDimension]
            let bands: AgeBands
            let day: CalendarDate
            do {
                dimensions = try LaborDimension.parseList(by)
                bands = try AgeBands(parsing: ageBands)
                day = try date.map { try CalendarDate(iso: $0, field: "--date") } ?? AsxhCommand.today()
            } catch {
                throw ValidationError("\(error)")
            }
            guard threshold >= 1 else { throw ValidationError("--threshold must be at least 1") }
            let started = ContinuousClock.now
            let snapshot = try await store.withStore { try await $0.snapshot(on: day) }
            let loaded = ContinuousClock.now
            let analysis = analyse(snapshot.snapshot, by: dimensions, on: day, bands: bands, threshold: threshold)
            let analysed = ContinuousClock.now
            let language: LaborLanguage = english ? .en : .vi
            switch format {
            case "table":
                let headers = LaborExport.headers(analysis, language: language)
                let rows = LaborExport.rows(analysis, language: language).map { $0.map(\.text) }
                let widths = headers.indices.map { i in max(headers[i].count, rows.map { $0[i].count }.max() ?? 0) }
                func line(_ cells: [String]) -> String {
                    zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                }
                print(line(headers))
                for row in rows { print(line(row)) }
                print("\(snapshot.people) people with a record on \(day.iso) (\(snapshot.excludedIdentity) left out: identity not confirmed; "
                      + "\(snapshot.unverified) not yet checked); \(analysis.suppressedCells) cells under \(threshold) suppressed; "
                      + "load \(Self.ms(loaded - started)) ms, cross-tab \(Self.ms(analysed - loaded)) ms")
            case "json":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(analysis), as: UTF8.self))
            case "csv", "xlsx":
                guard let out else { throw ValidationError("--out is required with --format \(format)") }
                let url = URL(fileURLWithPath: out)
                if format == "csv" { try LaborReportWriter.writeCSV(analysis, to: url, language: language) } else {
                    try LaborReportWriter.writeXLSX(analysis, to: url, language: language)
                }
                print(url.path)
            default:
                throw ValidationError("--format must be table, json, csv or xlsx")
            }
        }

        static func ms(_ duration: Duration) -> Int {
            Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Records, people and identity checks.")
        @OptionGroup var store: StoreOption

        func run() async throws {
            let c = try await store.withStore { try await $0.counts() }
            let sources = c.bySource.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            let identities = c.byIdentity.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            print("\(c.records) records of \(c.people) people (\(sources)); identities: \(identities.isEmpty ? "none checked" : identities), "
                  + "unverified \(c.unverified); \(c.socialInsuranceUpdates) social-insurance facts")
        }
    }
}
