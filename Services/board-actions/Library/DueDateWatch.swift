import GRDB
import SendModel

/// Announces actions past their due date (`action.overdue`) and due within a week (`action.due_soon`):
/// once per action, kind and due date. What was announced is stored with the event, in the same
/// transaction, so a restart never repeats it; a new due date is announced afresh.
enum DueDateWatch {
    static let dueSoonDays = 7

    /// One pass: returns how many of each it announced.
    @discardableResult
    static func run(_ change: BoardChange) throws -> (overdue: Int, dueSoon: Int) {
        let db = change.db
        let today = change.today
        let overdue = try Row.fetchAll(db, sql: """
            SELECT a.action_id, a.title, a.due_date FROM actions a
            WHERE a.status IN (\(ActionStatus.openValues)) AND a.due_date < ?
              AND NOT EXISTS (SELECT 1 FROM announcements x
                              WHERE x.action_id = a.action_id AND x.kind = 'overdue' AND x.due_date = a.due_date)
            ORDER BY a.n
            """, arguments: [today.iso])
        for row in overdue {
            let id: String = row["action_id"]
            let due: String = row["due_date"]
            try record(change, id, "overdue", due)
            try change.emit(ActionOverdue(actionID: id, title: row["title"], due: try dueDate(due, id)))
        }
        let soon = try Row.fetchAll(db, sql: """
            SELECT a.action_id, a.title, a.due_date FROM actions a
            WHERE a.status IN (\(ActionStatus.openValues)) AND a.due_date >= ? AND a.due_date <= ?
              AND NOT EXISTS (SELECT 1 FROM announcements x
                              WHERE x.action_id = a.action_id AND x.kind = 'due_soon' AND x.due_date = a.due_date)
            ORDER BY a.n
            """, arguments: [today.iso, today.adding(days: dueSoonDays).iso])
        for row in soon {
            let id: String = row["action_id"]
            let due: String = row["due_date"]
            try record(change, id, "due_soon", due)
            let dueDay = try dueDate(due, id)
            try change.emit(ActionDueSoon(actionID: id, title: row["title"], due: dueDay, daysLeft: today.days(until: dueDay)))
        }
        try db.execute(sql: """
            INSERT INTO due_date_checks(id, today, at, overdue, due_soon) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET today = excluded.today, at = excluded.at, overdue = excluded.overdue, due_soon = excluded.due_soon
            """, arguments: [today.iso, change.at, overdue.count, soon.count])
        return (overdue.count, soon.count)
    }

    private static func dueDate(_ text: String, _ id: String) throws -> LocalDate {
        guard let date = LocalDate(iso: text) else { throw ServiceError(.internal, "\(id) has a stored due date that is not a date") }
        return date
    }

    private static func record(_ change: BoardChange, _ id: String, _ kind: String, _ due: String) throws {
        try change.db.execute(sql: "INSERT INTO announcements(action_id, kind, due_date, on_date, at) VALUES (?, ?, ?, ?, ?)",
                              arguments: [id, kind, due, change.today.iso, change.at])
    }

    /// When the watch last ran, for `actions.overdue`.
    static func lastCheck(_ db: Database) throws -> JSONValue {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM due_date_checks WHERE id = 1") else { return .null }
        return ["today": .string(row["today"]), "at": .string(row["at"]),
                "announced_overdue": .int(row["overdue"]), "announced_due_soon": .int(row["due_soon"])]
    }

    /// `actions.overdue`: open actions past their due date, most overdue first, and when the watch last ran.
    static func overdue(_ db: Database, today: LocalDate) throws -> JSONValue {
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.* FROM actions a WHERE a.status IN (\(ActionStatus.openValues)) AND a.due_date < ?
            ORDER BY a.due_date, a.n
            """, arguments: [today.iso])
        let items: [JSONValue] = try rows.map { row in
            let action = ActionRecord(row)
            let announced = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM announcements WHERE action_id = ? AND kind = 'overdue' AND due_date = ?
                """, arguments: [action.id, action.due.iso]) ?? false
            return ["action_id": .string(action.id), "title": .string(action.title), "status": .string(action.status.rawValue),
                    "due": .string(action.due.iso), "days_overdue": .int(Int64(action.due.days(until: today))),
                    "lead_organisation": .string(action.leadOrganisation), "action_lead": .string(action.actionLead),
                    "announced": .bool(announced)]
        }
        return ["today": .string(today.iso), "actions": .array(items), "last_check": try lastCheck(db)]
    }
}
