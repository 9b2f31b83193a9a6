import GRDB
import SendModel

/// Change control (issue 18): an action's due date, lead organisation and success criteria change,
/// and an action is suspended or resumed, only through a change request that a board decision
/// (`board.decide` with kind `change_requests`) approves or refuses. A request is pending until then;
/// an action has at most one pending request of each kind (suspend and resume count as one).
enum ChangeRequests {
    /// The fields `actions.update` no longer changes, with the command that does.
    static let controlled: [(field: String, command: String)] = [
        ("due", "sendctl actions reschedule ACTION --due YYYY-MM-DD --reason TEXT (actions.reschedule)"),
        ("lead_organisation", "sendctl actions change ACTION --lead ORG --reason TEXT (actions.change)"),
        ("success_criteria", "sendctl actions change ACTION --success-criteria TEXT --reason TEXT (actions.change)"),
    ]

    /// Refuses `actions.update` a field under change control, naming the change-request command.
    static func refuseDirect(_ args: JSONValue, actionID: String) throws {
        for (field, command) in controlled where args[field] != nil {
            throw ServiceError(.invalid, "\(field) changes only through a change request that a board decision approves: "
                + command.replacingOccurrences(of: "ACTION", with: actionID), field: field)
        }
    }

    /// `actions.reschedule`: `{action_id, due, reason}`.
    static func reschedule(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let due = v.date("due")
        let reason = v.string("reason", maxLength: 2000)
        try v.check()
        let action = try changeable(change, id!)
        if due! == action.due { throw ServiceError.invalid("due", "\(action.id) is already due \(due!.iso)") }
        if due! < action.start {
            throw ServiceError.invalid("due", "the due date \(due!.iso) is before the start date \(action.start.iso)")
        }
        return try open(change, action, .reschedule, from: action.due.iso, to: due!.iso, reason: reason!)
    }

    /// `actions.change`: `{action_id, lead_organisation | success_criteria, reason}` — one field per request.
    static func changeField(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let lead = v.string("lead_organisation", required: false, maxLength: 200)
        let criteria = v.string("success_criteria", required: false, maxLength: 4000)
        let reason = v.string("reason", maxLength: 2000)
        if v.errors.isEmpty && (lead == nil) == (criteria == nil) {
            v.fail(lead == nil ? "lead_organisation" : "success_criteria",
                   "give exactly one of lead_organisation or success_criteria: each change is its own request")
        }
        try v.check()
        let action = try changeable(change, id!)
        if let lead {
            if ActionLeadScope.same(lead, action.leadOrganisation) {
                throw ServiceError.invalid("lead_organisation", "\(action.id) is already led by \(action.leadOrganisation)")
            }
            return try open(change, action, .lead, from: action.leadOrganisation, to: lead.trimmingSpaces, reason: reason!)
        }
        if criteria! == action.successCriteria {
            throw ServiceError.invalid("success_criteria", "\(action.id) already has these success criteria")
        }
        return try open(change, action, .successCriteria, from: action.successCriteria, to: criteria!, reason: reason!)
    }

