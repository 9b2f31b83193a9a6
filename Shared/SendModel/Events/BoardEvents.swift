/// The board's events (docs/PROTOCOL.md, board, Events). Titles and summaries are not personal
/// data: they travel with the ids so that what a reader prints says what happened to what.

/// `action.created`.
public struct ActionCreated: EventPayload, Hashable {
    public static let eventType = EventType.actionCreated
    public var actionID: String
    public var title: String
    public var findingIDs: [String]
    public var leadOrganisation: String
    public var due: LocalDate
    public var status: ActionStatus

    public init(actionID: String, title: String, findingIDs: [String], leadOrganisation: String, due: LocalDate, status: ActionStatus) {
        self.actionID = actionID
        self.title = title
        self.findingIDs = findingIDs
        self.leadOrganisation = leadOrganisation
        self.due = due
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", title, findingIDs = "finding_ids", leadOrganisation = "lead_organisation", due, status
    }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", findingIDs: ["F-1"], leadOrganisation: "Council",
              due: LocalDate(iso: "2026-03-01")!, status: .notStarted)
    }
}

/// `action.updated`: the details of an action changed.
public struct ActionUpdated: EventPayload, Hashable {
    public static let eventType = EventType.actionUpdated
    public var actionID: String
    public var title: String
    /// The names of the fields that changed.
    public var changed: [String]

    public init(actionID: String, title: String, changed: [String]) {
        self.actionID = actionID
        self.title = title
        self.changed = changed
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, changed }

    public static var example: Self { .init(actionID: "A-0001", title: "Publish the local offer", changed: ["due"]) }
}

/// `action.status_changed`.
public struct ActionStatusChanged: EventPayload, Hashable {
    public static let eventType = EventType.actionStatusChanged
    public var actionID: String
    public var title: String
    public var from: ActionStatus
    public var to: ActionStatus
    public var reasonGiven: Bool
    /// The reason the board recorded with the change (always given for a cancellation); `null` when none.
    public var reason: String?

    public init(actionID: String, title: String, from: ActionStatus, to: ActionStatus, reason: String?) {
        self.actionID = actionID
        self.title = title
        self.from = from
        self.to = to
        self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
        self.reasonGiven = self.reason != nil
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, from, to, reasonGiven = "reason_given", reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        actionID = try c.decode(String.self, forKey: .actionID)
        title = try c.decode(String.self, forKey: .title)
        from = try c.decode(ActionStatus.self, forKey: .from)
        to = try c.decode(ActionStatus.self, forKey: .to)
        reasonGiven = try c.decode(Bool.self, forKey: .reasonGiven)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reasonGiven, forKey: .reasonGiven)
        try c.encode(reason, forKey: .reason)
    }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", from: .inProgress, to: .cancelled, reason: "Replaced by A-0002")
    }
}

/// A status change recorded with a progress update.
public struct StatusChange: Codable, Sendable, Hashable {
    public var from: ActionStatus
    public var to: ActionStatus
    public init(from: ActionStatus, to: ActionStatus) {
        self.from = from
        self.to = to
    }
}

/// `action.progress`: a progress update was recorded.
public struct ActionProgress: EventPayload, Hashable {
    public static let eventType = EventType.actionProgress
    public var actionID: String
    public var title: String
    public var updateID: String
    public var statusChange: StatusChange?

    public init(actionID: String, title: String, updateID: String, statusChange: StatusChange?) {
        self.actionID = actionID
        self.title = title
        self.updateID = updateID
        self.statusChange = statusChange
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, updateID = "update_id", statusChange = "status_change" }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", updateID: "U-000001", statusChange: .init(from: .notStarted, to: .inProgress))
    }
}

/// `action.exception_recorded`: an exception commentary was written for an action.
public struct ActionExceptionRecorded: EventPayload, Hashable {
    public static let eventType = EventType.actionExceptionRecorded
    public var actionID: String
    public var title: String
    /// The action's rating when the commentary was written; `null` for a cancelled action.
    public var rag: RAG?

    public init(actionID: String, title: String, rag: RAG?) {
        self.actionID = actionID
        self.title = title
        self.rag = rag
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, rag }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(rag, forKey: .rag)
    }

    public static var example: Self { .init(actionID: "A-0001", title: "Publish the local offer", rag: .red) }
}

/// `action.overdue`: once per action and due date.
public struct ActionOverdue: EventPayload, Hashable {
    public static let eventType = EventType.actionOverdue
    public var actionID: String
    public var title: String
    public var due: LocalDate

    public init(actionID: String, title: String, due: LocalDate) {
        self.actionID = actionID
        self.title = title
        self.due = due
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, due }

    public static var example: Self { .init(actionID: "A-0001", title: "Publish the local offer", due: LocalDate(iso: "2026-03-01")!) }
}

/// `action.due_soon`: within 7 days, once per action and due date.
public struct ActionDueSoon: EventPayload, Hashable {
    public static let eventType = EventType.actionDueSoon
    public var actionID: String
    public var title: String
    public var due: LocalDate
    public var daysLeft: Int

    public init(actionID: String, title: String, due: LocalDate, daysLeft: Int) {
        self.actionID = actionID
        self.title = title
        self.due = due
        self.daysLeft = daysLeft
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", title, due, daysLeft = "days_left" }

    public static var example: Self { .init(actionID: "A-0001", title: "Publish the local offer", due: LocalDate(iso: "2026-03-01")!, daysLeft: 3) }
}

/// `coverage.gap`: a weakness the plan must address has no open or completed action.
public struct CoverageGap: EventPayload, Hashable {
    public static let eventType = EventType.coverageGap
    public var findingID: String
    public var kind: FindingKind
    public var summary: String
    public var reason: CoverageGapReason
    /// The action that stopped covering it (`action_cancelled`, `action_changed`).
    public var actionID: String?

