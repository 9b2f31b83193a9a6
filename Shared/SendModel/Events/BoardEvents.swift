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
    /// The `actions.import` that created it (absent for an action created on its own).
    public var importID: String?

    public init(actionID: String, title: String, findingIDs: [String], leadOrganisation: String, due: LocalDate, status: ActionStatus,
                importID: String? = nil) {
        self.actionID = actionID
        self.title = title
        self.findingIDs = findingIDs
        self.leadOrganisation = leadOrganisation
        self.due = due
        self.status = status
        self.importID = importID
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", title, findingIDs = "finding_ids", leadOrganisation = "lead_organisation", due, status
        case importID = "import_id"
    }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", findingIDs: ["F-1"], leadOrganisation: "Council",
              due: LocalDate(iso: "2026-03-01")!, status: .notStarted)
    }

    /// `import_id` is always on the wire: null for an action created on its own.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(findingIDs, forKey: .findingIDs)
        try c.encode(leadOrganisation, forKey: .leadOrganisation)
        try c.encode(due, forKey: .due)
        try c.encode(status, forKey: .status)
        try c.encode(importID, forKey: .importID)
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
    /// The `actions.import` that recorded the change (absent for a change made on its own).
    public var importID: String?

    public init(actionID: String, title: String, from: ActionStatus, to: ActionStatus, reason: String?, importID: String? = nil) {
        self.actionID = actionID
        self.title = title
        self.from = from
        self.to = to
        self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
        self.reasonGiven = self.reason != nil
        self.importID = importID
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", title, from, to, reasonGiven = "reason_given", reason, importID = "import_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        actionID = try c.decode(String.self, forKey: .actionID)
        title = try c.decode(String.self, forKey: .title)
        from = try c.decode(ActionStatus.self, forKey: .from)
        to = try c.decode(ActionStatus.self, forKey: .to)
        reasonGiven = try c.decode(Bool.self, forKey: .reasonGiven)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        importID = try c.decodeIfPresent(String.self, forKey: .importID)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reasonGiven, forKey: .reasonGiven)
        try c.encode(reason, forKey: .reason)
        try c.encode(importID, forKey: .importID)
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
    /// The `actions.import` that recorded the update (absent for an update recorded on its own).
    public var importID: String?

    public init(actionID: String, title: String, updateID: String, statusChange: StatusChange?, importID: String? = nil) {
        self.actionID = actionID
        self.title = title
        self.updateID = updateID
        self.statusChange = statusChange
        self.importID = importID
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", title, updateID = "update_id", statusChange = "status_change", importID = "import_id"
    }

    public static var example: Self {
        .init(actionID: "A-0001", title: "Publish the local offer", updateID: "U-000001", statusChange: .init(from: .notStarted, to: .inProgress))
    }

    /// `import_id` is always on the wire (null for an update recorded on its own); `status_change` only with one.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(updateID, forKey: .updateID)
        try c.encodeIfPresent(statusChange, forKey: .statusChange)
        try c.encode(importID, forKey: .importID)
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

/// `actions.imported`: one `actions.import` request was applied (its actions and updates were announced
/// one by one before it, each carrying the same `import_id`). Counts and ids only.
public struct ActionsImported: EventPayload, Hashable {
    public static let eventType = EventType.actionsImported
    public var importID: String
    /// This request's place in an import sent in several requests (1 of 1 for one request).
    public var chunk: Int
    public var chunks: Int
    /// What this request created.
    public var actions: Int
    public var updates: Int
    public var statusChanges: Int
    public var firstActionID: String
    public var lastActionID: String
    /// What every request of the import has created so far, this one included (the whole import once `chunk == chunks`).
    public var importActions: Int
    public var importUpdates: Int

    public init(importID: String, chunk: Int, chunks: Int, actions: Int, updates: Int, statusChanges: Int,
                firstActionID: String, lastActionID: String, importActions: Int, importUpdates: Int) {
        self.importID = importID
        self.chunk = chunk
        self.chunks = chunks
        self.actions = actions
        self.updates = updates
        self.statusChanges = statusChanges
        self.firstActionID = firstActionID
        self.lastActionID = lastActionID
        self.importActions = importActions
        self.importUpdates = importUpdates
    }

    enum CodingKeys: String, CodingKey {
        case importID = "import_id", chunk, chunks, actions, updates, statusChanges = "status_changes"
        case firstActionID = "first_action_id", lastActionID = "last_action_id"
        case importActions = "import_actions", importUpdates = "import_updates"
    }

    public static var example: Self {
        .init(importID: "tracker-2025", chunk: 1, chunks: 1, actions: 120, updates: 1400, statusChanges: 230,
              firstActionID: "A-0009", lastActionID: "A-0128", importActions: 120, importUpdates: 1400)
    }
}
