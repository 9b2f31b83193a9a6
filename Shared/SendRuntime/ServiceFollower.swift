import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// A service's follower: an `EventFollower` whose batches are applied in the writer's
/// transaction together with the durable cursor, so a crash keeps both or neither.
///
/// An event its handler refuses (or that the database cannot take) stops it there: the cursor
/// stays before that event, nothing after it is applied and nothing is skipped. Health says
/// `degraded` naming the source, the event and the reason; one `follower.stalled` is emitted in
/// the same transaction; the follower retries with a backoff, and once the event applies,
/// `follower.resumed` is emitted and health is ready again.
enum ServiceFollower {
    /// What one batch came to: the new cursor, and the stall when the follower stopped at an event.
    struct BatchOutcome: Sendable {
        var cursor: Int64
        var stall: FollowerStall?
    }

    /// `onHeard` runs once, the first time the follower hears its source.
    static func make(_ follow: Follow, host: ServiceHost, cursor: Int64, incarnation: String?,
                     onHeard: (() -> Void)? = nil) -> EventFollower {
        let source = follow.source
        let handler = follow.handler
        let writer = host.writer
        let status = host.status
        let logger = host.logger
        let definition = host.definition
        status.updateFollower(source) { $0.cursor = cursor }
        var onHeard = onHeard
        // The source's log identity, once learnt: stored with the next cursor (observe and apply run on the follower's thread).
        let learnt = LearntIncarnation()
        let follower = EventFollower(
            source: source, directories: host.options.directories, context: host.context, cursor: cursor,
            incarnation: incarnation, stop: host.stopFlag, logger: logger, receiveHighWaterMark: host.options.followHighWaterMark,
            observe: { observation in
                switch observation {
                case .sourceLastSeq(let last):
                    status.updateFollower(source) { $0.sourceLastSeq = max($0.sourceLastSeq, last); $0.lastHeard = Timestamp.now() }
                    onHeard?()
                    onHeard = nil
                case .applied(let newCursor, let count):
                    status.updateFollower(source) {
                        $0.cursor = newCursor
                        $0.applied += Int64(count)
                    }
                case .fetched:
                    status.updateFollower(source) { $0.fetches += 1 }
                case .incarnation(let id):
                    learnt.value = id
                case .replaced(let was, let now, let last):
                    let cursor = status.follower(source)?.cursor ?? 0
                    let stall = FollowerStall(seq: cursor + 1, type: nil, reason: "\(source)'s log was replaced (its identity is \(now), "
                        + "the cursor \(cursor) counts in \(was)): nothing more is applied from it until an operator accepts the new log "
                        + "(sendctl followers accept \(definition.name) \(source) --identity \(now) --from-start, or --from-end)")
                    status.updateFollower(source) {
                        $0.stall = stall
                        $0.replacement = (now, last)
                    }
                    let recorded = writer.perform { ctx in try recordReplacement(stall, source: source, definition: definition, ctx: ctx) }
                    if case .failure(let error) = recorded {
                        logger.error("could not record the replaced log", metadata: ["follow.source": "\(source)", "error": "\(error)"])
                    }
                }
            },
            apply: { batch in
                let incarnation = learnt.value
                let outcome = writer.perform { ctx in
                    try applyBatch(batch, source: source, incarnation: incarnation, handler: handler, definition: definition,
                                   ctx: ctx, logger: logger)
                }
                switch outcome {
                case .success(let applied):
                    status.updateFollower(source) { $0.stall = applied.stall }
                    return applied.cursor
                case .failure(let error):
                    // The transaction itself failed (disk full, read-only, I/O): nothing was applied, not even
                    // a record of the stop; health says so until a retry commits.
                    logger.error("could not apply events", metadata: ["follow.source": "\(source)", "error": "\(error)"])
                    let first = batch.first
                    status.updateFollower(source) {
                        $0.stall = FollowerStall(seq: first?.seq ?? 0, type: first?.type, reason: error.message)
                    }
                    return nil
                }
            })
        let restarts = host.followerRestarts
        follower.shouldEnd = { restarts.isRequested(source) }
        return follower
    }

