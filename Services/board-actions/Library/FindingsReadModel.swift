import GRDB
public import SendModel

/// The board's own copy of what the findings service recorded, kept from its events
/// (`inspection.recorded`, `finding.recorded`, `finding.judged`, `finding.carried_over`).
/// Actions may only name findings found here.
public enum FindingsReadModel {
    /// The finding kinds the board must answer with at least one open or completed action.
    public static let requiredKinds = ["area_of_significant_weakness", "fundamental_failing", "priority_area"]
    static let requiredKindsSQL = "'area_of_significant_weakness','fundamental_failing','priority_area'"

    /// Applies one event of the findings service. Unknown types are ignored (the findings service
    /// may add events); an event without the ids it needs is refused (the runtime records it).
    public static func apply(_ change: BoardChange, _ event: Event) throws {
        let data = event.data
        switch event.type {
        case EventType.inspectionRecorded:
            let id = try required(data, "inspection_id", event)
            let deadlines = data["deadlines"] ?? .object([:])
            try change.db.execute(sql: """
                INSERT INTO inspections(inspection_id, local_area, framework, outcome, published, plan_due, deadlines, source_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(inspection_id) DO UPDATE SET local_area = excluded.local_area, framework = excluded.framework,
                    outcome = excluded.outcome, published = excluded.published, plan_due = excluded.plan_due,
                    deadlines = excluded.deadlines, source_seq = excluded.source_seq
                """, arguments: [id, data["local_area"]?.stringValue ?? "", data["framework"]?.stringValue ?? "",
                                 (data["outcome"] ?? .null).jsonString, dateText(data["published"]),
                                 planDue(deadlines), deadlines.jsonString, event.seq])

        case EventType.findingRecorded:
            let id = try required(data, "finding_id", event)
            let inspection = try required(data, "inspection_id", event)
            let kind = try required(data, "kind", event)
            let existed = try Bool.fetchOne(change.db, sql: "SELECT 1 FROM findings WHERE finding_id = ?", arguments: [id]) ?? false
            try change.db.execute(sql: """
                INSERT INTO findings(finding_id, inspection_id, kind, theme, summary, bodies, carried_from, source_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(finding_id) DO UPDATE SET inspection_id = excluded.inspection_id, kind = excluded.kind,
                    theme = excluded.theme, summary = excluded.summary, bodies = excluded.bodies,
                    carried_from = excluded.carried_from, source_seq = excluded.source_seq
                """, arguments: [id, inspection, kind, data["theme"]?.stringValue ?? "", data["summary"]?.stringValue ?? "",
                                 (data["bodies"] ?? .array([])).jsonString, data["carried_from"]?.stringValue, event.seq])
            // A weakness arrives with no action yet: the board must answer it.
            if !existed, requiredKinds.contains(kind), try Coverage.isGap(change.db, findingID: id) {
                change.emit(EventType.coverageGap, ["finding_id": .string(id), "kind": .string(kind), "reason": "recorded"])
            }

        case EventType.findingJudged:
            let id = try required(data, "finding_id", event)
            let judgement = try required(data, "judgement", event)
            try change.db.execute(sql: "UPDATE findings SET judgement = ?, judged_on = ? WHERE finding_id = ?",
                                  arguments: [judgement, dateText(data["date"]), id])

        case EventType.findingCarriedOver:
            let original = try required(data, "finding_id", event)
            let new = try required(data, "new_finding_id", event)
            try change.db.execute(sql: "UPDATE findings SET carried_to = ? WHERE finding_id = ?", arguments: [new, original])
            try change.db.execute(sql: """
                INSERT INTO finding_plans(finding_id, plan_id, plan_kind) VALUES (?, ?, ?)
                ON CONFLICT(finding_id) DO UPDATE SET plan_id = excluded.plan_id, plan_kind = excluded.plan_kind
                """, arguments: [new, data["plan_id"]?.stringValue ?? "", data["plan_kind"]?.stringValue ?? ""])

        default:
            return
        }
    }

    private static func required(_ data: JSONValue, _ key: String, _ event: Event) throws -> String {
        guard let value = data[key]?.stringValue, !value.isEmpty else {
            throw ServiceError.invalid(key, "\(event.type) #\(event.seq) from \(event.source) has no \(key)")
        }
        return value
    }

    private static func dateText(_ value: JSONValue?) -> String? {
        value?.stringValue.flatMap { LocalDate(iso: String($0.prefix(10)))?.iso }
    }

    /// The plan's statutory due date among the inspection's deadlines: the written statement of
    /// action (2016) or the priority action plan (2023).
    static func planDue(_ deadlines: JSONValue) -> String? {
        for key in ["wsoa_due", "priority_action_plan_due", "pap_due", "plan_due"] {
            if let date = dateText(deadlines[key]) { return date }
        }
        return nil
    }

    /// One finding as the board knows it.
    struct Finding {
        let id: String
        let inspectionID: String
        let kind: String
        let theme: String
        let summary: String
        let judgement: String?
        let carriedTo: String?

        init(_ row: Row) {
            id = row["finding_id"]
            inspectionID = row["inspection_id"]
            kind = row["kind"]
            theme = row["theme"]
            summary = row["summary"]
            judgement = row["judgement"]
            carriedTo = row["carried_to"]
        }

        var json: JSONValue {
            ["finding_id": .string(id), "inspection_id": .string(inspectionID), "kind": .string(kind),
             "theme": .string(theme), "summary": .string(summary), "judgement": JSONValue(judgement),
             "carried_to": JSONValue(carriedTo)]
        }
    }

    static func finding(_ db: Database, _ id: String) throws -> Finding? {
        try Row.fetchOne(db, sql: "SELECT * FROM findings WHERE finding_id = ?", arguments: [id]).map(Finding.init)
    }

    /// Why an action cannot address this finding, or nil when it can.
    static func refusal(_ finding: Finding?, id: String) -> String? {
        guard let finding else {
            return "finding \(id) is not known to the board: the board follows the findings service's events; record it there first"
        }
        if finding.kind == "strength" { return "\(id) is a strength; actions address weaknesses and areas for improvement" }
        if let to = finding.carriedTo { return "\(id) was carried over into a new plan as \(to); address \(to) instead" }
        return nil
    }

    /// Weakness findings whose theme or summary contains any of the `|`-separated phrases (case-insensitive).
    static func matching(_ db: Database, _ phrases: String) throws -> [String] {
        let alternatives = phrases.split(separator: "|").map { String($0).trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
        guard !alternatives.isEmpty else { return [] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT finding_id, theme, summary FROM findings
            WHERE kind != 'strength' AND carried_to IS NULL ORDER BY source_seq
            """)
        return rows.compactMap { row in
            let text = ((row["theme"] as String) + "\n" + (row["summary"] as String)).lowercased()
            return alternatives.contains(where: { text.contains($0) }) ? row["finding_id"] : nil
        }
    }

    /// The inspection the plan answers: the one named, else the latest published.
    static func inspection(_ db: Database, _ id: String?) throws -> Row? {
        if let id {
            return try Row.fetchOne(db, sql: "SELECT * FROM inspections WHERE inspection_id = ?", arguments: [id])
        }
        return try Row.fetchOne(db, sql: "SELECT * FROM inspections ORDER BY published DESC, source_seq DESC LIMIT 1")
    }
}
