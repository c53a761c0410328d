import ArgumentParser
import Crypto
import Foundation
import LienthongAdapters
import LienthongConformance
import LienthongCore
import LienthongPKI
import X509

/// `lienthong conformance bank|napas|vss`: runs a contract's scenarios against a partner's endpoint and prints a
/// pass/fail table with reasons; exit 0 only when every check passes.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Partner conformance kit: check a partner's endpoint against its contract (exit 0 only when all checks pass).",
        discussion: """
            The kit speaks as the gateway does: mutual TLS with --cert/--key, trusting --ca. Each check prints PASS or \
            FAIL with the requirement and, when it fails, what was expected and what came (never a personal value).
            """,
        subcommands: [Bank.self, NAPAS.self, VSS.self])

    /// Runs `suite` against the target of `options`, prints the table, and exits 1 unless all passed.
    static func run(_ suite: ConformanceSuite, _ options: ConformanceTargetOptions) async throws {
        let target: ConformanceTarget
        do {
            target = try ConformanceTarget(
                url: options.target, certificateFile: options.cert, keyFile: options.key, caFile: options.ca,
                timeout: .seconds(options.timeoutSeconds))
        } catch {
            throw CLIError(message: "cannot set up the client (--cert, --key, --ca): \(error)")
        }
        let results = await suite.run(against: target)
        try? await target.shutdown()
        let report = ConformanceReport(results)
        print("\(suite.name) conformance of \(options.target)")
        print(report.table)
        if !report.allPassed { throw ExitCode(1) }
    }

    /// `lienthong conformance bank`: a bank's push endpoint (`Contracts/upstream/bank.openapi.yaml`).
    struct Bank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a bank's push endpoint (POST /asxh/messages): acknowledgements and final refusals.",
            discussion: "Posts two synthetic requests the bank records (requestRef CONFORMANCE-…); use a test system.")
        @OptionGroup var options: ConformanceTargetOptions
        @Option(help: "The bank's 6-digit BIN.") var bin: String
        @Option(help: "The member id sent as X-Sender.") var sender: String = "gov.labour.dongnai"

        func validate() throws {
            guard bin.utf8.count == 6, bin.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw ValidationError("--bin must be 6 digits")
            }
        }

        func run() async throws {
            try await ConformanceCommand.run(.bank(bin: bin, sender: sender), options)
        }
    }

    /// `lienthong conformance napas`: the NAPAS-style account verification (`Contracts/upstream/napas.openapi.yaml`).
    struct NAPAS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a NAPAS-style verification endpoint: signed reports, signed 401/400 refusals.",
            discussion: "Requests are signed with --key (kid = pin of --cert); answers must verify with --signing-cert.")
        @OptionGroup var options: ConformanceTargetOptions
        @Option(help: "NAPAS's answer-signing certificate (PEM); kid = its certificate pin.") var signingCert: String
        @Option(help: "The 6-digit provider code (BIN) asked about.") var providerCode: String = "970436"
        @Option(help: "An open account NAPAS holds at --provider-code, to expect verification: true (optional).") var knownAccount: String?
        @Option(help: "Type of --known-account: CACC, WALT or MOMO.") var knownAccountType: String = "CACC"
        @Option(help: "assignment.assigner.memberId of the requests.") var assigner: String = "gov.labour.dongnai"

        func validate() throws {
            guard NAPASMessages.isDigits(providerCode, count: 6) else { throw ValidationError("--provider-code must be 6 digits") }
            if let knownAccount, !NAPASMessages.isAccountID(knownAccount) {
                throw ValidationError("--known-account must be 1 to 34 letters or digits")
            }
            guard NAPASMessages.AccountType(rawValue: knownAccountType) != nil else {
                throw ValidationError("--known-account-type must be CACC, WALT or MOMO")
            }
        }

        func run() async throws {
            let signer: JWSSigner
            let partnerKeys: JWSVerifier
            do {
                let identity = try IssuedIdentity(
                    certificatePEM: try String(contentsOfFile: options.cert, encoding: .utf8),
                    privateKeyPEM: try String(contentsOfFile: options.key, encoding: .utf8))
                signer = JWSSigner(key: identity.privateKey, keyID: identity.pin)
                let napas = try Certificate(pemEncoded: try String(contentsOfFile: signingCert, encoding: .utf8))
                guard let key = P256.Signing.PublicKey(napas.publicKey) else {
                    throw CLIError(message: "--signing-cert does not hold a P-256 key")
                }
                partnerKeys = JWSVerifier(keys: [CertificatePin.pin(of: napas): key])
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError(message: "cannot load the signing keys (--cert, --key, --signing-cert): \(error)")
            }
            let account = knownAccount.map {
                ConformanceSuite.NAPASAccount(number: $0, type: NAPASMessages.AccountType(rawValue: knownAccountType) ?? .bankAccount)
            }
            try await ConformanceCommand.run(
                .napas(signer: signer, partnerKeys: partnerKeys, providerCode: providerCode, knownAccount: account, assigner: assigner),
                options)
        }
    }

    /// `lienthong conformance vss`: the social-insurance participant lookup (`Contracts/upstream/vss.openapi.yaml`).
    struct VSS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a social-insurance lookup endpoint: answers about the person asked for, 400/415 refusals.")
        @OptionGroup var options: ConformanceTargetOptions
        @Option(help: "A personal id number the service holds (test data), to expect found: true (optional; never printed).")
        var samplePersonalId: String?

        func validate() throws {
            if let samplePersonalId, (try? PersonalID(samplePersonalId)) == nil {
                throw ValidationError("--sample-personal-id must be a 12-digit personal id number")
            }
        }

        func run() async throws {
            try await ConformanceCommand.run(.vss(samplePersonalID: samplePersonalId), options)
        }
    }
}

/// The endpoint under test and the kit's client identity.
struct ConformanceTargetOptions: ParsableArguments {
    @Option(help: "The operation's URL, e.g. https://bank.example:9447/asxh/messages.") var target: String
    @Option(help: "The kit's client certificate (PEM), as the gateway's.") var cert: String
    @Option(help: "Its private key (PEM).") var key: String
    @Option(help: "The CA that issued the partner's server certificate (PEM).") var ca: String
    @Option(help: "Seconds allowed per exchange.") var timeoutSeconds: Int = 10

    func validate() throws {
        guard let url = URL(string: target), url.scheme == "https", url.host != nil else {
            throw ValidationError("--target must be an https URL")
        }
        guard timeoutSeconds > 0 else { throw ValidationError("--timeout-seconds must be positive") }
    }
}
