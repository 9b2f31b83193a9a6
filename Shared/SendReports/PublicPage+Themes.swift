import SendModel

/// The public page's themes and chair's updates.
extension PublicPage.Renderer {
    // MARK: Themes

    /// Per theme the board named: what we will do (its actions), what will be different (their
    /// success criteria and measures), progress to date.
    mutating func themes() {
        guard !data.themes.isEmpty else { return }
        h.raw("<section aria-labelledby=\"themes\">")
        h.element("h2", ["id": "themes"], "Our plan, theme by theme")
        h.element("p", [:], "The board has put what must get better into \(Words.plural(data.themes.count, "theme")), in plain words. "
            + "For each: what we will do, what will be different, and how far we have got.")
        var table = CSV(["theme", "action", "who_leads_it", "due_by", "progress", "what_will_be_different"])
        let byID = Dictionary(data.actions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for theme in data.themes {
            for a in theme.actions {
                table.row([theme.name, a.title, a.leadOrganisation, a.due?.iso ?? "", progress(a, byID).words, a.successCriteria])
            }
        }
        let file = csv("themes", table)
        for (n, theme) in data.themes.enumerated() {
            let anchor = "theme-\(n + 1)"
            h.element("h3", ["id": anchor], theme.name)
            if !theme.description.isEmpty { h.element("p", [:], theme.description) }
            let open = theme.actions.filter { $0.status != .cancelled }

            h.element("h4", ["id": "\(anchor)-do"], "What we will do")
            if theme.actions.isEmpty {
                h.element("p", [:], "We are still agreeing what to do about this.")
            } else {
                h.raw("<ul class=\"actions\">")
                for a in theme.actions.sorted(by: { ($0.due ?? LocalDate(dayNumber: 0), $0.id) < ($1.due ?? LocalDate(dayNumber: 0), $1.id) }) {
                    let p = progress(a, byID)
                    h.raw("<li class=\"\(p.listClass)\">")
                    h.element("strong", [:], a.title)
                    h.raw("<span class=\"meta\">")
                    let when = a.due.map { due in
                        a.status.isDone ? "" : " · to be done by " + (byID[a.id].map(Words.publicDue) ?? Words.monthYear(due))
                    } ?? ""
                    h.text("\(p.words)\(when)" + (a.leadOrganisation.isEmpty ? "" : " · led by \(a.leadOrganisation)"))
                    h.raw("</span>")
                    if let full = byID[a.id] { milestoneList(full) }
                    h.raw("</li>")
                }
                h.raw("</ul>")
            }

            h.element("h4", ["id": "\(anchor)-different"], "What will be different")
            var criteria: [String] = []
            for a in open where !a.successCriteria.trimmingSpaces.isEmpty {
                let c = Words.capitalised(a.successCriteria.trimmingSpaces)
                if !criteria.contains(c) { criteria.append(c) }
            }
            let measures = theme.kpiIDs.compactMap { id in data.kpis.first { $0.id == id } }
            if criteria.isEmpty && measures.isEmpty {
                h.element("p", [:], "The board has not yet said how we will know this has got better.")
            } else {
                h.raw("<ul>")
                for c in criteria { h.element("li", [:], c.hasSuffix(".") ? c : c + ".") }
                for k in measures {
                    h.raw("<li>")
                    h.element("strong", [:], "We measure: \(k.name).")
                    h.text(" " + KPIWords.plain(k))
                    h.raw("</li>")
                }
                h.raw("</ul>")
            }

            h.element("h4", ["id": "\(anchor)-progress"], "Progress to date")
            let counts = Dictionary(grouping: open, by: { progress($0, byID) }).mapValues(\.count)
            if open.isEmpty {
                h.element("p", [:], theme.actions.isEmpty ? "Nothing to report yet." : "Every action here was stopped.")
            } else {
                let parts: [PublicPage.Progress] = [.done, .underWay, .behind, .notStarted]
                let words = parts.compactMap { p in counts[p].map { "\(Words.count($0)) \(p.words.lowercased())" } }
                h.element("p", [:], "Of \(Words.plural(open.count, "action")): " + words.joined(separator: ", ") + ".")
            }
            let stopped = theme.actions.count - open.count
            if stopped > 0 { h.element("p", [:], "\(stopped == 1 ? "One action" : "\(Words.count(stopped)) actions") here \(stopped == 1 ? "was" : "were") stopped; see below for why.") }
        }
        h.raw("<p>Download: <a href=\"\(file)\">the themes and their actions (CSV)</a>.</p>")
        h.raw("</section>\n")
    }

    /// An action's progress in families' words, from the report's full action when it has it.
    func progress(_ a: ReportData.ThemeAction, _ byID: [String: ReportData.Action]) -> PublicPage.Progress {
        if let full = byID[a.id] { return PublicPage.Progress(full) }
        let overdue = a.due.map { $0 < data.today } ?? false
        return PublicPage.Progress(ReportData.Action(
            id: a.id, title: a.title, status: a.status, rag: nil, ragReason: "", leadOrganisation: a.leadOrganisation, actionLead: "",
            start: LocalDate(dayNumber: 0), due: a.due ?? LocalDate(dayNumber: 0), overdue: overdue && !a.status.isDone,
            findingIDs: [], kpiID: a.kpiID, updates: 0, lastUpdate: nil, cancelReason: nil))
    }

    // MARK: The chair's updates

    /// Every chair's update, newest first, its headings and lists rendered from `ChairText` (every character escaped).
    mutating func chairUpdates() {
        h.raw("<section aria-labelledby=\"chair\">")
        h.element("h2", ["id": "chair"], "The chair's updates")
        var table = CSV(["published_on", "meeting_date", "title", "text"])
        for u in data.chairUpdates { table.row([u.publishedOn?.iso ?? "", u.meetingDate?.iso ?? "", u.title, u.text]) }
        let file = csv("chair-updates", table)
        guard !data.chairUpdates.isEmpty else {
            h.element("p", [:], "The chair of the SEND Partnership Board writes an update after each board meeting. None has been published yet.")
            h.raw("</section>\n")
            return
        }
        h.element("p", [:], "After each meeting of the SEND Partnership Board, its chair says what the board discussed and decided. Newest first.")
        for (n, u) in data.chairUpdates.enumerated() {
            h.raw("<article class=\"update\" aria-labelledby=\"chair-\(n + 1)\">")
            h.element("h3", ["id": "chair-\(n + 1)"], u.title)
            let meeting = u.meetingDate.map { "After the board meeting of \(Words.longDate($0))" } ?? "After a board meeting"
            h.element("p", ["class": "meta"], meeting + (u.publishedOn.map { " · published \(Words.longDate($0))" } ?? ""))
            for block in ChairText.parse(u.text) {
                switch block {
                case .heading(let text): h.element("h4", [:], text)
                case .paragraph(let text): h.element("p", [:], text)
                case .bullets(let items), .numbered(let items):
                    let tag = if case .numbered = block { "ol" } else { "ul" }
                    h.raw("<\(tag)>")
                    for item in items { h.element("li", [:], item) }
                    h.raw("</\(tag)>")
                }
            }
            h.raw("</article>")
        }
        h.raw("<p>Download: <a href=\"\(file)\">every chair's update (CSV)</a>.</p>")
        h.raw("</section>\n")
    }
}