    /// Applies events in order and the new cursor in one transaction, each event in its own
    /// savepoint. The first event its handler refuses stops the batch there (rolled back, the
    /// cursor left before it) and is recorded in `send_follow_stalls`; `follower.stalled` is
    /// emitted the first time (a retry that fails again emits nothing), `follower.resumed` once the event it stopped at applies.
    static func applyBatch(_ batch: [Event], source: String, incarnation: String? = nil,
                           handler: @Sendable (WriteContext, Event) throws -> Void,
                           definition: ServiceDefinition, ctx: WriteContext, logger: Logger) throws -> BatchOutcome {
        // The cursor and the stall are read inside the transaction: the durable truth, not memory.
        var last = try ServiceDatabase.cursor(ctx.db, source: source)
        let recorded = try ServiceDatabase.stall(ctx.db, source: source)
        var stall: FollowerStall?
        for event in batch {
            guard event.seq == last + 1 else { continue }
            let emittedBefore = ctx.emitted.count
            do {
                try Writer.inSavepoint(ctx.db) { try handler(ctx, event) }
            } catch let error as DatabaseError where Writer.isStorageFailure(error) {
                throw error
            } catch {
                // What the refused event's handler emitted goes with its rolled-back savepoint.
                ctx.emitted.removeSubrange(emittedBefore...)
                let reason = stallReason(error)
                stall = FollowerStall(seq: event.seq, type: event.type, reason: reason)
                if recorded?.seq != event.seq {
                    logger.error("follower stopped at an event it cannot apply",
                                 metadata: ["follow.source": "\(source)", "event.seq": "\(event.seq)", "event.type": "\(event.type)",
                                            "error": "\(reason)"])
                    try ServiceDatabase.setStall(ctx.db, source: source, stall: stall!, at: ctx.now)
                    try definition.emitRuntimeEvent(FollowerStalled(service: definition.name, source: source, seq: event.seq,
                                                                    type: event.type, reason: reason), ctx: ctx)
                }
                break
            }
            last = event.seq
        }
        if stall == nil, let recorded, last >= recorded.seq {
            try ServiceDatabase.clearStall(ctx.db, source: source)
            logger.info("follower applies again", metadata: ["follow.source": "\(source)", "event.seq": "\(recorded.seq)"])
            try definition.emitRuntimeEvent(FollowerResumed(service: definition.name, source: source, seq: recorded.seq), ctx: ctx)
        }
        try ServiceDatabase.setCursor(ctx.db, source: source, seq: last, incarnation: incarnation)
        return BatchOutcome(cursor: last, stall: stall)
    }

    /// Records a replaced source log as the follower's stop, with one `follower.stalled` (not repeated
    /// when the service restarts and finds the same replacement).
    static func recordReplacement(_ stall: FollowerStall, source: String, definition: ServiceDefinition, ctx: WriteContext) throws {
        if try ServiceDatabase.stall(ctx.db, source: source)?.reason == stall.reason { return }
        try ServiceDatabase.setStall(ctx.db, source: source, stall: stall, at: ctx.now)
        try definition.emitRuntimeEvent(FollowerStalled(service: definition.name, source: source, seq: stall.seq,
                                                        type: nil, reason: stall.reason), ctx: ctx)
    }

    /// The identity a follower learnt, handed from its observer to its applier (both on its thread).
    final class LearntIncarnation: @unchecked Sendable {
        var value: String?
    }

    /// The reason health and the event give: a service error's message, a database error's
    /// code and message (SQLite's messages name tables and constraints, never values).
    static func stallReason(_ error: any Error) -> String {
        if let e = error as? ServiceError { return "\(e.code.rawValue): \(e.message)" }
        if let e = error as? DatabaseError { return "database error \(e.resultCode): \(e.message ?? "no message")" }
        return "\(error)"
    }
}

extension ServiceDatabase {
    /// Where the follower of `source` is stopped, if it is.
    static func stall(_ db: Database, source: String) throws -> FollowerStall? {
        try Row.fetchOne(db, sql: "SELECT seq, type, reason FROM send_follow_stalls WHERE source = ?", arguments: [source]).map {
            FollowerStall(seq: $0["seq"], type: $0["type"], reason: $0["reason"])
        }
    }

    static func setStall(_ db: Database, source: String, stall: FollowerStall, at: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO send_follow_stalls(source, seq, type, reason, at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(source) DO UPDATE SET seq = excluded.seq, type = excluded.type, reason = excluded.reason, at = excluded.at
            """, arguments: [source, stall.seq, stall.type ?? "", stall.reason, at.description])
    }

    static func clearStall(_ db: Database, source: String) throws {
        try db.execute(sql: "DELETE FROM send_follow_stalls WHERE source = ?", arguments: [source])
    }
}
