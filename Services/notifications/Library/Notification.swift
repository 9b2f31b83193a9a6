public import SendModel

/// A notification: the `data` of an event on the notifications stream, whose type is the topic.
/// It names things by id and counts only; no personal data ever reaches it.
public struct Notification: Sendable, Hashable {
    /// The topic: the source event's type, or `reminder.*` for reminders.
    public var type: String
    public var audience: [Audience]
    public var severity: Severity
    public var title: String
    public var text: String
    /// What it is about, for example ("action", "A-0003").
    public var subjectKind: String
    public var subjectID: String
    /// The event that caused it (absent for reminders, which come from dates).
    public var source: (service: String, seq: Int64, type: String)?

    public init(type: String, audience: [Audience], severity: Severity, title: String, text: String,
                subjectKind: String, subjectID: String, source: (service: String, seq: Int64, type: String)? = nil) {
        self.type = type
        self.audience = audience
        self.severity = severity
        self.title = title
        self.text = text
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.source = source
    }

    public static func == (a: Notification, b: Notification) -> Bool { a.data == b.data && a.type == b.type }
    public func hash(into hasher: inout Hasher) { hasher.combine(type); hasher.combine(data) }

    /// The notification event's typed data.
    public var payload: NotificationPayload {
        NotificationPayload(audience: audience, severity: severity, title: title, text: text,
                            subject: .init(kind: subjectKind, id: subjectID),
                            source: source.map { .init(service: $0.service, seq: $0.seq, type: $0.type) })
    }

    public var data: JSONValue { (try? payload.eventData()) ?? .null }
}
