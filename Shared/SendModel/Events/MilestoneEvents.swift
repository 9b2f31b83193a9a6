/// An action's dated milestones (issue 18; docs/PROTOCOL.md, board, Events). Ids, titles, dates
/// and organisation names: no personal data exists in the board.

/// `action.milestone_added`: a dated milestone of an action; its date is fixed once added.
public struct ActionMilestoneAdded: EventPayload, Hashable {
    public static let eventType = EventType.actionMilestoneAdded
    public var actionID: String
    /// "M1", "M2", … numbered per action.
    public var milestone: String
    public var title: String
    public var due: LocalDate

    public init(actionID: String, milestone: String, title: String, due: LocalDate) {
        self.actionID = actionID
        self.milestone = milestone
        self.title = title
        self.due = due
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", milestone, title, due }

    public static var example: Self {
        .init(actionID: "A-0001", milestone: "M2", title: "Training delivered", due: LocalDate(iso: "2026-10-01")!)
    }
}

/// `action.milestone_met`: a milestone was met on `met_on`; `late` when that was after its due date.
public struct ActionMilestoneMet: EventPayload, Hashable {
    public static let eventType = EventType.actionMilestoneMet
    public var actionID: String
    public var milestone: String
    public var title: String
    public var due: LocalDate
    public var metOn: LocalDate
    public var late: Bool

    public init(actionID: String, milestone: String, title: String, due: LocalDate, metOn: LocalDate) {
        self.actionID = actionID
        self.milestone = milestone
        self.title = title
        self.due = due
        self.metOn = metOn
        self.late = metOn > due
    }

    enum CodingKeys: String, CodingKey { case actionID = "action_id", milestone, title, due, metOn = "met_on", late }

    public static var example: Self {
        .init(actionID: "A-0001", milestone: "M2", title: "Training delivered", due: LocalDate(iso: "2026-10-01")!,
              metOn: LocalDate(iso: "2026-09-28")!)
    }
}

/// `action.milestone_missed`: an open action's milestone is past its due date and not met; once
/// per milestone (its date is fixed), announced by the due-date watch.
public struct ActionMilestoneMissed: EventPayload, Hashable {
    public static let eventType = EventType.actionMilestoneMissed
    public var actionID: String
    /// The action's title.
    public var actionTitle: String
    public var leadOrganisation: String
    public var milestone: String
    public var title: String
    public var due: LocalDate

    public init(actionID: String, actionTitle: String, leadOrganisation: String, milestone: String, title: String, due: LocalDate) {
        self.actionID = actionID
        self.actionTitle = actionTitle
        self.leadOrganisation = leadOrganisation
        self.milestone = milestone
        self.title = title
        self.due = due
    }

    enum CodingKeys: String, CodingKey {
        case actionID = "action_id", actionTitle = "action_title", leadOrganisation = "lead_organisation", milestone, title, due
    }

    public static var example: Self {
        .init(actionID: "A-0001", actionTitle: "Publish the local offer", leadOrganisation: "Council", milestone: "M2",
              title: "Training delivered", due: LocalDate(iso: "2026-10-01")!)
    }
}
