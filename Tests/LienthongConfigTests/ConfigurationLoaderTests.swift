import Foundation
import LienthongConfig
import LienthongCore
import XCTest

final class ConfigurationLoaderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for file in ["server.pem", "server-key.pem", "ca.pem", "gateway.pem", "gateway-key.pem", "crl.pem"] {
            try Data("x".utf8).write(to: dir.appendingPathComponent(file))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let pin = "sha256/" + Data(repeating: 7, count: 32).base64EncodedString()

    var minimal: String {
        """
        [partner]
        certificate = "server.pem"
        private_key = "server-key.pem"
        trust_anchors = ["ca.pem"]
        [outbound]
        certificate = "gateway.pem"
        private_key = "gateway-key.pem"
        trust_anchors = ["ca.pem"]
        [audit]
        subject_key_file = "data/subject.key"
        signing_key_file = "data/signing.pem"
        [[members]]
        id = "gov.labour.dongnai"
        pins = ["\(pin)"]
        [[members.grants]]
        service = "population.verify-citizen"
        purposes = ["asxh.verify-beneficiary"]
        """
    }

    func load(_ text: String, env: [String: String] = [:]) throws(ConfigurationError) -> GatewayConfiguration {
        try ConfigurationLoader.parse(text: text, file: "test.toml", baseDirectory: dir.path, environment: env)
    }

    func testMinimalFileGetsTheSpecDefaultsAndAbsolutePaths() throws {
        let config = try load(minimal)
        XCTAssertEqual(config.partner.listen, HostPort(host: "0.0.0.0", port: 8443))
        XCTAssertEqual(config.admin.listen, HostPort(host: "127.0.0.1", port: 9090))
        XCTAssertTrue(config.admin.listen.isLoopback)
        XCTAssertEqual(config.partner.certificateFile, dir.appendingPathComponent("server.pem").path)
        XCTAssertEqual(config.partner.maxBodyBytes, 1 << 20)
        XCTAssertEqual(config.members.first?.id.value, "gov.labour.dongnai")
        XCTAssertEqual(config.members.first?.grants.first?.purposes, ["asxh.verify-beneficiary"])
        XCTAssertEqual(config.storage.sqlitePath, dir.appendingPathComponent("data/lienthong.sqlite").path)
    }

    func testStorageURLSelectsTheBackend() throws {
        let embedded = try load(minimal)
        XCTAssertEqual(embedded.storage.kind, .sqlite)
        XCTAssertNil(embedded.storage.postgresURL)

        let postgres = try load(minimal + "\n[storage]\nurl = \"postgres://lienthong@db.example:5432/lienthong\"\nmax_connections = 8\n")
        XCTAssertEqual(postgres.storage.kind, .postgres)
        XCTAssertEqual(postgres.storage.postgresURL, "postgres://lienthong@db.example:5432/lienthong")
        XCTAssertEqual(postgres.storage.postgresMaxConnections, 8)

        // The password from a file goes into the URL (percent-encoded), never into the file itself.
        try Data("s3cret/with:chars\n".utf8).write(to: dir.appendingPathComponent("db-password"))
        let withSecret = try load(minimal + "\n[storage]\nurl = \"postgresql://lienthong@db.example/lienthong\"\npassword_file = \"db-password\"\n")
        XCTAssertEqual(withSecret.storage.postgresURL, "postgresql://lienthong:s3cret%2Fwith%3Achars@db.example/lienthong")

        let overridden = try load(minimal, env: ["LIENTHONG_STORAGE_URL": "postgres://gw@127.0.0.1:5433/x"])
        XCTAssertEqual(overridden.storage.kind, .postgres)
        XCTAssertEqual(overridden.storage.postgresURL, "postgres://gw@127.0.0.1:5433/x")

        let file = try load(minimal + "\n[storage]\nurl = \"sqlite:state/gw.sqlite\"\nkind = \"sqlite\"\n")
        XCTAssertEqual(file.storage.kind, .sqlite)
        XCTAssertEqual(file.storage.sqlitePath, dir.appendingPathComponent("state/gw.sqlite").path)
    }

