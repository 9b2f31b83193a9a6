import SendModel

// The statuses and their legal moves are SendModel's `ActionStatus` (the contract).
extension ActionStatus {
    static let openValues = "'not_started','in_progress','delayed'"

    /// Checks a change of status; the conflict names the states allowed from here.
    ///
    /// `byDecision` is true only when a board decision verifies the action, or approves a change
    /// request that suspends or resumes it.
    static func check(action: String, from: ActionStatus, to: ActionStatus, byDecision: Bool = false) throws(ServiceError) {
        if from == to { throw .conflict("\(action) is already \(from.rawValue)") }
        if to == .suspended {
            guard from.isOpen else {
                throw .conflict("\(action) is \(from.rawValue): only an open action (not started, in progress or delayed) can be suspended")
            }
            if byDecision { return }
            throw .conflict("\(action) becomes suspended only by a board decision: request it with "
                + "sendctl actions suspend \(action) --reason TEXT, and the board approves it (board.decide with kind change_requests)")
        }
        if from == .suspended && to != .cancelled {
            if byDecision && to.isOpen { return }
            throw .conflict("\(action) is suspended: it resumes only by a board decision; request it with "
                + "sendctl actions resume \(action) --reason TEXT (or cancel it, with a reason)")
        }
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
