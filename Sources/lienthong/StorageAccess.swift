import Foundation
import LienthongAudit
import LienthongConfig
import LienthongGateway

/// Opens the storage a configuration names for an operator command, runs `body`, closes it: the SQLite file of the
/// data folder (which must exist: the gateway creates it) or the PostgreSQL database (given 30 s to answer).
func withStorage<T: Sendable>(
    _ config: GatewayConfiguration, _ body: @escaping @Sendable (GatewayStorage, AuditKeys) async throws -> T
) async throws -> T {
    let logger = Logs.bootstrap(level: "warning")
    let keys = try Gateway.auditKeys(config.audit)
    if config.storage.kind == .sqlite {
        guard FileManager.default.fileExists(atPath: config.storage.sqlitePath) else {
            throw CLIError(message: "\(config.storage.sqlitePath): no database (has the gateway run with this configuration?)")
        }
        return try await body(try GatewayStorage.openSQLite(config, keys: keys), keys)
    }
    let storage: GatewayStorage
    do {
        storage = try await withDeadline(seconds: 30) { try await GatewayStorage.open(config, keys: keys, logger: logger) }
    } catch is DeadlineExceeded {
        throw CLIError(message: "the storage database (storage.url) did not answer within 30 s")
    }
    do {
        let result = try await body(storage, keys)
        await storage.close()
        return result
    } catch {
        await storage.close()
        throw error
    }
}

/// The SQLite store of `storage`, or a message saying that `what` is for the embedded storage (PostgreSQL keeps its
/// own backups: `pg_dump`, base backups and WAL archiving).
func sqliteOnly(_ storage: GatewayStorage, _ what: String) throws -> SQLiteAuditStore {
    guard let store = storage.sqlite else {
        throw CLIError(message: "\(what) works on the embedded SQLite storage; with PostgreSQL (storage.url) use the server's own tools (pg_dump, base backups, WAL archiving)")
    }
    return store
}

extension AuditLog {
    /// Writes every record as JSON Lines (``AuditExport`` format) to `handle`, reading `page` records at a time (the
    /// chain only grows, so pages by `seq` are consistent); returns the count.
    func exportLines(to handle: FileHandle, page: Int = 10_000) async throws -> Int {
        var from: Int64 = 1
        var count = 0
        while true {
            let records = try await records(from: from, limit: page)
            guard let last = records.last else { return count }
            var buffer: [UInt8] = []
            for record in records { AuditExport.appendLine(for: record, to: &buffer) }
            try handle.write(contentsOf: buffer)
            count += records.count
            from = last.seq + 1
        }
    }
}