    func testStorageProblemsAreNamed() {
        for (table, key, words) in [
            ("url = \"mysql://x/y\"", "storage.url", "must start with postgres://"),
            ("url = \"postgres://u@h/d\"\nkind = \"sqlite\"", "storage.kind", "storage.url selects postgres"),
            ("kind = \"oracle\"", "storage.kind", "must be \"sqlite\" or \"postgres\""),
            ("url = \"postgres://u@h/d\"\npassword_file = \"missing\"", "storage.password_file", ""),
            ("max_connections = 0", "storage.max_connections", ""),
        ] {
            XCTAssertThrowsError(try load(minimal + "\n[storage]\n" + table + "\n"), table) { error in
                let problems = (error as? ConfigurationError)?.problems ?? []
                XCTAssertTrue(problems.contains { $0.key == key && (words.isEmpty || $0.message.contains(words)) }, "\(table): \(problems)")
            }
        }
    }

    func testEnvironmentOverridesListeners() throws {
        let config = try load(minimal, env: ["LIENTHONG_PARTNER_LISTEN": "127.0.0.1:18443", "LIENTHONG_ADMIN_LISTEN": "127.0.0.1:19090"])
        XCTAssertEqual(config.partner.listen.port, 18443)
        XCTAssertEqual(config.admin.listen.port, 19090)
    }

    func testEveryProblemIsReportedWithItsKey() {
        let text = minimal.replacingOccurrences(of: "[partner]", with: """
        [partner]
        listen = "nowhere"
        max_body_bytes = "big"
        colour = "blue"
        """) + """

        [[members]]
        id = "Bank 970436"
        [[members]]
        id = "bank.970436"
        pins = ["sha256/short", "\(pin)"]
        [[members.grants]]
        service = "population.teleport"
        [[members.grants]]
        service = "population.lookup-citizen"
        purposes = ["curiosity"]
        [upstreams.population]
        url = "http://insecure"
        """
        XCTAssertThrowsError(try load(text)) { error in
            let keys = Set((error as! ConfigurationError).problems.map(\.key))
            for key in [
                "partner.listen", "partner.max_body_bytes", "partner.colour", "members[1].id", "members[2].pins[0]",
                "members[2].pins[1]", "members[2].grants[0].service", "members[2].grants[1].purposes[0]", "upstreams.population.url",
            ] {
                XCTAssertTrue(keys.contains(key), "missing problem for \(key); got \(keys.sorted())")
            }
        }
    }

    func testMissingFilesAndRequiredKeysAreNamed() {
        let text = minimal.replacingOccurrences(of: "\"server.pem\"", with: "\"absent.pem\"")
            .replacingOccurrences(of: "private_key = \"gateway-key.pem\"\n", with: "")
        XCTAssertThrowsError(try load(text)) { error in
            let problems = (error as! ConfigurationError).problems
            XCTAssertTrue(problems.contains { $0.key == "partner.certificate" && $0.message.contains("absent.pem") })
            XCTAssertTrue(problems.contains { $0.key == "outbound.private_key" && $0.message == "is required" })
        }
    }

    func testSyntaxErrorNamesTheLine() {
        XCTAssertThrowsError(try load("[partner\nlisten = 1")) { error in
            XCTAssertTrue((error as! ConfigurationError).problems[0].message.contains("line 1"))
        }
    }

