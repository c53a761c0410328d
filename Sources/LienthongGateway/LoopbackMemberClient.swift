import LienthongClient
import LienthongCore
import Synchronization

/// The client a member system hosted beside the gateway (the registry, labour analysis) uses to call the gateway's
/// own partner listener: `https://127.0.0.1:<partner port>` over mTLS with the member's certificate, created on first
/// use once the listener's real port is known. Its calls are authorised and audited like any partner's.
final class LoopbackMemberClient: Sendable {
    private let certificateFile: String
    private let privateKeyFile: String
    private let trustAnchorFile: String
    private let port = Mutex<Int?>(nil)
    private let client = Mutex<PartnerClient?>(nil)

    init(certificateFile: String, privateKeyFile: String, trustAnchorFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.trustAnchorFile = trustAnchorFile
    }

    /// Records the partner listener's real port (known once it is bound).
    func partnerListening(port: Int) { self.port.withLock { $0 = port } }

    /// The client, created on first use; `503` until the partner listener is bound.
    func get() throws -> PartnerClient {
        guard let port = port.withLock({ $0 }) else {
            throw GatewayProblem(.upstreamUnavailable, detail: "the partner listener is not ready", retryAfterSeconds: 1)
        }
        return try client.withLock { existing in
            if let existing { return existing }
            let created = try PartnerClient(
                baseURL: "https://127.0.0.1:\(port)", certificateFile: certificateFile, keyFile: privateKeyFile,
                caFile: trustAnchorFile, maxConnections: 16)
            existing = created
            return created
        }
    }

    /// Closes the client (gateway shutdown).
    func shutdown() async {
        let existing = client.withLock { client -> PartnerClient? in
            defer { client = nil }
            return client
        }
        try? await existing?.shutdown()
    }
}
