import Crypto
import Foundation
import GRDB
import XCTest

@testable import LienthongAudit

final class SQLiteAuditStoreTests: XCTestCase {
    private var directory: URL!
    private var keys: AuditKeys!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keys = AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var dbPath: String { directory.appendingPathComponent("audit.sqlite").path }

    private func event(_ i: Int, personalID: String? = nil) -> AuditEvent {
        AuditEvent(
            actor: "GOV:000000001:LDTBXH", user: "officer-\(i % 7)", action: "service-call",
            target: "population.lookup", ref: "req-\(i)", purpose: "asxh-eligibility",
            outcome: i % 10 == 0 ? .denied : .ok, status: i % 10 == 0 ? 403 : 200, subjectPersonalID: personalID)
    }

    /// Opens a store, appends `count` records in batches, closes it.
    private func populate(count: Int, checkpointEvery: Int = 1000) async throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: checkpointEvery)
        var i = 0
        while i < count {
            let n = min(500, count - i)
            _ = try await store.appendBatch((i..<i + n).map { event($0) })
            i += n
        }
    }

    private func tamper(_ sql: String, arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: dbPath)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    private func verifyStore() throws -> AuditVerification {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        return try store.verify(publicKey: keys.signingKey.publicKey)
    }

    // MARK: - Durability and group commit

    func testSynchronousIsFullAfterOpening() throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        XCTAssertEqual(try store.synchronousMode(), 2)
        XCTAssertTrue(store.isWritable())
        let journal = try DatabaseQueue(path: dbPath).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(journal, "wal")
    }

    func testConcurrentAppendsAreContiguousAndGroupCommitted() async throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: 100)
        let events = (0..<1000).map { event($0) }
        let records = try await withThrowingTaskGroup(of: [AuditRecord].self) { group in
            for task in 0..<50 {
                group.addTask {
                    var mine: [AuditRecord] = []
                    for i in 0..<20 { mine.append(try await store.append(events[task * 20 + i])) }
                    return mine
                }
            }
            var all: [AuditRecord] = []
            for try await batch in group { all += batch }
            return all
        }
        XCTAssertEqual(records.count, 1000)
        XCTAssertEqual(Set(records.map(\.seq)), Set(1...1000))
        XCTAssertEqual(try store.lastSeq(), 1000)
        let stored = try store.records(from: 1, limit: 2000)
        XCTAssertEqual(stored.map(\.seq), Array(1...1000))
        for record in records { XCTAssertEqual(stored[Int(record.seq) - 1], record) }
        let stats = await store.statistics()
        XCTAssertEqual(stats.recordsAppended, 1000)
        XCTAssertLessThan(stats.writeTransactions, 1000, "group commit should batch concurrent appends")
        XCTAssertGreaterThan(stats.largestBatch, 1)
        XCTAssertEqual(try store.checkpoints().map(\.seq), Array(stride(from: 100, through: 1000, by: 100)))
        let result = try store.verify(publicKey: keys.signingKey.publicKey)
        XCTAssertTrue(result.isIntact, result.description)
        XCTAssertEqual(result.recordsChecked, 1000)
        XCTAssertEqual(result.checkpointsChecked, 10)
    }

    func testRestartKeepsChain() async throws {
        var firstHash = ""
        do {
            let store = try SQLiteAuditStore(path: dbPath, keys: keys)
            for i in 0..<5 { firstHash = try await store.append(event(i)).hash }
        }
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        XCTAssertEqual(try store.lastSeq(), 5)
        let next = try await store.append(event(5))
        XCTAssertEqual(next.seq, 6)
        XCTAssertEqual(next.prev, firstHash)
        XCTAssertTrue(try store.verify(publicKey: keys.signingKey.publicKey).isIntact)
    }

    func testCheckpointsEveryNAndOnTimer() async throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: 10, checkpointInterval: .zero)
        _ = try await store.appendBatch((0..<7).map { event($0) })
        _ = try await store.appendBatch((7..<25).map { event($0) })  // crosses 10 and 20 in one transaction
        XCTAssertEqual(try store.checkpoints().map(\.seq), [10, 20])
        let due = try await store.checkpointIfDue()
        XCTAssertEqual(due?.seq, 25)
        let again = try await store.checkpointIfDue()
        XCTAssertNil(again, "the head is already checkpointed")
        XCTAssertEqual(try store.checkpoints().map(\.seq), [10, 20, 25])
        let records = try store.records(from: 1, limit: 100)
        for checkpoint in try store.checkpoints() {
            XCTAssertEqual(checkpoint.hash, records[Int(checkpoint.seq) - 1].hash)
            XCTAssertEqual(checkpoint.keyId, keys.keyID)
            XCTAssertTrue(checkpoint.isValidSignature(publicKey: keys.signingKey.publicKey))
        }
        let slow = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointInterval: .seconds(3600))
        _ = try await slow.append(event(99))
        let notDue = try await slow.checkpointIfDue()
        XCTAssertNil(notDue)
    }

    // MARK: - Tampering with the file

    func testEditedRecordIsDetected() async throws {
        try await populate(count: 2500)
        XCTAssertTrue(try verifyStore().isIntact)
        try tamper(#"UPDATE audit_record SET "user" = 'officer-x' WHERE seq = 1234"#)
        let result = try verifyStore()
        XCTAssertFalse(result.isIntact)
        XCTAssertEqual(result.firstBadSeq, 1234, result.reason)
    }

    func testDeletedRecordIsDetected() async throws {
        try await populate(count: 2500)
        try tamper("DELETE FROM audit_record WHERE seq = 777")
        XCTAssertEqual(try verifyStore().firstBadSeq, 777)
    }

    func testInsertedRecordIsDetected() async throws {
        try await populate(count: 2500)
        // Make room at 500 by shifting the tail, then insert a fabricated row linked to 499.
        try tamper("UPDATE audit_record SET seq = -(seq + 1) WHERE seq >= 500")
        try tamper("UPDATE audit_record SET seq = -seq WHERE seq < 0")
        try tamper("""
            INSERT INTO audit_record SELECT 500, ts, actor, "user", action, target, 'req-fake', purpose, outcome,
                status, subject, hash, ? FROM audit_record WHERE seq = 499
            """, arguments: [String(repeating: "ab", count: 32)])
        XCTAssertEqual(try verifyStore().firstBadSeq, 500)
    }

    func testInsertedRecordWithValidHashBreaksTheNextLink() async throws {
        try await populate(count: 1200)
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        let before = try store.records(from: 599, limit: 1)[0]
        var fake = AuditRecord(
            seq: 600, ts: before.ts, actor: before.actor, user: "officer-fake", action: before.action, target: before.target,
            ref: "req-fake", purpose: before.purpose, outcome: .ok, status: 200, subject: "", prev: before.hash, hash: "")
        fake.hash = fake.computeHash()
        try tamper("UPDATE audit_record SET seq = -(seq + 1) WHERE seq >= 600")
        try tamper("UPDATE audit_record SET seq = -seq WHERE seq < 0")
        try tamper(
            "INSERT INTO audit_record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [fake.seq, fake.ts, fake.actor, fake.user, fake.action, fake.target, fake.ref, fake.purpose,
                        fake.outcome.rawValue, fake.status, fake.subject, fake.prev, fake.hash])
        XCTAssertEqual(try store.verify(publicKey: keys.signingKey.publicKey).firstBadSeq, 601)
    }

    func testReorderedRecordsAreDetected() async throws {
        try await populate(count: 2500)
        // Swap the content (all columns but seq) of rows 300 and 301.
        let columns = ["ts", "actor", "user", "action", "target", "ref", "purpose", "outcome", "status", "subject", "prev", "hash"]
        let fromTemp = columns.map { #""\#($0)" = (SELECT "\#($0)" FROM t WHERE t.seq = 601 - audit_record.seq)"# }
        try tamper("""
            CREATE TEMP TABLE t AS SELECT * FROM audit_record WHERE seq IN (300, 301);
            UPDATE audit_record SET \(fromTemp.joined(separator: ", ")) WHERE seq IN (300, 301);
            """)
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        let swapped = try store.records(from: 300, limit: 2)
        XCTAssertEqual(swapped.map(\.ref), ["req-300", "req-299"])
        XCTAssertEqual(try store.verify(publicKey: keys.signingKey.publicKey).firstBadSeq, 300)
    }

    func testTruncatedTailIsDetectedByLaterCheckpoint() async throws {
        try await populate(count: 2500)
        try tamper("DELETE FROM audit_record WHERE seq > 1500")
        let result = try verifyStore()
        XCTAssertEqual(result.firstBadSeq, 2000)
        XCTAssertTrue(result.reason.contains("truncated"), result.reason)
    }

    func testTruncatedHeadIsDetected() async throws {
        try await populate(count: 1500)
        try tamper("DELETE FROM audit_record WHERE seq <= 10")
        XCTAssertEqual(try verifyStore().firstBadSeq, 1)
    }

    func testForgedCheckpointIsDetected() async throws {
        try await populate(count: 2500)
        let attacker = P256.Signing.PrivateKey()
        let store = try SQLiteAuditStore(path: dbPath, keys: keys)
        let checkpoint = try store.checkpoints().first { $0.seq == 1000 }!
        let forgedSig = try attacker.signature(for: Array(checkpoint.signedMessage.utf8)).derRepresentation.base64EncodedString()
        try tamper("UPDATE audit_checkpoint SET sig = ? WHERE seq = 1000", arguments: [forgedSig])
        let result = try store.verify(publicKey: keys.signingKey.publicKey)
        XCTAssertEqual(result.firstBadSeq, 1000)
        XCTAssertTrue(result.reason.contains("signature"), result.reason)
        // A checkpoint moved onto another record (valid signature for seq 2000, placed at 1000) is detected too.
        try tamper("UPDATE audit_checkpoint SET sig = (SELECT sig FROM audit_checkpoint WHERE seq = 2000) WHERE seq = 1000")
        XCTAssertEqual(try store.verify(publicKey: keys.signingKey.publicKey).firstBadSeq, 1000)
    }

    // MARK: - Export and the independent verifier

    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func runPython(_ records: URL, _ checkpoints: URL, _ key: URL, anchor: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repositoryRoot.appendingPathComponent("scripts/verify-audit-export.py").path]
            + anchor + [records.path, checkpoints.path, key.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testExportAfterArchivingVerifiesWithPythonFromTheArchiveAnchor() async throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: 100)
        _ = try await store.appendBatch((0..<250).map { event($0, personalID: nil) })
        _ = try await store.checkpoint()
        let archive = directory.appendingPathComponent("audit-archive")
        let archived = try await store.archive(.beforeSeq(200), into: archive, user: "test")
        let entry = try XCTUnwrap(archived)
        let recordsURL = directory.appendingPathComponent("live.jsonl")
        let checkpointsURL = directory.appendingPathComponent("live-checkpoints.jsonl")
        let keyURL = directory.appendingPathComponent("audit-pub.pem")
        _ = try store.export(to: recordsURL)
        _ = try store.exportCheckpoints(to: checkpointsURL)
        try keys.publicKeyPEM.write(to: keyURL, atomically: true, encoding: .utf8)

        let anchored = try runPython(recordsURL, checkpointsURL, keyURL, anchor: ["--first-seq", "\(entry.lastSeq + 1)", "--prev", entry.lastHash])
        XCTAssertEqual(anchored.status, 0, anchored.output)
        let fromGenesis = try runPython(recordsURL, checkpointsURL, keyURL)
        XCTAssertEqual(fromGenesis.status, 1, "without the anchor the live export does not start at seq 1")
        let wrongAnchor = try runPython(recordsURL, checkpointsURL, keyURL, anchor: ["--first-seq", "\(entry.lastSeq + 1)", "--prev", String(repeating: "a", count: 64)])
        XCTAssertEqual(wrongAnchor.status, 1, wrongAnchor.output)
    }

    func testExportVerifiesWithPythonAndSwift() async throws {
        let store = try SQLiteAuditStore(path: dbPath, keys: keys, checkpointEvery: 100)
        var events = (0..<349).map { event($0, personalID: $0 % 3 == 0 ? String(format: "0799%08d", $0) : nil) }
        // Strings that exercise JCS escaping and UTF-16 ordering in the independent implementation.
        events.append(AuditEvent(actor: "operator", user: "Nguyễn Thị Hoà \"quoted\" \\ \u{01}\t😀", action: "config-reload",
                                 target: "\u{FB33}\u{7F}", outcome: .error, status: 500))
        _ = try await store.appendBatch(events)
        _ = try await store.checkpoint()
        let recordsURL = directory.appendingPathComponent("records.jsonl")
        let checkpointsURL = directory.appendingPathComponent("checkpoints.jsonl")
        let keyURL = directory.appendingPathComponent("audit-pub.pem")
        XCTAssertEqual(try store.export(to: recordsURL), 350)
        XCTAssertEqual(try store.exportCheckpoints(to: checkpointsURL), 4)
        try keys.publicKeyPEM.write(to: keyURL, atomically: true, encoding: .utf8)

        let python = try runPython(recordsURL, checkpointsURL, keyURL)
        XCTAssertEqual(python.status, 0, python.output)
        let swift = try AuditExport.verify(recordsFile: recordsURL, checkpointsFile: checkpointsURL, publicKeyPEM: keys.publicKeyPEM)
        XCTAssertTrue(swift.isIntact, swift.description)
        XCTAssertEqual(swift.recordsChecked, 350)

        // Tamper with record 42 in the export.
        let originalLines = try String(contentsOf: recordsURL, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var lines = originalLines
        XCTAssertTrue(lines[41].contains("\"seq\":42,"))
        lines[41] = Substring(lines[41].replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"denied\""))
        let tamperedURL = directory.appendingPathComponent("tampered.jsonl")
        try lines.joined(separator: "\n").write(to: tamperedURL, atomically: true, encoding: .utf8)
        let tamperedPython = try runPython(tamperedURL, checkpointsURL, keyURL)
        XCTAssertEqual(tamperedPython.status, 1, tamperedPython.output)
        XCTAssertTrue(tamperedPython.output.contains("first bad seq 42"), tamperedPython.output)
        let tamperedSwift = try AuditExport.verify(recordsFile: tamperedURL, checkpointsFile: checkpointsURL, publicKeyPEM: keys.publicKeyPEM)
        XCTAssertEqual(tamperedSwift.firstBadSeq, 42)

        // Truncate the export after 250 records: the checkpoint at 300 is dangling.
        let truncatedURL = directory.appendingPathComponent("truncated.jsonl")
        try (originalLines[0..<250].joined(separator: "\n") + "\n").write(to: truncatedURL, atomically: true, encoding: .utf8)
        let truncatedPython = try runPython(truncatedURL, checkpointsURL, keyURL)
        XCTAssertEqual(truncatedPython.status, 1, truncatedPython.output)
        XCTAssertTrue(truncatedPython.output.contains("first bad seq 300"), truncatedPython.output)
        XCTAssertEqual(try AuditExport.verify(recordsFile: truncatedURL, checkpointsFile: checkpointsURL, publicKeyPEM: keys.publicKeyPEM).firstBadSeq, 300)

        // A forged checkpoint in the export.
        var checkpointLines = try String(contentsOf: checkpointsURL, encoding: .utf8).split(separator: "\n")
        let original = try AuditExport.checkpoint(fromLine: Array(checkpointLines[1].utf8))
        var forged = original
        forged.sig = try P256.Signing.PrivateKey().signature(for: Array(original.signedMessage.utf8)).derRepresentation.base64EncodedString()
        checkpointLines[1] = Substring(String(decoding: AuditExport.line(for: forged).dropLast(), as: UTF8.self))
        let forgedURL = directory.appendingPathComponent("forged.jsonl")
        try (checkpointLines.joined(separator: "\n") + "\n").write(to: forgedURL, atomically: true, encoding: .utf8)
        let forgedPython = try runPython(recordsURL, forgedURL, keyURL)
        XCTAssertEqual(forgedPython.status, 1, forgedPython.output)
        XCTAssertTrue(forgedPython.output.contains("first bad seq 200"), forgedPython.output)
        XCTAssertEqual(try AuditExport.verify(recordsFile: recordsURL, checkpointsFile: forgedURL, publicKeyPEM: keys.publicKeyPEM).firstBadSeq, 200)
    }

    // MARK: - Personal data

    func testSubjectIsHashedAndRawIDNeverStored() async throws {
        let personalID = "079912345678"  // synthetic
        do {
            let store = try SQLiteAuditStore(path: dbPath, keys: keys)
            let record = try await store.append(event(1, personalID: personalID))
            XCTAssertEqual(record.subject, SubjectHasher(key: keys.subjectKey).subject(personalID: personalID))
            XCTAssertEqual(record.subject.count, 32)
            XCTAssertTrue(record.subject.allSatisfy { "0123456789abcdef".contains($0) })
            let none = try await store.append(event(2))
            XCTAssertEqual(none.subject, "")
            _ = try await store.checkpoint()
        }
        let needle = Data(personalID.utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertTrue(files.contains("audit.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
            XCTAssertNil(bytes.range(of: needle), "raw personal id found in \(file)")
        }
    }

    // MARK: - Keys

    func testKeysGenerateLoadAndRefuseOverwrite() throws {
        let subjectFile = directory.appendingPathComponent("subject.key").path
        let signingFile = directory.appendingPathComponent("signing.pem").path
        let generated = try AuditKeys.generate(subjectKeyFile: subjectFile, signingKeyFile: signingFile)
        for path in [subjectFile, signingFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, path)
        }
        XCTAssertTrue(try String(contentsOfFile: signingFile, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let loaded = try AuditKeys.load(subjectKeyFile: subjectFile, signingKeyFile: signingFile)
        XCTAssertEqual(loaded.publicKeyPEM, generated.publicKeyPEM)
        XCTAssertEqual(loaded.subjectKey, generated.subjectKey)
        XCTAssertEqual(try AuditKeys.publicKey(pem: loaded.publicKeyPEM).rawRepresentation, generated.signingKey.publicKey.rawRepresentation)
        XCTAssertThrowsError(try AuditKeys.generate(subjectKeyFile: subjectFile, signingKeyFile: directory.appendingPathComponent("other.pem").path)) {
            XCTAssertEqual(($0 as? AuditError)?.code, .keyFileExists)
        }
        let badFile = directory.appendingPathComponent("bad.key").path
        try "c2hvcnQ=\n".write(toFile: badFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AuditKeys.load(subjectKeyFile: badFile, signingKeyFile: signingFile)) {
            XCTAssertEqual(($0 as? AuditError)?.code, .invalidKeyFile)
            XCTAssertFalse(String(describing: $0).contains("c2hvcnQ"))
        }
    }
}