    /// `actions.suspend`: `{action_id, reason}`; the action must be open.
    static func suspend(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let (action, reason) = try statusArgs(change, args)
        guard action.status.isOpen else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): only an open action (not started, in progress or delayed) can be suspended")
        }
        return try open(change, action, .suspend, from: action.status.rawValue, to: ActionStatus.suspended.rawValue, reason: reason)
    }

    /// `actions.resume`: `{action_id, reason}`; the action returns to the status it had when suspended.
    static func resume(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let (action, reason) = try statusArgs(change, args)
        guard action.status == .suspended else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue), not suspended: there is nothing to resume")
        }
        let before = try String.fetchOne(change.db, sql: """
            SELECT from_status FROM action_status_history WHERE action_id = ? AND to_status = 'suspended' ORDER BY n DESC LIMIT 1
            """, arguments: [action.id]) ?? ActionStatus.inProgress.rawValue
        return try open(change, action, .resume, from: ActionStatus.suspended.rawValue, to: before, reason: reason)
    }

    private static func statusArgs(_ change: BoardChange, _ args: JSONValue) throws -> (ActionRecord, String) {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let reason = v.string("reason", maxLength: 2000)
        try v.check()
        let action = try ActionRecord.require(change.db, id!)
        try ActionLeadScope.check(change.actor, action)
        return (action, reason!)
    }

    /// The action, if its details may still change (open or suspended) and the actor may ask.
    private static func changeable(_ change: BoardChange, _ id: String) throws -> ActionRecord {
        let action = try ActionRecord.require(change.db, id)
        try ActionLeadScope.check(change.actor, action)
        guard action.status.isOpen || action.status == .suspended else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): the details of a closed action do not change")
        }
        return action
    }

    /// `actions.milestones.reschedule`: `{action_id, milestone, due, reason}` — a milestone not yet met,
    /// a new due date between the action's start and due dates.
    static func rescheduleMilestone(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        let given = v.string("milestone", maxLength: 16)
        let due = v.date("due")
        let reason = v.string("reason", maxLength: 2000)
        let seq = given.flatMap(Milestones.parse)
        if given != nil && seq == nil {
            v.fail("milestone", "'\(given!)' is not a milestone: give its number as listed, for example M1")
        }
        try v.check()
        let action = try changeable(change, id!)
        let milestone = try Milestones.require(change.db, action.id, seq!)
        if let metOn = milestone["met_on"] as String? {
            throw ServiceError.conflict("\(Milestones.label(seq!)) of \(action.id) was met on \(metOn): its date no longer changes")
        }
        let from: String = milestone["due_date"]
        if due!.iso == from { throw ServiceError.invalid("due", "\(Milestones.label(seq!)) of \(action.id) is already due \(from)") }
        try Milestones.checkDue(due!, action)
        return try open(change, action, .milestoneDue, from: from, to: due!.iso, reason: reason!, milestone: seq)
    }

    private static func group(_ kind: ChangeRequestKind) -> [String] {
        kind == .suspend || kind == .resume ? ["suspend", "resume"] : [kind.rawValue]
    }

    /// Stores a pending request and announces it.
    private static func open(_ change: BoardChange, _ action: ActionRecord, _ kind: ChangeRequestKind, from: String, to: String,
                             reason: String, milestone: Int64? = nil) throws -> JSONValue {
        let db = change.db
        let kinds = group(kind)
        // One pending request per kind, and per milestone for a milestone's date.
        if let pending = try String.fetchOne(db, sql: """
            SELECT request_id FROM change_requests WHERE action_id = ? AND state = 'pending' AND kind IN (\(kinds.map { "'\($0)'" }.joined(separator: ",")))
              AND milestone_seq IS ?
            """, arguments: [action.id, milestone]) {
            throw ServiceError.conflict("\(pending) is already pending for \(action.id): the board decides it first "
                + "(board.decide with kind change_requests, approving or refusing it)")
        }
        let n = try BoardID.next(db, table: "change_requests")
        let id = BoardID.make(BoardID.changeRequest, n)
        try db.execute(sql: """
            INSERT INTO change_requests(n, request_id, action_id, kind, from_value, to_value, reason, state, requested_on, requested_at,
                actor_person, actor_role, milestone_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
            """, arguments: [n, id, action.id, kind.rawValue, from, to, reason, change.today.iso, change.at,
                             change.actor.person, change.actor.role.rawValue, milestone])
        try change.emit(ActionChangeRequested(fields(try row(db, id), title: action.title)))
        return ["request": json(try row(db, id))]
    }

    static func row(_ db: Database, _ id: String) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM change_requests WHERE request_id = ?", arguments: [id]) else {
            throw ServiceError.notFound("change request \(id)")
        }
        return row
    }

    static func fields(_ row: Row, title: String) -> ChangeRequestFields {
        ChangeRequestFields(requestID: row["request_id"], actionID: row["action_id"], title: title,
                            kind: ChangeRequestKind(rawValue: row["kind"]) ?? .reschedule,
                            from: row["from_value"], to: row["to_value"], reason: row["reason"],
                            milestone: (row["milestone_seq"] as Int64?).map(Milestones.label))
    }

    static func json(_ row: Row) -> JSONValue {
        ["request_id": .string(row["request_id"]), "action_id": .string(row["action_id"]), "kind": .string(row["kind"]),
         "from": .string(row["from_value"]), "to": .string(row["to_value"]), "reason": .string(row["reason"]),
         "state": .string(row["state"]), "requested_on": .string(row["requested_on"]),
         "milestone": JSONValue((row["milestone_seq"] as Int64?).map(Milestones.label)),
         "by": StatusHistory.by(person: row["actor_person"], role: row["actor_role"]),
         "decision_id": JSONValue(row["decision_id"] as String?), "decided_on": JSONValue(row["decided_on"] as String?)]
    }

    /// `actions.requests`: `{action_id?, state?}` → the change requests, oldest first.
    static func list(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let actionID = v.boardID("action_id", BoardID.action, required: false)
        let state = v.oneOf("state", State.self, required: false)
        try v.check()
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let actionID { conditions.append("action_id = ?"); arguments += [actionID] }
        if let state { conditions.append("state = ?"); arguments += [state.rawValue] }
        let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM change_requests WHERE \(filter) ORDER BY n", arguments: arguments)
        return ["requests": .array(rows.map(json))]
    }

    enum State: String, CaseIterable { case pending, approved, refused }

    /// A `change_requests` decision: applies each approved request and closes each refused one.
    /// Every id must name a pending request, and none may be in both lists. Returns the actions concerned.
    static func decide(_ change: BoardChange, decisionID: String, meetingID: String, meetingDate: String,
                       approve: [String], refuse: [String]) throws -> [String] {
        let db = change.db
        if let both = approve.first(where: refuse.contains) {
            throw ServiceError.invalid("refuse", "\(both) is in both approve and refuse: a decision does one or the other")
        }
        var actions: [String] = []
        for (approving, ids) in [(true, approve), (false, refuse)] {
            for (i, id) in ids.enumerated() {
                let field = "\(approving ? "approve" : "refuse")[\(i)]"
                guard let request = try Row.fetchOne(db, sql: "SELECT * FROM change_requests WHERE request_id = ?", arguments: [id]) else {
                    throw ServiceError.invalid(field, "no change request \(id)")
                }
                let state: String = request["state"]
                if state != "pending" {
                    throw ServiceError.conflict("\(id) was already \(state) by \(request["decision_id"] as String? ?? "a decision")")
                }
                var action = try ActionRecord.require(db, request["action_id"])
                if !actions.contains(action.id) { actions.append(action.id) }
                if approving { try apply(change, request, &action, decisionID: decisionID) }
                try db.execute(sql: """
                    UPDATE change_requests SET state = ?, decision_id = ?, decided_on = ?, decided_at = ? WHERE request_id = ?
                    """, arguments: [approving ? "approved" : "refused", decisionID, meetingDate, change.at, id])
                let f = fields(request, title: action.title)
                if approving {
                    try change.emit(ActionChangeApproved(f, decisionID: decisionID, meetingID: meetingID))
                } else {
                    try change.emit(ActionChangeRefused(f, decisionID: decisionID, meetingID: meetingID))
                }
            }
        }
        return actions
    }

    /// Makes an approved change.
    private static func apply(_ change: BoardChange, _ request: Row, _ action: inout ActionRecord, decisionID: String) throws {
        let db = change.db
        let id: String = request["request_id"]
        let kind = ChangeRequestKind(rawValue: request["kind"]) ?? .reschedule
        let to: String = request["to_value"]
        let reason: String = request["reason"]
        let closed = !(action.status.isOpen || action.status == .suspended)
        if closed && kind != .resume {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): \(id) can no longer be approved; refuse it instead")
        }
        let before = action
        switch kind {
        case .reschedule, .lead, .successCriteria:
            let column = kind == .reschedule ? "due_date" : kind.rawValue
            let field = kind == .reschedule ? "due" : kind.rawValue
            try db.execute(sql: """
                UPDATE actions SET baseline_due = COALESCE(baseline_due, due_date), \(column) = ?, updated_at = ? WHERE action_id = ?
                """, arguments: [to, change.at, action.id])
            try change.emit(ActionUpdated(actionID: action.id, title: action.title, changed: [field]))
            try RAGHistory.note(change, before: before, actionID: action.id, cause: .decision, decisionID: decisionID)
            action = try ActionRecord.require(db, action.id)
        case .milestoneDue:
            let seq: Int64 = request["milestone_seq"] ?? 0
            let milestone = try Milestones.require(db, action.id, seq)
            if milestone["met_on"] as String? != nil {
                throw ServiceError.conflict("\(Milestones.label(seq)) of \(action.id) has since been met: \(id) can no longer be approved; refuse it instead")
            }
            try db.execute(sql: """
                UPDATE action_milestones SET baseline_due = COALESCE(baseline_due, due_date), due_date = ?, missed_announced_on = NULL
                WHERE action_id = ? AND seq = ?
                """, arguments: [to, action.id, seq])
            try Milestones.refresh(db, action.id)
            try RAGHistory.note(change, before: before, actionID: action.id, cause: .decision, decisionID: decisionID)
            action = try ActionRecord.require(db, action.id)
        case .suspend:
            try Actions.changeStatus(change, &action, to: .suspended, reason: "\(id): \(reason)", decisionID: decisionID)
        case .resume:
            guard action.status == .suspended, let status = ActionStatus(rawValue: to) else {
                throw ServiceError.conflict("\(action.id) is \(action.status.rawValue), not suspended: \(id) can no longer be approved; refuse it instead")
            }
            try Actions.changeStatus(change, &action, to: status, reason: "\(id): \(reason)", decisionID: decisionID)
        }
    }
}
