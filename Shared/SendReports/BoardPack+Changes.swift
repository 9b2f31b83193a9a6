import SendModel

/// The board pack's RAG strips and its section on the changes to the plan (issue 18).
extension BoardPack.Renderer {
    /// Per action, its RAG history as a row of small coloured cells, oldest to newest, each with
    /// its words for a screen reader, and the reason of the latest change.
    mutating func ragStrips(_ actions: [ReportData.Action]) {
        guard data.ragHistoryKnown else { return }
        h.raw("<ul class=\"rag-strips\" aria-label=\"RAG history of each action, oldest first\">")
        for a in actions {
            let ratings = strips[a.id] ?? []
            h.raw("<li><strong>")
            h.text(a.id)
            h.raw("</strong>")
            guard let last = ratings.last else {
                h.raw(" no RAG rating recorded yet.</li>")
                continue
            }
            h.raw("<span class=\"vh\">RAG history, oldest first:</span><ol class=\"rag-strip\">")
            for r in ratings {
                let colour = r.rag?.rawValue ?? "none"
                let letter = switch r.rag { case .red?: "R"; case .amber?: "A"; case .green?: "G"; case nil: "–" }
                h.raw("<li class=\"\(colour)\"><span aria-hidden=\"true\">\(letter)</span><span class=\"vh\">")
                h.text("\(Words.rag(r.rag)) from \(Words.shortDate(r.on));")
                h.raw("</span></li>")
            }
            h.raw("</ol>")
            let changes = ratings.count - 1
            var text = changes == 0 ? "\(Words.rag(last.rag)) since \(Words.shortDate(last.on)), unchanged"
                : "\(Words.rag(last.rag)) since \(Words.shortDate(last.on)) (\(Words.plural(changes, "change", "changes")))"
            if !last.reason.isEmpty { text += ": \(last.reason)" }
            h.text(text + ".")
            h.raw("</li>")
        }
        h.raw("</ul>")
    }

    // MARK: Changes to the plan

    mutating func changes() {
        h.raw("<section aria-labelledby=\"changes\">")
        h.element("h2", ["id": "changes"], "Changes to the plan")
        let all = data.planChanges
        var table = CSV(["request_id", "action_id", "kind", "from", "to", "reason", "state", "requested_on", "decision_id", "decided_on"])
        for c in all {
            table.row([c.requestID, c.actionID, c.kind, c.from, c.to, c.reason, c.state, c.requestedOn.iso, c.decisionID ?? "",
                       c.decidedOn?.iso ?? ""])
        }
        let file = csv("changes", table)
        var rag = CSV(["action_id", "rag", "reason", "on", "first"])
        for r in data.ragChanges { rag.row([r.actionID, r.rag?.rawValue ?? "not_rated", r.reason, r.on.iso, r.first ? "yes" : "no"]) }
        let ragFile = csv("rag-history", rag)
        let pending = all.filter { $0.state == "pending" }
        let decided = all.filter { $0.state != "pending" }
            .sorted { ($0.decidedOn ?? $0.requestedOn, $0.requestID) > ($1.decidedOn ?? $1.requestedOn, $1.requestID) }
        var intro = "Due dates, lead organisations and success criteria change, and actions are suspended or resumed, "
            + "only by a change request that a board decision approves. "
        if all.isEmpty {
            intro += "No change has been asked for."
        } else {
            intro += "\(Words.plural(decided.count, "request has", "requests have")) been decided"
            if let since = data.exceptions.sinceMeeting {
                let recent = decided.filter { ($0.decidedOn ?? $0.requestedOn) >= since }.count
                intro += " (\(Words.count(recent)) since the last board meeting on \(Words.longDate(since)))"
            }
            intro += "; \(Words.plural(pending.count, "awaits", "await")) the board."
        }
        h.element("p", [:], intro)
        if !pending.isEmpty {
            h.table(caption: "Awaiting the board (\(Words.plural(pending.count, "request")))",
                    headers: ["Request", "Action", "What", "From", "To", "Why", "Asked on"],
                    rows: pending.map { c in
                        [c.requestID, title(c.actionID), Self.what(c), value(c.kind, c.from), value(c.kind, c.to), c.reason,
                         Words.shortDate(c.requestedOn)]
                    }, id: "table-pending", classes: [6: { _ in "nowrap" }])
        }
        if !decided.isEmpty {
            h.table(caption: "Decided changes, newest first", headers: ["Request", "Action", "What", "From", "To", "Why", "Decision"],
                    rows: decided.map { c in
                        let verdict = c.state == "approved" ? "Approved" : "Refused (nothing changed)"
                        let by = [c.decisionID, c.decidedOn.map { "on " + Words.shortDate($0) }].compactMap { $0 }.joined(separator: " ")
                        return [c.requestID, title(c.actionID), Self.what(c), value(c.kind, c.from), value(c.kind, c.to), c.reason,
                                verdict + (by.isEmpty ? "" : " by \(by)")]
                    }, id: "table-changes")
        }
        h.raw("<p>Data: <a href=\"\(file)\">\(file)</a> (change requests), <a href=\"\(ragFile)\">\(ragFile)</a> (every RAG rating).</p>")
        h.raw("</section>\n")
    }

    func title(_ actionID: String) -> String {
        byID[actionID].map { "\($0.id) \($0.title)" } ?? actionID
    }

    static func what(_ c: ReportData.PlanChange) -> String {
        switch c.kind {
        case "milestone_due": "New due date of milestone \(c.milestone ?? "")".trimmingSpaces
        case "reschedule": "New due date"
        case "lead_organisation": "New lead organisation"
        case "success_criteria": "New success criteria"
        case "suspend": "Suspend"
        case "resume": "Resume"
        default: c.kind.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// A request's from or to value in words: a date, a status, or the text as it is.
    func value(_ kind: String, _ v: String) -> String {
        switch kind {
        case "reschedule", "milestone_due": LocalDate(iso: v).map(Words.longDate) ?? v
        case "suspend", "resume": ReportData.Status(rawValue: v).map { Words.capitalised(Words.status($0)) } ?? v
        default: v
        }
    }
}
