public import Crypto
public import Foundation
import GRDB
import LienthongCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of verifying the archive segments and the live log together.
public struct AuditFullVerification: Sendable, Hashable, CustomStringConvertible {
    /// Whether every segment, every link between segments, the archive table and the live log checked out.
    public var isIntact: Bool
    /// The first bad `seq`, when one can be named.
    public var firstBadSeq: Int64?
    /// The segment file where the first problem was found, `nil` when the problem is in the live log (or none).
    public var badSegment: String?
    /// What was wrong (or `intact`). Names files, fields and seqs, never field values.
    public var reason: String
    /// Records verified (segments and live).
    public var records: Int
    /// Segments verified.
    public var segments: Int
    /// Checkpoints verified (segments and live).
    public var checkpoints: Int
    /// The live log's own result (from the anchor).
    public var live: AuditVerification

    /// One line for operators: `intact: N records, S segments, C checkpoints` (exactly
    /// ``AuditVerification/description`` when nothing is archived), or the first problem.
    public var description: String {
        if segments == 0, badSegment == nil { return live.description }
        guard !isIntact else { return "intact: \(records) records, \(segments) segments, \(checkpoints) checkpoints" }
        let seq = firstBadSeq.map { "first bad seq \($0): " } ?? ""
        if let badSegment { return "segment \(badSegment): \(seq)\(reason)" }
        return "\(seq)\(reason) (\(records) records, \(segments) segments, \(checkpoints) checkpoints checked)"
    }
}

/// What ``SQLiteAuditStore/restore(from:to:keys:user:)`` did.
public struct AuditRestoreResult: Sendable, Hashable {
    /// The verification of the restored database after the `audit.restore` record was appended.
    public var verification: AuditVerification
    /// Where the replaced database was kept (`<path>.pre-restore-<time>`), `nil` when there was none.
    public var previousDatabase: String?
    /// The `audit.restore` record.
    public var record: AuditRecord
}

extension SQLiteAuditStore {
    /// The archive table: one row per segment moved out of the live log.
    static let archiveTableSQL = """
        CREATE TABLE audit_archive (
            "first_seq" INTEGER PRIMARY KEY,
            "last_seq" INTEGER NOT NULL UNIQUE,
            "last_hash" TEXT NOT NULL,
            "file_name" TEXT NOT NULL,
            "sha256_of_file" TEXT NOT NULL,
            "archived_at" TEXT NOT NULL
        )
        """

    /// The end of the last archived segment (`seq` and `hash`), `nil` when nothing is archived.
    static func archiveAnchor(_ db: Database) throws -> (seq: Int64, hash: String)? {
        guard try db.tableExists("audit_archive") else { return nil }
        guard let row = try Row.fetchOne(db, sql: #"SELECT "last_seq", "last_hash" FROM audit_archive ORDER BY last_seq DESC LIMIT 1"#) else {
            return nil
        }
        return (try row.decode(Int64.self, atIndex: 0), try row.decode(String.self, atIndex: 1))
    }

