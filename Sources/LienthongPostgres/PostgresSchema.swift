/// Every migration of the gateway's PostgreSQL schema, in the order the stores apply them: the audit log, the queue
/// (with the account-opening ledger), the registry and the labour records. Each store also applies its own at start
/// (so a gateway without `[registry]` or `[labor]` never creates those tables); `lienthong migrate` applies them all
/// ahead of a rollout.
public enum PostgresSchema {
    /// All migrations, each store's in its own order.
    public static var migrations: [PostgresMigration] {
        PostgresAuditLog.migrations + PostgresQueueStore.migrations + PostgresRegistryStore.migrations + PostgresLaborStore.migrations
    }
}
