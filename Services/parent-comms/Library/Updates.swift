import GRDB
import SendModel
import SendRuntime

/// "You said, we did": drafts made from the board's events, edited by an operator, published to the
/// families who asked for updates.
///
/// A draft holds `[[…]]` notes for the operator; publishing refuses while any is left, so a
/// cancelled action's update cannot go out without the reason it was not done.
enum Updates {
    /// Applies one event of the board's stream (`action.created`, `action.updated`, `action.status_changed`).
    /// Data that does not decode as its payload type is refused with an error naming the event and field.
    static func followBoard(_ ctx: CommsChange, _ event: Event) throws {
        switch event.type {
        case EventType.actionCreated:
            let e = try event.decode(as: ActionCreated.self)
            try ctx.db.execute(sql: """
                INSERT INTO actions(action_id, title, lead_organisation, due, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(action_id) DO UPDATE SET title = excluded.title, lead_organisation = excluded.lead_organisation,
                    due = excluded.due, status = excluded.status, updated_at = excluded.updated_at
                """, arguments: [e.actionID, e.title, e.leadOrganisation, e.due.iso, e.status.rawValue, event.at.description])
        case EventType.actionUpdated:
            let e = try event.decode(as: ActionUpdated.self)
            try ctx.db.execute(sql: """
                INSERT INTO actions(action_id, title, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(action_id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at
                """, arguments: [e.actionID, e.title, event.at.description])
        case EventType.actionStatusChanged:
            let e = try event.decode(as: ActionStatusChanged.self)
            try ctx.db.execute(sql: """
                INSERT INTO actions(action_id, title, status, cancel_reason, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(action_id) DO UPDATE SET title = excluded.title, status = excluded.status,
                    cancel_reason = COALESCE(excluded.cancel_reason, actions.cancel_reason), updated_at = excluded.updated_at
                """, arguments: [e.actionID, e.title, e.to.rawValue, e.to == .cancelled ? e.reason : nil, event.at.description])
            // A tracker moved in with actions.import brings its past: families were told (or not) at the time,
            // so its completions and cancellations draft nothing; the action itself is kept up to date above.
            guard e.importID == nil else { break }
            switch e.to {
            case .completed: try draft(ctx, action: e, outcome: .completed, event: event)
            case .cancelled: try draft(ctx, action: e, outcome: .cancelled, event: event)
            default: break
            }
        case EventType.chairUpdatePublished:
            try ChairUpdateDrafts.received(ctx, try event.decode(as: ChairUpdatePublished.self), event: event)
        default:
            break  // the rest change nothing families are told
        }
    }

