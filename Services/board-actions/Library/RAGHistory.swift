import GRDB
import SendModel

/// Every change of an action's RAG rating, with the rule that fired (issue 18).
///
/// A rating changes for two kinds of reason: a write (a status change, a decision approving a
/// change request, a detail such as the start date) — recorded by `note` in the write's own
/// transaction — or the passing of time (an action becomes amber 14 days before it is due and red
/// the day after), which no write causes: the due-date watch calls `sweep`, which compares each
/// action's rating today with the one last recorded. The watch runs when the service starts and
/// every `SEND_OVERDUE_INTERVAL` seconds, so a change caused by the date is recorded, dated the
/// day the watch saw it, at most that long after midnight (or at the first start after it).
///
/// The first rating of an action (at creation, at import, or the first check after this version)
/// starts its history with no event; every later change is announced as `action.rag_changed`,
/// which notifies when the action turns red.
enum RAGHistory {
    /// What caused a change of rating.
    enum Cause: String {
        case first, status, decision, details, date
        /// A milestone added or met.
        case milestone
    }

    static func stored(_ colour: RAG?) -> String { colour?.rawValue ?? "none" }

    /// Records the action's rating after a write, if it differs from the one last recorded.
    /// `before` is the action as the write found it: for an action with no recorded rating yet,
    /// its rating then starts the history.
    static func note(_ change: BoardChange, before: ActionRecord?, actionID: String, cause: Cause,
                     decisionID: String? = nil) throws {
        let action = try ActionRecord.require(change.db, actionID)
        var last = action.ragLast
        if last == nil, let before {
            let rating = before.rating(today: change.today)
            try record(change, action, from: nil, to: rating, cause: .first, decisionID: nil)
            last = .some(rating.colour)
        }
        let now = action.rating(today: change.today)
        guard let previous = last else {
            try record(change, action, from: nil, to: now, cause: .first, decisionID: nil)
            return
        }
        if previous != now.colour {
            try record(change, action, from: .some(previous), to: now, cause: cause, decisionID: decisionID)
        }
    }

    /// The due-date watch's pass: records the actions whose rating today differs from the one last
    /// recorded (the date moved on), and the first rating of any never recorded. Returns how many changed.
    @discardableResult
    static func sweep(_ change: BoardChange) throws -> Int {
        let rows = try Row.fetchAll(change.db, sql: """
            SELECT a.* FROM actions a
            WHERE a.rag_last IS NULL OR a.rag_last IS NOT COALESCE(\(RAGRating.sql(today: change.today)), 'none')
            ORDER BY a.n
            """)
        var changed = 0
        for row in rows {
            let action = ActionRecord(row)
            let now = action.rating(today: change.today)
            if let previous = action.ragLast {
                try record(change, action, from: .some(previous), to: now, cause: .date, decisionID: nil)
                changed += 1
            } else {
                try record(change, action, from: nil, to: now, cause: .first, decisionID: nil)
            }
        }
        return changed
    }

    /// `from`: nil for the first rating; `.some(nil)` when the action was not rated.
    private static func record(_ change: BoardChange, _ action: ActionRecord, from: RAG??, to: RAGRating,
                               cause: Cause, decisionID: String?) throws {
        let db = change.db
        try db.execute(sql: """
            INSERT INTO action_rag_history(action_id, from_rag, to_rag, reason, cause, decision_id, on_date, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [action.id, from.map(stored), stored(to.colour), to.explanation, cause.rawValue, decisionID,
                             change.today.iso, change.at])
        try db.execute(sql: "UPDATE actions SET rag_last = ?, rag_last_reason = ? WHERE action_id = ?",
                       arguments: [stored(to.colour), to.explanation, action.id])
        guard let from else { return }
        try change.emit(ActionRAGChanged(actionID: action.id, title: action.title, leadOrganisation: action.leadOrganisation,
                                         from: from, to: to.colour, reason: to.explanation, cause: cause.rawValue,
                                         nextMeeting: try nextMeeting(db, today: change.today)))
    }

    /// The first board meeting on the calendar after `today`, if one is recorded.
    static func nextMeeting(_ db: Database, today: LocalDate) throws -> LocalDate? {
        try String.fetchOne(db, sql: "SELECT MIN(on_date) FROM meetings WHERE on_date > ?", arguments: [today.iso])
            .flatMap(LocalDate.init(iso:))
    }

    static func json(_ row: Row) -> JSONValue {
        func colour(_ text: String?) -> JSONValue { text.map { $0 == "none" ? .null : .string($0) } ?? .null }
        return ["from": colour(row["from_rag"]), "to": colour(row["to_rag"]), "first": .bool((row["from_rag"] as String?) == nil),
                "reason": .string(row["reason"]), "cause": .string(row["cause"]),
                "decision_id": JSONValue(row["decision_id"] as String?), "on": .string(row["on_date"]), "at": .string(row["at"])]
    }

    /// One action's RAG history, oldest first.
    static func list(_ db: Database, _ actionID: String) throws -> [JSONValue] {
        try Row.fetchAll(db, sql: "SELECT * FROM action_rag_history WHERE action_id = ? ORDER BY n", arguments: [actionID]).map(json)
    }

    /// `actions.rag_history {"after"?, "limit"?}`: every recorded rating of every action, oldest
    /// first, in pages — the board pack's RAG strips without asking for each action in turn.
    static func page(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let after = v.int("after", required: false, range: 0...Int64.max) ?? 0
        let limit = v.int("limit", required: false, range: 1...StatusHistory.maxLimit) ?? StatusHistory.defaultLimit
        try v.check()
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM action_rag_history WHERE n > ? ORDER BY n LIMIT ?",
                                    arguments: [after, limit + 1])
        let page = rows.prefix(Int(limit))
        var result: [String: JSONValue] = [
            "changes": .array(page.map { row in
                var o = json(row).objectValue ?? [:]
                o["n"] = .int(row["n"])
                o["action_id"] = .string(row["action_id"])
                return .object(o)
            }),
        ]
        if rows.count > Int(limit), let last = page.last { result["next_after"] = .int(last["n"]) }
        return .object(result)
    }
}
