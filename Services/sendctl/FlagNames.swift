import SendModel

/// The flags a person types for the wire fields a service names in its errors, per command: a refusal
/// says `--lead: required`, not `lead_organisation: required`.
///
/// A field that is not a flag (a positional argument, a field of a file) keeps its wire name.
enum FlagNames {
    /// Wire field → flag, per wire command.
    static let byCommand: [String: [String: String]] = {
        let actionFields = ["title": "--title", "description": "--description", "finding_ids": "--finding",
                            "lead_organisation": "--lead", "sponsoring_director": "--sponsoring-director",
                            "action_lead": "--action-lead", "start": "--start", "due": "--due",
                            "success_criteria": "--success-criteria", "kpi_id": "--kpi", "status": "--status", "reason": "--reason"]
        return [
            "actions.create": actionFields,
            "actions.update": actionFields,
            "actions.progress": ["note": "--note", "evidence": "--evidence", "author_role": "--role", "status": "--status",
                                 "reason": "--reason"],
            "actions.list": ["status": "--status", "rag": "--rag", "lead_organisation": "--lead", "finding_id": "--finding",
                             "kpi_id": "--kpi", "limit": "--limit"],
            "exceptions.add": ["commentary": "--commentary", "author_role": "--role"],
            "kpis.add": ["name": "--name", "unit": "--unit", "baseline": "--baseline", "baseline_date": "--baseline-date",
                         "target": "--target", "target_date": "--target-date", "direction": "--direction"],
            "kpis.record": ["value": "--value", "date": "--date", "note": "--note"],
            "board.members.add": ["post": "--post", "organisation": "--organisation", "joined_on": "--joined-on"],
            "board.meetings.add": ["date": "--date", "attendee_ids": "--attendee", "title": "--title"],
            "board.meetings.publish_update": ["text": "--file", "title": "--title"],
            "board.themes.name": ["theme_id": "--theme", "description": "--description", "finding_ids": "--finding", "action_ids": "--action"],
            "board.decide": ["kind": "--kind", "action_id": "--action", "inspection_id": "--inspection", "summary": "--summary"],
            "board.decisions.list": ["action_id": "--action", "kind": "--kind"],
            "plan.status": ["inspection_id": "--inspection"],
            "plan.submit": ["inspection_id": "--inspection", "force": "--force"],
            "inspections.add": ["inspection_id": "--id", "local_area": "--local-area", "framework": "--framework",
                                "visit_start": "--visit-start", "visit_end": "--visit-end", "published": "--published",
                                "outcome": "--outcome", "inspectorates": "--inspectorate", "notes": "--notes"],
            "findings.add": ["inspection_id": "--inspection", "finding_id": "--id", "kind": "--kind", "theme": "--theme",
                             "summary": "--summary", "evidence": "--evidence", "bodies": "--body"],
            "findings.list": ["inspection_id": "--inspection", "kind": "--kind", "theme": "--theme", "plan_id": "--plan",
                              "judgement": "--judgement"],
            "findings.judge": ["date": "--date", "note": "--note"],
            "questionnaires.create": ["title": "--title", "audience": "--audience", "opens": "--opens", "closes": "--closes",
                                      "message": "--message", "questions": "--question", "anonymous": "--anonymous"],
            "questionnaires.respond": ["answers": "--answer", "wants_updates": "--wants-updates"],
            "enquiries.add": ["family_ref": "--family", "text": "--text", "received_on": "--received-on", "via": "--via"],
            "enquiries.answer": ["text": "--text"],
            "enquiries.list": ["status": "--status"],
            "updates.edit": ["title": "--title", "body": "--body"],
            "updates.list": ["status": "--status"],
            "families.opt_out": ["reason": "--reason"],
        ]
    }()

    /// The flag for a field path (`finding_ids[0]` → `--finding`), or nil when it is not a flag of `command`.
    static func flag(for path: String, command: String) -> String? {
        guard let table = byCommand[command] else { return nil }
        let head = path.prefix { $0 != "[" && $0 != "." }
        guard let flag = table[String(head)] else { return nil }
        // `questions[2].text` → `--question (the 3rd)`: which of the repeated flag, counted as typed.
        let rest = path.dropFirst(head.count)
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"), let n = Int(rest.dropFirst().prefix(upTo: close)) {
            return "\(flag) (the \(ordinal(n + 1)))"
        }
        return flag
    }

    /// The error with each field a flag names spelled as the flag, in its message and its details.
    static func rewrite(_ error: any Error, command: String) -> any Error {
        guard var e = error as? ServiceError, byCommand[command] != nil else { return error }
        var renames: [(String, String)] = []
        for path in Set(e.details.map(\.field) + (e.field.map { [$0] } ?? [])) {
            if let flag = flag(for: path, command: command) { renames.append((path, flag)) }
        }
        // Longest first, so that `finding_ids[0]` is replaced before a shorter path it contains.
        renames.sort { $0.0.count > $1.0.count }
        for (path, flag) in renames { e.message = replaceField(path, with: flag, in: e.message) }
        e.details = e.details.map { d in FieldError(field: flag(for: d.field, command: command) ?? d.field, message: d.message) }
        if let f = e.field { e.field = flag(for: f, command: command) ?? f }
        return e
    }

    /// Replaces `path` where it stands as a field name: not inside a longer name (`due` in `due_date`).
    static func replaceField(_ path: String, with flag: String, in text: String) -> String {
        var out = ""
        var rest = text[...]
        func isNameCharacter(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ?? false }
        while let r = rest.range(of: path) {
            let before = r.lowerBound == rest.startIndex ? out.last : rest[rest.index(before: r.lowerBound)]
            let after = r.upperBound == rest.endIndex ? nil : rest[r.upperBound]
            out += rest[..<r.lowerBound]
            out += (isNameCharacter(before) || isNameCharacter(after) || after == "[") ? path : flag
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}
