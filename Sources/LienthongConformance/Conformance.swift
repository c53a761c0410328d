public import AsyncHTTPClient
import Foundation
public import LienthongCore
import LienthongPKI
import NIOCore
public import NIOHTTP1

/// The partner conformance kit: runs a contract's scenarios against a partner's endpoint (what a bank, NAPAS or
/// social insurance must accept, answer and refuse) and reports each check with a reason.
///
/// ```swift
/// let target = try ConformanceTarget(url: "https://bank.example:9447/asxh/messages",
///                                    certificateFile: "gateway.pem", keyFile: "gateway-key.pem", caFile: "ca.pem")
/// let results = await ConformanceSuite.bank(bin: "970436").run(against: target)
/// print(ConformanceReport(results).table)
/// ```
///
/// The kit speaks as the gateway does (mTLS with the given client certificate); it never needs data from the
/// partner's side, except where a check says so (e.g. a known account to expect `verification: true`).
public struct ConformanceCheck: Sendable {
    /// Short id, e.g. `refuses-missing-message-id`.
    public var id: String
    /// What the contract requires, in one sentence.
    public var requirement: String
    /// Runs the check; throws ``ConformanceFailure`` with the reason when the partner does not conform.
    public var run: @Sendable (ConformanceTarget) async throws -> Void

    /// Creates a check.
    public init(id: String, requirement: String, run: @escaping @Sendable (ConformanceTarget) async throws -> Void) {
        self.id = id
        self.requirement = requirement
        self.run = run
    }
}

/// Why a check failed: what was expected and what came (never a personal value).
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The reason.
    public var reason: String
    /// Creates a failure.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}

/// The outcome of one check.
public struct ConformanceResult: Sendable, Equatable {
    /// The check's id.
    public var id: String
    /// The requirement checked.
    public var requirement: String
    /// Whether the partner conformed.
    public var passed: Bool
    /// Why it failed (empty when passed).
    public var reason: String

    /// Creates a result.
    public init(id: String, requirement: String, passed: Bool, reason: String) {
        self.id = id
        self.requirement = requirement
        self.passed = passed
        self.reason = reason
    }
}

/// A named list of checks: ``bank(bin:sender:)``, ``napas(signer:partnerKeys:providerCode:knownAccount:assigner:)``,
/// ``vss(samplePersonalID:)``, or your own.
public struct ConformanceSuite: Sendable {
    /// `bank`, `napas` or `vss`.
    public var name: String
    /// The checks, run in order.
    public var checks: [ConformanceCheck]

    /// Creates a suite.
    public init(name: String, checks: [ConformanceCheck]) {
        self.name = name
        self.checks = checks
    }

    /// Runs every check against `target`, one after another (a failing or crashing check does not stop the rest).
    public func run(against target: ConformanceTarget) async -> [ConformanceResult] {
        var results: [ConformanceResult] = []
        for check in checks {
            do {
                try await check.run(target)
                results.append(ConformanceResult(id: check.id, requirement: check.requirement, passed: true, reason: ""))
            } catch let failure as ConformanceFailure {
                results.append(ConformanceResult(id: check.id, requirement: check.requirement, passed: false, reason: failure.reason))
            } catch {
                results.append(ConformanceResult(
                    id: check.id, requirement: check.requirement, passed: false, reason: "exchange failed: \(Self.describe(error))"))
            }
        }
        return results
    }

    /// A transport error for a reason: connection, TLS and HTTP client errors by their description (they carry
    /// no body content), anything else by its type only.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? IOError { return "\(error)" }
        if let error = error as? ChannelError { return "\(error)" }
        let type = String(describing: Swift.type(of: error))
        if type.contains("SSL") || type.contains("TLS") { return "TLS failure: \(String(describing: error).prefix(200))" }
        return type
    }
}

/// A pass/fail table of results.
public struct ConformanceReport: Sendable {
    /// The results.
    public var results: [ConformanceResult]
    /// Creates a report.
    public init(_ results: [ConformanceResult]) { self.results = results }

    /// Whether every check passed.
    public var allPassed: Bool { results.allSatisfy(\.passed) }

    /// One line per check (`PASS`/`FAIL`, id, requirement, reason) and a summary line.
    public var table: String {
        let width = results.map(\.id.count).max() ?? 10
        var lines = results.map { result in
            let id = result.id.padding(toLength: width, withPad: " ", startingAt: 0)
            let reason = result.passed ? "" : "\n       → \(result.reason)"
            return "\(result.passed ? "PASS" : "FAIL")  \(id)  \(result.requirement)\(reason)"
        }
        lines.append("\(results.filter(\.passed).count) of \(results.count) checks passed")
        return lines.joined(separator: "\n")
    }
}

/// The partner endpoint under test and the client that talks to it (mTLS).
public final class ConformanceTarget: Sendable {
    /// The endpoint URL (the exact operation URL, e.g. `https://host:port/asxh/messages`).
    public let url: String
    /// The HTTP client presenting the kit's client certificate.
    public let http: HTTPClient
    /// Time allowed per exchange.
    public let timeout: Duration

    /// One answer.
    public struct Answer: Sendable {
        /// HTTP status.
        public var status: Int
        /// Headers.
        public var headers: HTTPHeaders
        /// Body.
        public var body: [UInt8]
        /// The body parsed strictly as JSON, `nil` when it is not JSON.
        public var json: JSONValue? { try? JSONValue(parsing: body) }
        /// The media type of `Content-Type`, lower-cased, without parameters.
        public var mediaType: String {
            (headers.first(name: "Content-Type") ?? "").split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        }
    }

    /// Creates a target presenting the certificate in `certificateFile` and trusting the CA in `caFile`; `timeout`
    /// bounds each exchange (and connecting, at most 5 seconds of it).
    public init(url: String, certificateFile: String, keyFile: String, caFile: String, timeout: Duration = .seconds(10)) throws {
        let identity = try TLSProfile.loadIdentity(certificateFile: certificateFile, keyFile: keyFile)
        let roots = try TLSProfile.loadCertificates(file: caFile)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: TLSProfile.mutualClient(certificateChain: identity.chain, privateKey: identity.key, trustRoots: roots))
        configuration.timeout = .init(connect: .nanoseconds(Self.nanoseconds(min(timeout, .seconds(5)))))
        self.url = url
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// Sends one request to ``url``.
    public func send(method: HTTPMethod = .POST, headers: [(String, String)], body: [UInt8]?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Closes the client.
    public func shutdown() async throws { try await http.shutdown() }
}

// MARK: - Helpers shared by the suites

extension ConformanceTarget.Answer {
    /// Fails unless the status is `expected`.
    func expect(status expected: Int, _ what: String) throws {
        guard status == expected else { throw ConformanceFailure("\(what): expected HTTP \(expected), got \(status)") }
    }

    /// Fails unless the status is a 4xx that makes a sender give up (not 408 or 429).
    func expectPermanentRefusal(_ what: String) throws {
        guard (400..<500).contains(status), status != 408, status != 429 else {
            throw ConformanceFailure("\(what): expected a 4xx refusal other than 408/429 (so the sender stops retrying), got \(status)")
        }
    }

    /// The body as a JSON object, or a failure.
    func object(_ what: String) throws -> [String: JSONValue] {
        guard case .object(let object)? = json else { throw ConformanceFailure("\(what): the body is not a JSON object") }
        return object
    }
}

extension JSONValue {
    /// The string value of member `key` of an object.
    subscript(string key: String) -> String? {
        guard case .object(let object) = self, case .string(let s)? = object[key] else { return nil }
        return s
    }

    /// Member `key` of an object.
    subscript(member key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }
}
