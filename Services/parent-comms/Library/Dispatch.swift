import GRDB
import SendModel
import SendRuntime

/// Queueing: one message per family, chosen and inserted in SQL (one `INSERT … SELECT` per dispatch).
///
/// A questionnaire has one dispatch: sending again queues only families that have no message in it
/// yet (none, when nothing changed). Reminder rounds and updates are dispatches of their own.
enum Dispatch {
    /// `questionnaires.send {questionnaire_id}`.
    static func send(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("questionnaire_id", range: 1...Int64.max)
        try v.check()
        let q = try Questionnaire.load(ctx.db, id)
        switch q.state(today: ctx.today) {
        case "not_open": throw ServiceError.conflict("questionnaire \(q.id) opens on \(q.opens); it can be sent from then until \(q.closes)")
        case "closed": throw ServiceError.conflict("questionnaire \(q.id) closed on \(q.closes); it can no longer be sent")
        default: break
        }
        let dispatch: Int64
        if let existing = try Int64.fetchOne(ctx.db, sql: "SELECT id FROM dispatches WHERE questionnaire_id = ? AND kind = 'questionnaire'",
                                             arguments: [q.id]) {
            dispatch = existing
        } else {
            try ctx.db.execute(sql: "INSERT INTO dispatches(kind, questionnaire_id, created_at) VALUES ('questionnaire', ?, ?)",
                               arguments: [q.id, ctx.now.description])
            dispatch = ctx.db.lastInsertedRowID
        }
        try CommsSchema.prepareForBulkWrite(ctx.db)
        let audience = q.audienceSQL
        let newRecipient = """
            \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.questionnaire_id = ? AND r.family_id = f.id)
            """
        let skipped = try Row.fetchOne(ctx.db, sql: """
            SELECT COUNT(*),
                   COALESCE(SUM(f.opted_out_at IS NOT NULL), 0),
                   COALESCE(SUM(f.opted_out_at IS NULL AND f.consent = 0), 0),
                   COALESCE(SUM(\(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NULL), 0),
                   COALESCE(SUM(\(newRecipient)), 0)
            FROM families f WHERE \(audience)
            """, arguments: [q.id])!
        Keys.prepare(ctx.db)
        try addRecipients(ctx, questionnaire: q.id, audience: audience, expected: skipped[4])
        let (queued, byChannel) = try queue(ctx, dispatch: dispatch, kind: "questionnaire", where: """
            FROM recipients r JOIN families f ON f.id = r.family_id
            WHERE r.questionnaire_id = ? AND \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
            """, arguments: [q.id])
        let total = try Int64.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM messages WHERE dispatch_id = ?", arguments: [dispatch]) ?? 0
        return [
            "questionnaire_id": .int(q.id), "dispatch_id": .int(dispatch),
            "audience": .int(skipped[0]), "queued": .int(Int64(queued)), "already_queued": .int(total - Int64(queued)),
            "by_channel": byChannel,
            "skipped": ["opted_out": .int(skipped[1]), "no_consent": .int(skipped[2]), "no_contact": .int(skipped[3])],
        ]
    }

    /// Gives each family of the audience that may be contacted and is not yet a recipient a response
    /// token and code. A code drawn twice (or a token) makes its row skip the insert; those rows are
    /// drawn again until all `expected` are in, so no family is ever left out.
    /// Draws with `comms_short_code()`, which the caller installs (`Keys.prepare`).
    static func addRecipients(_ ctx: CommsChange, questionnaire: Int64, audience: String, expected: Int64) throws {
        var missing = expected
        var rounds = 0
        while missing > 0 {
            rounds += 1
            guard rounds <= 20 else {
                throw ServiceError(.internal, "questionnaire \(questionnaire): \(missing) families got no response code after 20 draws")
            }
            try ctx.db.execute(sql: """
                INSERT INTO recipients(questionnaire_id, family_id, token, code)
                SELECT ?, f.id, \(Keys.tokenSQL), \(Keys.codeSQL) FROM families f
                WHERE \(audience) AND \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
                ON CONFLICT DO NOTHING
                """, arguments: [questionnaire])
            missing -= Int64(ctx.db.changesCount)
        }
        if rounds > 1 { ctx.logger.info("questionnaire recipients: codes drawn again for some families", metadata: ["questionnaire.id": "\(questionnaire)", "draws": "\(rounds)"]) }
    }

