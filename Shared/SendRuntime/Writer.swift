import Foundation
import GRDB
import Logging
import SendModel

/// A unit of work for the writer.
enum WriteJob: Sendable {
    /// A client's write command: its reply goes back to the command server with `route`.
    case command(Request, route: [[UInt8]], actor: Actor, handler: @Sendable (WriteContext) throws -> JSONValue)
    /// Work from inside the service (followers, timers, background tasks); `done` gets the outcome after commit.
    /// Its typed result travels beside it (see `perform`), never through JSON.
    case task(@Sendable (WriteContext) throws -> Void, done: Completion<Result<Void, ServiceError>>)
}

/// The database writer. The command server's thread drives it: each turn of its loop takes every
/// write request waiting on the socket and every task waiting in `queue`, runs them in one
/// transaction (group commit: straight through when none fails or repeats, else each in its own
/// savepoint, see `process`), commits, and only then publishes the events and sends the replies. A reply therefore always follows a durable commit, with no thread hop
/// between the socket and the database.
final class Writer: @unchecked Sendable {
    // `@unchecked Sendable`: `nextSeq` is touched only by the command server's thread; `queue`
    // and the wake pipe are safe from any thread.
    let pool: DatabasePool
    let queue = JobQueue<WriteJob>()
    let service: String
    let logger: Logger
    let maxBatch: Int
    /// Signalled when a task is queued, to wake the command server's poll.
    let wake = WakePipe()
    private var nextSeq: Int64
    /// The log's identity, written into every event it stores.
    let incarnation: String

    init(pool: DatabasePool, service: String, logger: Logger, maxBatch: Int = 512) throws {
        self.pool = pool
        self.service = service
        self.logger = logger
        self.maxBatch = maxBatch
        (self.nextSeq, self.incarnation) = try pool.read { db in (try ServiceDatabase.lastSeq(db) + 1, try ServiceDatabase.incarnation(db)) }
    }

    deinit { wake.close() }

    struct Outcome {
        var reply: [UInt8]?  // for commands
        var result: Result<Void, ServiceError>?  // for tasks
    }

    struct BatchResult {
        var events: [(seq: Int64, type: String, body: [UInt8])] = []
        var outcomes: [Outcome] = []
        /// What the committed jobs asked to run after the commit, in job order.
        var committed: [@Sendable () -> Void] = []
        /// False when the commit itself failed (nothing of the batch is durable).
        var durable = true
    }

    /// The writer's hot SQL, prepared once on its connection (see `HeldStatement`).
    private var held: WriterStatements?

    /// Runs a batch in one transaction. Nothing is published or answered here: the caller does that after this returns (after commit).
    ///
    /// First the fast way: when the batch holds only commands, none of whose ids was seen before
    /// (one look-up for the whole batch), they run one after another in one transaction with no
    /// savepoints and no stored-reply look-ups. If any of them fails, the whole transaction is
    /// rolled back and the batch runs again the careful way — each job in its own savepoint, each
    /// id looked up — with the same `now` and from the same seq, so its outcomes are what the
    /// careful way alone would give. Handlers may therefore run twice: what they do outside the
    /// database must be harmless to repeat.
    func process(_ batch: [WriteJob]) -> BatchResult {
        let seqAtStart = nextSeq
        let now = Timestamp.now()
        let clock = BatchClock(now: now, text: now.description, today: LocalDate.today())
        do {
            return try pool.writeWithoutTransaction { db in
                let statements = try self.statements(db)
                if let result = try self.runFast(batch, db: db, statements: statements, clock: clock) { return result }
                self.nextSeq = seqAtStart
                return try self.runCareful(batch, db: db, statements: statements, clock: clock)
            }
        } catch {
            // The commit itself failed (disk full, read-only, I/O error): nothing of the batch is durable.
            let failure = Writer.storageError(error, service: service, databasePath: pool.path)
            logger.error("commit failed, \(batch.count) \(batch.count == 1 ? "request" : "requests") refused", metadata: ["error": "\(error)"])
            nextSeq = seqAtStart
            var result = BatchResult()
            result.durable = false
            result.outcomes = batch.map { job in
                switch job {
                case .command(let request, _, _, _): Outcome(reply: Reply.failure(request.id, failure).bytes)
                case .task: Outcome(result: .failure(failure))
                }
            }
            return result
        }
    }

