public import SendModel

/// Everything the board pack and the public progress page show, as read from the services.
///
/// A plain value: `ReportFetcher` fills it from the services' read commands, the tests and the
/// benchmark build it directly, and `BoardPack` and `PublicPage` render it without any I/O.
public struct ReportData: Sendable {
    /// The date the figures are as of: the board's today (`SEND_TODAY` or the clock).
    public var today: LocalDate
    /// When the report was made (wall clock), for the footer.
    public var generatedAt: Timestamp
    public var inspection: Inspection?
    /// The inspection's findings, strengths included, in recording order.
    public var findings: [Finding]
    public var plan: Plan
    /// The actions addressing the inspection's findings, in id order.
    public var actions: [Action]
    /// Every status change of those actions (creation included), oldest first.
    public var statusChanges: [StatusChange]
    /// How the status history was obtained, said under the chart.
    public var statusHistorySource: String
    public var kpis: [KPI]
    public var exceptions: Exceptions
    public var questionnaires: [Questionnaire]
    /// Published "you said, we did" updates, newest first.
    public var updates: [PublishedUpdate]
    /// Why there is nothing from comms (not running, no questionnaire yet), or nil.
    public var commsNote: String?
    /// The chair's updates after board meetings, newest first (ReportData+Chair.swift).
    public var chairUpdates: [ChairUpdate] = []
    /// The board's themes, in the order it named them (ReportData+Chair.swift).
    public var themes: [Theme] = []
    /// Every recorded RAG rating of the actions, oldest first; nil when the board does not give them (ReportData+Changes.swift).
    public var ragChanges: [RAGChange] = []
    public var ragHistoryKnown = true
    /// The plan's change requests, oldest first (ReportData+Changes.swift).
    public var planChanges: [PlanChange] = []

    public init(today: LocalDate, generatedAt: Timestamp = .now(), inspection: Inspection? = nil, findings: [Finding] = [],
                plan: Plan = Plan(), actions: [Action] = [], statusChanges: [StatusChange] = [],
                statusHistorySource: String = "", kpis: [KPI] = [], exceptions: Exceptions = Exceptions(),
                questionnaires: [Questionnaire] = [], updates: [PublishedUpdate] = [], commsNote: String? = nil) {
        self.today = today
        self.generatedAt = generatedAt
        self.inspection = inspection
        self.findings = findings
        self.plan = plan
        self.actions = actions
        self.statusChanges = statusChanges
        self.statusHistorySource = statusHistorySource
        self.kpis = kpis
        self.exceptions = exceptions
        self.questionnaires = questionnaires
        self.updates = updates
        self.commsNote = commsNote
    }

    public struct Inspection: Sendable {
        public var id: String
        public var localArea: String
        public var framework: String
        /// `wsoa_required`, `systemic_failings`, …
        public var outcome: String
        public var visitStart: LocalDate?
        public var visitEnd: LocalDate?
        public var published: LocalDate?
        /// `wsoa_due`, `revisit_window_start`, `revisit_window_end`, `pap_due`, `monitoring_expected`.
        public var deadlines: [String: LocalDate]
        /// Plans weaknesses were carried into after a revisit.
        public var plans: [CarriedPlan]

        public init(id: String, localArea: String, framework: String, outcome: String, visitStart: LocalDate? = nil,
                    visitEnd: LocalDate? = nil, published: LocalDate? = nil, deadlines: [String: LocalDate] = [:],
                    plans: [CarriedPlan] = []) {
            self.id = id
            self.localArea = localArea
            self.framework = framework
            self.outcome = outcome
            self.visitStart = visitStart
            self.visitEnd = visitEnd
            self.published = published
            self.deadlines = deadlines
            self.plans = plans
        }
    }

    public struct CarriedPlan: Sendable {
        public var id: String
        /// `accelerated_progress_plan` or `priority_action_plan`.
        public var kind: String
        public var opened: LocalDate?
        public var reviewExpected: LocalDate?

        public init(id: String, kind: String, opened: LocalDate?, reviewExpected: LocalDate?) {
            self.id = id
            self.kind = kind
            self.opened = opened
            self.reviewExpected = reviewExpected
        }
    }

    public struct Finding: Sendable {
        public var id: String
        public var kind: FindingKind
        public var theme: String
        /// The report's public wording.
        public var summary: String
        /// `sufficient`, `not_sufficient` or nil (not judged yet).
        public var judgement: String?
        public var judgedOn: LocalDate?
        /// The plan a carried finding belongs to; nil for the report's own findings.
        public var planID: String?
        /// The finding this one was carried into after a revisit.
        public var carriedTo: String?

        public var isWeakness: Bool { kind.isWeakness }

        public init(id: String, kind: FindingKind, theme: String, summary: String, judgement: String? = nil, judgedOn: LocalDate? = nil,
                    planID: String? = nil, carriedTo: String? = nil) {
            self.id = id
            self.kind = kind
            self.theme = theme
            self.summary = summary
            self.judgement = judgement
            self.judgedOn = judgedOn
            self.planID = planID
            self.carriedTo = carriedTo
        }
    }

