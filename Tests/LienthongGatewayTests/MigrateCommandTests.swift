import Foundation
import XCTest

/// `lienthong migrate` against a real PostgreSQL server (`scripts/pg-test-server.sh start` exports
/// `LIENTHONG_TEST_POSTGRES`; CI does so): lists pending migrations, applies them once, a second run applies nothing,
/// and a failure names the problem without the password.
final class MigrateCommandTests: XCTestCase {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try runProcess(try lienthongExecutable().path, arguments)
        return (result.status, result.stdout + result.stderr)
    }

    func testMigrateAppliesTheSchemaOnceAndListsIt() throws {
        let database = try ThrowawayDatabase(prefix: "migrate")
        defer { database.drop() }
        let url = database.url

        let pending = try run(["migrate", "--database-url", url, "--list"])
        XCTAssertEqual(pending.status, 0, pending.output)
        XCTAssertEqual(pending.output, "pending audit-v1\npending queue-v1\npending queue-v2\npending registry-v1\npending labor-v1\n")

        let first = try run(["migrate", "--database-url", url])
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertEqual(first.output, "applied audit-v1\napplied queue-v1\napplied queue-v2\napplied registry-v1\napplied labor-v1\n5 applied, 0 already there\n")

        let again = try run(["migrate", "--database-url", url])
        XCTAssertEqual(again.output, "0 applied, 5 already there\n", "a second run changes nothing")

        let listed = try run(["migrate", "--database-url", url, "--list"])
        XCTAssertEqual(listed.output, "applied audit-v1\napplied queue-v1\napplied queue-v2\napplied registry-v1\napplied labor-v1\n")

        let unreachable = try run(["migrate", "--database-url", "postgres://u:secret-pw@127.0.0.1:1/x", "--timeout-seconds", "3"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.output.contains("cannot reach or migrate the database")
                      || unreachable.output.contains("no answer from the database"), unreachable.output)
        XCTAssertFalse(unreachable.output.contains("secret-pw"), "the password is never printed")
        let wrongScheme = try run(["migrate", "--database-url", "mysql://x"])
        XCTAssertEqual(wrongScheme.status, 1)
        XCTAssertTrue(wrongScheme.output.contains("scheme"), wrongScheme.output)
    }
}
