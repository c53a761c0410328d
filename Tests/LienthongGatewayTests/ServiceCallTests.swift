import Crypto
import Foundation
import GRDB
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongCore
import XCTest

/// SPEC §3: synchronous services, evidence headers and problem+json errors.
final class ServiceCallTests: XCTestCase {
    var harness: GatewayHarness!
    var labour: PartnerClient!

    override func setUp() async throws {
        harness = try GatewayHarness()
        try await harness.start()
        labour = try harness.client("gov.labour.dongnai")
    }

    override func tearDown() async throws {
        try? await labour.shutdown()
        await harness.stop()
    }

    var citizen: (id: String, name: String, dob: String) {
        let c = harness.register.first { $0.personalId != nil }!
        return (c.personalId!, c.fullName, c.dateOfBirth)
    }

    func verifyBody(id: String? = nil, name: String? = nil, dob: String? = nil) throws -> Data {
        try JSONEncoder().encode(VerifyCitizenRequest(personalId: id ?? citizen.id, fullName: name ?? citizen.name, dateOfBirth: dob ?? citizen.dob))
    }

    /// Checks the RFC 9457 shape and that no personal data of the request leaks into it.
    func assertProblem(_ answer: PartnerClient.Answer, _ code: ProblemCode, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(answer.status, code.status, file: file, line: line)
        XCTAssertEqual(answer.contentType, "application/problem+json", file: file, line: line)
        guard let problem = answer.problem else { return XCTFail("body is not a problem document", file: file, line: line) }
        XCTAssertEqual(problem.type, "urn:lienthong:error:\(code.rawValue)", file: file, line: line)
        XCTAssertEqual(problem.status, code.status, file: file, line: line)
        XCTAssertEqual(problem.title, code.title, file: file, line: line)
        XCTAssertFalse(problem.detail.isEmpty, file: file, line: line)
        XCTAssertEqual(problem.requestId, answer.requestID, file: file, line: line)
        XCTAssertNotNil(answer.auditSeq, "every refusal is audited", file: file, line: line)
        let text = String(decoding: answer.body, as: UTF8.self)
        XCTAssertFalse(text.contains(citizen.id), "personal id in a problem body", file: file, line: line)
        XCTAssertFalse(text.contains(citizen.name), "name in a problem body", file: file, line: line)
        XCTAssertFalse(text.contains("at /"), "stack-trace-like text", file: file, line: line)
    }

    func testVerifyCitizenAnswersWithEvidenceHeadersAndOneAuditRecord() async throws {
        let requestID = UUID().uuidString.lowercased()
        let body = try verifyBody()
        let answer = try await labour.call(
            service: "population.verify-citizen", body: body, user: "canbo-07", purpose: "asxh.verify-beneficiary", requestID: requestID)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(try answer.decode(VerifyCitizenResponse.self).status, .matched)
        XCTAssertEqual(answer.requestID, requestID)
        XCTAssertEqual(answer.requestHash, Data(SHA256.hash(data: body)).base64EncodedString())
        let record = try XCTUnwrap(try harness.auditRecords().first { $0.seq == answer.auditSeq })
        XCTAssertEqual(record.ref, requestID)
        XCTAssertEqual(record.actor, "gov.labour.dongnai")
        XCTAssertEqual(record.user, "canbo-07")
        XCTAssertEqual(record.action, "service.call")
        XCTAssertEqual(record.target, "population.verify-citizen")
        XCTAssertEqual(record.purpose, "asxh.verify-beneficiary")
        XCTAssertEqual(record.outcome, .ok)
        XCTAssertEqual(record.status, 200)
        XCTAssertEqual(record.subject.count, 32)
        XCTAssertNotEqual(record.subject, citizen.id)
        let again = try await labour.call(
            service: "population.verify-citizen", body: body, user: "canbo-07", purpose: "asxh.verify-beneficiary")
        let second = try XCTUnwrap(try harness.auditRecords().first { $0.seq == again.auditSeq })
        XCTAssertEqual(second.subject, record.subject, "same person, same subject hash")
        XCTAssertNotEqual(again.requestID, requestID, "a request id is generated when absent")
    }

