import Foundation
public import LienthongAudit
public import LienthongConfig
public import LienthongLaborStore
public import LienthongRegistryStore
import LienthongPostgres
public import LienthongQueue
public import Logging

/// Where the gateway keeps its evidence and its messages, chosen by `[storage] url`: the audit chain, the
/// durable queue (with its acceptance reports) and the account-opening ledger.
///
/// - SQLite (default): one file in the data folder, one node.
/// - PostgreSQL: one database shared by every gateway instance pointed at it (one queue, one audit chain);
///   migrations are applied at start, each once, under an advisory lock.
///
/// The registry's and the labour records are here too when the backend is PostgreSQL and `[registry]`/`[labor]` are
/// configured; with SQLite they keep their own files (`[registry] database`, `[labor] database`).
public struct GatewayStorage: Sendable {
    /// The audit chain.
    public let audit: any AuditLog
    /// The durable queue.
    public let queue: any GatewayQueue
    /// The account-opening ledger's reads.
    public let openings: any AccountOpeningBook
    /// The labour records in PostgreSQL (`nil`: SQLite, or no `[labor]`; the labour host opens its own file).
    public let labor: (any LaborRecords)?
    /// The registry in PostgreSQL (`nil`: SQLite, or no `[registry]`; the registry host opens its own file).
    public let registry: (any RegistryRecords)?
    /// The SQLite store behind ``audit`` and ``queue`` when the backend is SQLite (for SQLite-only tools:
    /// archive, backup, the `synchronous` pragma check).
    public let sqlite: SQLiteAuditStore?
    /// The PostgreSQL database when the backend is PostgreSQL (closed by ``close()``).
    let postgres: PostgresDatabase?

    /// Opens the embedded SQLite storage of `configuration` (synchronously: nothing to migrate remotely).
    public static func openSQLite(_ configuration: GatewayConfiguration, keys: AuditKeys) throws -> GatewayStorage {
        let store = try SQLiteAuditStore(
            path: configuration.storage.sqlitePath, keys: keys,
            checkpointEvery: configuration.audit.checkpointEvery,
            checkpointInterval: .seconds(configuration.audit.checkpointIntervalSeconds))
        let queue = try SQLiteQueueStore(auditStore: store, instance: configuration.gateway.instance)
        let ledger = try AccountOpeningLedger(auditStore: store)
        return GatewayStorage(audit: store, queue: queue, openings: ledger, labor: nil, registry: nil, sqlite: store, postgres: nil)
    }

    /// Opens the storage `configuration` names: SQLite, or PostgreSQL (connecting, then applying the audit and
    /// queue migrations that are pending).
    public static func open(_ configuration: GatewayConfiguration, keys: AuditKeys, logger: Logger) async throws -> GatewayStorage {
        guard configuration.storage.kind == .postgres, let url = configuration.storage.postgresURL else {
            return try openSQLite(configuration, keys: keys)
        }
        var postgresLogger = logger
        postgresLogger[metadataKey: "store"] = "postgres"
        let database = try PostgresDatabase(
            url: url, maximumConnections: configuration.storage.postgresMaxConnections, logger: postgresLogger)
        database.start()
        do {
            let audit = try await PostgresAuditLog(
                database: database, keys: keys, checkpointEvery: configuration.audit.checkpointEvery,
                checkpointInterval: .seconds(configuration.audit.checkpointIntervalSeconds))
            let queue = try await PostgresQueueStore(auditLog: audit, instance: configuration.gateway.instance)
            let labor: (any LaborRecords)? = configuration.labor == nil ? nil : try await PostgresLaborStore(database: database)
            var registry: (any RegistryRecords)?
            if let settings = configuration.registry {
                registry = try await PostgresRegistryStore(database: database, defaultBankBIN: settings.defaultBankBIN)
            }
            return GatewayStorage(
                audit: audit, queue: queue, openings: PostgresAccountOpeningBook(database: database), labor: labor,
                registry: registry, sqlite: nil, postgres: database)
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// A name for the condition when `error` says the storage cannot take writes now (SQLite: full, busy, locked,
    /// I/O; PostgreSQL: connection lost, SQLSTATE 08/40/53/57), `nil` for any other error. The gateway answers such
    /// failures `503` with `Retry-After`: nothing was stored and the same write can succeed later.
    public static func temporaryCondition(_ error: any Error) -> String? {
        StorageFailure.temporaryCondition(error) ?? PostgresStorageFailure.temporaryCondition(error)
    }

    /// Closes the PostgreSQL connections (nothing to do for SQLite, whose files close with the process).
    public func close() async {
        await postgres?.shutdown()
    }
}
