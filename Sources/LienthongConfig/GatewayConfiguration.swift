public import LienthongCore

/// The whole gateway configuration, as read from one TOML file.
///
/// Paths are absolute after loading (relative paths in the file are taken from the file's folder).
/// Secrets are never inline: the file names the files that hold them.
///
/// ```swift
/// let config = try ConfigurationLoader.load(path: "lienthong.toml")
/// print(config.partner.listen)   // 0.0.0.0:8443
/// ```
public struct GatewayConfiguration: Sendable, Equatable {
    /// Identity of this gateway instance.
    public var gateway: Gateway
    /// The partner (mTLS) listener.
    public var partner: PartnerListener
    /// The admin (plain HTTP, loopback) listener.
    public var admin: AdminListener
    /// Outbound mTLS settings used by adapters and push delivery.
    public var outbound: Outbound
    /// Audit log settings.
    public var audit: Audit
    /// Storage settings.
    public var storage: Storage
    /// Upstream endpoints by adapter name (`population`, ...).
    public var upstreams: [String: Upstream]
    /// Purpose codes that callers may state in `X-Purpose`.
    public var purposes: [String]
    /// Members and their rights.
    public var members: [Member]
    /// Durable queue settings (SPEC §4).
    public var queue: Queue = Queue()
    /// The bank directory served by `directory.banks` and checked by `napas.verify-account`: REFERENCE.md's
    /// table with the `[[directory.banks]]` entries of the file replacing or adding entries by BIN.
    public var banks: BankCatalog = .standard
    /// The social-security registry hosted beside the gateway (SPEC §6), when `[registry]` is present.
    public var registry: Registry?
    /// Whether `caller` is named by `users`: member ids, or prefixes ending in `.*` (`gov.commune.*`).
    public static func member(_ caller: MemberID, matchesAnyOf users: [String]) -> Bool {
        users.contains { entry in
            entry.hasSuffix(".*") ? caller.value.hasPrefix(String(entry.dropLast(1))) : entry == caller.value
        }
    }

    /// Labour analysis hosted beside the gateway (SPEC §7), when `[labor]` is present.
    public var labor: Labor?

    /// Labour analysis (`[labor]`, SPEC §7): the labour department's worker records and their analysis, served on
    /// `/v1/labor/...`. Like the registry it calls the gateway as ``member`` over loopback mTLS (identity checks,
    /// its inbox of `labor.worker-records` and `vss.participant-sync`).
    public struct Labor: Sendable, Equatable {
        /// The labour records database (SQLite), default `<data_dir>/labor.sqlite`.
        public var databaseFile: String
        /// The member the labour system acts as, default `gov.labour.dongnai`.
        public var member: MemberID
        /// That member's client certificate (PEM).
        public var certificateFile: String
        /// That member's private key (PEM).
        public var privateKeyFile: String
        /// Who may read analyses, export and upload surveys: member ids or prefixes ending in `.*`; default ``member``.
        public var users: [String]
        /// The provincial operations centre, the only member that may read the IOC feed; default `gov.ioc.dongnai`.
        public var iocMember: MemberID
        /// Lower bounds of the age bands, default 15, 25, 35, 45, 55, 65.
        public var ageBands: [Int]
        /// Cells under this many people are suppressed, default 5.
        public var suppressionThreshold: Int
        /// Seconds between background rounds of taking the inbox and verifying new identities; 0 (default) = only
        /// when asked (`lienthong labor ingest|verify`, `POST /v1/labor/ingest`).
        public var ingestIntervalSeconds: Int
        /// Largest accepted survey upload in bytes, default 64 MiB.
        public var maxUploadBytes: Int

        /// Creates the settings.
        public init(
            databaseFile: String, member: MemberID, certificateFile: String, privateKeyFile: String, users: [String],
            iocMember: MemberID, ageBands: [Int] = [15, 25, 35, 45, 55, 65], suppressionThreshold: Int = 5,
            ingestIntervalSeconds: Int = 0, maxUploadBytes: Int = 64 << 20
        ) {
            self.databaseFile = databaseFile
            self.member = member
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
            self.users = users
            self.iocMember = iocMember
            self.ageBands = ageBands
            self.suppressionThreshold = suppressionThreshold
            self.ingestIntervalSeconds = ingestIntervalSeconds
            self.maxUploadBytes = maxUploadBytes
        }

