/// Notification audiences, severities and filters: shared by the notifications service and `sendctl`.

/// Who must hear about something.
public enum Audience: String, Sendable, CaseIterable, Codable {
    case operators
    case board
    case parentCarerForum = "parent_carer_forum"
    /// The action leads; a notification about an action names its lead organisation (issue 18).
    case actionLeads = "action_leads"
}

/// How soon they must act.
public enum Severity: String, Sendable, CaseIterable, Codable, Comparable {
    case info, warning, urgent

    var rank: Int { switch self { case .info: 0; case .warning: 1; case .urgent: 2 } }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The filters of `sendctl subscribe` and `notifications.list`: topic prefixes, one audience, a minimum severity.
public struct NotificationFilter: Sendable {
    public var topics: [String]
    public var audience: Audience?
    public var severity: Severity?

    public init(topics: [String] = [], audience: Audience? = nil, severity: Severity? = nil) {
        self.topics = topics
        self.audience = audience
        self.severity = severity
    }

    /// True when every notification passes (no topic, audience or severity given): nothing to read to decide.
    public var passesAll: Bool { topics.isEmpty && audience == nil && severity == nil }

    /// Whether a notification event (its JSON) passes.
    public func matches(_ event: JSONValue) -> Bool {
        if !topics.isEmpty {
            guard let type = event["type"]?.stringValue, topics.contains(where: { type.hasPrefix($0) }) else { return false }
        }
        if let audience {
            let audiences = (event["data"]?["audience"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard audiences.contains(audience.rawValue) else { return false }
        }
        if let severity {
            guard let text = event["data"]?["severity"]?.stringValue, let s = Severity(rawValue: text), s >= severity else { return false }
        }
        return true
    }
}
