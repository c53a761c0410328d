import ArgumentParser
import Foundation
import LienthongAudit
import LienthongConfig
import LienthongGateway

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Audit log: verify the chain, export it, show checkpoints and the checkpoint key.",
        subcommands: [Verify.self, Export.self, Checkpoints.self, PublicKey.self])

    static func open(_ options: ConfigOption) throws -> (SQLiteAuditStore, AuditKeys) {
        let config = try options.load(checkFiles: false)
        _ = Logs.bootstrap(level: "warning")
        guard FileManager.default.fileExists(atPath: config.storage.sqlitePath) else {
            throw CLIError(message: "\(config.storage.sqlitePath): no audit database (has the gateway run with this configuration?)")
        }
        let keys = try Gateway.auditKeys(config.audit)
        let store = try SQLiteAuditStore(path: config.storage.sqlitePath, keys: keys)
        return (store, keys)
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every hash, link, seq and checkpoint signature. Exit 0 intact, 1 naming the first bad seq.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Verify an export instead of the database: records JSON Lines file.") var export: String?
        @Option(help: "With --export: checkpoints JSON Lines file.") var checkpoints: String?
        @Option(help: "With --export: checkpoint public key (PEM).") var pubkey: String?

        func run() async throws {
            let result: AuditVerification
            if let export {
                guard let checkpoints, let pubkey else {
                    throw ValidationError("--export needs --checkpoints and --pubkey")
                }
                result = try AuditExport.verify(
                    recordsFile: URL(fileURLWithPath: export), checkpointsFile: URL(fileURLWithPath: checkpoints),
                    publicKeyPEM: try String(contentsOfFile: pubkey, encoding: .utf8))
            } else {
                let (store, keys) = try AuditCommand.open(options)
                result = try store.verify(publicKey: keys.signingKey.publicKey)
            }
            print(result.description)
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the records as JSON Lines (one object per line, with hash).")
        @OptionGroup var options: ConfigOption
        @Option(help: "Output file (default: standard output).") var out: String?

        func run() async throws {
            let (store, _) = try AuditCommand.open(options)
            if let out { _ = try store.export(to: URL(fileURLWithPath: out)) } else { _ = try store.export(to: FileHandle.standardOutput) }
        }
    }

    struct Checkpoints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the signed checkpoints as JSON Lines.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Output file (default: standard output).") var out: String?

        func run() async throws {
            let (store, _) = try AuditCommand.open(options)
            if let out { _ = try store.exportCheckpoints(to: URL(fileURLWithPath: out)) } else { _ = try store.exportCheckpoints(to: FileHandle.standardOutput) }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pubkey", abstract: "Print the checkpoint public key as PEM.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load(checkFiles: false)
            let keys = try Gateway.auditKeys(config.audit)
            print(keys.signingKey.publicKey.pemRepresentation)
        }
    }
}
