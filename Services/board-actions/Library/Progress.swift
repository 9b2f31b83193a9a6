import GRDB
import SendModel

/// Progress updates (append-only) and the exceptions commentary red actions need before each board pack.
enum Progress {
    /// `actions.progress`: a note, an evidence link, the author's role, and optionally a status change.
    static func add(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let note = v.string("note", maxLength: 4000)
        let evidence = v.string("evidence", required: false, maxLength: 2000)
        let author = v.string("author_role", maxLength: 200)
        let status = v.oneOf("status", ActionStatus.self, required: false)
        let reason = v.string("reason", required: false, maxLength: 2000)
        try v.check()
        var action = try ActionRecord.require(db, id!)
        try ActionLeadScope.check(change.actor, action)
        if action.status == .cancelled || action.status == .verified {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): a closed action takes no more progress updates")
        }
        let n = try BoardID.next(db, table: "progress_updates")
        let updateID = BoardID.make(BoardID.update, n)
        var statusChange: StatusChange? = nil
        var from: ActionStatus? = nil
        if let status {
            // The note explains the change when no separate reason is given.
            from = try Actions.changeStatus(change, &action, to: status, reason: reason ?? note, updateID: updateID)
            statusChange = StatusChange(from: from!, to: status)
        }
        try db.execute(sql: """
            INSERT INTO progress_updates(n, update_id, action_id, note, evidence, author_role, status_from, status_to, on_date, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, updateID, action.id, note, evidence, author, from?.rawValue, status?.rawValue,
                             change.today.iso, change.at])
        try db.execute(sql: """
            UPDATE actions SET updated_at = ?, update_count = update_count + 1, last_update = ? WHERE action_id = ?
            """, arguments: [change.at, change.today.iso, action.id])
        action = try ActionRecord.require(db, action.id)
        try change.emit(ActionProgress(actionID: action.id, title: action.title, updateID: updateID, statusChange: statusChange))
        let row = try Row.fetchOne(db, sql: "SELECT * FROM progress_updates WHERE n = ?", arguments: [n])!
        return ["update": json(row), "action": action.detail(findingIDs: try ActionRecord.findingIDs(db, action.id), today: change.today)]
    }

    static func json(_ row: Row) -> JSONValue {
        var o: [String: JSONValue] = [
            "update_id": .string(row["update_id"]), "action_id": .string(row["action_id"]), "note": .string(row["note"]),
            "evidence": JSONValue(row["evidence"] as String?), "author_role": .string(row["author_role"]),
            "on": .string(row["on_date"]), "at": .string(row["at"]),
        ]
        if let to = row["status_to"] as String? {
            o["status_change"] = ["from": JSONValue(row["status_from"] as String?), "to": .string(to)]
        }
        return .object(o)
    }

    static func exceptionJSON(_ row: Row) -> JSONValue {
        ["commentary": .string(row["commentary"]), "author_role": .string(row["author_role"]),
         "on": .string(row["on_date"]), "at": .string(row["at"])]
    }

    /// `exceptions.add`: the action lead's commentary on an open action that is off track.
    static func addException(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let commentary = v.string("commentary", maxLength: 4000)
        let author = v.string("author_role", required: false, maxLength: 200)
        try v.check()
        let action = try ActionRecord.require(db, id!)
        try ActionLeadScope.check(change.actor, action)
        guard action.status.isOpen else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): exceptions commentary is for open actions that are off track")
        }
        let rating = action.rating(today: change.today)
        try db.execute(sql: """
            INSERT INTO exception_commentaries(action_id, commentary, author_role, on_date, at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [action.id, commentary, author ?? action.actionLead, change.today.iso, change.at])
        try change.emit(ActionExceptionRecorded(actionID: action.id, title: action.title, rag: rating.colour))
        let row = try Row.fetchOne(db, sql: "SELECT * FROM exception_commentaries WHERE n = ?", arguments: [db.lastInsertedRowID])!
        return ["action_id": .string(action.id), "rag": rating.colour.map { .string($0.rawValue) } ?? .null,
                "rag_reason": .string(rating.explanation), "exception": exceptionJSON(row)]
    }

