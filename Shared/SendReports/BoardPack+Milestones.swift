import SendModel

extension BoardPack.Renderer {
    /// The milestones of a weakness's actions: title, due date, and met, missed or upcoming in words.
    mutating func milestonesTable(_ actions: [ReportData.Action], weakness: String) {
        let rows = actions.flatMap { a in a.milestones.map { (a, $0) } }
        guard !rows.isEmpty else { return }
        let missed = rows.filter { $0.1.state(today: data.today) == .missed }.count
        h.table(caption: "Milestones of the actions for \(weakness) (\(Words.plural(rows.count, "milestone"))"
                    + (missed > 0 ? ", \(missed) missed" : "") + ")",
                headers: ["Action", "Milestone", "Due", "State"],
                rows: rows.map { a, m in
                    [a.id, "\(m.id) \(m.title)", Words.shortDate(m.due), m.boardWords(today: data.today)]
                }, classes: [2: { _ in "nowrap" }, 3: { $0.hasPrefix("Missed") ? "rag-red" : nil }])
    }
}

extension PublicPage.Renderer {
    /// An action's milestones under it, in plain words.
    mutating func milestoneList(_ a: ReportData.Action) {
        guard !a.milestones.isEmpty else { return }
        h.raw("<ul class=\"milestones\" aria-label=\"Milestones of this action\">")
        for m in a.milestones {
            h.element("li", [:], "Milestone: \(m.title) — \(m.publicWords(today: data.today))")
        }
        h.raw("</ul>")
    }
}
