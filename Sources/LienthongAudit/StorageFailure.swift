import GRDB

/// Classifies errors of the gateway's SQLite databases (audit and queue, registry, labour).
///
/// Some failures are conditions of the machine, not of the request: the disk is full, another process holds
/// the database locked beyond the busy timeout, or the file system reported an I/O error. The write was
/// rolled back, nothing of it is stored, and the same write can succeed once the condition clears, without a
/// restart (the audit chain head is read inside every write transaction, so a failed commit leaves no gap).
/// The gateway answers such failures with `503` and `Retry-After` instead of `500`.
public enum StorageFailure {
    /// The SQLite primary result codes that mean "the storage cannot take writes now".
    public static let temporaryResultCodes: Set<Int32> = [
        ResultCode.SQLITE_FULL.primaryResultCode.rawValue,
        ResultCode.SQLITE_BUSY.primaryResultCode.rawValue,
        ResultCode.SQLITE_LOCKED.primaryResultCode.rawValue,
        ResultCode.SQLITE_IOERR.primaryResultCode.rawValue,
    ]

    /// The SQLite result code name of `error` when it is a temporary storage failure (e.g. `SQLITE_FULL`),
    /// `nil` for any other error. The name is safe to log: it holds no data.
    public static func temporaryCondition(_ error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let primary = error.resultCode.primaryResultCode
        guard temporaryResultCodes.contains(primary.rawValue) else { return nil }
        switch primary {
        case .SQLITE_FULL: return "SQLITE_FULL"
        case .SQLITE_BUSY: return "SQLITE_BUSY"
        case .SQLITE_LOCKED: return "SQLITE_LOCKED"
        default: return "SQLITE_IOERR"
        }
    }
}
