public import GRDB
public import Logging
public import SendModel
public import SendRuntime

/// A write in progress in comms: the database inside the writer's transaction, the command's
/// arguments, the day and the instant, and where the events it causes go. Built from a
/// `WriteContext` by the service (commands, the board follower, timers, the delivery loop), and
/// directly by tests, so the domain's rules run the same way in both and depend on nothing else
/// of the runtime.
public struct CommsChange {
    public let db: Database
    /// The command's `args` (an empty object for timers, followers and the delivery loop).
    public let args: JSONValue
    public let today: LocalDate
    public let now: Timestamp
    let logger: Logger
    let sink: (any EventPayload) throws -> Void
    let committed: (@escaping @Sendable () -> Void) -> Void

    /// For tests: `emit` receives each event's type and its data, encoded from its payload.
    public init(db: Database, args: JSONValue = [:], today: LocalDate, now: Timestamp, logger: Logger,
                emit: @escaping (String, JSONValue) -> Void, afterCommit: @escaping (@escaping @Sendable () -> Void) -> Void = { _ in }) {
        self.db = db
        self.args = args
        self.today = today
        self.now = now
        self.logger = logger
        self.sink = { payload in emit(type(of: payload).eventType, try payload.eventData()) }
        self.committed = afterCommit
    }

    public init(_ ctx: WriteContext) {
        self.db = ctx.db
        self.args = ctx.args
        self.today = ctx.today
        self.now = ctx.now
        self.logger = ctx.logger
        self.sink = { payload in try ctx.emit(payload) }
        self.committed = { body in ctx.afterCommit(body) }
    }

    /// Runs `body` once the change is durable (never when it is rolled back): work outside the
    /// database that must not happen for a change that does not stand.
    func afterCommit(_ body: @escaping @Sendable () -> Void) { committed(body) }

    /// Adds an event to the change's outbox: ids, titles and counts only, never personal data.
    func emit<P: EventPayload>(_ payload: P) throws { try sink(payload) }

    /// A validator over `args`, collecting every bad field.
    func validator() -> Validator { Validator(args) }
}

extension CommandHandler {
    /// A comms write command: its domain function sees a `CommsChange`, not the runtime's context.
    static func change(_ body: @escaping @Sendable (CommsChange) throws -> JSONValue) -> CommandHandler {
        .write { ctx in try body(CommsChange(ctx)) }
    }
}
