/// The names the processes share: statuses, kinds and ratings that cross the wire in commands,
/// events and reports. One spelling each, so a renamed case fails to compile everywhere.

// MARK: findings

/// The inspection framework a report was written under.
public enum Framework: String, Sendable, CaseIterable, Codable {
    case framework2016 = "2016"
    case framework2023 = "2023"

    /// The outcomes a report under this framework can give.
    public var outcomes: [Outcome] {
        switch self {
        case .framework2016: [.wsoaRequired, .noWsoaRequired]
        case .framework2023: [.positive, .inconsistent, .systemicFailings]
        }
    }

    /// The finding kinds a report under this framework can name.
    public var kinds: [FindingKind] {
        switch self {
        case .framework2016: [.strength, .areaForImprovement, .areaOfSignificantWeakness, .fundamentalFailing]
        case .framework2023: [.strength, .areaForImprovement, .priorityArea]
        }
    }

    /// The plan that weaknesses without sufficient progress at a revisit are carried into.
    public var carryOverPlan: PlanKind {
        switch self {
        case .framework2016: .acceleratedProgressPlan
        case .framework2023: .priorityActionPlan
        }
    }
}

/// The outcome of an inspection. 2016: whether a written statement of action is required.
/// 2023: one of the three outcomes (1 positive, 2 inconsistent, 3 widespread and/or systemic failings).
public enum Outcome: String, Sendable, CaseIterable, Codable {
    case wsoaRequired = "wsoa_required"
    case noWsoaRequired = "no_wsoa_required"
    case positive
    case inconsistent
    case systemicFailings = "systemic_failings"
}

/// What a finding is. Strengths are never judged at a revisit; every other kind is a weakness.
public enum FindingKind: String, Sendable, CaseIterable, Codable {
    case strength
    case areaForImprovement = "area_for_improvement"
    case areaOfSignificantWeakness = "area_of_significant_weakness"
    case fundamentalFailing = "fundamental_failing"
    case priorityArea = "priority_area"

    public var isWeakness: Bool { self != .strength }

    /// The kinds the plan must address with at least one action (coverage).
    public var needsAction: Bool { self == .areaOfSignificantWeakness || self == .fundamentalFailing || self == .priorityArea }

    /// Plain words: "area of significant weakness".
    public var words: String { rawValue.split(separator: "_").joined(separator: " ") }
}

/// A body responsible for acting on a finding.
public enum Body: String, Sendable, CaseIterable, Codable {
    case localAuthority = "local_authority"
    case healthCommissioners = "health_commissioners"
    case healthProviders = "health_providers"
    case schools
    case colleges
    case other
}

/// The inspectorates of a joint local area SEND inspection.
public enum Inspectorate: String, Sendable, CaseIterable, Codable {
    case ofsted = "Ofsted"
    case cqc = "CQC"
}

/// The inspectors' judgement of one weakness at a revisit or monitoring inspection.
public enum Judgement: String, Sendable, CaseIterable, Codable {
    case sufficient
    case notSufficient = "not_sufficient"
}

/// A plan that weaknesses are carried into after a revisit.
public enum PlanKind: String, Sendable, CaseIterable, Codable {
    case acceleratedProgressPlan = "accelerated_progress_plan"
    case priorityActionPlan = "priority_action_plan"

    /// Plain words: "accelerated progress plan".
    public var words: String { rawValue.split(separator: "_").joined(separator: " ") }
}

// MARK: board

/// Where an action stands. The legal changes:
///
/// ```
/// not_started → in_progress ⇄ delayed
/// in_progress, delayed → completed → verified (by a board decision)
/// not_started, in_progress, delayed → cancelled (with a reason)
/// not_started, in_progress, delayed → suspended → the status it had (both by a board decision
///     approving a change request: `actions.suspend`, `actions.resume`); suspended → cancelled
/// ```
public enum ActionStatus: String, CaseIterable, Sendable, Codable {
    case notStarted = "not_started"
    case inProgress = "in_progress"
    case delayed
    case completed
    case verified
    case cancelled
    /// Paused by a board decision (issue 18): not rated, not overdue; resumed only by decision.
    case suspended

    /// Still being worked on: can go overdue, can be cancelled.
    public var isOpen: Bool { self == .notStarted || self == .inProgress || self == .delayed }

    /// Counts towards coverage: open or completed (verified is completed and confirmed).
    public var covers: Bool { self != .cancelled }

    /// Done: completed, or completed and verified.
    public var isDone: Bool { self == .completed || self == .verified }

