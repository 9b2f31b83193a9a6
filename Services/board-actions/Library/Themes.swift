import GRDB
import SendModel

/// Themes: the board's plain-English names for the areas of weakness, each holding findings and
/// actions. The public page is set out by theme: what we will do (the actions), what will be
/// different (their success criteria and measures), progress to date.
enum Themes {
    static let id = (prefix: "T", width: 2)

    /// `board.themes.name {name, description?, finding_ids?, action_ids?}` names a new theme;
    /// with `theme_id` it renames that theme (when `name` is given), replaces its description and adds
    /// the findings and actions given. An action also belongs to a theme through a finding it addresses.
    static func name(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let themeID = v.boardID("theme_id", id, required: false)
        let name = v.string("name", required: themeID == nil, maxLength: 120)
        let description = v.string("description", required: false, maxLength: 1000)
        let findings = v.stringArray("finding_ids", required: false, maxLength: 64) ?? []
        let actions = (v.stringArray("action_ids", required: false, maxLength: 64) ?? []).map { BoardID.canonical(BoardID.action, $0) }
        for (key, value) in [("name", name), ("description", description)] {
            if let value, let tag = ChairText.markup(in: value[...]) { v.fail(key, "has HTML (\(tag)): write plain English") }
        }
        for (i, f) in findings.enumerated()
        where try Bool.fetchOne(db, sql: "SELECT 1 FROM findings WHERE finding_id = ?", arguments: [f]) == nil {
            v.failAt("\(v.fieldPath("finding_ids"))[\(i)]", "no finding \(f) is known to the board")
        }
        for (i, a) in actions.enumerated()
        where try Bool.fetchOne(db, sql: "SELECT 1 FROM actions WHERE action_id = ?", arguments: [a]) == nil {
            v.failAt("\(v.fieldPath("action_ids"))[\(i)]", "no action \(a)")
        }
        if themeID == nil && findings.isEmpty && actions.isEmpty {
            v.fail("finding_ids", "a theme needs at least one finding or action (--finding, --action)")
        }
        try v.check()
        if let name, let other = try String.fetchOne(db, sql: "SELECT theme_id FROM themes WHERE name = ? AND theme_id IS NOT ?",
                                                     arguments: [name, themeID]) {
            throw ServiceError(.conflict, "\(other) is already called \"\(name)\": choose another name, or add to \(other) (--theme \(other))",
                               field: "name")
        }
        let theme: String
        if let themeID {
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM themes WHERE theme_id = ?", arguments: [themeID]) != nil else {
                throw ServiceError.notFound("theme \(themeID)")
            }
            theme = themeID
            try db.execute(sql: "UPDATE themes SET name = COALESCE(?, name), description = COALESCE(?, description), updated_at = ? WHERE theme_id = ?",
                           arguments: [name, description, change.at, theme])
        } else {
            let n = try BoardID.next(db, table: "themes")
            theme = BoardID.make(id, n)
            try db.execute(sql: "INSERT INTO themes(n, theme_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [n, theme, name!, description ?? "", change.at, change.at])
        }
        for f in findings {
            try db.execute(sql: "INSERT OR IGNORE INTO theme_findings(theme_id, finding_id) VALUES (?, ?)", arguments: [theme, f])
        }
        for a in actions {
            try db.execute(sql: "INSERT OR IGNORE INTO theme_actions(theme_id, action_id) VALUES (?, ?)", arguments: [theme, a])
        }
        let shown = try json(db, theme)
        try change.emit(ThemeNamed(themeID: theme, name: shown["name"]?.stringValue ?? "",
                                   findings: shown["finding_ids"]?.arrayValue?.count ?? 0, actions: shown["actions"]?.arrayValue?.count ?? 0))
        return ["theme": shown]
    }

    /// A theme with its findings and its actions (named, or addressing one of its findings), each
    /// with its success criteria and measure.
    static func json(_ db: Database, _ theme: String) throws -> JSONValue {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM themes WHERE theme_id = ?", arguments: [theme]) else {
            throw ServiceError.notFound("theme \(theme)")
        }
        let findings = try String.fetchAll(db, sql: "SELECT finding_id FROM theme_findings WHERE theme_id = ? ORDER BY finding_id", arguments: [theme])
        let actions = try Row.fetchAll(db, sql: """
            SELECT * FROM actions WHERE action_id IN (
                SELECT action_id FROM theme_actions WHERE theme_id = ?
                UNION SELECT x.action_id FROM action_findings x JOIN theme_findings t ON t.finding_id = x.finding_id WHERE t.theme_id = ?)
            ORDER BY n
            """, arguments: [theme, theme]).map(ActionRecord.init)
        var kpis: [String] = []
        for a in actions { if let k = a.kpiID, !kpis.contains(k) { kpis.append(k) } }
        return ["theme_id": .string(theme), "name": .string(row["name"]), "description": .string(row["description"]),
                "finding_ids": .array(findings.map { .string($0) }),
                "actions": .array(actions.map { a in
                    ["action_id": .string(a.id), "title": .string(a.title), "status": .string(a.status.rawValue), "due": .string(a.due.iso),
                     "lead_organisation": .string(a.leadOrganisation), "success_criteria": .string(a.successCriteria),
                     "kpi_id": JSONValue(a.kpiID)]
                }),
                "kpi_ids": .array(kpis.map { .string($0) })]
    }

    /// `board.themes.list`: every theme, in the order the board named them.
    static func list(_ db: Database) throws -> JSONValue {
        let ids = try String.fetchAll(db, sql: "SELECT theme_id FROM themes ORDER BY n")
        return ["themes": .array(try ids.map { try json(db, $0) })]
    }
}
