import GRDB
import SendModel

/// `actions.history`: every status change of every action, oldest first, in pages — what a report
/// needs to draw the plan's status over time without asking for each action in turn.
enum StatusHistory {
    static let defaultLimit: Int64 = 10_000
    static let maxLimit: Int64 = 50_000

    /// `{"after"?: n, "limit"?: k}` → `{"changes": [{n, action_id, from, to, on, by}], "next_after"?: n}`.
    /// `n` is the change's position in the history; `after` is the last `n` of the previous page;
    /// `by` is who made the change (`{"person", "role"}`), null for changes recorded before keys.
    /// With `action_id`, that action's whole history instead (`ActionHistory`).
    static func list(_ db: Database, _ args: JSONValue, today: LocalDate = .today()) throws -> JSONValue {
        let v = Validator(args)
        if v.has("action_id") {
            let id = v.boardID("action_id", BoardID.action)
            try v.check()
            return try ActionHistory.of(db, id!, today: today)
        }
        let after = v.int("after", required: false, range: 0...Int64.max) ?? 0
        let limit = v.int("limit", required: false, range: 1...maxLimit) ?? defaultLimit
        try v.check()
        let rows = try Row.fetchAll(db, sql: """
            SELECT n, action_id, from_status, to_status, on_date, actor_person, actor_role
            FROM action_status_history WHERE n > ? ORDER BY n LIMIT ?
            """, arguments: [after, limit + 1])
        let page = rows.prefix(Int(limit))
        var result: [String: JSONValue] = [
            "changes": .array(page.map { row in
                ["n": .int(row[0]), "action_id": .string(row[1]), "from": JSONValue(row[2] as String?),
                 "to": .string(row[3]), "on": .string(row[4]), "by": by(person: row[5], role: row[6])]
            }),
        ]
        if rows.count > Int(limit), let last = page.last { result["next_after"] = .int(last[0]) }
        return .object(result)
    }

    /// Who made a change, as the history's readers see it: `{"person": "P-3", "role": "action_lead"}`,
    /// or null when it was recorded before keys.
    static func by(person: String?, role: String?) -> JSONValue {
        guard let person, let role else { return .null }
        return ["person": .string(person), "role": .string(role)]
    }
}
