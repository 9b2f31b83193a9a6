import GRDB
import SendModel

/// Creating and changing actions: `actions.create`, `actions.update`, and the one place a status changes.
enum Actions {
    /// `actions.create`: a new action, `not_started`, addressing at least one known finding.
    static func create(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let fields = try ActionFields.read(v, db: change.db, existing: nil)
        try v.check()
        let action = try insert(change, fields)
        return ["action": action.detail(findingIDs: fields.findingIDs ?? [], today: change.today)]
    }

    /// Stores a new action from checked fields and announces it; its history starts `createdOn`
    /// (default today: a plan imported with its past gives an earlier day).
    static func insert(_ change: BoardChange, _ f: ActionFields, createdOn: LocalDate? = nil) throws -> ActionRecord {
        let createdOn = createdOn ?? change.today
        let db = change.db
        let n = try BoardID.next(db, table: "actions")
        let id = BoardID.make(BoardID.action, n)
        let findingIDs = f.findingIDs ?? []
        try db.execute(sql: """
            INSERT INTO actions(n, action_id, title, description, lead_organisation, sponsoring_director, action_lead,
                start_date, due_date, success_criteria, kpi_id, status, status_since, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, id, f.title ?? "", f.description ?? "", f.leadOrganisation ?? "", f.sponsoringDirector ?? "",
                             f.actionLead ?? "", f.start?.iso ?? change.today.iso, f.due?.iso ?? change.today.iso,
                             f.successCriteria ?? "", f.kpiID ?? nil, ActionStatus.notStarted.rawValue, createdOn.iso,
                             change.at, change.at])
        for findingID in findingIDs {
            try db.execute(sql: "INSERT INTO action_findings(action_id, finding_id) VALUES (?, ?)", arguments: [id, findingID])
        }
        try db.execute(sql: """
            INSERT INTO action_status_history(action_id, from_status, to_status, reason, on_date, at, actor_person, actor_role)
            VALUES (?, NULL, ?, NULL, ?, ?, ?, ?)
            """, arguments: [id, ActionStatus.notStarted.rawValue, createdOn.iso, change.at, change.actor.person, change.actor.role.rawValue])
        try change.emit(ActionCreated(actionID: id, title: f.title ?? "", findingIDs: findingIDs, leadOrganisation: f.leadOrganisation ?? "",
                                      due: f.due ?? change.today, status: .notStarted))
        try Coverage.announceClosed(change, findingIDs: findingIDs, actionID: id)
        try RAGHistory.note(change, before: nil, actionID: id, cause: .first)
        return try ActionRecord.require(db, id)
    }

    /// `actions.update`: changes the details of an open action, and/or its status.
    static func update(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        try v.check()
        var action = try ActionRecord.require(db, id!)
        try ActionLeadScope.check(change.actor, action)
        try ActionLeadScope.checkFields(change.actor, args)
        try ChangeRequests.refuseDirect(args, actionID: action.id)
        var fields = try ActionFields.read(v, db: db, existing: action)
        let status = v.oneOf("status", ActionStatus.self, required: false)
        let reason = v.string("reason", required: false, maxLength: 2000)
        try v.check()
        if case .null? = args["kpi_id"] { fields.kpiID = .some(nil) }

        let changes = try applyFields(change, &action, fields, reason: reason)
        if changes.isEmpty && status == nil {
            throw ServiceError(.invalid, "nothing to change: give at least one of \(ActionFields.names.joined(separator: ", ")) or status")
        }
        var result: [String: JSONValue] = ["changed": .array(changes.keys.sorted().map { .string($0) })]
        if let status {
            let from = try changeStatus(change, &action, to: status, reason: reason)
            result["status_change"] = ["from": .string(from.rawValue), "to": .string(status.rawValue)]
        }
        result["action"] = action.detail(findingIDs: try ActionRecord.findingIDs(db, action.id), today: change.today)
        return .object(result)
    }

    /// Writes the fields that differ, records the revision and announces it; returns `{field: {from, to}}`.
    static func applyFields(_ change: BoardChange, _ action: inout ActionRecord, _ f: ActionFields,
                            reason: String?) throws -> [String: JSONValue] {
        let db = change.db
        var changes: [String: JSONValue] = [:]
        var sets: [(column: String, value: (any DatabaseValueConvertible)?)] = []
        func note(_ field: String, _ column: String, _ old: String?, _ new: String?, clearing: Bool = false) {
            guard new != nil || clearing, new != old else { return }
            changes[field] = ["from": JSONValue(old), "to": JSONValue(new)]
            sets.append((column, new))
        }
        note("title", "title", action.title, f.title)
        note("description", "description", action.description, f.description)
        note("lead_organisation", "lead_organisation", action.leadOrganisation, f.leadOrganisation)
        note("sponsoring_director", "sponsoring_director", action.sponsoringDirector, f.sponsoringDirector)
        note("action_lead", "action_lead", action.actionLead, f.actionLead)
        note("start", "start_date", action.start.iso, f.start?.iso)
        note("due", "due_date", action.due.iso, f.due?.iso)
        note("success_criteria", "success_criteria", action.successCriteria, f.successCriteria)
        if let kpi = f.kpiID { note("kpi_id", "kpi_id", action.kpiID, kpi, clearing: true) }

        let oldFindings = try ActionRecord.findingIDs(db, action.id)
        var removedFindings: [String] = []
        if let newFindings = f.findingIDs, Set(newFindings) != Set(oldFindings) {
            changes["finding_ids"] = ["from": .array(oldFindings.map { .string($0) }),
                                      "to": .array(newFindings.sorted().map { .string($0) })]
            removedFindings = oldFindings.filter { !newFindings.contains($0) }
        }
        guard !changes.isEmpty else { return [:] }
        guard action.status.isOpen || action.status == .suspended else {
            throw ServiceError.conflict("\(action.id) is \(action.status.rawValue): the details of a closed action do not change")
        }
        for (column, value) in sets {
            try db.execute(sql: "UPDATE actions SET \(column) = ? WHERE action_id = ?", arguments: [value, action.id])
        }
        if let newFindings = f.findingIDs, changes["finding_ids"] != nil {
            try db.execute(sql: "DELETE FROM action_findings WHERE action_id = ?", arguments: [action.id])
            for findingID in newFindings {
                try db.execute(sql: "INSERT INTO action_findings(action_id, finding_id) VALUES (?, ?)", arguments: [action.id, findingID])
            }
        }
        try db.execute(sql: "UPDATE actions SET updated_at = ? WHERE action_id = ?", arguments: [change.at, action.id])
        try db.execute(sql: "INSERT INTO action_revisions(action_id, changes, reason, on_date, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [action.id, JSONValue.object(changes).jsonString, reason, change.today.iso, change.at])
        try change.emit(ActionUpdated(actionID: action.id, title: try ActionRecord.require(db, action.id).title,
                                      changed: changes.keys.sorted()))
        try Coverage.announceLost(change, findingIDs: removedFindings, actionID: action.id, reason: .actionChanged)
        try Coverage.announceClosed(change, findingIDs: f.findingIDs ?? [], actionID: action.id)
        try RAGHistory.note(change, before: action, actionID: action.id, cause: .details)
        action = try ActionRecord.require(db, action.id)
        return changes
    }

    /// The one place an action's status changes: checks the move, records it in the history with who made it,
    /// announces it, and reports weaknesses a cancellation leaves uncovered. Returns the old status.
    /// `on` is the day it changed (default today; an imported plan's past gives earlier days).
    @discardableResult
    static func changeStatus(_ change: BoardChange, _ action: inout ActionRecord, to: ActionStatus, reason: String?,
                             updateID: String? = nil, decisionID: String? = nil, on: LocalDate? = nil) throws -> ActionStatus {
        let from = action.status
        let before = action
        let on = on ?? change.today
        try ActionStatus.check(action: action.id, from: from, to: to, byDecision: decisionID != nil)
        if to == .cancelled && (reason ?? "").isEmpty {
            throw ServiceError.invalid("reason", "is required to cancel an action: say why it is cancelled")
        }
        let db = change.db
        try db.execute(sql: """
            UPDATE actions SET status = ?, status_since = ?, updated_at = ?,
                cancel_reason = CASE WHEN ? = 'cancelled' THEN ? ELSE cancel_reason END,
                verified_decision = CASE WHEN ? = 'verified' THEN ? ELSE verified_decision END
            WHERE action_id = ?
            """, arguments: [to.rawValue, on.iso, change.at, to.rawValue, reason, to.rawValue, decisionID, action.id])
        try db.execute(sql: """
            INSERT INTO action_status_history(action_id, from_status, to_status, reason, on_date, at, update_id, decision_id,
                actor_person, actor_role)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [action.id, from.rawValue, to.rawValue, reason, on.iso, change.at, updateID, decisionID,
                             change.actor.person, change.actor.role.rawValue])
        try change.emit(ActionStatusChanged(actionID: action.id, title: action.title, from: from, to: to, reason: reason))
        if to == .cancelled {
            try Coverage.announceLost(change, findingIDs: try ActionRecord.findingIDs(db, action.id), actionID: action.id,
                                      reason: .actionCancelled)
        }
        try RAGHistory.note(change, before: before, actionID: action.id, cause: decisionID != nil ? .decision : .status,
                            decisionID: decisionID)
        action = try ActionRecord.require(db, action.id)
        return from
    }
}
