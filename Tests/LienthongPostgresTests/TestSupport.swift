import Crypto
import Foundation
import LienthongAudit
import LienthongCore
import LienthongPostgres
import LienthongQueue
import XCTest

/// A fixed instant for tests: 2025-06-15 15:06:40 UTC.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

extension Date {
    /// `self` plus `seconds`.
    func plus(_ seconds: TimeInterval) -> Date { addingTimeInterval(seconds) }
}

/// A fresh database on the throw-away server named by `LIENTHONG_TEST_POSTGRES`, dropped by ``drop()``.
struct TestDatabase {
    /// The server URL (its maintenance database).
    let serverURL: String
    /// The URL of the fresh database.
    let url: String
    /// Its name.
    let name: String

    /// Creates `t_<uuid>` on the test server; skips the test when no server is configured.
    static func create() async throws -> TestDatabase {
        guard let serverURL = ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"], !serverURL.isEmpty else {
            throw XCTSkip("set LIENTHONG_TEST_POSTGRES (scripts/pg-test-server.sh start)")
        }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        guard var components = URLComponents(string: serverURL) else { throw XCTSkip("LIENTHONG_TEST_POSTGRES is not a URL") }
        components.path = "/" + name
        guard let url = components.string else { throw XCTSkip("LIENTHONG_TEST_POSTGRES is not a URL") }
        try await PostgresDatabase.withDatabase(url: serverURL, maximumConnections: 1) { admin in
            try await admin.execute("CREATE DATABASE \(name)")
        }
        return TestDatabase(serverURL: serverURL, url: url, name: name)
    }

    /// Drops the database (closing any connection left).
    func drop() async throws {
        try await PostgresDatabase.withDatabase(url: serverURL, maximumConnections: 1) { admin in
            try await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

/// Fresh audit keys.
func makeKeys() -> AuditKeys {
    AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
}

/// A new message id (lowercase UUID).
func newID() -> String { UUID().uuidString.lowercased() }

/// A synthetic payload.
func payload(_ text: String) -> [UInt8] { Array(#"{"citizen":"SYNTHPAYLOAD-\#(text)"}"#.utf8) }

/// A temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