        /// Whether `caller` may use the labour API (the IOC feed has its own rule).
        public func allows(_ caller: MemberID) -> Bool {
            GatewayConfiguration.member(caller, matchesAnyOf: users)
        }
    }

    /// The social-security registry (`[registry]`, SPEC §6): a member system of the labour department hosted beside
    /// the gateway, serving `/v1/asxh/...` on the partner listener. Its own calls go through the gateway's partner
    /// listener over loopback mTLS with ``certificateFile``, so they are authorised and audited like any partner's.
    public struct Registry: Sendable, Equatable {
        /// The registry database (SQLite), default `<data_dir>/registry.sqlite`.
        public var databaseFile: String
        /// Bank (BIN) asked to open accounts for payees whose list names none, default `970418`.
        public var defaultBankBIN: String
        /// The member the registry acts as, default `gov.labour.dongnai`.
        public var member: MemberID
        /// That member's client certificate (PEM).
        public var certificateFile: String
        /// That member's private key (PEM).
        public var privateKeyFile: String
        /// Who may use `/v1/asxh`: member ids, or prefixes ending in `.*` (`gov.commune.*`).
        /// Default: ``member`` and `gov.commune.*`.
        public var users: [String]
        /// Largest accepted list upload in bytes, default 64 MiB.
        public var maxUploadBytes: Int = 64 << 20

        /// Creates the settings.
        public init(
            databaseFile: String, defaultBankBIN: String, member: MemberID, certificateFile: String, privateKeyFile: String,
            users: [String], maxUploadBytes: Int = 64 << 20
        ) {
            self.databaseFile = databaseFile
            self.defaultBankBIN = defaultBankBIN
            self.member = member
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
            self.users = users
            self.maxUploadBytes = maxUploadBytes
        }

        /// Whether `caller` may use `/v1/asxh` (an exact id in ``users``, or a `prefix.*` entry it falls under).
        public func allows(_ caller: MemberID) -> Bool {
            GatewayConfiguration.member(caller, matchesAnyOf: users)
        }
    }

    /// The gateway instance.
    public struct Gateway: Sendable, Equatable {
        /// Member id of the organisation operating the gateway (`gov.police.dongnai`).
        public var operatorMember: String
        /// Data directory (databases, keys).
        public var dataDirectory: String
        /// Log level (`trace` … `critical`), default `info`.
        public var logLevel: String
        /// This instance's name, written as `user` on the audit records it writes as actor `gateway` (leases,
        /// delivery outcomes, lease expiries), so a cluster's shared chain says which instance acted; default the
        /// host name (`LIENTHONG_INSTANCE` overrides).
        public var instance: String = ""
    }

    /// Partner listener settings (SPEC §2).
    public struct PartnerListener: Sendable, Equatable {
        /// Bind address, default `0.0.0.0:8443`.
        public var listen: HostPort
        /// Server certificate chain (PEM).
        public var certificateFile: String
        /// Server private key (PEM).
        public var privateKeyFile: String
        /// CA certificates that client chains must end in (PEM files).
        public var trustAnchorFiles: [String]
        /// CRL files (PEM or DER), reloaded when they change.
        public var crlFiles: [String]
        /// Seconds between checks of the CRL files for change, default 1.
        public var crlReloadSeconds: Int
        /// Largest accepted request body in bytes, default 1 MiB.
        public var maxBodyBytes: Int
        /// Idle connection timeout in seconds, default 60.
        public var idleTimeoutSeconds: Int
        /// Requests per second each member may make (token bucket); `0` (the default) means no limit. Over it the
        /// answer is `429 rate-limited` with `Retry-After`. A member's `rate_limit_per_second` overrides it.
        public var rateLimitPerSecond: Double = 0
        /// Burst above the rate (bucket size), default twice the rate.
        public var rateLimitBurst: Double = 0
        /// Open partner connections served at once (`max_connections`), default 1024. Beyond it a few more are
        /// answered `503` (code `rate-limited`, `Retry-After`) after the handshake, and the rest closed at accept.
        public var maxConnections: Int = 1024
        /// Largest request head in bytes (`max_header_bytes`): the request target plus all header names and
        /// values, default 16 KiB. Over it the answer is `431` (code `bad-request`), then the connection closes.
        public var maxHeaderBytes: Int = 16_384
        /// Seconds a request head may take from its first byte to its end (`request_head_timeout_seconds`),
        /// default 10. Over it the answer is `408` (code `bad-request`), then the connection closes (slow-loris).
        public var requestHeadTimeoutSeconds: Int = 10
        /// Seconds a TLS handshake may take from accept (`handshake_timeout_seconds`), default 10. Over it the
        /// connection is closed (no HTTP answer is possible) and the refusal audited as `handshake-timeout`.
        public var handshakeTimeoutSeconds: Int = 10
    }

