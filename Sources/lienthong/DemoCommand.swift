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
        abstract: "Run the end-to-end scenario on loopback: example PKI, synthetic citizens, simulator, gateway.")

    @Option(help: "Folder for certs/, data/ and lienthong.toml (reused when present).") var dir: String = "lienthong-demo"
    @Flag(help: "Exit after the scenario: status 0 only if every step held.") var once = false
    @Option(help: "Synthetic citizens to generate on first run.") var citizens: Int = 500

    func run() async throws {
        let setup = DemoSetup(directory: URL(fileURLWithPath: dir).standardizedFileURL)
        try setup.ensurePKI()
        if !FileManager.default.fileExists(atPath: setup.citizensFile.path) {
            try SyntheticPopulation.write(SyntheticPopulation.generate(citizens: citizens, seed: 2026), to: setup.citizensFile)
        }
        let register = try SyntheticPopulation.load(from: setup.citizensFile)
        let logger = Logs.bootstrap(level: "warning")

        let simPort = Ports.free(preferring: 9443)
        let recipientPort = Ports.free(preferring: 9444)
        try setup.writeConfiguration(
            partnerPort: Ports.free(preferring: 8443), adminPort: Ports.free(preferring: 9090), populationPort: simPort,
            recipientPort: recipientPort)
        let config = try ConfigurationLoader.load(path: setup.configFile.path)
        let gateway = try Gateway(configuration: config, logger: logger)

        let simulator = try setup.makePopulationSimulator(port: simPort, register: register, logger: logger)
        let received = ReceivedMessages()
        let recipientFaults = FaultInjector()
        let recipient = try setup.makeRecipientSimulator(port: recipientPort, received: received, faults: recipientFaults, logger: logger)
        let simulatorGroup = ServiceGroup(configuration: .init(
            services: [.init(service: simulator), .init(service: recipient)], logger: logger))
        let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
        let once = self.once
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await simulatorGroup.run() }
            group.addTask { try await gateway.run(handleSignals: !once) { ready.yield($0) } }
            var iterator = readyStream.makeAsyncIterator()
            guard let endpoints = await iterator.next() else { return }
            let scenario = DemoScenario(setup: setup, register: register, endpoints: endpoints, config: config, gateway: gateway,
                                         received: received, recipientFaults: recipientFaults)
            let steps = await scenario.run()
            DemoScenario.printSummary(steps, endpoints: endpoints, setup: setup)
            fflush(nil)  // all streams: stdout may be a pipe or file
            if once {
                await gateway.shutdown()
                await simulatorGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                if steps.contains(where: { !$0.held }) { throw ExitCode(1) }
            } else {
                print("\nServing until Ctrl-C. The same setup runs later with: lienthong serve --config \(setup.configFile.path)")
                print("(start the upstream too: lienthong sim population --certs \(setup.certs.path) --data \(setup.citizensFile.path) --listen 127.0.0.1:\(simPort))")
                fflush(nil)  // all streams: stdout may be a pipe or file
                try await group.next()
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
