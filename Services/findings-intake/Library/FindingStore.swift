public import GRDB
import SendModel

/// The findings service's tables and the SQL that reads and writes them.
public enum FindingStore {
    /// Registered once; later changes are new migrations, never edits of this one.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("findings-v1") { db in
            try db.execute(sql: """
                CREATE TABLE inspections (
                    id TEXT PRIMARY KEY NOT NULL,
                    local_area TEXT NOT NULL,
                    inspectorates TEXT NOT NULL,
                    framework TEXT NOT NULL CHECK (framework IN ('2016', '2023')),
                    visit_start TEXT NOT NULL,
                    visit_end TEXT NOT NULL,
                    published TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    notes TEXT,
                    wsoa_due TEXT,
                    pap_due TEXT,
                    monitoring_expected TEXT,
                    revisit_window_start TEXT,
                    revisit_window_end TEXT,
                    recorded_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE plans (
                    id TEXT PRIMARY KEY NOT NULL,
                    inspection_id TEXT NOT NULL REFERENCES inspections(id),
                    kind TEXT NOT NULL,
                    round INTEGER NOT NULL,
                    opened TEXT NOT NULL,
                    review_expected TEXT,
                    recorded_at TEXT NOT NULL,
                    UNIQUE (inspection_id, round)
                ) WITHOUT ROWID;
                CREATE TABLE findings (
                    n INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    inspection_id TEXT NOT NULL REFERENCES inspections(id),
                    plan_id TEXT REFERENCES plans(id),
                    source TEXT NOT NULL CHECK (source IN ('import', 'add', 'carried')),
                    kind TEXT NOT NULL,
                    theme TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    evidence TEXT NOT NULL,
                    bodies TEXT NOT NULL,
                    carried_from TEXT UNIQUE REFERENCES findings(id),
                    recorded_at TEXT NOT NULL
                );
                CREATE INDEX findings_by_inspection ON findings(inspection_id, kind);
                CREATE TABLE judgements (
                    finding_id TEXT PRIMARY KEY NOT NULL REFERENCES findings(id),
                    judgement TEXT NOT NULL CHECK (judgement IN ('sufficient', 'not_sufficient')),
                    date TEXT NOT NULL,
                    note TEXT,
                    recorded_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    // MARK: Inspections

    static func inspection(_ db: Database, id: String) throws -> Inspection? {
        try Row.fetchOne(db, sql: "SELECT * FROM inspections WHERE id = ?", arguments: [id]).map(Inspection.init(row:))
    }

    static func inspections(_ db: Database) throws -> [Inspection] {
        try Row.fetchAll(db, sql: "SELECT * FROM inspections ORDER BY published, id").map(Inspection.init(row:))
    }

    static func insert(_ db: Database, _ i: Inspection) throws {
        let d = i.deadlines
        try db.execute(sql: """
            INSERT INTO inspections(id, local_area, inspectorates, framework, visit_start, visit_end, published, outcome, notes,
                                    wsoa_due, pap_due, monitoring_expected, revisit_window_start, revisit_window_end, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [i.id, i.input.localArea, Fields.jsonText(i.input.inspectorates.map(\.rawValue)),
                             i.input.framework.rawValue, i.input.visitStart.iso, i.input.visitEnd.iso, i.input.published.iso,
                             i.input.outcome.rawValue, i.input.notes, d.wsoaDue?.iso, d.papDue?.iso, d.monitoringExpected?.iso,
                             d.revisitWindowStart?.iso, d.revisitWindowEnd?.iso, i.recordedAt])
    }

    // MARK: Findings

    private static let selectSQL = """
        SELECT f.*, j.judgement, j.date AS judged_on, j.note AS judgement_note, j.recorded_at AS judged_at,
               (SELECT c.id FROM findings c WHERE c.carried_from = f.id) AS carried_to
        FROM findings f LEFT JOIN judgements j ON j.finding_id = f.id
        """

    /// The filters of `findings.list`; nil means any.
    struct Filter {
        var inspectionID: String?
        var kind: FindingKind?
        var planID: String?
        /// `sufficient`, `not_sufficient` or `unjudged`.
        var judgement: String?
        var theme: String?
    }

