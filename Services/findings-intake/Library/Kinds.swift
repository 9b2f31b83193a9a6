import SendModel

// The kinds, outcomes and judgements are SendModel's (Domain/Kinds.swift): the contract.

extension PlanKind {
    /// The letters in the plan's id: `INS-lancashire-2017-APP1`.
    var idTag: String {
        switch self {
        case .acceleratedProgressPlan: "APP"
        case .priorityActionPlan: "PAP"
        }
    }
}
