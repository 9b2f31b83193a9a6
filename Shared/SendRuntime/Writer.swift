import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// A unit of work for the writer thread.
enum WriteJob: Sendable {
    /// A client's write command: its reply goes back to the command server with `route`.
    case command(Request, route: [[UInt8]], handler: @Sendable (WriteContext) throws -> JSONValue)
    /// Work from inside the service (followers, timers, background tasks); `done` gets the outcome after commit.
    case task(@Sendable (WriteContext) throws -> JSONValue, done: Completion<Result<JSONValue, ServiceError>>)
}

/// The one thread that writes the database. It takes every job waiting, runs each in its own
/// savepoint of one transaction (group commit), commits, then hands events and replies to
/// the command server to publish and send. A reply therefore always follows a durable commit.
final class Writer: @unchecked Sendable {
    // `@unchecked Sendable`: after init, `nextSeq` is touched only by the writer thread.
    let pool: DatabasePool
    let queue = JobQueue<WriteJob>()
    let service: String
    let logger: Logger
    let outboxEndpoint: String
    let context: ZeroMQ.Context
    let maxBatch: Int
    private var nextSeq: Int64

    init(pool: DatabasePool, service: String, logger: Logger, context: ZeroMQ.Context, outboxEndpoint: String,
         maxBatch: Int = 512) throws {
        self.pool = pool
        self.service = service
        self.logger = logger
        self.context = context
        self.outboxEndpoint = outboxEndpoint
        self.maxBatch = maxBatch
        self.nextSeq = try pool.read { db in try ServiceDatabase.lastSeq(db) } + 1
    }

    /// The writer thread's loop; returns when the queue is closed and drained.
    func run() {
        let push: Socket
        do {
            push = try Socket(context, .push)
            try push.setSendHighWaterMark(0)
            try push.setLinger(-1)  // the command server reads until every worker is done
            try push.connect(outboxEndpoint)
        } catch {
            logger.critical("writer cannot reach the command server: \(error)")
            // Fail every job rather than leave a caller waiting.
            while let batch = queue.take(max: maxBatch) {
                for case .task(_, let done) in batch { done.fulfil(.failure(ServiceError(.internal, "writer not running"))) }
            }
            return
        }
        while let batch = queue.take(max: maxBatch) {
            process(batch, push: push)
        }
        _ = try? push.send(frames: [Outbox.workerDone])
        push.close()
    }

    private struct Outcome {
        var reply: [UInt8]?  // for commands
        var result: Result<JSONValue, ServiceError>?  // for tasks
    }

