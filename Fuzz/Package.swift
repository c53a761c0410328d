// swift-tools-version:6.0
// libFuzzer targets for the gateway's parsers (issue 7 item 4). Not part of the product: a separate package, built
// only with the fuzzer sanitizer, by scripts/fuzz.sh:
//
//     cd Fuzz && swift build -c debug --scratch-path .build-fuzz \
//         -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
//
// Every target is one file defining `LLVMFuzzerTestOneInput` and its module's `<Target>_main`, which hands over to
// libFuzzer's driver (SwiftPM links executables with `main` renamed to `<Target>_main`; see
// Sources/FuzzDriver/include/FuzzDriver.h). `-sanitize=fuzzer` instruments every Swift module (ours and the
// dependencies) for coverage and links libFuzzer from the toolchain
// (`usr/lib/clang/<n>/lib/linux/libclang_rt.fuzzer-x86_64.a`). The targets do not link without those flags.
//
// Every target depends on small modules only (LienthongCore, LienthongTabular, LienthongSOAP, ZIPFoundation), none on
// swift-nio or the TLS stack, so one `swift build` of the whole package is cheap enough for CI (scripts/fuzz.sh --ci;
// see README.md).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let driver = Target.Dependency.target(name: "FuzzDriver")
let core = Target.Dependency.product(name: "LienthongCore", package: "lienthong")
let tabular = Target.Dependency.product(name: "LienthongTabular", package: "lienthong")
let soap = Target.Dependency.product(name: "LienthongSOAP", package: "lienthong")

let package = Package(
    name: "lienthong-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "lienthong", path: ".."),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // The declaration of libFuzzer's driver, which each target's `main` calls (see FuzzDriver.h for why).
        .target(name: "FuzzDriver"),
        // The message envelope's building blocks: JSON parsing, payload contracts, JCS, the participant sync checks.
        .executableTarget(name: "FuzzEnvelope", dependencies: [driver, core], swiftSettings: strict),
        // JCS (RFC 8785): canonicalize → parse → canonicalize is stable; numbers round-trip.
        .executableTarget(name: "FuzzJCS", dependencies: [driver, core], swiftSettings: strict),
        // Personal id, CMND, social insurance number, health insurance card code, calendar dates.
        .executableTarget(name: "FuzzPersonalID", dependencies: [driver, core], swiftSettings: strict),
        // The Vietnamese name normaliser and its invariants.
        .executableTarget(name: "FuzzName", dependencies: [driver, core], swiftSettings: strict),
        // The streaming CSV reader.
        .executableTarget(name: "FuzzCSV", dependencies: [driver, tabular], swiftSettings: strict),
        // The XLSX reader: raw ZIP input, and ZIPs assembled from fuzzed XML parts.
        .executableTarget(name: "FuzzXLSX", dependencies: [
            driver, tabular, core, .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: strict),
        // SOAP 1.1 envelopes and the population database's request and response payloads.
        .executableTarget(name: "FuzzSOAP", dependencies: [driver, soap, core], swiftSettings: strict),
    ]
)
