import GRDB
import SendModel
import SendRuntime

/// Sent message content (subject and body) is kept for `SEND_MESSAGE_RETENTION_DAYS` (default 7),
/// then purged; the message's status, channel, attempts and timestamps stay.
enum Retention {
    /// Purged per run, so one run never holds the writer for long; the job runs again soon.
    static let batch = 20_000

    /// Purges content sent before `now - days`; returns how many messages were purged.
    @discardableResult
    static func purge(_ db: Database, now: Timestamp, days: Double) throws -> Int {
        let cutoff = Timestamp(millis: now.millis - Int64(days * 86_400_000)).description
        try db.execute(sql: """
            UPDATE messages SET subject = NULL, body = NULL, purged_at = ?
            WHERE id IN (SELECT id FROM messages WHERE body IS NOT NULL AND sent_at < ? LIMIT ?)
            """, arguments: [now.description, cutoff, batch])
        return db.changesCount
    }

    static func job(config: CommsConfig) -> PeriodicJob {
        PeriodicJob("retention", every: config.retentionCheckSeconds) { ctx in
            let purged = try purge(ctx.db, now: ctx.now, days: config.retentionDays)
            if purged > 0 { ctx.logger.info("retention: purged the content of \(Templates.counted(purged, "message")) sent over \(config.retentionDays) days ago") }
        }
    }
}
