import GRDB
public import SendRuntime
public import SendModel

/// The notifications service: follows every other service and keeps the notification log,
/// which is its own event stream (gapless seq, `notifications.pub`, `events.since`).
public enum NotificationsService {
    /// Working days before the written statement of action is due at which the board is reminded.
    public static let wsoaReminderDays = [10, 2]

    public static func definition(environment: [String: String] = currentEnvironment()) throws -> ServiceDefinition {
        var interval = 60.0
        if let text = environment["SEND_REMINDER_INTERVAL"] {
            guard let v = Double(text), v > 0 else {
                throw StartupError("SEND_REMINDER_INTERVAL must be a number of seconds above 0; got '\(text)'")
            }
            interval = v
        }
        return ServiceDefinition(
            name: ServiceName.notifications,
            migrations: migrations,
            commands: [
                "notifications.list": .read(list),
                "notifications.rules": .read { _ in rulesTable },
            ],
            follows: [ServiceName.findings, ServiceName.board, ServiceName.comms, ServiceName.supervisor].map { source in
                Follow(source) { ctx, event in try apply(event, ctx: ctx) }
            },
            periodicJobs: [PeriodicJob("reminders", every: interval) { ctx in try remind(ctx) }],
            // Its stream is notifications: its own followers' stalls become notifications, not events.
            runtimeEvents: { ctx, event in try apply(event, ctx: ctx) }
        )
    }

