import Foundation
public import Logging
public import PostgresNIO
import Synchronization

/// A connection to a PostgreSQL database for the gateway's stores: a pooled `PostgresClient`, its run task,
/// explicit READ COMMITTED transactions and versioned migrations.
///
/// ```swift
/// let database = try PostgresDatabase(url: "postgres://lienthong@127.0.0.1:5432/lienthong")
/// database.start()                                   // runs the pool; queries wait until it runs
/// let audit = try await PostgresAuditLog(database: database, keys: keys)
/// let queue = try await PostgresQueueStore(auditLog: audit)
/// ...
/// await database.shutdown()
/// ```
///
/// or, structured: `try await PostgresDatabase.withDatabase(url: url) { database in ... }`.
///
/// TLS: **disabled for loopback hosts** (`127.0.0.1`, `::1`, `localhost`: the traffic never leaves the machine);
/// any other host requires TLS with certificate and host-name verification against the system trust roots.
///
/// Several gateway instances (processes or machines) may open the same database: migrations are applied once
/// (each in a transaction under a fixed advisory lock), and the stores serialise what must be serialised in
/// the database itself, never in process memory.
public final class PostgresDatabase: Sendable {
    /// The pooled client. Use it only between ``start()`` and ``shutdown()``.
    public let client: PostgresClient
    /// Where store-level events go (never row contents).
    public let logger: Logger
    /// The database name from the URL (for logs; no credentials).
    public let databaseName: String
    private let runner: RunTask

    /// The advisory lock key held (transaction-scoped) while a migration is applied: `"lienthong"` in ASCII.
    public static let migrationLockKey: Int64 = 0x6C69_656E_7468_6F6E

    /// Creates the client for `url` (`postgres://user[:password]@host[:port]/database`, port 5432 by default,
    /// user and password percent-decoded). Does not connect: call ``start()``.
    ///
    /// Throws ``PostgresStoreError`` `invalidURL` naming the part that is wrong (never its value).
    public init(url: String, maximumConnections: Int = 20, logger: Logger = Logger(label: "lienthong.postgres")) throws {
        let configuration = try Self.configuration(url: url)
        var clientConfiguration = configuration.client
        clientConfiguration.options.maximumConnections = maximumConnections
        self.client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.logger = logger
        self.databaseName = configuration.client.database ?? ""
        self.runner = RunTask()
    }

    /// Runs the client's pool in a task of its own until ``shutdown()``. Calling it twice has no effect.
    public func start() {
        let client = self.client
        runner.start { await client.run() }
    }

    /// Stops the pool (cancels its run task) and waits for it to finish; further queries fail.
    public func shutdown() async {
        await runner.stop()
    }

    /// Opens the database at `url`, runs its pool for the duration of `body`, then shuts it down.
    public static func withDatabase<T: Sendable>(
        url: String, maximumConnections: Int = 20, logger: Logger = Logger(label: "lienthong.postgres"),
        _ body: (PostgresDatabase) async throws -> T
    ) async throws -> T {
        let database = try PostgresDatabase(url: url, maximumConnections: maximumConnections, logger: logger)
        database.start()
        do {
            let value = try await body(database)
            await database.shutdown()
            return value
        } catch {
            await database.shutdown()
            throw error
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction pinned to READ COMMITTED (`BEGIN ISOLATION LEVEL READ COMMITTED`), whatever
    /// the server's default: the stores' claims (`FOR UPDATE SKIP LOCKED`) and the audit head lock rely on it.
    /// Commits when `body` returns, rolls back when it throws (and rethrows its error).
    public func withTransaction<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withTransaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", body)
    }

    /// Runs `body` in a read-only REPEATABLE READ transaction: one snapshot for every statement (for reads
    /// that must be consistent across tables, such as verification).
    public func withSnapshot<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withTransaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func withTransaction<T: Sendable>(
        begin: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: logger)
                } catch {
                    logger.warning("rollback failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            return value
        }
    }

