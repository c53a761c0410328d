import ArgumentParser
import Foundation
import LienthongAudit
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongGateway
import LienthongPKI
import LienthongSimulators
import Logging
import NIOSSL
import ServiceLifecycle

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the end-to-end scenario on loopback: example PKI, synthetic citizens, simulators (population, social insurance, NAPAS, two banks), gateway.")

    @Option(help: "Folder for certs/, data/ and lienthong.toml (reused when present).") var dir: String = "lienthong-demo"
    @Flag(help: "Exit after the scenario: status 0 only if every step held.") var once = false
    @Option(help: "Synthetic citizens to generate on first run.") var citizens: Int = 500
    @Option(help: "Log level of the gateway and simulators (JSON lines on stderr; never personal data).") var logLevel: String = "warning"
    @Option(help: "With --once: seconds to wait for the gateway and simulators to stop before exiting anyway (naming what still runs).")
    var shutdownDeadline: Int = 60

    func validate() throws {
        guard shutdownDeadline >= 0 else { throw ValidationError("--shutdown-deadline must be 0 or more seconds") }
    }

    func run() async throws {
        let setup = DemoSetup(directory: URL(fileURLWithPath: dir).standardizedFileURL)
        try setup.ensurePKI()
        if !FileManager.default.fileExists(atPath: setup.citizensFile.path) {
            try SyntheticPopulation.write(SyntheticPopulation.generate(citizens: citizens, seed: 2026), to: setup.citizensFile)
        }
        let register = try SyntheticPopulation.load(from: setup.citizensFile)
        let logger = Logs.bootstrap(level: logLevel)

        let ports = DemoSetup.DemoPorts(
            partner: Ports.free(preferring: 8443), admin: Ports.free(preferring: 9090), population: Ports.free(preferring: 9443),
            vss: Ports.free(preferring: 9446), napas: Ports.free(preferring: 9445), bank: Ports.free(preferring: 9447))
        try setup.writeConfiguration(ports: ports)
        let config = try ConfigurationLoader.load(path: setup.configFile.path)
        let gateway = try Gateway(configuration: config, logger: logger)

        let participants = ParticipantRegister(citizens: register, seed: 2026)
        let accounts = AccountRegister(citizens: register, seed: 2026)
        let pushDesk = try setup.makeBankDesk(bin: "970436", partnerPort: ports.partner, logger: logger)
        let pullDesk = try setup.makeBankDesk(bin: "970418", partnerPort: ports.partner, logger: logger)
        let bankFaults = FaultInjector()
        let simulators = ServiceProgress()
        let simulatorGroup = ServiceGroup(configuration: .init(
            services: [
                .init(service: simulators.wrap("population simulator",
                    try setup.makePopulationSimulator(port: ports.population, register: register, logger: logger))),
                .init(service: simulators.wrap("social insurance simulator",
                    try setup.makeVSSSimulator(port: ports.vss, participants: participants, logger: logger))),
                .init(service: simulators.wrap("NAPAS simulator",
                    try setup.makeNAPASSimulator(port: ports.napas, accounts: accounts, logger: logger))),
                .init(service: simulators.wrap("push bank simulator",
                    try setup.makeBankSimulator(port: ports.bank, desk: pushDesk, faults: bankFaults, logger: logger))),
            ], logger: logger))
        let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
        let once = self.once
        // The banks' back offices: deciding and sending results (both), leasing the inbox (the pull bank).
        let backOffices = Task {
            try await withThrowingTaskGroup(of: Void.self) { offices in
                offices.addTask { try await pushDesk.run() }
                offices.addTask { try await pullDesk.run() }
                offices.addTask { try await BankInboxPoller(desk: pullDesk, logger: logger).run() }
                try await offices.waitForAll()
            }
        }
        defer { backOffices.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await simulatorGroup.run() }
            group.addTask {
                // A gateway that stops before it is ready (a port taken meanwhile, say) ends the wait below.
                defer { ready.finish() }
                try await gateway.run(handleSignals: !once) { ready.yield($0) }
            }
            var iterator = readyStream.makeAsyncIterator()
            guard let endpoints = await iterator.next() else {
                try await group.next()  // the gateway's error, if it threw
                throw ValidationError("the gateway stopped before its listeners were ready")
            }
            let scenario = DemoScenario(
                setup: setup, register: register, endpoints: endpoints, config: config, gateway: gateway,
                participants: participants, accounts: accounts, banks: [pushDesk, pullDesk], pushBankFaults: bankFaults)
            let steps = await scenario.run()
            DemoScenario.printSummary(steps, endpoints: endpoints, setup: setup)
            fflush(nil)  // all streams: stdout may be a pipe or file
            if once {
                let status: Int32 = steps.allSatisfy(\.held) ? 0 : 1
                let deadline = Duration.seconds(shutdownDeadline)
                backOffices.cancel()
                // Everything the scenario did is committed by now: a shutdown that does not finish names what it
                // still waits for and the process exits with the scenario's status rather than hang.
                let watchdog = Task {
                    try await Task.sleep(for: deadline)
                    let waiting = gateway.progress.running + simulators.running
                    FileHandle.standardError.write(Data("""
                        demo: shutdown did not finish within \(deadline); still running: \
                        \(waiting.isEmpty ? "(no service: the process's own tasks)" : waiting.joined(separator: ", ")); \
                        exiting with the scenario's status \(status)

                        """.utf8))
                    Foundation.exit(status)
                }
                await gateway.shutdown()
                await simulatorGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                watchdog.cancel()
                if status != 0 { throw ExitCode(status) }
            } else {
                print("\nServing until Ctrl-C. The same setup runs later with: lienthong serve --config \(setup.configFile.path)")
                print("(with the upstreams: lienthong sim population|vss|napas --certs \(setup.certs.path) --data \(setup.citizensFile.path),")
                print(" lienthong sim bank --bin 970436 --mode push --certs \(setup.certs.path) --listen 127.0.0.1:\(ports.bank),")
                print(" lienthong sim bank --bin 970418 --mode pull --certs \(setup.certs.path) --gateway https://127.0.0.1:\(ports.partner))")
                fflush(nil)  // all streams: stdout may be a pipe or file
                try await group.next()
                backOffices.cancel()
                await simulatorGroup.triggerGracefulShutdown()
                await gateway.shutdown()
            }
        }
    }
}

/// Picks a free loopback port, preferring the documented default.
enum Ports {
    static func free(preferring preferred: Int) -> Int {
        if canBind(preferred) { return preferred }
        return anyFree()
    }

    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1   // as the server will: a port with connections in TIME_WAIT is free to listen on
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func anyFree() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
