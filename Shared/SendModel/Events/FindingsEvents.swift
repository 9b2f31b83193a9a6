/// The findings service's events (docs/PROTOCOL.md, findings, Events).

/// The deadlines that apply to an inspection; only those that apply are present.
public struct InspectionDeadlines: Codable, Sendable, Hashable {
    public var wsoaDue: LocalDate?
    public var papDue: LocalDate?
    public var monitoringExpected: LocalDate?
    public var revisitWindowStart: LocalDate?
    public var revisitWindowEnd: LocalDate?

    public init(wsoaDue: LocalDate? = nil, papDue: LocalDate? = nil, monitoringExpected: LocalDate? = nil,
                revisitWindowStart: LocalDate? = nil, revisitWindowEnd: LocalDate? = nil) {
        self.wsoaDue = wsoaDue
        self.papDue = papDue
        self.monitoringExpected = monitoringExpected
        self.revisitWindowStart = revisitWindowStart
        self.revisitWindowEnd = revisitWindowEnd
    }

    enum CodingKeys: String, CodingKey {
        case wsoaDue = "wsoa_due", papDue = "pap_due", monitoringExpected = "monitoring_expected"
        case revisitWindowStart = "revisit_window_start", revisitWindowEnd = "revisit_window_end"
    }
}

/// `inspection.recorded`: an inspection is recorded.
public struct InspectionRecorded: EventPayload, Hashable {
    public static let eventType = EventType.inspectionRecorded
    public var inspectionID: String
    public var localArea: String
    public var framework: Framework
    public var outcome: Outcome
    public var published: LocalDate
    public var deadlines: InspectionDeadlines

    public init(inspectionID: String, localArea: String, framework: Framework, outcome: Outcome, published: LocalDate,
                deadlines: InspectionDeadlines) {
        self.inspectionID = inspectionID
        self.localArea = localArea
        self.framework = framework
        self.outcome = outcome
        self.published = published
        self.deadlines = deadlines
    }

    enum CodingKeys: String, CodingKey {
        case inspectionID = "inspection_id", localArea = "local_area", framework, outcome, published, deadlines
    }

    public static var example: Self {
        let day = LocalDate(iso: "2026-01-05")!
        return .init(inspectionID: "INS-1", localArea: "Lancashire", framework: .framework2016, outcome: .wsoaRequired, published: day,
                     deadlines: .init(wsoaDue: day, papDue: day, monitoringExpected: day, revisitWindowStart: day, revisitWindowEnd: day))
    }
}

/// `finding.recorded`: a finding is recorded (imported, added or carried into a plan).
public struct FindingRecorded: EventPayload, Hashable {
    public static let eventType = EventType.findingRecorded
    public var findingID: String
    public var inspectionID: String
    public var kind: FindingKind
    public var theme: String
    public var summary: String
    public var bodies: [Body]
    /// Only on a carried finding: the finding it continues.
    public var carriedFrom: String?

    public init(findingID: String, inspectionID: String, kind: FindingKind, theme: String, summary: String, bodies: [Body],
                carriedFrom: String? = nil) {
        self.findingID = findingID
        self.inspectionID = inspectionID
        self.kind = kind
        self.theme = theme
        self.summary = summary
        self.bodies = bodies
        self.carriedFrom = carriedFrom
    }

    enum CodingKeys: String, CodingKey {
        case findingID = "finding_id", inspectionID = "inspection_id", kind, theme, summary, bodies, carriedFrom = "carried_from"
    }

    public static var example: Self {
        .init(findingID: "F-1", inspectionID: "INS-1", kind: .areaOfSignificantWeakness, theme: "EHC plans",
              summary: "Plans are late", bodies: [.localAuthority], carriedFrom: "F-0")
    }
}

/// `finding.judged`: inspectors judged the progress on a weakness.
public struct FindingJudged: EventPayload, Hashable {
    public static let eventType = EventType.findingJudged
    public var findingID: String
    public var inspectionID: String
    public var judgement: Judgement
    public var date: LocalDate
    /// The finding's summary, so a reader can say what was judged.
    public var summary: String

    public init(findingID: String, inspectionID: String, judgement: Judgement, date: LocalDate, summary: String) {
        self.findingID = findingID
        self.inspectionID = inspectionID
        self.judgement = judgement
        self.date = date
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case findingID = "finding_id", inspectionID = "inspection_id", judgement, date, summary
    }

    public static var example: Self {
        .init(findingID: "F-1", inspectionID: "INS-1", judgement: .notSufficient, date: LocalDate(iso: "2026-06-01")!, summary: "Plans are late")
    }
}

/// `finding.carried_over`: a weakness without sufficient progress continues in a new plan.
public struct FindingCarriedOver: EventPayload, Hashable {
    public static let eventType = EventType.findingCarriedOver
    public var findingID: String
    public var newFindingID: String
    public var planID: String
    public var planKind: PlanKind
    public var summary: String

    public init(findingID: String, newFindingID: String, planID: String, planKind: PlanKind, summary: String) {
        self.findingID = findingID
        self.newFindingID = newFindingID
        self.planID = planID
        self.planKind = planKind
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case findingID = "finding_id", newFindingID = "new_finding_id", planID = "plan_id", planKind = "plan_kind", summary
    }

    public static var example: Self {
        .init(findingID: "F-1", newFindingID: "INS-1-APP1-F-1", planID: "INS-1-APP1", planKind: .acceleratedProgressPlan, summary: "Plans are late")
    }
}