    /// Runs one statement outside any explicit transaction (e.g. `CREATE DATABASE`, which cannot run in one).
    public func execute(_ sql: String) async throws {
        let logger = self.logger
        _ = try await client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    // MARK: - Migrations

    /// Applies the `migrations` not applied yet, in order, each in its own transaction under the advisory lock
    /// ``migrationLockKey`` (so concurrent instances apply each exactly once), and records each by name in
    /// `lienthong_migration(name text primary key, applied_at timestamptz)`. Returns the names applied now.
    @discardableResult
    public func migrate(_ migrations: [PostgresMigration]) async throws -> [String] {
        var applied: [String] = []
        for migration in migrations {
            let done = try await withTransaction { connection -> Bool in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS lienthong_migration (
                        name text PRIMARY KEY,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                let existing = try await connection.query(
                    "SELECT 1 FROM lienthong_migration WHERE name = \(migration.name)", logger: logger).collect()
                guard existing.isEmpty else { return false }
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO lienthong_migration (name, applied_at) VALUES (\(migration.name), now())", logger: logger)
                return true
            }
            if done {
                applied.append(migration.name)
                logger.info("migration applied", metadata: ["migration": "\(migration.name)", "database": "\(databaseName)"])
            }
        }
        return applied
    }

    /// The names of the migrations applied to this database, by application order (then name).
    public func appliedMigrations() async throws -> [String] {
        try await withTransaction { connection in
            let exists = try await connection.query(
                "SELECT to_regclass('lienthong_migration') IS NOT NULL", logger: logger).collect()
            guard try exists.first?.makeRandomAccess()[0].decode(Bool.self) == true else { return [] }
            var names: [String] = []
            for try await name in try await connection.query(
                "SELECT name FROM lienthong_migration ORDER BY applied_at, name", logger: logger
            ).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    // MARK: - URL

    /// What a storage URL gives: the client configuration (TLS chosen by host).
    struct ParsedURL {
        var client: PostgresClient.Configuration
        var isLoopback: Bool
    }

    /// Parses `postgres://user[:password]@host[:port]/database` (also `postgresql://`).
    static func configuration(url text: String) throws -> ParsedURL {
        guard let components = URLComponents(string: text) else { throw PostgresStoreError(.invalidURL, field: "url") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresStoreError(.invalidURL, field: "scheme")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresStoreError(.invalidURL, field: "host") }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw PostgresStoreError(.invalidURL, field: "user")
        }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresStoreError(.invalidURL, field: "port") }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.isEmpty, !path.contains("/"), let database = path.removingPercentEncoding else {
            throw PostgresStoreError(.invalidURL, field: "database")
        }
        // URLComponents keeps IPv6 literals in brackets.
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let isLoopback = ["127.0.0.1", "::1", "localhost"].contains(bareHost.lowercased())
        let tls: PostgresClient.Configuration.TLS = isLoopback ? .disable : .require(.makeClientConfiguration())
        let configuration = PostgresClient.Configuration(
            host: bareHost, port: port, username: user, password: password, database: database, tls: tls)
        return ParsedURL(client: configuration, isLoopback: isLoopback)
    }
}

/// One versioned schema change: statements applied together, once, in one transaction.
public struct PostgresMigration: Sendable, Hashable {
    /// The unique name, prefixed by the store (`audit-v1`, `queue-v1`).
    public var name: String
    /// The statements, one SQL statement each (the extended protocol takes one at a time).
    public var statements: [String]

    /// Creates a migration.
    public init(name: String, statements: [String]) {
        self.name = name
        self.statements = statements
    }
}

/// An error of the PostgreSQL stores. Names fields, never values, so it can be logged as it is.
public struct PostgresStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        /// The storage URL is malformed.
        case invalidURL
        /// A stored row cannot be decoded.
        case corruptRow
        /// The database answered something the store did not expect (e.g. a missing chain head).
        case unexpectedState
    }

    /// What is wrong.
    public var code: Code
    /// The part or column concerned.
    public var field: String

    /// Creates an error.
    public init(_ code: Code, field: String) {
        self.code = code
        self.field = field
    }

    /// `field: code`.
    public var description: String { "\(field): \(code.rawValue)" }
}

/// The client's run task, started once and cancelled at shutdown.
private final class RunTask: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let started = Mutex(false)

    func start(_ body: @escaping @Sendable () async -> Void) {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        // Run the body synchronously up to its first suspension, so the pool knows it runs before `start()` returns
        // (otherwise the first queries race the run task and the client logs a warning).
        let running: Task<Void, Never>
        if #available(macOS 26, *) {
            running = Task.immediate { await body() }
        } else {
            running = Task { await body() }
        }
        task.withLock { $0 = running }
    }

    func stop() async {
        guard let running = task.withLock({ task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }) else { return }
        running.cancel()
        await running.value
    }
}
