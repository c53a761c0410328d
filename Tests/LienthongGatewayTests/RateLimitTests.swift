import Foundation
import LienthongAudit
import LienthongClient
import LienthongGateway
import XCTest

/// Per-member request rate limits: `429 rate-limited` with `Retry-After`, audited, one member's excess never
/// slowing another.
final class RateLimitTests: XCTestCase {
    func testAMemberOverItsRateGets429WithRetryAfterAndOthersAreUnaffected() async throws {
        let harness = try GatewayHarness()
        try await harness.start(rateLimitPerSecond: 1)   // burst 2
        let labour = try harness.client("gov.labour.dongnai")
        let bank = try harness.client("bank.970436")
        func banks(_ client: PartnerClient) async throws -> PartnerClient.Answer {
            try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "u-1", purpose: nil)
        }
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await banks(labour).status) }
        XCTAssertEqual(Array(statuses.prefix(2)), [200, 200], "the burst passes")
        XCTAssertEqual(statuses.last, 429)
        let limited = try await banks(labour)
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(limited.problem?.type, "urn:lienthong:error:rate-limited")
        let retryAfter = try XCTUnwrap(limited.retryAfter.flatMap(Int.init))
        XCTAssertGreaterThanOrEqual(retryAfter, 1)
        let record = try harness.auditRecords().first { $0.seq == limited.auditSeq }
        XCTAssertEqual(record?.outcome, .denied)
        XCTAssertEqual(record?.status, 429)
        XCTAssertEqual(record?.actor, "gov.labour.dongnai")

        // The refusal follows the contract (Contracts/openapi.yaml: 429 with Retry-After on every operation).
        if (try? ContractConformanceTests.requirePython(modules: "jsonschema, yaml")) != nil {
            var log = AnswerLog()
            log.record(method: "POST", path: "/v1/services/directory.banks", limited)
            let check = try ContractConformanceTests.python(["scripts/check-answer.py"], stdin: Data(log.lines.joined(separator: "\n").utf8))
            XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        }

        let other = try await banks(bank)
        XCTAssertEqual(other.status, 200, "another member has its own bucket")

        try await Task.sleep(for: .seconds(retryAfter))
        let later = try await banks(labour)
        XCTAssertEqual(later.status, 200, "after Retry-After the member may go on")
        try await labour.shutdown()
        try await bank.shutdown()
        await harness.stop()
    }
}
