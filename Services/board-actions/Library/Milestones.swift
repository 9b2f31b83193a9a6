import GRDB
import SendModel

/// An action's dated milestones (issue 18): `actions.milestones.add`, `.met` and `.list`.
///
/// A milestone is numbered per action (M1, M2, …). Once added, its due date changes only by a
/// change request a board decision approves (`actions.milestones.reschedule`, kind `milestone_due`,
/// in ChangeRequests.swift), like the action's own; the first agreed date stays as `baseline_due`. A milestone past its due date and not met makes
/// an open action red, the same rule as the action's own due date (`RAGRating`).
enum Milestones {
    /// `actions.milestones.add`: `{action_id, title, due}` — the board chair, on an open or suspended action.
    static func add(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let title = v.string("title", maxLength: 200)
        let due = v.date("due")
        try v.check()
        let action = try ActionRecord.require(db, id!)
        try ActionLeadScope.check(change.actor, action)
        try changeable(action)
        try checkDue(due!, action)
        let trimmed = title!.trimmingSpaces
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM action_milestones WHERE action_id = ? AND title = ? COLLATE NOCASE",
                             arguments: [action.id, trimmed]) != nil {
            throw ServiceError.conflict("\(action.id) already has a milestone '\(trimmed)'")
        }
        let seq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM action_milestones WHERE action_id = ?", arguments: [action.id]) ?? 0) + 1
        try db.execute(sql: """
            INSERT INTO action_milestones(action_id, seq, title, due_date, added_on, added_at, added_person, added_role)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [action.id, seq, trimmed, due!.iso, change.today.iso, change.at, change.actor.person,
                             change.actor.role.rawValue])
        try refresh(db, action.id)
        try change.emit(ActionMilestoneAdded(actionID: action.id, milestone: label(seq), title: trimmed, due: due!))
        try RAGHistory.note(change, before: action, actionID: action.id, cause: .milestone)
        return ["milestone": json(try row(db, action.id, seq), today: change.today),
                "action": try ActionRecord.require(db, action.id).summary(findingIDs: try ActionRecord.findingIDs(db, action.id),
                                                                         today: change.today)]
    }

    /// `actions.milestones.met`: `{action_id, milestone, on?}` — the action's lead or the board chair;
    /// `on` (default today) is neither after today nor before the action started.
    static func met(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let given = v.string("milestone", maxLength: 16)
        let on = v.date("on", required: false) ?? change.today
        let seq = given.flatMap(parse)
        if given != nil && seq == nil {
            v.fail("milestone", "'\(given!)' is not a milestone: give its number as listed, for example M1")
        }
        if on > change.today {
            v.fail("on", "\(on.iso) is after today (\(change.today.iso)): record a milestone as met once it is met")
        }
        try v.check()
        let action = try ActionRecord.require(db, id!)
        try ActionLeadScope.check(change.actor, action)
        try changeable(action)
        let milestone = try require(db, action.id, seq!)
        if let metOn = milestone["met_on"] as String? {
            throw ServiceError.conflict("\(label(seq!)) of \(action.id) was already met on \(metOn)")
        }
        if on < action.start {
            throw ServiceError.invalid("on", "\(on.iso) is before \(action.id) started (\(action.start.iso)): a milestone is met on the way")
        }
        try db.execute(sql: """
            UPDATE action_milestones SET met_on = ?, met_at = ?, met_person = ?, met_role = ? WHERE action_id = ? AND seq = ?
            """, arguments: [on.iso, change.at, change.actor.person, change.actor.role.rawValue, action.id, seq!])
        try refresh(db, action.id)
        let due = LocalDate(iso: milestone["due_date"]) ?? on
        try change.emit(ActionMilestoneMet(actionID: action.id, milestone: label(seq!), title: milestone["title"], due: due, metOn: on))
        try RAGHistory.note(change, before: action, actionID: action.id, cause: .milestone)
        return ["milestone": json(try row(db, action.id, seq!), today: change.today),
                "action": try ActionRecord.require(db, action.id).summary(findingIDs: try ActionRecord.findingIDs(db, action.id),
                                                                         today: change.today)]
    }

    /// `actions.milestones.list`: `{action_id}` → the action's milestones in order of their due dates.
    static func list(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        try v.check()
        let action = try ActionRecord.require(db, id!)
        return ["action_id": .string(action.id), "title": .string(action.title), "today": .string(today.iso),
                "milestones": .array(try of(db, action.id, today: today))]
    }

    /// One action's milestones as listed, by due date.
    static func of(_ db: Database, _ actionID: String, today: LocalDate) throws -> [JSONValue] {
        try Row.fetchAll(db, sql: "SELECT * FROM action_milestones WHERE action_id = ? ORDER BY due_date, seq", arguments: [actionID])
            .map { json($0, today: today) }
    }

    /// The milestones of the actions numbered `first...last`, by action id (for a page of `actions.list`).
    static func of(_ db: Database, actionsFrom first: Int64, to last: Int64, today: LocalDate) throws -> [String: [JSONValue]] {
        var result: [String: [JSONValue]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT m.* FROM action_milestones m JOIN actions a ON a.action_id = m.action_id
            WHERE a.n BETWEEN ? AND ? ORDER BY m.action_id, m.due_date, m.seq
            """, arguments: [first, last]) {
            result[row["action_id"], default: []].append(json(row, today: today))
        }
        return result
    }

    static func label(_ seq: Int64) -> String { "M\(seq)" }

    /// A milestone's due date lies between the action's start and due dates.
    static func checkDue(_ due: LocalDate, _ action: ActionRecord) throws {
        if due < action.start {
            throw ServiceError.invalid("due", "the milestone's due date \(due.iso) is before \(action.id) starts (\(action.start.iso))")
        }
        if due > action.due {
            throw ServiceError.invalid("due", "the milestone's due date \(due.iso) is after \(action.id) is due (\(action.due.iso)): "
                + "a milestone comes on the way to the action's due date")
        }
    }

    /// The milestone, or `not_found` naming it and how to list them.
    static func require(_ db: Database, _ actionID: String, _ seq: Int64) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM action_milestones WHERE action_id = ? AND seq = ?",
                                         arguments: [actionID, seq]) else {
            throw ServiceError.notFound("milestone \(label(seq)) of \(actionID) (sendctl actions milestones \(actionID) lists them)")
        }
        return row
    }

    /// "M2", "m2" or "2".
    static func parse(_ text: String) -> Int64? {
        var t = text.trimmingSpaces
        if t.first == "M" || t.first == "m" { t.removeFirst() }
        guard let n = Int64(t), n > 0 else { return nil }
        return n
    }

    /// Keeps `actions.milestone_due`/`milestone_label`: the earliest milestone not met.
    static func refresh(_ db: Database, _ actionID: String) throws {
        let next = try Row.fetchOne(db, sql: """
            SELECT seq, title, due_date FROM action_milestones WHERE action_id = ? AND met_on IS NULL ORDER BY due_date, seq LIMIT 1
            """, arguments: [actionID])
        try db.execute(sql: "UPDATE actions SET milestone_due = ?, milestone_label = ? WHERE action_id = ?",
                       arguments: [next?["due_date"] as String?,
                                   next.map { "\(label($0["seq"])) '\($0["title"] as String)'" }, actionID])
    }

    private static func changeable(_ action: ActionRecord) throws {
        guard action.status.isOpen || action.status == .suspended else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): the milestones of a closed action do not change")
        }
    }

    private static func row(_ db: Database, _ actionID: String, _ seq: Int64) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM action_milestones WHERE action_id = ? AND seq = ?",
                                         arguments: [actionID, seq]) else {
            throw ServiceError.notFound("milestone \(label(seq)) of \(actionID)")
        }
        return row
    }

    /// `state`: `met` (on or before its due date), `met_late`, `missed` (past due, not met) or `upcoming`;
    /// `words`: the state as a person reads it.
    static func json(_ row: Row, today: LocalDate) -> JSONValue {
        let due: String = row["due_date"]
        let metOn: String? = row["met_on"]
        let state: String
        let words: String
        if let metOn {
            state = metOn > due ? "met_late" : "met"
            words = metOn > due ? "met late on \(metOn) (due \(due))" : "met on \(metOn) (due \(due))"
        } else if due < today.iso {
            state = "missed"
            words = "missed: due \(due), not met"
        } else {
            state = "upcoming"
            words = "upcoming: due \(due)"
        }
        let baseline = (row["baseline_due"] as String?) ?? due
        return ["milestone": .string(label(row["seq"])), "title": .string(row["title"]), "due": .string(due),
                "baseline_due": .string(baseline), "rescheduled": .bool(baseline != due),
                "met_on": JSONValue(metOn), "state": .string(state), "words": .string(words),
                "added_on": .string(row["added_on"]),
                "met_by": StatusHistory.by(person: row["met_person"], role: row["met_role"])]
    }

    /// The due-date watch's pass: announces each open action's milestone past its due date and not
    /// met, once (`missed_announced_on` is set in the same transaction). Returns how many.
    @discardableResult
    static func announceMissed(_ change: BoardChange) throws -> Int {
        let rows = try Row.fetchAll(change.db, sql: """
            SELECT m.action_id, m.seq, m.title, m.due_date, a.title AS action_title, a.lead_organisation
            FROM action_milestones m JOIN actions a ON a.action_id = m.action_id
            WHERE m.met_on IS NULL AND m.missed_announced_on IS NULL AND m.due_date < ? AND a.status IN (\(ActionStatus.openValues))
            ORDER BY a.n, m.seq
            """, arguments: [change.today.iso])
        for row in rows {
            let seq: Int64 = row["seq"]
            try change.db.execute(sql: "UPDATE action_milestones SET missed_announced_on = ? WHERE action_id = ? AND seq = ?",
                                  arguments: [change.today.iso, row["action_id"] as String, seq])
            try change.emit(ActionMilestoneMissed(actionID: row["action_id"], actionTitle: row["action_title"],
                                                  leadOrganisation: row["lead_organisation"], milestone: label(seq),
                                                  title: row["title"], due: LocalDate(iso: row["due_date"]) ?? change.today))
        }
        return rows.count
    }
}
