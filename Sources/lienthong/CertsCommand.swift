import ArgumentParser
import Foundation
import LienthongPKI

struct Certs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Example PKI for demos and tests (never for production).",
        subcommands: [Init.self, Revoke.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a CA, the server and gateway certificates, and one client certificate per member.")
        @Option(help: "Output folder.") var out: String
        @Option(help: "Comma-separated member ids (default: the example members of SPEC §1).") var members: String?
        @Option(help: "Validity in days.") var days: Int = 825

        func run() async throws {
            let list = members.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                ?? ExamplePKI.defaultMembers
            try ExamplePKI.create(at: URL(fileURLWithPath: out), members: list, validityDays: days)
            print("example PKI written to \(out): ca.pem, server.pem, gateway.pem, \(list.count) member certificates, crl.pem, pins.txt")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a certificate: add it to the CA's CRL (signed, numbered).")
        @Option(help: "Folder with ca.pem and ca-key.pem.") var caDir: String
        @Option(help: "Certificate to revoke (PEM).") var cert: String
        @Option(help: "CRL file to update (default: <ca-dir>/crl.pem).") var crl: String?

        func run() async throws {
            let crlFile = crl ?? URL(fileURLWithPath: caDir).appendingPathComponent("crl.pem").path
            let list = try ExamplePKI.revoke(
                certificateFile: URL(fileURLWithPath: cert), caDirectory: URL(fileURLWithPath: caDir),
                crlFile: URL(fileURLWithPath: crlFile))
            print("\(crlFile): \(list.entries.count) revoked certificate(s), CRL number \(list.number ?? 0)")
        }
    }
}
