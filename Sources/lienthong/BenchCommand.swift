import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongConfig
import LienthongGateway
import LienthongPKI
import LienthongSimulators
import Logging
import NIOSSL

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print ratios against a baseline measured in the same run (not part of CI).",
        subcommands: [Sync.self, NAPAS.self, Audit.self, Queue.self, Storage.self, Registry.self, Labor.self])

    /// Latency samples and throughput of one load run.
    struct Figures {
        var requests: Int
        var errors: Int
        var seconds: Double
        var latencies: [Double]   // milliseconds, sorted

        var perSecond: Double { Double(requests) / seconds }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
    }

    /// One row of a direct-vs-gateway comparison: warms both paths (connections, caches) for half a second, measures
    /// each for `seconds`, prints requests/s, p50, p99 and the ratio gateway/direct.
    static func compare(
        connections n: Int, seconds: Double,
        direct: @escaping @Sendable (Int) async -> Bool, gateway: @escaping @Sendable (Int) async -> Bool
    ) async {
        _ = await load(connections: n, seconds: 0.5, direct)
        let d = await load(connections: n, seconds: seconds, direct)
        _ = await load(connections: n, seconds: 0.5, gateway)
        let g = await load(connections: n, seconds: seconds, gateway)
        print(String(format: "%5d | %13.0f %7.2f %7.2f | %13.0f %7.2f %7.2f | %.2f%@",
                     n, d.perSecond, d.percentile(0.5), d.percentile(0.99),
                     g.perSecond, g.percentile(0.5), g.percentile(0.99), g.perSecond / d.perSecond,
                     d.errors + g.errors > 0 ? " (errors: direct \(d.errors), gateway \(g.errors))" : ""))
    }

    /// Runs `connections` loops of `call` for `seconds`.
    static func load(connections: Int, seconds: Double, _ call: @escaping @Sendable (Int) async -> Bool) async -> Figures {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: ([Double], Int).self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var samples: [Double] = []
                    var errors = 0
                    var i = worker
                    while ContinuousClock.now < deadline {
                        let t0 = ContinuousClock.now
                        if await call(i) { samples.append((ContinuousClock.now - t0).milliseconds) } else { errors += 1 }
                        i += connections
                    }
                    return (samples, errors)
                }
            }
            var all: [Double] = []
            var errors = 0
            for await (samples, e) in group { all += samples; errors += e }
            return (all, errors)
        }
        let elapsed = (ContinuousClock.now - start).milliseconds / 1000
        return Figures(requests: results.0.count, errors: results.1, seconds: elapsed, latencies: results.0.sorted())
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "population.verify-citizen through the gateway vs straight to the simulator (mTLS, keep-alive).")
        @Option(help: "Connection counts.") var connections: String = "1,16,64"
        @Option(help: "Seconds per measurement.") var seconds: Double = 5
        @Option(help: "Citizens in the synthetic register.") var citizens: Int = 2000

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let setup = DemoSetup(directory: dir)
            try setup.ensurePKI()
            let register = SyntheticPopulation.generate(citizens: citizens, seed: 7).filter { $0.personalId != nil }
            let logger = Logs.bootstrap(level: "error")
            let simPort = Ports.anyFree()
            try setup.writeConfiguration(ports: .init(partner: 0, admin: 0, population: simPort))
            var config = try ConfigurationLoader.load(path: setup.configFile.path)
            config.audit.checkpointEvery = 10_000
            let gateway = try Gateway(configuration: config, logger: logger)
            let simulator = try setup.makePopulationSimulator(port: simPort, register: register, logger: logger)
            let counts = connections.split(separator: ",").compactMap { Int($0) }
            let seconds = self.seconds
            let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                group.addTask { try await gateway.run { ready.yield($0) } }
                var iterator = readyStream.makeAsyncIterator()
                guard let endpoints = await iterator.next() else { return }
                let bodies = try register.map {
                    try JSONEncoder().encode(VerifyCitizenRequest(personalId: $0.personalId!, fullName: $0.fullName, dateOfBirth: $0.dateOfBirth))
                }
                let requests = register.map { VerifyCitizenRequest(personalId: $0.personalId!, fullName: $0.fullName, dateOfBirth: $0.dateOfBirth) }
                print("lienthong bench sync: population.verify-citizen, \(register.count) citizens, \(seconds)s per run, mTLS keep-alive")
                print("conns | direct req/s  p50 ms  p99 ms | gateway req/s  p50 ms  p99 ms | ratio gw/direct")
                for n in counts {
                    let labour = try PartnerClient(
                        baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
                        certificateFile: setup.certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: n)
                    let direct = try PartnerClient(
                        baseURL: "https://127.0.0.1:\(simPort)",
                        certificateFile: setup.certs.appendingPathComponent("gateway.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gateway-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: n)
                    let adapter = PopulationAdapter(
                        endpoint: "https://127.0.0.1:\(simPort)/soap", httpClient: direct.http, timeout: .seconds(10))
                    await Bench.compare(connections: n, seconds: seconds, direct: { i in
                        (try? await adapter.verifyCitizen(requests[i % requests.count], requestID: "bench")) != nil
                    }, gateway: { i in
                        (try? await labour.call(service: "population.verify-citizen", body: bodies[i % bodies.count],
                                                user: "bench", purpose: "asxh.verify-beneficiary").status) == 200
                    })
                    try await labour.shutdown()
                    try await direct.shutdown()
                }
                group.cancelAll()
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Audit appends/s (group commit vs one commit per record) and verify records/s.")
        @Option(help: "Records to append.") var records: Int = 100_000
        @Option(help: "Concurrent appenders.") var concurrency: Int = 64

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-audit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let keys = try AuditKeys.generate(subjectKeyFile: dir.appendingPathComponent("s.key").path, signingKeyFile: dir.appendingPathComponent("k.pem").path)
            func event(_ i: Int) -> AuditEvent {
                AuditEvent(actor: "gov.labour.dongnai", user: "bench", action: "service.call", target: "population.verify-citizen",
                           ref: UUID().uuidString, purpose: "asxh.verify-beneficiary", outcome: .ok, status: 200,
                           subjectPersonalID: String(format: "075%09d", i))
            }
            // Baseline: one appender, so every record is its own commit (fsync).
            let serialStore = try SQLiteAuditStore(path: dir.appendingPathComponent("serial.sqlite").path, keys: keys)
            let serialCount = max(200, records / 50)
            let t0 = ContinuousClock.now
            for i in 0..<serialCount { _ = try await serialStore.append(event(i)) }
            let serialRate = Double(serialCount) / ((ContinuousClock.now - t0).milliseconds / 1000)

            let store = try SQLiteAuditStore(path: dir.appendingPathComponent("group.sqlite").path, keys: keys)
            let t1 = ContinuousClock.now
            let concurrency = self.concurrency
            let records = self.records
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        var i = worker
                        while i < records { _ = try await store.append(event(i)); i += concurrency }
                    }
                }
                try await group.waitForAll()
            }
            let groupRate = Double(records) / ((ContinuousClock.now - t1).milliseconds / 1000)
            let t2 = ContinuousClock.now
            let result = try store.verify(publicKey: keys.signingKey.publicKey)
            let verifyRate = Double(result.recordsChecked) / ((ContinuousClock.now - t2).milliseconds / 1000)
            print("lienthong bench audit (synchronous = FULL)")
            print(String(format: "appends/s, one commit per record (1 appender, %d records): %.0f", serialCount, serialRate))
            print(String(format: "appends/s, group commit (%d appenders, %d records):       %.0f  (ratio %.1fx)", concurrency, records, groupRate, groupRate / serialRate))
            print(String(format: "audit verify: %.0f records/s (%d records, intact: %@)", verifyRate, result.recordsChecked, result.isIntact ? "yes" : "no"))
        }
    }
}

