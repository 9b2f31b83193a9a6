import GRDB
import SendModel

/// The written statement of action (or priority action plan) as a whole: its state against the
/// statutory due date, its submission, and loading a prepared plan from a file.
enum Plan {
    /// What the plan covers: the inspection it answers (nil when the board knows none yet).
    struct Scope {
        let inspection: Row?
        var inspectionID: String? { inspection?["inspection_id"] }
        var due: LocalDate? { (inspection?["plan_due"] as String?).flatMap(LocalDate.init(iso:)) }

        /// True when the board knows findings of other inspections too (then actions are filtered by inspection).
        let mixed: Bool

        /// Actions addressing the inspection's findings, as an SQL condition over `actions a`.
        var actionsSQL: (String, StatementArguments) {
            guard let id = inspectionID, mixed else { return ("1", []) }
            return ("""
                a.action_id IN (SELECT af.action_id FROM action_findings af JOIN findings f ON f.finding_id = af.finding_id
                                WHERE f.inspection_id = ?)
                """, [id])
        }

        static func read(_ db: Database, _ args: JSONValue) throws -> Scope {
            let v = Validator(args)
            let id = v.string("inspection_id", required: false, maxLength: 64)
            try v.check()
            let inspection = try FindingsReadModel.inspection(db, id)
            if let id, inspection == nil { throw ServiceError.notFound("inspection \(id)") }
            let scoped: String? = inspection?["inspection_id"]
            let mixed = try scoped.map { try Bool.fetchOne(db, sql: "SELECT 1 FROM findings WHERE inspection_id != ? LIMIT 1",
                                                           arguments: [$0]) ?? false } ?? false
            return Scope(inspection: inspection, mixed: mixed)
        }
    }

    /// The reasons to think twice before submitting: weaknesses with no action, a due date passed.
    static func warnings(_ db: Database, _ scope: Scope, today: LocalDate) throws -> [JSONValue] {
        var warnings: [JSONValue] = []
        let gaps = try Coverage.gaps(db, inspectionID: scope.inspectionID).map { $0["finding_id"] as String }
        if !gaps.isEmpty {
            warnings.append(["code": "coverage_incomplete", "finding_ids": .array(gaps.map { .string($0) }),
                             "message": .string("\(gaps.count) weakness\(gaps.count == 1 ? " has" : "es have") no open or completed action: "
                                 + gaps.joined(separator: ", "))])
        }
        if let due = scope.due, due < today {
            warnings.append(["code": "due_date_passed", "due": .string(due.iso),
                             "message": .string("the statutory due date \(due.iso) has passed (\(due.days(until: today)) days ago)")])
        }
        return warnings
    }

