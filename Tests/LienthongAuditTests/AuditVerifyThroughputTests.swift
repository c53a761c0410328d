import Crypto
import Foundation
import XCTest

@testable import LienthongAudit

/// Verification of large chains (in memory and from SQLite) stays correct; the rate is printed, not
/// asserted. The aim (> 200,000 records/s in a release build) is measured by `lienthong bench audit`.
final class AuditVerifyThroughputTests: XCTestCase {
    #if DEBUG
    private let count = 20_000
    #else
    private let count = 200_000
    #endif

    private func reportRate(_ rate: Double, _ what: String) {
        // Timings are never asserted (noisy 2-core machines); `lienthong bench audit` measures them.
        print("\(what): \(Int(rate)) records/s")
    }

    func testInMemoryVerifierThroughput() throws {
        let hasher = SubjectHasher(key: SymmetricKey(size: .bits256))
        var chain = AuditChain()
        let records = (0..<count).map {
            chain.append(AuditEvent(actor: "GOV:000000001:LDTBXH", user: "officer-\($0 % 40)", action: "service-call",
                                    target: "population.lookup", ref: "0b7e2c1a-4f55-4c39-9d1e-\(100_000_000_000 + $0)",
                                    purpose: "asxh-eligibility", outcome: .ok, status: 200,
                                    subjectPersonalID: String(100_000_000_000 + $0)),
                         ts: "2026-11-29T17:04:40.123Z", subjectHasher: hasher)
        }
        let key = P256.Signing.PrivateKey()
        let start = ContinuousClock.now
        var verifier = AuditVerifier(publicKey: key.publicKey, checkpoints: [])
        for record in records { verifier.feed(record) }
        let result = verifier.finish()
        let elapsed = ContinuousClock.now - start
        XCTAssertTrue(result.isIntact, result.description)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        reportRate(Double(count) / seconds, "in-memory verify")
    }

    func testStoreVerifyThroughput() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-perf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = AuditKeys(subjectKey: SymmetricKey(size: .bits256), signingKey: P256.Signing.PrivateKey())
        let store = try SQLiteAuditStore(path: directory.appendingPathComponent("audit.sqlite").path, keys: keys)
        var appended = 0
        while appended < count {
            let events = (appended..<appended + 5000).map {
                AuditEvent(actor: "GOV:000000001:LDTBXH", user: "officer-\($0 % 40)", action: "service-call",
                           target: "population.lookup", ref: "0b7e2c1a-4f55-4c39-9d1e-\(100_000_000_000 + $0)",
                           purpose: "asxh-eligibility", outcome: .ok, status: 200,
                           subjectPersonalID: String(100_000_000_000 + $0))
            }
            _ = try await store.appendBatch(events)
            appended += events.count
        }
        let start = ContinuousClock.now
        let result = try store.verify(publicKey: keys.signingKey.publicKey)
        let elapsed = ContinuousClock.now - start
        XCTAssertTrue(result.isIntact, result.description)
        XCTAssertEqual(result.recordsChecked, count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        reportRate(Double(count) / seconds, "SQLite verify")
    }
}
