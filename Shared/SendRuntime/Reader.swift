import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// Read commands and `events.since`, answered from a snapshot on a thread of their own so
/// that a long catch-up never delays the writer or the command server.
final class Reader: Sendable {
    struct Job: Sendable {
        let request: Request
        let route: [[UInt8]]
        let handler: @Sendable (ReadContext) throws -> JSONValue
    }

    let pool: DatabasePool
    let queue = JobQueue<Job>()
    let logger: Logger
    let context: ZeroMQ.Context
    let outboxEndpoint: String

    init(pool: DatabasePool, logger: Logger, context: ZeroMQ.Context, outboxEndpoint: String) {
        self.pool = pool
        self.logger = logger
        self.context = context
        self.outboxEndpoint = outboxEndpoint
    }

    func run() {
        guard let push = try? Socket(context, .push) else { return }
        _ = try? push.setSendHighWaterMark(0)
        _ = try? push.setLinger(-1)
        _ = try? push.connect(outboxEndpoint)
        while let batch = queue.take(max: 64) {
            for job in batch {
                let reply = answer(job)
                _ = try? push.send(frames: [Outbox.reply] + job.route + [reply])
            }
        }
        _ = try? push.send(frames: [Outbox.workerDone])
        push.close()
    }

    private func answer(_ job: Job) -> [UInt8] {
        do {
            let value = try pool.read { db in
                try job.handler(ReadContext(db: db, args: job.request.args, today: LocalDate.today(), now: Timestamp.now(), logger: logger))
            }
            return Reply.ok(job.request.id, value).bytes
        } catch let error as ServiceError {
            return Reply.failure(job.request.id, error).bytes
        } catch {
            logger.error("read failed", metadata: ["command": "\(job.request.command)", "error": "\(error)"])
            return Reply.failure(job.request.id, ServiceError(.internal, "the read failed: \(error)")).bytes
        }
    }

    /// `events.since {"after":N,"limit":K}` → `{"events":[...],"last_seq":M}`.
    static let eventsSince: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let after = v.int("after", required: false, range: 0...Int64.max) ?? 0
        let limit = v.int("limit", required: false, range: 1...10_000) ?? 1000
        try v.check()
        let rows = try ServiceDatabase.events(ctx.db, after: after, limit: Int(limit))
        let last = try ServiceDatabase.lastSeq(ctx.db)
        var events: [JSONValue] = []
        events.reserveCapacity(rows.count)
        for row in rows { events.append(try JSONValue.parse(Array(row.body.utf8))) }
        return ["events": .array(events), "last_seq": .int(last)]
    }
}
