import GRDB
import SendModel

/// `plan.import`: loads a prepared plan — board members, KPIs with their readings, and actions —
/// all or nothing. Every bad field of the file is reported with its JSON path and nothing is
/// recorded; importing the same `import_id` again changes nothing and says so.
enum PlanImport {
    /// An action's past, oldest first: `history: [{"status", "on", "reason"?}]`. With it, the action's
    /// history starts on its start date, and each change is dated as given (on or after the start, not after
    /// today, each a move the board allows from the one before; `verified` only by a board decision).
    /// Nil when the action has no `history` (it starts today, as one created by hand).
    static func history(_ a: Validator, fields: ActionFields, today: LocalDate) -> [(status: ActionStatus, on: LocalDate, reason: String?)]? {
        guard let given = a.objects("history", required: false) else { return nil }
        var out: [(status: ActionStatus, on: LocalDate, reason: String?)] = []
        var current = ActionStatus.notStarted
        var last = fields.start
        for h in given {
            let status = h.oneOf("status", ActionStatus.self)
            let on = h.date("on")
            let reason = h.string("reason", required: false, maxLength: 2000)
            if let on {
                if on > today { h.fail("on", "\(on.iso) is after today (\(today.iso))") }
                if let start = fields.start, on < start { h.fail("on", "\(on.iso) is before the action's start (\(start.iso))") }
                if let l = last, on < l { h.fail("on", "\(on.iso) is before the change above it (\(l.iso)): list the changes oldest first") }
                last = on
            }
            guard let status else { continue }
            do {
                try ActionStatus.check(action: "the action", from: current, to: status)
            } catch {
                h.fail("status", error.message)
                continue
            }
            if status == .cancelled && (reason ?? "").isEmpty { h.fail("reason", "is required to cancel an action: say why it is cancelled") }
            current = status
            if let on { out.append((status, on, reason)) }
        }
        return out
    }

    static func run(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let importID = v.string("import_id", maxLength: 100)
        if let importID, let row = try Row.fetchOne(db, sql: "SELECT * FROM plan_imports WHERE import_id = ?", arguments: [importID]) {
            return ["imported": false, "import_id": .string(importID), "created": storedJSON(row["result"]),
                    "message": .string("\(importID) was already imported at \(row["at"] as String); nothing changed")]
        }

        // Members.
        var members: [(role: Board.Role, post: String, organisation: String, joined: LocalDate?)] = []
        for m in v.objects("members", required: false) ?? [] {
            let role = m.oneOf("role", Board.Role.self)
            let post = m.string("post", maxLength: 200)
            let organisation = m.string("organisation", required: false, maxLength: 200)
            let joined = m.date("joined_on", required: false)
            if let role, let post { members.append((role, post, organisation ?? "", joined)) }
        }

        // KPIs, each with a key the actions of the file use, and its readings so far.
        var kpis: [(key: String, input: KPIs.Input, readings: [(LocalDate, Double, String?)])] = []
        var names = Set<String>()
        for k in v.objects("kpis", required: false) ?? [] {
            let key = k.string("key", maxLength: 100)
            let input = try KPIs.read(k, db)
            if kpis.contains(where: { $0.key == key }) { k.fail("key", "another KPI of this file has the key '\(key ?? "")'") }
            if !input.name.isEmpty && !names.insert(input.name.lowercased()).inserted {
                k.fail("name", "another KPI of this file is named '\(input.name)'")
            }
            var readings: [(LocalDate, Double, String?)] = []
            for r in k.objects("readings", required: false) ?? [] {
                let date = r.date("date")
                let value = r.double("value")
                let note = r.string("note", required: false, maxLength: 2000)
                if let date, date > change.today { r.fail("date", "\(date.iso) is after today (\(change.today.iso))") }
                if let date, readings.contains(where: { $0.0 == date }) { r.fail("date", "another reading of this KPI is dated \(date.iso)") }
                if let date, let value { readings.append((date, value, note)) }
            }
            if let key { kpis.append((key, input, readings)) }
        }

        // Actions: findings by id, or by phrases matched against the findings' theme and summary.
        let sentinel = "\u{1}kpi:"
        var actions: [ActionFields] = []
        var histories: [[(status: ActionStatus, on: LocalDate, reason: String?)]?] = []
        let givenActions = v.objects("actions", required: false) ?? []
        for a in givenActions {
            let fields = try ActionFields.read(a, db: db, existing: nil, allowMatching: true, kpiKey: { key in
                kpis.contains(where: { $0.key == key }) ? sentinel + key : nil
            })
            actions.append(fields)
            histories.append(history(a, fields: fields, today: change.today))
        }
        try v.check()

        var created: [String: [String]] = ["members": [], "kpis": [], "actions": []]
        for m in members {
            let member = try Board.insertMember(change, role: m.role, post: m.post, organisation: m.organisation, joined: m.joined)
            created["members"]!.append(member["member_id"]?.stringValue ?? "")
        }
        var kpiIDs: [String: String] = [:]
        for k in kpis {
            let kpi = try KPIs.insert(change, k.input)
            let id = kpi["kpi_id"]?.stringValue ?? ""
            kpiIDs[k.key] = id
            created["kpis"]!.append(id)
            for (date, value, note) in k.readings.sorted(by: { $0.0 < $1.0 }) {
                _ = try KPIs.recordReading(change, kpiID: id, date: date, value: value, note: note)
            }
        }
        for (i, var fields) in actions.enumerated() {
            if case .some(.some(let ref)) = fields.kpiID, ref.hasPrefix(sentinel) {
                fields.kpiID = .some(kpiIDs[String(ref.dropFirst(sentinel.count))])
            }
            let history = histories[i]
            var action = try Actions.insert(change, fields, createdOn: history == nil ? nil : fields.start)
            for h in history ?? [] { try Actions.changeStatus(change, &action, to: h.status, reason: h.reason, on: h.on) }
            created["actions"]!.append(action.id)
        }
        let result = JSONValue.object(created.mapValues { .array($0.map { .string($0) }) })
        try db.execute(sql: "INSERT INTO plan_imports(import_id, at, result) VALUES (?, ?, ?)",
                       arguments: [importID!, change.at, result.jsonString])
        return ["imported": true, "import_id": .string(importID!), "created": result,
                "message": .string("imported " + [("member", "members"), ("KPI", "kpis"), ("action", "actions")].map { noun, key in
                    let n = created[key]!.count
                    return "\(n) \(noun)\(n == 1 ? "" : "s")"
                }.joined(separator: ", "))]
    }
}
