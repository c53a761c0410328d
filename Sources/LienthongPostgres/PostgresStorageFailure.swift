import PostgresNIO

/// Classifies PostgreSQL errors the way ``StorageFailure`` classifies SQLite's: conditions of the database server, not
/// of the request, after which nothing of the write is stored and the same write can succeed later without a restart.
/// The gateway answers them with `503` and `Retry-After` instead of `500`.
///
/// Temporary: the connection is gone or could not be made (`serverClosedConnection`, `connectionError`,
/// `uncleanShutdown`, `poolClosed`), and the server's SQLSTATE classes 08 (connection exception), 40 (transaction
/// rollback: serialisation failure, deadlock), 53 (insufficient resources: disk full, out of memory, too many
/// connections) and 57 (operator intervention: shutdown, query cancelled). Anything else (a constraint, a syntax
/// error, data) is not.
public enum PostgresStorageFailure {
    /// The SQLSTATE classes that mean "the database cannot take this write now".
    public static let temporarySQLStateClasses: Set<String> = ["08", "40", "53", "57"]

    /// A name for the condition when `error` is a temporary database failure (`postgres-08006`, `postgres-connection`),
    /// `nil` for any other error. The name is safe to log: it holds no data.
    public static func temporaryCondition(_ error: any Error) -> String? {
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return "postgres-connection"
        case .server:
            guard let state = error.serverInfo?[.sqlState], temporarySQLStateClasses.contains(String(state.prefix(2))) else {
                return nil
            }
            return "postgres-\(state)"
        default:
            return nil
        }
    }
}
