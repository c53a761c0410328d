public import Prometheus
import Foundation
import Synchronization

/// The gateway's Prometheus metrics, on a registry of its own (so several gateways can live in one test process).
public final class GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let auditSeq: Gauge
    private let depthSeries = Mutex<Set<[String]>>([])
    /// Partner requests by service since start-up, kept beside the counters so they can be read back (console).
    private let traffic = Mutex<[String: ServiceTally]>([:])
    /// When these metrics were created (the gateway's start, for the console's uptime).
    let startedAt = Date()

    /// Requests answered for one service since start-up.
    struct ServiceTally: Sendable, Hashable {
        /// Answers of any status.
        var requests = 0
        /// Answers with a 4xx status.
        var clientErrors = 0
        /// Answers with a 5xx status.
        var serverErrors = 0
    }

    /// Creates the metrics on a fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        auditSeq = registry.makeGauge(name: "lienthong_audit_seq", help: "Sequence number of the latest audit record")
    }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Counts a partner request and its latency.
    func request(service: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "lienthong_requests_total", labels: [("service", service), ("status", String(status))],
                             help: "Partner requests by service and HTTP status").increment()
        registry.makeDurationHistogram(name: "lienthong_request_duration_seconds", labels: [("service", service)],
                                       buckets: Self.latencyBuckets, help: "Partner request latency").record(duration)
        traffic.withLock { tallies in
            var tally = tallies[service, default: ServiceTally()]
            tally.requests += 1
            if (400...499).contains(status) { tally.clientErrors += 1 }
            if (500...599).contains(status) { tally.serverErrors += 1 }
            tallies[service] = tally
        }
    }

    /// Partner requests by service since start-up (read-only copy).
    func trafficByService() -> [String: ServiceTally] {
        traffic.withLock { $0 }
    }

    /// Records an upstream call's latency.
    func upstream(service: String, duration: Duration) {
        registry.makeDurationHistogram(name: "lienthong_upstream_duration_seconds", labels: [("service", service)],
                                       buckets: Self.latencyBuckets, help: "Upstream call latency").record(duration)
    }

    /// Counts a TLS handshake outcome.
    func handshake(outcome: String, reason: String) {
        registry.makeCounter(name: "lienthong_tls_handshakes_total", labels: [("outcome", outcome), ("reason", reason)],
                             help: "TLS handshakes on the partner listener").increment()
    }

    /// Publishes the queue depth by state and recipient (states absent from `rows` are set to 0).
    func queueDepth(_ rows: [(state: String, recipient: String, count: Int)]) {
        let previous = depthSeries.withLock { $0 }
        var seen: Set<[String]> = []
        for row in rows {
            registry.makeGauge(name: "lienthong_queue_depth", labels: [("state", row.state), ("recipient", row.recipient)],
                               help: "Messages in the durable queue by state and recipient").set(to: Double(row.count))
            seen.insert([row.state, row.recipient])
        }
        for series in previous.subtracting(seen) {
            registry.makeGauge(name: "lienthong_queue_depth", labels: [("state", series[0]), ("recipient", series[1])],
                               help: "Messages in the durable queue by state and recipient").set(to: 0.0)
        }
        depthSeries.withLock { $0.formUnion(seen) }
    }

    /// Records one push attempt: its outcome and, once delivered, the time since the message was accepted.
    func delivery(recipient: String, outcome: String, sinceAccepted: Duration?) {
        registry.makeCounter(name: "lienthong_delivery_attempts_total", labels: [("recipient", recipient), ("outcome", outcome)],
                             help: "Push delivery attempts by recipient and outcome").increment()
        if let sinceAccepted {
            registry.makeDurationHistogram(name: "lienthong_delivery_latency_seconds", labels: [("recipient", recipient)],
                                           buckets: Self.latencyBuckets + [.seconds(30), .seconds(60), .seconds(300), .seconds(3600)],
                                           help: "Time from accept to delivery").record(sinceAccepted)
        }
    }

    /// Publishes the audit head.
    func audit(seq: Int64) { auditSeq.set(Double(seq)) }

    /// Prometheus text exposition.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
