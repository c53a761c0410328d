import AsyncHTTPClient
import Foundation
import XCTest

/// What can be checked of `docker/` without a Docker engine: the compose file's structure (parsed as YAML, and by
/// `docker compose config` when the Compose plugin is installed), the Dockerfile's stages, user, health check,
/// entrypoint and copied files, and the entrypoint script itself run outside Docker against the `lienthong` built
/// next to the tests: the example setup, the gateway answering `/healthz`, a simulator from the same shared folder
/// reached under its compose service name, and SIGTERM. The image is never built and the stack never started here.
final class DockerFilesTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let docker = root.appendingPathComponent("docker")
    static let entrypoint = docker.appendingPathComponent("entrypoint.sh")
    /// The services of each compose profile.
    static let embeddedServices: Set<String> = ["demo"]
    static let clusterServices: Set<String> = [
        "setup", "postgres", "migrate", "population", "vss", "napas", "gateway-1", "gateway-2", "bank-970436", "bank-970418",
    ]
    /// The entrypoint's own modes (anything else is passed to `lienthong`).
    static let entrypointModes: Set<String> = ["gateway", "setup", "sim", "demo", "migrate"]

    // MARK: - compose.yaml

    /// The compose file, as JSON written by Python's `yaml.safe_load` (merge keys resolved).
    func composeDocument() throws -> [String: Any] {
        let python = try executable("python3")
        let script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))"
        let run = try runProcess(python, ["-c", script, Self.docker.appendingPathComponent("compose.yaml").path])
        guard run.status == 0 else {
            if run.stderr.contains("No module named 'yaml'") { throw XCTSkip("Python's yaml module is not installed") }
            XCTFail("compose.yaml does not parse as YAML: \(run.stderr)")
            return [:]
        }
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try XCTUnwrap(json as? [String: Any], "compose.yaml is not a mapping")
    }

    func testComposeFileHasBothProfilesAndTheirServices() throws {
        let document = try composeDocument()
        let services = try XCTUnwrap(document["services"] as? [String: [String: Any]], "no services")
        func profile(_ name: String) -> Set<String> {
            Set(services.filter { ($0.value["profiles"] as? [String] ?? []).contains(name) }.keys)
        }
        XCTAssertEqual(profile("embedded"), Self.embeddedServices)
        XCTAssertEqual(profile("cluster"), Self.clusterServices)
        XCTAssertEqual(Set(services.keys), Self.embeddedServices.union(Self.clusterServices), "every service belongs to a profile")

        for (name, service) in services where service["image"] as? String == "lienthong:dev" {
            let build = try XCTUnwrap(service["build"] as? [String: Any], "\(name) has no build section")
            XCTAssertEqual(build["context"] as? String, "..", "\(name): the build context is the repository root")
            let dockerfile = try XCTUnwrap(build["dockerfile"] as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(dockerfile).path), "\(name): \(dockerfile)")
            let command = try XCTUnwrap(service["command"] as? [String], "\(name) has no command list")
            XCTAssertTrue(Self.entrypointModes.contains(command[0]), "\(name): \(command[0]) is not an entrypoint mode")
        }
        XCTAssertEqual(services["demo"]?["command"] as? [String], ["demo"])

        // PostgreSQL: the official image, a health check, the password from a secret file only.
        let postgres = try XCTUnwrap(services["postgres"])
        XCTAssertEqual(postgres["image"] as? String, "postgres:15")
        let postgresHealth = try XCTUnwrap(postgres["healthcheck"] as? [String: Any])
        XCTAssertTrue("\(postgresHealth["test"] ?? "")".contains("pg_isready"))
        let postgresEnvironment = try XCTUnwrap(postgres["environment"] as? [String: Any])
        XCTAssertNil(postgresEnvironment["POSTGRES_PASSWORD"], "the password is never written into compose.yaml")
        XCTAssertEqual(postgresEnvironment["POSTGRES_PASSWORD_FILE"] as? String, "/run/secrets/postgres_password")
        let secrets = try XCTUnwrap(document["secrets"] as? [String: [String: Any]])
        for (name, secret) in secrets {
            let file = try XCTUnwrap(secret["file"] as? String, "secret \(name) is not a file")
            XCTAssertTrue(file.hasPrefix("./secrets/"), "secret \(name) lives in docker/secrets/")
        }
        let ignore = try String(contentsOf: Self.docker.appendingPathComponent("secrets/.gitignore"), encoding: .utf8)
        XCTAssertTrue(ignore.split(separator: "\n").contains("*"), "docker/secrets/.gitignore keeps secrets out of git")

        // The two gateways: PostgreSQL storage, migrated and healthy PostgreSQL first, their own data folders.
        var dataDirectories: Set<String> = []
        for name in ["gateway-1", "gateway-2"] {
            let gateway = try XCTUnwrap(services[name])
            XCTAssertEqual(gateway["command"] as? [String], ["gateway"])
            let environment = try XCTUnwrap(gateway["environment"] as? [String: Any])
            let storage = try XCTUnwrap(environment["LIENTHONG_STORAGE_URL"] as? String)
            XCTAssertTrue(storage.hasPrefix("postgres://"), storage)
            XCTAssertEqual(URLComponents(string: storage)?.host, "postgres")
            XCTAssertNil(URLComponents(string: storage)?.password, "no password in the URL")
            dataDirectories.insert(try XCTUnwrap(environment["LIENTHONG_DATA_DIR"] as? String))
            let dependsOn = try XCTUnwrap(gateway["depends_on"] as? [String: [String: Any]])
            XCTAssertEqual(dependsOn["postgres"]?["condition"] as? String, "service_healthy")
            XCTAssertEqual(dependsOn["migrate"]?["condition"] as? String, "service_completed_successfully")
            XCTAssertEqual(dependsOn["setup"]?["condition"] as? String, "service_completed_successfully")
            for upstream in ["POPULATION", "VSS", "NAPAS"] {
                let url = try XCTUnwrap(environment["LIENTHONG_UPSTREAM_\(upstream)_URL"] as? String)
                let host = try XCTUnwrap(URLComponents(string: url)?.host)
                XCTAssertNotNil(services[host], "\(name): upstream \(upstream) points at \(host), which is no service")
                XCTAssertTrue(profile("cluster").contains(host))
            }
        }
        XCTAssertEqual(dataDirectories.count, 2, "each gateway has its own data folder")
        XCTAssertEqual(services["migrate"]?["command"] as? [String], ["migrate"])

        // The example server certificate covers every service name a peer connects to over mTLS.
        let setupEnvironment = try XCTUnwrap(services["setup"]?["environment"] as? [String: Any])
        let serverNames = Set((setupEnvironment["LIENTHONG_DEMO_SERVER_NAMES"] as? String ?? "").split(separator: ",").map(String.init))
        for needed in ["gateway-1", "gateway-2", "population", "vss", "napas", "bank-970436"] {
            XCTAssertTrue(serverNames.contains(needed), "the server certificate lacks \(needed)")
        }
        XCTAssertEqual(setupEnvironment["LIENTHONG_DEMO_POSTGRES_NAMES"] as? String, "postgres")

        // Ports: published on the host's loopback only, and only where a person needs them.
        var publishing: Set<String> = []
        for (name, service) in services {
            for port in service["ports"] as? [Any] ?? [] {
                publishing.insert(name)
                XCTAssertTrue("\(port)".hasPrefix("127.0.0.1:"), "\(name) publishes \(port) beyond the host's loopback")
            }
        }
        XCTAssertEqual(publishing, ["demo", "gateway-1", "gateway-2"])
    }

    func testComposeConfigWithTheDockerClient() throws {
        guard let docker = try? executable("docker") else { throw XCTSkip("no docker client installed") }
        let version = try runProcess(docker, ["compose", "version"])
        guard version.status == 0 else {
            throw XCTSkip("`docker compose` is not available here (no Compose plugin): \(version.stderr.prefix(200))")
        }
        // `config` needs the secret files to exist; use throw-away ones in a copy of the folder.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-compose-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("docker/secrets"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.docker.appendingPathComponent("compose.yaml"), to: copy.appendingPathComponent("docker/compose.yaml"))
        for secret in ["postgres_password.txt", "console_token.txt"] {
            try "not-a-secret\n".write(to: copy.appendingPathComponent("docker/secrets/\(secret)"), atomically: true, encoding: .utf8)
        }
        for profile in ["embedded", "cluster"] {
            let run = try runProcess(docker, ["compose", "-f", copy.appendingPathComponent("docker/compose.yaml").path, "--profile", profile, "config", "--quiet"])
            if run.status != 0, run.stderr.lowercased().contains("daemon") {
                throw XCTSkip("`docker compose config` wants the Docker engine, which is not running here: \(run.stderr.prefix(200))")
            }
            XCTAssertEqual(run.status, 0, "docker compose --profile \(profile) config: \(run.stderr)")
        }
    }

    // MARK: - Dockerfile

    /// The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped.
    func dockerfileInstructions() throws -> [(keyword: String, arguments: String)] {
        let text = try String(contentsOf: Self.docker.appendingPathComponent("Dockerfile"), encoding: .utf8)
        var instructions: [(String, String)] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let full = (pending + line).trimmingCharacters(in: .whitespaces)
            pending = ""
            guard !full.isEmpty else { continue }
            let parts = full.split(separator: " ", maxSplits: 1)
            instructions.append((parts[0].uppercased(), parts.count > 1 ? String(parts[1]) : ""))
        }
        return instructions
    }

    func testDockerfileStagesUserHealthCheckEntrypointAndCopiedFiles() throws {
        let instructions = try dockerfileInstructions()
        let froms = instructions.filter { $0.keyword == "FROM" }.map(\.arguments)
        XCTAssertEqual(froms.count, 2, "a build stage and a runtime stage: \(froms)")
        XCTAssertTrue(froms.first?.hasPrefix("swift:6.3") == true, "build stage on the official Swift 6.3 image: \(froms)")
        XCTAssertTrue(froms.last?.hasPrefix("debian:bookworm-slim") == true, "runtime on debian:bookworm-slim: \(froms)")
        let runs = instructions.filter { $0.keyword == "RUN" }.map(\.arguments)
        XCTAssertTrue(runs.contains { $0.contains("swift build -c release --product lienthong --static-swift-stdlib") })

        let users = instructions.filter { $0.keyword == "USER" }.map(\.arguments)
        let user = try XCTUnwrap(users.last, "no USER: the image would run as root")
        let name = String(user.split(separator: ":")[0])
        XCTAssertFalse(["root", "0"].contains(name), "runs as \(user)")
        XCTAssertEqual(name, "lienthong")

        let health = try XCTUnwrap(instructions.last { $0.keyword == "HEALTHCHECK" }?.arguments, "no HEALTHCHECK")
        XCTAssertTrue(health.contains("http://127.0.0.1:9090/healthz"), health)
        let entrypoint = try XCTUnwrap(instructions.last { $0.keyword == "ENTRYPOINT" }?.arguments, "no ENTRYPOINT")
        XCTAssertTrue(entrypoint.contains("lienthong-entrypoint.sh"), entrypoint)
        XCTAssertTrue(instructions.contains { $0.keyword == "COPY" && $0.arguments.hasPrefix("docker/entrypoint.sh ") },
                      "the entrypoint script is copied into the image")
        XCTAssertTrue(instructions.contains { $0.keyword == "VOLUME" && $0.arguments.contains("/var/lib/lienthong") })

        // Every file copied from the build context exists (a wildcard must match at least one file).
        for copy in instructions where copy.keyword == "COPY" && !copy.arguments.hasPrefix("--from") {
            let words = copy.arguments.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
            let sources = words.dropLast()
            XCTAssertFalse(sources.isEmpty, "COPY \(copy.arguments)")
            var matched = 0
            for source in sources {
                if source.contains("*") {
                    let prefix = String(source.prefix { $0 != "*" })
                    let folder = Self.root.appendingPathComponent((prefix as NSString).deletingLastPathComponent)
                    let stem = (prefix as NSString).lastPathComponent
                    matched += (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasPrefix(stem) }.count ?? 0
                } else {
                    XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(source).path),
                                  "COPY names \(source), which is not in the repository")
                    matched += 1
                }
            }
            XCTAssertGreaterThan(matched, 0, "COPY \(copy.arguments) copies nothing")
        }
        // What the Dockerfile-specific ignore file lets through covers what is copied.
        let ignore = try String(contentsOf: Self.docker.appendingPathComponent("Dockerfile.dockerignore"), encoding: .utf8)
        for kept in ["!Package.swift", "!Sources", "!Tests", "!docker/entrypoint.sh"] {
            XCTAssertTrue(ignore.split(separator: "\n").contains(Substring(kept)), "Dockerfile.dockerignore lacks \(kept)")
        }
    }

    /// The runtime stage installs a package for every shared library the binary needs beyond libc and the Swift
    /// runtime (which `--static-swift-stdlib` links in): read from `ldd` of the `lienthong` built here.
    func testRuntimeStageHasTheLibrariesTheBinaryNeeds() throws {
        let binary = try lienthongExecutable()
        let ldd = try executable("ldd")
        let run = try runProcess(ldd, [binary.path])
        guard run.status == 0 else { throw XCTSkip("ldd cannot read the binary: \(run.stderr)") }
        let swiftRuntime = ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime"]
        let inEveryDebian: Set<String> = ["linux-vdso.so.1", "libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
                                          "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1", "libgcc_s.so.1"]
        let packages = ["libsqlite3.so.0": "libsqlite3-0", "libz.so.1": "zlib1g", "libstdc++.so.6": "libstdc++6"]
        let runtimeInstall = try dockerfileInstructions().filter { $0.keyword == "RUN" }.map(\.arguments).last { $0.contains("apt-get install") }
        let installed = Set((runtimeInstall ?? "").split(separator: " ").map(String.init))
        for line in run.stdout.split(separator: "\n") {
            let library = String(line.trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            let base = (library as NSString).lastPathComponent
            if swiftRuntime.contains(where: { base.hasPrefix($0) }) || inEveryDebian.contains(base) { continue }
            guard let package = packages[base] else {
                XCTFail("the binary needs \(base): add its Debian package to the runtime stage and to this test's table")
                continue
            }
            XCTAssertTrue(installed.contains(package), "the runtime stage does not install \(package) (for \(base))")
        }
        for needed in ["ca-certificates", "curl", "tini", "openssl"] {
            XCTAssertTrue(installed.contains(needed), "the runtime stage does not install \(needed)")
        }
    }

    // MARK: - entrypoint.sh, outside Docker

    func testEntrypointIsAnExecutablePOSIXScript() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.entrypoint.path))
        for shell in ["/bin/sh", "/bin/dash", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
            let run = try runProcess(shell, ["-n", Self.entrypoint.path])
            XCTAssertEqual(run.status, 0, "\(shell) -n: \(run.stderr)")
        }
        if let shellcheck = try? executable("shellcheck") {
            let run = try runProcess(shellcheck, ["-s", "sh", Self.entrypoint.path])
            XCTAssertEqual(run.status, 0, "shellcheck: \(run.stdout)")
        }
    }

    func testGatewayModeWithoutConfigurationOrSetupRefuses() throws {
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try runProcess(Self.entrypoint.path, ["gateway"], environment: [
            "LIENTHONG_BIN": try lienthongExecutable().path, "LIENTHONG_HOME": home.path,
            "LIENTHONG_CONFIG": home.appendingPathComponent("demo/lienthong.toml").path, "LIENTHONG_DEMO_SETUP": "0",
        ])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("LIENTHONG_DEMO_SETUP=1"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.appendingPathComponent("demo").path), "nothing written")
    }

    func testMigrateModeRefusesAPasswordThatIsNotURLSafe() throws {
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let passwordFile = home.appendingPathComponent("password")
        try "p@ss/word:x\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let run = try runProcess(Self.entrypoint.path, ["migrate", "--list"], environment: [
            "LIENTHONG_BIN": try lienthongExecutable().path, "LIENTHONG_HOME": home.path,
            "LIENTHONG_STORAGE_URL": "postgres://lienthong@127.0.0.1:1/lienthong",
            "LIENTHONG_STORAGE_PASSWORD_FILE": passwordFile.path, "LIENTHONG_DATABASE_URL": "",
        ])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("URL-safe"), run.stderr)
        XCTAssertFalse(run.stderr.contains("p@ss"), "the password is never printed")
    }

    /// `entrypoint.sh gateway` with `LIENTHONG_DEMO_SETUP=1` writes the example setup (with a server certificate for
    /// compose service names), serves `/healthz`, and answers a member over mTLS under the name `gateway-1`;
    /// `entrypoint.sh sim population` serves from the same folder under the name `population`; both stop on SIGTERM.
    func testGatewayAndSimulatorModesOutsideDocker() async throws {
        let binary = try lienthongExecutable()
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = home.appendingPathComponent("demo/lienthong.toml")
        let certs = home.appendingPathComponent("demo/certs")
        let partnerPort = CrashRecoveryTests.freePort(), adminPort = CrashRecoveryTests.freePort()
        let simulatorPort = CrashRecoveryTests.freePort()
        let environment = [
            "LIENTHONG_BIN": binary.path, "LIENTHONG_HOME": home.path, "LIENTHONG_CONFIG": config.path,
            "LIENTHONG_DEMO_SETUP": "1", "LIENTHONG_DEMO_SERVER_NAMES": "gateway-1,population",
            "LIENTHONG_PARTNER_LISTEN": "127.0.0.1:\(partnerPort)", "LIENTHONG_ADMIN_LISTEN": "127.0.0.1:\(adminPort)",
            "LIENTHONG_LOG_LEVEL": "warning", "LIENTHONG_SIM_LISTEN": "127.0.0.1:\(simulatorPort)", "LIENTHONG_WAIT_SECONDS": "5",
        ]
        let gateway = try EntrypointProcess(Self.entrypoint, ["gateway"], environment: environment, logs: home)
        defer { gateway.kill() }

        // The setup (the demo's scenario, once) and the gateway start: /healthz answers `ok` on the admin port. The
        // scenario alone takes 20 s on an idle 2-core machine and over 45 s beside the rest of the suite; 120 s also
        // covers the demo's own shutdown deadline (60 s), whose report is printed when it fires.
        var healthy = false
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, gateway.process.isRunning {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/healthz"), timeout: .seconds(2)),
               response.status == .ok,
               let body = try? await response.body.collect(upTo: 1024),
               String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines) == "ok" {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if let report = gateway.stderrTail(2000).split(separator: "\n").first(where: { $0.hasPrefix("demo: shutdown") }) {
            print("docker entrypoint setup: \(report)")
        }
        XCTAssertTrue(healthy, "no `ok` from /healthz; entrypoint stderr:\n\(gateway.stderrTail())")
        guard healthy else { return }
        XCTAssertTrue(FileManager.default.fileExists(atPath: config.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.appendingPathComponent("demo.partial").path), "the scratch folder is gone")
        let toml = try String(contentsOf: config, encoding: .utf8)
        XCTAssertFalse(toml.contains("demo.partial"), "paths name the final folder")

        if let curl = try? executable("curl") {
            // The reissued server certificate verifies under a compose service name (curl checks the host name).
            func call(_ name: String, _ port: Int, _ path: String, _ extra: [String]) throws -> String {
                try runProcess(curl, [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                    "--resolve", "\(name):\(port):127.0.0.1", "--cacert", certs.appendingPathComponent("ca.pem").path,
                ] + extra + ["https://\(name):\(port)\(path)"]).stdout
            }
            let member = ["--cert", certs.appendingPathComponent("gov.labour.dongnai.pem").path,
                          "--key", certs.appendingPathComponent("gov.labour.dongnai-key.pem").path]
            let banks = try call("gateway-1", partnerPort, "/v1/services/directory.banks",
                                 member + ["-H", "Content-Type: application/json", "-H", "X-User-Id: canbo-01", "-d", "{}"])
            XCTAssertEqual(banks, "200", "directory.banks through gateway-1; stderr:\n\(gateway.stderrTail())")
            let unknownName = try call("not-in-the-certificate", partnerPort, "/v1/services/directory.banks", member + ["-d", "{}"])
            XCTAssertEqual(unknownName, "000", "a name outside the certificate fails verification")

            // The simulator mode, from the same shared folder.
            let simulator = try EntrypointProcess(Self.entrypoint, ["sim", "population"], environment: environment, logs: home)
            defer { simulator.kill() }
            let gatewayIdentity = ["--cert", certs.appendingPathComponent("gateway.pem").path,
                                   "--key", certs.appendingPathComponent("gateway-key.pem").path]
            var answer = "000"
            let simulatorDeadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < simulatorDeadline, simulator.process.isRunning {
                answer = try call("population", simulatorPort, "/soap", gatewayIdentity + ["-d", "<x/>", "-H", "Content-Type: text/xml"])
                if answer != "000" { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            XCTAssertNotEqual(answer, "000", "the population simulator did not answer; stderr:\n\(simulator.stderrTail())")
            XCTAssertTrue(try simulator.terminate(), "the simulator did not stop on SIGTERM")
        } else {
            print("DockerFilesTests: curl not installed, the mTLS and simulator checks were skipped")
        }

        // SIGTERM reaches `lienthong serve` itself (the script execs it) and it exits cleanly.
        XCTAssertTrue(try gateway.terminate(), "the gateway did not stop within 20 s of SIGTERM")
        XCTAssertEqual(gateway.process.terminationReason, .exit)
        XCTAssertEqual(gateway.process.terminationStatus, 0, gateway.stderrTail())

        // Setup again: the configuration is there, nothing is redone.
        let again = try runProcess(Self.entrypoint.path, ["setup"], environment: environment)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("configuration present"), again.stderr)
    }

    /// The cluster's gateway on PostgreSQL, through the entrypoint (migrations, then serve). Runs only with
    /// `LIENTHONG_TEST_POSTGRES=postgres://user[:password]@127.0.0.1:port/db` (a throw-away database).
    func testGatewayModeOnPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"], url.hasPrefix("postgres") else {
            throw XCTSkip("set LIENTHONG_TEST_POSTGRES=postgres://… (a throw-away database) to run the gateway on PostgreSQL")
        }
        let binary = try lienthongExecutable()
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let adminPort = CrashRecoveryTests.freePort()
        let environment = [
            "LIENTHONG_BIN": binary.path, "LIENTHONG_HOME": home.path,
            "LIENTHONG_CONFIG": home.appendingPathComponent("demo/lienthong.toml").path, "LIENTHONG_DEMO_SETUP": "1",
            "LIENTHONG_PARTNER_LISTEN": "127.0.0.1:\(CrashRecoveryTests.freePort())", "LIENTHONG_ADMIN_LISTEN": "127.0.0.1:\(adminPort)",
            "LIENTHONG_STORAGE_URL": url, "LIENTHONG_LOG_LEVEL": "warning",
        ]
        let gateway = try EntrypointProcess(Self.entrypoint, ["gateway"], environment: environment, logs: home)
        defer { gateway.kill() }
        var healthy = false
        let deadline = ContinuousClock.now + .seconds(120)   // the demo setup first: see testGatewayAndSimulatorModesOutsideDocker
        while ContinuousClock.now < deadline, gateway.process.isRunning {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/readyz"), timeout: .seconds(2)), response.status == .ok {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if !healthy, gateway.stderrTail().contains("storage") && gateway.stderrTail().contains("unknown") {
            throw XCTSkip("this lienthong does not take PostgreSQL storage yet: \(gateway.stderrTail())")
        }
        XCTAssertTrue(healthy, "the gateway on PostgreSQL did not become ready:\n\(gateway.stderrTail())")
        XCTAssertTrue(gateway.stderrTail().contains("lienthong migrate"), "migrations applied before serving")
        XCTAssertTrue(try gateway.terminate())
        let list = try runProcess(binary.path, ["migrate", "--list", "--database-url", url])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertFalse(list.stdout.contains("pending"), list.stdout)
    }

    // MARK: - helpers

    /// The absolute path of `name` on PATH.
    func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("\(name) is not installed")
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-docker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A process started in the background with its standard error in a file (for diagnostics), stopped with SIGTERM.
final class EntrypointProcess {
    let process = Process()
    let stderrFile: URL

    init(_ executable: URL, _ arguments: [String], environment: [String: String], logs: URL) throws {
        stderrFile = logs.appendingPathComponent("\(arguments.joined(separator: "-"))-\(UUID().uuidString).stderr")
        try Data().write(to: stderrFile)
        process.executableURL = executable
        process.arguments = arguments
        // The test's own environment, without storage or listener overrides it may carry, then the test's values.
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LIENTHONG_") }
        base.merge(environment) { _, new in new }
        process.environment = base
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    /// Sends SIGTERM and waits up to 20 s; `true` when the process exited.
    func terminate() throws -> Bool {
        guard process.isRunning else { return true }
        process.terminate()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning
    }

    /// SIGKILL if still running (cleanup after a failed test).
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// The last lines of standard error.
    func stderrTail(_ count: Int = 40) -> String {
        let text = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }
}