    func testMessageRightsDeliveryAndQueueSettings() throws {
        let bankPin = "sha256/" + Data(repeating: 9, count: 32).base64EncodedString()
        let text = minimal + """

        [[members.sends]]
        type = "asxh.account-opening-request"
        to = ["bank.970436"]
        [[members]]
        id = "bank.970436"
        pins = ["\(bankPin)"]
        [members.delivery]
        mode = "push"
        url = "https://127.0.0.1:9444/inbox"
        max_concurrency = 2
        [queue]
        lease_seconds = 10
        max_attempts = 5
        """
        let config = try load(text)
        XCTAssertEqual(config.members[0].sends, [.init(type: "asxh.account-opening-request", to: [try MemberID("bank.970436")])])
        XCTAssertEqual(config.members[1].delivery?.mode, .push)
        XCTAssertEqual(config.members[1].delivery?.maxConcurrency, 2)
        XCTAssertEqual(config.queue.leaseSeconds, 10)
        XCTAssertEqual(config.queue.maxAttempts, 5)
        XCTAssertEqual(config.queue.retryCapSeconds, 300, "default kept")
    }

    func testMessageRightsProblemsAreNamed() {
        let text = minimal + """

        [[members.sends]]
        type = "asxh.teleport"
        to = ["bank.970436", "bank.999999"]
        [[members]]
        id = "bank.970436"
        pins = ["sha256/\(Data(repeating: 3, count: 32).base64EncodedString())"]
        [members.delivery]
        mode = "push"
        url = "http://plain"
        [queue]
        retry_base_ms = 600000
        retry_cap_seconds = 60
        """
        XCTAssertThrowsError(try load(text)) { error in
            let keys = Set((error as! ConfigurationError).problems.map(\.key))
            for key in ["members[0].sends[0].type", "members[0].sends[0].to[1]", "members[1].delivery.url", "queue.retry_base_ms"] {
                XCTAssertTrue(keys.contains(key), "missing \(key) in \(keys.sorted())")
            }
        }
    }

    func testBankDirectoryEntriesReplaceOrAddByBINAndAreChecked() throws {
        let config = try load(minimal + """

            [[directory.banks]]
            bin = "971005"
            short_name = "ViettelMoney"
            name = "Viettel Money (mobile money)"
            [[directory.banks]]
            bin = "970436"
            short_name = "VCB"
            name = "Vietcombank"
            swift = "BFTVVNVX"
            """)
        XCTAssertEqual(config.banks.bank(bin: "971005")?.shortName, "ViettelMoney")
        XCTAssertEqual(config.banks.bank(bin: "970436")?.shortName, "VCB", "an entry replaces the seed's row with its BIN")
        XCTAssertEqual(config.banks.bank(bin: "970418")?.shortName, "BIDV", "the rest of the seed stays")
        XCTAssertEqual(config.banks.banks.count, BankDirectory.seed.count + 1)

        XCTAssertThrowsError(try load(minimal + """

            [[directory.banks]]
            bin = "97100"
            short_name = "X"
            name = "X"
            [[directory.banks]]
            bin = "971011"
            name = "Y"
            colour = "red"
            """)) { error in
            let problems = Set((error as! ConfigurationError).problems.map(\.key))
            XCTAssertEqual(problems, ["directory.banks[0].bin", "directory.banks[1].short_name", "directory.banks[1].colour"])
        }
    }

    func testUpstreamsAreKnownAndNAPASNeedsItsSigningCertificates() throws {
        XCTAssertThrowsError(try load(minimal + """

            [upstreams.napas]
            url = "https://127.0.0.1:9445/napas"
            [upstreams.bank]
            url = "https://127.0.0.1:1/"
            """)) { error in
            let problems = (error as! ConfigurationError).problems
            XCTAssertTrue(problems.contains { $0.key == "upstreams.napas.signing_certificates" && $0.message.contains("at least one file") })
            XCTAssertTrue(problems.contains { $0.key == "upstreams.bank" && $0.message.contains("unknown upstream") })
        }
        let config = try load(minimal + """

            [upstreams.napas]
            url = "https://127.0.0.1:9445/napas"
            signing_certificates = ["ca.pem"]
            [upstreams.vss]
            url = "https://127.0.0.1:9446/vss"
            timeout_ms = 800
            """)
        XCTAssertEqual(config.upstreams["napas"]?.signingCertificateFiles, [dir.appendingPathComponent("ca.pem").standardizedFileURL.path])
        XCTAssertEqual(config.upstreams["vss"]?.timeoutMilliseconds, 800)
    }

