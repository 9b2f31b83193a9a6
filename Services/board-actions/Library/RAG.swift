import SendModel

/// Red, amber or green, computed from today and explained.
///
/// - red: overdue (past its due date and still open), delayed, or a milestone missed (past its due
///   date and not met: the same rule as the action's own due date);
/// - amber: due within 14 days and not completed, or not started although its start date has passed;
/// - green: otherwise, including completed and verified actions;
/// - a cancelled action is not rated, nor is a suspended one (the board paused it: its dates do not
///   run while it is suspended, and it is rated again once resumed).
struct RAGRating: Sendable, Hashable {
    typealias Colour = RAG

    let colour: Colour?
    let explanation: String

    /// Days ahead within which an open action is amber.
    static let amberWindow = 14

    /// The earliest milestone of an action not yet met: `label` as people read it ("M2 'Training delivered'").
    struct Milestone: Sendable, Hashable {
        let label: String
        let due: LocalDate
    }

    static func rate(status: ActionStatus, start: LocalDate, due: LocalDate, today: LocalDate,
                     milestone: Milestone? = nil) -> RAGRating {
        let daysLeft = today.days(until: due)
        func dueText() -> String {
            switch daysLeft {
            case 0: "due today (\(due.iso))"
            case 1: "due tomorrow (\(due.iso))"
            case let n where n > 1: "due in \(n) days (\(due.iso))"
            case -1: "overdue: due yesterday (\(due.iso))"
            default: "overdue: due \(due.iso), \(-daysLeft) days ago"
            }
        }
        switch status {
        case .cancelled:
            return RAGRating(colour: nil, explanation: "cancelled: not rated")
        case .suspended:
            return RAGRating(colour: nil, explanation: "suspended by a board decision: not rated until it resumes")
        case .completed:
            return RAGRating(colour: .green, explanation: "completed")
        case .verified:
            return RAGRating(colour: .green, explanation: "completed and verified by the board")
        case .notStarted, .inProgress, .delayed:
            var red: [String] = []
            if status == .delayed { red.append("delayed") }
            if daysLeft < 0 { red.append(dueText()) }
            if let milestone, milestone.due < today { red.append("milestone \(milestone.label) missed (due \(milestone.due.iso))") }
            if !red.isEmpty { return RAGRating(colour: .red, explanation: red.joined(separator: "; ")) }
            var amber: [String] = []
            if daysLeft <= amberWindow { amber.append(dueText() + " and not completed") }
            if status == .notStarted && start < today { amber.append("not started although its start date \(start.iso) has passed") }
            if !amber.isEmpty { return RAGRating(colour: .amber, explanation: amber.joined(separator: "; ")) }
            return RAGRating(colour: .green, explanation: "on track: \(status == .notStarted ? "starts \(start.iso), " : "")\(dueText())")
        }
    }

    /// The same rule as an SQL expression over `actions` (aliased `a`), for filtering in the database.
    static func sql(today: LocalDate) -> String {
        // ISO dates compare correctly as text; the values are digits and dashes only.
        let t = today.iso
        let soon = today.adding(days: amberWindow).iso
        return """
            (CASE WHEN a.status IN ('cancelled', 'suspended') THEN NULL
                  WHEN a.status IN ('completed', 'verified') THEN 'green'
                  WHEN a.status = 'delayed' OR a.due_date < '\(t)' OR a.milestone_due < '\(t)' THEN 'red'
                  WHEN a.due_date <= '\(soon)' OR (a.status = 'not_started' AND a.start_date < '\(t)') THEN 'amber'
                  ELSE 'green' END)
            """
    }
}
