import Foundation
import Hummingbird
import LienthongPKI
import LienthongSimulators
import Logging

/// Writes the demo's folder: example PKI, synthetic citizens, and a configuration that `serve` can use.
struct DemoSetup {
    let directory: URL
    var certs: URL { directory.appendingPathComponent("certs") }
    var data: URL { directory.appendingPathComponent("data") }
    var configFile: URL { directory.appendingPathComponent("lienthong.toml") }
    var citizensFile: URL { data.appendingPathComponent("citizens.jsonl") }

    /// Member ids and the grants the demo gives them.
    static let grants: [String: [(service: String, purposes: [String])]] = [
        "gov.labour.dongnai": [
            ("population.verify-citizen", ["asxh.verify-beneficiary"]),
            ("population.lookup-citizen", ["asxh.verify-beneficiary", "labor.analysis"]),
            ("population.request-personal-id", ["asxh.verify-beneficiary"]),
            ("directory.banks", []),
        ],
        "gov.police.dongnai": [
            ("population.verify-citizen", ["asxh.verify-beneficiary"]),
            ("population.lookup-citizen", ["asxh.verify-beneficiary"]),
        ],
        "gov.commune.26041": [("directory.banks", [])],
        "gov.commune.26044": [("directory.banks", [])],
        "bank.970436": [("directory.banks", [])],
        "bank.970418": [("directory.banks", [])],
    ]

    /// Creates the PKI when absent (keeps an existing one, so pins stay valid across runs).
    func ensurePKI() throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: certs.appendingPathComponent("ca.pem").path) {
            try ExamplePKI.create(at: certs, members: ExamplePKI.defaultMembers)
        }
        try fm.createDirectory(at: data, withIntermediateDirectories: true)
    }

    /// Pins by member from `certs/pins.txt`.
    func pins() throws -> [(member: String, pin: String)] {
        let text = try String(contentsOf: certs.appendingPathComponent("pins.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    /// The population simulator on `port`, serving `register` with this folder's server certificate.
    func makePopulationSimulator(port: Int, register: [SyntheticCitizen], logger: Logger) throws -> some ApplicationProtocol {
        let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
        return PopulationSimulator.makeApplication(
            host: "127.0.0.1", port: port,
            tls: serverTLS,
            citizens: register, faults: FaultInjector(), logger: logger, onServerRunning: { _ in })
    }

    /// The push recipient simulator (bank.970436's endpoint) on `port`.
    func makeRecipientSimulator(port: Int, received: ReceivedMessages, faults: FaultInjector, logger: Logger) throws -> some ApplicationProtocol {
        let serverTLS = try ExamplePKI.serverTLSConfiguration(directory: certs)
        return RecipientSimulator.makeApplication(
            host: "127.0.0.1", port: port,
            tls: serverTLS,
            received: received, faults: faults, logger: logger, onServerRunning: { _ in })
    }

    /// Writes `lienthong.toml` for the given ports.
    func writeConfiguration(partnerPort: Int, adminPort: Int, populationPort: Int, recipientPort: Int = 9444) throws {
        var toml = """
        # Lienthong demo configuration, written by `lienthong demo`. Paths are relative to this file.
        # Serve it with: lienthong serve --config \(configFile.path)
        purposes = ["asxh.verify-beneficiary", "asxh.verify-account", "labor.analysis"]

        [gateway]
        operator = "gov.police.dongnai"
        data_dir = "data"
        log_level = "info"

        [partner]
        listen = "127.0.0.1:\(partnerPort)"
        certificate = "certs/server.pem"
        private_key = "certs/server-key.pem"
        trust_anchors = ["certs/ca.pem"]
        crl_files = ["certs/crl.pem"]
        crl_reload_seconds = 1
        max_body_bytes = 1048576

        [admin]
        listen = "127.0.0.1:\(adminPort)"

        [outbound]
        certificate = "certs/gateway.pem"
        private_key = "certs/gateway-key.pem"
        trust_anchors = ["certs/ca.pem"]
        max_connections_per_host = 64

        [audit]
        subject_key_file = "data/audit-subject.key"
        signing_key_file = "data/audit-signing-key.pem"
        checkpoint_every = 100
        checkpoint_interval_seconds = 10

        [storage]
        kind = "sqlite"
        sqlite_path = "data/lienthong.sqlite"

        [upstreams.population]
        url = "https://127.0.0.1:\(populationPort)/soap"
        timeout_ms = 3000

        [queue]                        # short delays so the demo shows recovery quickly
        lease_seconds = 5
        retry_base_ms = 200
        retry_cap_seconds = 2
        breaker_threshold = 3
        breaker_cooldown_seconds = 1
        push_timeout_ms = 3000

        """
        for (member, pin) in try pins() {
            toml += "\n[[members]]\nid = \"\(member)\"\npins = [\"\(pin)\"]\n"
            for grant in Self.grants[member] ?? [] {
                let purposes = grant.purposes.map { "\"\($0)\"" }.joined(separator: ", ")
                toml += "[[members.grants]]\nservice = \"\(grant.service)\"\npurposes = [\(purposes)]\n"
            }
            switch member {
            case "gov.labour.dongnai":
                toml += "[[members.sends]]\ntype = \"asxh.account-opening-request\"\nto = [\"bank.970436\", \"bank.970418\"]\n"
            case "bank.970436":   // push: the gateway POSTs to the bank's endpoint (here the recipient simulator)
                toml += "[members.delivery]\nmode = \"push\"\nurl = \"https://127.0.0.1:\(recipientPort)/inbox\"\nmax_concurrency = 4\n"
            case "bank.970418":   // pull: the bank leases from /v1/inbox and acknowledges
                toml += "[members.delivery]\nmode = \"pull\"\n"
            default:
                break
            }
        }
        try toml.write(to: configFile, atomically: true, encoding: .utf8)
    }
}
