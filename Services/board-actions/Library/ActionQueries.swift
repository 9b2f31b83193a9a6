import GRDB
import SendModel

/// Reading actions: `actions.list` with filters, `actions.show` with the whole history.
enum ActionQueries {
    /// A status filter: a status, or `open` (not started, in progress or delayed).
    enum StatusFilter: String, CaseIterable {
        case notStarted = "not_started", inProgress = "in_progress", delayed, completed, verified, cancelled, suspended, open
    }

    static let defaultLimit: Int64 = 100
    static let maxLimit: Int64 = 10_000

    /// `actions.list`: filters by status, RAG, lead organisation, finding, KPI and overdue; pages by `after`.
    static func list(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        let status = v.oneOf("status", StatusFilter.self, required: false)
        let rag = v.oneOf("rag", RAGRating.Colour.self, required: false)
        let lead = v.string("lead_organisation", required: false, maxLength: 200)
        let finding = v.string("finding_id", required: false, maxLength: 64)
        let kpi = v.boardID("kpi_id", BoardID.kpi, required: false)
        let overdue = v.bool("overdue", required: false)
        let after = v.boardID("after", BoardID.action, required: false)
        let limit = v.int("limit", required: false, range: 1...maxLimit) ?? defaultLimit
        try v.check()

        var conditions: [String] = []
        var arguments: StatementArguments = []
        switch status {
        // Most actions are open: scanning in id order finds a page sooner than the status index would.
        case .open?: conditions.append("a.status NOT IN ('completed', 'verified', 'cancelled', 'suspended')")
        case let s?: conditions.append("a.status = ?"); arguments += [s.rawValue]
        case nil: break
        }
        if let rag { conditions.append("\(RAGRating.sql(today: today)) = ?"); arguments += [rag.rawValue] }
        if let lead { conditions.append("a.lead_organisation = ?"); arguments += [lead] }
        if let finding {
            conditions.append("a.action_id IN (SELECT action_id FROM action_findings WHERE finding_id = ?)")
            arguments += [finding]
        }
        if let kpi { conditions.append("a.kpi_id = ?"); arguments += [kpi] }
        let overdueSQL = "(a.status IN (\(ActionStatus.openValues)) AND a.due_date < '\(today.iso)')"
        if let overdue { conditions.append(overdue ? overdueSQL : "NOT \(overdueSQL)") }
        let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        let total = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM actions a WHERE \(filter)", arguments: arguments) ?? 0

        var pageConditions = filter
        var pageArguments = arguments
        if let after {
            pageConditions += " AND a.n > COALESCE((SELECT n FROM actions WHERE action_id = ?), 0)"
            pageArguments += [after]
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.*,
                (SELECT group_concat(finding_id, char(31)) FROM action_findings af WHERE af.action_id = a.action_id) AS finding_list
            FROM actions a WHERE \(pageConditions) ORDER BY a.n LIMIT ?
            """, arguments: pageArguments + [limit + 1])
        let page = rows.prefix(Int(limit))
        let milestones = try page.first.map { first in
            try Milestones.of(db, actionsFrom: first["n"], to: page.last!["n"], today: today)
        } ?? [:]
        let actions: [JSONValue] = page.map { row in
            let extra = ActionRecord.columnCount
            let findings = (row[extra] as String?).map { $0.split(separator: "\u{1F}").map(String.init).sorted() } ?? []
            let action = ActionRecord(row)
            guard case .object(var o) = action.summary(findingIDs: findings, today: today) else { return .null }
            o["milestones"] = .array(milestones[action.id] ?? [])
            return .object(o)
        }
        var result: [String: JSONValue] = ["actions": .array(actions), "total": .int(total), "today": .string(today.iso)]
        if rows.count > Int(limit), let last = page.last { result["next_after"] = .string(last["action_id"]) }
        return .object(result)
    }

    /// `actions.show`: the action, the findings it addresses, and its histories.
    static func show(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("action_id", BoardID.action)
        try v.check()
        let action = try ActionRecord.require(db, id!)
        let findingIDs = try ActionRecord.findingIDs(db, action.id)
        let findings: [JSONValue] = try findingIDs.map { fid in
            try FindingsReadModel.finding(db, fid)?.json ?? ["finding_id": .string(fid)]
        }
        let history = try Row.fetchAll(db, sql: "SELECT * FROM action_status_history WHERE action_id = ? ORDER BY n",
                                       arguments: [action.id]).map { row -> JSONValue in
            ["from": JSONValue(row["from_status"] as String?), "to": .string(row["to_status"]),
             "reason": JSONValue(row["reason"] as String?), "on": .string(row["on_date"]), "at": .string(row["at"]),
             "update_id": JSONValue(row["update_id"] as String?), "decision_id": JSONValue(row["decision_id"] as String?),
             "by": StatusHistory.by(person: row["actor_person"], role: row["actor_role"])]
        }
        let updates = try Row.fetchAll(db, sql: "SELECT * FROM progress_updates WHERE action_id = ? ORDER BY n",
                                       arguments: [action.id]).map(Progress.json)
        let revisions = try Row.fetchAll(db, sql: "SELECT * FROM action_revisions WHERE action_id = ? ORDER BY n",
                                         arguments: [action.id]).map { row -> JSONValue in
            ["changes": storedJSON(row["changes"]), "reason": JSONValue(row["reason"] as String?),
             "on": .string(row["on_date"]), "at": .string(row["at"])]
        }
        let exceptions = try Row.fetchAll(db, sql: "SELECT * FROM exception_commentaries WHERE action_id = ? ORDER BY n",
                                          arguments: [action.id]).map(Progress.exceptionJSON)
        let announced = try Row.fetchAll(db, sql: "SELECT kind, due_date, on_date FROM announcements WHERE action_id = ? ORDER BY at",
                                         arguments: [action.id]).map { row -> JSONValue in
            ["kind": .string(row["kind"]), "due": .string(row["due_date"]), "on": .string(row["on_date"])]
        }
        var kpi: JSONValue = .null
        if let kpiID = action.kpiID { kpi = try KPIs.summary(db, kpiID) ?? .null }
        return [
            "action": action.detail(findingIDs: findingIDs, today: today),
            "findings": .array(findings),
            "kpi": kpi,
            "status_history": .array(history),
            "updates": .array(updates),
            "revisions": .array(revisions),
            "exceptions": .array(exceptions),
            "announcements": .array(announced),
            "change_requests": .array(try Row.fetchAll(db, sql: "SELECT * FROM change_requests WHERE action_id = ? ORDER BY n",
                                                       arguments: [action.id]).map(ChangeRequests.json)),
            "rag_history": .array(try RAGHistory.list(db, action.id)),
            "milestones": .array(try Milestones.of(db, action.id, today: today)),
        ]
    }
}
