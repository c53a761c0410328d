public import Crypto

/// The result of verifying an audit log.
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    /// Whether every hash, link, `seq` and checkpoint checked out.
    public var isIntact: Bool
    /// The first `seq` found bad (the smallest over all problems), `nil` when intact.
    public var firstBadSeq: Int64?
    /// What was wrong at `firstBadSeq` (or `intact`). Names fields and seqs, never field values.
    public var reason: String
    /// How many records were examined (verification stops reading once nothing later can change
    /// `firstBadSeq`).
    public var recordsChecked: Int
    /// How many checkpoints were examined.
    public var checkpointsChecked: Int

    /// Creates a result.
    public init(isIntact: Bool, firstBadSeq: Int64?, reason: String, recordsChecked: Int, checkpointsChecked: Int) {
        self.isIntact = isIntact
        self.firstBadSeq = firstBadSeq
        self.reason = reason
        self.recordsChecked = recordsChecked
        self.checkpointsChecked = checkpointsChecked
    }

    /// One line for operators: `intact: N records, M checkpoints` or `first bad seq S: reason`.
    public var description: String {
        if let firstBadSeq {
            return "first bad seq \(firstBadSeq): \(reason) (\(recordsChecked) records, \(checkpointsChecked) checkpoints checked)"
        }
        return "intact: \(recordsChecked) records, \(checkpointsChecked) checkpoints"
    }
}

/// Streaming, I/O-free verification of an audit log (SPEC §5).
///
/// Give it the checkpoints first (they are few), then feed the records in log order, then read
/// ``finish()``. Memory stays constant in the number of records.
///
/// ```swift
/// var verifier = AuditVerifier(publicKey: key, checkpoints: checkpoints)
/// for record in records { verifier.feed(record); if verifier.isSettled { break } }
/// let result = verifier.finish()
/// ```
///
/// Detected, with the first bad `seq`:
/// - an edited record (its `hash` does not match its content): that record's `seq`;
/// - a deleted record or a log not starting at 1 (a `seq` gap): the missing `seq`;
/// - an inserted or reordered record (unexpected `seq`, or `prev` not the previous `hash`): the first
///   position where the expected record is not found;
/// - a checkpoint with a bad signature or a foreign `keyId`: the checkpoint's `seq`;
/// - a checkpoint whose hash differs from its record's `hash`: the checkpoint's `seq`;
/// - a truncated log (a checkpoint beyond the last record): the checkpoint's `seq`.
///
/// A truncation after the last checkpoint cannot be detected by any verifier; checkpoint often.
public struct AuditVerifier: Sendable {
    private let publicKey: P256.Signing.PublicKey
    /// Valid checkpoints by seq: the hashes they commit to.
    private var expectedHashes: [Int64: [String]] = [:]
    private var pendingCheckpointSeqs: Set<Int64> = []
    private var checkpointsChecked = 0

    private var expectedSeq: Int64 = 1
    private var previousHash = AuditRecord.genesisHash
    private var recordsChecked = 0
    private var chainBroken = false
    private var failure: (seq: Int64, reason: String)?
    private var scratch: [UInt8] = []

    /// Starts a verification with the checkpoint key and all checkpoints (any order).
    public init(publicKey: P256.Signing.PublicKey, checkpoints: [AuditCheckpoint]) {
        self.init(publicKey: publicKey, checkpoints: checkpoints, anchorSeq: 0, anchorHash: AuditRecord.genesisHash)
    }

