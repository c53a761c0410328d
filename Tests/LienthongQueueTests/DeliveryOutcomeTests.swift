import Foundation
import LienthongQueue
import XCTest

final class DeliveryOutcomeTests: XCTestCase {
    private func classify(_ status: Int?, _ error: DeliveryError? = nil, retryAfter: String? = nil) -> DeliveryOutcome {
        DeliveryOutcome.classify(status: status, error: error, retryAfterHeader: retryAfter, now: t0)
    }

    func testClassificationTable() {
        let table: [(Int?, DeliveryError?, DeliveryOutcome)] = [
            (200, nil, .delivered(status: 200)),
            (202, nil, .delivered(status: 202)),
            (204, nil, .delivered(status: 204)),
            (299, nil, .delivered(status: 299)),
            (100, nil, .retryableFailure(.httpStatus(100), retryAfter: nil)),
            (301, nil, .retryableFailure(.httpStatus(301), retryAfter: nil)),
            (304, nil, .retryableFailure(.httpStatus(304), retryAfter: nil)),
            (400, nil, .permanentFailure(.httpStatus(400))),
            (401, nil, .permanentFailure(.httpStatus(401))),
            (403, nil, .permanentFailure(.httpStatus(403))),
            (404, nil, .permanentFailure(.httpStatus(404))),
            (408, nil, .retryableFailure(.httpStatus(408), retryAfter: nil)),
            (409, nil, .permanentFailure(.httpStatus(409))),
            (413, nil, .permanentFailure(.httpStatus(413))),
            (422, nil, .permanentFailure(.httpStatus(422))),
            (429, nil, .retryableFailure(.httpStatus(429), retryAfter: nil)),
            (499, nil, .permanentFailure(.httpStatus(499))),
            (500, nil, .retryableFailure(.httpStatus(500), retryAfter: nil)),
            (502, nil, .retryableFailure(.httpStatus(502), retryAfter: nil)),
            (503, nil, .retryableFailure(.httpStatus(503), retryAfter: nil)),
            (504, nil, .retryableFailure(.httpStatus(504), retryAfter: nil)),
            (599, nil, .retryableFailure(.httpStatus(599), retryAfter: nil)),
            (nil, .timeout, .retryableFailure(.timeout, retryAfter: nil)),
            (nil, .transport(.connectionRefused), .retryableFailure(.transport(.connectionRefused), retryAfter: nil)),
            (nil, .transport(.connectionReset), .retryableFailure(.transport(.connectionReset), retryAfter: nil)),
            (nil, .transport(.tlsHandshake), .retryableFailure(.transport(.tlsHandshake), retryAfter: nil)),
            (nil, nil, .retryableFailure(.transport(.other), retryAfter: nil)),
            (204, .timeout, .delivered(status: 204)),
            (404, .transport(.connectionReset), .permanentFailure(.httpStatus(404))),
        ]
        for (status, error, expected) in table {
            XCTAssertEqual(classify(status, error), expected, "status \(String(describing: status)), error \(String(describing: error))")
        }
    }

    func testRetryAfterIsReadOnlyFor429And503() {
        XCTAssertEqual(classify(429, retryAfter: "30"), .retryableFailure(.httpStatus(429), retryAfter: .seconds(30)))
        XCTAssertEqual(classify(503, retryAfter: "Sun, 15 Jun 2025 15:08:40 GMT"), .retryableFailure(.httpStatus(503), retryAfter: .seconds(120)))
        XCTAssertEqual(classify(503, retryAfter: "soon"), .retryableFailure(.httpStatus(503), retryAfter: nil))
        XCTAssertEqual(classify(429, retryAfter: "-1"), .retryableFailure(.httpStatus(429), retryAfter: nil))
        XCTAssertEqual(classify(500, retryAfter: "30"), .retryableFailure(.httpStatus(500), retryAfter: nil))
        XCTAssertEqual(classify(408, retryAfter: "30"), .retryableFailure(.httpStatus(408), retryAfter: nil))
        XCTAssertEqual(classify(200, retryAfter: "30"), .delivered(status: 200))
    }

    func testPermanence() {
        for status in 400...499 {
            XCTAssertEqual(DeliveryFailure.httpStatus(status).isPermanent, status != 408 && status != 429, "\(status)")
        }
        for status in [100, 301, 500, 503, 599] { XCTAssertFalse(DeliveryFailure.httpStatus(status).isPermanent) }
        XCTAssertFalse(DeliveryFailure.timeout.isPermanent)
        XCTAssertFalse(DeliveryFailure.leaseExpired.isPermanent)
        for failure in TransportFailure.allCases { XCTAssertFalse(DeliveryFailure.transport(failure).isPermanent) }
    }

    func testFailureTextRoundTrips() {
        var failures: [DeliveryFailure] = [.httpStatus(503), .httpStatus(404), .timeout, .leaseExpired]
        failures += TransportFailure.allCases.map { .transport($0) }
        for failure in failures {
            XCTAssertEqual(DeliveryFailure(failure.description), failure, failure.description)
        }
        XCTAssertEqual(DeliveryFailure.httpStatus(503).description, "http-503")
        XCTAssertEqual(DeliveryFailure.transport(.connectionRefused).description, "transport:connection-refused")
        for junk in ["", "http-", "http-+50", "http-5030", "http-abc", "transport:", "transport:nope", "TIMEOUT", "lease expired"] {
            XCTAssertNil(DeliveryFailure(junk), junk)
        }
    }

    func testCircuitBreakerSignal() {
        XCTAssertEqual(classify(200).circuitBreakerResult, .success)
        XCTAssertEqual(classify(404).circuitBreakerResult, .success, "the recipient answered; the message was the problem")
        XCTAssertEqual(classify(503).circuitBreakerResult, .failure)
        XCTAssertEqual(classify(429).circuitBreakerResult, .failure)
        XCTAssertEqual(classify(nil, .timeout).circuitBreakerResult, .failure)
        XCTAssertEqual(classify(nil, .transport(.connectionRefused)).circuitBreakerResult, .failure)
    }
}
