import ArgumentParser
import Foundation
import LienthongAudit
import LienthongConfig
import LienthongGateway

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit log: verify the chain, export it, show checkpoints and the checkpoint key; archive, back up, restore.",
        subcommands: [Verify.self, Export.self, Checkpoints.self, PublicKey.self, Archive.self, Backup.self, Restore.self])

    /// The archive directory: `--archive`, or `<data_dir>/audit-archive`.
    static func archiveDirectory(_ option: String?, _ config: GatewayConfiguration) -> URL {
        URL(fileURLWithPath: option ?? (config.gateway.dataDirectory as NSString).appendingPathComponent("audit-archive"))
    }


    /// Runs `body` on the configuration's audit chain (SQLite or PostgreSQL), with the audit keys.
    static func withAudit<T: Sendable>(
        _ options: ConfigOption, _ body: @escaping @Sendable (GatewayStorage, AuditKeys) async throws -> T
    ) async throws -> T {
        try await withStorage(try options.load(checkFiles: false), body)
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every hash, link, seq and checkpoint signature. Exit 0 intact, 1 naming the first bad seq.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Verify an export instead of the database: records JSON Lines file.") var export: String?
        @Option(help: "With --export: checkpoints JSON Lines file.") var checkpoints: String?
        @Option(help: "With --export: checkpoint public key (PEM).") var pubkey: String?
        @Option(help: "Archive directory with the segment files (default: <data_dir>/audit-archive).") var archive: String?
        @Flag(help: "Verify only the live log, from the archive anchor (when the segments are kept elsewhere).") var liveOnly = false

        func run() async throws {
            let result: (description: String, isIntact: Bool)
            if let export {
                guard let checkpoints, let pubkey else {
                    throw ValidationError("--export needs --checkpoints and --pubkey")
                }
                let verification = try AuditExport.verify(
                    recordsFile: URL(fileURLWithPath: export), checkpointsFile: URL(fileURLWithPath: checkpoints),
                    publicKeyPEM: try String(contentsOfFile: pubkey, encoding: .utf8))
                result = (verification.description, verification.isIntact)
            } else {
                let config = try options.load(checkFiles: false)
                let (liveOnly, archive) = (liveOnly, archive)
                result = try await AuditCommand.withAudit(options) { storage, keys in
                    // SQLite: the archived segments and the live log; PostgreSQL keeps the whole chain in its tables.
                    if let store = storage.sqlite, !liveOnly {
                        let full = try store.verify(
                            publicKey: keys.signingKey.publicKey, archiveDirectory: AuditCommand.archiveDirectory(archive, config))
                        return (full.description, full.isIntact)
                    }
                    let live = try await storage.audit.verify(publicKey: keys.signingKey.publicKey)
                    return (live.description, live.isIntact)
                }
            }
            print(result.description)
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the records as JSON Lines (one object per line, with hash).")
        @OptionGroup var options: ConfigOption
        @Option(help: "Output file (default: standard output).") var out: String?

        func run() async throws {
            let out = out
            try await AuditCommand.withAudit(options) { storage, _ in
                let handle = try AuditCommand.output(out)
                defer { if out != nil { try? handle.close() } }
                if let store = storage.sqlite { _ = try store.export(to: handle) } else { _ = try await storage.audit.exportLines(to: handle) }
                if out != nil { try handle.synchronize() }
            }
        }
    }

    struct Checkpoints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the signed checkpoints as JSON Lines.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Output file (default: standard output).") var out: String?

        func run() async throws {
            let out = out
            try await AuditCommand.withAudit(options) { storage, _ in
                let handle = try AuditCommand.output(out)
                defer { if out != nil { try? handle.close() } }
                var buffer: [UInt8] = []
                for checkpoint in try await storage.audit.checkpoints() { buffer.append(contentsOf: AuditExport.line(for: checkpoint)) }
                try handle.write(contentsOf: buffer)
                if out != nil { try handle.synchronize() }
            }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pubkey", abstract: "Print the checkpoint public key as PEM.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load(checkFiles: false)
            let keys = try Gateway.auditKeys(config.audit)
            print(keys.signingKey.publicKey.pemRepresentation)
        }
    }
    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the oldest records to a segment file linked to the live log (ends at a checkpoint).",
            discussion: """
                Writes <archive>/segment-<first>-<last>.jsonl (header, checkpoints, records as `audit export` writes \
                them, footer), reads it back and verifies it, then deletes those records from the live log in one \
                transaction and records `audit.archive`. The segment ends at the last checkpoint within the cutoff.
                """)
        @OptionGroup var options: ConfigOption
        @Option(help: "Archive records with seq below N.") var beforeSeq: Int64?
        @Option(help: "Archive the records older than D days (by their timestamps).") var olderThanDays: Int?
        @Option(help: "Archive directory (default: <data_dir>/audit-archive).") var archive: String?
        @Option(help: "Operator name recorded in the audit log.") var user: String = NSUserName()

        func validate() throws {
            guard (beforeSeq == nil) != (olderThanDays == nil) else {
                throw ValidationError("give exactly one of --before-seq and --older-than-days")
            }
            if let beforeSeq, beforeSeq < 2 { throw ValidationError("--before-seq must be at least 2") }
            if let olderThanDays, olderThanDays < 0 { throw ValidationError("--older-than-days must not be negative") }
        }

        func run() async throws {
            let config = try options.load(checkFiles: false)
            let cutoff: AuditArchiveCutoff = beforeSeq.map { .beforeSeq($0) }
                ?? .before(Date().addingTimeInterval(-Double(olderThanDays ?? 0) * 86_400))
            let directory = AuditCommand.archiveDirectory(archive, config)
            let user = user
            let archived = try await AuditCommand.withAudit(options) { storage, _ in
                try await sqliteOnly(storage, "audit archive").archive(cutoff, into: directory, user: user)
            }
            guard let entry = archived else {
                print("nothing to archive: no checkpoint within the cutoff beyond the archived records")
                return
            }
            print("archived seq \(entry.firstSeq)-\(entry.lastSeq) to \(directory.appendingPathComponent(entry.fileName).path) (sha256 \(entry.sha256))")
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the gateway database (audit, queue, every table in it) with SQLite's online backup; verify the copy.",
            discussion: "Safe while the gateway runs: the copy is one read snapshot. Records `audit.backup`.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The backup file to create (must not exist).") var out: String
        @Option(help: "Operator name recorded in the audit log.") var user: String = NSUserName()

        func run() async throws {
            let (out, user) = (out, user)
            let result = try await AuditCommand.withAudit(options) { storage, _ in
                try await sqliteOnly(storage, "audit backup").backup(to: URL(fileURLWithPath: out), user: user)
            }
            print("backup \(out): \(result.description)")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the gateway database with a backup (the gateway must be stopped); the chain continues.",
            discussion: """
                Refuses while the gateway answers on its admin or partner address, or while any process has the \
                database open. Verifies the backup's chain first, keeps the current file as \
                <sqlite_path>.pre-restore-<time>, swaps the copy in atomically and records `audit.restore`.
                """)
        @OptionGroup var options: ConfigOption
        @Option(help: "The backup file (from `lienthong audit backup`).") var from: String
        @Option(help: "Archive directory (default: <data_dir>/audit-archive), checked for segments the backup does not know.")
        var archive: String?
        @Option(help: "Operator name recorded in the audit log.") var user: String = NSUserName()

        func run() async throws {
            let config = try options.load(checkFiles: false)
            _ = Logs.bootstrap(level: "warning")
            for address in [config.admin.listen, config.partner.listen] where AuditCommand.answers(address) {
                throw CLIError(message: "the gateway answers on \(address): stop it before restoring")
            }
            let keys = try Gateway.auditKeys(config.audit)
            let result = try await SQLiteAuditStore.restore(
                from: URL(fileURLWithPath: from), to: config.storage.sqlitePath, keys: keys, user: user)
            print("restored \(config.storage.sqlitePath) from \(from): \(result.verification.description)")
            if let previous = result.previousDatabase { print("the replaced database is kept as \(previous)") }
            let store = try SQLiteAuditStore(path: config.storage.sqlitePath, keys: keys)
            let known = Set(try store.archiveEntries().map(\.fileName))
            let directory = AuditCommand.archiveDirectory(archive, config)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files.sorted() where file.hasPrefix("segment-") && file.hasSuffix(".jsonl") && !known.contains(file) {
                print("note: \(file) was archived after this backup: keep it as evidence, and move it out of \(directory.path) before the next archive")
            }
        }
    }

    /// `path` as a new (or truncated) file, or standard output when `nil`.
    static func output(_ path: String?) throws -> FileHandle {
        guard let path else { return FileHandle.standardOutput }
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CLIError(message: "\(path): cannot create") }
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Whether something accepts TCP connections at `address` (a wildcard host is tried on loopback).
    static func answers(_ address: HostPort) -> Bool {
        guard address.port > 0 else { return false }
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host == "::" ? "::1" : address.host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(address.port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let connected = connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0
                close(fd)
                if connected { return true }
            }
            entry = current.pointee.ai_next
        }
        return false
    }
}
