import ArgumentParser
import Foundation
import LienthongAdapters
import LienthongConfig
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim", abstract: "Partner simulators (real servers over mTLS) and their synthetic data.",
        subcommands: [Seed.self, List.self, Workers.self, Population.self, VSS.self, NAPAS.self, Bank.self, Recipient.self])

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

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a commune's beneficiary list (CSV or XLSX, Vietnamese headers) from a synthetic population.")
        @Option(help: "Rows in the list.") var rows: Int = 1000
        @Option(help: "Synthetic population file from `sim seed` (default: generated with --seed, 35% more people than rows).")
        var data: String?
        @Option(help: "Seed of the generator.") var seed: UInt64 = 2026
        @Flag(help: "Add one of each deliberate problem (NFD name, wrong birth year, missing id, duplicate, ...).") var defects = false
        @Option(help: "Output file (.csv or .xlsx).") var out: String = "danh-sach.csv"

        func validate() throws {
            guard rows > 0 else { throw ValidationError("--rows must be positive") }
            guard out.hasSuffix(".csv") || out.hasSuffix(".xlsx") else { throw ValidationError("--out must end in .csv or .xlsx") }
        }

        func run() async throws {
            let people = try data.map { try SyntheticPopulation.load(from: URL(fileURLWithPath: $0)) }
                ?? SyntheticPopulation.generate(citizens: Int(Double(rows) * 1.35) + 100, seed: seed)
            let accounts = AccountRegister(citizens: people, seed: seed)
            let list = BeneficiaryListGenerator(citizens: people, accounts: accounts, seed: seed)
                .make(rows: rows, defects: defects ? BeneficiaryListGenerator.Defect.allCases : [])
            let url = URL(fileURLWithPath: out)
            if out.hasSuffix(".xlsx") { try list.write(xlsx: url) } else { try list.write(csv: url) }
            print("\(out): \(list.rows.count) rows, \(list.defects.count) deliberate problems")
        }
    }

    struct Workers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a commune labour survey (form 01 columns, CSV or XLSX, Vietnamese headers) from a synthetic population.")
        @Option(help: "Synthetic population file from `sim seed` (default: generated with --seed).") var data: String?
        @Option(help: "Citizens to generate when no --data is given.") var citizens: Int = 1000
        @Option(help: "Seed of the generator.") var seed: UInt64 = 2026
        @Option(help: "As-of date of the records (YYYY-MM-DD).") var asOf: String = SyntheticPopulation.referenceDate.iso
        @Option(help: "Output file (.csv or .xlsx).") var out: String = "phieu-01.csv"

        func run() async throws {
            let date = try CalendarDate(iso: asOf, field: "--as-of")
            let people = try data.map { try SyntheticPopulation.load(from: URL(fileURLWithPath: $0)) }
                ?? SyntheticPopulation.generate(citizens: citizens, seed: seed)
            let records = WorkerRecordGenerator(citizens: people, seed: seed).make(asOf: date)
            try WorkerRecordGenerator.writeSurvey(records, to: URL(fileURLWithPath: out))
            print("\(out): \(records.count) people aged 15 and over")
        }
    }

    struct Population: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the population database upstream (SOAP 1.1 over mTLS) from a synthetic population file.")
        @Option(help: "Folder with server.pem, server-key.pem and ca.pem.") var certs: String
        @Option(help: "Synthetic population file from `sim seed`.") var data: String
        @Option(help: "Listen address.") var listen: String = "127.0.0.1:9443"
        @OptionGroup var faultOptions: FaultOptions

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: dir)
            let people = try SyntheticPopulation.load(from: URL(fileURLWithPath: data))
            let faults = faultOptions.injector()
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
        @OptionGroup var faultOptions: FaultOptions

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: dir)
            let received = try journal.map { try ReceivedMessages(journalPath: $0) } ?? ReceivedMessages()
            let app = RecipientSimulator.makeApplication(
                host: address.host, port: address.port,
                tls: serverTLS,
                received: received, faults: faultOptions.injector(), logger: logger,
                onServerRunning: { port in logger.info("recipient simulator ready", metadata: ["port": "\(port)", "path": "/inbox"]) })
            try await app.runService()
        }
    }
}