    static func fetchArchiveEntries(_ db: Database) throws -> [AuditArchiveEntry] {
        guard try db.tableExists("audit_archive") else { return [] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT "first_seq", "last_seq", "last_hash", "file_name", "sha256_of_file", "archived_at"
            FROM audit_archive ORDER BY first_seq
            """)
        return try rows.map { row in
            AuditArchiveEntry(
                firstSeq: try row.decode(Int64.self, atIndex: 0), lastSeq: try row.decode(Int64.self, atIndex: 1),
                lastHash: try row.decode(String.self, atIndex: 2), fileName: try row.decode(String.self, atIndex: 3),
                sha256: try row.decode(String.self, atIndex: 4), archivedAt: try row.decode(String.self, atIndex: 5))
        }
    }

    /// The archived segments, in `seq` order.
    public func archiveEntries() throws -> [AuditArchiveEntry] {
        try pool.read { db in try Self.fetchArchiveEntries(db) }
    }

    // MARK: - Archiving

    /// Moves the oldest records out of the live log into a segment file, up to the last checkpointed `seq` the
    /// cutoff allows (so the segment's end is signed). Returns `nil` when there is nothing to archive (no
    /// checkpoint within the cutoff beyond what is archived already).
    ///
    /// Steps: the records and their checkpoints are verified while the file `segment-<first>-<last>.jsonl` is
    /// written (as `.partial`, fsynced, renamed, directory fsynced); the file is read back and verified; only then,
    /// in one transaction, the records (and the checkpoints before the last) are deleted from the live tables, an
    /// `audit_archive` row is inserted, and an `audit.archive` record (actor `operator`, user `user`, target the file
    /// name, ref `<first>-<last>`) is appended. The checkpoint at the segment's last `seq` stays in the live table:
    /// it signs the anchor the live log continues from.
    ///
    /// - Throws: ``AuditError`` `archiveFailed` when the live log does not verify up to the cutoff, the segment file
    ///   exists already (an interrupted archive, or a segment archived before a restore: move it away), or another
    ///   archive ran meanwhile; `ioFailure` when the file cannot be written. The live log is unchanged then.
    public func archive(_ cutoff: AuditArchiveCutoff, into directory: URL, user: String) async throws -> AuditArchiveEntry? {
        let publicKey = writer.signingKey.publicKey
        guard let plan = try archivePlan(cutoff) else { return nil }
        let first = plan.anchorSeq + 1
        let name = AuditArchiveEntry.fileName(firstSeq: first, lastSeq: plan.end)
        let file = directory.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AuditError(code: .ioFailure, detail: "\(directory.path): cannot create the archive directory")
        }
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw AuditError(code: .archiveFailed, detail: """
                \(file.path) exists and is not in the archive table (left by an interrupted archive, or archived \
                before a restore): keep it as evidence elsewhere, then retry
                """)
        }
        let partial = directory.appendingPathComponent(name + ".partial")
        try? FileManager.default.removeItem(at: partial)
        let lastHash: String
        do {
            lastHash = try writeSegment(
                to: partial, first: first, last: plan.end, anchorHash: plan.anchorHash, publicKey: publicKey)
            try AuditFiles.fsync(path: partial.path)
            try AuditFiles.durableRename(from: partial.path, to: file.path)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        let entry: AuditArchiveEntry
        do {
            let readBack = try AuditSegment.verify(
                file: file, publicKey: publicKey, expectedPrev: plan.anchorHash, expectedFirstSeq: first,
                expectedLastSeq: plan.end)
            guard readBack.isIntact, readBack.lastHash == lastHash else {
                throw AuditError(code: .archiveFailed, detail: "\(name) does not verify when read back: \(readBack.reason)")
            }
            entry = AuditArchiveEntry(
                firstSeq: first, lastSeq: plan.end, lastHash: lastHash, fileName: name,
                sha256: try AuditFiles.sha256(of: file), archivedAt: AuditTimestamp.now())
            let anchorSeq = plan.anchorSeq
            _ = try await commit { db in
                guard (try Self.archiveAnchor(db)?.seq ?? 0) == anchorSeq else {
                    throw AuditError(code: .archiveFailed, detail: "another archive ran meanwhile; retry")
                }
                let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_record WHERE seq <= ?", arguments: [entry.lastSeq]) ?? 0
                let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_record WHERE seq = ?", arguments: [entry.lastSeq])
                guard count == entry.lastSeq - anchorSeq, hash == entry.lastHash else {
                    throw AuditError(code: .archiveFailed, detail: "the live records \(entry.firstSeq)-\(entry.lastSeq) changed meanwhile")
                }
                try db.execute(sql: "DELETE FROM audit_record WHERE seq <= ?", arguments: [entry.lastSeq])
                try db.execute(sql: "DELETE FROM audit_checkpoint WHERE seq < ?", arguments: [entry.lastSeq])
                try db.execute(
                    sql: """
                        INSERT INTO audit_archive ("first_seq", "last_seq", "last_hash", "file_name", "sha256_of_file", "archived_at")
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [entry.firstSeq, entry.lastSeq, entry.lastHash, entry.fileName, entry.sha256, entry.archivedAt])
                return ((), [AuditEvent(
                    actor: "operator", user: user, action: "audit.archive", target: entry.fileName,
                    ref: "\(entry.firstSeq)-\(entry.lastSeq)", outcome: .ok, status: 0)])
            }
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return entry
    }

    /// The archive anchor and the segment end the cutoff allows, `nil` when there is nothing to archive.
    private func archivePlan(_ cutoff: AuditArchiveCutoff) throws -> (anchorSeq: Int64, anchorHash: String, end: Int64)? {
        try pool.read { db -> (anchorSeq: Int64, anchorHash: String, end: Int64)? in
            let anchor = try Self.archiveAnchor(db)
            let anchorSeq = anchor?.seq ?? 0
            let maxSeq: Int64?
            switch cutoff {
            case .beforeSeq(let seq):
                maxSeq = seq - 1
            case .before(let date):
                let ts = AuditTimestamp.string(from: date)
                if let firstNewer = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM audit_record WHERE ts >= ?", arguments: [ts]) {
                    maxSeq = firstNewer - 1
                } else {
                    maxSeq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_record")
                }
            }
            guard let maxSeq, maxSeq > anchorSeq else { return nil }
            guard let end = try Int64.fetchOne(db, sql: """
                SELECT MAX(c.seq) FROM audit_checkpoint c JOIN audit_record r ON r.seq = c.seq WHERE c.seq <= ? AND c.seq > ?
                """, arguments: [maxSeq, anchorSeq])
            else { return nil }
            return (anchorSeq, anchor?.hash ?? AuditRecord.genesisHash, end)
        }
    }

    /// Writes the segment `first...last` (verifying it on the way) and returns the last record's hash.
    private func writeSegment(
        to url: URL, first: Int64, last: Int64, anchorHash: String, publicKey: P256.Signing.PublicKey
    ) throws -> String {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw AuditError(code: .ioFailure, detail: "\(url.path): cannot create")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        return try pool.read { db in
            let checkpoints = try Self.fetchCheckpoints(db).filter { $0.seq >= first && $0.seq <= last }
            guard let signed = checkpoints.last, signed.seq == last else {
                throw AuditError(code: .archiveFailed, detail: "no checkpoint at seq \(last)")
            }
            var buffer = AuditSegment.headerLine(firstSeq: first, lastSeq: last, prev: anchorHash, checkpoints: checkpoints.count)
            for checkpoint in checkpoints { buffer.append(contentsOf: AuditExport.line(for: checkpoint)) }
            var verifier = AuditVerifier(publicKey: publicKey, checkpoints: checkpoints, anchorSeq: first - 1, anchorHash: anchorHash)
            var firstRecord: AuditRecord?
            var lastRecord: AuditRecord?
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(Self.recordColumns) FROM audit_record WHERE seq <= ? ORDER BY seq", arguments: [last])
            while let row = try cursor.next() {
                let record = try Self.record(row)
                verifier.feed(record)
                if verifier.isSettled { break }
                if firstRecord == nil { firstRecord = record }
                lastRecord = record
                AuditExport.appendLine(for: record, to: &buffer)
                if buffer.count >= 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            let result = verifier.finish()
            guard result.isIntact, verifier.lastVerifiedSeq == last, let firstRecord, let lastRecord else {
                let at = result.firstBadSeq ?? verifier.lastVerifiedSeq + 1
                throw AuditError(code: .archiveFailed, detail: "the live log does not verify at seq \(at) (\(result.reason)); nothing archived")
            }
            buffer.append(contentsOf: AuditSegment.footerLine(first: firstRecord, last: lastRecord, checkpoint: signed))
            try handle.write(contentsOf: buffer)
            try handle.synchronize()
            return lastRecord.hash
        }
    }

    // MARK: - Verifying archive and live log

    /// Verifies the archive segments in `archiveDirectory` in order, then the live log from the anchor.
    ///
    /// For each `audit_archive` row: the segments are contiguous from `seq` 1, the file exists and its SHA-256 is the
    /// row's, the segment verifies on its own (header, checkpoint signatures, hashes, links, footer) and continues
    /// from the previous segment's last hash; then the live log continues from the last segment's end. The table
    /// and the live log are read from one snapshot. With nothing archived this is ``verify(publicKey:)``.
    public func verify(publicKey: P256.Signing.PublicKey, archiveDirectory: URL) throws -> AuditFullVerification {
        let (entries, live) = try pool.read { db in
            (try Self.fetchArchiveEntries(db), try Self.verifyLive(db, publicKey: publicKey))
        }
        return Self.verify(entries: entries, live: live, publicKey: publicKey, archiveDirectory: archiveDirectory)
    }

    static func verify(
        entries: [AuditArchiveEntry], live: AuditVerification, publicKey: P256.Signing.PublicKey, archiveDirectory: URL
    ) -> AuditFullVerification {
        var result = AuditFullVerification(
            isIntact: true, firstBadSeq: nil, badSegment: nil, reason: "intact", records: 0, segments: 0,
            checkpoints: 0, live: live)
        func fail(_ segment: String?, _ seq: Int64?, _ reason: String) -> AuditFullVerification {
            result.isIntact = false
            result.badSegment = segment
            result.firstBadSeq = seq
            result.reason = reason
            return result
        }
        var prev = AuditRecord.genesisHash
        var expectedFirst: Int64 = 1
        for entry in entries {
            guard entry.firstSeq == expectedFirst, entry.lastSeq >= entry.firstSeq else {
                return fail(entry.fileName, expectedFirst, "the archive table has no segment starting at seq \(expectedFirst)")
            }
            let file = archiveDirectory.appendingPathComponent(entry.fileName)
            guard FileManager.default.fileExists(atPath: file.path) else {
                return fail(entry.fileName, entry.firstSeq, "segment file is missing from \(archiveDirectory.path)")
            }
            let segment: AuditSegment.Verification
            do {
                guard try AuditFiles.sha256(of: file) == entry.sha256 else {
                    // Name the first bad seq too, when the content itself does not verify.
                    let inner = try? AuditSegment.verify(
                        file: file, publicKey: publicKey, expectedPrev: prev, expectedFirstSeq: entry.firstSeq,
                        expectedLastSeq: entry.lastSeq)
                    let detail = inner.map { $0.isIntact ? "" : "; \($0.reason)" } ?? ""
                    return fail(entry.fileName, inner?.firstBadSeq ?? entry.firstSeq, "SHA-256 of the file differs from the archive table\(detail)")
                }
                segment = try AuditSegment.verify(
                    file: file, publicKey: publicKey, expectedPrev: prev, expectedFirstSeq: entry.firstSeq,
                    expectedLastSeq: entry.lastSeq)
            } catch {
                return fail(entry.fileName, entry.firstSeq, "segment file cannot be read")
            }
            guard segment.isIntact else { return fail(entry.fileName, segment.firstBadSeq, segment.reason) }
            guard segment.lastHash == entry.lastHash else {
                return fail(entry.fileName, entry.lastSeq, "last hash differs from the archive table")
            }
            result.records += segment.records
            result.checkpoints += segment.checkpoints
            result.segments += 1
            prev = entry.lastHash
            expectedFirst = entry.lastSeq + 1
        }
        result.records += live.recordsChecked
        result.checkpoints += live.checkpointsChecked
        if !live.isIntact { return fail(nil, live.firstBadSeq, live.reason) }
        return result
    }

    // MARK: - Backup and restore

    /// Copies the whole database file (audit tables and every other table in it, e.g. the queue) to a new file with
    /// SQLite's online backup, from one read snapshot, while appends go on; verifies the copy's chain; then appends
    /// an `audit.backup` record (actor `operator`, user `user`, target the file name, ref the number of live records
    /// in the copy) to the live log. Returns the copy's verification.
    ///
    /// The copy is written as `<url>.partial`, switched to a rollback journal (one self-contained file), fsynced,
    /// verified, then renamed to `url` (directory fsynced).
    /// - Throws: ``AuditError`` `backupFailed` when `url` exists or the copy does not verify (no file is left).
    @discardableResult
    public func backup(to url: URL, user: String) async throws -> AuditVerification {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw AuditError(code: .backupFailed, detail: "\(url.path) exists; choose a new file")
        }
        let partial = url.path + ".partial"
        Self.removeDatabaseFiles(partial)
        let verification: AuditVerification
        do {
            try Self.copyDatabase(from: pool, toNewFile: partial)
            try AuditFiles.fsync(path: partial)
            verification = try Self.verifyDatabaseFile(atPath: partial, publicKey: writer.signingKey.publicKey)
            guard verification.isIntact else {
                throw AuditError(code: .backupFailed, detail: "the copy does not verify: \(verification.description)")
            }
            try AuditFiles.durableRename(from: partial, to: url.path)
        } catch {
            Self.removeDatabaseFiles(partial)
            throw error
        }
        _ = try await append(AuditEvent(
            actor: "operator", user: user, action: "audit.backup", target: url.lastPathComponent,
            ref: "\(verification.recordsChecked)", outcome: .ok, status: 0))
        return verification
    }

    /// Verifies the live audit tables (from the archive anchor) of the SQLite file at `path`, opened read-only.
    public static func verifyDatabaseFile(atPath path: String, publicKey: P256.Signing.PublicKey) throws -> AuditVerification {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditError(code: .ioFailure, detail: "\(path): no such file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("audit_record"), try db.tableExists("audit_checkpoint") else {
                throw AuditError(code: .corruptStore, detail: "\(path): no audit tables")
            }
            return try verifyLive(db, publicKey: publicKey)
        }
    }

    /// Replaces the database at `databasePath` with the backup at `backup`, then appends an `audit.restore` record
    /// (actor `operator`, user `user`, target the backup's file name) so the chain continues from the backup's head.
    ///
    /// Refuses when another process has the database open (the gateway, a CLI: see
    /// `AuditFiles.isOpenByAnotherProcess`) or the backup's chain does not verify. The backup is copied with SQLite's
    /// backup API to `<databasePath>.restore-partial` (fsynced); the current database is kept as
    /// `<databasePath>.pre-restore-<time>` (a hard link, with its `-wal` moved beside it); then the copy is renamed
    /// over `databasePath` (atomic) and the directory fsynced. The calling process must not have the database open.
    public static func restore(from backup: URL, to databasePath: String, keys: AuditKeys, user: String) async throws -> AuditRestoreResult {
        let publicKey = keys.signingKey.publicKey
        guard !AuditFiles.isOpenByAnotherProcess(databasePath: databasePath) else {
            throw AuditError(code: .restoreRefused, detail: "\(databasePath) is open in another process: stop the gateway first")
        }
        let backupResult: AuditVerification
        do {
            backupResult = try verifyDatabaseFile(atPath: backup.path, publicKey: publicKey)
        } catch let error as AuditError {
            throw AuditError(code: .restoreRefused, detail: "the backup cannot be verified: \(error.detail)")
        }
        guard backupResult.isIntact else {
            throw AuditError(code: .restoreRefused, detail: "the backup does not verify: \(backupResult.description)")
        }
        let partial = databasePath + ".restore-partial"
        removeDatabaseFiles(partial)
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: backup.path, configuration: configuration)
            try copyDatabase(from: source, toNewFile: partial)
            try source.close()
            try AuditFiles.fsync(path: partial)
            let copy = try verifyDatabaseFile(atPath: partial, publicKey: publicKey)
            guard copy.isIntact else {
                throw AuditError(code: .restoreRefused, detail: "the copy of the backup does not verify: \(copy.description)")
            }
        } catch {
            removeDatabaseFiles(partial)
            throw error
        }
        guard !AuditFiles.isOpenByAnotherProcess(databasePath: databasePath) else {
            removeDatabaseFiles(partial)
            throw AuditError(code: .restoreRefused, detail: "\(databasePath) is open in another process: stop the gateway first")
        }
        var previous: String?
        let fm = FileManager.default
        if fm.fileExists(atPath: databasePath) {
            let stamp = AuditTimestamp.now().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "")
            let aside = "\(databasePath).pre-restore-\(stamp)"
            if link(databasePath, aside) != 0 {
                do {
                    try fm.copyItem(atPath: databasePath, toPath: aside)
                } catch {
                    removeDatabaseFiles(partial)
                    throw AuditError(code: .ioFailure, detail: "\(databasePath): cannot keep a copy as \(aside)")
                }
            }
            if fm.fileExists(atPath: databasePath + "-wal") {
                try AuditFiles.durableRename(from: databasePath + "-wal", to: aside + "-wal")
            }
            try? fm.removeItem(atPath: databasePath + "-shm")
            previous = aside
        }
        try AuditFiles.durableRename(from: partial, to: databasePath)

        let store = try SQLiteAuditStore(path: databasePath, keys: keys)
        let record = try await store.append(AuditEvent(
            actor: "operator", user: user, action: "audit.restore", target: backup.lastPathComponent,
            ref: "\(backupResult.recordsChecked)", outcome: .ok, status: 0))
        _ = try await store.checkpoint()
        let verification = try store.verify(publicKey: publicKey)
        return AuditRestoreResult(verification: verification, previousDatabase: previous, record: record)
    }

    /// Copies a database with SQLite's online backup (one step, from one read snapshot) into a new file at `path`,
    /// switched to a rollback journal so the copy is one self-contained file.
    static func copyDatabase(from source: some DatabaseReader, toNewFile path: String) throws {
        let destination = try DatabaseQueue(path: path)
        try source.backup(to: destination)
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try destination.close()
    }

    /// Removes an SQLite file and its journal, WAL and shared-memory files, if present.
    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