    static func findings(_ db: Database, _ filter: Filter = Filter()) throws -> [Finding] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let v = filter.inspectionID { conditions.append("f.inspection_id = ?"); arguments += [v] }
        if let v = filter.kind { conditions.append("f.kind = ?"); arguments += [v.rawValue] }
        if let v = filter.planID { conditions.append("f.plan_id = ?"); arguments += [v] }
        if let v = filter.theme { conditions.append("f.theme = ? COLLATE NOCASE"); arguments += [v] }
        switch filter.judgement {
        case nil: break
        case "unjudged": conditions.append("j.judgement IS NULL")
        case let v?: conditions.append("j.judgement = ?"); arguments += [v]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(db, sql: selectSQL + whereClause + " ORDER BY f.n", arguments: arguments).map(Finding.init(row:))
    }

    static func finding(_ db: Database, id: String) throws -> Finding? {
        try Row.fetchOne(db, sql: selectSQL + " WHERE f.id = ?", arguments: [id]).map(Finding.init(row:))
    }

    static func findingExists(_ db: Database, id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM findings WHERE id = ?)", arguments: [id]) ?? false
    }

    /// Inserts a finding and returns it as recorded.
    @discardableResult
    static func insertFinding(_ db: Database, id: String, inspectionID: String, input: FindingInput, source: FindingSource,
                              planID: String? = nil, carriedFrom: String? = nil, at: String) throws -> Finding {
        try db.execute(sql: """
            INSERT INTO findings(id, inspection_id, plan_id, source, kind, theme, summary, evidence, bodies, carried_from, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, inspectionID, planID, source.rawValue, input.kind.rawValue, input.theme, input.summary,
                             Fields.jsonText(input.evidence), Fields.jsonText(input.bodies.map(\.rawValue)), carriedFrom, at])
        return try finding(db, id: id)!
    }

    /// The next free `<inspection>-Fnn` id.
    static func nextFindingID(_ db: Database, inspectionID: String) throws -> String {
        var n = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings WHERE inspection_id = ? AND plan_id IS NULL",
                                  arguments: [inspectionID]) ?? 0) + 1
        while try findingExists(db, id: Identifiers.findingID(inspectionID: inspectionID, number: n)) { n += 1 }
        return Identifiers.findingID(inspectionID: inspectionID, number: n)
    }

    /// Counts by kind for one inspection (the report's own findings, not the carried ones).
    static func counts(_ db: Database, inspectionID: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM findings WHERE inspection_id = ? AND plan_id IS NULL GROUP BY kind",
                                    arguments: [inspectionID]) {
            out[row["kind"]] = row["n"]
        }
        return out
    }

    // MARK: Judgements and plans

    static func insertJudgement(_ db: Database, findingID: String, judgement: Judgement, date: LocalDate, note: String?, at: String) throws {
        try db.execute(sql: "INSERT INTO judgements(finding_id, judgement, date, note, recorded_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [findingID, judgement.rawValue, date.iso, note, at])
    }

    static func plan(_ db: Database, id: String) throws -> Plan? {
        try Row.fetchOne(db, sql: "SELECT * FROM plans WHERE id = ?", arguments: [id]).map(Plan.init(row:))
    }

    static func plans(_ db: Database, inspectionID: String) throws -> [Plan] {
        try Row.fetchAll(db, sql: "SELECT * FROM plans WHERE inspection_id = ? ORDER BY round", arguments: [inspectionID]).map(Plan.init(row:))
    }

    static func plan(_ db: Database, inspectionID: String, round: Int) throws -> Plan? {
        try Row.fetchOne(db, sql: "SELECT * FROM plans WHERE inspection_id = ? AND round = ?", arguments: [inspectionID, round])
            .map(Plan.init(row:))
    }

    static func insert(_ db: Database, _ p: Plan, at: String) throws {
        try db.execute(sql: "INSERT INTO plans(id, inspection_id, kind, round, opened, review_expected, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [p.id, p.inspectionID, p.kind.rawValue, p.round, p.opened.iso, p.reviewExpected?.iso, at])
    }

    /// The next free `<plan>-Fnn` id.
    static func nextCarriedID(_ db: Database, planID: String) throws -> String {
        var n = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings WHERE plan_id = ?", arguments: [planID]) ?? 0) + 1
        while try findingExists(db, id: Identifiers.findingID(inspectionID: planID, number: n)) { n += 1 }
        return Identifiers.findingID(inspectionID: planID, number: n)
    }
}