    /// The time every job of a batch sees, formatted once.
    struct BatchClock {
        let now: Timestamp
        let text: String
        let today: LocalDate
    }

    private func statements(_ db: Database) throws -> WriterStatements {
        if let held { return held }
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }
        let made = try WriterStatements(connection)
        held = made
        return made
    }

    /// Finalizes the held statements; call once no batch will run again, before the pool closes.
    func close() {
        guard let held else { return }
        pool.writeWithoutTransaction { _ in held.finalize() }
        self.held = nil
    }

    /// The fast way: nil when the batch must run the careful way (a task, a repeated id, a job
    /// that failed), with everything it did rolled back and `nextSeq` to be reset by the caller.
    /// A failed commit throws.
    private func runFast(_ batch: [WriteJob], db: Database, statements: WriterStatements, clock: BatchClock) throws -> BatchResult? {
        var ids: [String] = []
        ids.reserveCapacity(batch.count)
        for job in batch {
            guard case .command(let request, _, _, _) = job else { return nil }
            ids.append(request.id)
        }
        if ids.count > 1 && Set(ids).count != ids.count { return nil }
        try statements.begin.execute()
        var result = BatchResult()
        result.outcomes.reserveCapacity(batch.count)
        do {
            if try statements.anyStored(ids) {
                try statements.rollback.execute()
                return nil
            }
            for job in batch {
                guard case .command(let request, _, let actor, let handler) = job else { preconditionFailure("checked above") }
                let ctx = WriteContext(db: db, args: request.args, requestID: request.id, today: clock.today, now: clock.now,
                                       logger: logger, service: service, actor: actor)
                let value = try handler(ctx)
                try storeEvents(ctx, statements: statements, clock: clock, events: &result.events)
                result.committed.append(contentsOf: ctx.committed)
                let reply = Reply.okBytes(request.id, value)
                try statements.storeReply(id: request.id, command: request.command, at: clock.text, reply: reply)
                result.outcomes.append(Outcome(reply: reply))
            }
        } catch {
            try? statements.rollback.execute()
            return nil
        }
        do {
            try statements.commit.execute()
        } catch {
            if db.isInsideTransaction { try? statements.rollback.execute() }
            throw error
        }
        return result
    }

    /// The careful way: each job in its own savepoint, each id looked up; one job's failure
    /// undoes only that job. A storage failure or a failed commit throws: nothing is durable.
    private func runCareful(_ batch: [WriteJob], db: Database, statements: WriterStatements, clock: BatchClock) throws -> BatchResult {
        var result = BatchResult()
        result.outcomes.reserveCapacity(batch.count)
        try statements.begin.execute()
        do {
            for job in batch {
                result.outcomes.append(try run(job, db: db, statements: statements, clock: clock, events: &result.events,
                                               committed: &result.committed))
            }
            try statements.commit.execute()
        } catch {
            if db.isInsideTransaction { try? statements.rollback.execute() }
            throw error
        }
        return result
    }

    /// Runs one job in its own savepoint. Errors the job raises roll back only that savepoint.
    private func run(_ job: WriteJob, db: Database, statements: WriterStatements, clock: BatchClock,
                     events: inout [(seq: Int64, type: String, body: [UInt8])], committed: inout [@Sendable () -> Void]) throws -> Outcome {
        switch job {
        case .command(let request, _, let actor, let handler):
            if let stored = try statements.storedReply(request.id) {
                return Outcome(reply: stored)
            }
            let ctx = WriteContext(db: db, args: request.args, requestID: request.id, today: clock.today, now: clock.now,
                                   logger: logger, service: service, actor: actor)
            let result = try runInSavepoint(ctx, statements: statements, clock: clock, events: &events) { try handler(ctx) }
            if case .success = result { committed.append(contentsOf: ctx.committed) }
            let reply: [UInt8]
            switch result {
            case .success(let value): reply = Reply.okBytes(request.id, value)
            case .failure(let error):
                reply = Reply.failure(request.id, error).bytes
                // Retrying a request that failed for a transient reason may succeed: keep only definite answers.
                if error.code == .unavailable || error.code == .internal { return Outcome(reply: reply) }
            }
            try statements.storeReply(id: request.id, command: request.command, at: clock.text, reply: reply)
            return Outcome(reply: reply)
        case .task(let body, _):
            let ctx = WriteContext(db: db, args: .object([:]), requestID: nil, today: clock.today, now: clock.now,
                                   logger: logger, service: service, actor: .stack(service))
            let outcome = try runInSavepoint(ctx, statements: statements, clock: clock, events: &events) {
                try body(ctx)
                return .null
            }.map { _ in () }
            if case .success = outcome { committed.append(contentsOf: ctx.committed) }
            return Outcome(result: outcome)
        }
    }

    /// Stores the events the job emitted, each with the next seq.
    private func storeEvents(_ ctx: WriteContext, statements: WriterStatements, clock: BatchClock,
                             events: inout [(seq: Int64, type: String, body: [UInt8])]) throws {
        for emitted in ctx.emitted {
            let seq = nextSeq
            let body = Event.encode(source: service, seq: seq, type: emitted.type, at: clock.text, data: emitted.data,
                                    incarnation: incarnation, actor: ctx.actor)
            try statements.storeEvent(seq: seq, type: emitted.type, at: clock.text, body: body)
            events.append((seq, emitted.type, body))
            nextSeq += 1
        }
    }

    /// Runs `body` in a savepoint and stores the events it emitted; a thrown error rolls back
    /// the savepoint and becomes the outcome. Storage errors (disk full) are rethrown: the whole batch fails.
    private func runInSavepoint(_ ctx: WriteContext, statements: WriterStatements, clock: BatchClock,
                                events: inout [(seq: Int64, type: String, body: [UInt8])],
                                body: () throws -> JSONValue) throws -> Result<JSONValue, ServiceError> {
        let seqBefore = nextSeq
        let eventsBefore = events.count
        var outcome: Result<JSONValue, ServiceError> = .success(.null)
        do {
            try statements.savepoint.execute()
            do {
                let value = try body()
                try storeEvents(ctx, statements: statements, clock: clock, events: &events)
                outcome = .success(value)
            } catch {
                try statements.rollbackToSavepoint.execute()
                try statements.releaseSavepoint.execute()
                throw error
            }
            try statements.releaseSavepoint.execute()
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

    /// The error a client sees when the change could not be made durable. A file system that
    /// went read-only (the kernel remounts one after a disk error) is named as such: SQLite
    /// reports it only as an I/O error.
    static func storageError(_ error: any Error, service: String, databasePath: String? = nil) -> ServiceError {
        if let directory = databasePath.map({ ($0 as NSString).deletingLastPathComponent }),
           RuntimeDirectories.isReadOnlyFileSystem(directory) {
            return ServiceError(.unavailable, "\(service) cannot write: the data directory's file system is read-only "
                + "(\(directory)); nothing was changed")
        }
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

    /// Runs `body` in the writer's next transaction and waits for the commit; its result comes
    /// back as it is. Call from any thread but the command server's.
    func perform<T: Sendable>(_ body: @escaping @Sendable (WriteContext) throws -> T) -> Result<T, ServiceError> {
        let result = TaskResult<T>()
        let done = Completion<Result<Void, ServiceError>>()
        guard queue.submit(.task({ ctx in result.value = try body(ctx) }, done: done)) else {
            return .failure(ServiceError(.unavailable, "\(service) is stopping"))
        }
        wake.signal()
        return done.wait().flatMap {
            guard let value = result.value else { return .failure(ServiceError(.internal, "the write returned nothing")) }
            return .success(value)
        }
    }
}

/// Where a task's result waits for its commit.
/// `@unchecked Sendable`: written once on the command server's thread before `done` is fulfilled,
/// read by the waiting thread only after `done.wait()` returns (the completion's lock orders the two).
private final class TaskResult<T: Sendable>: @unchecked Sendable {
    var value: T?
}
