public import Crypto
public import Foundation
import LienthongCore

/// One archived segment as the live database remembers it (table `audit_archive`).
///
/// The live log's first remaining record has `prev` = ``lastHash`` of the last entry: the chain runs on from the
/// archive into the live table.
public struct AuditArchiveEntry: Sendable, Hashable {
    /// The `seq` of the segment's first record.
    public var firstSeq: Int64
    /// The `seq` of its last record (always a checkpointed `seq`).
    public var lastSeq: Int64
    /// The `hash` of its last record.
    public var lastHash: String
    /// The segment file's name inside the archive directory (`segment-<first>-<last>.jsonl`).
    public var fileName: String
    /// Lowercase hex SHA-256 of the whole segment file.
    public var sha256: String
    /// When it was archived (RFC 3339 UTC, milliseconds).
    public var archivedAt: String

    /// Creates an entry from all its fields.
    public init(firstSeq: Int64, lastSeq: Int64, lastHash: String, fileName: String, sha256: String, archivedAt: String) {
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.fileName = fileName
        self.sha256 = sha256
        self.archivedAt = archivedAt
    }

    /// The file name of the segment holding `first...last`.
    public static func fileName(firstSeq: Int64, lastSeq: Int64) -> String { "segment-\(firstSeq)-\(lastSeq).jsonl" }
}

/// Which records ``SQLiteAuditStore/archive(_:into:user:publicKey:)`` moves out of the live log. The segment always
/// ends at the last checkpointed `seq` the cutoff allows, so its end is signed.
public enum AuditArchiveCutoff: Sendable, Hashable {
    /// Records with `seq` below this.
    case beforeSeq(Int64)
    /// Records whose `ts` is before this instant (RFC 3339 timestamps compare as text).
    case before(Date)
}

/// The segment file format (JSON Lines, every line RFC 8785 canonical JSON, `\n`-terminated):
///
/// 1. header: `{"checkpoints":C,"firstSeq":F,"format":"lienthong-audit-segment/v1","lastSeq":L,"prev":P,"records":N,"segment":"header"}`
///    where `P` is the `hash` of record `F-1` (64 zeros when `F` is 1);
/// 2. `C` checkpoint lines, exactly as `lienthong audit checkpoints` writes them, by `seq`, all within `F...L`, the
///    last one at `L`;
/// 3. `N = L-F+1` record lines, exactly as `lienthong audit export` writes them, by `seq`;
/// 4. footer: `{"checkpoint":{…the checkpoint at L…},"firstSeq":F,"firstTs":…,"lastHash":H,"lastSeq":L,"lastTs":…,"segment":"footer"}`.
///
/// In canonical JSON the record lines start with `{"action":` and the checkpoint lines with `{"hash":`: for the first
/// segment, `grep '^{"action":'` and `grep '^{"hash":'` give an ordinary export that `scripts/verify-audit-export.py`
/// verifies; later segments start at `prev` = `P` instead of genesis.
public enum AuditSegment {
    /// The `format` member of the header.
    public static let format = "lienthong-audit-segment/v1"

