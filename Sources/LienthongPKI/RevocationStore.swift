public import X509
import Foundation
import Synchronization

/// A problem with one CRL file, reported by ``RevocationStore``.
public struct RevocationStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unreadable
            case malformed
            case untrusted
            case rollback
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file is missing or cannot be read.
        public static let unreadable = Code(.unreadable)
        /// The file is not a CRL (PEM or DER).
        public static let malformed = Code(.malformed)
        /// The CRL's signature does not verify against any trust anchor.
        public static let untrusted = Code(.untrusted)
        /// The CRL has a lower CRL number than the one already loaded from the same file and issuer.
        public static let rollback = Code(.rollback)

        /// The code as a short string.
        public var description: String { base.rawValue }
    }

    /// The CRL file, as configured.
    public var file: String
    /// What went wrong.
    public var code: Code
    /// A fixed phrase describing the problem.
    public var reason: String

    /// Creates an error.
    public init(file: String, code: Code, reason: String) {
        self.file = file
        self.code = code
        self.reason = reason
    }

    /// `"CRL file <file>: <code>: <reason>"`.
    public var description: String { "CRL file \(file): \(code): \(reason)" }
}

/// Holds the CRLs from a set of files and answers whether a certificate is revoked.
///
/// A file is reloaded when its modification time, size or inode changes; call ``reloadIfChanged()`` often
/// (it only stats the files when nothing changed), e.g. once a second from a background task. A CRL that
/// does not parse, is not signed by one of the trust anchors, or carries a lower CRL number than the one
/// loaded is refused: the previously loaded CRL for that file stays in force and the problem is reported.
///
/// ```swift
/// let store = try RevocationStore(files: ["/etc/lienthong/crl.pem"], trustAnchors: [ca])
/// for problem in store.reloadIfChanged() { logger.warning("\(problem)") }
/// if store.isRevoked(peerCertificate) { /* 401 */ }
/// ```
public final class RevocationStore: Sendable {
    private enum Stamp: Equatable {
        case missing
        case present(modified: Date?, size: UInt64?, inode: UInt64?)
    }

    private struct FileState {
        var path: String
        var stamp: Stamp?
        var list: RevocationList?
        var problem: RevocationStoreError?
    }

    private let trustAnchors: [Certificate]
    private let state: Mutex<[FileState]>

    /// Loads every file now; throws the first problem (a missing, malformed or untrusted CRL at start-up is
    /// a configuration error).
    public init(files: [String], trustAnchors: [Certificate]) throws {
        self.trustAnchors = trustAnchors
        var states: [FileState] = []
        for file in files {
            let stamp = Self.stamp(of: file)
            switch Self.load(file: file, trustAnchors: trustAnchors) {
            case .success(let list):
                states.append(FileState(path: file, stamp: stamp, list: list, problem: nil))
            case .failure(let error):
                throw error
            }
        }
        self.state = Mutex(states)
    }

    /// The configured files.
    public var files: [String] {
        state.withLock { $0.map(\.path) }
    }

    /// Reloads the files whose modification time, size or inode changed since the last look.
    ///
    /// Returns the problems found in this pass (each reported once per change of the file); the last good
    /// CRL of a failing file stays in force.
    public func reloadIfChanged() -> [RevocationStoreError] {
        let snapshot = state.withLock { states in states.map { ($0.path, $0.stamp) } }
        var problems: [RevocationStoreError] = []
        for (index, (path, oldStamp)) in snapshot.enumerated() {
            let newStamp = Self.stamp(of: path)
            guard newStamp != oldStamp else { continue }
            var result = Self.load(file: path, trustAnchors: trustAnchors)
            state.withLock { states in
                // Another caller reloaded meanwhile: its result is at least as new as ours.
                guard states[index].stamp == oldStamp else { return }
                if case .success(let list) = result, let old = states[index].list,
                    old.issuer == list.issuer, let oldNumber = old.number, let newNumber = list.number,
                    newNumber < oldNumber
                {
                    result = .failure(
                        RevocationStoreError(file: path, code: .rollback, reason: "CRL number is lower than the loaded one")
                    )
                }
                states[index].stamp = newStamp
                switch result {
                case .success(let list):
                    states[index].list = list
                    states[index].problem = nil
                case .failure(let error):
                    states[index].problem = error
                    problems.append(error)
                }
            }
        }
        return problems
    }

    /// Whether a loaded CRL whose issuer equals `certificate.issuer` lists `certificate.serialNumber`.
    public func isRevoked(_ certificate: Certificate) -> Bool {
        state.withLock { states in
            states.contains { $0.list?.revokes(certificate) ?? false }
        }
    }

    /// The CRLs in force, by file.
    public func lists() -> [String: RevocationList] {
        state.withLock { states in
            var result: [String: RevocationList] = [:]
            for entry in states {
                if let list = entry.list { result[entry.path] = list }
            }
            return result
        }
    }

    /// The outstanding problems: for each file whose latest version was refused, why.
    public func currentProblems() -> [RevocationStoreError] {
        state.withLock { states in states.compactMap(\.problem) }
    }

    // MARK: - File access

    private static func stamp(of path: String) -> Stamp {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            return .missing
        }
        let modified = attributes[.modificationDate] as? Date
        let size = (attributes[.size] as? NSNumber)?.uint64Value
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
        return .present(modified: modified, size: size, inode: inode)
    }

    private static func load(file: String, trustAnchors: [Certificate]) -> Result<RevocationList, RevocationStoreError> {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(RevocationStoreError(file: file, code: .unreadable, reason: "file cannot be read"))
        }
        let list: RevocationList
        do {
            list = try RevocationList(fileContents: Array(data))
        } catch {
            return .failure(RevocationStoreError(file: file, code: .malformed, reason: "file is not a CRL (PEM or DER)"))
        }
        guard trustAnchors.contains(where: { list.isSignatureValid(issuer: $0) }) else {
            return .failure(
                RevocationStoreError(file: file, code: .untrusted, reason: "CRL signature does not verify against any trust anchor")
            )
        }
        return .success(list)
    }
}