    func testMalformedPersonalIdIsBadRequestWithoutEchoingIt() async throws {
        let answer = try await labour.call(
            service: "population.verify-citizen", body: try verifyBody(id: "07519"), user: "canbo-07", purpose: "asxh.verify-beneficiary")
        assertProblem(answer, .badRequest)
        XCTAssertTrue(answer.problem!.detail.contains("personalId"))
        XCTAssertFalse(answer.problem!.detail.contains("07519"))
    }

    func testMissingUserIsBadRequest() async throws {
        let answer = try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: nil, purpose: "asxh.verify-beneficiary")
        assertProblem(answer, .badRequest)
    }

    func testMissingPurposeIsBadRequestAndUngrantedPurposeIsForbidden() async throws {
        assertProblem(try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: nil), .badRequest)
        assertProblem(try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-account"), .forbidden)
    }

    func testRequestIdMustBeAUUID() async throws {
        let answer = try await labour.call(service: "directory.banks", body: Data("{}".utf8), user: "u", purpose: nil, requestID: "not-a-uuid")
        assertProblem(answer, .badRequest)
    }

    func testUnknownServiceAndPathAreNotFound() async throws {
        assertProblem(try await labour.call(service: "population.teleport", body: Data("{}".utf8), user: "u", purpose: nil), .notFound)
        assertProblem(try await labour.send(method: .GET, path: "/v1/nothing-here", headers: [], body: nil), .notFound)
    }

    func testWrongMediaTypeIsUnsupported() async throws {
        let answer = try await labour.call(
            service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-beneficiary", contentType: "text/plain")
        assertProblem(answer, .unsupportedMediaType)
    }

    func testBodyOverTheLimitIsPayloadTooLarge() async throws {
        let big = Data(("{\"personalId\":\"" + String(repeating: "1", count: 8000) + "\"}").utf8)
        let answer = try await labour.call(service: "population.verify-citizen", body: big, user: "u", purpose: "asxh.verify-beneficiary")
        assertProblem(answer, .payloadTooLarge)
    }

    func testBrokenJSONIsBadRequest() async throws {
        let answer = try await labour.call(service: "population.verify-citizen", body: Data("{\"personalId\":".utf8), user: "u", purpose: "asxh.verify-beneficiary")
        assertProblem(answer, .badRequest)
    }

    func testUpstreamErrorIsReportedAndAudited() async throws {
        harness.faults.setErrorRate(1.0)
        let answer = try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-beneficiary")
        assertProblem(answer, .upstreamError)
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.outcome, .error)
        harness.faults.setErrorRate(0)
        let healed = try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-beneficiary")
        XCTAssertEqual(healed.status, 200, "recovers without a restart")
    }

    func testUpstreamTimeoutIs504WithinTheConfiguredTimeout() async throws {
        harness.faults.setLatency(.seconds(4))   // configured timeout: 1.5 s
        let started = ContinuousClock.now
        let answer = try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-beneficiary")
        let elapsed = ContinuousClock.now - started
        assertProblem(answer, .upstreamTimeout)
        XCTAssertLessThan(elapsed, .milliseconds(1500 + 1000), "answered within the timeout plus a margin")
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.status, 504)
        XCTAssertEqual(record?.outcome, .error)
        harness.faults.setLatency(.zero)
    }

    func testMetricsCountRequestsByServiceAndStatus() async throws {
        _ = try await labour.call(service: "population.verify-citizen", body: try verifyBody(), user: "u", purpose: "asxh.verify-beneficiary")
        let metrics = try await harness.admin("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.body.contains(#"lienthong_requests_total{service="population.verify-citizen",status="200"} 1"#), metrics.body)
        XCTAssertTrue(metrics.body.contains("lienthong_upstream_duration_seconds_bucket"))
        XCTAssertTrue(metrics.body.contains("lienthong_audit_seq"))
        XCTAssertFalse(metrics.body.contains(citizen.id))
    }
}

/// An upstream that is not there.
final class UpstreamDownTests: XCTestCase {
    func testUpstreamDownIs502AndAudited() async throws {
        let harness = try GatewayHarness()
        try await harness.start(upstream: false)
        let client = try harness.client("gov.labour.dongnai")
        let c = harness.register.first { $0.personalId != nil }!
        let body = try JSONEncoder().encode(VerifyCitizenRequest(personalId: c.personalId!, fullName: c.fullName, dateOfBirth: c.dateOfBirth))
        let started = ContinuousClock.now
        let answer = try await client.call(service: "population.verify-citizen", body: body, user: "u", purpose: "asxh.verify-beneficiary")
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1500), "answered before the configured timeout")
        XCTAssertEqual(answer.status, 502)
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:upstream-unavailable")
        let record = try harness.auditRecords().first { $0.seq == answer.auditSeq }
        XCTAssertEqual(record?.outcome, .error)
        XCTAssertEqual(record?.status, 502)
        try await client.shutdown()
        await harness.stop()
    }
}

