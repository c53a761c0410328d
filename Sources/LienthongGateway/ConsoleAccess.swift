import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LienthongConfig
import Logging
import NIOCore

/// Who may use the operator console (SPEC §8) and the checks every console request goes through.
///
/// - With `admin.console_token_file` set, the token is read once at start-up (whitespace trimmed) and every console
///   request must carry it, as the cookie `lienthong_console=<token>` (set by the login form) or as
///   `Authorization: Bearer <token>`; tokens are compared in constant time (digests of equal length, compared
///   without an early exit). An unreadable or empty token file closes the console (fail closed).
/// - Without it the console is open: the configuration only allows that on a loopback listener, and requests whose
///   `Host` is not a loopback name (DNS rebinding) are refused.
/// - Every POST carries ``csrfToken`` (32 random bytes, hex, fresh per process) and, when the browser sends an
///   `Origin`, it must be the admin listener's own origin.
struct ConsoleAccess: Sendable {
    /// How the console is protected.
    enum Mode: Sendable, Equatable {
        /// No token configured: open (loopback only).
        case open
        /// A token is required; SHA-256 of the token.
        case token(digest: [UInt8])
        /// A token file is configured but could not be read: the console refuses everything.
        case unavailable
    }

    /// Whether a request may see the console.
    enum Verdict: Sendable, Equatable {
        /// Go ahead.
        case allowed
        /// No credential was presented.
        case missing
        /// A credential was presented and is wrong.
        case wrong
        /// The console is closed (token file unreadable).
        case unavailable
        /// Open console reached through a host name that is not loopback.
        case foreignHost
    }

    /// The cookie the login form sets.
    static let cookieName = "lienthong_console"
    /// Largest accepted form body.
    static let maxFormBytes = 16 * 1024

    let mode: Mode
    /// The anti-CSRF token embedded in every console form (random per process).
    let csrfToken: String
    /// The admin listener's configured address (its own origin when the port is fixed).
    let listen: HostPort

    /// Reads the token file (when configured) and draws the CSRF token.
    init(admin: GatewayConfiguration.AdminListener, logger: Logger) {
        listen = admin.listen
        var generator = SystemRandomNumberGenerator()
        csrfToken = Self.randomHex(byteCount: 32, using: &generator)
        guard let file = admin.consoleTokenFile else {
            mode = .open
            return
        }
        guard let token = Self.readToken(file: file) else {
            logger.error("console token file cannot be read or is empty; the console is closed", metadata: ["file": "\(file)"])
            mode = .unavailable
            return
        }
        mode = .token(digest: Array(SHA256.hash(data: Data(token.utf8))))
    }

    /// The token in `file`, whitespace trimmed; `nil` when unreadable or empty.
    static func readToken(file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Whether `request` may see the console.
    func verdict(_ request: Request) -> Verdict {
        switch mode {
        case .unavailable:
            return .unavailable
        case .open:
            return Self.isLoopbackAuthority(request.head.authority) ? .allowed : .foreignHost
        case .token:
            var presented: [String] = []
            if let authorization = request.headers[.authorization] {
                let parts = authorization.split(separator: " ", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "bearer" {
                    presented.append(parts[1].trimmingCharacters(in: .whitespaces))
                }
            }
            if let cookie = Self.cookie(Self.cookieName, in: request) { presented.append(cookie) }
            guard !presented.isEmpty else { return .missing }
            // Every presented credential is checked, so the time taken does not depend on which one matched.
            let matches = presented.map(tokenMatches).contains(true)
            return matches ? .allowed : .wrong
        }
    }

    /// Whether `candidate` is the operator token (constant time in the candidate's content).
    func tokenMatches(_ candidate: String) -> Bool {
        guard case .token(let digest) = mode else { return false }
        return Self.constantTimeEqual(Array(SHA256.hash(data: Data(candidate.utf8))), digest)
    }

    /// Whether a form's `csrf` field is this process's token (constant time).
    func csrfMatches(_ candidate: String?) -> Bool {
        guard let candidate else { return false }
        let a = Array(SHA256.hash(data: Data(candidate.utf8)))
        let b = Array(SHA256.hash(data: Data(csrfToken.utf8)))
        return Self.constantTimeEqual(a, b)
    }

    /// `false` when the request has an `Origin` that is not the admin listener's own (`http://<Host>` or the
    /// configured `http://host:port`). Requests without `Origin` (non-browser clients) pass; the CSRF token still
    /// protects them.
    func originAllowed(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        let normalized = origin.lowercased()
        var own: [String] = []
        if let authority = request.head.authority, !authority.isEmpty { own.append("http://" + authority.lowercased()) }
        if listen.port != 0 { own.append("http://" + listen.description.lowercased()) }
        return own.contains(normalized)
    }

    /// The `Set-Cookie` value that signs the browser in.
    func sessionCookie(token: String) -> String {
        "\(Self.cookieName)=\(Self.cookieValue(token)); HttpOnly; SameSite=Strict; Path=/console"
    }

    /// `next` when it is a path under `/console` (no scheme, host, `//`, backslash, `..` or control characters),
    /// otherwise `nil`: the login form never redirects outside the console.
    static func safeNext(_ raw: String?) -> String? {
        guard let raw, raw.utf8.count <= 1024 else { return nil }
        let path = raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/console" || path.hasPrefix("/console/") else { return nil }
        guard !raw.contains("\\"), !path.contains("//"), !path.contains("/.."), !path.contains("#") else { return nil }
        guard raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        return raw
    }

    /// Whether a `Host` value names a loopback address (`127.x`, `localhost`, `[::1]`), with or without a port.
    static func isLoopbackAuthority(_ authority: String?) -> Bool {
        // HTTP/1.1 clients always send Host; a request without one cannot come from a DNS-rebound browser page.
        guard let authority, !authority.isEmpty else { return true }
        var host = authority.lowercased()
        if host.hasPrefix("[") {
            guard let end = host.firstIndex(of: "]") else { return false }
            host = String(host[host.index(after: host.startIndex)..<end])
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return HostPort(host: host, port: 0).isLoopback
    }

    /// The value of cookie `name` (percent-decoded), from every `Cookie` header of `request`.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                return value.removingPercentEncoding ?? value
            }
        }
        return nil
    }