    /// `questionnaires.remind {questionnaire_id}`: a new round to the families asked who have not answered
    /// (and whose questionnaire message was delivered).
    static func remind(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("questionnaire_id", range: 1...Int64.max)
        try v.check()
        let q = try Questionnaire.load(ctx.db, id)
        guard q.state(today: ctx.today) == "open" else {
            throw ServiceError.conflict("questionnaire \(q.id) is \(q.state(today: ctx.today).replacingOccurrences(of: "_", with: " ")) "
                + "(open \(q.opens) to \(q.closes)); reminders go only while it is open")
        }
        guard let initial = try Int64.fetchOne(ctx.db, sql: "SELECT id FROM dispatches WHERE questionnaire_id = ? AND kind = 'questionnaire'",
                                               arguments: [q.id]) else {
            throw ServiceError.conflict("questionnaire \(q.id) has not been sent yet; send it first (sendctl questionnaires send \(q.id))")
        }
        let selection = """
            FROM recipients r JOIN families f ON f.id = r.family_id
            WHERE r.questionnaire_id = ? AND r.answered = 0 AND \(Channel.eligibleSQL) AND (\(Channel.chooseSQL)) IS NOT NULL
              AND EXISTS (SELECT 1 FROM messages m WHERE m.dispatch_id = ? AND m.family_id = r.family_id AND m.status = 'delivered')
            """
        let stats = try Row.fetchOne(ctx.db, sql: """
            SELECT COUNT(*), COALESCE(SUM(r.answered), 0),
                   COALESCE(SUM(r.answered = 0 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.dispatch_id = ? AND m.family_id = r.family_id
                                                                AND m.status = 'delivered')), 0)
            FROM recipients r WHERE r.questionnaire_id = ?
            """, arguments: [initial, q.id])!
        let due = try Int64.fetchOne(ctx.db, sql: "SELECT COUNT(*) \(selection)", arguments: [q.id, initial]) ?? 0
        var result: [String: JSONValue] = [
            "questionnaire_id": .int(q.id), "recipients": .int(stats[0]), "answered": .int(stats[1]),
            "not_delivered": .int(stats[2]), "queued": 0,
        ]
        guard due > 0 else {
            result["message"] = "nobody to remind: every family asked has answered, or their questionnaire was not delivered"
            return .object(result)
        }
        let round = (try Int64.fetchOne(ctx.db, sql: "SELECT MAX(round) FROM dispatches WHERE questionnaire_id = ? AND kind = 'reminder'",
                                        arguments: [q.id]) ?? 0) + 1
        try ctx.db.execute(sql: "INSERT INTO dispatches(kind, questionnaire_id, round, created_at) VALUES ('reminder', ?, ?, ?)",
                           arguments: [q.id, round, ctx.now.description])
        let dispatch = ctx.db.lastInsertedRowID
        let (queued, byChannel) = try queue(ctx, dispatch: dispatch, kind: "reminder", where: selection, arguments: [q.id, initial])
        result["dispatch_id"] = .int(dispatch)
        result["round"] = .int(round)
        result["queued"] = .int(Int64(queued))
        result["by_channel"] = byChannel
        return .object(result)
    }

    /// Inserts one queued message per family the selection yields (over `families f`) that has none in
    /// the dispatch yet; updates the dispatch's counters and emits `dispatch.started` when any were queued.
    static func queue(_ ctx: CommsChange, dispatch: Int64, kind: String, where selection: String,
                      arguments: StatementArguments) throws -> (Int, JSONValue) {
        let before = try Int64.fetchOne(ctx.db, sql: "SELECT COALESCE(MAX(id), 0) FROM messages") ?? 0
        try ctx.db.execute(sql: """
            INSERT INTO messages(dispatch_id, kind, family_id, channel, status, next_attempt_at, created_at)
            SELECT ?, ?, f.id, \(Channel.chooseSQL), 'queued', 0, ? \(selection)
            ON CONFLICT(dispatch_id, family_id) DO NOTHING
            """, arguments: [dispatch, kind, ctx.now.description] + arguments)
        let queued = ctx.db.changesCount
        var byChannel: [String: Int64] = [:]
        if queued > 0 {
            for row in try Row.fetchAll(ctx.db, sql: "SELECT channel, COUNT(*) FROM messages WHERE id > ? GROUP BY channel", arguments: [before]) {
                byChannel[row[0]] = row[1]
            }
            try ctx.db.execute(sql: "UPDATE dispatches SET queued = queued + ?, pending = pending + ?, completed_at = NULL WHERE id = ?",
                               arguments: [queued, queued, dispatch])
            let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM dispatches WHERE id = ?", arguments: [dispatch])!
            try ctx.emit(DispatchStarted(dispatch: try Dispatches.event(ctx.db, row), queued: queued, byChannel: byChannel))
        }
        try Dispatches.completeIfDone(ctx, dispatch)
        return (queued, .object(byChannel.mapValues { .int($0) }))
    }
}
