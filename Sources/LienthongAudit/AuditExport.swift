import Crypto
public import Foundation
import LienthongCore

/// The JSON Lines export format and its standalone verification (`lienthong audit verify --export`).
///
/// - records file: one record per line, the RFC 8785 canonical JSON of all 13 members (with `hash`),
///   `\n`-terminated, in `seq` order;
/// - checkpoints file: one checkpoint per line, canonical JSON of `{hash, keyId, seq, sig, ts}`.
///
/// Anyone can re-verify an export with standard tools (see `scripts/verify-audit-export.py`).
public enum AuditExport {
    /// The export line of a record (canonical JSON with `hash`, plus `\n`).
    public static func line(for record: AuditRecord) -> [UInt8] {
        var out: [UInt8] = []
        appendLine(for: record, to: &out)
        return out
    }

    /// Appends the export line of a record to `out`.
    public static func appendLine(for record: AuditRecord, to out: inout [UInt8]) {
        record.appendCanonicalJSON(to: &out, includingHash: true)
        out.append(UInt8(ascii: "\n"))
    }

    /// The export line of a checkpoint (canonical JSON, plus `\n`).
    public static func line(for checkpoint: AuditCheckpoint) -> [UInt8] {
        var out = JCS.canonicalize(checkpoint.jsonValue)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// A reason why an export line is not a record; names members, never values.
    public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Decodes one records-file line strictly: a JSON object with exactly the 13 record members,
    /// strings for textual members (`outcome` one of `ok`, `denied`, `error`) and integers for `seq`
    /// and `status`.
    public static func record(fromLine line: some Collection<UInt8>) throws(LineError) -> AuditRecord {
        let members = try object(line, expected: Set(AuditRecord.memberNames))
        return AuditRecord(
            seq: try integer(members, "seq"), ts: try string(members, "ts"), actor: try string(members, "actor"),
            user: try string(members, "user"), action: try string(members, "action"),
            target: try string(members, "target"), ref: try string(members, "ref"),
            purpose: try string(members, "purpose"), outcome: try outcome(members),
            status: Int(try integer(members, "status")), subject: try string(members, "subject"),
            prev: try string(members, "prev"), hash: try string(members, "hash"))
    }

    /// Decodes one checkpoints-file line strictly (exactly `seq`, `hash`, `ts`, `keyId`, `sig`).
    public static func checkpoint(fromLine line: some Collection<UInt8>) throws(LineError) -> AuditCheckpoint {
        let members = try object(line, expected: ["seq", "hash", "ts", "keyId", "sig"])
        return AuditCheckpoint(
            seq: try integer(members, "seq"), hash: try string(members, "hash"), ts: try string(members, "ts"),
            keyId: try string(members, "keyId"), sig: try string(members, "sig"))
    }

    private static func object(_ line: some Collection<UInt8>, expected: Set<String>) throws(LineError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line, maxDepth: 4)
        } catch {
            throw LineError(description: "not JSON (\(error))")
        }
        guard case .object(let members) = value else { throw LineError(description: "not a JSON object") }
        guard Set(members.keys) == expected else {
            let missing = expected.subtracting(members.keys).sorted()
            let extra = Set(members.keys).subtracting(expected).count
            throw LineError(description: "members differ (missing: \(missing.joined(separator: ",")); \(extra) unknown)")
        }
        return members
    }

    private static func string(_ members: [String: JSONValue], _ name: String) throws(LineError) -> String {
        guard case .string(let s) = members[name] else { throw LineError(description: "\(name) is not a string") }
        return s
    }

    private static func outcome(_ members: [String: JSONValue]) throws(LineError) -> AuditOutcome {
        guard let outcome = AuditOutcome(rawValue: try string(members, "outcome")) else {
            throw LineError(description: "outcome is not ok, denied or error")
        }
        return outcome
    }

    private static func integer(_ members: [String: JSONValue], _ name: String) throws(LineError) -> Int64 {
        guard case .number(let d) = members[name], d.rounded(.towardZero) == d, d.magnitude < 9_007_199_254_740_992 else {
            throw LineError(description: "\(name) is not an integer")
        }
        return Int64(d)
    }

    /// Verifies an export: the records file against the checkpoints file and the checkpoint key.
    ///
    /// Streams the records file (constant memory in the number of records). A records line that
    /// cannot be decoded is reported as bad at the `seq` expected there.
    /// - Throws: ``AuditError`` when a file cannot be read, the key cannot be parsed, or a
    ///   checkpoints line cannot be decoded.
    public static func verify(recordsFile: URL, checkpointsFile: URL, publicKeyPEM: String) throws -> AuditVerification {
        let publicKey = try AuditKeys.publicKey(pem: publicKeyPEM)
        var checkpoints: [AuditCheckpoint] = []
        var lineNumber = 0
        try forEachLine(of: checkpointsFile) { line in
            lineNumber += 1
            do {
                checkpoints.append(try checkpoint(fromLine: line))
            } catch {
                throw AuditError(code: .invalidCheckpointFile, detail: "\(checkpointsFile.path) line \(lineNumber): \(error)")
            }
            return true
        }
        var verifier = AuditVerifier(publicKey: publicKey, checkpoints: checkpoints)
        try forEachLine(of: recordsFile) { line in
            do {
                verifier.feed(try record(fromLine: line))
            } catch {
                verifier.feedUnreadableRecord(reason: "\(error)")
            }
            return !verifier.isSettled
        }
        return verifier.finish()
    }

    /// Calls `body` with each `\n`-terminated line (without the `\n`; a last line without `\n` counts),
    /// reading 1 MiB at a time. `body` returns `false` to stop.
    static func forEachLine(of file: URL, _ body: (ArraySlice<UInt8>) throws -> Bool) throws {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: file)
        } catch {
            throw AuditError(code: .ioFailure, detail: "\(file.path): cannot open")
        }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        var start = 0
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw AuditError(code: .ioFailure, detail: "\(file.path): read failed")
            }
            guard let chunk, !chunk.isEmpty else { break }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: chunk)
            while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                guard try body(buffer[start..<newline]) else { return }
                start = newline + 1
            }
        }
        if start < buffer.count {
            _ = try body(buffer[start...])
        }
    }
}
