import GRDB
import SendModel
import SendRuntime

// `MessageStatus` (queued → sending → delivered, or a failure; cancelled) is SendModel's: the contract.

/// The durable message queue: helpers over `messages` shared by the commands and the delivery loop.
enum Messages {
    /// The reference a message carries to the relay and the spool: no personal data, only its id.
    static func reference(_ id: Int64) -> String { "sp-\(id)" }

    /// Queues one message to a family (enquiry acknowledgements and answers); nil when the family
    /// may not be contacted (no consent, opted out) or has no usable contact detail.
    static func queueOne(_ ctx: CommsChange, familyID: Int64, kind: String, enquiryID: Int64?) throws -> (id: Int64, channel: String)? {
        try ctx.db.execute(sql: """
            INSERT INTO messages(enquiry_id, kind, family_id, channel, status, next_attempt_at, created_at)
            SELECT ?, ?, f.id, \(Channel.chooseSQL), 'queued', 0, ? FROM families f
            WHERE f.id = ? AND \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
            """, arguments: [enquiryID, kind, ctx.now.description, familyID])
        guard ctx.db.changesCount == 1 else { return nil }
        let id = ctx.db.lastInsertedRowID
        let channel = try String.fetchOne(ctx.db, sql: "SELECT channel FROM messages WHERE id = ?", arguments: [id]) ?? ""
        return (id, channel)
    }

    /// Cancels a family's messages not yet handed to a channel; returns how many.
    static func cancelPending(_ ctx: CommsChange, familyID: Int64, reason: String) throws -> Int {
        let rows = try Row.fetchAll(ctx.db, sql: """
            UPDATE messages SET status = 'cancelled', next_attempt_at = NULL, status_at = ?, failure = ?
            WHERE family_id = ? AND next_attempt_at IS NOT NULL AND status != 'sending'
            RETURNING dispatch_id
            """, arguments: [ctx.now.description, reason, familyID])
        var finished: [Int64: Int] = [:]
        for row in rows { if let d = row[0] as Int64? { finished[d, default: 0] += 1 } }
        try Dispatches.finished(ctx, finished)
        return rows.count
    }
}

/// Batches of messages (a questionnaire, a reminder round, an update): progress and completion.
enum Dispatches {
    /// Counts messages of dispatches that reached a final status; completes each dispatch with none left.
    static func finished(_ ctx: CommsChange, _ counts: [Int64: Int]) throws {
        for (dispatch, n) in counts.sorted(by: { $0.key < $1.key }) {
            try ctx.db.cachedStatement(sql: "UPDATE dispatches SET pending = pending - ? WHERE id = ?").execute(arguments: [n, dispatch])
            try completeIfDone(ctx, dispatch)
        }
    }

    /// Marks the dispatch complete and emits `dispatch.completed` once nothing of it is pending.
    static func completeIfDone(_ ctx: CommsChange, _ dispatch: Int64) throws {
        guard let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM dispatches WHERE id = ?", arguments: [dispatch]),
              (row["pending"] as Int64) <= 0, (row["completed_at"] as String?) == nil else { return }
        try ctx.db.execute(sql: "UPDATE dispatches SET completed_at = ? WHERE id = ?", arguments: [ctx.now.description, dispatch])
        let c = try typedCounts(ctx.db, dispatch)
        let failed = MessageStatus.allCases.filter(\.isFailure).reduce(Int64(0)) { $0 + (c.byStatus[$1.rawValue] ?? 0) }
        try ctx.emit(DispatchCompleted(dispatch: try event(ctx.db, row), messages: c.messages,
                                       delivered: c.byStatus[MessageStatus.delivered.rawValue] ?? 0, failed: failed,
                                       byStatus: c.byStatus, byChannel: c.byChannel))
    }

    /// The ids that name a dispatch in events and replies.
    static func identity(_ row: Row) -> [String: JSONValue] {
        var o: [String: JSONValue] = ["dispatch_id": .int(row["id"]), "kind": .string(row["kind"]), "round": .int(row["round"])]
        if let q = row["questionnaire_id"] as Int64? { o["questionnaire_id"] = .int(q) }
        if let u = row["update_id"] as Int64? { o["update_id"] = .int(u) }
        return o
    }

    /// A dispatch as its events name it: ids, kind, round and the questionnaire's or update's title.
    static func event(_ db: Database, _ row: Row) throws -> DispatchIdentity {
        let questionnaire = row["questionnaire_id"] as Int64?, update = row["update_id"] as Int64?
        let title = try questionnaire.flatMap { try String.fetchOne(db, sql: "SELECT title FROM questionnaires WHERE id = ?", arguments: [$0]) }
            ?? update.flatMap { try String.fetchOne(db, sql: "SELECT title FROM updates WHERE id = ?", arguments: [$0]) } ?? ""
        let text: String = row["kind"]
        guard let kind = DispatchKind(rawValue: text) else {
            throw ServiceError(.internal, "dispatch \(row["id"] as Int64) has the unknown kind '\(text)'")
        }
        return DispatchIdentity(dispatchID: row["id"], kind: kind, round: row["round"], questionnaireID: questionnaire,
                                updateID: update, title: title)
    }

    /// Messages of a dispatch: the total, by status, and by channel then status.
    static func typedCounts(_ db: Database, _ dispatch: Int64) throws
        -> (messages: Int64, byStatus: [String: Int64], byChannel: [String: [String: Int64]]) {
        var byStatus: [String: Int64] = [:]
        var byChannel: [String: [String: Int64]] = [:]
        var total: Int64 = 0
        for row in try Row.fetchAll(db, sql: """
            SELECT channel, status, COUNT(*) FROM messages WHERE dispatch_id = ? GROUP BY channel, status
            """, arguments: [dispatch]) {
            let channel: String = row[0], status: String = row[1], n: Int64 = row[2]
            total += n
            byStatus[status, default: 0] += n
            byChannel[channel, default: [:]][status] = n
        }
        return (total, byStatus, byChannel)
    }

    /// Messages of a dispatch by status, and by channel then status, as the reply's JSON.
    static func counts(_ db: Database, _ dispatch: Int64) throws -> [String: JSONValue] {
        let c = try typedCounts(db, dispatch)
        return ["messages": .int(c.messages), "by_status": .object(c.byStatus.mapValues { .int($0) }),
                "by_channel": .object(c.byChannel.mapValues { .object($0.mapValues { .int($0) }) })]
    }

    /// `dispatches.show {dispatch_id, counts?}`: progress for `sendctl questionnaires send`'s bar and summary.
    /// `counts: false` leaves out the counts by status and channel (a scan of the dispatch's messages)
    /// and answers from the dispatch's counters alone: what a progress bar polls on a large dispatch.
    static let show: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let id = v.int("dispatch_id", range: 1...Int64.max)
        let withCounts = v.bool("counts", required: false) ?? true
        try v.check()
        guard let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM dispatches WHERE id = ?", arguments: [id]) else {
            throw ServiceError.notFound("dispatch \(id ?? 0)")
        }
        return .object(try describe(ctx.db, row, counts: withCounts))
    }

    static func describe(_ db: Database, _ row: Row, counts withCounts: Bool = true) throws -> [String: JSONValue] {
        var o = identity(row)
        if withCounts { for (k, v) in try counts(db, row["id"]) { o[k] = v } }
        o["queued"] = .int(row["queued"])
        o["pending"] = .int(row["pending"])
        o["created_at"] = .string(row["created_at"])
        o["completed_at"] = JSONValue(row["completed_at"] as String?)
        return o
    }
}
