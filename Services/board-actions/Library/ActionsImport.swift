import GRDB
import SendModel

/// `actions.import`: many actions, each with its dated progress updates (last year's tracker), in one
/// request, all or nothing.
///
/// Every action is checked as `actions.create` checks one, and every update as `actions.progress`
/// checks one, in order from not started; every bad field is reported with its JSON path
/// (`actions[41].updates[3].status`) and nothing is recorded. The same events as the single commands
/// are emitted (`action.created`, `action.status_changed`, `action.progress`, `coverage.*`), each
/// carrying `import_id`, then one `actions.imported` with the counts. An `import_id` (with `chunk`)
/// already imported records nothing again.
enum ActionsImport {
    /// At most this many bad fields are listed in the error (all are counted).
    static let maxListedErrors = 1000

    struct Update {
        var on: LocalDate
        var note: String
        var evidence: String?
        var author: String
        var status: ActionStatus?
        var reason: String?
    }

    struct Item {
        var fields: ActionFields
        var updates: [Update]
    }

    static func run(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let today = change.today
        let v = Validator(args)
        let importID = v.string("import_id", required: false, maxLength: 100)
        let chunk = v.int("chunk", required: false, range: 1...100_000).map(Int.init)
        let chunks = v.int("chunks", required: false, range: 1...100_000).map(Int.init)
        let checkOnly = v.bool("check_only", required: false) ?? false
        let firstIndex = Int(v.int("first_index", required: false, range: 0...Int64(Int32.max)) ?? 0)
        if (chunk != nil || chunks != nil) && (chunk == nil || chunks == nil || importID == nil) {
            v.fail(chunk == nil ? "chunk" : chunks == nil ? "chunks" : "import_id", "chunk, chunks and import_id go together")
        }
        if let chunk, let chunks, chunk > chunks { v.fail("chunk", "is \(chunk) but chunks is \(chunks)") }
        let given = v.objects("actions") ?? []
        if given.isEmpty && v.errors.isEmpty { v.fail("actions", "must hold at least one action") }
        try v.check()

        let id = importID ?? "actions-\(change.at)"
        let part = (chunk ?? 1, chunks ?? 1)
        let key = "actions.import:\(id)#\(part.0)of\(part.1)"
        if let row = try Row.fetchOne(db, sql: "SELECT at, result FROM plan_imports WHERE import_id = ?", arguments: [key]) {
            var reply = storedJSON(row["result"]).objectValue ?? [:]
            reply["imported"] = false
            reply["message"] = .string("\(id)\(part.1 > 1 ? " part \(part.0) of \(part.1)" : "") was already imported at \(row["at"] as String); nothing changed")
            return .object(reply)
        }

        // Check everything before writing anything.
        var items: [Item] = []
        items.reserveCapacity(given.count)
        for a in given {
            let fields = try ActionFields.read(a, db: db, existing: nil)
            items.append(Item(fields: fields, updates: updates(a, fields: fields, today: today)))
        }
        // Paths name the action by its place in the whole file when this request is a part of it.
        let errors = firstIndex == 0 ? v.errors : v.errors.map { e in
            guard e.field.hasPrefix("actions["), let close = e.field.firstIndex(of: "]"),
                  let i = Int(e.field[e.field.index(e.field.startIndex, offsetBy: 8)..<close]) else { return e }
            return FieldError(field: "actions[\(i + firstIndex)]" + e.field[e.field.index(after: close)...], message: e.message)
        }
        if !errors.isEmpty {
            let listed = Array(errors.prefix(maxListedErrors))
            let summary = (errors.count == 1 ? errors[0].description : "\(errors.count) fields are invalid: "
                + listed.prefix(5).map(\.description).joined(separator: "; ") + (errors.count > 5 ? "; …" : ""))
                + "; nothing was imported"
            throw ServiceError.invalid(listed, summary: summary)
        }
        let updateCount = items.reduce(0) { $0 + $1.updates.count }
        let statusCount = items.reduce(0) { sum, item in sum + item.updates.filter { $0.status != nil }.count }
        if checkOnly {
            return ["checked": true, "imported": false, "import_id": .string(id), "actions": .int(Int64(items.count)),
                    "updates": .int(Int64(updateCount)), "status_changes": .int(Int64(statusCount)),
                    "message": .string("\(id): \(items.count) actions and \(updateCount) progress updates are valid; nothing was imported")]
        }
        let actionIDs = try write(change, items, importID: id)

        var result: [String: JSONValue] = [
            "import_id": .string(id), "chunk": .int(Int64(part.0)), "chunks": .int(Int64(part.1)),
            "actions": .int(Int64(items.count)), "updates": .int(Int64(updateCount)), "status_changes": .int(Int64(statusCount)),
            "first_action_id": .string(actionIDs.first ?? ""), "last_action_id": .string(actionIDs.last ?? ""),
            "action_ids": .array(actionIDs.map { .string($0) }),
        ]
        try db.execute(sql: "INSERT INTO plan_imports(import_id, at, result) VALUES (?, ?, ?)",
                       arguments: [key, change.at, JSONValue.object(result).jsonString])
        // The whole import so far: every part of it recorded, this one included.
        let prefix = "actions.import:\(id)#"
        let totals = try Row.fetchOne(db, sql: """
            SELECT COALESCE(SUM(json_extract(result, '$.actions')), 0), COALESCE(SUM(json_extract(result, '$.updates')), 0)
            FROM plan_imports WHERE substr(import_id, 1, ?) = ?
            """, arguments: [prefix.utf8.count, prefix])!
        try change.emit(ActionsImported(importID: id, chunk: part.0, chunks: part.1, actions: items.count, updates: updateCount,
                                        statusChanges: statusCount, firstActionID: actionIDs.first ?? "",
                                        lastActionID: actionIDs.last ?? "", importActions: totals[0], importUpdates: totals[1]))
        result["imported"] = true
        result["message"] = .string("imported \(items.count) action\(items.count == 1 ? "" : "s") (\(actionIDs.first ?? "")–\(actionIDs.last ?? "")) "
            + "with \(updateCount) progress update\(updateCount == 1 ? "" : "s") and \(statusCount) status change\(statusCount == 1 ? "" : "s")")
        return .object(result)
    }

