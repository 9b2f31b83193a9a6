public import GRDB
public import Logging
public import SendModel

/// What a write handler (a command, a followed event, a timer) works with, inside the current
/// group commit's transaction (in a savepoint of its own when the group runs the careful way).
/// Events it emits are stored with the change and published after commit.
public final class WriteContext {
    public let db: Database
    /// The command's `args` (an empty object for timers and followers).
    public let args: JSONValue
    /// The request id, for commands.
    public let requestID: String?
    public let today: LocalDate
    public let now: Timestamp
    public let logger: Logger
    public let service: String
    /// Who asked: the person (id, role, and for an action lead the organisation) whose key sent the
    /// request, or the service itself (`role: stack`) for followers, timers and tasks. Every event
    /// this change emits records it.
    public let actor: Actor
    var emitted: [(type: String, data: JSONValue)] = []
    /// What runs once the change is committed (and never when it is not).
    var committed: [@Sendable () -> Void] = []

    init(db: Database, args: JSONValue, requestID: String?, today: LocalDate, now: Timestamp, logger: Logger, service: String,
         actor: Actor) {
        self.db = db
        self.args = args
        self.requestID = requestID
        self.today = today
        self.now = now
        self.logger = logger
        self.service = service
        self.actor = actor
    }

    /// Runs `body` on the writer's thread once this change is durable; if it is rolled back,
    /// never. For state kept in memory beside the database.
    public func afterCommit(_ body: @escaping @Sendable () -> Void) { committed.append(body) }

    /// Adds a typed event to this change's outbox: the payload's type names the event. There is
    /// no untyped emit: every event's data is a payload type of SendModel (docs/PROTOCOL.md).
    public func emit<P: EventPayload>(_ payload: P) throws(ServiceError) {
        emitted.append((P.eventType, try payload.eventData()))
    }

    /// Adds a typed event published under `type`, for payloads that accept several types
    /// (a notification takes its source event's type).
    public func emit<P: EventPayload>(_ payload: P, as type: String) throws(ServiceError) {
        guard P.accepts(type) else { throw ServiceError(.internal, "a \(P.eventType) payload cannot be a \(type) event") }
        emitted.append((type, try payload.eventData()))
    }

    /// A validator over `args`, collecting every bad field.
    public func validator() -> Validator { Validator(args) }

    /// `args` decoded as a Codable type; a mismatch is `invalid` naming the field.
    public func decodeArgs<T: Decodable>(_ type: T.Type) throws(ServiceError) -> T { try args.decode(T.self) }
}

/// What a read handler works with: a read-only snapshot of the database.
public final class ReadContext {
    public let db: Database
    public let args: JSONValue
    public let today: LocalDate
    public let now: Timestamp
    public let logger: Logger
    /// Who asked (see `WriteContext.actor`).
    public let actor: Actor

    init(db: Database, args: JSONValue, today: LocalDate, now: Timestamp, logger: Logger, actor: Actor) {
        self.db = db
        self.args = args
        self.today = today
        self.now = now
        self.logger = logger
        self.actor = actor
    }

    public func validator() -> Validator { Validator(args) }
    public func decodeArgs<T: Decodable>(_ type: T.Type) throws(ServiceError) -> T { try args.decode(T.self) }
}
