import GRDB
public import SendModel

/// The board's own copy of what the findings service recorded, kept from its events
/// (`inspection.recorded`, `finding.recorded`, `finding.judged`, `finding.carried_over`).
/// Actions may only name findings found here.
public enum FindingsReadModel {
    /// The finding kinds the board must answer with at least one open or completed action.
    public static let requiredKinds = FindingKind.allCases.filter(\.needsAction).map(\.rawValue)
    static let requiredKindsSQL = requiredKinds.map { "'\($0)'" }.joined(separator: ",")

    /// Applies one event of the findings service. Unknown types are ignored (the findings service
    /// may add events); data that does not decode as its payload type is refused with an error
    /// naming the event and the field (the runtime records it).
    public static func apply(_ change: BoardChange, _ event: Event) throws {
        switch event.type {
        case EventType.inspectionRecorded:
            let e = try event.decode(as: InspectionRecorded.self)
            let deadlines = try JSONValueEncoder().encode(e.deadlines)
            try change.db.execute(sql: """
                INSERT INTO inspections(inspection_id, local_area, framework, outcome, published, plan_due, deadlines, source_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(inspection_id) DO UPDATE SET local_area = excluded.local_area, framework = excluded.framework,
                    outcome = excluded.outcome, published = excluded.published, plan_due = excluded.plan_due,
                    deadlines = excluded.deadlines, source_seq = excluded.source_seq
                """, arguments: [e.inspectionID, e.localArea, e.framework.rawValue, JSONValue.string(e.outcome.rawValue).jsonString,
                                 e.published.iso, (e.deadlines.wsoaDue ?? e.deadlines.papDue)?.iso, deadlines.jsonString, event.seq])

        case EventType.findingRecorded:
            let e = try event.decode(as: FindingRecorded.self)
            let existed = try Bool.fetchOne(change.db, sql: "SELECT 1 FROM findings WHERE finding_id = ?", arguments: [e.findingID]) ?? false
            try change.db.execute(sql: """
                INSERT INTO findings(finding_id, inspection_id, kind, theme, summary, bodies, carried_from, source_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(finding_id) DO UPDATE SET inspection_id = excluded.inspection_id, kind = excluded.kind,
                    theme = excluded.theme, summary = excluded.summary, bodies = excluded.bodies,
                    carried_from = excluded.carried_from, source_seq = excluded.source_seq
                """, arguments: [e.findingID, e.inspectionID, e.kind.rawValue, e.theme, e.summary,
                                 JSONValue.array(e.bodies.map { .string($0.rawValue) }).jsonString, e.carriedFrom, event.seq])
            // A weakness arrives with no action yet: the plan gets its chance before it is announced (Coverage).
            if !existed, e.kind.needsAction, try Coverage.isGap(change.db, findingID: e.findingID) {
                try Coverage.watch(change, findingID: e.findingID)
            }

        case EventType.findingJudged:
            let e = try event.decode(as: FindingJudged.self)
            try change.db.execute(sql: "UPDATE findings SET judgement = ?, judged_on = ? WHERE finding_id = ?",
                                  arguments: [e.judgement.rawValue, e.date.iso, e.findingID])

        case EventType.findingCarriedOver:
            let e = try event.decode(as: FindingCarriedOver.self)
            try change.db.execute(sql: "UPDATE findings SET carried_to = ? WHERE finding_id = ?", arguments: [e.newFindingID, e.findingID])
            try change.db.execute(sql: """
                INSERT INTO finding_plans(finding_id, plan_id, plan_kind) VALUES (?, ?, ?)
                ON CONFLICT(finding_id) DO UPDATE SET plan_id = excluded.plan_id, plan_kind = excluded.plan_kind
                """, arguments: [e.newFindingID, e.planID, e.planKind.rawValue])

        default:
            return
        }
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
        if finding.kind == FindingKind.strength.rawValue { return "\(id) is a strength; actions address weaknesses and areas for improvement" }
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