    /// An action's updates, oldest first, checked as `actions.progress` would check each in turn.
    static func updates(_ a: Validator, fields: ActionFields, today: LocalDate) -> [Update] {
        guard let given = a.objects("updates", required: false) else { return [] }
        var out: [Update] = []
        out.reserveCapacity(given.count)
        var current = ActionStatus.notStarted
        var last: LocalDate?
        for u in given {
            let note = u.string("note", maxLength: 4000)
            let evidence = u.string("evidence", required: false, maxLength: 2000)
            let author = u.string("author_role", maxLength: 200)
            let status = u.oneOf("status", ActionStatus.self, required: false)
            let reason = u.string("reason", required: false, maxLength: 2000)
            let on = u.has("on") ? u.date("on") : today
            if let on {
                if on > today { u.fail("on", "\(on.iso) is after today (\(today.iso))") }
                if let l = last, on < l { u.fail("on", "\(on.iso) is before the update above it (\(l.iso)): list the updates oldest first") }
                last = on
            }
            if current == .cancelled || current == .verified {
                u.fail("note", "the action is \(current.rawValue) by an update above: a closed action takes no more progress updates")
            }
            if let status {
                do {
                    try ActionStatus.check(action: "the action", from: current, to: status)
                    current = status
                } catch {
                    u.fail("status", error.message)
                }
            }
            if let note, let author, let on { out.append(Update(on: on, note: note, evidence: evidence, author: author, status: status, reason: reason)) }
        }
        return out
    }

