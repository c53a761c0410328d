import Foundation
import Hummingbird
import LienthongAdapters
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
            ("population.verify-citizen", ["asxh.verify-beneficiary", "labor.analysis"]),
            ("population.lookup-citizen", ["asxh.verify-beneficiary", "labor.analysis"]),
            ("population.request-personal-id", ["asxh.verify-beneficiary"]),
            ("vss.lookup-participant", ["asxh.verify-beneficiary", "labor.analysis"]),
            ("napas.verify-account", ["asxh.verify-account"]),
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

    /// The social-insurance simulator on `port`.
    func makeVSSSimulator(port: Int, participants: ParticipantRegister, logger: Logger) throws -> some ApplicationProtocol {
        VSSSimulator.makeApplication(
            host: "127.0.0.1", port: port, tls: try ExamplePKI.serverTLSConfiguration(directory: certs),
            register: participants, faults: FaultInjector(), logger: logger, onServerRunning: { _ in })
    }

    /// The NAPAS simulator on `port` (signs with `fin.napas-key.pem`, accepts requests signed with the gateway's key).
    func makeNAPASSimulator(port: Int, accounts: AccountRegister, logger: Logger) throws -> some ApplicationProtocol {
        let keys = try NAPASSimulator.ExampleKeys(directory: certs)
        return NAPASSimulator.makeApplication(
            host: "127.0.0.1", port: port, tls: try ExamplePKI.serverTLSConfiguration(directory: certs),
            register: accounts, signer: keys.signer, requestVerifier: keys.requestVerifier, faults: FaultInjector(),
            logger: logger, onServerRunning: { _ in })
    }

    /// The desk of a simulated bank that sends its results to the gateway on `partnerPort`. No KYC failures drawn
    /// at random, so the demo's outcome is the rules' (minors without an authorised person are rejected).
    func makeBankDesk(bin: String, partnerPort: Int, logger: Logger) throws -> BankDesk {
        var configuration = try BankSimulator.Configuration.examplePKI(
            bin: bin, gatewayURL: "https://127.0.0.1:\(partnerPort)", certificateDirectory: certs.path)
        configuration.kycFailureShare = 0
        configuration.decisionDelay = .milliseconds(100)
        configuration.cardDeliveryDelay = .milliseconds(100)
        return BankDesk(configuration: configuration, logger: logger)
    }

    /// The push endpoint of bank.970436 on `port`.
    func makeBankSimulator(port: Int, desk: BankDesk, faults: FaultInjector, logger: Logger) throws -> some ApplicationProtocol {
        BankSimulator.makeApplication(
            host: "127.0.0.1", port: port, tls: try ExamplePKI.serverTLSConfiguration(directory: certs),
            bank: desk, faults: faults, logger: logger, onServerRunning: { _ in })
    }

    /// A plain push recipient answering where bank.970436's endpoint is configured (the queue benchmark's
    /// recipient: records deliveries, sends no results).
    func makeRecipientSimulator(port: Int, received: ReceivedMessages, faults: FaultInjector, logger: Logger) throws -> some ApplicationProtocol {
        RecipientSimulator.makeApplication(
            host: "127.0.0.1", port: port, tls: try ExamplePKI.serverTLSConfiguration(directory: certs),
            received: received, faults: faults, logger: logger, path: BankSimulator.pushPath, onServerRunning: { _ in })
    }

    /// The ports of everything the demo runs.
    struct DemoPorts {
        var partner: Int
        var admin: Int
        var population: Int
        var vss: Int = 1
        var napas: Int = 1
        var bank: Int = 1
    }

    /// Writes `lienthong.toml` for the given ports.
    func writeConfiguration(ports: DemoPorts) throws {
        let partnerPort = ports.partner, adminPort = ports.admin, populationPort = ports.population
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

        [storage]                       # LIENTHONG_STORAGE_URL=postgres://... moves audit, queue and ledger to PostgreSQL
        sqlite_path = "data/lienthong.sqlite"

        [upstreams.population]
        url = "https://127.0.0.1:\(populationPort)/soap"
        timeout_ms = 3000

        [upstreams.vss]
        url = "https://127.0.0.1:\(ports.vss)"
        timeout_ms = 3000

        [upstreams.napas]
        url = "https://127.0.0.1:\(ports.napas)\(NAPASMessages.path)"
        timeout_ms = 3000
        signing_certificates = ["certs/fin.napas.pem"]

        [registry]                      # /v1/asxh on the partner listener (the CLI `lienthong asxh` uses the same database)
        database = "data/registry.sqlite"
        default_bank = "970418"
        member = "gov.labour.dongnai"
        certificate = "certs/gov.labour.dongnai.pem"
        private_key = "certs/gov.labour.dongnai-key.pem"

        [labor]                         # /v1/labor on the partner listener (the CLI `lienthong labor` uses the same database)
        database = "data/labor.sqlite"
        member = "gov.labour.dongnai"
        certificate = "certs/gov.labour.dongnai.pem"
        private_key = "certs/gov.labour.dongnai-key.pem"
        ioc_member = "gov.ioc.dongnai"
        age_bands = [15, 25, 35, 45, 55, 65]
        suppression_threshold = 5

        [[directory.banks]]             # the simulator's e-wallet and mobile-money providers
        bin = "\(AccountRegister.eWalletProvider)"
        short_name = "ViettelMoney"
        name = "Viettel Money (simulated provider code)"
        [[directory.banks]]
        bin = "\(AccountRegister.mobileMoneyProvider)"
        short_name = "VNPTMoney"
        name = "VNPT Money (simulated provider code)"

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
            case "gov.labour.dongnai":   // results and syncs wait in its inbox (pull)
                toml += "[[members.sends]]\ntype = \"asxh.account-opening-request\"\nto = [\"bank.970436\", \"bank.970418\"]\n"
                toml += "[members.delivery]\nmode = \"pull\"\n"
            case "gov.vss.dongnai":
                toml += "[[members.sends]]\ntype = \"vss.participant-sync\"\nto = [\"gov.labour.dongnai\"]\n"
            case "gov.iz.dongnai":   // the industrial-zone board reports its workers to labour
                toml += "[[members.sends]]\ntype = \"labor.worker-records\"\nto = [\"gov.labour.dongnai\"]\n"
            case "bank.970436":   // push: the gateway POSTs to the bank's endpoint (the bank simulator)
                toml += "[[members.sends]]\ntype = \"asxh.account-opening-result\"\nto = [\"gov.labour.dongnai\"]\n"
                toml += "[members.delivery]\nmode = \"push\"\nurl = \"https://127.0.0.1:\(ports.bank)\(BankSimulator.pushPath)\"\nmax_concurrency = 4\n"
            case "bank.970418":   // pull: the bank leases from /v1/inbox and acknowledges
                toml += "[[members.sends]]\ntype = \"asxh.account-opening-result\"\nto = [\"gov.labour.dongnai\"]\n"
                toml += "[members.delivery]\nmode = \"pull\"\n"
            default:
                break
            }
        }
        try toml.write(to: configFile, atomically: true, encoding: .utf8)
    }
}