    /// The header line.
    static func headerLine(firstSeq: Int64, lastSeq: Int64, prev: String, checkpoints: Int) -> [UInt8] {
        var out = JCS.canonicalize(.object([
            "segment": .string("header"), "format": .string(format), "firstSeq": .number(Double(firstSeq)),
            "lastSeq": .number(Double(lastSeq)), "prev": .string(prev), "records": .number(Double(lastSeq - firstSeq + 1)),
            "checkpoints": .number(Double(checkpoints)),
        ]))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// The footer line.
    static func footerLine(first: AuditRecord, last: AuditRecord, checkpoint: AuditCheckpoint) -> [UInt8] {
        var out = JCS.canonicalize(.object([
            "segment": .string("footer"), "firstSeq": .number(Double(first.seq)), "lastSeq": .number(Double(last.seq)),
            "lastHash": .string(last.hash), "firstTs": .string(first.ts), "lastTs": .string(last.ts),
            "checkpoint": checkpoint.jsonValue,
        ]))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// What ``verify(file:publicKey:expectedPrev:expectedFirstSeq:expectedLastSeq:)`` found.
    public struct Verification: Sendable, Hashable {
        /// Whether the segment is intact and matches the expectations.
        public var isIntact: Bool
        /// The first bad `seq`, when one can be named.
        public var firstBadSeq: Int64?
        /// What was wrong (or `intact`); names members, lines and seqs, never values.
        public var reason: String
        /// The header's first `seq` (0 when the header is unreadable).
        public var firstSeq: Int64
        /// The header's last `seq` (0 when the header is unreadable).
        public var lastSeq: Int64
        /// The hash of the last record, as verified (empty when not intact).
        public var lastHash: String
        /// Records read.
        public var records: Int
        /// Checkpoints read.
        public var checkpoints: Int
    }

    /// Verifies a segment file on its own: the header, every checkpoint signature, every record's hash, `seq` and
    /// link (from the header's `prev`, or `expectedPrev` when given), the checkpoint at the last `seq`, the footer.
    ///
    /// - Parameters:
    ///   - expectedPrev: the hash the segment must continue from (the previous segment's last hash, or genesis).
    ///   - expectedFirstSeq, expectedLastSeq: the range the archive table names.
    /// - Throws: ``AuditError`` when the file cannot be read at all.
    public static func verify(
        file: URL, publicKey: P256.Signing.PublicKey, expectedPrev: String? = nil,
        expectedFirstSeq: Int64? = nil, expectedLastSeq: Int64? = nil
    ) throws -> Verification {
        var state = ReadState()
        var lineNumber = 0
        var problem: (seq: Int64?, reason: String)?
        try AuditExport.forEachLine(of: file) { line in
            lineNumber += 1
            do {
                try state.consume(
                    line, lineNumber: lineNumber, publicKey: publicKey, expectedPrev: expectedPrev,
                    expectedFirstSeq: expectedFirstSeq, expectedLastSeq: expectedLastSeq)
                return true
            } catch {
                let known = error as? Problem
                problem = (known?.seq, known?.reason ?? "line \(lineNumber) cannot be read")
                return false
            }
        }
        if problem == nil {
            problem = state.finish()
        }
        if let problem {
            return Verification(
                isIntact: false, firstBadSeq: problem.seq, reason: problem.reason, firstSeq: state.firstSeq,
                lastSeq: state.lastSeq, lastHash: "", records: state.records, checkpoints: state.checkpoints.count)
        }
        return Verification(
            isIntact: true, firstBadSeq: nil, reason: "intact", firstSeq: state.firstSeq, lastSeq: state.lastSeq,
            lastHash: state.lastHash, records: state.records, checkpoints: state.checkpoints.count)
    }

    private struct Problem: Error {
        var seq: Int64?
        var reason: String
    }

    /// The streaming reader: header, then checkpoints, then records, then the footer.
    private struct ReadState {
        enum Phase { case header, checkpoints, records, footer, done }
        var phase = Phase.header
        var firstSeq: Int64 = 0
        var lastSeq: Int64 = 0
        var expectedCheckpoints = 0
        var checkpoints: [AuditCheckpoint] = []
        var records = 0
        var firstRecord: AuditRecord?
        var lastRecord: AuditRecord?
        var lastHash = ""
        var prev = ""
        var verifier: AuditVerifier?

        mutating func consume(
            _ line: ArraySlice<UInt8>, lineNumber: Int, publicKey: P256.Signing.PublicKey, expectedPrev: String?,
            expectedFirstSeq: Int64?, expectedLastSeq: Int64?
        ) throws(Problem) {
            switch phase {
            case .header:
                let members = try object(line, lineNumber)
                guard members["segment"] == .string("header"), members["format"] == .string(AuditSegment.format),
                      Set(members.keys) == ["segment", "format", "firstSeq", "lastSeq", "prev", "records", "checkpoints"],
                      let first = integer(members["firstSeq"]), let last = integer(members["lastSeq"]),
                      let count = integer(members["records"]), let cps = integer(members["checkpoints"]),
                      case .string(let prev) = members["prev"], first >= 1, last >= first, count == last - first + 1, cps >= 1
                else { throw Problem(seq: expectedFirstSeq, reason: "line 1 is not a segment header") }
                firstSeq = first
                lastSeq = last
                if let expectedFirstSeq, expectedFirstSeq != first {
                    throw Problem(seq: min(first, expectedFirstSeq), reason: "header starts at seq \(first), expected \(expectedFirstSeq)")
                }
                if let expectedLastSeq, expectedLastSeq != last {
                    throw Problem(seq: min(last, expectedLastSeq), reason: "header ends at seq \(last), expected \(expectedLastSeq)")
                }
                if first == 1, prev != AuditRecord.genesisHash {
                    throw Problem(seq: 1, reason: "header prev of the first segment is not genesis")
                }
                if let expectedPrev, prev != expectedPrev {
                    throw Problem(seq: first, reason: "header prev is not the previous segment's last hash")
                }
                expectedCheckpoints = Int(cps)
                self.prev = prev
                phase = .checkpoints
            case .checkpoints:
                let checkpoint: AuditCheckpoint
                do {
                    checkpoint = try AuditExport.checkpoint(fromLine: line)
                } catch {
                    throw Problem(seq: nil, reason: "line \(lineNumber) is not a checkpoint: \(error)")
                }
                guard checkpoint.seq >= firstSeq, checkpoint.seq <= lastSeq,
                      checkpoints.last.map({ $0.seq < checkpoint.seq }) ?? true
                else { throw Problem(seq: checkpoint.seq, reason: "checkpoint at seq \(checkpoint.seq) is outside the segment or out of order") }
                checkpoints.append(checkpoint)
                if checkpoints.count == expectedCheckpoints {
                    guard checkpoint.seq == lastSeq else {
                        throw Problem(seq: lastSeq, reason: "no checkpoint at the segment's last seq \(lastSeq)")
                    }
                    verifier = AuditVerifier(
                        publicKey: publicKey, checkpoints: checkpoints, anchorSeq: firstSeq - 1,
                        anchorHash: prev)
                    phase = .records
                }
            case .records:
                do {
                    let record = try AuditExport.record(fromLine: line)
                    if firstRecord == nil { firstRecord = record }
                    lastRecord = record
                    verifier?.feed(record)
                } catch {
                    verifier?.feedUnreadableRecord(reason: "\(error)")
                }
                records += 1
                if let verifier, verifier.isSettled {
                    let result = verifier.finish()
                    throw Problem(seq: result.firstBadSeq, reason: result.reason)
                }
                if Int64(records) == lastSeq - firstSeq + 1 { phase = .footer }
            case .footer:
                let members = try object(line, lineNumber)
                guard members["segment"] == .string("footer"),
                      Set(members.keys) == ["segment", "firstSeq", "lastSeq", "lastHash", "firstTs", "lastTs", "checkpoint"],
                      let first = integer(members["firstSeq"]), let last = integer(members["lastSeq"]),
                      case .string(let hash) = members["lastHash"], case .object(let cp) = members["checkpoint"],
                      let firstRecord, let lastRecord
                else { throw Problem(seq: lastSeq, reason: "line \(lineNumber) is not a segment footer") }
                guard first == firstSeq, last == lastSeq, hash == lastRecord.hash,
                      members["firstTs"] == .string(firstRecord.ts), members["lastTs"] == .string(lastRecord.ts)
                else { throw Problem(seq: lastSeq, reason: "footer does not match the header and records") }
                guard let signed = checkpoints.last, JSONValue.object(cp) == signed.jsonValue else {
                    throw Problem(seq: lastSeq, reason: "footer checkpoint differs from the checkpoint at seq \(lastSeq)")
                }
                lastHash = hash
                phase = .done
            case .done:
                throw Problem(seq: lastSeq, reason: "line \(lineNumber): content after the footer")
            }
        }

        func finish() -> (seq: Int64?, reason: String)? {
            switch phase {
            case .done:
                guard let verifier else { return (lastSeq, "no records") }
                let result = verifier.finish()
                return result.isIntact ? nil : (result.firstBadSeq, result.reason)
            case .header: return (nil, "empty file: no segment header")
            case .checkpoints: return (lastSeq, "file ends inside the checkpoints (truncated)")
            case .records: return ((verifier?.lastVerifiedSeq ?? firstSeq - 1) + 1, "file ends after \(records) of \(lastSeq - firstSeq + 1) records (truncated)")
            case .footer: return (lastSeq, "no segment footer (truncated)")
            }
        }

        private func object(_ line: ArraySlice<UInt8>, _ lineNumber: Int) throws(Problem) -> [String: JSONValue] {
            guard case .object(let members)? = try? JSONValue(parsing: line, maxDepth: 4) else {
                throw Problem(seq: nil, reason: "line \(lineNumber) is not a JSON object")
            }
            return members
        }

        private func integer(_ value: JSONValue?) -> Int64? {
            guard case .number(let d)? = value, d.rounded(.towardZero) == d, d.magnitude < 9_007_199_254_740_992 else { return nil }
            return Int64(d)
        }
    }
}
