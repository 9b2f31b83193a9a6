/// `heartbeat`: published by every service once a second (not stored, no seq).
public struct Heartbeat: EventPayload, Hashable {
    public static let eventType = EventType.heartbeat
    /// The highest seq the service has stored.
    public var lastSeq: Int64
    /// The identity of the service's log (16 hex digits, made with its database): a follower calls
    /// the log replaced only when this changes, never from seq arithmetic alone.
    public var incarnation: String

    public init(lastSeq: Int64, incarnation: String) {
        self.lastSeq = lastSeq
        self.incarnation = incarnation
    }

    enum CodingKeys: String, CodingKey {
        case lastSeq = "last_seq"
        case incarnation
    }

    public static var example: Self { .init(lastSeq: 42, incarnation: "9f86d081884c7d65") }
}
