import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import LienthongAdapters
import LienthongClient
import LienthongConfig
import LienthongGateway
import LienthongPKI
import LienthongSimulators

extension Bench {
    /// `lienthong bench napas`: `napas.verify-account` through the gateway vs the adapter straight to the simulator,
    /// and the cost of one detached-JWS signature and verification, all in one run.
    struct NAPAS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "napas",
            abstract: "napas.verify-account through the gateway vs straight to the NAPAS simulator (both sign and verify JWS), plus JWS cost per call.")
        @Option(help: "Connection counts.") var connections: String = "1,16,64"
        @Option(help: "Seconds per measurement.") var seconds: Double = 5
        @Option(help: "Citizens in the synthetic register (accounts are drawn from them).") var citizens: Int = 2000

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-napas-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let setup = DemoSetup(directory: dir)
            try setup.ensurePKI()
            let register = SyntheticPopulation.generate(citizens: citizens, seed: 7)
            let accounts = AccountRegister(citizens: register, seed: 7)
            let names = Dictionary(register.compactMap { c in c.registeredPersonalId.map { ($0, c.fullName) } }, uniquingKeysWith: { a, _ in a })
            let requests = accounts.accounts.filter { $0.open && $0.type == .bankAccount }.map {
                VerifyAccountRequest(bin: $0.providerCode, accountNumber: $0.accountNumber, holderName: names[$0.holderPersonalId] ?? "", personalId: $0.holderPersonalId)
            }
            let bodies = try requests.map { try JSONEncoder().encode($0) }
            let logger = Logs.bootstrap(level: "error")
            let napasPort = Ports.anyFree()
            try setup.writeConfiguration(ports: .init(partner: 0, admin: 0, population: Ports.anyFree(), napas: napasPort))
            var config = try ConfigurationLoader.load(path: setup.configFile.path)
            config.audit.checkpointEvery = 10_000
            let gateway = try Gateway(configuration: config, logger: logger)
            let simulator = try setup.makeNAPASSimulator(port: napasPort, accounts: accounts, logger: logger)

            // JWS cost, measured here with the gateway's own key (ES256 over a typical request body).
            let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: setup.certs.appendingPathComponent("gateway-key.pem"), encoding: .utf8))
            let signer = JWSSigner(key: key, keyID: "bench")
            let verifier = JWSVerifier(keys: ["bench": key.publicKey])
            let sample = Array(bodies.first ?? Data("{}".utf8))
            let rounds = 2000
            var signature = ""
            let s0 = ContinuousClock.now
            for _ in 0..<rounds { signature = signer.sign(sample) }
            let signMicros = (ContinuousClock.now - s0).milliseconds * 1000 / Double(rounds)
            let v0 = ContinuousClock.now
            for _ in 0..<rounds { _ = try verifier.verify(signature, body: sample) }
            let verifyMicros = (ContinuousClock.now - v0).milliseconds * 1000 / Double(rounds)

            let counts = connections.split(separator: ",").compactMap { Int($0) }
            let seconds = self.seconds
            let upstream = try required(config.upstreams["napas"])
            let (readyStream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                group.addTask { try await gateway.run { ready.yield($0) } }
                var iterator = readyStream.makeAsyncIterator()
                guard let endpoints = await iterator.next() else { return }
                print("lienthong bench napas: napas.verify-account, \(requests.count) open accounts, \(seconds)s per run, mTLS keep-alive")
                print(String(format: "JWS ES256 per call: sign %.0f µs, verify %.0f µs (each call: the caller signs and verifies once, the switch too)",
                             signMicros, verifyMicros))
                print("conns | direct req/s  p50 ms  p99 ms | gateway req/s  p50 ms  p99 ms | ratio gw/direct")
                for n in counts {
                    let labour = try PartnerClient(
                        baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
                        certificateFile: setup.certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gov.labour.dongnai-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: n)
                    let direct = try PartnerClient(
                        baseURL: upstream.url,
                        certificateFile: setup.certs.appendingPathComponent("gateway.pem").path,
                        keyFile: setup.certs.appendingPathComponent("gateway-key.pem").path,
                        caFile: setup.certs.appendingPathComponent("ca.pem").path, maxConnections: n)
                    let keys = try NAPASSimulator.ExampleKeys(directory: setup.certs)
                    let gatewayCertificate = try TLSProfile.loadCertificates(file: setup.certs.appendingPathComponent("gateway.pem").path)[0]
                    let adapter = NAPASAdapter(
                        endpoint: upstream.url, httpClient: direct.http, timeout: .seconds(10),
                        signer: JWSSigner(key: key, keyID: try CertificatePin.pin(ofCertificateDER: try gatewayCertificate.toDERBytes())),
                        verifier: JWSVerifier(keys: [keys.signer.keyID: keys.signer.publicKey]), assigner: "gov.police.dongnai")
                    await Bench.compare(connections: n, seconds: seconds, direct: { i in
                        (try? await adapter.verifyAccount(requests[i % requests.count], requestID: "bench"))?.status == .verified
                    }, gateway: { i in
                        (try? await labour.call(service: "napas.verify-account", body: bodies[i % bodies.count],
                                                user: "bench", purpose: "asxh.verify-account").status) == 200
                    })
                    try await labour.shutdown()
                    try await direct.shutdown()
                }
                group.cancelAll()
            }
        }

        private func required<T>(_ value: T?) throws -> T {
            guard let value else { throw ValidationError("the demo configuration has no NAPAS upstream") }
            return value
        }
    }
}
