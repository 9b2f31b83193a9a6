/// The data of a notification: an event on the notifications stream, whose type (and topic) is
/// the source event's type, or `reminder.*` for reminders. Names things by id, title and count.
public struct NotificationPayload: EventPayload, Hashable {
    /// Notifications take their source event's type; this is the type of none of them.
    public static let eventType = "notification"
    /// Any type: a notification is published under its source event's type.
    public static func accepts(_ type: String) -> Bool { true }

    public struct Subject: Codable, Sendable, Hashable {
        public var kind: String
        public var id: String
        public init(kind: String, id: String) {
            self.kind = kind
            self.id = id
        }
    }

    public struct Source: Codable, Sendable, Hashable {
        public var service: String
        public var seq: Int64
        public var type: String
        public init(service: String, seq: Int64, type: String) {
            self.service = service
            self.seq = seq
            self.type = type
        }
    }

    public var audience: [Audience]
    public var severity: Severity
    public var title: String
    public var text: String
    public var subject: Subject
    /// The event that caused it (absent for reminders, which come from dates).
    public var source: Source?

    public init(audience: [Audience], severity: Severity, title: String, text: String, subject: Subject, source: Source?) {
        self.audience = audience
        self.severity = severity
        self.title = title
        self.text = text
        self.subject = subject
        self.source = source
    }

    public static var example: Self {
        .init(audience: [.board, .operators], severity: .urgent, title: "Action overdue: A-0003 Publish the local offer",
              text: "A-0003 Publish the local offer was due 2026-11-01 and is not completed.",
              subject: .init(kind: "action", id: "A-0003"), source: .init(service: "board", seq: 42, type: "action.overdue"))
    }
}
