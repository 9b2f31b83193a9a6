import GRDB
import SendModel

/// One action as stored.
struct ActionRecord {
    let n: Int64
    let id: String
    var title: String
    var description: String
    var leadOrganisation: String
    var sponsoringDirector: String
    var actionLead: String
    var start: LocalDate
    var due: LocalDate
    var successCriteria: String
    var kpiID: String?
    var status: ActionStatus
    var statusSince: String
    var cancelReason: String?
    var agreedDecision: String?
    var verifiedDecision: String?
    let createdAt: String
    var updatedAt: String

    init(_ row: Row) {
        n = row["n"]
        id = row["action_id"]
        title = row["title"]
        description = row["description"]
        leadOrganisation = row["lead_organisation"]
        sponsoringDirector = row["sponsoring_director"]
        actionLead = row["action_lead"]
        start = LocalDate(iso: row["start_date"]) ?? LocalDate(dayNumber: 0)
        due = LocalDate(iso: row["due_date"]) ?? LocalDate(dayNumber: 0)
        successCriteria = row["success_criteria"]
        kpiID = row["kpi_id"]
        status = ActionStatus(rawValue: row["status"]) ?? .notStarted
        statusSince = row["status_since"]
        cancelReason = row["cancel_reason"]
        agreedDecision = row["agreed_decision"]
        verifiedDecision = row["verified_decision"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    static func fetch(_ db: Database, _ id: String) throws -> ActionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM actions WHERE action_id = ?", arguments: [id]).map(ActionRecord.init)
    }

    /// The action, or `not_found` naming it.
    static func require(_ db: Database, _ id: String) throws -> ActionRecord {
        guard let action = try fetch(db, id) else { throw ServiceError.notFound("action \(id)") }
        return action
    }

    static func findingIDs(_ db: Database, _ id: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT finding_id FROM action_findings WHERE action_id = ? ORDER BY finding_id", arguments: [id])
    }

    func rating(today: LocalDate) -> RAGRating {
        RAGRating.rate(status: status, start: start, due: due, today: today)
    }

    /// The action as listed: what a board member scans.
    func summary(findingIDs: [String], updates: Int64, lastUpdate: String?, today: LocalDate) -> JSONValue {
        let rating = rating(today: today)
        return [
            "action_id": .string(id),
            "title": .string(title),
            "status": .string(status.rawValue),
            "rag": rating.colour.map { .string($0.rawValue) } ?? .null,
            "rag_reason": .string(rating.explanation),
            "lead_organisation": .string(leadOrganisation),
            "action_lead": .string(actionLead),
            "start": .string(start.iso),
            "due": .string(due.iso),
            "overdue": .bool(status.isOpen && due < today),
            "finding_ids": .array(findingIDs.map { .string($0) }),
            "kpi_id": JSONValue(kpiID),
            "updates": .int(updates),
            "last_update": JSONValue(lastUpdate),
        ]
    }

    /// Every stored field.
    func detail(findingIDs: [String], today: LocalDate) -> JSONValue {
        guard case .object(var o) = summary(findingIDs: findingIDs, updates: 0, lastUpdate: nil, today: today) else { return .null }
        o["updates"] = nil
        o["last_update"] = nil
        o["description"] = .string(description)
        o["sponsoring_director"] = .string(sponsoringDirector)
        o["success_criteria"] = .string(successCriteria)
        o["status_since"] = .string(statusSince)
        o["cancel_reason"] = JSONValue(cancelReason)
        o["agreed_decision"] = JSONValue(agreedDecision)
        o["verified_decision"] = JSONValue(verifiedDecision)
        o["created_at"] = .string(createdAt)
        o["updated_at"] = .string(updatedAt)
        return .object(o)
    }
}