    /// The date of the last board meeting held by `today`, after which each red action needs a fresh commentary.
    static func lastMeeting(_ db: Database, today: LocalDate) throws -> String? {
        try String.fetchOne(db, sql: "SELECT MAX(on_date) FROM meetings WHERE on_date <= ?", arguments: [today.iso])
    }

    /// Red actions with a current commentary (one recorded on or after the day of the meeting `since` — a
    /// commentary written for the meeting, on its day, counts — or any when there was no meeting),
    /// as an SQL condition over `actions a`.
    static func hasCurrentCommentarySQL(since: String?) -> String {
        // `since` is an ISO date read from the database: digits and dashes only.
        let after = since.map { " AND e.on_date >= '\($0)'" } ?? ""
        return "EXISTS (SELECT 1 FROM exception_commentaries e WHERE e.action_id = a.action_id\(after))"
    }

    /// How many red actions lack a current exceptions commentary.
    static func missingCount(_ db: Database, today: LocalDate) throws -> Int64 {
        let since = try lastMeeting(db, today: today)
        return try Int64.fetchOne(db, sql: """
            SELECT COUNT(*) FROM actions a WHERE \(RAGRating.sql(today: today)) = 'red' AND NOT \(hasCurrentCommentarySQL(since: since))
            """) ?? 0
    }

    /// The latest row of an action's status history, read from `row` at `i` (from, to, on, person,
    /// role, post): `{from, to, on, by: {person, role, post} | null}`. `post` is the person's post in
    /// the register (never a name); null for the stack's own changes.
    static func lastChange(_ row: Row, at i: Int) -> JSONValue {
        guard let to = row[i + 1] as String? else { return .null }
        var by = StatusHistory.by(person: row[i + 3], role: row[i + 4])
        if case .object(var o) = by {
            o["post"] = JSONValue(row[i + 5] as String?)
            by = .object(o)
        }
        return ["from": JSONValue(row[i] as String?), "to": .string(to), "on": .string(row[i + 2]), "by": by]
    }

    /// `exceptions.list`: red actions whose lead has not given a commentary since the last board meeting
    /// (`missing`: never; `stale`: only before that meeting). With `all`, every red action, each with
    /// the last change of its status and who made it.
    static func listExceptions(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        let all = v.bool("all", required: false) ?? false
        try v.check()
        let since = try lastMeeting(db, today: today)
        let red = "\(RAGRating.sql(today: today)) = 'red'"
        let current = hasCurrentCommentarySQL(since: since)
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.*, e.commentary, e.author_role, e.on_date, e.at, \(current) AS current,
                h.from_status, h.to_status, h.on_date, h.actor_person, h.actor_role, p.post
            FROM actions a
            LEFT JOIN exception_commentaries e
                ON e.n = (SELECT MAX(x.n) FROM exception_commentaries x WHERE x.action_id = a.action_id)
            LEFT JOIN action_status_history h
                ON h.n = (SELECT MAX(y.n) FROM action_status_history y WHERE y.action_id = a.action_id)
            LEFT JOIN send_people p ON p.person_id = h.actor_person
            WHERE \(red)\(all ? "" : " AND NOT \(current)") ORDER BY a.n
            """)
        let redCount = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM actions a WHERE \(red)") ?? 0
        let missing = try missingCount(db, today: today)
        let extra = ActionRecord.columnCount
        let items: [JSONValue] = rows.map { row in
            let action = ActionRecord(row)
            var commentary: JSONValue = .null
            var state = "missing"
            if let text = row[extra] as String? {
                commentary = ["commentary": .string(text), "author_role": .string(row[extra + 1]),
                              "on": .string(row[extra + 2]), "at": .string(row[extra + 3])]
                state = (row[extra + 4] as Bool) ? "current" : "stale"
            }
            return [
                "action_id": .string(action.id), "title": .string(action.title), "status": .string(action.status.rawValue),
                "due": .string(action.due.iso), "lead_organisation": .string(action.leadOrganisation),
                "action_lead": .string(action.actionLead), "rag_reason": .string(action.rating(today: today).explanation),
                "commentary": commentary, "commentary_state": .string(state),
                "last_status_change": lastChange(row, at: extra + 5),
            ]
        }
        return ["since_meeting": JSONValue(since), "red": .int(redCount), "missing": .int(missing), "actions": .array(items)]
    }
}