    /// `plan.status`: the plan at a glance.
    static func status(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let scope = try Scope.read(db, args)
        let (filter, arguments) = scope.actionsSQL
        // One pass over the actions: counts by status, RAG, overdue and missing exceptions commentary.
        let since = try Progress.lastMeeting(db, today: today)
        let rag = RAGRating.sql(today: today)
        let rows = try Row.fetchAll(db, sql: """
            SELECT status, rag, overdue,
                   CASE WHEN rag = 'red' THEN NOT \(Progress.hasCurrentCommentarySQL(since: since)) ELSE 0 END AS missing,
                   COUNT(*) AS c
            FROM (SELECT a.action_id, a.status, \(rag) AS rag,
                         a.status IN (\(ActionStatus.openValues)) AND a.due_date < '\(today.iso)' AS overdue
                  FROM actions a WHERE \(filter)) AS a
            GROUP BY 1, 2, 3, 4
            """, arguments: arguments)
        var statusCounts: [String: Int64] = [:]
        for status in ActionStatus.allCases { statusCounts[status.rawValue] = 0 }
        var ragCounts: [String: Int64] = ["red": 0, "amber": 0, "green": 0, "not_rated": 0]
        var total: Int64 = 0
        var overdue: Int64 = 0
        var missing: Int64 = 0
        for row in rows {
            let count: Int64 = row[4]
            let status: String = row[0]
            let colour: String? = row[1]
            let isOverdue: Bool = row[2]
            let isMissing: Bool = row[3]
            statusCounts[status, default: 0] += count
            ragCounts[colour ?? "not_rated", default: 0] += count
            if isOverdue { overdue += count }
            if isMissing { missing += count }
            total += count
        }
        var statusJSON: [String: JSONValue] = [:]
        for (k, c) in statusCounts { statusJSON[k] = .int(c) }
        var ragJSON: [String: JSONValue] = [:]
        for (k, c) in ragCounts { ragJSON[k] = .int(c) }

        let gaps = try Coverage.gaps(db, inspectionID: scope.inspectionID).map { $0["finding_id"] as String }
        let required = try Coverage.requiredCount(db, inspectionID: scope.inspectionID)
        let warnings = try warnings(db, scope, today: today)

        var inspection: JSONValue = .null
        var approval: JSONValue = .null
        var submissions: [JSONValue] = []
        if let row = scope.inspection, let id = scope.inspectionID {
            inspection = ["inspection_id": .string(id), "local_area": .string(row["local_area"]), "framework": .string(row["framework"]),
                          "outcome": storedJSON(row["outcome"]), "published": JSONValue(row["published"] as String?),
                          "deadlines": storedJSON(row["deadlines"])]
            if let d = try Row.fetchOne(db, sql: """
                SELECT * FROM decisions WHERE kind = 'approve_plan' AND inspection_id = ? ORDER BY n DESC LIMIT 1
                """, arguments: [id]) {
                approval = Board.decisionJSON(d)
            }
            submissions = try Row.fetchAll(db, sql: "SELECT * FROM plan_submissions WHERE inspection_id = ? ORDER BY version",
                                           arguments: [id]).map(submissionJSON)
        }
        var result: [String: JSONValue] = [
            "today": .string(today.iso),
            "inspection": inspection,
            "due": JSONValue(scope.due?.iso),
            "coverage": ["required": .int(Int64(required)), "covered": .int(Int64(required - gaps.count)),
                         "complete": .bool(gaps.isEmpty), "gaps": .array(gaps.map { .string($0) })],
            "actions": ["total": .int(total), "by_status": .object(statusJSON), "by_rag": .object(ragJSON), "overdue": .int(overdue)],
            "exceptions_missing": .int(missing),
            "approved": approval,
            "submissions": .array(submissions),
            "submitted": .bool(!submissions.isEmpty),
            "warnings": .array(warnings),
        ]
        if let due = scope.due { result["days_left"] = .int(Int64(today.days(until: due))) }
        return .object(result)
    }

    static func submissionJSON(_ row: Row) -> JSONValue {
        ["inspection_id": .string(row["inspection_id"]), "version": .int(row["version"]), "submitted_on": .string(row["submitted_on"]),
         "forced": .bool(row["forced"]), "warnings": storedJSON(row["warnings"]), "actions": .int(row["actions"])]
    }

    /// `plan.submit`: records the plan as submitted. With warnings (coverage incomplete, due date
    /// passed) it is refused unless `force` is true; a forced submission keeps its warnings.
    static func submit(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let force = v.bool("force", required: false) ?? false
        try v.check()
        var scopeArgs = args
        if case .object(var o) = scopeArgs { o["force"] = nil; scopeArgs = .object(o) }
        let scope = try Scope.read(db, scopeArgs)
        guard let inspectionID = scope.inspectionID else {
            throw ServiceError.conflict("no inspection is known to the board yet: the plan answers an inspection's findings; "
                + "record the inspection in the findings service first")
        }
        let warnings = try warnings(db, scope, today: change.today)
        if !warnings.isEmpty && !force {
            let text = warnings.compactMap { $0["message"]?.stringValue }.joined(separator: "; ")
            throw ServiceError.conflict("the plan was not submitted: \(text). "
                + "To submit it anyway, send force: true (sendctl plan submit --force)")
        }
        let (filter, arguments) = scope.actionsSQL
        let actions = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM actions a WHERE \(filter) AND a.status != 'cancelled'",
                                         arguments: arguments) ?? 0
        let version = (try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM plan_submissions WHERE inspection_id = ?",
                                          arguments: [inspectionID]) ?? 0) + 1
        let codes = JSONValue.array(warnings.compactMap { $0["code"] })
        try db.execute(sql: """
            INSERT INTO plan_submissions(inspection_id, version, submitted_on, forced, warnings, actions, at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [inspectionID, version, change.today.iso, force && !warnings.isEmpty, codes.jsonString, actions, change.at])
        try change.emit(PlanSubmitted(inspectionID: inspectionID, version: version, submittedOn: change.today,
                                      forced: force && !warnings.isEmpty, warnings: warnings.compactMap { $0["code"]?.stringValue },
                                      actions: actions))
        try Coverage.announceWatched(change, inspectionID: inspectionID)
        let row = try Row.fetchOne(db, sql: "SELECT * FROM plan_submissions WHERE inspection_id = ? AND version = ?",
                                   arguments: [inspectionID, version])!
        return ["submission": submissionJSON(row), "warnings": .array(warnings)]
    }
}
