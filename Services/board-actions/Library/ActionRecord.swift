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
    var updateCount: Int64
    var lastUpdate: String?
    /// The first agreed due date (the due date until a reschedule is approved).
    var baselineDue: LocalDate
    /// The rating last recorded in the RAG history: nil never recorded, `.some(nil)` not rated.
    var ragLast: RAG??
    /// The earliest milestone not yet met, if any (`Milestones.refresh` keeps it).
    var nextMilestone: RAGRating.Milestone?

    /// Reads the columns of `actions` in table order (`SELECT *` or `SELECT a.*`, extra columns after them).
    /// By position, not by name: a listing reads thousands of rows. Later migrations only append columns.
    init(_ row: Row) {
        n = row[0]
        id = row[1]
        title = row[2]
        description = row[3]
        leadOrganisation = row[4]
        sponsoringDirector = row[5]
        actionLead = row[6]
        start = LocalDate(iso: row[7]) ?? LocalDate(dayNumber: 0)
        due = LocalDate(iso: row[8]) ?? LocalDate(dayNumber: 0)
        successCriteria = row[9]
        kpiID = row[10]
        status = ActionStatus(rawValue: row[11]) ?? .notStarted
        statusSince = row[12]
        cancelReason = row[13]
        agreedDecision = row[14]
        verifiedDecision = row[15]
        createdAt = row[16]
        updatedAt = row[17]
        updateCount = row[18]
        lastUpdate = row[19]
        baselineDue = (row[20] as String?).flatMap(LocalDate.init(iso:)) ?? due
        ragLast = (row[21] as String?).map { RAG(rawValue: $0) }
        // row[22] is rag_last_reason.
        if let due = (row[23] as String?).flatMap(LocalDate.init(iso:)), let label = row[24] as String? {
            nextMilestone = RAGRating.Milestone(label: label, due: due)
        } else {
            nextMilestone = nil
        }
    }

    /// The number of columns `init(_:)` reads; extra columns of a query start here.
    static let columnCount = 25

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
        RAGRating.rate(status: status, start: start, due: due, today: today, milestone: nextMilestone)
    }

    /// The action as listed: what a board member scans.
    func summary(findingIDs: [String], today: LocalDate) -> JSONValue {
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
            "baseline_due": .string(baselineDue.iso),
            "rescheduled": .bool(baselineDue != due),
            "overdue": .bool(status.isOpen && due < today),
            "finding_ids": .array(findingIDs.map { .string($0) }),
            "kpi_id": JSONValue(kpiID),
            "updates": .int(updateCount),
            "last_update": JSONValue(lastUpdate),
            "cancel_reason": JSONValue(cancelReason),
        ]
    }

    /// Every stored field.
    func detail(findingIDs: [String], today: LocalDate) -> JSONValue {
        guard case .object(var o) = summary(findingIDs: findingIDs, today: today) else { return .null }
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