extension Sim {
    /// `lienthong sim bank`: one simulated bank of the account-opening flow.
    struct Bank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a bank: receive account-opening requests (push endpoint or pull inbox), send results back through the gateway.")
        enum Mode: String, ExpressibleByArgument, CaseIterable { case push, pull }
        @Option(help: "The bank's BIN; its member id is bank.<BIN>.") var bin: String
        @Option(help: "push: serve \(BankSimulator.pushPath) for the gateway; pull: lease the gateway's inbox.") var mode: Mode = .push
        @Option(help: "The gateway's partner listener.") var gateway: String = "https://127.0.0.1:8443"
        @Option(help: "Folder with ca.pem, server.pem/server-key.pem (push) and bank.<BIN>.pem/bank.<BIN>-key.pem.") var certs: String
        @Option(help: "Listen address of the push endpoint.") var listen: String = "127.0.0.1:9447"
        @Option(help: "Milliseconds between the acknowledgement and the decision.") var decisionDelayMs: Int = 200
        @Option(help: "Share of requests rejected as KYCF (0–1), chosen deterministically by requestRef.") var kycFailureShare: Double = 0.05
        @Flag(help: "Do not report card delivery after opening.") var noCardDelivery = false
        @Option(help: "Seed of the bank's decisions.") var seed: UInt64 = 0x5EED
        @Option(help: "Deliberately break the contract (push endpoint, for the conformance kit): \(BankSimulator.Quirk.allCases.map(\.rawValue).joined(separator: ", ")).")
        var quirk: [String] = []
        @OptionGroup var faultOptions: FaultOptions

        func run() async throws {
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            var configuration = try BankSimulator.Configuration.examplePKI(bin: bin, gatewayURL: gateway, certificateDirectory: certs)
            configuration.decisionDelay = .milliseconds(decisionDelayMs)
            configuration.kycFailureShare = kycFailureShare
            configuration.cardDelivery = !noCardDelivery
            configuration.seed = seed
            let desk = BankDesk(configuration: configuration, logger: logger)
            let mode = self.mode
            let member = configuration.memberID
            let faults = faultOptions.injector()
            let tls = mode == .push ? try ExamplePKI.serverTLSConfiguration(directory: dir) : nil
            let quirks: Set<BankSimulator.Quirk> = try Sim.quirks(quirk)
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await desk.run() }
                switch mode {
                case .push:
                    let app = BankSimulator.makeApplication(
                        host: address.host, port: address.port, tls: tls!, bank: desk, quirks: quirks, faults: faults, logger: logger,
                        onServerRunning: { port in
                            logger.info("bank simulator ready", metadata: ["member": "\(member)", "port": "\(port)", "path": "\(BankSimulator.pushPath)"])
                        })
                    group.addTask { try await app.runService() }
                case .pull:
                    logger.info("bank simulator polling the gateway inbox", metadata: ["member": "\(member)"])
                    group.addTask { try await BankInboxPoller(desk: desk, logger: logger).run() }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

extension Sim {
    /// `lienthong sim vss`: the social-insurance upstream.
    struct VSS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vss",
            abstract: "Serve the social-insurance (BHXH) upstream over mTLS: participant look-ups from the synthetic population.")
        @Option(help: "Folder with server.pem, server-key.pem and ca.pem.") var certs: String
        @Option(help: "Synthetic population file from `sim seed`.") var data: String
        @Option(help: "Seed of the participant register (same seed, same participants).") var seed: UInt64 = 2026
        @Option(help: "Listen address.") var listen: String = "127.0.0.1:9446"
        @Option(help: "Deliberately break the contract (for the conformance kit): \(VSSSimulator.Quirk.allCases.map(\.rawValue).joined(separator: ", ")).")
        var quirk: [String] = []
        @OptionGroup var faultOptions: FaultOptions

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let logger = Logs.bootstrap(level: "info")
            let register = ParticipantRegister(citizens: try SyntheticPopulation.load(from: URL(fileURLWithPath: data)), seed: seed)
            let app = VSSSimulator.makeApplication(
                host: address.host, port: address.port, tls: try ExamplePKI.serverTLSConfiguration(directory: URL(fileURLWithPath: certs)),
                register: register, faults: faultOptions.injector(), quirks: try Sim.quirks(quirk), logger: logger,
                onServerRunning: { port in
                    logger.info("social insurance simulator ready", metadata: ["port": "\(port)", "participants": "\(register.count)"])
                })
            try await app.runService()
        }
    }

    /// `lienthong sim napas`: the NAPAS-style account verification switch.
    struct NAPAS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "napas",
            abstract: "Serve the NAPAS-style account verification (acmt.023/024 JSON, detached JWS ES256) over mTLS.")
        @Option(help: "Folder with server.pem, server-key.pem, ca.pem, fin.napas.pem/-key.pem (signs answers) and gateway.pem (verifies requests).")
        var certs: String
        @Option(help: "Synthetic population file from `sim seed`.") var data: String
        @Option(help: "Seed of the account register (same seed, same accounts).") var seed: UInt64 = 2026
        @Option(help: "Listen address.") var listen: String = "127.0.0.1:9445"
        @Option(help: "Deliberately break the contract (for the conformance kit): \(NAPASSimulator.Quirk.allCases.map(\.rawValue).joined(separator: ", ")).")
        var quirk: [String] = []
        @OptionGroup var faultOptions: FaultOptions

        func run() async throws {
            guard let address = HostPort(parsing: listen) else { throw ValidationError("--listen must be host:port") }
            let quirks: Set<NAPASSimulator.Quirk> = try Sim.quirks(quirk)
            let logger = Logs.bootstrap(level: "info")
            let dir = URL(fileURLWithPath: certs)
            let keys = try NAPASSimulator.ExampleKeys(directory: dir)
            let register = AccountRegister(citizens: try SyntheticPopulation.load(from: URL(fileURLWithPath: data)), seed: seed)
            let app = NAPASSimulator.makeApplication(
                host: address.host, port: address.port, tls: try ExamplePKI.serverTLSConfiguration(directory: dir),
                register: register, signer: keys.signer, requestVerifier: keys.requestVerifier, quirks: quirks,
                faults: faultOptions.injector(), logger: logger,
                onServerRunning: { port in
                    logger.info("NAPAS simulator ready", metadata: ["port": "\(port)", "path": "\(NAPASMessages.path)", "accounts": "\(register.accounts.count)"])
                })
            try await app.runService()
        }
    }
}

