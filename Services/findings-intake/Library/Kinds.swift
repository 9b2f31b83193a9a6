/// The inspection framework a report was written under.
public enum Framework: String, Sendable, CaseIterable {
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
public enum Outcome: String, Sendable, CaseIterable {
    case wsoaRequired = "wsoa_required"
    case noWsoaRequired = "no_wsoa_required"
    case positive
    case inconsistent
    case systemicFailings = "systemic_failings"
}

/// What a finding is. Strengths are never judged at a revisit; every other kind is a weakness.
public enum FindingKind: String, Sendable, CaseIterable {
    case strength
    case areaForImprovement = "area_for_improvement"
    case areaOfSignificantWeakness = "area_of_significant_weakness"
    case fundamentalFailing = "fundamental_failing"
    case priorityArea = "priority_area"

    public var isWeakness: Bool { self != .strength }
}

/// A body responsible for acting on a finding.
public enum Body: String, Sendable, CaseIterable {
    case localAuthority = "local_authority"
    case healthCommissioners = "health_commissioners"
    case healthProviders = "health_providers"
    case schools
    case colleges
    case other
}

/// The inspectorates of a joint local area SEND inspection.
public enum Inspectorate: String, Sendable, CaseIterable {
    case ofsted = "Ofsted"
    case cqc = "CQC"
}

/// The inspectors' judgement of one weakness at a revisit or monitoring inspection.
public enum Judgement: String, Sendable, CaseIterable {
    case sufficient
    case notSufficient = "not_sufficient"
}

/// A plan that weaknesses are carried into after a revisit.
public enum PlanKind: String, Sendable, CaseIterable {
    case acceleratedProgressPlan = "accelerated_progress_plan"
    case priorityActionPlan = "priority_action_plan"

    /// The letters in the plan's id: `INS-lancashire-2017-APP1`.
    var idTag: String {
        switch self {
        case .acceleratedProgressPlan: "APP"
        case .priorityActionPlan: "PAP"
        }
    }
}