    /// An action's status: the board's own enum, one spelling everywhere.
    public typealias Status = ActionStatus

    /// An action's rating: the board's own enum.
    public typealias RAG = SendModel.RAG

    public struct Action: Sendable {
        public var id: String
        public var title: String
        public var status: Status
        /// Nil for a cancelled action (not rated).
        public var rag: RAG?
        public var ragReason: String
        public var leadOrganisation: String
        /// A post, never a name.
        public var actionLead: String
        public var start: LocalDate
        public var due: LocalDate
        /// The first agreed due date; the due date until a reschedule is approved.
        public var baselineDue: LocalDate? = nil
        public var overdue: Bool
        public var findingIDs: [String]
        public var kpiID: String?
        /// Progress updates recorded.
        public var updates: Int
        public var lastUpdate: LocalDate?
        /// Why the board cancelled it (nil unless cancelled); published on the progress page.
        public var cancelReason: String?
        /// Its dated milestones, by due date (ReportData+Milestones.swift).
        public var milestones: [Milestone] = []

        public init(id: String, title: String, status: Status, rag: RAG?, ragReason: String, leadOrganisation: String,
                    actionLead: String, start: LocalDate, due: LocalDate, overdue: Bool, findingIDs: [String],
                    kpiID: String? = nil, updates: Int = 0, lastUpdate: LocalDate? = nil, cancelReason: String? = nil) {
            self.cancelReason = cancelReason
            self.id = id
            self.title = title
            self.status = status
            self.rag = rag
            self.ragReason = ragReason
            self.leadOrganisation = leadOrganisation
            self.actionLead = actionLead
            self.start = start
            self.due = due
            self.overdue = overdue
            self.findingIDs = findingIDs
            self.kpiID = kpiID
            self.updates = updates
            self.lastUpdate = lastUpdate
        }
    }

    public struct StatusChange: Sendable {
        public var actionID: String
        /// Nil when the action was created.
        public var from: Status?
        public var to: Status
        public var on: LocalDate

        public init(actionID: String, from: Status?, to: Status, on: LocalDate) {
            self.actionID = actionID
            self.from = from
            self.to = to
            self.on = on
        }
    }

    /// The plan at a glance, as `plan.status` answers.
    public struct Plan: Sendable {
        public var due: LocalDate?
        public var submissions: [Submission]
        public var approvedOn: LocalDate?
        public var coverageRequired: Int
        public var coverageCovered: Int
        public var gaps: [String]
        public var byStatus: [Status: Int]
        public var red: Int, amber: Int, green: Int, notRated: Int
        public var total: Int
        public var overdue: Int
        public var exceptionsMissing: Int
        /// The board's own warnings (coverage incomplete, due date passed), in its words.
        public var warnings: [String]

        public init(due: LocalDate? = nil, submissions: [Submission] = [], approvedOn: LocalDate? = nil, coverageRequired: Int = 0,
                    coverageCovered: Int = 0, gaps: [String] = [], byStatus: [Status: Int] = [:], red: Int = 0, amber: Int = 0,
                    green: Int = 0, notRated: Int = 0, total: Int = 0, overdue: Int = 0, exceptionsMissing: Int = 0,
                    warnings: [String] = []) {
            self.due = due
            self.submissions = submissions
            self.approvedOn = approvedOn
            self.coverageRequired = coverageRequired
            self.coverageCovered = coverageCovered
            self.gaps = gaps
            self.byStatus = byStatus
            self.red = red
            self.amber = amber
            self.green = green
            self.notRated = notRated
            self.total = total
            self.overdue = overdue
            self.exceptionsMissing = exceptionsMissing
            self.warnings = warnings
        }
    }

    public struct Submission: Sendable {
        public var version: Int
        public var on: LocalDate
        public var forced: Bool

        public init(version: Int, on: LocalDate, forced: Bool) {
            self.version = version
            self.on = on
            self.forced = forced
        }
    }

    public struct KPI: Sendable {
        public var id: String
        public var name: String
        public var unit: String
        public var baseline: Double
        public var baselineDate: LocalDate?
        public var target: Double
        public var targetDate: LocalDate?
        public var lowerIsBetter: Bool
        /// `improving`, `worsening`, `flat` or `no_readings`, as the board computes it.
        public var trend: String
        public var onTarget: Bool
        public var readings: [Reading]

        public var latest: Reading? { readings.last }

        public init(id: String, name: String, unit: String, baseline: Double, baselineDate: LocalDate? = nil, target: Double,
                    targetDate: LocalDate? = nil, lowerIsBetter: Bool, trend: String, onTarget: Bool, readings: [Reading]) {
            self.id = id
            self.name = name
            self.unit = unit
            self.baseline = baseline
            self.baselineDate = baselineDate
            self.target = target
            self.targetDate = targetDate
            self.lowerIsBetter = lowerIsBetter
            self.trend = trend
            self.onTarget = onTarget
            self.readings = readings
        }
    }

    public struct Reading: Sendable {
        public var date: LocalDate
        public var value: Double

        public init(date: LocalDate, value: Double) {
            self.date = date
            self.value = value
        }
    }

