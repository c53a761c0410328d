import AsyncHTTPClient
import Foundation
import LienthongAudit
import LienthongClient
import LienthongConfig
import LienthongGateway
import LienthongPKI
import LienthongQueue
import LienthongSimulators
import Logging
import NIOSSL
import X509
import XCTest

/// A real gateway and a real population simulator on 127.0.0.1 ephemeral ports, with an example PKI
/// and a set of deliberately bad client certificates, in a temporary folder.
final class GatewayHarness: @unchecked Sendable {
    // @unchecked: every stored property is set once in `start` before the harness is shared; tests only read them.
    let dir: URL
    var certs: URL { dir.appendingPathComponent("certs") }
    let faults = FaultInjector()
    let register: [SyntheticCitizen]
    var endpoints: GatewayEndpoints!
    var configuration: GatewayConfiguration!
    var gateway: Gateway!
    private var tasks: [Task<Void, any Error>] = []
    private var gatewayTask: Task<Void, any Error>?

    static let members = ["gov.labour.dongnai", "bank.970436", "bank.970418", "bank.970415", "gov.ioc.dongnai", "gov.vss.dongnai", "fin.napas"]
    /// Members added by `start(laborPartners: true)` (beyond ``members``).
    static let laborPartnerMembers = ["gov.iz.dongnai"]
    /// Faults of the social-insurance simulator.
    let vssFaults = FaultInjector()
    /// Faults of the NAPAS simulator.
    let napasFaults = FaultInjector()
    /// The social-insurance register the VSS simulator serves (from ``register``).
    private(set) var participants: ParticipantRegister!
    /// The accounts the NAPAS simulator serves (from ``register``).
    private(set) var accounts: AccountRegister!
    /// What the second push recipient (bank.970415) received.
    let receivedB = ReceivedMessages()
    /// What the push recipient (bank.970436's endpoint) received.
    let received = ReceivedMessages()
    /// Faults of the push recipient.
    let recipientFaults = FaultInjector()
    /// Bad identities written next to the members' certificates, all pinned to the labour department so that
    /// only the TLS checks (or the CRL) can refuse them.
    static let badIdentities = ["expired", "not-yet-valid", "server-eku-only", "other-ca", "self-signed", "to-revoke"]

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-gw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        register = SyntheticPopulation.generate(citizens: 300, seed: 11)
    }

    /// Starts simulator (unless `upstream` is false: then the upstream port has nothing listening) and gateway.
    ///
    /// `napasQuirks` start the NAPAS simulator in a deliberately non-conforming mode (e.g. `.badSignature`).
    /// `labor` adds a `[labor]` section (the labour department's identity, database `data/labor.sqlite`);
    /// `laborPartners` also issues a certificate to `gov.iz.dongnai` and configures it (may send
    /// `labor.worker-records` to the labour department) and `gov.ioc.dongnai` (a member without grants, the IOC
    /// feed's reader); without it `gov.ioc.dongnai` holds a certificate but is no member.
    /// `consoleToken` writes it to `console-token.txt` (with a trailing newline) as `admin.console_token_file`.
    /// `partnerSettings` adds integer keys to `[partner]` (e.g. `["max_connections": 2]`); `leaseSeconds` sets
    /// `[queue] lease_seconds` (2 by default, so crash tests see leases expire quickly).
    /// `storageURL` (a `postgres://` URL) runs the gateway on PostgreSQL instead of SQLite (``sqliteAudit`` and
    /// ``auditRecords()`` then throw: read the chain with ``chainRecords()``).
    func start(
        upstream: Bool = true, timeoutMs: Int = 1500, maxBodyBytes: Int = 4096, napasQuirks: Set<NAPASSimulator.Quirk> = [],
        rateLimitPerSecond: Int = 0, registry: Bool = false, labor: Bool = false, laborPartners: Bool = false,
        consoleToken: String? = nil, partnerSettings: [String: Int] = [:], storageURL: String? = nil, leaseSeconds: Int = 2
    ) async throws {
        try ExamplePKI.create(at: certs, members: Self.members + (laborPartners ? Self.laborPartnerMembers : []))
        let ca = try CertificateAuthority(
            certificatePEM: String(contentsOf: certs.appendingPathComponent("ca.pem"), encoding: .utf8),
            privateKeyPEM: String(contentsOf: certs.appendingPathComponent("ca-key.pem"), encoding: .utf8))
        let now = Date()
        let day: TimeInterval = 86_400
        let other = try CertificateAuthority.create(commonName: "Other CA", validity: now.addingTimeInterval(-day)...now.addingTimeInterval(day * 30))
        let bad: [String: IssuedIdentity] = [
            "expired": try ca.issueClient(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(-30 * day)...now.addingTimeInterval(-day)),
            "not-yet-valid": try ca.issueClient(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(day)...now.addingTimeInterval(30 * day)),
            "server-eku-only": try ca.issueClient(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(-day)...now.addingTimeInterval(30 * day), extendedKeyUsage: [.serverAuth]),
            "other-ca": try other.issueClient(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(-day)...now.addingTimeInterval(30 * day)),
            "self-signed": try SelfSigned.client(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(-day)...now.addingTimeInterval(30 * day)),
            "to-revoke": try ca.issueClient(commonName: "gov.labour.dongnai", validity: now.addingTimeInterval(-day)...now.addingTimeInterval(30 * day)),
        ]
        for (name, identity) in bad {
            try identity.certificatePEM.write(to: certs.appendingPathComponent("\(name).pem"), atomically: true, encoding: .utf8)
            try identity.privateKeyPEM.write(to: certs.appendingPathComponent("\(name)-key.pem"), atomically: true, encoding: .utf8)
        }
        let pins = try ExamplePKI.readPins(file: certs.appendingPathComponent("pins.txt"))
        let labourPins = pins.filter { $0.member == "gov.labour.dongnai" }.map(\.pin) + Self.badIdentities.map { bad[$0]!.pin }
        let bankPin = pins.first { $0.member == "bank.970436" }!.pin

        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var simPort = 1   // nothing listens on port 1 of loopback
        if upstream {
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
            let (stream, ready) = AsyncStream<Int>.makeStream()
            let app = PopulationSimulator.makeApplication(
                host: "127.0.0.1", port: 0,
                tls: serverTLS,
                citizens: register, faults: faults, logger: logger, onServerRunning: { ready.yield($0) })
            tasks.append(Task { try await app.run() })
            var iterator = stream.makeAsyncIterator()
            simPort = await iterator.next() ?? 1
        }

        participants = ParticipantRegister(citizens: register, seed: 11)
        accounts = AccountRegister(citizens: register, seed: 11)
        var vssPort = 1
        var napasPort = 1
        if upstream {
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
            let (vssStream, vssReady) = AsyncStream<Int>.makeStream()
            let vss = VSSSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: serverTLS, register: participants, faults: vssFaults, logger: logger,
                onServerRunning: { vssReady.yield($0) })
            tasks.append(Task { try await vss.run() })
            var vssIterator = vssStream.makeAsyncIterator()
            vssPort = await vssIterator.next() ?? 1
            let keys = try NAPASSimulator.ExampleKeys(directory: certs)
            let (napasStream, napasReady) = AsyncStream<Int>.makeStream()
            let napas = NAPASSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: serverTLS, register: accounts, signer: keys.signer,
                requestVerifier: keys.requestVerifier, quirks: napasQuirks, faults: napasFaults, logger: logger,
                onServerRunning: { napasReady.yield($0) })
            tasks.append(Task { try await napas.run() })
            var napasIterator = napasStream.makeAsyncIterator()
            napasPort = await napasIterator.next() ?? 1
        }

        var recipientPort = 1
        var recipientPortB = 1
        if upstream {
            let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
            let (stream, ready) = AsyncStream<Int>.makeStream()
            let app = RecipientSimulator.makeApplication(
                host: "127.0.0.1", port: 0,
                tls: serverTLS,
                received: received, faults: recipientFaults, logger: logger, onServerRunning: { ready.yield($0) })
            tasks.append(Task { try await app.run() })
            var iterator = stream.makeAsyncIterator()
            recipientPort = await iterator.next() ?? 1
            let (streamB, readyB) = AsyncStream<Int>.makeStream()
            let appB = RecipientSimulator.makeApplication(
                host: "127.0.0.1", port: 0,
                tls: serverTLS,
                received: receivedB, faults: FaultInjector(), logger: logger, onServerRunning: { readyB.yield($0) })
            tasks.append(Task { try await appB.run() })
            var iteratorB = streamB.makeAsyncIterator()
            recipientPortB = await iteratorB.next() ?? 1
        }
        let pullBankPin = pins.first { $0.member == "bank.970418" }!.pin
        let secondBankPin = pins.first { $0.member == "bank.970415" }!.pin
        let vssPin = pins.first { $0.member == "gov.vss.dongnai" }!.pin
        let quoted = { (list: [String]) in list.map { "\"\($0)\"" }.joined(separator: ", ") }
        let toml = """
        purposes = ["asxh.verify-beneficiary", "asxh.verify-account", "labor.analysis"]
        [gateway]
        data_dir = "data"
        [partner]
        listen = "127.0.0.1:0"
        certificate = "certs/server.pem"
        private_key = "certs/server-key.pem"
        trust_anchors = ["certs/ca.pem"]
        crl_files = ["certs/crl.pem"]
        crl_reload_seconds = 1
        max_body_bytes = \(maxBodyBytes)
        rate_limit_per_second = \(rateLimitPerSecond)
        rate_limit_burst = \(rateLimitPerSecond * 2)
        \(partnerSettings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n"))
        [admin]
        listen = "127.0.0.1:0"
        \(consoleToken == nil ? "" : "console_token_file = \"console-token.txt\"")
        [outbound]
        certificate = "certs/gateway.pem"
        private_key = "certs/gateway-key.pem"
        trust_anchors = ["certs/ca.pem"]
        [audit]
        subject_key_file = "data/subject.key"
        signing_key_file = "data/signing.pem"
        checkpoint_every = 50
        [upstreams.population]
        url = "https://127.0.0.1:\(simPort)/soap"
        timeout_ms = \(timeoutMs)
        [upstreams.vss]
        url = "https://127.0.0.1:\(vssPort)"
        timeout_ms = \(timeoutMs)
        [upstreams.napas]
        url = "https://127.0.0.1:\(napasPort)/napas/v1/identification-verification"
        timeout_ms = \(timeoutMs)
        signing_certificates = ["certs/fin.napas.pem"]
        [[directory.banks]]
        bin = "971005"
        short_name = "ViettelMoney"
        name = "Viettel Money"
        [[directory.banks]]
        bin = "971011"
        short_name = "VNPTMoney"
        name = "VNPT Money"
        [[members]]
        id = "gov.labour.dongnai"
        pins = [\(quoted(labourPins))]
        [[members.grants]]
        service = "population.verify-citizen"
        purposes = ["asxh.verify-beneficiary", "labor.analysis"]
        [[members.grants]]
        service = "population.lookup-citizen"
        purposes = ["asxh.verify-beneficiary", "labor.analysis"]
        [[members.grants]]
        service = "directory.banks"
        [[members.grants]]
        service = "vss.lookup-participant"
        purposes = ["labor.analysis"]
        [[members.grants]]
        service = "napas.verify-account"
        purposes = ["asxh.verify-account"]
        [[members.sends]]
        type = "asxh.account-opening-request"
        to = ["bank.970436", "bank.970418", "bank.970415"]
        [members.delivery]
        mode = "pull"
        [[members]]
        id = "gov.vss.dongnai"
        pins = ["\(vssPin)"]
        [[members.sends]]
        type = "vss.participant-sync"
        to = ["gov.labour.dongnai"]
        [[members]]
        id = "bank.970436"
        pins = ["\(bankPin)"]
        [[members.grants]]
        service = "directory.banks"
        [[members.sends]]
        type = "asxh.account-opening-result"
        to = ["gov.labour.dongnai"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:\(recipientPort)/inbox"
        max_concurrency = 4
        [[members]]
        id = "bank.970415"
        pins = ["\(secondBankPin)"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:\(recipientPortB)/inbox"
        [[members]]
        id = "bank.970418"
        pins = ["\(pullBankPin)"]
        [[members.sends]]
        type = "asxh.account-opening-result"
        to = ["gov.labour.dongnai"]
        [members.delivery]
        mode = "pull"
        [queue]
        lease_seconds = \(leaseSeconds)
        retry_base_ms = 100
        retry_cap_seconds = 1
        breaker_threshold = 3
        breaker_cooldown_seconds = 1
        push_timeout_ms = 2000
        max_attempts = 60
        """ + (registry ? """

        [registry]
        certificate = "certs/gov.labour.dongnai.pem"
        private_key = "certs/gov.labour.dongnai-key.pem"
        """ : "") + (labor ? """

        [labor]
        certificate = "certs/gov.labour.dongnai.pem"
        private_key = "certs/gov.labour.dongnai-key.pem"
        """ : "") + (laborPartners ? """

        [[members]]
        id = "gov.iz.dongnai"
        pins = [\(quoted(pins.filter { $0.member == "gov.iz.dongnai" }.map(\.pin)))]
        [[members.sends]]
        type = "labor.worker-records"
        to = ["gov.labour.dongnai"]
        [[members]]
        id = "gov.ioc.dongnai"
        pins = [\(quoted(pins.filter { $0.member == "gov.ioc.dongnai" }.map(\.pin)))]
        """ : "")
        if let consoleToken {
            try (consoleToken + "\n").write(to: dir.appendingPathComponent("console-token.txt"), atomically: true, encoding: .utf8)
        }
        let configFile = dir.appendingPathComponent("lienthong.toml")
        try toml.write(to: configFile, atomically: true, encoding: .utf8)
        configuration = try ConfigurationLoader.load(
            path: configFile.path, environment: storageURL.map { ["LIENTHONG_STORAGE_URL": $0] } ?? [:])
        gateway = try await Gateway.open(configuration: configuration, logger: logger)
        let (stream, ready) = AsyncStream<GatewayEndpoints>.makeStream()
        let gateway = self.gateway!
        gatewayTask = Task { try await gateway.run { ready.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        endpoints = await iterator.next()!
    }

    /// A client presenting `name`'s certificate (a member id or one of ``badIdentities``).
    func client(_ name: String, tweak: (inout TLSConfiguration) -> Void = { _ in }) throws -> PartnerClient {
        try PartnerClient(
            baseURL: "https://127.0.0.1:\(endpoints.partnerPort)",
            certificateFile: certs.appendingPathComponent("\(name).pem").path,
            keyFile: certs.appendingPathComponent("\(name)-key.pem").path,
            caFile: certs.appendingPathComponent("ca.pem").path, tlsTweak: tweak)
    }

    /// The SQLite audit store the gateway runs on (the harness configures the embedded storage).
    var sqliteAudit: SQLiteAuditStore { get throws { try XCTUnwrap(gateway.storage.sqlite) } }
    /// The SQLite queue store the gateway runs on.
    var sqliteQueue: SQLiteQueueStore { get throws { try XCTUnwrap(gateway.queue as? SQLiteQueueStore) } }

    /// Audit records so far (SQLite storage).
    func auditRecords() throws -> [AuditRecord] { try sqliteAudit.records(from: 1, limit: 1_000_000) }

    /// Audit records so far, whatever the storage (the only way on PostgreSQL).
    func chainRecords() async throws -> [AuditRecord] { try await gateway.auditLog.records(from: 1, limit: 1_000_000) }

    /// Polls the audit log until `predicate` holds for some record (handshake records land asynchronously).
    func waitForAudit(_ predicate: (AuditRecord) -> Bool, timeout: Duration = .seconds(5)) async throws -> AuditRecord? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = try auditRecords().first(where: predicate) { return hit }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// A plain-HTTP GET on the admin listener.
    func admin(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(endpoints.adminPort)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Shuts the gateway down gracefully and waits until it has stopped.
    func stopGateway() async {
        guard let gatewayTask else { return }
        await gateway.shutdown()
        _ = await gatewayTask.result
        self.gatewayTask = nil
    }

    func stop() async {
        if let gatewayTask { await gateway.shutdown(); _ = await gatewayTask.result }
        for task in tasks.reversed() { task.cancel() }
        for task in tasks { _ = await task.result }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// The `lienthong` executable of the same build as the tests (it sits next to the test bundle); skips the test when
/// it has not been built.
/// Polls `condition` every 50 ms until it holds or `timeout` passes, and says whether it held: how the gateway tests
/// wait for what the gateway does in the background (a push, a lease, a state change, an audit record).
func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

func lienthongExecutable() throws -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let bundle = Bundle(for: CrashRecoveryTests.self).bundleURL
    let candidates = [runner, bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("lienthong") }
    guard let candidate = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw XCTSkip("the lienthong executable is not built next to the tests (\(candidates[0].path)); run `swift build` first")
    }
    return candidate
}

/// Skips unless `LIENTHONG_SECURITY_SUITES=1` (`what` names the suite and what it starts); returns the scripts'
/// environment with `LIENTHONG_BIN` set to the `lienthong` built next to the tests, unless it is set already (the
/// scripts never build from inside `swift test`).
func securitySuitesEnvironment(_ what: String) throws -> [String: String] {
    guard ProcessInfo.processInfo.environment["LIENTHONG_SECURITY_SUITES"] == "1" else {
        throw XCTSkip("\(what) runs with LIENTHONG_SECURITY_SUITES=1")
    }
    if ProcessInfo.processInfo.environment["LIENTHONG_BIN"] != nil { return [:] }
    return ["LIENTHONG_BIN": try lienthongExecutable().path]
}

/// Runs a process to its end in `directory` (the current one when nil), with `environment` added to this process's;
/// its output goes through temporary files, so a chatty child never blocks on a full pipe.
func runProcess(
    _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("stdout"), errors = folder.appendingPathComponent("stderr")
    try Data().write(to: output)
    try Data().write(to: errors)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardInput = FileHandle.nullDevice
    let out = try FileHandle(forWritingTo: output), err = try FileHandle(forWritingTo: errors)
    defer { try? out.close(); try? err.close() }
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus,
            String(decoding: try Data(contentsOf: output), as: UTF8.self),
            String(decoding: try Data(contentsOf: errors), as: UTF8.self))
}

/// A fresh database on the throw-away PostgreSQL server named by `LIENTHONG_TEST_POSTGRES` (created with psql;
/// ``drop()`` removes it, closing connections left behind); the test is skipped, saying why, without a server.
struct ThrowawayDatabase {
    /// The server URL (its maintenance database).
    let server: String
    /// The URL of the fresh database.
    let url: String
    /// Its name.
    let name: String

    /// Creates `<prefix>_<random>`.
    init(prefix: String) throws {
        guard let server = ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"], !server.isEmpty else {
            throw XCTSkip("set LIENTHONG_TEST_POSTGRES (scripts/pg-test-server.sh start)")
        }
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let created = try runProcess("/usr/bin/env", ["psql", server, "-qc", "CREATE DATABASE \(name)"])
        guard created.status == 0 else { throw XCTSkip("psql could not create a database: \(created.stderr)") }
        self.server = server
        self.name = name
        url = server.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression)
    }

    /// The first column of the first row `sql` answers, as psql prints it (`-tA`).
    func value(_ sql: String) throws -> String {
        try runProcess("/usr/bin/env", ["psql", url, "-tAc", sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Drops the database.
    func drop() {
        _ = try? runProcess("/usr/bin/env", ["psql", server, "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }
}