    /// A token as a cookie value: RFC 6265 `cookie-octet`s kept, everything else (and `%`) percent-encoded.
    static func cookieValue(_ token: String) -> String {
        var out = ""
        for byte in token.utf8 {
            let allowed = byte == 0x21 || (0x23...0x2B).contains(byte) || (0x2D...0x3A).contains(byte)
                || (0x3C...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
            if allowed, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Equal-length byte arrays compared without an early exit.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// `byteCount` random bytes as lowercase hex.
    static func randomHex(byteCount: Int, using generator: inout some RandomNumberGenerator) -> String {
        var out = ""
        for _ in 0..<byteCount {
            let byte = UInt8.random(in: 0...255, using: &generator)
            out += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return out
    }
}

/// A refused console form.
struct ConsoleFormError: Error, Sendable, Equatable {
    /// Why.
    enum Code: String, Sendable {
        /// Not `application/x-www-form-urlencoded`.
        case unsupportedMediaType = "unsupported-media-type"
        /// Larger than ``ConsoleAccess/maxFormBytes``.
        case tooLarge = "too-large"
        /// Not valid UTF-8 or a bad percent escape.
        case malformed
    }

    var code: Code

    /// The HTTP status to answer with.
    var status: HTTPResponse.Status {
        switch code {
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooLarge: .contentTooLarge
        case .malformed: .badRequest
        }
    }
}

/// `application/x-www-form-urlencoded` bodies (WHATWG URL standard: `&`-separated `name=value`, `+` is a space,
/// then percent-decoding as UTF-8). The first of repeated names wins.
enum ConsoleForm {
    /// Reads and parses the body of `request` (at most ``ConsoleAccess/maxFormBytes``).
    static func read(_ request: Request) async throws(ConsoleFormError) -> [String: String] {
        let media = (request.headers[.contentType] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/x-www-form-urlencoded" else { throw ConsoleFormError(code: .unsupportedMediaType) }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > ConsoleAccess.maxFormBytes {
            throw ConsoleFormError(code: .tooLarge)
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: ConsoleAccess.maxFormBytes) } catch {
            throw ConsoleFormError(code: .tooLarge)
        }
        return try parse(Array(buffer.readableBytesView))
    }

    /// Parses a form body.
    static func parse(_ bytes: [UInt8]) throws(ConsoleFormError) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// `+` → space, `%XX` → byte, then UTF-8.
    static func decode(_ bytes: ArraySlice<UInt8>) throws(ConsoleFormError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard bytes.endIndex - index >= 3, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    throw ConsoleFormError(code: .malformed)
                }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw ConsoleFormError(code: .malformed) }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
