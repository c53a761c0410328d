import ArgumentParser
import Foundation
import LienthongAdapters
import LienthongClient
import LienthongConfig
import LienthongGateway
import LienthongRegistryService
import LienthongRegistryStore
import LienthongSimulators
import Logging

extension Bench {
    /// `lienthong bench registry`: a generated list end to end (import → checks → verify through the gateway →
    /// report) against the population simulator, with the same verifications made straight against the simulator as
    /// the baseline, and the process's peak memory.
    struct Registry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "registry",
            abstract: "A beneficiary list end to end (import, checks, verify through the gateway, report) vs direct verification calls; rows/s and peak memory.")
        @Option(help: "Rows in the generated list.") var rows: Int = 100_000
        @Option(help: "Verification calls in flight.") var concurrency: Int = 16

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-registry-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let setup = DemoSetup(directory: dir)
            try setup.ensurePKI()
            let logger = Logs.bootstrap(level: "error")
            let people = SyntheticPopulation.generate(citizens: Int(Double(rows) * 1.35) + 100, seed: 9)
            let accounts = AccountRegister(citizens: people, seed: 9)
            let list = BeneficiaryListGenerator(citizens: people, accounts: accounts, seed: 9).make(rows: rows)
            let file = dir.appendingPathComponent("list.csv")
            try list.write(csv: file)
            let populationPort = Ports.anyFree()
            try setup.writeConfiguration(ports: .init(partner: 0, admin: 0, population: populationPort))
            var config = try ConfigurationLoader.load(path: setup.configFile.path)
            config.audit.checkpointEvery = 100_000
            config.registry = nil
            let gateway = try Gateway(configuration: config, logger: logger)
            let simulator = try setup.makePopulationSimulator(port: populationPort, register: people, logger: logger)
            let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
            let concurrency = self.concurrency
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                group.addTask { try await gateway.run { ready.yield($0) } }
                var iterator = readyStream.makeAsyncIterator()
                guard let endpoints = await iterator.next() else { return }
                print("lienthong bench registry: \(list.rows.count) rows (CSV), \(concurrency) calls in flight")

                let store = try RegistryStore(path: dir.appendingPathComponent("registry.sqlite").path, defaultBankBIN: "970418")
                let t0 = ContinuousClock.now
                let batch = try store.importList(url: file, name: "list.csv", importedBy: "bench", referenceDate: SyntheticPopulation.referenceDate)
                let imported = ContinuousClock.now
                let labour = try PartnerClient(
                    baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
                    certificateFile: setup.certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                    keyFile: setup.certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                    caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: concurrency)
                let runs = RegistryRuns(store: store, gateway: RegistryGateway(client: labour, user: "bench"), logger: logger)
                let progress = try await runs.verify(batch: batch.id, concurrency: concurrency)
                let verified = ContinuousClock.now
                let reports = dir.appendingPathComponent("reports")
                try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
                _ = try store.writeDiscrepancyReport(batch: batch.id, to: reports)
                let done = ContinuousClock.now
                let total = (done - t0).milliseconds / 1000

                // Baseline: the same number of verifications straight at the simulator with the adapter (no gateway,
                // no registry, no import), at the same concurrency.
                let direct = try PartnerClient(
                    baseURL: "https://127.0.0.1:\(populationPort)",
                    certificateFile: setup.certs.appendingPathComponent("gateway.pem").path,
                    keyFile: setup.certs.appendingPathComponent("gateway-key.pem").path,
                    caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: concurrency)
                let adapter = PopulationAdapter(endpoint: "https://127.0.0.1:\(populationPort)/soap", httpClient: direct.http, timeout: .seconds(10))
                let requests = people.filter { $0.personalId != nil }.prefix(progress.total).map {
                    VerifyCitizenRequest(personalId: $0.personalId!, fullName: $0.fullName, dateOfBirth: $0.dateOfBirth)
                }
                let b0 = ContinuousClock.now
                await withTaskGroup(of: Void.self) { calls in
                    var next = 0
                    for _ in 0..<concurrency {
                        let start = next
                        next += 1
                        calls.addTask {
                            var i = start
                            while i < requests.count {
                                _ = try? await adapter.verifyCitizen(requests[i], requestID: "bench")
                                i += concurrency
                            }
                        }
                    }
                }
                let baseline = Double(requests.count) / ((ContinuousClock.now - b0).milliseconds / 1000)
                let endToEnd = Double(list.rows.count) / total
                print(String(format: "import + checks: %.0f rows/s (%d rows, %d to verify, %d returned)",
                             Double(list.rows.count) / ((imported - t0).milliseconds / 1000), batch.counts.total,
                             batch.counts.toVerify, batch.counts.returnedToCommune))
                print(String(format: "verify through the gateway: %.0f rows/s (%d verified)", Double(progress.done) / ((verified - imported).milliseconds / 1000), progress.done))
                print(String(format: "end to end (import, checks, verify, discrepancy report): %.0f rows/s in %.1f s", endToEnd, total))
                print(String(format: "baseline, the adapter straight at the simulator: %.0f verifications/s; ratio end-to-end/baseline %.2f", baseline, endToEnd / baseline))
                print("peak memory (VmHWM): \(Bench.peakMemory())")
                try await labour.shutdown()
                try await direct.shutdown()
                group.cancelAll()
            }
        }
    }

    /// The process's peak resident set size from /proc/self/status.
    static func peakMemory() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "unknown" }
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}