    /// Admin listener settings.
    public struct AdminListener: Sendable, Equatable {
        /// Bind address, default `127.0.0.1:9090`.
        public var listen: HostPort
        /// File holding the operator token the console (`/console`) asks for (`console_token_file`). Required when
        /// ``listen`` is not a loopback address; when set, it is asked for on loopback too.
        public var consoleTokenFile: String? = nil
    }

    /// Outbound mTLS identity of the gateway.
    public struct Outbound: Sendable, Equatable {
        /// The gateway's client certificate (PEM).
        public var certificateFile: String
        /// Its private key (PEM).
        public var privateKeyFile: String
        /// Anchors that upstream server certificates must chain to.
        public var trustAnchorFiles: [String]
        /// Connections kept per upstream host, default 16.
        public var maxConnectionsPerHost: Int
    }

    /// Audit log settings (SPEC §5).
    public struct Audit: Sendable, Equatable {
        /// File with the HMAC key for `subject` (created by `demo`/`audit init-keys` when absent).
        public var subjectKeyFile: String
        /// PEM file with the ECDSA P-256 checkpoint signing key.
        public var signingKeyFile: String
        /// A checkpoint every N records, default 1000.
        public var checkpointEvery: Int
        /// And at least every T seconds when records were added, default 60.
        public var checkpointIntervalSeconds: Int
    }

    /// Storage settings: where the audit chain, the durable queue and the account-opening ledger live.
    ///
    /// `[storage] url` selects the backend: absent (or `sqlite:PATH`) for the embedded SQLite file of one node,
    /// `postgres://user[:password]@host[:port]/database` for several gateway instances sharing one queue and one
    /// audit chain (the password may instead come from `password_file`). `LIENTHONG_STORAGE_URL` overrides it.
    public struct Storage: Sendable, Equatable {
        /// Which backend holds the audit log, the queue and the account-opening ledger.
        public enum Kind: String, Sendable, Equatable {
            /// The embedded SQLite file at ``Storage/sqlitePath`` (one node).
            case sqlite
            /// A PostgreSQL database at ``Storage/postgresURL`` (one or several nodes).
            case postgres
        }

        /// `sqlite` (default) or `postgres`, from the URL.
        public var kind: Kind
        /// SQLite database path, default `<data>/lienthong.sqlite`.
        public var sqlitePath: String
        /// The PostgreSQL URL (with the password from `password_file` when one is given), for `postgres`.
        public var postgresURL: String?
        /// Connections to PostgreSQL per gateway instance, default 20.
        public var postgresMaxConnections: Int = 20

        /// Whether `text` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a SQLite file.
        public static func isPostgresURL(_ text: String) -> Bool {
            text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
        }

        /// Creates storage settings.
        public init(kind: Kind, sqlitePath: String, postgresURL: String? = nil, postgresMaxConnections: Int = 20) {
            self.kind = kind
            self.sqlitePath = sqlitePath
            self.postgresURL = postgresURL
            self.postgresMaxConnections = postgresMaxConnections
        }
    }

    /// An upstream endpoint.
    public struct Upstream: Sendable, Equatable {
        /// The URL (https).
        public var url: String
        /// Per-call timeout in milliseconds, default 5000.
        public var timeoutMilliseconds: Int
        /// Certificates whose keys may sign the upstream's answers (detached JWS; required for `napas`).
        public var signingCertificateFiles: [String] = []
    }