    /// Records the checked actions and updates with the statements held for the whole request; returns the new ids in order.
    static func write(_ change: BoardChange, _ items: [Item], importID: String) throws -> [String] {
        let db = change.db
        let at = change.at
        let today = change.today
        var n = try BoardID.next(db, table: "actions")
        var u = try BoardID.next(db, table: "progress_updates")
        let insertAction = try db.cachedStatement(sql: """
            INSERT INTO actions(n, action_id, title, description, lead_organisation, sponsoring_director, action_lead,
                start_date, due_date, success_criteria, kpi_id, status, status_since, cancel_reason, created_at, updated_at,
                update_count, last_update)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertFinding = try db.cachedStatement(sql: "INSERT INTO action_findings(action_id, finding_id) VALUES (?, ?)")
        let insertHistory = try db.cachedStatement(sql: """
            INSERT INTO action_status_history(action_id, from_status, to_status, reason, on_date, at, update_id, decision_id,
                actor_person, actor_role)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
            """)
        let by = (person: change.actor.person, role: change.actor.role.rawValue)
        let insertUpdate = try db.cachedStatement(sql: """
            INSERT INTO progress_updates(n, update_id, action_id, note, evidence, author_role, status_from, status_to, on_date, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var ids: [String] = []
        ids.reserveCapacity(items.count)
        for item in items {
            let f = item.fields
            let id = BoardID.make(BoardID.action, n)
            let title = f.title ?? ""
            let findingIDs = f.findingIDs ?? []
            let start = f.start ?? today
            // Its history starts on its start date, or on its first update if that came earlier (never after today).
            let createdOn = min(start, today, item.updates.first?.on ?? today)
            // The action as it stands after its updates: one row, written once.
            var status = ActionStatus.notStarted
            var since = createdOn
            var cancelReason: String?
            for update in item.updates {
                guard let to = update.status else { continue }
                status = to
                since = update.on
                if to == .cancelled { cancelReason = update.reason ?? update.note }
            }
            try insertAction.execute(arguments: [
                n, id, title, f.description ?? "", f.leadOrganisation ?? "", f.sponsoringDirector ?? "", f.actionLead ?? "",
                start.iso, (f.due ?? today).iso, f.successCriteria ?? "", f.kpiID ?? nil, status.rawValue, since.iso, cancelReason,
                at, at, item.updates.count, item.updates.last?.on.iso,
            ])
            for findingID in findingIDs { try insertFinding.execute(arguments: [id, findingID]) }
            try insertHistory.execute(arguments: [id, nil, ActionStatus.notStarted.rawValue, nil, createdOn.iso, at, nil, by.person, by.role])
            try change.emit(ActionCreated(actionID: id, title: title, findingIDs: findingIDs, leadOrganisation: f.leadOrganisation ?? "",
                                          due: f.due ?? today, status: .notStarted, importID: importID))
            try Coverage.announceClosed(change, findingIDs: findingIDs, actionID: id)

            var current = ActionStatus.notStarted
            for update in item.updates {
                let updateID = BoardID.make(BoardID.update, u)
                var statusChange: StatusChange?
                if let to = update.status {
                    // As actions.progress: the note explains the change when no separate reason is given.
                    let reason = update.reason ?? update.note
                    try insertHistory.execute(arguments: [id, current.rawValue, to.rawValue, reason, update.on.iso, at, updateID,
                                                          by.person, by.role])
                    try change.emit(ActionStatusChanged(actionID: id, title: title, from: current, to: to, reason: reason, importID: importID))
                    if to == .cancelled {
                        try Coverage.announceLost(change, findingIDs: findingIDs, actionID: id, reason: .actionCancelled)
                    }
                    statusChange = StatusChange(from: current, to: to)
                    current = to
                }
                try insertUpdate.execute(arguments: [u, updateID, id, update.note, update.evidence, update.author,
                                                     statusChange?.from.rawValue, statusChange?.to.rawValue, update.on.iso, at])
                try change.emit(ActionProgress(actionID: id, title: title, updateID: updateID, statusChange: statusChange, importID: importID))
                u += 1
            }
            ids.append(id)
            n += 1
        }
        return ids
    }
}
