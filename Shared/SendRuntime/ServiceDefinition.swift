public import GRDB
public import SendModel

/// A command's handler: reads run on a snapshot beside the writer; writes run in the
/// writer's transaction (group commit); one that fails undoes only itself. A write handler may run
/// twice for one request (a group in which another request failed is rolled back and run again),
/// so what it does outside the database must be harmless to repeat.
public enum CommandHandler: Sendable {
    case read(@Sendable (ReadContext) throws -> JSONValue)
    case write(@Sendable (WriteContext) throws -> JSONValue)
}

/// Another service's event stream to follow, and what to do with each event (exactly once, in order).
public struct Follow: Sendable {
    public let source: String
    public let handler: @Sendable (WriteContext, Event) throws -> Void

    public init(_ source: String, handler: @escaping @Sendable (WriteContext, Event) throws -> Void) {
        self.source = source
        self.handler = handler
    }
}

/// A periodic write job, for example overdue detection; it runs once when the service is ready and then every `interval` seconds.
public struct PeriodicJob: Sendable {
    public let name: String
    public let interval: Double
    public let body: @Sendable (WriteContext) throws -> Void

    public init(_ name: String, every interval: Double, body: @escaping @Sendable (WriteContext) throws -> Void) {
        self.name = name
        self.interval = interval
        self.body = body
    }
}

/// A long-running job of the domain's own (for example a delivery loop); it runs on its own
/// thread and must return soon after `host.isStopping` becomes true.
public struct BackgroundTask: Sendable {
    public let name: String
    public let run: @Sendable (ServiceHost) -> Void

    public init(_ name: String, run: @escaping @Sendable (ServiceHost) -> Void) {
        self.name = name
        self.run = run
    }
}

/// Everything a service is beyond the runtime: its name, schema, commands, followers and jobs.
public struct ServiceDefinition: Sendable {
    public var name: String
    public var migrations: @Sendable (inout DatabaseMigrator) -> Void
    public var commands: [String: CommandHandler]
    public var follows: [Follow]
    public var periodicJobs: [PeriodicJob]
    public var backgroundTasks: [BackgroundTask]
    /// What becomes of the runtime's own events (`follower.stalled`, `follower.resumed`): nil
    /// emits them on the service's stream; a handler gets them instead, in the same transaction,
    /// for a service whose stream is not made of events (the notifications service turns them
    /// into notifications). The event it gets has this service as source and seq 0.
    public var runtimeEvents: (@Sendable (WriteContext, Event) throws -> Void)?
    /// True for the one service that keeps the register of people and keys (the supervisor): it
    /// answers `people.add`, `people.revoke` and `people.list` and emits the register's events;
    /// every other service follows them from the supervisor into its own copy.
    public var keepsRegister: Bool
    /// True: the writer's connection runs with `PRAGMA secure_delete = ON`, so deleted and
    /// overwritten values are overwritten with zeros in the file rather than left in free space
    /// (comms, which holds personal data and erases it).
    public var secureDelete = false

    public init(name: String,
                migrations: @escaping @Sendable (inout DatabaseMigrator) -> Void = { _ in },
                commands: [String: CommandHandler] = [:],
                follows: [Follow] = [],
                periodicJobs: [PeriodicJob] = [],
                backgroundTasks: [BackgroundTask] = [],
                runtimeEvents: (@Sendable (WriteContext, Event) throws -> Void)? = nil,
                keepsRegister: Bool = false) {
        self.keepsRegister = keepsRegister
        self.name = name
        self.migrations = migrations
        self.commands = commands
        self.follows = follows
        self.periodicJobs = periodicJobs
        self.backgroundTasks = backgroundTasks
        self.runtimeEvents = runtimeEvents
    }

    /// Emits a runtime event, or hands it to `runtimeEvents`.
    func emitRuntimeEvent<P: EventPayload>(_ payload: P, ctx: WriteContext) throws {
        guard let runtimeEvents else {
            try ctx.emit(payload)
            return
        }
        try runtimeEvents(ctx, Event(source: name, seq: 0, type: P.eventType, at: ctx.now, data: try payload.eventData()))
    }

    /// Commands every service answers; a domain cannot take these names.
    public static let builtInCommands: Set<String> = ["health", "events.since", FollowerAccept.command, "backup"]
}
