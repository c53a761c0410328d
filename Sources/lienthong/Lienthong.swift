import ArgumentParser
import Foundation
import LienthongConfig
import LienthongGateway
import Logging

/// `lienthong`: the gateway, its simulators and its operator tools.

struct Lienthong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lienthong",
        abstract: "Lienthong: inter-agency data exchange gateway (liên thông dữ liệu).",
        subcommands: [
            Serve.self, Demo.self, ConfigCommand.self, Certs.self, AuditCommand.self, QueueCommand.self, AsxhCommand.self, LaborCommand.self, Sim.self,
            ConformanceCommand.self, Bench.self, MigrateCommand.self,
        ]
    )
}

/// Options shared by commands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String = "lienthong.toml"

    func load(checkFiles: Bool = true) throws -> GatewayConfiguration {
        do {
            return try ConfigurationLoader.load(path: config, checkFiles: checkFiles)
        } catch {
            throw CLIError(message: error.description)
        }
    }
}

/// A failure reported to the person at the terminal, without a stack trace.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Sets up JSON logging once per process.
enum Logs {
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: parsed) }
        return Logger(label: "lienthong")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway until SIGTERM or SIGINT.")
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let logger = Logs.bootstrap(level: config.gateway.logLevel)
        let gateway: Gateway
        do {
            // PostgreSQL storage: connect and apply pending migrations, or give up with a message (postgres-nio's
            // pool would otherwise retry an unreachable server for ever).
            gateway = try await withDeadline(seconds: 60) { try await Gateway.open(configuration: config, logger: logger) }
        } catch is DeadlineExceeded {
            throw CLIError(message: "serve: the storage database did not answer within 60 s (storage.url)")
        }
        try await gateway.run(handleSignals: true) { endpoints in
            logger.info("gateway ready", metadata: [
                "partnerPort": "\(endpoints.partnerPort)", "adminPort": "\(endpoints.adminPort)",
            ])
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Configuration tools.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a configuration file and report every problem with its key.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config: GatewayConfiguration
            do {
                config = try ConfigurationLoader.load(path: options.config)
            } catch {
                print(error.description)
                throw ExitCode(1)
            }
            let problems = ConfigurationContentCheck.problems(in: config)
            guard problems.isEmpty else {
                print(ConfigurationError(file: options.config, problems: problems).description)
                throw ExitCode(1)
            }
            print("\(options.config): OK (\(config.members.count) members, partner \(config.partner.listen), admin \(config.admin.listen))")
        }
    }
}