extension Sim {
    /// Parses `--quirk` values into a simulator's quirk set.
    static func quirks<Q: RawRepresentable & Hashable & CaseIterable>(_ names: [String]) throws -> Set<Q> where Q.RawValue == String {
        var quirks: Set<Q> = []
        for name in names {
            guard let quirk = Q(rawValue: name) else {
                throw ValidationError("unknown quirk \(name) (known: \(Q.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            quirks.insert(quirk)
        }
        return quirks
    }
}

/// Fault switches every simulator takes at start (all also switchable at run time with `POST /_sim/faults`).
struct FaultOptions: ParsableArguments {
    @Option(help: "Added latency in milliseconds.") var latencyMs: Int = 0
    @Option(help: "Share of requests answered with a server error (0–1).") var errorRate: Double = 0
    @Option(help: "Be down from start for this long (e.g. 30s, 500ms, 2m).", transform: FaultOptions.duration)
    var downFor: Duration?
    @Option(help: "Flap: up for this long, down for as long, and so on (e.g. 2s).", transform: FaultOptions.duration)
    var flap: Duration?

    /// An injector set up from the options.
    func injector() -> FaultInjector {
        let faults = FaultInjector()
        faults.setLatency(.milliseconds(max(0, latencyMs)))
        faults.setErrorRate(errorRate)
        if let downFor, downFor > .zero { faults.setDown(for: downFor) }
        if let flap { faults.setFlapping(period: flap) }
        return faults
    }

    /// Parses `500ms`, `30s`, `2m` (a bare number is seconds).
    static func duration(_ text: String) throws -> Duration {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Int64(text.dropLast(suffix.count)), value >= 0 { return .milliseconds(value * factor) }
        }
        if let value = Int64(text), value >= 0 { return .seconds(value) }
        throw ValidationError("'\(text)' is not a duration such as 500ms, 30s or 2m")
    }
}