    /// The states a person may move the action to directly (verification is a board decision).
    public var next: [ActionStatus] {
        switch self {
        case .notStarted: [.inProgress, .cancelled]
        case .inProgress: [.delayed, .completed, .cancelled]
        case .delayed: [.inProgress, .completed, .cancelled]
        case .suspended: [.cancelled]
        case .completed, .verified, .cancelled: []
        }
    }

    /// Plain words: "not started".
    public var words: String { rawValue.split(separator: "_").joined(separator: " ") }
}

/// Red, amber or green: an action's rating (a cancelled action has none).
public enum RAG: String, CaseIterable, Sendable, Codable {
    case red, amber, green
}

/// Why a weakness has no action: just recorded, its last action cancelled, or its action changed.
public enum CoverageGapReason: String, CaseIterable, Sendable, Codable {
    case recorded
    case actionCancelled = "action_cancelled"
    case actionChanged = "action_changed"
}

// MARK: comms

/// The three ways a family can be reached, in the order of fallback: email, else text message, else letter.
public enum Channel: String, CaseIterable, Sendable, Codable {
    case email, sms, letter
}

/// The statuses a message goes through: queued → sending → delivered, or a failure; `cancelled` when the family opted out first.
public enum MessageStatus: String, CaseIterable, Sendable, Codable {
    case queued
    case sending
    case delivered
    case temporaryFailure = "temporary-failure"
    case permanentFailure = "permanent-failure"
    case technicalFailure = "technical-failure"
    case cancelled

    public var isFailure: Bool { self == .temporaryFailure || self == .permanentFailure || self == .technicalFailure }
}

/// What an update to families reports: an action completed, or cancelled ("you said, we did"), or
/// the chair's update after a board meeting.
public enum UpdateOutcome: String, CaseIterable, Sendable, Codable {
    case completed, cancelled
    case chairUpdate = "chair_update"
}

/// Where a questionnaire response came from.
public enum ResponseSource: String, CaseIterable, Sendable, Codable {
    case token, portal, `import`
}

// MARK: The board's members, decisions and measures

/// The role a board member holds (a post and a role, never a name).
public enum MemberRole: String, CaseIterable, Sendable, Codable {
    case parentCarerRepresentative = "parent_carer_representative"
    case youngPersonRepresentative = "young_person_representative"
    case localAuthority = "local_authority"
    case health, school, other
}

/// What a board decision decides.
public enum DecisionKind: String, CaseIterable, Sendable, Codable {
    case agreeAction = "agree_action"
    case approvePlan = "approve_plan"
    case verifyAction = "verify_action"
    /// Approves and/or refuses change requests (`approve`, `refuse`: request ids; issue 18).
    case changeRequests = "change_requests"
    case other
}

/// What a change request asks the board to change (issue 18, change control).
public enum ChangeRequestKind: String, CaseIterable, Sendable, Codable {
    /// A new due date (`actions.reschedule`).
    case reschedule
    /// A new lead organisation (`actions.change --lead`).
    case lead = "lead_organisation"
    /// New success criteria (`actions.change --success-criteria`).
    case successCriteria = "success_criteria"
    case suspend
    case resume
    /// A new due date of one of the action's milestones (`actions.milestones.reschedule`).
    case milestoneDue = "milestone_due"

    /// Plain words: "reschedule", "lead organisation".
    public var words: String { rawValue.split(separator: "_").joined(separator: " ") }
}

/// Which way a KPI improves.
public enum KPIDirection: String, CaseIterable, Sendable, Codable {
    case lowerIsBetter = "lower_is_better"
    case higherIsBetter = "higher_is_better"
}

// MARK: comms' questionnaires and dispatches

/// Whom a questionnaire is sent to: families with a child with an EHC plan, or every family.
public enum QuestionnaireAudience: String, CaseIterable, Sendable, Codable {
    case ehcPlan = "ehc_plan", all
}

/// The support a family's child has, for splitting questionnaire results: an EHC plan, or SEN
/// support only (the families CSV's `support` column; without it, `ehc_plan` yes or no).
public enum SupportGroup: String, CaseIterable, Sendable, Codable {
    case ehcPlan = "ehc_plan", senSupport = "sen_support"
}

/// The small-group rule: no count, rate or split of answers is shown for a group of fewer
/// responses (or families) than this, so that no family's answer can be picked out.
public enum SmallGroup {
    public static let smallest = 10
}

/// What a dispatch sends: a questionnaire, a reminder round of one, or a "you said, we did" update.
public enum DispatchKind: String, CaseIterable, Sendable, Codable {
    case questionnaire, reminder, update
}