    /// Starts a verification of a log whose records up to `anchorSeq` were archived: the first record fed must
    /// have `seq` `anchorSeq + 1` and `prev` `anchorHash` (the archived segment's last hash).
    ///
    /// A checkpoint at `anchorSeq` must commit to `anchorHash` (the live table keeps the checkpoint that signs the
    /// archived segment's end); a checkpoint before `anchorSeq` is reported as bad. With `anchorSeq` 0 and
    /// ``AuditRecord/genesisHash`` this is ``init(publicKey:checkpoints:)``.
    public init(publicKey: P256.Signing.PublicKey, checkpoints: [AuditCheckpoint], anchorSeq: Int64, anchorHash: String) {
        self.publicKey = publicKey
        self.expectedSeq = anchorSeq + 1
        self.previousHash = anchorHash
        scratch.reserveCapacity(1024)
        for checkpoint in checkpoints {
            checkpointsChecked += 1
            if checkpoint.seq < 1 {
                fail(checkpoint.seq, "checkpoint with invalid seq")
            } else if checkpoint.seq <= anchorSeq, checkpoint.isValidSignature(publicKey: publicKey) {
                if checkpoint.seq < anchorSeq {
                    fail(checkpoint.seq, "checkpoint at seq \(checkpoint.seq) precedes the archive anchor (seq \(anchorSeq))")
                } else if checkpoint.hash != anchorHash {
                    fail(checkpoint.seq, "checkpoint at seq \(checkpoint.seq) commits to another hash than the archive anchor")
                }
            } else if checkpoint.keyId != AuditCheckpoint.keyID(of: publicKey) {
                fail(checkpoint.seq, "checkpoint at seq \(checkpoint.seq) names another signing key (keyId)")
            } else if !checkpoint.isValidSignature(publicKey: publicKey) {
                fail(checkpoint.seq, "checkpoint at seq \(checkpoint.seq) has an invalid signature")
            } else {
                expectedHashes[checkpoint.seq, default: []].append(checkpoint.hash)
                pendingCheckpointSeqs.insert(checkpoint.seq)
            }
        }
    }

    private mutating func fail(_ seq: Int64, _ reason: String) {
        if let failure, failure.seq <= seq { return }
        failure = (seq, reason)
    }

    /// Whether no further record can change the result (a problem was found at or before the next
    /// expected `seq`). Callers may stop feeding records then.
    public var isSettled: Bool {
        if let failure { return failure.seq <= expectedSeq || chainBroken }
        return false
    }

    /// Checks the next record of the log.
    public mutating func feed(_ record: AuditRecord) {
        recordsChecked += 1
        guard !chainBroken else { return }
        if record.seq != expectedSeq {
            chainBroken = true
            if record.seq > expectedSeq {
                fail(expectedSeq, "record seq \(expectedSeq) is missing (next record has seq \(record.seq))")
            } else {
                fail(expectedSeq, "record at position of seq \(expectedSeq) has seq \(record.seq) (inserted or reordered)")
            }
            return
        }
        if record.prev != previousHash {
            chainBroken = true
            fail(record.seq, "prev of record seq \(record.seq) is not the hash of the preceding record")
            return
        }
        if !record.hashMatches(scratch: &scratch) {
            chainBroken = true
            fail(record.seq, "hash of record seq \(record.seq) does not match its content")
            return
        }
        if let hashes = expectedHashes[record.seq] {
            pendingCheckpointSeqs.remove(record.seq)
            if hashes.contains(where: { $0 != record.hash }) {
                chainBroken = true
                fail(record.seq, "checkpoint at seq \(record.seq) commits to another hash than the record's")
                return
            }
        }
        previousHash = record.hash
        expectedSeq += 1
    }

    /// The `seq` of the last record that checked out (the anchor's `seq` before any).
    public var lastVerifiedSeq: Int64 { expectedSeq - 1 }

    /// The `hash` of the last record that checked out (the anchor's hash before any).
    public var lastVerifiedHash: String { previousHash }

    /// Records that the record expected next could not be read at all (e.g. a malformed export line).
    public mutating func feedUnreadableRecord(reason: String) {
        recordsChecked += 1
        guard !chainBroken else { return }
        chainBroken = true
        fail(expectedSeq, "record at position of seq \(expectedSeq) is unreadable: \(reason)")
    }

    /// The verification result.
    public func finish() -> AuditVerification {
        var result = self
        if !chainBroken {
            let lastSeq = expectedSeq - 1
            for seq in pendingCheckpointSeqs where seq > lastSeq {
                result.fail(seq, "checkpoint at seq \(seq) is beyond the last record (seq \(lastSeq)): log truncated")
            }
        }
        if let failure = result.failure {
            return AuditVerification(
                isIntact: false, firstBadSeq: failure.seq, reason: failure.reason,
                recordsChecked: recordsChecked, checkpointsChecked: checkpointsChecked)
        }
        return AuditVerification(
            isIntact: true, firstBadSeq: nil, reason: "intact", recordsChecked: recordsChecked,
            checkpointsChecked: checkpointsChecked)
    }
}
