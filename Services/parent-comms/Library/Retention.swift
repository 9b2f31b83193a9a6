import GRDB
import SendModel
import SendRuntime
import Synchronization

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

/// Families and web enquirers past retention are erased (`FamilyRights.eraseFamily`, the same
/// erasure as `families.erase`), checked once a day (and on start-up):
/// - a family all of whose children's EHC plans ended (`ehc_plan_ended`) more than
///   `SEND_FAMILY_RETENTION_YEARS` (default 2) ago — a child with no end date keeps the family;
/// - a web enquirer all of whose enquiries were answered more than `SEND_ENQUIRER_RETENTION_DAYS`
///   (default 365) ago — an open enquiry keeps it.
///
/// At most `batch` a run; a larger backlog is worked through on the following checks
/// (`SEND_RETENTION_CHECK_SECONDS`) rather than once a day. Each run that erases anything emits one
/// `retention.erased` with the counts.
enum FamilyRetention {
    static let batch = 2_000
    /// The day whose check found nothing more to erase.
    private static let doneFor = Mutex<LocalDate?>(nil)

    static func job(config: CommsConfig) -> PeriodicJob {
        PeriodicJob("family-retention", every: config.retentionCheckSeconds) { ctx in
            if WALTruncation.isPending {
                let logger = ctx.logger
                ctx.afterCommit { WALTruncation.attempt(logger: logger) }
            }
            let today = ctx.today
            guard doneFor.withLock({ $0 != today }) else { return }
            let erased = try run(CommsChange(ctx), config: config)
            if !(erased?.more ?? false) { doneFor.withLock { $0 = today } }
        }
    }

    /// One run: erases up to `batch` of each; nil when there was nothing to erase.
    @discardableResult
    static func run(_ ctx: CommsChange, config: CommsConfig) throws -> RetentionErased? {
        let plansBefore = ctx.today.adding(months: -12 * config.familyRetentionYears)
        let answeredBefore = ctx.today.adding(days: -config.enquirerRetentionDays)
        let families = try Row.fetchAll(ctx.db, sql: """
            SELECT f.id, f.family_ref FROM families f
            WHERE f.family_ref IN (SELECT c.family_ref FROM children c WHERE c.ehc_plan_ended < ?1)
              AND f.kind = 'family' AND f.erased_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND (c.ehc_plan_ended IS NULL OR c.ehc_plan_ended >= ?1))
            ORDER BY f.id LIMIT ?2
            """, arguments: [plansBefore.iso, batch])
        let enquirers = try Row.fetchAll(ctx.db, sql: """
            SELECT f.id, f.family_ref FROM families f
            WHERE f.kind = 'enquirer' AND f.erased_at IS NULL
              AND EXISTS (SELECT 1 FROM enquiries e WHERE e.family_id = f.id)
              AND NOT EXISTS (SELECT 1 FROM enquiries e WHERE e.family_id = f.id AND (e.status != 'answered' OR e.answered_on >= ?1))
            ORDER BY f.id LIMIT ?2
            """, arguments: [answeredBefore.iso, batch])
        guard !families.isEmpty || !enquirers.isEmpty else { return nil }
        let years = config.familyRetentionYears, days = config.enquirerRetentionDays
        var spool: [String] = []
        for f in families {
            spool += try FamilyRights.eraseFamily(ctx, id: f["id"], familyRef: f["family_ref"],
                                             reason: "retention: every child's EHC plan ended more than \(years) year\(years == 1 ? "" : "s") ago",
                                             config: config).spool
        }
        for f in enquirers {
            spool += try FamilyRights.eraseFamily(ctx, id: f["id"], familyRef: f["family_ref"],
                                             reason: "retention: every enquiry was answered more than \(days) day\(days == 1 ? "" : "s") ago",
                                             config: config).spool
        }
        try FamilyRights.afterErasure(ctx, spool: spool)
        let event = RetentionErased(families: families.count, enquirers: enquirers.count, plansEndedBefore: plansBefore,
                                    answeredBefore: answeredBefore, more: families.count == batch || enquirers.count == batch)
        try ctx.emit(event)
        let what = "\(Templates.counted(families.count, "family", "families")) and \(Templates.counted(enquirers.count, "web enquirer"))"
        ctx.logger.info("retention: erased \(what) past retention")
        return event
    }
}
