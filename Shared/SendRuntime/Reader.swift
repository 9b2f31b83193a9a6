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
        let actor: Actor
        /// Set for `events.since`: its reply is built from the stored event bytes without re-encoding them.
        var rawEvents = false

        init(request: Request, route: [[UInt8]], actor: Actor, handler: @escaping @Sendable (ReadContext) throws -> JSONValue) {
            self.request = request
            self.route = route
            self.actor = actor
            self.handler = handler
        }

        static func eventsSince(request: Request, route: [[UInt8]], actor: Actor) -> Job {
            var job = Job(request: request, route: route, actor: actor, handler: { _ in .null })
            job.rawEvents = true
            return job
        }
    }

    let pool: DatabasePool
    let queue = JobQueue<Job>()
    let logger: Logger
    let context: ZeroMQ.Context
    let repliesEndpoint: String

    init(pool: DatabasePool, logger: Logger, context: ZeroMQ.Context, repliesEndpoint: String) {
        self.pool = pool
        self.logger = logger
        self.context = context
        self.repliesEndpoint = repliesEndpoint
    }

    func run() {
        guard let push = try? Socket(context, .push) else { return }
        _ = try? push.setSendHighWaterMark(0)
        _ = try? push.setLinger(-1)
        _ = try? push.connect(repliesEndpoint)
        while let batch = queue.take(max: 64) {
            for job in batch {
                let reply = answer(job)
                _ = try? push.send(frames: [ReaderFrame.reply] + job.route + [reply])
            }
        }
        _ = try? push.send(frames: [ReaderFrame.done])
        push.close()
    }

    private func answer(_ job: Job) -> [UInt8] {
        if job.rawEvents { return eventsSince(job.request) }
        do {
            let value = try pool.read { db in
                try job.handler(ReadContext(db: db, args: job.request.args, today: LocalDate.today(), now: Timestamp.now(), logger: logger,
                                             actor: job.actor))
            }
            return Reply.ok(job.request.id, value).bytes
        } catch let error as ServiceError {
            return Reply.failure(job.request.id, error).bytes
        } catch {
            logger.error("read failed", metadata: ["command": "\(job.request.command)", "error": "\(error)"])
            return Reply.failure(job.request.id, ServiceError(.internal, "the read failed: \(error)")).bytes
        }
    }

    /// `events.since {"after":N,"limit":K}` → `{"events":[...],"incarnation":"…","last_seq":M}`. The stored event
    /// texts are spliced into the reply as they are: no parse, no re-encode.
    private func eventsSince(_ request: Request) -> [UInt8] {
        let v = Validator(request.args)
        let after = v.int("after", required: false, range: 0...Int64.max) ?? 0
        let limit = v.int("limit", required: false, range: 1...10_000) ?? 1000
        do {
            try v.check()
            var out: [UInt8] = []
            let (last, incarnation) = try pool.read { db in
                out.reserveCapacity(Int(min(limit, 10_000)) * 512)
                out.append(contentsOf: #"{"id":"#.utf8)
                JSONValue.string(request.id).writeJSON(into: &out)
                out.append(contentsOf: #","ok":true,"result":{"events":["#.utf8)
                // Each stored text is copied from SQLite's row into the reply: no String, no array of rows.
                let rows = try Row.fetchCursor(db, sql: "SELECT body FROM send_events WHERE seq > ? ORDER BY seq LIMIT ?",
                                               arguments: [after, limit])
                var first = true
                while let row = try rows.next() {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    try row.withUnsafeData(atIndex: 0) { data in if let data { out.append(contentsOf: data) } }
                }
                return (try ServiceDatabase.lastSeq(db), try ServiceDatabase.incarnation(db))
            }
            out.append(contentsOf: #"],"incarnation":"#.utf8)
            JSONValue.string(incarnation).writeJSON(into: &out)
            out.append(contentsOf: #","last_seq":"#.utf8)
            out.append(contentsOf: String(last).utf8)
            out.append(contentsOf: #"},"v":1}"#.utf8)
            return out
        } catch let error as ServiceError {
            return Reply.failure(request.id, error).bytes
        } catch {
            logger.error("events.since failed", metadata: ["error": "\(error)"])
            return Reply.failure(request.id, ServiceError(.internal, "reading events failed: \(error)")).bytes
        }
    }
}

/// The first frame of what the reader thread sends the command server on the inproc
/// reader-replies socket (not to be confused with the event outbox: the events a write stores).
enum ReaderFrame {
    /// `[reply, route…, body]`: a read's reply, for the command server to route to its client.
    static let reply: [UInt8] = [UInt8(ascii: "R")]
    /// `[done]`: the reader has stopped; nothing more follows.
    static let done: [UInt8] = [UInt8(ascii: "D")]
}
