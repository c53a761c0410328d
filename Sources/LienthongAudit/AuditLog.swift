public import Crypto

/// The audit chain as the gateway writes and reads it (SPEC §7), whatever stores it: ``SQLiteAuditStore`` (one
/// node, embedded) or the PostgreSQL log (several gateway instances, one chain).
///
/// Both run every append through the same ``AuditRecord`` hashing and checkpoint signing, and verify with the
/// same ``AuditVerifier``, so records written by either are checked the same way.
///
/// Reads are `async` here: a synchronous store satisfies them as they are.
public protocol AuditLog: Sendable {
    /// Appends one record; returns it once it is durable.
    func append(_ event: AuditEvent) async throws -> AuditRecord

    /// The `seq` of the last record (0 when empty).
    func lastSeq() async throws -> Int64

    /// Up to `limit` records with `seq >= from`, in order.
    func records(from: Int64, limit: Int) async throws -> [AuditRecord]

    /// All checkpoints, by `seq`.
    func checkpoints() async throws -> [AuditCheckpoint]

    /// Writes a checkpoint for the current head now, unless it is already checkpointed (or the log is empty).
    @discardableResult
    func checkpoint() async throws -> AuditCheckpoint?

    /// Writes a checkpoint for the current head when the checkpoint interval has elapsed and the head is not
    /// checkpointed yet; returns the checkpoint written, if any.
    @discardableResult
    func checkpointIfDue() async throws -> AuditCheckpoint?

    /// Verifies the whole chain (hashes, links, `seq` contiguity, checkpoints) against the checkpoint key.
    func verify(publicKey: P256.Signing.PublicKey) async throws -> AuditVerification

    /// Whether a record could be written now (for readiness probes).
    func isWritable() async -> Bool
}

extension SQLiteAuditStore: AuditLog {}
