// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "lienthong",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lienthong", targets: ["lienthong"]),
        // Libraries for nested packages that build on the gateway's modules (the fuzzers in Fuzz/).
        .library(name: "LienthongCore", targets: ["LienthongCore"]),
        .library(name: "LienthongTabular", targets: ["LienthongTabular"]),
        .library(name: "LienthongAdapters", targets: ["LienthongAdapters"]),
        .library(name: "LienthongSOAP", targets: ["LienthongSOAP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // I/O-free core: ids, codes, Vietnamese names, JCS, problem codes.
        .target(name: "LienthongCore", swiftSettings: strict),
        // Example PKI issuing, CRLs, certificate pins.
        .target(name: "LienthongPKI", dependencies: [
            "LienthongCore",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        // Configuration file: TOML loading and validation.
        .target(name: "LienthongConfig", dependencies: [
            "LienthongCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: strict),
        // Audit records, hash chain, checkpoints, verification; SQLite store.
        .target(name: "LienthongAudit", dependencies: [
            "LienthongCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Durable outbound queue, I/O-free core: lifecycle state machine, retry policy, Retry-After, circuit breakers.
        .target(name: "LienthongQueue", dependencies: [
            "LienthongCore", "LienthongAudit",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // SOAP 1.1 and XML without I/O: a bounded XML reader and writer, envelopes and faults, the population
        // database's request and response payloads (shared by the adapter, the simulator and the fuzzer).
        .target(name: "LienthongSOAP", dependencies: ["LienthongCore"], swiftSettings: strict),
        // Upstream adapters: population database (SOAP 1.1), social insurance, NAPAS (JSON with detached JWS).
        .target(name: "LienthongAdapters", dependencies: [
            "LienthongCore", "LienthongPKI", "LienthongSOAP",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        // Client of the partner API (mTLS): used by member systems, the demo, benchmarks and tests.
        .target(name: "LienthongClient", dependencies: [
            "LienthongCore", "LienthongPKI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        // The gateway: listeners, identity, access control, routes, problem+json.
        .target(name: "LienthongGateway", dependencies: [
            "LienthongCore", "LienthongPKI", "LienthongConfig", "LienthongAudit", "LienthongAdapters", "LienthongQueue",
            "LienthongClient", "LienthongRegistryStore", "LienthongRegistryService",
            "LienthongLabor", "LienthongLaborStore", "LienthongConsole", "LienthongPostgres",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        // Partner simulators and synthetic data.
        .target(name: "LienthongSimulators", dependencies: [
            "LienthongCore", "LienthongAdapters", "LienthongSOAP", "LienthongPKI", "LienthongClient", "LienthongTabular", "LienthongLabor",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Spreadsheets as officers produce them: streaming CSV and XLSX readers, an XLSX writer.
        .target(name: "LienthongTabular", dependencies: [
            "LienthongCore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: strict),
        // The social-security registry's domain (no I/O): beneficiaries, categories, list columns, data-quality checks.
        .target(name: "LienthongRegistry", dependencies: ["LienthongCore", "LienthongTabular"], swiftSettings: strict),
        // The registry's storage (SQLite): batches, screened rows, verification and account runs, openings; import
        // from spreadsheets (atomic), and the reports (CSV/XLSX with Vietnamese headers).
        .target(name: "LienthongRegistryStore", dependencies: [
            "LienthongCore", "LienthongTabular", "LienthongRegistry",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The registry as a member system: runs its verifications, account checks and openings through the gateway's
        // partner API with the labour department's certificate, so every call is authorised and audited like any partner's.
        .target(name: "LienthongRegistryService", dependencies: [
            "LienthongCore", "LienthongRegistry", "LienthongRegistryStore", "LienthongClient", "LienthongAdapters",
            "LienthongLabor", "LienthongLaborStore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // Labour analysis (no I/O): worker records (form 01), survey-file columns, analysis snapshots, cross-tabs with
        // small-cell suppression, indicators.
        .target(name: "LienthongLabor", dependencies: ["LienthongCore", "LienthongTabular", "LienthongRegistry"], swiftSettings: strict),
        // The labour records' storage (SQLite): history per person and as-of date, survey import (atomic), snapshots.
        .target(name: "LienthongLaborStore", dependencies: [
            "LienthongCore", "LienthongTabular", "LienthongLabor",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The operator console (no I/O): HTML pages and SVG charts rendered on the server from view models.
        .target(name: "LienthongConsole", dependencies: ["LienthongCore"], swiftSettings: strict),
        // Partner conformance kit: a contract's scenarios run against a partner's endpoint (bank, NAPAS, VSS).
        .target(name: "LienthongConformance", dependencies: [
            "LienthongCore", "LienthongPKI", "LienthongAdapters",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: strict),
        // PostgreSQL stores for scale-out (several gateways): migrations, the audit log (one chain) and the durable queue.
        .target(name: "LienthongPostgres", dependencies: [
            "LienthongCore", "LienthongAudit", "LienthongQueue", "LienthongLaborStore", "LienthongLabor",
            "LienthongRegistryStore", "LienthongRegistry", "LienthongTabular",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        .executableTarget(name: "lienthong", dependencies: [
            "LienthongCore", "LienthongPKI", "LienthongConfig", "LienthongAudit", "LienthongAdapters",
            "LienthongGateway", "LienthongSimulators", "LienthongClient", "LienthongQueue", "LienthongConformance",
            "LienthongRegistry", "LienthongRegistryStore", "LienthongRegistryService", "LienthongTabular",
            "LienthongLabor", "LienthongLaborStore", "LienthongPostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "LienthongCoreTests", dependencies: ["LienthongCore"]),
        .testTarget(name: "LienthongLaborTests", dependencies: ["LienthongLabor", "LienthongRegistry", "LienthongTabular", "LienthongCore"]),
        .testTarget(name: "LienthongLaborStoreTests", dependencies: [
            "LienthongLaborStore", "LienthongLabor", "LienthongTabular", "LienthongCore",
        ]),
        .testTarget(name: "LienthongConsoleTests", dependencies: ["LienthongConsole", "LienthongCore"]),
        .testTarget(name: "LienthongConfigTests", dependencies: ["LienthongConfig", "LienthongCore"]),
        .testTarget(name: "LienthongPKITests", dependencies: ["LienthongPKI"]),
        .testTarget(name: "LienthongAuditTests", dependencies: ["LienthongAudit"]),
        .testTarget(name: "LienthongQueueTests", dependencies: [
            "LienthongQueue", "LienthongAudit",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "LienthongPostgresTests", dependencies: [
            "LienthongPostgres", "LienthongQueue", "LienthongAudit", "LienthongCore", "LienthongLaborStore", "LienthongLabor",
            "LienthongRegistryStore", "LienthongRegistry", "LienthongTabular",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        .testTarget(name: "LienthongAdaptersTests", dependencies: [
            "LienthongAdapters", "LienthongSOAP", "LienthongSimulators", "LienthongPKI",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "LienthongSimulatorsTests", dependencies: [
            "LienthongSimulators", "LienthongPKI", "LienthongGateway", "LienthongConfig", "LienthongClient", "LienthongAudit",
            "LienthongRegistry", "LienthongTabular", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "LienthongTabularTests", dependencies: ["LienthongTabular", "LienthongCore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "LienthongRegistryTests", dependencies: ["LienthongRegistry", "LienthongTabular", "LienthongCore"]),
        .testTarget(name: "LienthongRegistryStoreTests", dependencies: [
            "LienthongRegistryStore", "LienthongRegistry", "LienthongTabular", "LienthongCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "LienthongConformanceTests", dependencies: [
            "LienthongConformance", "LienthongSimulators", "LienthongPKI", "LienthongAdapters", "LienthongCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LienthongGatewayTests", dependencies: [
            "LienthongGateway", "LienthongSimulators", "LienthongPKI", "LienthongConfig", "LienthongAudit", "LienthongClient",
            "LienthongQueue", "LienthongRegistry", "LienthongRegistryStore", "LienthongRegistryService", "LienthongTabular",
            "LienthongLabor", "LienthongLaborStore", "LienthongConsole", "LienthongCore", "LienthongPostgres",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