    public init(findingID: String, kind: FindingKind, summary: String, reason: CoverageGapReason, actionID: String? = nil) {
        self.findingID = findingID
        self.kind = kind
        self.summary = summary
        self.reason = reason
        self.actionID = actionID
    }

    enum CodingKeys: String, CodingKey { case findingID = "finding_id", kind, summary, reason, actionID = "action_id" }

    public static var example: Self {
        .init(findingID: "F-1", kind: .areaOfSignificantWeakness, summary: "Plans are late", reason: .actionCancelled, actionID: "A-0001")
    }
}

/// `coverage.closed`: a weakness announced by `coverage.gap` has an action again.
public struct CoverageClosed: EventPayload, Hashable {
    public static let eventType = EventType.coverageClosed
    public var findingID: String
    public var kind: FindingKind
    public var summary: String
    /// The action that now covers it.
    public var actionID: String

    public init(findingID: String, kind: FindingKind, summary: String, actionID: String) {
        self.findingID = findingID
        self.kind = kind
        self.summary = summary
        self.actionID = actionID
    }

    enum CodingKeys: String, CodingKey { case findingID = "finding_id", kind, summary, actionID = "action_id" }

    public static var example: Self { .init(findingID: "F-1", kind: .areaOfSignificantWeakness, summary: "Plans are late", actionID: "A-0002") }
}

/// `kpi.recorded`.
public struct KPIRecorded: EventPayload, Hashable {
    public static let eventType = EventType.kpiRecorded
    public var kpiID: String
    public var direction: KPIDirection

    public init(kpiID: String, direction: KPIDirection) {
        self.kpiID = kpiID
        self.direction = direction
    }

    enum CodingKeys: String, CodingKey { case kpiID = "kpi_id", direction }

    public static var example: Self { .init(kpiID: "K-001", direction: .higherIsBetter) }
}

/// `kpi.reading`.
public struct KPIReading: EventPayload, Hashable {
    public static let eventType = EventType.kpiReading
    public var kpiID: String
    public var date: LocalDate
    public var value: Double
    public var onTarget: Bool

    public init(kpiID: String, date: LocalDate, value: Double, onTarget: Bool) {
        self.kpiID = kpiID
        self.date = date
        self.value = value
        self.onTarget = onTarget
    }

    enum CodingKeys: String, CodingKey { case kpiID = "kpi_id", date, value, onTarget = "on_target" }

    public static var example: Self { .init(kpiID: "K-001", date: LocalDate(iso: "2026-03-01")!, value: 42.5, onTarget: false) }
}

/// `member.recorded`.
public struct MemberRecorded: EventPayload, Hashable {
    public static let eventType = EventType.memberRecorded
    public var memberID: String
    public var role: MemberRole

    public init(memberID: String, role: MemberRole) {
        self.memberID = memberID
        self.role = role
    }

    enum CodingKeys: String, CodingKey { case memberID = "member_id", role }

    public static var example: Self { .init(memberID: "M-001", role: .parentCarerRepresentative) }
}

/// `meeting.recorded`.
public struct MeetingRecorded: EventPayload, Hashable {
    public static let eventType = EventType.meetingRecorded
    public var meetingID: String
    public var date: LocalDate
    public var attendees: Int
    public var coProduced: Bool

    public init(meetingID: String, date: LocalDate, attendees: Int, coProduced: Bool) {
        self.meetingID = meetingID
        self.date = date
        self.attendees = attendees
        self.coProduced = coProduced
    }

    enum CodingKeys: String, CodingKey { case meetingID = "meeting_id", date, attendees, coProduced = "co_produced" }

    public static var example: Self { .init(meetingID: "MTG-001", date: LocalDate(iso: "2026-03-01")!, attendees: 5, coProduced: true) }
}

/// `decision.recorded`.
public struct DecisionRecorded: EventPayload, Hashable {
    public static let eventType = EventType.decisionRecorded
    public var decisionID: String
    public var meetingID: String
    public var kind: DecisionKind
    public var actionID: String?
    public var inspectionID: String?

    public init(decisionID: String, meetingID: String, kind: DecisionKind, actionID: String?, inspectionID: String?) {
        self.decisionID = decisionID
        self.meetingID = meetingID
        self.kind = kind
        self.actionID = actionID
        self.inspectionID = inspectionID
    }

    enum CodingKeys: String, CodingKey {
        case decisionID = "decision_id", meetingID = "meeting_id", kind, actionID = "action_id", inspectionID = "inspection_id"
    }

    public static var example: Self { .init(decisionID: "D-0001", meetingID: "MTG-001", kind: .verifyAction, actionID: "A-0001", inspectionID: "INS-1") }
}

/// `plan.submitted`.
public struct PlanSubmitted: EventPayload, Hashable {
    public static let eventType = EventType.planSubmitted
    public var inspectionID: String
    public var version: Int64
    public var submittedOn: LocalDate
    public var forced: Bool
    public var warnings: [String]
    public var actions: Int64

    public init(inspectionID: String, version: Int64, submittedOn: LocalDate, forced: Bool, warnings: [String], actions: Int64) {
        self.inspectionID = inspectionID
        self.version = version
        self.submittedOn = submittedOn
        self.forced = forced
        self.warnings = warnings
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey {
        case inspectionID = "inspection_id", version, submittedOn = "submitted_on", forced, warnings, actions
    }

    public static var example: Self {
        .init(inspectionID: "INS-1", version: 1, submittedOn: LocalDate(iso: "2026-03-01")!, forced: false, warnings: ["gaps"], actions: 12)
    }
}