    /// Red actions and their exceptions commentary, as `exceptions.list {"all": true}` answers.
    public struct Exceptions: Sendable {
        public var sinceMeeting: LocalDate?
        public var red: Int
        public var missing: Int
        public var actions: [RedAction]

        public init(sinceMeeting: LocalDate? = nil, red: Int = 0, missing: Int = 0, actions: [RedAction] = []) {
            self.sinceMeeting = sinceMeeting
            self.red = red
            self.missing = missing
            self.actions = actions
        }
    }

    public struct RedAction: Sendable {
        public var actionID: String
        public var title: String
        public var status: Status
        public var due: LocalDate
        public var leadOrganisation: String
        public var actionLead: String
        public var ragReason: String
        /// The latest commentary, internal to the board: never on the public page.
        public var commentary: String?
        public var commentaryAuthor: String?
        public var commentaryOn: LocalDate?
        /// `missing` (none), `stale` (only before the last meeting) or `current`.
        public var state: String
        /// The last change of its status and who made it; nil when the board does not say.
        public var lastStatusChange: StatusSet?

        public init(actionID: String, title: String, status: Status, due: LocalDate, leadOrganisation: String, actionLead: String,
                    ragReason: String, commentary: String? = nil, commentaryAuthor: String? = nil, commentaryOn: LocalDate? = nil,
                    state: String, lastStatusChange: StatusSet? = nil) {
            self.lastStatusChange = lastStatusChange
            self.actionID = actionID
            self.title = title
            self.status = status
            self.due = due
            self.leadOrganisation = leadOrganisation
            self.actionLead = actionLead
            self.ragReason = ragReason
            self.commentary = commentary
            self.commentaryAuthor = commentaryAuthor
            self.commentaryOn = commentaryOn
            self.state = state
        }
    }

    /// A change of an action's status and who made it: a person of the register by id, role and
    /// post (never a name), or the stack itself.
    public struct StatusSet: Sendable {
        /// Nil when the action was created.
        public var from: Status?
        public var to: Status
        public var on: LocalDate
        /// Nil when it was recorded before keys.
        public var by: Actor?

        public init(from: Status?, to: Status, on: LocalDate, by: Actor?) {
            self.from = from
            self.to = to
            self.on = on
            self.by = by
        }
    }

    /// A questionnaire's results, as counts: never an answer's text, never a family.
    public struct Questionnaire: Sendable {
        public var id: Int64
        public var title: String
        public var anonymous: Bool
        /// `not_open`, `open` or `closed`.
        public var state: String
        public var opens: LocalDate?
        public var closes: LocalDate?
        public var asked: Int
        public var answered: Int
        public var byChannel: [ChannelRate]
        public var questions: [Question]
        /// Each question's headline by EHC plan and SEN support, or why not (board pack only).
        public var splits: [Split] = []
        /// Against the rounds it repeats, when it repeats one.
        public var comparison: Comparison?

        /// Answered out of asked, 0…1; nil when nobody was asked.
        public var responseRate: Double? { asked == 0 ? nil : Double(answered) / Double(asked) }

        public init(id: Int64, title: String, anonymous: Bool, state: String, opens: LocalDate? = nil, closes: LocalDate? = nil,
                    asked: Int, answered: Int, byChannel: [ChannelRate] = [], questions: [Question] = []) {
            self.id = id
            self.title = title
            self.anonymous = anonymous
            self.state = state
            self.opens = opens
            self.closes = closes
            self.asked = asked
            self.answered = answered
            self.byChannel = byChannel
            self.questions = questions
        }
    }

    public struct ChannelRate: Sendable {
        /// `email`, `sms`, `letter` or `not_delivered`.
        public var channel: String
        public var asked: Int
        public var answered: Int

        public init(channel: String, asked: Int, answered: Int) {
            self.channel = channel
            self.asked = asked
            self.answered = answered
        }
    }

    public struct Question: Sendable {
        public var number: Int
        /// `scale`, `yes_no`, `single_choice` or `free_text`.
        public var kind: String
        public var text: String
        public var answered: Int
        /// For scale, yes/no and single-choice questions: each answer and how many gave it, in the question's order.
        public var distribution: [(answer: String, count: Int)]
        public var mean: Double?

        public init(number: Int, kind: String, text: String, answered: Int, distribution: [(answer: String, count: Int)] = [],
                    mean: Double? = nil) {
            self.number = number
            self.kind = kind
            self.text = text
            self.answered = answered
            self.distribution = distribution
            self.mean = mean
        }
    }

    /// A published "you said, we did" update: written for families, so public.
    public struct PublishedUpdate: Sendable {
        public var id: Int64
        public var actionID: String?
        /// `completed` or `cancelled`.
        public var outcome: String
        public var title: String
        public var body: String
        public var publishedOn: LocalDate?

        public init(id: Int64, actionID: String?, outcome: String, title: String, body: String, publishedOn: LocalDate?) {
            self.id = id
            self.actionID = actionID
            self.outcome = outcome
            self.title = title
            self.body = body
            self.publishedOn = publishedOn
        }
    }
}
