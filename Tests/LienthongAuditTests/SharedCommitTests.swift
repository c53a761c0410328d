import Crypto
import Foundation
import GRDB
import XCTest

@testable import LienthongAudit

/// Another store's rows and their audit records committed together (the queue's accept path).
final class SharedCommitTests: XCTestCase {
    struct Refused: Error {}

    func makeStore() throws -> (SQLiteAuditStore, AuditKeys, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keys = AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
        let store = try SQLiteAuditStore(path: dir.appendingPathComponent("db.sqlite").path, keys: keys, checkpointEvery: 7)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("test-v1") { db in
            try db.execute(sql: "CREATE TABLE item (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        }
        try store.migrate(migrator)
        return (store, keys, dir)
    }

    func testRowsAndAuditRecordsCommitTogetherAndAFailingCallerFailsAlone() async throws {
        let (store, keys, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<40 {
                group.addTask {
                    do {
                        let (id, records) = try await store.commit { db -> (String, [AuditEvent]) in
                            try db.execute(sql: "INSERT INTO item (id, n) VALUES (?, ?)", arguments: ["item-\(n)", n])
                            if n % 5 == 0 { throw Refused() }   // after writing: the savepoint must undo the row
                            return ("item-\(n)", [AuditEvent(actor: "gov.labour.dongnai", action: "item.accepted", ref: "item-\(n)", outcome: .ok, status: 202)])
                        }
                        XCTAssertEqual(id, "item-\(n)")
                        XCTAssertEqual(records.count, 1)
                        XCTAssertEqual(records[0].ref, id)
                        return (n, true)
                    } catch is Refused {
                        return (n, false)
                    }
                }
            }
            var all: [(Int, Bool)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        XCTAssertEqual(outcomes.filter(\.1).count, 32)
        let rows = try store.read { db in try String.fetchAll(db, sql: "SELECT id FROM item ORDER BY n") }
        XCTAssertEqual(Set(rows), Set((0..<40).filter { $0 % 5 != 0 }.map { "item-\($0)" }), "refused callers leave no row")
        let records = try store.records(from: 1, limit: 100)
        XCTAssertEqual(records.map(\.seq), Array(1...32))
        XCTAssertEqual(Set(records.map(\.ref)), Set(rows), "every row has its record and no record lacks its row")
        XCTAssertTrue(try store.verify(publicKey: keys.signingKey.publicKey).isIntact)
        let statistics = await store.statistics()
        XCTAssertLessThan(statistics.writeTransactions, 40, "concurrent callers shared transactions")
    }
}
