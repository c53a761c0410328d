import Foundation
public import LienthongCore
import TOMLKit

/// One problem found in a configuration file, named by its key (`partner.listen`, `members[2].pins[0]`).
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path of the value at fault.
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates a problem.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// `key: message`.
    public var description: String { "\(key): \(message)" }
}

/// Every problem of a configuration file at once.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file that was read.
    public var file: String
    /// The problems, in file order.
    public var problems: [ConfigurationProblem]

    /// Creates the error.
    public init(file: String, problems: [ConfigurationProblem]) {
        self.file = file
        self.problems = problems
    }

    /// A readable multi-line report.
    public var description: String {
        (["\(file): \(problems.count) problem(s)"] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// Reads and checks the TOML configuration.
///
/// Unlike a `Decodable` pass, the loader walks the whole file and collects every problem
/// (wrong type, bad value, unknown key, missing file) before failing, so an integrator
/// fixes a file in one round.
public enum ConfigurationLoader {
    /// Loads `path`, resolving relative paths against its folder and applying `LIENTHONG_*` overrides.
    /// - Parameters:
    ///   - path: The TOML file.
    ///   - environment: Overrides (default: the process environment): `LIENTHONG_PARTNER_LISTEN`, `LIENTHONG_ADMIN_LISTEN`, `LIENTHONG_DATA_DIR`,
    ///     `LIENTHONG_LOG_LEVEL`, `LIENTHONG_UPSTREAM_<NAME>_URL`, `LIENTHONG_STORAGE_URL`.
    ///   - checkFiles: Whether to check that referenced files exist (on for `serve` and `config check`).
    public static func load(
        path: String,
        environment: [String: String]? = nil,
        checkFiles: Bool = true
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, problems: [.init(key: "(file)", message: "cannot be read")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text: text, file: path, baseDirectory: base, environment: environment, checkFiles: checkFiles)
    }

    /// Parses configuration text (see ``load(path:environment:checkFiles:)``).
    public static func parse(
        text: String,
        file: String,
        baseDirectory: String,
        environment: [String: String] = [:],
        checkFiles: Bool = true
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, problems: [
                .init(key: "(syntax)", message: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"),
            ])
        } catch {
            throw ConfigurationError(file: file, problems: [.init(key: "(syntax)", message: "not valid TOML")])
        }
        var reader = Reader(baseDirectory: baseDirectory, checkFiles: checkFiles)
        let config = reader.read(table, environment: environment)
        if !reader.problems.isEmpty { throw ConfigurationError(file: file, problems: reader.problems) }
        return config
    }
}

/// Walks a TOML table, collecting problems.
private struct Reader {
    let baseDirectory: String
    let checkFiles: Bool
    var problems: [ConfigurationProblem] = []

    func k(_ section: String, _ key: String) -> String { section.isEmpty ? key : "\(section).\(key)" }

    mutating func problem(_ key: String, _ message: String) { problems.append(.init(key: key, message: message)) }

    mutating func section(_ root: TOMLTable, _ name: String, allowed: Set<String>) -> TOMLTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.table else { problem(name, "must be a table"); return nil }
        for key in table.keys where !allowed.contains(key) { problem("\(name).\(key)", "unknown key") }
        return table
    }

    mutating func string(_ table: TOMLTable?, _ section: String, _ key: String, default value: String?) -> String {
        guard let raw = table?[key] else {
            if value == nil { problem(k(section, key), "is required") }
            return value ?? ""
        }
        guard let s = raw.string else { problem(k(section, key), "must be a string"); return value ?? "" }
        return s
    }

    mutating func int(_ table: TOMLTable?, _ section: String, _ key: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = table?[key] else { return value }
        guard let i = raw.int else { problem(k(section, key), "must be an integer"); return value }
        guard range.contains(i) else { problem(k(section, key), "must be between \(range.lowerBound) and \(range.upperBound)"); return value }
        return i
    }

    mutating func strings(_ table: TOMLTable?, _ section: String, _ key: String, default value: [String]) -> [String] {
        guard let raw = table?[key] else { return value }
        guard let array = raw.array else { problem(k(section, key), "must be an array of strings"); return value }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            if let s = element.string { out.append(s) } else { problem(k(section, key) + "[\(i)]", "must be a string") }
        }
        return out
    }

    mutating func path(_ raw: String, key: String, mustExist: Bool) -> String {
        guard !raw.isEmpty else { return raw }
        let resolved = raw.hasPrefix("/") ? raw : URL(fileURLWithPath: baseDirectory).appendingPathComponent(raw).standardizedFileURL.path
        if mustExist, checkFiles, !FileManager.default.fileExists(atPath: resolved) { problem(key, "file not found: \(raw)") }
        return resolved
    }

    mutating func hostPort(_ raw: String, key: String) -> HostPort {
        if let hp = HostPort(parsing: raw) { return hp }
        problem(key, "must be host:port")
        return HostPort(host: "127.0.0.1", port: 0)
    }

    mutating func read(_ root: TOMLTable, environment env: [String: String]) -> GatewayConfiguration {
        let known: Set<String> = ["gateway", "partner", "admin", "outbound", "audit", "storage", "upstreams", "purposes", "members", "queue", "directory", "registry", "labor"]
        for key in root.keys where !known.contains(key) { problem(key, "unknown section") }

        let g = section(root, "gateway", allowed: ["operator", "data_dir", "log_level", "instance"])
        let instance = env["LIENTHONG_INSTANCE"] ?? string(g, "gateway", "instance", default: ProcessInfo.processInfo.hostName)
        if instance.isEmpty || instance.utf8.count > 64 || instance.contains(where: { $0.isWhitespace || $0.isNewline }) {
            problem("gateway.instance", "must be 1 to 64 characters without spaces")
        }
        let operatorMember = string(g, "gateway", "operator", default: "gov.police.dongnai")
        if (try? MemberID(operatorMember)) == nil { problem("gateway.operator", "is not a member id") }
        let dataDir = path(env["LIENTHONG_DATA_DIR"] ?? string(g, "gateway", "data_dir", default: "data"), key: "gateway.data_dir", mustExist: false)
        let logLevel = env["LIENTHONG_LOG_LEVEL"] ?? string(g, "gateway", "log_level", default: "info")
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) {
            problem("gateway.log_level", "must be one of trace, debug, info, notice, warning, error, critical")
        }

        let p = section(root, "partner", allowed: [
            "listen", "certificate", "private_key", "trust_anchors", "crl_files", "crl_reload_seconds", "max_body_bytes", "idle_timeout_seconds",
            "rate_limit_per_second", "rate_limit_burst", "max_connections", "max_header_bytes", "request_head_timeout_seconds",
            "handshake_timeout_seconds",
        ])
        var partner = GatewayConfiguration.PartnerListener(
            listen: hostPort(env["LIENTHONG_PARTNER_LISTEN"] ?? string(p, "partner", "listen", default: "0.0.0.0:8443"), key: "partner.listen"),
            certificateFile: path(string(p, "partner", "certificate", default: nil), key: "partner.certificate", mustExist: true),
            privateKeyFile: path(string(p, "partner", "private_key", default: nil), key: "partner.private_key", mustExist: true),
            trustAnchorFiles: paths(strings(p, "partner", "trust_anchors", default: []), key: "partner.trust_anchors", required: true),
            crlFiles: paths(strings(p, "partner", "crl_files", default: []), key: "partner.crl_files", required: false),
            crlReloadSeconds: int(p, "partner", "crl_reload_seconds", default: 1, range: 1...3600),
            maxBodyBytes: int(p, "partner", "max_body_bytes", default: 1 << 20, range: 1024...(256 << 20)),
            idleTimeoutSeconds: int(p, "partner", "idle_timeout_seconds", default: 60, range: 1...3600)
        )
        partner.rateLimitPerSecond = Double(int(p, "partner", "rate_limit_per_second", default: 0, range: 0...1_000_000))
        partner.rateLimitBurst = Double(int(p, "partner", "rate_limit_burst", default: 0, range: 0...10_000_000))
        partner.maxConnections = int(p, "partner", "max_connections", default: partner.maxConnections, range: 1...1_000_000)
        partner.maxHeaderBytes = int(p, "partner", "max_header_bytes", default: partner.maxHeaderBytes, range: 1024...(1 << 20))
        partner.requestHeadTimeoutSeconds = int(
            p, "partner", "request_head_timeout_seconds", default: partner.requestHeadTimeoutSeconds, range: 1...3600)
        partner.handshakeTimeoutSeconds = int(
            p, "partner", "handshake_timeout_seconds", default: partner.handshakeTimeoutSeconds, range: 1...3600)

        let a = section(root, "admin", allowed: ["listen", "console_token_file"])
        var admin = GatewayConfiguration.AdminListener(
            listen: hostPort(env["LIENTHONG_ADMIN_LISTEN"] ?? string(a, "admin", "listen", default: "127.0.0.1:9090"), key: "admin.listen")
        )
        if a?["console_token_file"] != nil {
            admin.consoleTokenFile = path(string(a, "admin", "console_token_file", default: nil), key: "admin.console_token_file", mustExist: true)
        }
        if !admin.listen.isLoopback, admin.consoleTokenFile == nil {
            problem("admin.console_token_file", "is required when admin.listen is not a loopback address (the console needs an operator token)")
        }

        let o = section(root, "outbound", allowed: ["certificate", "private_key", "trust_anchors", "max_connections_per_host"])
        let outbound = GatewayConfiguration.Outbound(
            certificateFile: path(string(o, "outbound", "certificate", default: nil), key: "outbound.certificate", mustExist: true),
            privateKeyFile: path(string(o, "outbound", "private_key", default: nil), key: "outbound.private_key", mustExist: true),
            trustAnchorFiles: paths(strings(o, "outbound", "trust_anchors", default: []), key: "outbound.trust_anchors", required: true),
            maxConnectionsPerHost: int(o, "outbound", "max_connections_per_host", default: 16, range: 1...1024)
        )

        let au = section(root, "audit", allowed: ["subject_key_file", "signing_key_file", "checkpoint_every", "checkpoint_interval_seconds"])
        let audit = GatewayConfiguration.Audit(
            subjectKeyFile: path(string(au, "audit", "subject_key_file", default: nil), key: "audit.subject_key_file", mustExist: false),
            signingKeyFile: path(string(au, "audit", "signing_key_file", default: nil), key: "audit.signing_key_file", mustExist: false),
            checkpointEvery: int(au, "audit", "checkpoint_every", default: 1000, range: 1...10_000_000),
            checkpointIntervalSeconds: int(au, "audit", "checkpoint_interval_seconds", default: 60, range: 1...86_400)
        )

        let s = section(root, "storage", allowed: ["kind", "url", "password_file", "max_connections", "sqlite_path"])
        var sqlitePath = path(string(s, "storage", "sqlite_path", default: dataDir + "/lienthong.sqlite"), key: "storage.sqlite_path", mustExist: false)
        let storageURL = env["LIENTHONG_STORAGE_URL"] ?? string(s, "storage", "url", default: "")
        var storageKind = GatewayConfiguration.Storage.Kind.sqlite
        var postgresURL: String?
        if GatewayConfiguration.Storage.isPostgresURL(storageURL) {
            storageKind = .postgres
            postgresURL = storageURL
            let passwordFile = string(s, "storage", "password_file", default: "")
            if !passwordFile.isEmpty {
                let file = path(passwordFile, key: "storage.password_file", mustExist: true)
                if let secret = try? String(contentsOfFile: file, encoding: .utf8) {
                    postgresURL = Self.url(storageURL, password: secret.trimmingCharacters(in: .whitespacesAndNewlines))
                    if postgresURL == nil { problem("storage.url", "is not a URL of the form postgres://user@host[:port]/database") }
                }
            }
        } else if storageURL.hasPrefix("sqlite:") {
            sqlitePath = path(String(storageURL.dropFirst("sqlite:".count)), key: "storage.url", mustExist: false)
        } else if !storageURL.isEmpty {
            problem("storage.url", "must start with postgres://, postgresql:// or sqlite:")
        }
        let postgresMaxConnections = int(s, "storage", "max_connections", default: 20, range: 1...1000)
        // `kind`, when given, must agree with the URL (files written before `url` existed say `kind = "sqlite"`).
        let declaredKind = string(s, "storage", "kind", default: storageKind.rawValue)
        if declaredKind != storageKind.rawValue {
            problem("storage.kind", GatewayConfiguration.Storage.Kind(rawValue: declaredKind) == nil
                ? "must be \"sqlite\" or \"postgres\""
                : "is \"\(declaredKind)\" but storage.url selects \(storageKind.rawValue)")
        }

        var upstreams: [String: GatewayConfiguration.Upstream] = [:]
        if let raw = root["upstreams"] {
            if let table = raw.table {
                for name in table.keys {
                    let key = "upstreams.\(name)"
                    guard let u = table[name]?.table else { problem(key, "must be a table"); continue }
                    for k in u.keys where !["url", "timeout_ms", "signing_certificates"].contains(k) { problem("\(key).\(k)", "unknown key") }
                    guard Self.upstreamNames.contains(name) else {
                        problem(key, "unknown upstream (known: \(Self.upstreamNames.sorted().joined(separator: ", ")))")
                        continue
                    }
                    var url = string(u, key, "url", default: nil)
                    if let override = env["LIENTHONG_UPSTREAM_\(name.uppercased())_URL"] { url = override }
                    if !url.isEmpty, !url.hasPrefix("https://") { problem("\(key).url", "must be an https:// URL (outbound calls use mTLS)") }
                    var upstream = GatewayConfiguration.Upstream(url: url, timeoutMilliseconds: int(u, key, "timeout_ms", default: 5000, range: 10...600_000))
                    upstream.signingCertificateFiles = paths(
                        strings(u, key, "signing_certificates", default: []), key: "\(key).signing_certificates", required: name == "napas")
                    upstreams[name] = upstream
                }
            } else {
                problem("upstreams", "must be a table")
            }
        }

        let purposes = strings(root, "", "purposes", default: ["asxh.verify-beneficiary", "asxh.verify-account", "labor.analysis"])

        var members: [GatewayConfiguration.Member] = []
        var seenIds: Set<String> = []
        var seenPins: [String: String] = [:]
        if let raw = root["members"] {
            if let array = raw.array {
                for (i, element) in array.enumerated() {
                    let key = "members[\(i)]"
                    guard let m = element.table else { problem(key, "must be a table"); continue }
                    for k in m.keys where !["id", "name", "pins", "grants", "sends", "delivery", "rate_limit_per_second"].contains(k) { problem("\(key).\(k)", "unknown key") }
                    let idText = string(m, key, "id", default: nil)
                    guard let id = try? MemberID(idText) else {
                        if !idText.isEmpty { problem("\(key).id", "is not a member id (lowercase, dot-separated, e.g. bank.970436)") }
                        continue
                    }
                    if !seenIds.insert(id.value).inserted { problem("\(key).id", "duplicate member id") }
                    let pins = strings(m, key, "pins", default: [])
                    for (j, pin) in pins.enumerated() {
                        if !Self.isPin(pin) { problem("\(key).pins[\(j)]", "must be sha256/<base64 of 32 bytes>") }
                        if let other = seenPins.updateValue(id.value, forKey: pin), other != id.value {
                            problem("\(key).pins[\(j)]", "pin already belongs to \(other)")
                        }
                    }
                    var grants: [GatewayConfiguration.Grant] = []
                    if let g = m["grants"] {
                        if let ga = g.array {
                            for (j, ge) in ga.enumerated() {
                                let gk = "\(key).grants[\(j)]"
                                guard let gt = ge.table else { problem(gk, "must be a table"); continue }
                                for k in gt.keys where !["service", "purposes"].contains(k) { problem("\(gk).\(k)", "unknown key") }
                                let service = string(gt, gk, "service", default: nil)
                                if !service.isEmpty, !ServiceCatalog.isKnown(service) { problem("\(gk).service", "unknown service code") }
                                let gp = strings(gt, gk, "purposes", default: [])
                                for (n, purpose) in gp.enumerated() where !purposes.contains(purpose) {
                                    problem("\(gk).purposes[\(n)]", "purpose is not listed in `purposes`")
                                }
                                if ServiceCatalog.requiresPurpose(service), gp.isEmpty, ServiceCatalog.isKnown(service) {
                                    problem("\(gk).purposes", "service returns personal data: list the allowed purposes")
                                }
                                grants.append(.init(service: service, purposes: gp))
                            }
                        } else {
                            problem("\(key).grants", "must be an array of tables ([[members.grants]])")
                        }
                    }
                    var member = GatewayConfiguration.Member(id: id, name: string(m, key, "name", default: id.value), pins: pins, grants: grants)
                    member.sends = sends(m, key: key)
                    member.delivery = delivery(m, key: key)
                    if m["rate_limit_per_second"] != nil {
                        member.rateLimitPerSecond = Double(int(m, key, "rate_limit_per_second", default: 0, range: 0...1_000_000))
                    }
                    members.append(member)
                }
            } else {
                problem("members", "must be an array of tables ([[members]])")
            }
        }

        let ids = Set(members.map(\.id))
        for (i, member) in members.enumerated() {
            for (j, send) in member.sends.enumerated() {
                for (n, recipient) in send.to.enumerated() where !ids.contains(recipient) {
                    problem("members[\(i)].sends[\(j)].to[\(n)]", "\(recipient.value) is not a configured member")
                }
                for (n, recipient) in send.to.enumerated() where ids.contains(recipient) {
                    if members.first(where: { $0.id == recipient })?.delivery == nil {
                        problem("members[\(i)].sends[\(j)].to[\(n)]", "\(recipient.value) has no [members.delivery]")
                    }
                }
            }
        }

        var config = GatewayConfiguration(
            gateway: .init(operatorMember: operatorMember, dataDirectory: dataDir, logLevel: logLevel, instance: instance),
            partner: partner, admin: admin, outbound: outbound, audit: audit,
            storage: .init(kind: storageKind, sqlitePath: sqlitePath, postgresURL: postgresURL, postgresMaxConnections: postgresMaxConnections),
            upstreams: upstreams, purposes: purposes, members: members
        )
        config.queue = queue(root)
        config.banks = directory(root)
        config.registry = registry(root, dataDirectory: dataDir)
        config.labor = labor(root, dataDirectory: dataDir)
        return config
    }

    /// Reports every entry of `users` that is neither a member id nor a prefix ending in `.*`.
    mutating func memberPatterns(_ users: [String], key: String) {
        for (i, entry) in users.enumerated() {
            let id = entry.hasSuffix(".*") ? String(entry.dropLast(2)) : entry
            if (try? MemberID(id)) == nil { problem("\(key)[\(i)]", "must be a member id or a prefix ending in .* (gov.commune.*)") }
        }
    }

    /// `[labor]`: labour analysis beside the gateway (optional).
    mutating func labor(_ root: TOMLTable, dataDirectory: String) -> GatewayConfiguration.Labor? {
        guard let l = section(root, "labor", allowed: [
            "database", "member", "certificate", "private_key", "users", "ioc_member", "age_bands", "suppression_threshold",
            "ingest_interval_seconds", "max_upload_bytes",
        ]) else { return nil }
        let database = path(string(l, "labor", "database", default: dataDirectory + "/labor.sqlite"), key: "labor.database", mustExist: false)
        let memberText = string(l, "labor", "member", default: "gov.labour.dongnai")
        let member = try? MemberID(memberText)
        if member == nil { problem("labor.member", "is not a member id") }
        let certificate = path(string(l, "labor", "certificate", default: nil), key: "labor.certificate", mustExist: true)
        let privateKey = path(string(l, "labor", "private_key", default: nil), key: "labor.private_key", mustExist: true)
        let users = strings(l, "labor", "users", default: [memberText])
        memberPatterns(users, key: "labor.users")
        let ioc = try? MemberID(string(l, "labor", "ioc_member", default: "gov.ioc.dongnai"))
        if ioc == nil { problem("labor.ioc_member", "is not a member id") }
        var bands: [Int] = []
        if let raw = l["age_bands"] {
            if let array = raw.array, array.allSatisfy({ $0.int != nil }) {
                bands = array.compactMap { $0.int }
            } else {
                problem("labor.age_bands", "must be an array of integers")
            }
        } else {
            bands = [15, 25, 35, 45, 55, 65]
        }
        // Their rules (increasing, 15 to 120) are AgeBands' own: `config check` applies them (ConfigurationContentCheck).
        let threshold = int(l, "labor", "suppression_threshold", default: 5, range: 1...1000)
        let interval = int(l, "labor", "ingest_interval_seconds", default: 0, range: 0...86_400)
        let maxUpload = int(l, "labor", "max_upload_bytes", default: 64 << 20, range: 1024...(4 << 30))
        guard let member, let ioc else { return nil }   // reported above
        return .init(
            databaseFile: database, member: member, certificateFile: certificate, privateKeyFile: privateKey, users: users,
            iocMember: ioc, ageBands: bands, suppressionThreshold: threshold, ingestIntervalSeconds: interval, maxUploadBytes: maxUpload)
    }

    /// `[registry]`: the social-security registry beside the gateway (optional).
    mutating func registry(_ root: TOMLTable, dataDirectory: String) -> GatewayConfiguration.Registry? {
        guard let r = section(root, "registry", allowed: [
            "database", "default_bank", "member", "certificate", "private_key", "users", "max_upload_bytes",
        ]) else { return nil }
        let database = path(string(r, "registry", "database", default: dataDirectory + "/registry.sqlite"), key: "registry.database", mustExist: false)
        let bin = string(r, "registry", "default_bank", default: "970418")
        if (try? BankDirectory.validateBIN(bin)) == nil { problem("registry.default_bank", "must be 6 digits") }
        let memberText = string(r, "registry", "member", default: "gov.labour.dongnai")
        let member = try? MemberID(memberText)
        if member == nil { problem("registry.member", "is not a member id") }
        let certificate = path(string(r, "registry", "certificate", default: nil), key: "registry.certificate", mustExist: true)
        let privateKey = path(string(r, "registry", "private_key", default: nil), key: "registry.private_key", mustExist: true)
        let users = strings(r, "registry", "users", default: [memberText, "gov.commune.*"])
        memberPatterns(users, key: "registry.users")
        let maxUpload = int(r, "registry", "max_upload_bytes", default: 64 << 20, range: 1024...(4 << 30))
        guard let member else { return nil }   // reported above
        return .init(
            databaseFile: database, defaultBankBIN: bin, member: member, certificateFile: certificate, privateKeyFile: privateKey,
            users: users, maxUploadBytes: maxUpload)
    }

    /// Upstream adapters the gateway has.
    static let upstreamNames: Set<String> = ["population", "vss", "napas"]

    /// `[[directory.banks]]`: entries replacing or adding to REFERENCE.md's BIN table.
    mutating func directory(_ root: TOMLTable) -> BankCatalog {
        guard let d = section(root, "directory", allowed: ["banks"]) else { return .standard }
        guard let raw = d["banks"] else { return .standard }
        guard let array = raw.array else { problem("directory.banks", "must be an array of tables ([[directory.banks]])"); return .standard }
        var entries: [Bank] = []
        for (i, element) in array.enumerated() {
            let key = "directory.banks[\(i)]"
            guard let t = element.table else { problem(key, "must be a table"); continue }
            for k in t.keys where !["bin", "short_name", "name", "swift"].contains(k) { problem("\(key).\(k)", "unknown key") }
            let bin = string(t, key, "bin", default: nil)
            let shortName = string(t, key, "short_name", default: nil)
            let name = string(t, key, "name", default: nil)
            let swift = string(t, key, "swift", default: "")
            guard (try? BankDirectory.validateBIN(bin)) != nil else {
                if !bin.isEmpty { problem("\(key).bin", "must be 6 digits") }
                continue
            }
            if entries.contains(where: { $0.bin == bin }) { problem("\(key).bin", "BIN \(bin) appears more than once") }
            entries.append(Bank(bin: bin, shortName: shortName, name: name, swift: swift.isEmpty ? nil : swift))
        }
        do {
            return try BankCatalog.standard.merging(entries)
        } catch {
            return .standard   // duplicates are reported above
        }
    }

    mutating func sends(_ m: TOMLTable, key: String) -> [GatewayConfiguration.SendGrant] {
        guard let raw = m["sends"] else { return [] }
        guard let array = raw.array else { problem("\(key).sends", "must be an array of tables ([[members.sends]])"); return [] }
        var out: [GatewayConfiguration.SendGrant] = []
        for (j, element) in array.enumerated() {
            let sk = "\(key).sends[\(j)]"
            guard let t = element.table else { problem(sk, "must be a table"); continue }
            for k in t.keys where !["type", "to"].contains(k) { problem("\(sk).\(k)", "unknown key") }
            let type = string(t, sk, "type", default: nil)
            if !type.isEmpty, !MessageCatalog.types.contains(type) { problem("\(sk).type", "unknown message type") }
            var to: [MemberID] = []
            for (n, text) in strings(t, sk, "to", default: []).enumerated() {
                if let id = try? MemberID(text) { to.append(id) } else { problem("\(sk).to[\(n)]", "is not a member id") }
            }
            if to.isEmpty { problem("\(sk).to", "at least one recipient is required") }
            out.append(.init(type: type, to: to))
        }
        return out
    }

    mutating func delivery(_ m: TOMLTable, key: String) -> GatewayConfiguration.Delivery? {
        guard m["delivery"] != nil else { return nil }
        let dk = "\(key).delivery"
        guard let d = m["delivery"]?.table else { problem(dk, "must be a table"); return nil }
        for k in d.keys where !["mode", "url", "max_concurrency"].contains(k) { problem("\(dk).\(k)", "unknown key") }
        let modeText = string(d, dk, "mode", default: "push")
        guard let mode = GatewayConfiguration.Delivery.Mode(rawValue: modeText) else {
            problem("\(dk).mode", "must be push or pull")
            return nil
        }
        let url = d["url"]?.string
        if d["url"] != nil, url == nil { problem("\(dk).url", "must be a string") }
        if mode == .push {
            if url == nil { problem("\(dk).url", "is required for push delivery") }
            if let url, !url.hasPrefix("https://") { problem("\(dk).url", "must be an https:// URL (push uses mTLS)") }
        }
        return .init(mode: mode, url: url, maxConcurrency: int(d, dk, "max_concurrency", default: 4, range: 1...256))
    }

    mutating func queue(_ root: TOMLTable) -> GatewayConfiguration.Queue {
        let q = section(root, "queue", allowed: [
            "lease_seconds", "retry_base_ms", "retry_cap_seconds", "max_attempts", "max_age_seconds",
            "breaker_threshold", "breaker_cooldown_seconds", "push_timeout_ms", "max_payload_bytes",
        ])
        var out = GatewayConfiguration.Queue()
        out.leaseSeconds = int(q, "queue", "lease_seconds", default: out.leaseSeconds, range: 1...3600)
        out.retryBaseMilliseconds = int(q, "queue", "retry_base_ms", default: out.retryBaseMilliseconds, range: 10...3_600_000)
        out.retryCapSeconds = int(q, "queue", "retry_cap_seconds", default: out.retryCapSeconds, range: 1...86_400)
        out.maxAttempts = int(q, "queue", "max_attempts", default: out.maxAttempts, range: 1...1000)
        out.maxAgeSeconds = int(q, "queue", "max_age_seconds", default: out.maxAgeSeconds, range: 1...(30 * 86_400))
        out.breakerThreshold = int(q, "queue", "breaker_threshold", default: out.breakerThreshold, range: 1...1000)
        out.breakerCooldownSeconds = int(q, "queue", "breaker_cooldown_seconds", default: out.breakerCooldownSeconds, range: 1...3600)
        out.pushTimeoutMilliseconds = int(q, "queue", "push_timeout_ms", default: out.pushTimeoutMilliseconds, range: 10...600_000)
        out.maxPayloadBytes = int(q, "queue", "max_payload_bytes", default: out.maxPayloadBytes, range: 1024...(256 << 20))
        if Double(out.retryBaseMilliseconds) / 1000 > Double(out.retryCapSeconds) {
            problem("queue.retry_base_ms", "must not exceed queue.retry_cap_seconds")
        }
        return out
    }

    mutating func paths(_ raw: [String], key: String, required: Bool) -> [String] {
        if required, raw.isEmpty { problem(key, "at least one file is required") }
        return raw.enumerated().map { path($0.element, key: "\(key)[\($0.offset)]", mustExist: true) }
    }

    /// `url` with `password` put in its user information (percent-encoded), or `nil` when `url` has no user and host.
    static func url(_ url: String, password: String) -> String? {
        guard var components = URLComponents(string: url), components.user != nil, components.host != nil else { return nil }
        // Only unreserved characters stay as they are, so no ':', '@' or '/' of the password can end the user information.
        var unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        unreserved.insert(charactersIn: "-._~")
        components.percentEncodedPassword = password.addingPercentEncoding(withAllowedCharacters: unreserved)
        return components.string
    }

    static func isPin(_ pin: String) -> Bool {
        guard pin.hasPrefix("sha256/"), let data = Data(base64Encoded: String(pin.dropFirst(7))) else { return false }
        return data.count == 32
    }
}