    static let migrations: @Sendable (inout DatabaseMigrator) -> Void = { migrator in
        migrator.registerMigration("notifications-v1") { db in
            try db.execute(sql: """
                CREATE TABLE deadlines (
                    inspection_id TEXT PRIMARY KEY,
                    wsoa_due TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE reminders_sent (
                    key TEXT PRIMARY KEY,
                    at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// One followed event: remember what reminders need, then notify.
    static func apply(_ event: Event, ctx: WriteContext) throws {
        if event.type == EventType.inspectionRecorded, let due = try event.decode(as: InspectionRecorded.self).deadlines.wsoaDue {
            try ctx.db.execute(sql: "INSERT INTO deadlines(inspection_id, wsoa_due) VALUES (?, ?) "
                               + "ON CONFLICT(inspection_id) DO UPDATE SET wsoa_due = excluded.wsoa_due",
                               arguments: [try event.decode(as: InspectionRecorded.self).inspectionID, due.iso])
        }
        for notification in try Rules.notifications(for: event) {
            try ctx.emit(notification.payload, as: notification.type)
        }
    }

    /// Reminders from dates: the written statement of action due in 10 and in 2 working days, each once.
    static func remind(_ ctx: WriteContext) throws {
        let rows = try Row.fetchAll(ctx.db, sql: "SELECT inspection_id, wsoa_due FROM deadlines")
        for row in rows {
            let id: String = row["inspection_id"]
            guard let due = LocalDate(iso: row["wsoa_due"]), due >= ctx.today else { continue }
            let left: Int
            do { left = try WorkingDayCalendar.englandAndWales.workingDays(from: ctx.today, to: due) } catch { continue }
            // The nearest threshold reached; reaching 2 also settles 10, so a late start sends one reminder, not two.
            guard let threshold = wsoaReminderDays.sorted().first(where: { left <= $0 }) else { continue }
            let key = "wsoa:\(id):\(due.iso):\(threshold)"
            let already = try Bool.fetchOne(ctx.db, sql: "SELECT 1 FROM reminders_sent WHERE key = ?", arguments: [key]) ?? false
            if already { continue }
            for t in wsoaReminderDays where t >= threshold {
                try ctx.db.execute(sql: "INSERT OR IGNORE INTO reminders_sent(key, at) VALUES (?, ?)",
                                   arguments: ["wsoa:\(id):\(due.iso):\(t)", ctx.now.description])
            }
            let n = Rules.wsoaReminder(inspectionID: id, due: due, days: left)
            try ctx.emit(n.payload, as: n.type)
        }
    }

    /// `notifications.list {after?, limit?, topics?, audience?, severity?}`: the log, filtered.
    static let list: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let after = v.int("after", required: false, range: 0...Int64.max) ?? 0
        let limit = v.int("limit", required: false, range: 1...10_000) ?? 100
        let filter = NotificationFilter(topics: v.stringArray("topics", required: false) ?? [],
                                        audience: v.oneOf("audience", Audience.self, required: false),
                                        severity: v.oneOf("severity", Severity.self, required: false))
        try v.check()
        var matched: [JSONValue] = []
        var cursor = after
        // Page through the log until `limit` notifications match or it ends.
        while matched.count < limit {
            let page = try ServiceDatabase.events(ctx.db, after: cursor, limit: 5000)
            if page.isEmpty { break }
            for row in page {
                cursor = row.seq
                let event = try JSONValue.parse(Array(row.body.utf8))
                if filter.matches(event) {
                    matched.append(event)
                    if matched.count == limit { break }
                }
            }
        }
        return ["notifications": .array(matched), "last_seq": .int(try ServiceDatabase.lastSeq(ctx.db)), "next_after": .int(cursor)]
    }

    /// The rules as data, for `sendctl notifications rules` and the README.
    static let rulesTable: JSONValue = ["rules": .array(ruleRows.map { r in
        ["event": .string(r.0), "audience": .string(r.1), "severity": .string(r.2), "when": .string(r.3)]
    })]

    public static let ruleRows: [(String, String, String, String)] = [
        ("inspection.recorded", "board, operators", "info", "always; says when the written statement of action is due"),
        ("finding.recorded", "board", "warning / info", "warning for fundamental failings, areas of significant weakness and priority areas"),
        ("finding.judged", "board, parent_carer_forum", "warning / info", "warning when progress is not sufficient"),
        ("finding.carried_over", "board", "warning", "always"),
        ("action.created", "board", "info", "always, except for an action of an actions.import"),
        ("action.updated", "board", "info", "always"),
        ("action.status_changed", "board (+ parent_carer_forum when completed, verified or cancelled)", "warning / info", "warning when delayed or cancelled; not for a change recorded by an actions.import"),
        ("action.progress", "board", "info", "always, except for an update of an actions.import"),
        ("actions.imported", "board", "info", "once per import, when its last request is applied: the counts of actions and updates"),
        ("action.due_soon", "board", "warning", "due within 7 days and not completed; once per action and due date"),
        ("action.overdue", "board, operators", "urgent", "past due and not completed; once per action and due date"),
        ("action.change_requested, action.change_approved, action.change_refused", "board", "info", "always: the request, what it changes from and to, and the decision"),
        ("action.rag_changed", "action_leads, board", "warning", "only when the action turns red: asks its lead organisation for an exceptions commentary by the next board meeting (its date when one is on the calendar); once per turn to red"),
        ("action.milestone_missed", "action_leads, board", "warning", "an open action's milestone is past its due date and not met; once per milestone"),
        ("coverage.gap", "board", "warning", "a weakness has no open or completed action: when an action addressing it is cancelled or changed; for a weakness recorded without one, once its plan is submitted or on a later day"),
        ("coverage.closed", "board", "info", "a weakness announced by coverage.gap has an action again"),
        ("kpi.reading", "board", "warning", "only when the reading is off target"),
        ("meeting.recorded, decision.recorded", "board", "info", "always"),
        ("questionnaire.created", "operators, parent_carer_forum", "info", "always"),
        ("dispatch.started, dispatch.completed", "operators", "info", "always, with counts"),
        ("message.failed", "operators", "warning", "always, with the message id and channel"),
        ("update.published", "parent_carer_forum, board", "info", "always, with the number of families"),
        ("enquiry.received", "operators", "info", "always, with the answer-by date"),
        ("enquiry.escalated", "operators, board", "urgent", "not answered within 5 working days"),
        ("family.erased", "operators", "info", "always, with comms' id of the family and the counts erased"),
        ("retention.erased", "operators", "info", "when the daily retention check erased anyone, with the counts"),
        ("service.exited", "operators", "warning", "unless an operator asked for it; with the exit code or signal"),
        ("service.restarted", "operators", "info", "always"),
        ("service.failed", "operators", "urgent", "past the restart intensity limit"),
        ("service.hung", "operators", "urgent", "the watchdog killed a service that showed no life for watchdog_seconds"),
        ("service.orphan_stopped, service.gone", "operators", "warning", "a new supervisor found a service left running, or dead, by one that was killed"),
        ("follower.stalled", "operators", "urgent", "from any service: a follower stopped at an event it cannot apply; once per stop"),
        ("follower.resumed", "operators", "info", "from any service: the event it stopped at is applied"),
        ("follower.accepted", "operators", "info", "from any service: an operator accepted a source's replaced log (sendctl followers accept)"),
        ("reminder.wsoa_due (from dates)", "board, operators", "warning; urgent at 2", "the written statement of action due in 10 and in 2 working days; each once"),
    ]
}
