import Foundation
import LienthongAudit
import XCTest

@testable import LienthongPostgres

final class PostgresDatabaseTests: XCTestCase {
    func testURLParsing() throws {
        let loopback = try PostgresDatabase.configuration(url: "postgres://lienthong:p%40ss@127.0.0.1:6543/queue")
        XCTAssertEqual(loopback.client.host, "127.0.0.1")
        XCTAssertEqual(loopback.client.port, 6543)
        XCTAssertEqual(loopback.client.username, "lienthong")
        XCTAssertEqual(loopback.client.password, "p@ss")
        XCTAssertEqual(loopback.client.database, "queue")
        XCTAssertTrue(loopback.isLoopback)

        let remote = try PostgresDatabase.configuration(url: "postgresql://gateway@db.internal/lienthong")
        XCTAssertEqual(remote.client.port, 5432)
        XCTAssertNil(remote.client.password)
        XCTAssertFalse(remote.isLoopback, "a remote host gets TLS")
        XCTAssertTrue(try PostgresDatabase.configuration(url: "postgres://u@[::1]:5432/d").isLoopback)
        XCTAssertEqual(try PostgresDatabase.configuration(url: "postgres://u@[::1]:5432/d").client.host, "::1")

        for (url, field) in [
            ("mysql://u@127.0.0.1/d", "scheme"), ("postgres://127.0.0.1/d", "user"), ("postgres://u@127.0.0.1", "database"),
            ("postgres://u@127.0.0.1/a/b", "database"), ("postgres://u@/d", "host"), ("not a url", "scheme"),
        ] {
            XCTAssertThrowsError(try PostgresDatabase(url: url), url) { error in
                XCTAssertEqual(error as? PostgresStoreError, PostgresStoreError(.invalidURL, field: field), url)
            }
        }
        // The password never appears in the error.
        XCTAssertThrowsError(try PostgresDatabase(url: "mysql://u:secret-pw@127.0.0.1/d")) { error in
            XCTAssertFalse("\(error)".contains("secret-pw"))
        }
    }

    func testMigrationsApplyOnceAcrossConcurrentInstances() async throws {
        let database = try await TestDatabase.create()
        let migration = PostgresMigration(name: "test-v1", statements: [
            "CREATE TABLE test_counter (n integer NOT NULL)", "INSERT INTO test_counter (n) VALUES (1)",
        ])
        let first = try PostgresDatabase(url: database.url)
        let second = try PostgresDatabase(url: database.url)
        first.start()
        second.start()
        do {
            async let a = first.migrate([migration])
            async let b = second.migrate([migration])
            let applied = try await [a, b]
            XCTAssertEqual(applied.flatMap { $0 }, ["test-v1"], "applied by exactly one instance")
            let again = try await first.migrate([migration])
            XCTAssertEqual(again, [])
            let rows = try await first.client.query("SELECT COUNT(*) FROM test_counter").collect()
            XCTAssertEqual(try rows.first?.makeRandomAccess()[0].decode(Int64.self), 1)
            let names = try await second.appliedMigrations()
            XCTAssertEqual(names, ["test-v1"])
        } catch {
            await first.shutdown()
            await second.shutdown()
            try? await database.drop()
            throw error
        }
        await first.shutdown()
        await second.shutdown()
        try await database.drop()
    }

    struct Refused: Error {}

    func testAFailingCommitRollsBackOnlyItsOwnWork() async throws {
        let database = try await TestDatabase.create()
        let keys = AuditKeys(subjectKey: .init(size: .bits256), signingKey: .init())
        try await PostgresDatabase.withDatabase(url: database.url) { db in
            let audit = try await PostgresAuditLog(database: db, keys: keys, checkpointEvery: 100)
            try await db.execute("CREATE TABLE test_item (n integer PRIMARY KEY)")
            let logger = db.logger
            let results = await withTaskGroup(of: (Int, Bool).self) { group in
                for n in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await audit.commit { connection -> (Int, [AuditEvent]) in
                                try await connection.query("INSERT INTO test_item (n) VALUES (\(n))", logger: logger)
                                if n % 4 == 0 { throw Refused() }
                                return (n, [AuditEvent(actor: "gateway", action: "test.item", ref: "\(n)", outcome: .ok, status: 200)])
                            }
                            return (n, true)
                        } catch {
                            return (n, false)
                        }
                    }
                }
                var results: [(Int, Bool)] = []
                for await result in group { results.append(result) }
                return results
            }
            let committed = Set(results.filter(\.1).map(\.0))
            XCTAssertEqual(committed, Set((0..<20).filter { $0 % 4 != 0 }))
            var stored: Set<Int> = []
            for try await n in try await db.client.query("SELECT n FROM test_item").decode(Int.self) { stored.insert(n) }
            XCTAssertEqual(stored, committed, "the failed callers' rows are rolled back, the others' kept")
            let records = try await audit.records(from: 1, limit: 100)
            XCTAssertEqual(Set(records.map(\.ref)), Set(committed.map(String.init)))
            XCTAssertEqual(records.map(\.seq), Array(1...Int64(committed.count)))
            let checkpoint = try await audit.checkpoint()
            XCTAssertEqual(checkpoint?.seq, Int64(committed.count))
            let none = try await audit.checkpoint()
            XCTAssertNil(none, "the head is checkpointed already")
            let verification = try await audit.verify(publicKey: keys.signingKey.publicKey)
            XCTAssertTrue(verification.isIntact, "\(verification)")
        }
        try await database.drop()
    }
}

/// Which PostgreSQL errors the gateway answers with `503` and `Retry-After` (temporary) rather than `500`.
final class PostgresStorageFailureTests: XCTestCase {
    func testServerConditionsAreTemporaryAndRequestErrorsAreNot() async throws {
        let database = try await TestDatabase.create()
        do {
            try await PostgresDatabase.withDatabase(url: database.url, maximumConnections: 2) { db in
                func failure(_ sql: String) async -> (any Error)? {
                    do { try await db.execute(sql); return nil } catch { return error }
                }
                // A serialisation failure (SQLSTATE 40001) and a disk full (53100) as the server reports them.
                let serialization = await failure("DO $$ BEGIN RAISE EXCEPTION 'retry' USING ERRCODE = 'serialization_failure'; END $$")
                XCTAssertEqual(serialization.flatMap(PostgresStorageFailure.temporaryCondition), "postgres-40001")
                let diskFull = await failure("DO $$ BEGIN RAISE EXCEPTION 'full' USING ERRCODE = 'disk_full'; END $$")
                XCTAssertEqual(diskFull.flatMap(PostgresStorageFailure.temporaryCondition), "postgres-53100")
                // Errors of the request itself are not.
                let division = await failure("SELECT 1 / 0")
                XCTAssertNotNil(division)
                XCTAssertNil(division.flatMap(PostgresStorageFailure.temporaryCondition))
                let unique = await failure("DO $$ BEGIN RAISE EXCEPTION 'dup' USING ERRCODE = 'unique_violation'; END $$")
                XCTAssertNotNil(unique)
                XCTAssertNil(unique.flatMap(PostgresStorageFailure.temporaryCondition))
            }
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
    }
}
