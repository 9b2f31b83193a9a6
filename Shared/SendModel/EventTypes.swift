/// Every event type name in the system, in one place. The type is also the PUB topic frame.
public enum EventType {
    /// Published by every service once a second: `{"last_seq":M}`; not stored, no seq.
    public static let heartbeat = "heartbeat"

    // findings
    public static let inspectionRecorded = "inspection.recorded"
    public static let findingRecorded = "finding.recorded"
    public static let findingJudged = "finding.judged"
    public static let findingCarriedOver = "finding.carried_over"

    // board
    public static let actionCreated = "action.created"
    public static let actionUpdated = "action.updated"
    public static let actionStatusChanged = "action.status_changed"
    public static let actionProgress = "action.progress"
    public static let actionOverdue = "action.overdue"
    public static let actionDueSoon = "action.due_soon"
    public static let actionExceptionRecorded = "action.exception_recorded"
    public static let coverageGap = "coverage.gap"
    public static let coverageClosed = "coverage.closed"
    public static let kpiRecorded = "kpi.recorded"
    public static let kpiReading = "kpi.reading"
    public static let meetingRecorded = "meeting.recorded"
    public static let decisionRecorded = "decision.recorded"
    public static let memberRecorded = "member.recorded"
    public static let planSubmitted = "plan.submitted"
    public static let actionsImported = "actions.imported"
    /// The chair's updates and the board's themes (Events/ChairEvents.swift).
    public static let chairUpdatePublished = "chair_update.published"
    public static let themeNamed = "theme.named"
    /// Change control and RAG history (issue 18; Events/ChangeControlEvents.swift).
    public static let actionChangeRequested = "action.change_requested"
    public static let actionChangeApproved = "action.change_approved"
    public static let actionChangeRefused = "action.change_refused"
    public static let actionRAGChanged = "action.rag_changed"
    /// An action's milestones (issue 18; Events/MilestoneEvents.swift).
    public static let actionMilestoneAdded = "action.milestone_added"
    public static let actionMilestoneMet = "action.milestone_met"
    public static let actionMilestoneMissed = "action.milestone_missed"

    // comms (data: ids and counts only, never a name, contact detail or answer)
    public static let familyImported = "family.imported"
    public static let questionnaireCreated = "questionnaire.created"
    public static let dispatchStarted = "dispatch.started"
    public static let dispatchCompleted = "dispatch.completed"
    public static let messageFailed = "message.failed"
    public static let responseReceived = "response.received"
    public static let updateDrafted = "update.drafted"
    public static let updatePublished = "update.published"
    public static let enquiryReceived = "enquiry.received"
    public static let enquiryEscalated = "enquiry.escalated"
    public static let enquiryAnswered = "enquiry.answered"
    /// The families' data rights (Events/CommsEvents.swift).
    public static let familyErased = "family.erased"
    public static let retentionErased = "retention.erased"

    // supervisor
    public static let serviceStarted = "service.started"
    /// The register of people and keys (Events/PeopleEvents.swift).
    public static let personAdded = "person.added"
    public static let personRevoked = "person.revoked"
    public static let serviceExited = "service.exited"
    public static let serviceRestarted = "service.restarted"
    public static let serviceFailed = "service.failed"
    /// The watchdog killed a service that showed no life (Events/WatchdogEvents.swift).
    public static let serviceHung = "service.hung"
    /// Found at take-over (Events/SupervisorTakeoverEvents.swift).
    public static let serviceOrphanStopped = "service.orphan_stopped"
    public static let serviceGone = "service.gone"

    // notifications: reminders from dates (other notification types are the source event's type)
    public static let reminderWSoADue = "reminder.wsoa_due"

    // every service's runtime (Events/RuntimeEvents.swift)
    public static let followerStalled = "follower.stalled"
    public static let followerResumed = "follower.resumed"
    public static let followerAccepted = "follower.accepted"

    // test and benchmark services
    public static let benchAppended = "bench.appended"
}

/// The service names of DESIGN.md: the stem of each `<run>/<service>.cmd` and `.pub`.
public enum ServiceName {
    public static let findings = "findings"
    public static let board = "board"
    public static let comms = "comms"
    public static let notifications = "notifications"
    public static let supervisor = "supervisor"

    /// The four services the supervisor runs, in start order.
    public static let managed = [findings, board, comms, notifications]
    /// family-portal: the families' door, an HTTP edge that answers only `health` on its socket.
    public static let portal = "portal"
    /// Every process the supervisor starts, in start order: the four services, then the portal.
    public static let supervised = managed + [portal]
}
