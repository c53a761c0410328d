import ArgumentParser
import Foundation
import LienthongClient
import LienthongConfig
import LienthongGateway
import LienthongPostgres
import LienthongSimulators
import Logging

extension Bench {
    /// Durable accepts/s and accept→delivered/s on SQLite (one gateway) and on PostgreSQL with one and with two
    /// gateways sharing one database, in one run; ratios against the SQLite row.
    struct Storage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accepts/s and accept→delivered/s: SQLite (1 gateway) vs PostgreSQL (1 and 2 gateways on one database).",
            discussion: """
                Each row starts its gateways in this process (two instances: two Gateway objects with their own \
                listeners, delivery workers and connection pools, sharing one database, one queue and one audit chain), \
                a push recipient simulator, and `--senders` concurrent senders spread over the instances for \
                `--seconds`; then waits until every accepted message has been delivered. PostgreSQL rows use a fresh \
                database created on the server of --database-url (dropped afterwards). 1 KiB messages, as `bench queue`.
                """)
        @Option(help: "A PostgreSQL server (postgres://user@host:port/db); e.g. from scripts/pg-test-server.sh start.")
        var databaseURL: String = ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"] ?? ""
        @Option(help: "Concurrent senders, spread over the instances.") var senders: Int = 16
        @Option(help: "Seconds of sending per row.") var seconds: Double = 10

        struct Row {
            var label: String
            var accepted: Int
            var refused: Int
            var acceptsPerSecond: Double
            var deliveredPerSecond: Double
            var p99: Double
        }

        func run() async throws {
            guard !databaseURL.isEmpty else { throw ValidationError("give --database-url (or set LIENTHONG_TEST_POSTGRES)") }
            let logger = Logs.bootstrap(level: "error")
            print("lienthong bench storage: 1 KiB messages labour → push bank (recipient simulator), \(senders) senders, \(seconds)s per row")
            var rows: [Row] = []
            rows.append(try await measure(label: "SQLite, 1 gateway", instances: 1, postgres: nil, logger: logger))
            for instances in [1, 2] {
                let name = "bench_" + UUID().uuidString.prefix(8).lowercased()
                let url = try Self.databaseURL(databaseURL, name: name)
                try await PostgresDatabase.withDatabase(url: databaseURL, maximumConnections: 1) { try await $0.execute("CREATE DATABASE \(name)") }
                do {
                    rows.append(try await measure(label: "PostgreSQL, \(instances) gateway\(instances > 1 ? "s" : "")", instances: instances, postgres: url, logger: logger))
                } catch {
                    try? await PostgresDatabase.withDatabase(url: databaseURL, maximumConnections: 1) { try await $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
                    throw error
                }
                try await PostgresDatabase.withDatabase(url: databaseURL, maximumConnections: 1) { try await $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            }
            let base = rows[0]
            print("storage                | accepted | accepts/s  p99 ms  ratio | accept→delivered/s  ratio")
            for row in rows {
                print(String(format: "%@ | %8d | %9.0f %7.1f %6.2f | %18.0f %6.2f%@", row.label.padding(toLength: 22, withPad: " ", startingAt: 0), row.accepted,
                             row.acceptsPerSecond, row.p99, row.acceptsPerSecond / base.acceptsPerSecond,
                             row.deliveredPerSecond, row.deliveredPerSecond / base.deliveredPerSecond,
                             row.refused > 0 ? " (\(row.refused) refused)" : ""))
            }
        }

        static func databaseURL(_ server: String, name: String) throws -> String {
            guard var components = URLComponents(string: server) else { throw ValidationError("--database-url is not a URL") }
            components.path = "/" + name
            guard let url = components.string else { throw ValidationError("--database-url is not a URL") }
            return url
        }

        func measure(label: String, instances: Int, postgres: String?, logger: Logger) async throws -> Row {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-storage-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let setup = DemoSetup(directory: dir)
            try setup.ensurePKI()
            let recipientPort = Ports.anyFree()
            try setup.writeConfiguration(ports: .init(partner: 0, admin: 0, population: Ports.anyFree(), bank: recipientPort))
            var config = try ConfigurationLoader.load(path: setup.configFile.path)
            config.registry = nil
            config.labor = nil
            config.audit.checkpointEvery = 10_000
            for i in config.members.indices where config.members[i].delivery?.mode == .push { config.members[i].delivery?.maxConcurrency = 32 }
            if let postgres { config.storage = .init(kind: .postgres, sqlitePath: config.storage.sqlitePath, postgresURL: postgres) }
            var gateways: [Gateway] = []
            for instance in 0..<instances {
                var own = config
                own.gateway.dataDirectory = dir.appendingPathComponent("data-\(instance)").path
                if postgres == nil { own.storage.sqlitePath = dir.appendingPathComponent("data-\(instance)/lienthong.sqlite").path }
                gateways.append(try await Gateway.open(configuration: own, logger: logger))
            }
            let received = ReceivedMessages()
            let recipient = try setup.makeRecipientSimulator(port: recipientPort, received: received, faults: FaultInjector(), logger: logger)
            let (senders, seconds) = (self.senders, self.seconds)
            let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await recipient.run() }
                for gateway in gateways { group.addTask { try await gateway.run { ready.yield($0) } } }
                var ports: [Int] = []
                for await endpoints in readyStream {
                    ports.append(endpoints.partnerPort)
                    if ports.count == instances { break }
                }
                var clients: [PartnerClient] = []
                for port in ports {
                    clients.append(try PartnerClient(
                        baseURL: "https://127.0.0.1:\(port)",
                        certificateFile: setup.certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: senders))
                }
                let payload = #"{"requestRef":"BENCH-%@","bank":{"bin":"970436"},"person":{"fullName":"Người Thử Nghiệm","personalId":"075090000001","dateOfBirth":"1990-01-01"},"note":""# + String(repeating: "x", count: 850) + #""}"#
                let senderClients = clients
                let send: @Sendable (Int) async -> Bool = { i in
                    let id = UUID().uuidString.lowercased()
                    let body = Data(#"{"id":"\#(id)","type":"asxh.account-opening-request","to":"bank.970436","payload":\#(payload.replacingOccurrences(of: "BENCH-%@", with: "BENCH-" + id))}"#.utf8)
                    // Sender i always uses the same instance: the load is spread evenly over the instances.
                    let client = senderClients[i % senderClients.count]
                    return (try? await client.send(method: .POST, path: "/v1/messages",
                                                   headers: [("Content-Type", "application/json"), ("X-User-Id", "bench")], body: body).status) == 202
                }
                // Warm-up (connections, statements, caches), drained before the measured run starts.
                let warm = await Bench.load(connections: senders, seconds: 1, send)
                let drained = ContinuousClock.now + .seconds(60)
                while received.uniqueIDs.count < warm.requests, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(20)) }
                let before = received.uniqueIDs.count
                let started = ContinuousClock.now
                let figures = await Bench.load(connections: senders, seconds: seconds, send)
                let deadline = ContinuousClock.now + .seconds(180)
                while received.uniqueIDs.count - before < figures.requests, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let delivered = received.uniqueIDs.count - before
                let endToEnd = Double(delivered) / ((ContinuousClock.now - started).milliseconds / 1000)
                for client in clients { try await client.shutdown() }
                for gateway in gateways { await gateway.shutdown() }
                group.cancelAll()
                return Row(label: label, accepted: figures.requests, refused: figures.errors, acceptsPerSecond: figures.perSecond,
                           deliveredPerSecond: endToEnd, p99: figures.percentile(0.99))
            }
        }
    }
}
