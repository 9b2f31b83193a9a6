import GRDB
import Logging
import Synchronization

/// Empties the WAL after an erasure. With `secure_delete` on, the erasure's own pages hold zeros
/// where the values were, but frames written before it — the values as they were — stay in the
/// WAL file until it is overwritten. A TRUNCATE checkpoint copies every frame into the database
/// and cuts the WAL to nothing; it cannot finish while a reader still uses an old snapshot, so
/// an unfinished one is tried again by the retention job (every `SEND_RETENTION_CHECK_SECONDS`)
/// until it does.
enum WALTruncation {
    /// The database whose WAL is still to be emptied.
    private static let pending = Mutex<String?>(nil)

    /// The file of `db`'s main database.
    static func path(_ db: Database) throws -> String? {
        for row in try Row.fetchAll(db, sql: "PRAGMA database_list") where (row["name"] as String?) == "main" {
            let file: String? = row["file"]
            return file?.isEmpty == false ? file : nil
        }
        return nil
    }

    /// Asks for the WAL of `path` to be emptied and tries at once. Call outside any transaction
    /// (after a commit).
    static func request(_ path: String, logger: Logger) {
        pending.withLock { $0 = path }
        attempt(logger: logger)
    }

    /// Whether an emptying is still to be done.
    static var isPending: Bool { pending.withLock { $0 != nil } }

    /// Tries the pending TRUNCATE checkpoint on a connection of its own; true when the WAL is empty
    /// (or nothing was pending).
    @discardableResult
    static func attempt(logger: Logger) -> Bool {
        guard let path = pending.withLock({ $0 }) else { return true }
        do {
            var configuration = Configuration()
            // Short: this runs on the writer's thread, between two group commits.
            configuration.busyMode = .timeout(0.2)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let busy = try queue.writeWithoutTransaction { db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)").map { $0[0] as Int } ?? 1
            }
            try queue.close()
            if busy == 0 {
                pending.withLock { if $0 == path { $0 = nil } }
                logger.info("erasure: the write-ahead log is emptied")
                return true
            }
            logger.info("erasure: the write-ahead log is still in use by a reader; emptying it again on the next retention check")
        } catch {
            logger.warning("erasure: cannot empty the write-ahead log yet; trying again on the next retention check", metadata: ["error": "\(error)"])
        }
        return false
    }
}
