import ArgumentParser
import Foundation
import LienthongPostgres
import Logging

/// `lienthong migrate`: applies the PostgreSQL schema (audit log, durable queue) to a database, or lists what is
/// applied. Safe to run again and from several hosts at once: each migration is applied once, under an advisory lock.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the PostgreSQL schema (audit log, queue) to a database; --list shows what is applied.",
        discussion: """
            The URL is postgres://user[:password]@host[:port]/database; TLS is required for any host other than \
            loopback. The password is never printed. SQLite databases need no command: they migrate when opened.
            """)

    @Option(name: .customLong("database-url"), help: "postgres://user[:password]@host[:port]/database (default: $LIENTHONG_DATABASE_URL).")
    var databaseURL: String?

    @Flag(help: "List the migrations applied, apply nothing.")
    var list = false

    @Option(help: "Give up after this many seconds (the connection pool otherwise keeps retrying an unreachable server).")
    var timeoutSeconds: Int = 30

    func run() async throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["LIENTHONG_DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("give --database-url or set LIENTHONG_DATABASE_URL")
        }
        let logger = Logger(label: "lienthong.migrate") { _ in SwiftLogNoOpLogHandler() }
        let migrations = PostgresSchema.migrations
        do {
            let lines = try await withDeadline(seconds: timeoutSeconds) { [list] in
              try await PostgresDatabase.withDatabase(url: url, maximumConnections: 2, logger: logger) { database in
                if list {
                    let applied = try await database.appliedMigrations()
                    let pending = migrations.map(\.name).filter { !applied.contains($0) }
                    return applied.map { "applied \($0)" } + pending.map { "pending \($0)" }
                }
                let applied = try await database.migrate(migrations)
                return applied.map { "applied \($0)" } + ["\(applied.count) applied, \(migrations.count - applied.count) already there"]
              }
            }
            for line in lines { print(line) }
        } catch let error as PostgresStoreError {
            throw CLIError(message: "migrate: \(error)")
        } catch is DeadlineExceeded {
            throw CLIError(message: "migrate: no answer from the database within \(timeoutSeconds) s")
        } catch {
            throw CLIError(message: "migrate: cannot reach or migrate the database (\(String(describing: type(of: error))))")
        }
    }
}

/// `withDeadline` gave up.
struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` after `seconds`.
func withDeadline<T: Sendable>(seconds: Int, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}
