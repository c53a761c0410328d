import ArgumentParser
import Foundation
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongPostgres
import LienthongRegistry
import LienthongRegistryService
import LienthongRegistryStore
import Logging

/// `lienthong asxh`: the social-security registry (SPEC §6) from the command line. Long runs show progress on
/// stderr and can be run again after any interruption: they continue where they stopped.
///
/// Exit codes: 0 done; 1 the input was refused (file, row, column and reason printed); 2 interrupted by an
/// upstream or gateway failure (run the same command again to continue); 3 refused by the gateway (e.g. a
/// missing grant).
struct AsxhCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asxh",
        abstract: "Social-security registry: import lists, verify, verify accounts, open accounts, reports.",
        subcommands: [Import.self, Status.self, Verify.self, Accounts.self, OpenAccounts.self, Results.self, Report.self])

    /// The registry database.
    struct RegistryOption: ParsableArguments {
        @Option(help: "The registry database: a SQLite file (created when absent) or a postgres:// URL (the cluster's database).")
        var registry: String = "lienthong-demo/data/registry.sqlite"
        @Option(help: "Bank (BIN) asked to open accounts for payees whose list names none.") var defaultBank: String = "970418"

        /// Runs `body` on the store `--registry` names, closing a PostgreSQL pool afterwards.
        func withStore<T: Sendable>(_ body: @escaping @Sendable (any RegistryRecords) async throws -> T) async throws -> T {
            let defaultBank = self.defaultBank
            guard GatewayConfiguration.Storage.isPostgresURL(registry) else {
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: registry).deletingLastPathComponent(), withIntermediateDirectories: true)
                return try await body(try RegistryStore(path: registry, defaultBankBIN: defaultBank))
            }
            return try await PostgresDatabase.withDatabase(url: registry, maximumConnections: 4, logger: Logger(label: "lienthong.asxh")) { database in
                try await body(try await PostgresRegistryStore(database: database, defaultBankBIN: defaultBank))
            }
        }
    }

    /// How the registry reaches the gateway: as the labour department's member system, over mTLS.
    struct GatewayOption: ParsableArguments {
        @Option(help: "The gateway's partner listener.") var gateway: String = "https://127.0.0.1:8443"
        @Option(help: "Folder with <member>.pem, <member>-key.pem and ca.pem.") var certs: String = "lienthong-demo/certs"
        @Option(help: "The member the registry acts as.") var member: String = "gov.labour.dongnai"
        @Option(help: "The officer acting (X-User-Id, recorded in the audit log).") var user: String = "canbo-ldtbxh"

        /// Runs `body` with the registry's runs over `store`, under the exit codes of ``AsxhCommand``, closing the
        /// client afterwards.
        func withRuns(
            _ store: RegistryOption, _ body: @escaping @Sendable (RegistryRuns, any RegistryRecords) async throws -> Void
        ) async throws {
            let (certs, gateway, member, user) = (certs, gateway, member, user)
            try await AsxhCommand.exitCodes {
              try await store.withStore { registry in
                let dir = URL(fileURLWithPath: certs)
                let client = try PartnerClient(
                    baseURL: gateway, certificateFile: dir.appendingPathComponent("\(member).pem").path,
                    keyFile: dir.appendingPathComponent("\(member)-key.pem").path, caFile: dir.appendingPathComponent("ca.pem").path,
                    maxConnections: 16)
                defer { Task { try? await client.shutdown() } }
                let runs = RegistryRuns(store: registry, gateway: RegistryGateway(client: client, user: user), logger: Logger(label: "lienthong.asxh"))
                try await body(runs, registry)
              }
            }
        }
    }

    /// Runs `body`, mapping its failures to the documented exit codes.
    static func exitCodes(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ImportError {
            FileHandle.standardError.write(Data("refused: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as RegistryRuns.Interrupted {
            FileHandle.standardError.write(Data("\(error); run the same command again to continue\n".utf8))
            if case .refused = error.cause { throw ExitCode(3) }
            throw ExitCode(2)
        } catch let error as RegistryStoreError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a beneficiary list (CSV or XLSX); all or nothing.")
        @Argument(help: "The list (.csv or .xlsx).") var file: String
        @OptionGroup var store: RegistryOption
        @Option(help: "Who imports (recorded with the batch).") var by: String = "canbo-ldtbxh"
        @Option(help: "Reference date for ages and dates in the future (YYYY-MM-DD; default today in Vietnam).") var referenceDate: String?

        func run() async throws {
            try await AsxhCommand.exitCodes {
                let url = URL(fileURLWithPath: file)
                let reference = try referenceDate.map { try CalendarDate(iso: $0, field: "--reference-date") } ?? AsxhCommand.today()
                let by = by
                let summary = try await store.withStore { registry in
                    try await registry.importList(
                        url: url, name: url.lastPathComponent, importedBy: by, referenceDate: reference, banks: .standard,
                        progress: { n in if n % 10_000 == 0 { FileHandle.standardError.write(Data("\rimported \(n) rows".utf8)) } })
                }
                FileHandle.standardError.write(Data("\r".utf8))
                print("batch \(summary.id): \(summary.counts.total) rows — \(summary.counts.toVerify) to verify, "
                      + "\(summary.counts.toRequestPersonalID) children to request a number for, "
                      + "\(summary.counts.returnedToCommune) returned to the commune, \(summary.counts.withWarnings) with warnings")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Batches and their verification progress.")
        @OptionGroup var store: RegistryOption

        func run() async throws {
            try await store.withStore { registry in
                for batch in try await registry.batches() {
                    let progress = try await registry.verificationProgress(batch: batch.id)
                    let statuses = progress.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    print("\(batch.id)  \(batch.fileName)  \(batch.status.rawValue)  verified \(progress.done)/\(progress.total)"
                          + (statuses.isEmpty ? "" : " (\(statuses))") + ", returned \(progress.returnedToCommune)")
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a batch against the population database through the gateway (resumable).")
        @Argument(help: "The batch id.") var batch: String
        @OptionGroup var store: RegistryOption
        @OptionGroup var gateway: GatewayOption
        @Option(help: "Calls in flight at most.") var concurrency: Int = 8

        func run() async throws {
            try await gateway.withRuns(store) { runs, _ in
                let result = try await runs.verify(batch: batch, concurrency: concurrency) { p in
                    let percent = p.total == 0 ? 100 : p.done * 100 / p.total
                    FileHandle.standardError.write(Data("\rverify \(p.done)/\(p.total) (\(percent)%)".utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
                let statuses = result.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print("verified \(result.done)/\(result.total): \(statuses)")
            }
        }
    }

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the payees' accounts for a payment period through napas.verify-account (resumable).")
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "Payment period, YYYY-MM.") var period: String
        @OptionGroup var store: RegistryOption
        @OptionGroup var gateway: GatewayOption

        func run() async throws {
            try await gateway.withRuns(store) { runs, registry in
                let checked = try await runs.verifyAccounts(batch: batch, period: period)
                let decisions = try await registry.paymentDecisions(batch: batch, period: period)
                let counts = Dictionary(grouping: decisions, by: { $0.decision.status.rawValue }).mapValues(\.count)
                print("\(checked) accounts checked; " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
    }

    struct OpenAccounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open-accounts", abstract: "Send account-opening requests to the banks for payees who need an account.")
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "Payment period, YYYY-MM.") var period: String
        @OptionGroup var store: RegistryOption
        @OptionGroup var gateway: GatewayOption

        func run() async throws {
            try await gateway.withRuns(store) { runs, _ in
                print("\(try await runs.openAccounts(batch: batch, period: period)) account-opening requests sent")
            }
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the banks' account-opening results from the labour department's inbox and record them.")
        @OptionGroup var store: RegistryOption
        @OptionGroup var gateway: GatewayOption

        func run() async throws {
            try await gateway.withRuns(store) { runs, _ in
                print("\(try await runs.collectOpeningResults()) results recorded")
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a batch's reports (CSV and XLSX, Vietnamese headers): discrepancies; with --period also the bank lists, the post-office cash list and the monthly report.")
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "Payment period, YYYY-MM.") var period: String?
        @Option(help: "Folder for the reports.") var out: String = "reports"
        @OptionGroup var store: RegistryOption

        func run() async throws {
            try await AsxhCommand.exitCodes {
                let folder = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let (batch, period) = (batch, period)
                let files = try await store.withStore { registry in
                    var files = [try await registry.writeDiscrepancyReport(batch: batch, period: period, to: folder)]
                    if let period {
                        files += Array(try await registry.writeBankLists(batch: batch, period: period, to: folder).values)
                        files.append(try await registry.writeCashList(batch: batch, period: period, to: folder))
                        files.append(try await registry.writeMonthlyReport(batch: batch, period: period, to: folder))
                    }
                    return files
                }
                for file in files { print(file.xlsx.path); print(file.csv.path) }
            }
        }
    }

    /// Today in Vietnam (UTC+7).
    static func today() -> CalendarDate {
        CalendarDate.inVietnam(secondsSince1970: Date().timeIntervalSince1970)
    }
}
