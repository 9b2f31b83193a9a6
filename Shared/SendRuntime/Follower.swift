import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// A service's follower: an `EventFollower` whose batches are applied in the writer's
/// transaction together with the durable cursor, so a crash keeps both or neither.
enum ServiceFollower {
    static func make(_ follow: Follow, host: ServiceHost, cursor: Int64) -> EventFollower {
        let source = follow.source
        let handler = follow.handler
        let writer = host.writer
        let status = host.status
        let logger = host.logger
        status.updateFollower(source) { $0.cursor = cursor }
        return EventFollower(
            source: source, directories: host.options.directories, context: host.context, cursor: cursor,
            stop: host.stopFlag, logger: logger, receiveHighWaterMark: host.options.followHighWaterMark,
            observe: { observation in
                switch observation {
                case .sourceLastSeq(let last):
                    status.updateFollower(source) { $0.sourceLastSeq = max($0.sourceLastSeq, last); $0.lastHeard = Timestamp.now() }
                case .applied(let newCursor, let count, let failures):
                    status.updateFollower(source) {
                        $0.cursor = newCursor
                        $0.applied += Int64(count)
                        $0.failures += Int64(failures)
                    }
                case .fetched:
                    status.updateFollower(source) { $0.fetches += 1 }
                }
            },
            apply: { batch in
                let outcome = writer.perform { ctx in
                    try applyBatch(batch, source: source, handler: handler, ctx: ctx, logger: logger)
                }
                switch outcome {
                case .success(let value):
                    return (value["cursor"]?.intValue ?? 0, Int(value["failures"]?.intValue ?? 0))
                case .failure(let error):
                    logger.error("could not apply events from \(source): \(error)")
                    return nil
                }
            })
    }

    /// Applies events and the new cursor in one transaction. Each event runs in its own savepoint:
    /// one that its handler rejects is recorded in `send_follow_failures` and passed, never retried forever.
    static func applyBatch(_ batch: [Event], source: String, handler: @Sendable (WriteContext, Event) throws -> Void,
                           ctx: WriteContext, logger: Logger) throws -> JSONValue {
        // The cursor is read inside the transaction: the durable truth, not memory.
        var last = try ServiceDatabase.cursor(ctx.db, source: source)
        var failures: Int64 = 0
        for event in batch where event.seq == last + 1 {
            do {
                try Writer.inSavepoint(ctx.db) { try handler(ctx, event) }
            } catch let error as DatabaseError where Writer.isStorageFailure(error) {
                throw error
            } catch {
                failures += 1
                logger.error("event \(source)#\(event.seq) \(event.type) rejected by handler: \(error)")
                try ctx.db.execute(sql: "INSERT OR REPLACE INTO send_follow_failures(source, seq, type, error, at) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [source, event.seq, event.type, "\(error)", ctx.now.description])
            }
            last = event.seq
        }
        try ServiceDatabase.setCursor(ctx.db, source: source, seq: last)
        return ["cursor": .int(last), "failures": .int(failures)]
    }
}