    /// A member organisation.
    public struct Member: Sendable, Equatable {
        /// Member id (`gov.labour.dongnai`).
        public var id: MemberID
        /// Display name.
        public var name: String
        /// Certificate pins (`sha256/<base64 of SHA-256(SPKI)>`).
        public var pins: [String]
        /// Granted services.
        public var grants: [Grant]
        /// Message types this member may send, and to whom.
        public var sends: [SendGrant] = []
        /// How this member receives messages; `nil`: it receives none.
        public var delivery: Delivery?
        /// This member's request rate limit (requests per second), overriding `partner.rate_limit_per_second`.
        public var rateLimitPerSecond: Double?
    }

    /// A right to send one message type to some members.
    public struct SendGrant: Sendable, Equatable {
        /// Message type (`asxh.account-opening-request`).
        public var type: String
        /// Recipients allowed for that type.
        public var to: [MemberID]

        /// Creates a grant.
        public init(type: String, to: [MemberID]) {
            self.type = type
            self.to = to
        }
    }

    /// How a member receives messages.
    public struct Delivery: Sendable, Equatable {
        /// `push` (the gateway POSTs to `url`) or `pull` (the member leases from `/v1/inbox`).
        public enum Mode: String, Sendable, Equatable { case push, pull }
        /// The mode.
        public var mode: Mode
        /// Push endpoint (https), required for `push`.
        public var url: String?
        /// Concurrent deliveries to this member, default 4.
        public var maxConcurrency: Int
    }

    /// Durable queue settings.
    public struct Queue: Sendable, Equatable {
        /// Lease length for push and pull deliveries, default 30 s.
        public var leaseSeconds: Int = 30
        /// First retry delay in milliseconds, default 1000.
        public var retryBaseMilliseconds: Int = 1000
        /// Largest retry delay in seconds, default 300.
        public var retryCapSeconds: Int = 300
        /// Attempts before a message is dead, default 12.
        public var maxAttempts: Int = 12
        /// Age after which a message is dead, default 24 h.
        public var maxAgeSeconds: Int = 86_400
        /// Consecutive failures that open a recipient's circuit, default 5.
        public var breakerThreshold: Int = 5
        /// How long an open circuit stays open, default 30 s.
        public var breakerCooldownSeconds: Int = 30
        /// Per-attempt push timeout in milliseconds, default 10000.
        public var pushTimeoutMilliseconds: Int = 10_000
        /// Largest message payload in bytes, default 1 MiB.
        public var maxPayloadBytes: Int = 1 << 20

        /// The defaults.
        public init() {}
    }

    /// A right to call one service, with the purposes that may be stated.
    public struct Grant: Sendable, Equatable {
        /// Service code (`population.verify-citizen`).
        public var service: String
        /// Allowed purposes; empty for services that return no personal data.
        public var purposes: [String]
    }
}

/// A `host:port` pair.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port (0 = any free port).
    public var port: Int

    /// Creates a pair.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True for loopback addresses and `localhost`.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}

/// The message types the gateway carries (SPEC §4).
public enum MessageCatalog {
    /// Known message types.
    public static let types: Set<String> = [
        "asxh.account-opening-request", "asxh.account-opening-result", "asxh.beneficiary-list",
        "vss.participant-sync", "labor.worker-records",
    ]
}

/// The services the gateway knows, with whether they return personal data (and so need `X-Purpose`).
public enum ServiceCatalog {
    /// Service codes and whether each returns personal data.
    public static let services: [String: Bool] = [
        "population.verify-citizen": true,
        "population.lookup-citizen": true,
        "population.request-personal-id": true,
        "vss.lookup-participant": true,
        "napas.verify-account": true,
        "directory.banks": false,
    ]

    /// Whether `code` names a known service.
    public static func isKnown(_ code: String) -> Bool { services[code] != nil }

    /// Whether calls to `code` must state a purpose.
    public static func requiresPurpose(_ code: String) -> Bool { services[code] ?? true }
}
