/// `heartbeat`: published by every service once a second (not stored, no seq).
public struct Heartbeat: EventPayload, Hashable {
    public static let eventType = EventType.heartbeat
    /// The highest seq the service has stored.
    public var lastSeq: Int64

    public init(lastSeq: Int64) { self.lastSeq = lastSeq }

    enum CodingKeys: String, CodingKey { case lastSeq = "last_seq" }

    public static var example: Self { .init(lastSeq: 42) }
}
