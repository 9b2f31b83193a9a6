import ArgumentParser

/// A flag or argument that takes one of a fixed set of words. ArgumentParser refuses any other word
/// before anything is sent, naming the flag as typed and listing the choices (exit 64, usage).
///
/// The words are the services' own (each service validates them again); they are spelled here
/// because sendctl links no service's library.
protocol Choice: RawRepresentable, CaseIterable, ExpressibleByArgument where RawValue == String {}

/// An action's status, as set by `actions update` and `actions progress`.
enum ActionStatusChoice: String, Choice {
    case notStarted = "not_started", inProgress = "in_progress", delayed, completed, verified, cancelled, suspended
}

/// The `actions list --status` filter: a status, or `open` (not started, in progress or delayed).
enum ActionStatusFilter: String, Choice {
    case notStarted = "not_started", inProgress = "in_progress", delayed, completed, verified, cancelled, suspended, open
}

enum RAGChoice: String, Choice {
    case red, amber, green
}

/// A board member's role.
enum MemberRoleChoice: String, Choice {
    case parentCarerRepresentative = "parent_carer_representative"
    case youngPersonRepresentative = "young_person_representative"
    case localAuthority = "local_authority"
    case health, school, other
}

enum DecisionKindChoice: String, Choice {
    case agreeAction = "agree_action", approvePlan = "approve_plan", verifyAction = "verify_action"
    case changeRequests = "change_requests", other
}

enum KPIDirectionChoice: String, Choice {
    case lowerIsBetter = "lower_is_better", higherIsBetter = "higher_is_better"
}

enum FrameworkChoice: String, Choice {
    case framework2016 = "2016", framework2023 = "2023"
}

enum OutcomeChoice: String, Choice {
    case wsoaRequired = "wsoa_required", noWsoaRequired = "no_wsoa_required", positive, inconsistent
    case systemicFailings = "systemic_failings"
}

enum InspectorateChoice: String, Choice {
    case ofsted = "Ofsted", cqc = "CQC"
}

enum FindingKindChoice: String, Choice {
    case strength
    case areaForImprovement = "area_for_improvement"
    case areaOfSignificantWeakness = "area_of_significant_weakness"
    case fundamentalFailing = "fundamental_failing"
    case priorityArea = "priority_area"
}

/// A body responsible for acting on a finding.
enum BodyChoice: String, Choice {
    case localAuthority = "local_authority", healthCommissioners = "health_commissioners"
    case healthProviders = "health_providers", schools, colleges, other
}

/// The `findings list --judgement` filter.
enum JudgementFilter: String, Choice {
    case sufficient, notSufficient = "not_sufficient", unjudged
}

/// How an enquiry arrived.
enum EnquiryChannelChoice: String, Choice {
    case email, phone, letter, text, web, inPerson = "in_person"
}

enum EnquiryStatusFilter: String, Choice {
    case open, answered, overdue, all
}

/// Who a questionnaire is sent to.
enum QuestionnaireAudienceChoice: String, Choice {
    case ehcPlan = "ehc_plan", all
}

enum UpdateStatusFilter: String, Choice {
    case draft, published
}

/// The `actions requests --state` filter.
enum ChangeRequestStateChoice: String, Choice {
    case pending, approved, refused
}
