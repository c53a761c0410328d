import Dispatch
import GRDB
import Logging
import Synchronization

/// Copies committed WAL frames into the database file from a connection and a thread of its own, off the commit path.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1000 pages): that commit, and
/// every caller waiting for the next group commit, waits while the pages are copied and the database file is
/// fsynced. The store's writer connection runs with `wal_autocheckpoint = 0`; after every `batchesPerCheckpoint`
/// group commits this type starts a passive checkpoint here, which never takes the writer's lock: commits go on
/// meanwhile, and frames a reader still uses are copied by a later run. Durability is unchanged: a commit is
/// durable once its WAL frames are fsynced (`synchronous = FULL`); the checkpoint fsyncs the database file itself.
final class WALCheckpointer: Sendable {
    private struct State {
        var batchesSinceLast = 0
        var running = false
        var runs = 0
    }

    private let path: String
    private let batchesPerCheckpoint: Int
    private let logger: Logger
    private let state = Mutex(State())
    /// The checkpointing connection, opened by the first run; only `thread` touches it.
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let thread = DispatchQueue(label: "lienthong.audit.wal-checkpoint")

    /// - Parameter batchesPerCheckpoint: group commits between two checkpoints (a batch is a few pages: one record,
    ///   or a message, its row and its record, per caller).
    init(path: String, batchesPerCheckpoint: Int = 100, logger: Logger) {
        precondition(batchesPerCheckpoint >= 1, "batchesPerCheckpoint must be at least 1")
        self.path = path
        self.batchesPerCheckpoint = batchesPerCheckpoint
        self.logger = logger
    }

    /// Passive checkpoints completed or failed so far.
    var runs: Int { state.withLock { $0.runs } }

    /// Called after each group commit; starts a checkpoint when enough commits have passed and none is running.
    func batchCommitted() {
        let start = state.withLock { state -> Bool in
            state.batchesSinceLast += 1
            guard state.batchesSinceLast >= batchesPerCheckpoint, !state.running else { return false }
            state.batchesSinceLast = 0
            state.running = true
            return true
        }
        if start { thread.async { self.checkpoint() } }
    }

    /// Runs on `thread` (blocking I/O, never on the cooperative pool or an event loop).
    private func checkpoint() {
        defer {
            state.withLock { state in
                state.running = false
                state.runs += 1
            }
        }
        do {
            let connection = try self.connection.withLock { connection -> DatabaseQueue in
                if let connection { return connection }
                var configuration = Configuration()
                configuration.label = "lienthong.audit.wal-checkpoint"
                configuration.busyMode = .timeout(10)
                let opened = try DatabaseQueue(path: path, configuration: configuration)
                connection = opened
                return opened
            }
            try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch {
            logger.warning("WAL checkpoint failed; a later one copies the frames", metadata: ["error": "\(type(of: error))"])
        }
    }
}
