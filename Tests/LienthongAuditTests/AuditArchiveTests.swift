import Crypto
import Foundation
import GRDB
import XCTest

@testable import LienthongAudit

/// Evidence over time: archive segments linked to the live log, verification across both, backup and restore.
final class AuditArchiveTests: XCTestCase {
    private var directory: URL!
    private var keys: AuditKeys!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keys = AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var dbPath: String { directory.appendingPathComponent("lienthong.sqlite").path }
    private var archiveDirectory: URL { directory.appendingPathComponent("audit-archive") }
    private var publicKey: P256.Signing.PublicKey { keys.signingKey.publicKey }

    private static func event(_ i: Int) -> AuditEvent {
        AuditEvent(
            actor: "gov.labour.dongnai", user: "officer-\(i % 7)", action: "service.call", target: "population.lookup",
            ref: "req-\(i)", purpose: "asxh-eligibility", outcome: i % 10 == 0 ? .denied : .ok,
            status: i % 10 == 0 ? 403 : 200, subjectPersonalID: i % 3 == 0 ? "0790900\(String(format: "%05d", i))" : nil)
    }

    private func openStore(checkpointEvery: Int = 100) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: checkpointEvery)
    }

    private func append(_ store: SQLiteAuditStore, _ count: Int, from start: Int = 0) async throws {
        var i = start
        while i < start + count {
            let n = min(50, start + count - i)
            _ = try await store.appendBatch((i..<i + n).map { Self.event($0) })
            i += n
        }
    }

    private func tamper(_ sql: String, arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: dbPath)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
        try queue.close()
    }

    // MARK: - Archiving

    func testArchivingAPrefixLeavesALiveLogThatVerifiesFromTheAnchor() async throws {
        let store = try openStore()
        try await append(store, 250)
        let entry = try await store.archive(.beforeSeq(180), into: archiveDirectory, user: "operator-an")
        let archived = try XCTUnwrap(entry, "checkpoint 100 is within the cutoff")
        XCTAssertEqual(archived.firstSeq, 1)
        XCTAssertEqual(archived.lastSeq, 100, "the segment ends at the last checkpoint before the cutoff")
        XCTAssertEqual(archived.fileName, "segment-1-100.jsonl")
        XCTAssertTrue(FileManager.default.fileExists(atPath: archiveDirectory.appendingPathComponent(archived.fileName).path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: archiveDirectory.appendingPathComponent(archived.fileName + ".partial").path))

        let live = try store.records(from: 1, limit: 1000)
        XCTAssertEqual(live.first?.seq, 101)
        XCTAssertEqual(live.first?.prev, archived.lastHash, "the live log links to the segment's last hash")
        let last = try XCTUnwrap(live.last)
        XCTAssertEqual(last.seq, 251)
        XCTAssertEqual(last.action, "audit.archive")
        XCTAssertEqual(last.actor, "operator")
        XCTAssertEqual(last.user, "operator-an")
        XCTAssertEqual(last.target, "segment-1-100.jsonl")
        XCTAssertEqual(try store.checkpoints().map(\.seq), [100, 200], "the anchor's checkpoint stays, earlier ones go")
        XCTAssertEqual(try store.lastSeq(), 251)

        let result = try store.verify(publicKey: publicKey)
        XCTAssertTrue(result.isIntact, result.description)
        XCTAssertEqual(result.recordsChecked, 151)
        XCTAssertEqual(try store.archiveEntries(), [archived])

        // The anchor is checked: a live record edited right after it is found.
        try tamper(#"UPDATE audit_record SET "prev" = ? WHERE seq = 101"#, arguments: [AuditRecord.genesisHash])
        let broken = try store.verify(publicKey: publicKey)
        XCTAssertFalse(broken.isIntact)
        XCTAssertEqual(broken.firstBadSeq, 101)
    }

    func testNothingToArchiveWithoutACheckpointWithinTheCutoff() async throws {
        let store = try openStore()
        try await append(store, 90)
        let none = try await store.archive(.beforeSeq(80), into: archiveDirectory, user: "op")
        XCTAssertNil(none)
        let old = try await store.archive(.before(Date().addingTimeInterval(-86_400)), into: archiveDirectory, user: "op")
        XCTAssertNil(old, "no record is older than a day")
        XCTAssertEqual(try store.lastSeq(), 90, "nothing archived, nothing recorded")
        XCTAssertFalse(FileManager.default.fileExists(atPath: archiveDirectory.appendingPathComponent("segment-1-90.jsonl").path))
    }

    func testOlderThanCutoffArchivesUpToTheLastCheckpointBeforeIt() async throws {
        let store = try openStore()
        try await append(store, 230)
        let entry = try await store.archive(.before(Date().addingTimeInterval(3600)), into: archiveDirectory, user: "op")
        XCTAssertEqual(entry?.lastSeq, 200)
        XCTAssertTrue(try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory).isIntact)
    }

    func testVerifyAcrossSegmentsAndLiveLog() async throws {
        let store = try openStore()
        try await append(store, 250)
        let first = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
        let second = try await store.archive(.beforeSeq(1000), into: archiveDirectory, user: "op")
        XCTAssertEqual(first?.lastSeq, 100)
        XCTAssertEqual(second?.firstSeq, 101)
        XCTAssertEqual(second?.lastSeq, 200)
        try await append(store, 30, from: 250)

        let result = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertTrue(result.isIntact, result.description)
        XCTAssertEqual(result.segments, 2)
        XCTAssertEqual(result.records, 250 + 2 + 30, "every record, archived and live, once")
        XCTAssertEqual(result.description, "intact: 282 records, 2 segments, \(result.checkpoints) checkpoints")
        XCTAssertEqual(result.checkpoints, 3, "segment 1: 100; segment 2: 200; live: 200 (the anchor's)")

        // A segment verifies on its own, with standard tools too: every line is canonical JSON.
        let segment = try AuditSegment.verify(
            file: archiveDirectory.appendingPathComponent("segment-101-200.jsonl"), publicKey: publicKey)
        XCTAssertTrue(segment.isIntact, segment.reason)
        XCTAssertEqual(segment.records, 100)
        let lines = try String(contentsOf: archiveDirectory.appendingPathComponent("segment-1-100.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 1 + 100 + 1, "header, one checkpoint, 100 records, footer")
        XCTAssertTrue(lines[0].contains(#""segment":"header""#))
        XCTAssertTrue(lines.last!.contains(#""segment":"footer""#))
    }

    func testNothingArchivedKeepsTheExistingSummary() async throws {
        let store = try openStore()
        try await append(store, 120)
        let result = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertTrue(result.isIntact)
        XCTAssertEqual(result.segments, 0)
        XCTAssertEqual(result.description, try store.verify(publicKey: publicKey).description)
        XCTAssertEqual(result.description, "intact: 120 records, 1 checkpoints")
    }

    func testATamperedSegmentByteFailsNamingTheSegment() async throws {
        let store = try openStore()
        try await append(store, 250)
        _ = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
        _ = try await store.archive(.beforeSeq(250), into: archiveDirectory, user: "op")
        let file = archiveDirectory.appendingPathComponent("segment-101-200.jsonl")
        var bytes = try Data(contentsOf: file)
        let needle = Data(#""ref":"req-149""#.utf8)
        let range = try XCTUnwrap(bytes.range(of: needle))
        bytes[range.upperBound - 2] = UInt8(ascii: "8")   // req-149 → req-189: one byte
        try bytes.write(to: file)

        let result = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertFalse(result.isIntact)
        XCTAssertEqual(result.badSegment, "segment-101-200.jsonl")
        XCTAssertEqual(result.firstBadSeq, 150, "the edited record (ref req-149 is seq 150)")
        XCTAssertTrue(result.description.hasPrefix("segment segment-101-200.jsonl: first bad seq 150"), result.description)

        // Someone who can also write the database and updates the file's SHA-256 still cannot hide the edit.
        try tamper(#"UPDATE audit_archive SET "sha256_of_file" = ? WHERE first_seq = 101"#, arguments: [try AuditFiles.sha256(of: file)])
        let again = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertFalse(again.isIntact)
        XCTAssertEqual(again.badSegment, "segment-101-200.jsonl")
        XCTAssertEqual(again.firstBadSeq, 150)
        XCTAssertTrue(again.reason.contains("hash of record seq 150"), again.reason)
    }

    func testADeletedSegmentFails() async throws {
        let store = try openStore()
        try await append(store, 250)
        _ = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
        _ = try await store.archive(.beforeSeq(250), into: archiveDirectory, user: "op")
        try FileManager.default.removeItem(at: archiveDirectory.appendingPathComponent("segment-1-100.jsonl"))
        let result = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertFalse(result.isIntact)
        XCTAssertEqual(result.badSegment, "segment-1-100.jsonl")
        XCTAssertEqual(result.firstBadSeq, 1)
        XCTAssertTrue(result.reason.contains("missing"), result.reason)

        // Deleting its row as well leaves a gap at the start of the archive.
        try tamper("DELETE FROM audit_archive WHERE first_seq = 1")
        let gap = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertFalse(gap.isIntact)
        XCTAssertEqual(gap.firstBadSeq, 1)
        XCTAssertEqual(gap.badSegment, "segment-101-200.jsonl")
    }

    func testATruncatedSegmentFails() async throws {
        let store = try openStore()
        try await append(store, 150)
        _ = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
        let file = archiveDirectory.appendingPathComponent("segment-1-100.jsonl")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        // Drop the last record and the footer (and the final empty piece after the last newline).
        try (lines.dropLast(3).joined(separator: "\n") + "\n").write(to: file, atomically: false, encoding: .utf8)
        let result = try AuditSegment.verify(file: file, publicKey: publicKey)
        XCTAssertFalse(result.isIntact)
        XCTAssertEqual(result.firstBadSeq, 100)
        XCTAssertFalse(try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory).isIntact)
    }

    func testRecordsAppendedAfterArchivingEverythingLinkToTheSegment() async throws {
        do {
            let store = try openStore()
            try await append(store, 73)
            let checkpoint = try await store.checkpoint()
            XCTAssertEqual(checkpoint?.seq, 73)
            let entry = try await store.archive(.beforeSeq(1000), into: archiveDirectory, user: "op")
            XCTAssertEqual(entry?.lastSeq, 73, "the whole log, up to its checkpointed head")
            let live = try store.records(from: 1, limit: 10)
            XCTAssertEqual(live.map(\.seq), [74], "only the audit.archive record is live")
            XCTAssertEqual(live.first?.prev, entry?.lastHash)
            XCTAssertEqual(live.first?.action, "audit.archive")
        }
        // After a restart, the next records continue the chain from the archived head.
        let store = try openStore()
        let next = try await store.append(Self.event(1000))
        XCTAssertEqual(next.seq, 75)
        try await append(store, 40, from: 2000)
        XCTAssertTrue(try store.verify(publicKey: publicKey).isIntact)
        let full = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertTrue(full.isIntact, full.description)
        XCTAssertEqual(full.records, 73 + 1 + 1 + 40)
    }

    func testEmptyLiveTableContinuesFromTheAnchor() async throws {
        let store = try openStore()
        try await append(store, 10)
        _ = try await store.checkpoint()
        _ = try await store.archive(.beforeSeq(11), into: archiveDirectory, user: "op")
        _ = try await store.checkpoint()
        _ = try await store.archive(.beforeSeq(12), into: archiveDirectory, user: "op")
        // Both segments archived; the live table holds only the second audit.archive record.
        XCTAssertEqual(try store.records(from: 1).map(\.seq), [12])
        XCTAssertEqual(try store.archiveEntries().map(\.lastSeq), [10, 11])
        let full = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertTrue(full.isIntact, full.description)
        XCTAssertEqual(full.records, 12)
    }

    func testArchivingRefusesALogThatDoesNotVerify() async throws {
        let store = try openStore()
        try await append(store, 150)
        try tamper(#"UPDATE audit_record SET "user" = 'officer-x' WHERE seq = 42"#)
        do {
            _ = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
            XCTFail("archived a broken chain")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .archiveFailed)
            XCTAssertTrue(error.detail.contains("seq 42"), error.detail)
        }
        XCTAssertEqual(try store.records(from: 1, limit: 1).first?.seq, 1, "the live log is unchanged")
        XCTAssertEqual(try store.lastSeq(), 150)
        XCTAssertTrue(try store.archiveEntries().isEmpty)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: archiveDirectory.path)) ?? []
        XCTAssertEqual(leftovers, [], "no segment file left behind")
    }

    func testArchivingRefusesToOverwriteAnExistingSegmentFile() async throws {
        let store = try openStore()
        try await append(store, 150)
        try FileManager.default.createDirectory(at: archiveDirectory, withIntermediateDirectories: true)
        let existing = archiveDirectory.appendingPathComponent("segment-1-100.jsonl")
        try Data("evidence of another chain\n".utf8).write(to: existing)
        do {
            _ = try await store.archive(.beforeSeq(150), into: archiveDirectory, user: "op")
            XCTFail("overwrote a segment file")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .archiveFailed)
        }
        XCTAssertEqual(try String(contentsOf: existing, encoding: .utf8), "evidence of another chain\n")
        XCTAssertEqual(try store.lastSeq(), 150)
    }

    // MARK: - Backup and restore

    func testBackupWhileAnotherTaskAppendsVerifies() async throws {
        let store = try openStore(checkpointEvery: 50)
        try await append(store, 100)
        let backupFile = directory.appendingPathComponent("backup.sqlite")
        let events = (0..<600).map { Self.event(10_000 + $0) }
        let appender = Task.detached {
            for i in 0..<60 { _ = try await store.appendBatch(Array(events[i * 10..<i * 10 + 10])) }
        }
        // Take the backup while the appender runs (it has 600 records to write).
        let verification = try await store.backup(to: backupFile, user: "op")
        try await appender.value
        XCTAssertTrue(verification.isIntact, verification.description)
        XCTAssertGreaterThanOrEqual(verification.recordsChecked, 100)

        let again = try SQLiteAuditStore.verifyDatabaseFile(atPath: backupFile.path, publicKey: publicKey)
        XCTAssertTrue(again.isIntact, again.description)
        XCTAssertEqual(again.recordsChecked, verification.recordsChecked)
        XCTAssertFalse(FileManager.default.fileExists(atPath: backupFile.path + ".partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: backupFile.path + "-wal"), "one self-contained file")
        let records = try store.records(from: 1, limit: 10_000)
        XCTAssertEqual(records.filter { $0.action == "audit.backup" }.count, 1)
        XCTAssertTrue(try store.verify(publicKey: publicKey).isIntact)

        do {
            _ = try await store.backup(to: backupFile, user: "op")
            XCTFail("overwrote a backup")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .backupFailed)
        }
    }

    func testRestoreThenAppendContinuesTheChain() async throws {
        let backupFile = directory.appendingPathComponent("backup.sqlite")
        var backupHead: Int64 = 0
        do {
            let store = try openStore()
            try await append(store, 150)
            _ = try await store.archive(.beforeSeq(120), into: archiveDirectory, user: "op")
            var migrator = DatabaseMigrator()
            migrator.registerMigration("test-queue-v1") { db in try db.execute(sql: "CREATE TABLE queue_item (id INTEGER PRIMARY KEY)") }
            try store.migrate(migrator)
            _ = try await store.commit { db in
                try db.execute(sql: "INSERT INTO queue_item (id) VALUES (7)")
                return ((), [AuditEvent(actor: "gov.labour.dongnai", action: "message.accepted", outcome: .ok, status: 202)])
            }
            try await store.backup(to: backupFile, user: "op")
            backupHead = try store.lastSeq() - 1   // the audit.backup record came after the copy
            try await append(store, 30, from: 500)   // lost by the restore
        }
        let result = try await SQLiteAuditStore.restore(from: backupFile, to: dbPath, keys: keys, user: "op")
        XCTAssertTrue(result.verification.isIntact, result.verification.description)
        XCTAssertEqual(result.record.seq, backupHead + 1)
        XCTAssertEqual(result.record.action, "audit.restore")
        XCTAssertEqual(result.record.target, "backup.sqlite")
        let previous = try XCTUnwrap(result.previousDatabase)
        XCTAssertTrue(FileManager.default.fileExists(atPath: previous), "the replaced database is kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dbPath + ".restore-partial"))

        let store = try openStore()
        let next = try await store.append(Self.event(9999))
        XCTAssertEqual(next.seq, backupHead + 2)
        XCTAssertEqual(next.prev, result.record.hash)
        try await append(store, 20, from: 700)
        XCTAssertTrue(try store.verify(publicKey: publicKey).isIntact)
        let full = try store.verify(publicKey: publicKey, archiveDirectory: archiveDirectory)
        XCTAssertTrue(full.isIntact, full.description)
        XCTAssertEqual(full.segments, 1)
        let items = try store.read { db in try Int.fetchAll(db, sql: "SELECT id FROM queue_item") }
        XCTAssertEqual(items, [7], "the other tables in the file are restored too")
    }

    func testRestoreRefusesABackupThatDoesNotVerify() async throws {
        let backupFile = directory.appendingPathComponent("backup.sqlite")
        do {
            let store = try openStore()
            try await append(store, 120)
            try await store.backup(to: backupFile, user: "op")
        }
        let queue = try DatabaseQueue(path: backupFile.path)
        try await queue.write { db in try db.execute(sql: #"UPDATE audit_record SET "user" = 'officer-x' WHERE seq = 30"#) }
        try queue.close()
        do {
            _ = try await SQLiteAuditStore.restore(from: backupFile, to: dbPath, keys: keys, user: "op")
            XCTFail("restored a tampered backup")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .restoreRefused)
            XCTAssertTrue(error.detail.contains("seq 30"), error.detail)
        }
        let store = try openStore()
        XCTAssertEqual(try store.lastSeq(), 121, "the database was left alone")
        XCTAssertTrue(try store.verify(publicKey: publicKey).isIntact)
    }

    func testRestoreRefusesWhileAnotherProcessHasTheDatabaseOpen() async throws {
        let backupFile = directory.appendingPathComponent("backup.sqlite")
        do {
            let store = try openStore()
            try await append(store, 20)
            try await store.backup(to: backupFile, user: "op")
        }
        // Another process (standing in for the gateway) opens the WAL database and keeps it open.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.execute("SELECT COUNT(*) FROM audit_record").fetchall()
            print("open", flush=True)
            sys.stdin.read()   # until the test closes our standard input
            """
        process.arguments = ["python3", "-c", script, dbPath]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        defer {
            try? input.fileHandleForWriting.close()
            if process.isRunning { process.waitUntilExit() }
        }
        let ready = output.fileHandleForReading.availableData
        guard String(decoding: ready, as: UTF8.self).hasPrefix("open") else { throw XCTSkip("python3 could not open the database") }

        XCTAssertTrue(AuditFiles.isOpenByAnotherProcess(databasePath: dbPath))
        do {
            _ = try await SQLiteAuditStore.restore(from: backupFile, to: dbPath, keys: keys, user: "op")
            XCTFail("restored under a running process")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .restoreRefused)
            XCTAssertTrue(error.detail.contains("another process"), error.detail)
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertFalse(AuditFiles.isOpenByAnotherProcess(databasePath: dbPath))
    }
}
