/// The board's change control and RAG history (issue 18; docs/PROTOCOL.md, board, Events).
/// Ids, titles, dates, organisation names and the reasons the board recorded: no personal data
/// exists in the board.

/// The fields every change-request event carries.
public struct ChangeRequestFields: Codable, Sendable, Hashable {
    public var requestID: String
    public var actionID: String
    public var title: String
    public var kind: ChangeRequestKind
    /// The current value (a date, an organisation, the criteria, or a status for suspend/resume).
    public var from: String
    /// The value asked for.
    public var to: String
    public var reason: String
    /// The milestone (`M2`) whose due date a `milestone_due` request moves; absent for every other kind.
    public var milestone: String?

    public init(requestID: String, actionID: String, title: String, kind: ChangeRequestKind, from: String, to: String, reason: String,
                milestone: String? = nil) {
        self.milestone = milestone
        self.requestID = requestID
        self.actionID = actionID
        self.title = title
        self.kind = kind
        self.from = from
        self.to = to
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", actionID = "action_id", title, kind, from, to, reason, milestone
    }

    /// `milestone` is always on the wire (null but for a `milestone_due` request).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requestID, forKey: .requestID)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(kind, forKey: .kind)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reason, forKey: .reason)
        try c.encode(milestone, forKey: .milestone)
    }

    static var example: Self {
        .init(requestID: "CR-0001", actionID: "A-0001", title: "Publish the local offer", kind: .reschedule,
              from: "2026-03-01", to: "2026-06-30", reason: "The clinical lead starts in April")
    }
}

/// `action.change_requested`: a change request waits for a board decision.
public struct ActionChangeRequested: EventPayload, Hashable {
    public static let eventType = EventType.actionChangeRequested
    public var request: ChangeRequestFields

    public init(_ request: ChangeRequestFields) { self.request = request }

    public init(from decoder: any Decoder) throws { request = try ChangeRequestFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try request.encode(to: encoder) }

    public static var example: Self { .init(.example) }
}

/// `action.change_approved`: a board decision approved a change request, and the change is made.
public struct ActionChangeApproved: EventPayload, Hashable {
    public static let eventType = EventType.actionChangeApproved
    public var request: ChangeRequestFields
    public var decisionID: String
    public var meetingID: String

    public init(_ request: ChangeRequestFields, decisionID: String, meetingID: String) {
        self.request = request
        self.decisionID = decisionID
        self.meetingID = meetingID
    }

    enum Keys: String, CodingKey { case decisionID = "decision_id", meetingID = "meeting_id" }

    public init(from decoder: any Decoder) throws {
        request = try ChangeRequestFields(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        decisionID = try c.decode(String.self, forKey: .decisionID)
        meetingID = try c.decode(String.self, forKey: .meetingID)
    }

    public func encode(to encoder: any Encoder) throws {
        try request.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(decisionID, forKey: .decisionID)
        try c.encode(meetingID, forKey: .meetingID)
    }

    public static var example: Self { .init(.example, decisionID: "D-0002", meetingID: "MTG-001") }
}

/// `action.change_refused`: a board decision refused a change request; nothing changed.
public struct ActionChangeRefused: EventPayload, Hashable {
    public static let eventType = EventType.actionChangeRefused
    public var request: ChangeRequestFields
    public var decisionID: String
    public var meetingID: String

    public init(_ request: ChangeRequestFields, decisionID: String, meetingID: String) {
        self.request = request
        self.decisionID = decisionID
        self.meetingID = meetingID
    }

    enum Keys: String, CodingKey { case decisionID = "decision_id", meetingID = "meeting_id" }

    public init(from decoder: any Decoder) throws {
        request = try ChangeRequestFields(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        decisionID = try c.decode(String.self, forKey: .decisionID)
        meetingID = try c.decode(String.self, forKey: .meetingID)
    }

    public func encode(to encoder: any Encoder) throws {
        try request.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(decisionID, forKey: .decisionID)
        try c.encode(meetingID, forKey: .meetingID)
    }

    public static var example: Self { .init(.example, decisionID: "D-0002", meetingID: "MTG-001") }
}

/// `action.rag_changed`: an action's RAG rating changed, with the rule that fired. `from`/`to` are
/// null when the action is not rated (cancelled or suspended).
public struct ActionRAGChanged: EventPayload, Hashable {
    public static let eventType = EventType.actionRAGChanged
    public var actionID: String
    public var title: String
    public var leadOrganisation: String
    public var from: RAG?
    public var to: RAG?
    /// The rule that fired, in words: "overdue: due 2026-03-01, 2 days ago".
    public var reason: String
    /// What made the rating change: `status`, `decision`, `details` or `date` (the passing of time).
    public var cause: String
    /// The next board meeting on the board's calendar after today, if one is recorded; null otherwise.
    public var nextMeeting: LocalDate?

    public init(actionID: String, title: String, leadOrganisation: String, from: RAG?, to: RAG?, reason: String, cause: String,
                nextMeeting: LocalDate?) {
        self.actionID = actionID
        self.title = title
        self.leadOrganisation = leadOrganisation
        self.from = from
        self.to = to
        self.reason = reason
        self.cause = cause
        self.nextMeeting = nextMeeting
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", title, leadOrganisation = "lead_organisation", from, to, reason, cause
        case nextMeeting = "next_meeting"
    }

    /// `from`, `to` and `next_meeting` are always on the wire (null when none).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(leadOrganisation, forKey: .leadOrganisation)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reason, forKey: .reason)
        try c.encode(cause, forKey: .cause)
        try c.encode(nextMeeting, forKey: .nextMeeting)
    }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", leadOrganisation: "Council", from: .amber, to: .red,
              reason: "overdue: due yesterday (2026-03-01)", cause: "date", nextMeeting: LocalDate(iso: "2026-03-20")!)
    }
}
