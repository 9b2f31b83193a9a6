import SendModel

/// Where an action stands. The legal changes:
///
/// ```
/// not_started → in_progress ⇄ delayed
/// in_progress, delayed → completed → verified (by a board decision)
/// not_started, in_progress, delayed → cancelled (with a reason)
/// ```
enum ActionStatus: String, CaseIterable, Sendable {
    case notStarted = "not_started"
    case inProgress = "in_progress"
    case delayed
    case completed
    case verified
    case cancelled

    /// Still being worked on: can go overdue, can be cancelled.
    var isOpen: Bool { self == .notStarted || self == .inProgress || self == .delayed }

    /// Counts towards coverage: open or completed (verified is completed and confirmed).
    var covers: Bool { self != .cancelled }

    /// The states a person may move the action to directly (verification is a board decision).
    var next: [ActionStatus] {
        switch self {
        case .notStarted: [.inProgress, .cancelled]
        case .inProgress: [.delayed, .completed, .cancelled]
        case .delayed: [.inProgress, .completed, .cancelled]
        case .completed, .verified, .cancelled: []
        }
    }

    static let openValues = "'not_started','in_progress','delayed'"

    /// Checks a change of status; the conflict names the states allowed from here.
    ///
    /// `byDecision` is true only when a board decision verifies the action.
    static func check(action: String, from: ActionStatus, to: ActionStatus, byDecision: Bool = false) throws(ServiceError) {
        if from == to { throw .conflict("\(action) is already \(from.rawValue)") }
        if from == .completed && to == .verified {
            if byDecision { return }
            throw .conflict("\(action) is completed; it becomes verified only by a board decision "
                + "(board.decide with kind verify_action, at a meeting a parent carer or young person representative attended)")
        }
        if from.next.contains(to) { return }
        switch from {
        case .completed:
            throw .conflict("\(action) is completed: from completed it can only become verified, by a board decision")
        case .verified:
            throw .conflict("\(action) is verified: a verified action does not change any more")
        case .cancelled:
            throw .conflict("\(action) is cancelled: a cancelled action does not change any more; create a new action instead")
        default:
            let allowed = from.next.map(\.rawValue)
            let list = allowed.count == 1 ? allowed[0]
                : allowed.dropLast().joined(separator: ", ") + " or " + allowed.last!
            throw .conflict("\(action) cannot go from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it can go to \(list)")
        }
    }
}
