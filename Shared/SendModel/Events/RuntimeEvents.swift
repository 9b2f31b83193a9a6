/// A follower stopped applying the events of another service: the handler refused an event,
/// the database failed, or the follower's thread ended. It stays stopped at `seq` (its cursor
/// is `seq - 1`: nothing after it is applied, nothing is skipped) and retries with a backoff.
/// Emitted by the service whose follower stopped, once per stop; `follower.resumed` follows.
public struct FollowerStalled: EventPayload, Hashable {
    public static let eventType = EventType.followerStalled

    /// The service whose follower stopped (the emitter).
    public var service: String
    /// The service it follows.
    public var source: String
    /// The event it stopped at: the next one to apply.
    public var seq: Int64
    /// That event's type; nil when the follower stopped before reading it (its thread ended).
    public var type: String?
    /// Why, in words: ids and codes only, never personal data.
    public var reason: String

    public init(service: String, source: String, seq: Int64, type: String?, reason: String) {
        self.service = service
        self.source = source
        self.seq = seq
        self.type = type
        self.reason = reason
    }

    public static var example: Self {
        .init(service: "comms", source: "board", seq: 42, type: EventType.actionStatusChanged,
              reason: "board#42 action.status_changed: data.to is required")
    }
}

/// A follower that had stopped applies again: the event it stopped at (`seq`) is applied.
public struct FollowerResumed: EventPayload, Hashable {
    public static let eventType = EventType.followerResumed

    /// The service whose follower resumed (the emitter).
    public var service: String
    /// The service it follows.
    public var source: String
    /// The event it had stopped at, now applied.
    public var seq: Int64

    public init(service: String, source: String, seq: Int64) {
        self.service = service
        self.source = source
        self.seq = seq
    }

    public static var example: Self { .init(service: "comms", source: "board", seq: 42) }
}

/// An operator accepted a source's replaced log (`follower.accept`): the follower counts in the new
/// log from `cursor` (0: it applies the new log from its start; the source's last seq then: it applies
/// only what comes next) and applies again.
public struct FollowerAccepted: EventPayload, Hashable {
    public static let eventType = EventType.followerAccepted

    /// The service whose follower was re-pointed (the emitter).
    public var service: String
    /// The service it follows.
    public var source: String
    /// The identity of the log it follows now.
    public var incarnation: String
    /// The identity its cursor counted in before; nil when it had none.
    public var previous: String?
    /// The cursor in the new log: what it applies next is `cursor + 1`.
    public var cursor: Int64

    public init(service: String, source: String, incarnation: String, previous: String?, cursor: Int64) {
        self.service = service
        self.source = source
        self.incarnation = incarnation
        self.previous = previous
        self.cursor = cursor
    }

    enum CodingKeys: String, CodingKey { case service, source, incarnation, previous, cursor }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(source, forKey: .source)
        try c.encode(incarnation, forKey: .incarnation)
        try c.encode(previous, forKey: .previous)
        try c.encode(cursor, forKey: .cursor)
    }

    public static var example: Self {
        .init(service: "board", source: "findings", incarnation: "0123456789abcdef", previous: "9f86d081884c7d65", cursor: 0)
    }
}