extension Bench {
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Durable accepts/s and accept→delivered/s through the gateway vs one row per commit (SQLite FULL).")
        @Option(help: "Concurrent senders.") var senders: String = "1,16,64"
        @Option(help: "Seconds per measurement.") var seconds: Double = 5
        @Flag(help: "Send to the pull bank, which never pulls: accepts only, no deliveries competing for the writer.")
        var acceptsOnly = false

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-queue-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let setup = DemoSetup(directory: dir)
            try setup.ensurePKI()
            let logger = Logs.bootstrap(level: "error")

            // Baseline: one 1 KiB row per transaction, synchronous = FULL, WAL, no gateway.
            var grdb = GRDB.Configuration()
            grdb.journalMode = .wal
            let baselineDB = try DatabaseQueue(path: dir.appendingPathComponent("baseline.sqlite").path, configuration: grdb)
            try await baselineDB.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "CREATE TABLE m (id TEXT PRIMARY KEY, payload BLOB NOT NULL)")
            }
            let row = [UInt8](repeating: 0x61, count: 1024)
            let baselineCount = 500
            let t0 = ContinuousClock.now
            for _ in 0..<baselineCount {
                try await baselineDB.write { db in
                    try db.execute(sql: "INSERT INTO m (id, payload) VALUES (?, ?)", arguments: [UUID().uuidString, Data(row)])
                }
            }
            let baseline = Double(baselineCount) / ((ContinuousClock.now - t0).milliseconds / 1000)

            let recipientPort = Ports.anyFree()
            try setup.writeConfiguration(ports: .init(partner: 0, admin: 0, population: Ports.anyFree(), bank: recipientPort))
            var config = try ConfigurationLoader.load(path: setup.configFile.path)
            for i in config.members.indices where config.members[i].delivery?.mode == .push { config.members[i].delivery?.maxConcurrency = 32 }
            let gateway = try Gateway(configuration: config, logger: logger)
            let received = ReceivedMessages()
            let recipient = try setup.makeRecipientSimulator(port: recipientPort, received: received, faults: FaultInjector(), logger: logger)
            let counts = senders.split(separator: ",").compactMap { Int($0) }
            let seconds = self.seconds
            let acceptsOnly = self.acceptsOnly
            let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await recipient.run() }
                group.addTask { try await gateway.run { ready.yield($0) } }
                var iterator = readyStream.makeAsyncIterator()
                guard let endpoints = await iterator.next() else { return }
                let payload = #"{"requestRef":"BENCH-%@","bank":{"bin":"970436"},"person":{"fullName":"Người Thử Nghiệm","personalId":"075090000001","dateOfBirth":"1990-01-01"},"note":""# + String(repeating: "x", count: 850) + #""}"#
                print("lienthong bench queue: 1 KiB messages labour → push bank (recipient simulator), \(seconds)s per run")
                print(String(format: "baseline, one row per commit (SQLite FULL): %.0f rows/s", baseline))
                print("senders | accepts/s  ratio/baseline | accept→delivered/s")
                for n in counts {
                    let client = try PartnerClient(
                        baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
                        certificateFile: setup.certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: n)
                    let before = received.uniqueIDs.count
                    let started = ContinuousClock.now
                    let to = acceptsOnly ? "bank.970418" : "bank.970436"
                    let figures = await Bench.load(connections: n, seconds: seconds) { _ in
                        let id = UUID().uuidString.lowercased()
                        // Every request names its own requestRef (a reference names one request per sender).
                        let body = Data(#"{"id":"\#(id)","type":"asxh.account-opening-request","to":"\#(to)","payload":\#(payload.replacingOccurrences(of: "BENCH-%@", with: "BENCH-" + id))}"#.utf8)
                        return (try? await client.send(method: .POST, path: "/v1/messages",
                                                       headers: [("Content-Type", "application/json"), ("X-User-Id", "bench")], body: body).status) == 202
                    }
                    let deadline = ContinuousClock.now + .seconds(acceptsOnly ? 0 : 120)
                    while received.uniqueIDs.count - before < figures.requests, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    let endToEnd = Double(received.uniqueIDs.count - before) / ((ContinuousClock.now - started).milliseconds / 1000)
                    print(String(format: "%7d | %9.0f  %14.1f | %18.0f%@", n, figures.perSecond, figures.perSecond / baseline, endToEnd,
                                 figures.errors > 0 ? " (\(figures.errors) refused)" : ""))
                    try await client.shutdown()
                }
                await gateway.shutdown()
                group.cancelAll()
            }
        }
    }
}

extension Duration {
    var milliseconds: Double {
        let (s, atto) = components
        return Double(s) * 1000 + Double(atto) / 1e15
    }
}