    private func process(_ batch: [WriteJob], push: Socket) {
        let seqAtStart = nextSeq
        let now = Timestamp.now()
        let today = LocalDate.today()
        var outcomes: [Outcome] = []
        var events: [(seq: Int64, type: String, body: [UInt8])] = []
        outcomes.reserveCapacity(batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for job in batch {
                        outcomes.append(try self.run(job, db: db, now: now, today: today, events: &events))
                    }
                    return .commit
                }
            }
        } catch {
            // The commit itself failed (disk full, read-only, I/O error): nothing of the batch is durable.
            let failure = Writer.storageError(error, service: service)
            logger.error("commit failed, \(batch.count) request(s) refused", metadata: ["error": "\(error)"])
            nextSeq = seqAtStart
            events = []
            outcomes = batch.map { job in
                switch job {
                case .command(let request, _, _): Outcome(reply: Reply.failure(request.id, failure).bytes)
                case .task: Outcome(result: .failure(failure))
                }
            }
        }
        // Publish in seq order, then answer: a reply is sent only after its commit.
        for event in events {
            _ = try? push.send(frames: [Outbox.event, Array(event.type.utf8), event.body, Outbox.seqBytes(event.seq)])
        }
        for (job, outcome) in zip(batch, outcomes) {
            switch job {
            case .command(_, let route, _):
                _ = try? push.send(frames: [Outbox.reply] + route + [outcome.reply ?? []])
            case .task(_, let done):
                done.fulfil(outcome.result ?? .failure(ServiceError(.internal, "no outcome")))
            }
        }
    }

    /// Runs one job in its own savepoint. Errors the job raises roll back only that savepoint.
    private func run(_ job: WriteJob, db: Database, now: Timestamp, today: LocalDate,
                     events: inout [(seq: Int64, type: String, body: [UInt8])]) throws -> Outcome {
        switch job {
        case .command(let request, _, let handler):
            if let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT reply FROM send_requests WHERE id = ?"),
                                                arguments: [request.id]) {
                return Outcome(reply: Array(stored.utf8))
            }
            let ctx = WriteContext(db: db, args: request.args, requestID: request.id, today: today, now: now,
                                   logger: logger, service: service)
            let result = try runInSavepoint(db: db, ctx: ctx, now: now, events: &events) { try handler(ctx) }
            let reply: [UInt8]
            switch result {
            case .success(let value): reply = Reply.ok(request.id, value).bytes
            case .failure(let error):
                reply = Reply.failure(request.id, error).bytes
                // Retrying a request that failed for a transient reason may succeed: keep only definite answers.
                if error.code == .unavailable || error.code == .internal { return Outcome(reply: reply) }
            }
            try db.cachedStatement(sql: "INSERT INTO send_requests(id, command, at, reply) VALUES (?, ?, ?, ?)")
                .execute(arguments: [request.id, request.command, now.description, String(decoding: reply, as: UTF8.self)])
            return Outcome(reply: reply)
        case .task(let body, _):
            let ctx = WriteContext(db: db, args: .object([:]), requestID: nil, today: today, now: now,
                                   logger: logger, service: service)
            return Outcome(result: try runInSavepoint(db: db, ctx: ctx, now: now, events: &events) { try body(ctx) })
        }
    }

    /// Runs `body` in a savepoint and stores the events it emitted; a thrown error rolls back
    /// the savepoint and becomes the outcome. Storage errors (disk full) are rethrown: the whole batch fails.
    private func runInSavepoint(db: Database, ctx: WriteContext, now: Timestamp,
                                events: inout [(seq: Int64, type: String, body: [UInt8])],
                                body: () throws -> JSONValue) throws -> Result<JSONValue, ServiceError> {
        let seqBefore = nextSeq
        let eventsBefore = events.count
        var outcome: Result<JSONValue, ServiceError> = .success(.null)
        do {
            try Writer.inSavepoint(db) {
                let value = try body()
                for emitted in ctx.emitted {
                    let seq = nextSeq
                    let event = Event(source: service, seq: seq, type: emitted.type, at: now, data: emitted.data)
                    let bodyBytes = event.json.jsonBytes
                    try db.cachedStatement(sql: "INSERT INTO send_events(seq, type, at, body) VALUES (?, ?, ?, ?)")
                        .execute(arguments: [seq, emitted.type, now.description, String(decoding: bodyBytes, as: UTF8.self)])
                    events.append((seq, emitted.type, bodyBytes))
                    nextSeq += 1
                }
                outcome = .success(value)
            }
        } catch {
            nextSeq = seqBefore
            events.removeSubrange(eventsBefore...)
            if let serviceError = error as? ServiceError {
                outcome = .failure(serviceError)
            } else if let dbError = error as? DatabaseError {
                if Writer.isStorageFailure(dbError) { throw dbError }
                if dbError.resultCode == .SQLITE_CONSTRAINT {
                    outcome = .failure(ServiceError(.conflict, "the change conflicts with data already recorded (\(dbError.message ?? "constraint"))"))
                } else {
                    logger.error("handler database error", metadata: ["error": "\(dbError)"])
                    outcome = .failure(ServiceError(.internal, "database error: \(dbError.message ?? "\(dbError.resultCode)")"))
                }
            } else {
                logger.error("handler failed", metadata: ["error": "\(error)"])
                outcome = .failure(ServiceError(.internal, "the command failed: \(error)"))
            }
        }
        return outcome
    }

    /// A savepoint through cached statements (GRDB's `inSavepoint` parses its SQL on every call).
    /// A thrown error rolls the savepoint back and is rethrown.
    static func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "SAVEPOINT send_job").execute()
        do {
            try body()
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT send_job").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT send_job").execute()
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT send_job").execute()
    }

    static func isStorageFailure(_ error: DatabaseError) -> Bool {
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_BUSY:
            return true
        default:
            return false
        }
    }

    /// The error a client sees when the change could not be made durable.
    static func storageError(_ error: any Error, service: String) -> ServiceError {
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_FULL:
                return ServiceError(.unavailable, "\(service) cannot write: the data directory's disk is full; nothing was changed")
            case .SQLITE_READONLY:
                return ServiceError(.unavailable, "\(service) cannot write: the database is read-only; nothing was changed")
            case .SQLITE_IOERR:
                return ServiceError(.unavailable, "\(service) cannot write: disk I/O error (\(db.message ?? "")); nothing was changed")
            default:
                return ServiceError(.unavailable, "\(service) cannot write: \(db.message ?? "\(db.resultCode)"); nothing was changed")
            }
        }
        return ServiceError(.unavailable, "\(service) cannot write: \(error); nothing was changed")
    }

    /// Runs `body` on the writer thread in the next transaction and waits for the commit.
    func perform(_ body: @escaping @Sendable (WriteContext) throws -> JSONValue) -> Result<JSONValue, ServiceError> {
        let done = Completion<Result<JSONValue, ServiceError>>()
        guard queue.submit(.task(body, done: done)) else {
            return .failure(ServiceError(.unavailable, "\(service) is stopping"))
        }
        return done.wait()
    }
}

/// The framing between worker threads and the command server on the inproc outbox.
enum Outbox {
    static let event: [UInt8] = [UInt8(ascii: "E")]
    static let reply: [UInt8] = [UInt8(ascii: "R")]
    static let workerDone: [UInt8] = [UInt8(ascii: "D")]

    static func seqBytes(_ seq: Int64) -> [UInt8] { withUnsafeBytes(of: seq.littleEndian) { Array($0) } }
    static func seq(from bytes: [UInt8]) -> Int64 {
        guard bytes.count == 8 else { return 0 }
        return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }
}
