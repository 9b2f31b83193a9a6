import SendModel

/// The board pack's comparison of a questionnaire with the rounds it repeats, and the split by
/// families with an EHC plan and with SEN support: figures as comms gives them, the small-group rule
/// already applied there (a withheld figure has no count, only its note).
extension QuestionnaireSection {
    /// "50% (16 of 32)", or the note saying why not.
    static func words(_ f: ReportData.Figure) -> String {
        guard let rate = f.rate, let answered = f.answered, let count = f.count else {
            return f.note ?? "fewer than \(SmallGroup.smallest) responses: not shown"
        }
        return "\(Words.percent(rate)) (\(Words.count(count)) of \(Words.count(answered)))"
    }

    /// "… — answering yes: 20% (5 of 25) this round, 50% (16 of 32) in the round of March 2018."
    static func sentence(_ c: ReportData.Comparison, _ q: ReportData.ComparedQuestion) -> String {
        var parts: [String] = []
        for (i, round) in c.rounds.enumerated().reversed() {
            let f = q.figures[safe: i] ?? ReportData.Figure(note: "not asked in this round")
            parts.append(words(f) + (i == c.rounds.count - 1 ? " this round" : " in the round of \(round.name)"))
        }
        return "Question \(q.number), \(q.text) — \(q.headline): " + parts.joined(separator: ", ") + "."
    }

    /// Writes the split and the comparison (with a chart per repeated question) and returns the CSV they link to.
    static func renderRounds(_ h: inout HTML, _ q: ReportData.Questionnaire, prefix: String, heading: Int) -> [(name: String, table: CSV)] {
        let id = "q\(q.id)"
        if !q.splits.isEmpty {
            h.element("h\(heading + 1)", ["id": "\(id)-split"], "By support: families with an EHC plan and with SEN support")
            h.element("p", [:], "Each question's headline answer by the support the family had when it answered. A group of fewer than "
                + "\(SmallGroup.smallest) responses is not shown, and then neither is the split.")
            h.open("ul")
            for s in q.splits {
                if let note = s.note {
                    h.element("li", [:], "Question \(s.question), \(s.text): \(note)")
                } else {
                    h.element("li", [:], "Question \(s.question), \(s.text) — \(s.headline): families with an EHC plan "
                        + words(s.ehcPlan ?? ReportData.Figure()) + "; families with SEN support " + words(s.senSupport ?? ReportData.Figure()) + ".")
                }
            }
            h.close("ul")
        }
        guard let c = q.comparison, c.rounds.count > 1 else { return [] }
        let earlier = c.rounds[c.rounds.count - 2]
        h.element("h\(heading + 1)", ["id": "\(id)-rounds"], "Against earlier rounds")
        h.element("p", [:], "This questionnaire repeats questionnaire \(earlier.questionnaireID), \(earlier.title) (the round of \(earlier.name))"
            + (c.rounds.count > 2 ? ", which itself follows \(Words.plural(c.rounds.count - 2, "earlier round"))" : "")
            + ". A question asked again with the same words is compared by its headline answer. A round with fewer than "
            + "\(SmallGroup.smallest) responses to it shows no count or rate.")
        guard !c.questions.isEmpty else {
            h.element("p", [:], "No question of this round was asked, with the same words, in the round of \(earlier.name).")
            return []
        }
        var table = CSV(["questionnaire_id", "question", "text", "headline", "round", "round_questionnaire_id", "answered", "count", "rate"])
        let name = "questionnaire-\(q.id)-rounds"
        let file = prefix + name + ".csv"
        for question in c.questions {
            for (i, round) in c.rounds.enumerated() {
                let f = question.figures[safe: i] ?? ReportData.Figure(note: "not asked in this round")
                table.row([String(q.id), String(question.number), question.text, question.headline, round.name, String(round.questionnaireID),
                           f.answered.map(String.init) ?? "", f.count.map(String.init) ?? "", f.rate.map { Words.number($0 * 100) } ?? ""])
            }
        }
        for question in c.questions {
            let text = sentence(c, question)
            h.element("p", ["class": "comparison"], text)
            // A withheld round has no bar (a bar of 0 would claim a figure); the words and the table say why.
            let bars = c.rounds.enumerated().compactMap { i, round -> Chart.SimpleBar? in
                let f = question.figures[safe: i] ?? ReportData.Figure(note: "not asked in this round")
                guard f.rate != nil else { return nil }
                return Chart.SimpleBar(label: i == c.rounds.count - 1 ? "This round (\(round.name))" : "Round of \(round.name)",
                                       key: "questionnaire-\(round.questionnaireID)", value: (f.rate ?? 0) * 100, text: words(f))
            }
            if !bars.isEmpty {
                Chart(id: "chart-\(id)-trend-\(question.number)", title: "Question \(question.number), \(question.headline): per round",
                      summary: text, csv: file, width: 720, font: 14, scrolls: true)
                    .horizontalBars(&h, rows: bars, maximum: 100, labelWidth: 240, series: "rate_per_round")
            }
            h.table(caption: "Question \(question.number), \(question.headline), per round", headers: ["Round", "Responses", "Count", "Rate"],
                    rows: c.rounds.enumerated().map { i, round in
                        let f = question.figures[safe: i] ?? ReportData.Figure(note: "not asked in this round")
                        return [round.name, f.answered.map { Words.count($0) } ?? (f.note ?? ""), f.count.map { Words.count($0) } ?? "",
                                f.rate.map { Words.percent($0) } ?? ""]
                    }, id: "table-\(id)-trend-\(question.number)", numeric: [1, 2, 3])
        }
        h.raw("<p>Data: <a href=\"\(file)\">\(file)</a></p>")
        return [(name, table)]
    }
}
