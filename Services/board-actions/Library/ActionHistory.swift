import GRDB
import SendModel

/// `actions.history` with an `action_id`: every change of one action, oldest first — what changed,
/// from what to what, why, and which decision (issue 18).
enum ActionHistory {
    /// `{"action_id", "title", "due", "baseline_due", "changes": [{on, at, what, from, to, why, decision_id, request_id, state, cause?}]}`.
    /// `what` is `created`, `status`, a field name (`due`, `lead_organisation`, `success_criteria`,
    /// `title`, …) or `rag`; `state` is `made` for a change that happened, or the request's `pending`
    /// or `refused` (nothing changed).
    static func of(_ db: Database, _ id: String, today: LocalDate) throws -> JSONValue {
        let action = try ActionRecord.require(db, id)
        var entries: [(at: String, order: Int, value: JSONValue)] = []
        func entry(on: String, at: String, what: String, from: JSONValue, to: JSONValue, why: String?, decision: String?,
                   request: String? = nil, state: String = "made", extra: [String: JSONValue] = [:]) -> JSONValue {
            var o: [String: JSONValue] = ["on": .string(on), "at": .string(at), "what": .string(what), "from": from, "to": to,
                                          "why": JSONValue(why), "decision_id": JSONValue(decision), "request_id": JSONValue(request),
                                          "state": .string(state)]
            for (k, v) in extra { o[k] = v }
            return .object(o)
        }
        let requests = try Row.fetchAll(db, sql: "SELECT * FROM change_requests WHERE action_id = ? ORDER BY n", arguments: [id])
        // A suspension or resumption is shown once, as its request (the status row names the same decision).
        let statusDecisions = Set(requests.filter { ["suspend", "resume"].contains($0["kind"] as String) }
            .compactMap { $0["decision_id"] as String? })
        for row in try Row.fetchAll(db, sql: "SELECT * FROM action_status_history WHERE action_id = ? ORDER BY n", arguments: [id]) {
            let decision = row["decision_id"] as String?
            if let decision, statusDecisions.contains(decision) { continue }
            let from = row["from_status"] as String?
            entries.append((row["at"], 1, entry(on: row["on_date"], at: row["at"], what: from == nil ? "created" : "status",
                                                 from: JSONValue(from), to: .string(row["to_status"]), why: row["reason"],
                                                 decision: decision)))
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM action_revisions WHERE action_id = ? ORDER BY n", arguments: [id]) {
            for (field, change) in (storedJSON(row["changes"]).objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                entries.append((row["at"], 2, entry(on: row["on_date"], at: row["at"], what: field, from: change["from"] ?? .null,
                                                     to: change["to"] ?? .null, why: row["reason"], decision: nil)))
            }
        }
        for row in requests {
            let kind = ChangeRequestKind(rawValue: row["kind"]) ?? .reschedule
            let what = switch kind {
            case .reschedule: "due"
            case .lead, .successCriteria: kind.rawValue
            case .suspend, .resume: "status"
            case .milestoneDue: "milestone \(Milestones.label(row["milestone_seq"] as Int64? ?? 0)) due"
            }
            let state: String = row["state"]
            let at: String = (row["decided_at"] as String?) ?? row["requested_at"]
            entries.append((at, 3, entry(on: (row["decided_on"] as String?) ?? row["requested_on"], at: at, what: what,
                                         from: .string(row["from_value"]), to: .string(row["to_value"]), why: row["reason"],
                                         decision: row["decision_id"], request: row["request_id"],
                                         state: state == "approved" ? "made" : state,
                                         extra: ["requested_on": .string(row["requested_on"])])))
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM action_rag_history WHERE action_id = ? ORDER BY n", arguments: [id]) {
            let rag = RAGHistory.json(row)
            if rag["first"]?.boolValue == true { continue }
            entries.append((row["at"], 4, entry(on: row["on_date"], at: row["at"], what: "rag", from: rag["from"] ?? .null,
                                                 to: rag["to"] ?? .null, why: row["reason"], decision: row["decision_id"],
                                                 extra: ["cause": .string(row["cause"])])))
        }
        let sorted = entries.enumerated().sorted { a, b in
            (a.element.at, a.element.order, a.offset) < (b.element.at, b.element.order, b.offset)
        }.map(\.element.value)
        return ["action_id": .string(action.id), "title": .string(action.title), "due": .string(action.due.iso),
                "baseline_due": .string(action.baselineDue.iso), "status": .string(action.status.rawValue),
                "rag": action.rating(today: today).colour.map { .string($0.rawValue) } ?? .null,
                "changes": .array(sorted)]
    }
}