/// The admin listener.
final class AdminListenerTests: XCTestCase {
    func testHealthReadinessAndReadinessFailingWhenStorageIsGone() async throws {
        let harness = try GatewayHarness()
        try await harness.start()
        let health = try await harness.admin("/healthz")
        XCTAssertEqual(health.status, 200)
        let ready = try await harness.admin("/readyz")
        XCTAssertEqual(ready.status, 200)
        try FileManager.default.removeItem(atPath: harness.configuration.gateway.dataDirectory)
        let notReady = try await harness.admin("/readyz")
        XCTAssertEqual(notReady.status, 503)
        XCTAssertTrue(notReady.body.contains("not ready"))
        await harness.stop()
    }

    func testAuditStoreRunsWithSynchronousFull() async throws {
        let harness = try GatewayHarness()
        try await harness.start()
        XCTAssertEqual(try harness.sqliteAudit.synchronousMode(), 2)
        await harness.stop()
    }
}

/// No evidence, no answer.
final class AuditUnavailableTests: XCTestCase {
    func testNoDataLeavesWhenTheAuditLogCannotBeWritten() async throws {
        let harness = try GatewayHarness()
        try await harness.start()
        let client = try harness.client("gov.labour.dongnai")
        do {
            try await withheldThenRecovered(harness, client)
        } catch {
            // Never leave a client without its shutdown: its deinit would stop the whole test process.
            try? await client.shutdown()
            await harness.stop()
            throw error
        }
        try await client.shutdown()
        await harness.stop()
    }

    func withheldThenRecovered(_ harness: GatewayHarness, _ client: PartnerClient) async throws {
        // Another process takes the database's write lock and keeps it past the store's busy timeout.
        var blockerConfiguration = GRDB.Configuration()
        blockerConfiguration.busyMode = .timeout(10)   // wait for the gateway's own short transactions to end
        let blocker = try GRDB.DatabaseQueue(path: harness.configuration.storage.sqlitePath, configuration: blockerConfiguration)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let acquired = LockFlag()
        Thread {   // a plain thread: holding a lock must not block the cooperative pool
            do {
                try blocker.inTransaction(.exclusive) { _ in
                    acquired.set()
                    locked.signal()
                    release.wait()
                    return .rollback
                }
            } catch {
                locked.signal()   // never leave the test waiting
            }
        }.start()
        locked.wait()
        XCTAssertTrue(acquired.value, "the blocker took the write lock")
        let c = harness.register.first { $0.personalId != nil }!
        let body = try JSONEncoder().encode(VerifyCitizenRequest(personalId: c.personalId!, fullName: c.fullName, dateOfBirth: c.dateOfBirth))
        let answer: PartnerClient.Answer
        do {
            answer = try await client.call(
                service: "population.verify-citizen", body: body, user: "u", purpose: "asxh.verify-beneficiary", timeout: .seconds(60))
        } catch {
            release.signal()
            throw error
        }
        release.signal()
        XCTAssertEqual(answer.status, 503, "withheld, and the caller told to retry (SECURITY.md, fault matrix)")
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:internal")
        XCTAssertNotNil(answer.retryAfter)
        XCTAssertNil(answer.auditSeq)
        XCTAssertFalse(String(decoding: answer.body, as: UTF8.self).contains("matched"), "the service's answer must not leave")
        // Recovery is asked on a new connection: what is tested is the storage coming back, not keep-alive reuse of a
        // connection that waited 20 s on a locked database.
        let fresh = try harness.client("gov.labour.dongnai")
        do {
            let after = try await fresh.call(service: "directory.banks", body: Data("{}".utf8), user: "u", purpose: nil)
            XCTAssertEqual(after.status, 200, "recovers once the database is writable again")
        } catch {
            try? await fresh.shutdown()
            throw error
        }
        try await fresh.shutdown()
    }
}

/// A flag set from another thread.
final class LockFlag: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