    /// Drafts an update unless one for the same action and outcome is still a draft: in words, with
    /// the action's title and, for a cancellation, the reason the board recorded.
    static func draft(_ ctx: CommsChange, action e: ActionStatusChanged, outcome: UpdateOutcome, event: Event) throws {
        let action = e.actionID
        if try Int64.fetchOne(ctx.db, sql: "SELECT id FROM updates WHERE action_id = ? AND outcome = ? AND status = 'draft'",
                              arguments: [action, outcome.rawValue]) != nil { return }
        let lead = try String.fetchOne(ctx.db, sql: "SELECT lead_organisation FROM actions WHERE action_id = ?", arguments: [action])
        let led = lead.flatMap { $0.isEmpty ? nil : " (led by \($0))" } ?? ""
        let what = e.title.isEmpty ? "action \(action)" : e.title
        let day = Templates.longDate(event.at.date)
        let title: String
        var body: String
        if outcome == .completed {
            title = "You said, we did: \(what)"
            body = """
                You said: [[what families told us that led to this action]]

                We did: \(what)\(led). This was completed on \(day).
                [[what has changed for children and families, in plain words]]

                Thank you to every family who told us what needed to change.
                """
        } else {
            title = "You said, we did: \(what) will not go ahead"
            let why = e.reason.map { "Why not: \($0)" }
                ?? "Why not: [[REASON REQUIRED: write why the action was cancelled and what will happen instead. The board did not record one: ask the action's lead.]]"
            body = """
                You said: [[what families told us that led to this action]]

                We did not do it: \(what)\(led) was cancelled on \(day) and will not be done.
                \(why)

                We know this is not what families asked for, and we will keep you told.
                """
        }
        try ctx.db.execute(sql: """
            INSERT INTO updates(action_id, outcome, title, body, board_seq, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [action, outcome.rawValue, title, body, event.seq, ctx.now.description])
        let id = ctx.db.lastInsertedRowID
        try ctx.emit(UpdateDrafted(updateID: id, actionID: action, outcome: outcome, needsReason: outcome == .cancelled && e.reason == nil))
    }

    /// The operator's notes still in a text: each `[[…]]`.
    static func notes(_ text: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "[[") {
            guard let close = rest[open.upperBound...].range(of: "]]") else {
                found.append(String(rest[open.lowerBound...].prefix(60)))
                break
            }
            found.append(String(rest[open.lowerBound..<close.upperBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func json(_ row: Row, full: Bool) -> JSONValue {
        var o: [String: JSONValue] = [
            "update_id": .int(row["id"]), "action_id": JSONValue(row["action_id"] as String?), "outcome": .string(row["outcome"]),
            "chair_update_id": JSONValue(row["chair_update_id"] as String?),
            "status": .string(row["status"]), "title": .string(row["title"]), "created_at": .string(row["created_at"]),
            "edited_at": JSONValue(row["edited_at"] as String?), "published_at": JSONValue(row["published_at"] as String?),
            "notes_left": .int(Int64(notes((row["title"] as String) + "\n" + (row["body"] as String)).count)),
        ]
        if let d = row["dispatch_id"] as Int64? { o["dispatch_id"] = .int(d) }
        if full { o["body"] = .string(row["body"]) }
        return .object(o)
    }

    static let selectUpdate = """
        SELECT u.*, (SELECT d.id FROM dispatches d WHERE d.update_id = u.id AND d.kind = 'update') AS dispatch_id FROM updates u
        """

    static let list: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let status = v.string("status", required: false, maxLength: 20)
        if let status, !["draft", "published"].contains(status) { v.fail("status", "must be draft or published") }
        try v.check()
        let rows = try Row.fetchAll(ctx.db, sql: "\(selectUpdate) \(status == nil ? "" : "WHERE u.status = ?") ORDER BY u.id",
                                    arguments: StatementArguments(status.map { [$0] } ?? []))
        return ["updates": .array(rows.map { json($0, full: false) })]
    }

    static let show: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let id = v.int("update_id", range: 1...Int64.max)
        try v.check()
        guard let row = try Row.fetchOne(ctx.db, sql: "\(selectUpdate) WHERE u.id = ?", arguments: [id]) else {
            throw ServiceError.notFound("update \(id ?? 0)")
        }
        var o = json(row, full: true).objectValue ?? [:]
        o["notes"] = .array(notes((row["title"] as String) + "\n" + (row["body"] as String)).map { .string($0) })
        return .object(o)
    }

    /// `updates.edit {update_id, title?, body?}`: drafts only.
    static func edit(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("update_id", range: 1...Int64.max)
        let title = v.string("title", required: false, maxLength: 200)
        let body = v.string("body", required: false, maxLength: 20_000)
        if !v.has("title") && !v.has("body") { v.fail("body", "give a new title, a new body, or both") }
        try v.check()
        guard let status = try String.fetchOne(ctx.db, sql: "SELECT status FROM updates WHERE id = ?", arguments: [id]) else {
            throw ServiceError.notFound("update \(id ?? 0)")
        }
        guard status == "draft" else { throw ServiceError.conflict("update \(id ?? 0) is published; a published update cannot be edited") }
        try ctx.db.execute(sql: "UPDATE updates SET title = COALESCE(?, title), body = COALESCE(?, body), edited_at = ? WHERE id = ?",
                           arguments: [title, body, ctx.now.description, id])
        let row = try Row.fetchOne(ctx.db, sql: "\(selectUpdate) WHERE u.id = ?", arguments: [id])!
        return json(row, full: true)
    }

    /// `updates.publish {update_id}`: queues the update to every family that asked for updates.
    static func publish(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("update_id", range: 1...Int64.max)
        try v.check()
        guard let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM updates WHERE id = ?", arguments: [id]) else {
            throw ServiceError.notFound("update \(id ?? 0)")
        }
        let update: Int64 = row["id"]
        guard (row["status"] as String) == "draft" else {
            throw ServiceError.conflict("update \(update) is already published")
        }
        let left = notes((row["title"] as String) + "\n" + (row["body"] as String))
        guard left.isEmpty else {
            throw ServiceError(.conflict, "update \(update) still has \(left.count) note\(left.count == 1 ? "" : "s") for the operator to replace: "
                + left.map { $0.count > 70 ? String($0.prefix(70)) + "…" : $0 }.joined(separator: "; ")
                + ". Edit it (sendctl updates edit \(update)) and publish again", field: "body")
        }
        try ctx.db.execute(sql: "UPDATE updates SET status = 'published', published_at = ? WHERE id = ?", arguments: [ctx.now.description, update])
        try ctx.db.execute(sql: "INSERT INTO dispatches(kind, update_id, created_at) VALUES ('update', ?, ?)", arguments: [update, ctx.now.description])
        let dispatch = ctx.db.lastInsertedRowID
        let (queued, byChannel) = try Dispatch.queue(ctx, dispatch: dispatch, kind: "update", where: """
            FROM families f WHERE f.kind = 'family' AND f.wants_updates = 1 AND \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
            """, arguments: [])
        try ctx.emit(UpdatePublished(updateID: update, actionID: row["action_id"], title: row["title"], dispatchID: dispatch,
                                     recipients: Int64(queued), queued: Int64(queued), chairUpdateID: row["chair_update_id"]))
        return ["update_id": .int(update), "dispatch_id": .int(dispatch), "queued": .int(Int64(queued)), "by_channel": byChannel]
    }
}