    func testRateLimitsGlobalAndPerMember() throws {
        let config = try load(minimal
            .replacingOccurrences(of: "trust_anchors = [\"ca.pem\"]\n[outbound]", with: "trust_anchors = [\"ca.pem\"]\nrate_limit_per_second = 50\n[outbound]")
            .replacingOccurrences(of: "pins = [\"\(pin)\"]", with: "pins = [\"\(pin)\"]\nrate_limit_per_second = 5"))
        XCTAssertEqual(config.partner.rateLimitPerSecond, 50)
        XCTAssertEqual(config.partner.rateLimitBurst, 0, "default burst: twice the rate, decided by the gateway")
        XCTAssertEqual(config.members.first?.rateLimitPerSecond, 5)
        XCTAssertThrowsError(try load(minimal.replacingOccurrences(of: "pins = [\"\(pin)\"]", with: "pins = [\"\(pin)\"]\nrate_limit_per_second = -1"))) { error in
            XCTAssertEqual((error as? ConfigurationError)?.problems.map(\.key), ["members[0].rate_limit_per_second"])
        }
    }
}

extension ConfigurationLoaderTests {
    func testRegistrySectionDefaultsUsersAndProblems() throws {
        XCTAssertNil(try load(minimal).registry, "the registry is optional")

        let config = try load(minimal + """

        [registry]
        certificate = "gateway.pem"
        private_key = "gateway-key.pem"
        """)
        let registry = try XCTUnwrap(config.registry)
        XCTAssertEqual(registry.member.value, "gov.labour.dongnai")
        XCTAssertEqual(registry.databaseFile, dir.appendingPathComponent("data/registry.sqlite").path)
        XCTAssertEqual(registry.defaultBankBIN, "970418")
        XCTAssertEqual(registry.certificateFile, dir.appendingPathComponent("gateway.pem").path)
        XCTAssertEqual(registry.maxUploadBytes, 64 << 20)
        XCTAssertEqual(registry.users, ["gov.labour.dongnai", "gov.commune.*"])
        XCTAssertTrue(registry.allows(try MemberID("gov.labour.dongnai")))
        XCTAssertTrue(registry.allows(try MemberID("gov.commune.tan-phu")))
        XCTAssertFalse(registry.allows(try MemberID("bank.970436")))
        XCTAssertFalse(registry.allows(try MemberID("gov.communes.x")), "a prefix matches whole segments only")

        let custom = try XCTUnwrap(try load(minimal + """

        [registry]
        database = "/var/lib/registry.sqlite"
        default_bank = "970436"
        member = "gov.labour.hcm"
        certificate = "gateway.pem"
        private_key = "gateway-key.pem"
        users = ["gov.labour.hcm"]
        max_upload_bytes = 2048
        """).registry)
        XCTAssertEqual(custom.databaseFile, "/var/lib/registry.sqlite")
        XCTAssertEqual(custom.defaultBankBIN, "970436")
        XCTAssertEqual(custom.member.value, "gov.labour.hcm")
        XCTAssertEqual(custom.maxUploadBytes, 2048)
        XCTAssertFalse(custom.allows(try MemberID("gov.commune.tan-phu")))

        XCTAssertThrowsError(try load(minimal + """

        [registry]
        default_bank = "97"
        member = "Labour"
        private_key = "missing-key.pem"
        users = ["bank 1", "gov.commune.*"]
        max_upload_bytes = 10
        colour = "blue"
        """)) { error in
            let keys = Set((error as? ConfigurationError)?.problems.map(\.key) ?? [])
            XCTAssertEqual(keys, [
                "registry.default_bank", "registry.member", "registry.certificate", "registry.private_key",
                "registry.users[0]", "registry.max_upload_bytes", "registry.colour",
            ])
        }
    }
}
