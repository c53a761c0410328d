import ArgumentParser
import Foundation
import LienthongConfig
import LienthongPKI
import LienthongSimulators
import Logging

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim", abstract: "Partner simulators (real servers over mTLS) and their synthetic data.",
        subcommands: [Seed.self, Population.self, Recipient.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a deterministic synthetic population (JSON Lines).")
        @Option(help: "Number of citizens.") var citizens: Int = 1000
        @Option(help: "Seed of the generator (same seed, same people).") var seed: UInt64 = 2026
        @Option(help: "Output file.") var out: String = "citizens.jsonl"

        func run() async throws {
            let people = SyntheticPopulation.generate(citizens: citizens, seed: seed)
            try SyntheticPopulation.write(people, to: URL(fileURLWithPath: out))
            print("\(out): \(people.count) synthetic citizens (seed \(seed)), \(people.filter { $0.personalId == nil }.count) children listed without a number")
        }
    }

    struct Population: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the population database upstream (SOAP 1.1 over mTLS) from a synthetic population file.")
        @Option(help: "Folder with server.pem, server-key.pem and ca.pem.") var certs: String
        @Option(help: "Synthetic population file from `sim seed`.") var data: String
        @Option(help: "Listen address.") var listen: String = "127.0.0.1:9443"
        @Option(help: "Added latency in milliseconds.") var latencyMs: Int = 0
        @Option(help: "Share of calls answered with a SOAP fault (0–1).") var errorRate: Double = 0
        @Option(help: "Be down for this many milliseconds from start.") var downForMs: Int = 0

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: dir)
            let people = try SyntheticPopulation.load(from: URL(fileURLWithPath: data))
            let faults = FaultInjector()
            faults.apply(.init(latencyMs: latencyMs, errorRate: errorRate, downForMs: downForMs > 0 ? downForMs : nil))
            let app = PopulationSimulator.makeApplication(
                host: address.host, port: address.port,
                tls: serverTLS,
                citizens: people, faults: faults, logger: logger,
                onServerRunning: { port in logger.info("population simulator ready", metadata: ["port": "\(port)", "citizens": "\(people.count)"]) })
            try await app.runService()
        }
    }

    struct Recipient: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a push recipient (a bank's message endpoint) over mTLS; records what it receives, deduped by X-Message-Id.")
        @Option(help: "Folder with server.pem, server-key.pem and ca.pem.") var certs: String
        @Option(help: "Listen address.") var listen: String = "127.0.0.1:9444"
        @Option(help: "Append one JSON line per delivery to this file (fsync'd before answering).") var journal: String?

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: dir)
            let received = try journal.map { try ReceivedMessages(journalPath: $0) } ?? ReceivedMessages()
            let app = RecipientSimulator.makeApplication(
                host: address.host, port: address.port,
                tls: serverTLS,
                received: received, faults: FaultInjector(), logger: logger,
                onServerRunning: { port in logger.info("recipient simulator ready", metadata: ["port": "\(port)", "path": "/inbox"]) })
            try await app.runService()
        }
    }
}
