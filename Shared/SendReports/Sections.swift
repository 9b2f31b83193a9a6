import SendModel

/// Words about a KPI, for both reports.
enum KPIWords {
    /// "+3", "-11", "0"
    static func signed(_ v: Double) -> String { v > 0 ? "+" + Words.number(v) : Words.number(v) }

    static func series(_ k: ReportData.KPI) -> String {
        k.readings.isEmpty ? "No reading yet."
            : "Readings: " + k.readings.map { "\(Words.shortDate($0.date)) \(Words.number($0.value))" }.joined(separator: "; ") + "."
    }

    /// For the board: latest against baseline and target, trend, progress.
    static func sentence(_ k: ReportData.KPI) -> String {
        let baseline = "a baseline of \(Words.number(k.baseline))" + (k.baselineDate.map { " (\(Words.longDate($0)))" } ?? "")
        let target = "a target of \(Words.number(k.target))" + (k.targetDate.map { " by \(Words.longDate($0))" } ?? "")
        let direction = k.lowerIsBetter ? "lower is better" : "higher is better"
        guard let latest = k.latest else { return "No reading yet, against \(baseline) and \(target) (\(direction))." }
        var s = "Latest \(Words.number(latest.value)) on \(Words.longDate(latest.date)), against \(baseline) and \(target) (\(direction)): "
        let trend: String = switch k.trend {
        case "improving": "improving since the reading before"
        case "worsening": "worse than the reading before"
        case "flat": "no change since the reading before"
        default: k.trend.replacingOccurrences(of: "_", with: " ")
        }
        s += trend
        s += k.onTarget ? "; on target." : "; not yet on target"
        if !k.onTarget, k.target != k.baseline {
            let progress = (latest.value - k.baseline) / (k.target - k.baseline)
            s += ", \(Words.percent(max(progress, -9.99))) of the way from the baseline to the target."
        }
        return s
    }

    /// For families: plain words, no jargon.
    static func plain(_ k: ReportData.KPI) -> String {
        var s = "When we started"
        s += k.baselineDate.map { " (\(Words.monthYear($0)))" } ?? ""
        s += " the figure was \(Words.number(k.baseline)). "
        if let latest = k.latest {
            s += "The latest figure (\(Words.monthYear(latest.date))) is \(Words.number(latest.value)). "
        } else {
            s += "There is no new figure yet. "
        }
        s += "Our aim is \(Words.number(k.target))" + (k.targetDate.map { " by \(Words.monthYear($0))" } ?? "") + ". "
        s += k.lowerIsBetter ? "Lower is better. " : "Higher is better. "
        if k.latest != nil {
            s += k.onTarget ? "We have reached the aim."
                : k.trend == "improving" ? "It is getting better, but has not reached the aim yet."
                : k.trend == "worsening" ? "It got worse at the latest count, and has not reached the aim."
                : "It has not changed at the latest count, and has not reached the aim."
        }
        return s
    }
}

/// A questionnaire's response rates and answers, for both reports: counts only, never an answer's text.
enum QuestionnaireSection {
    /// The public page publishes no percentage and no split of answers for a group of fewer families
    /// than this (README: "Reports"); the board pack shows every figure.
    static let smallestPublishedGroup = SmallGroup.smallest

    /// Why a figure is not published, in the words families read.
    static let smallGroupNote = "To protect privacy we publish percentages, and how answers split, only for groups of at least "
        + "\(smallestPublishedGroup) families."

    /// Writes the section and returns the CSV files it links to (named `prefix + name + ".csv"`).
    static func render(_ h: inout HTML, _ q: ReportData.Questionnaire, prefix: String, ratesFile: String, heading: Int,
                       board: Bool) -> [(name: String, table: CSV)] {
        let id = "q\(q.id)"
        h.element("h\(heading)", ["id": id], q.title)
        var intro = board ? "Sent to \(Words.plural(q.asked, "family", "families"))" : "We asked \(Words.plural(q.asked, "family", "families"))"
        if let o = q.opens, let c = q.closes { intro += " between \(Words.longDate(o)) and \(Words.longDate(c))" }
        intro += q.state == "open" ? " (still open)" : q.state == "closed" ? " (closed)" : ""
        intro += ". \(Words.count(q.answered)) answered"
        let small = !board && q.asked < smallestPublishedGroup
        intro += small ? "." : q.responseRate.map { ": \(Words.percent($0))." } ?? "."
        if q.anonymous { intro += board ? " Anonymous: the answers cannot be traced to a family." : " Answers were anonymous." }
        if small && q.asked > 0 { intro += " " + smallGroupNote }
        h.element("p", [:], intro)
        guard q.asked > 0 else { return [] }
        if small { return [] }

        var rows = [Chart.SimpleBar(label: "All families asked", key: "overall", value: (q.responseRate ?? 0) * 100,
                                    text: "\(Words.percent(q.responseRate ?? 0)) (\(Words.count(q.answered)) of \(Words.count(q.asked)))")]
        // By channel for the board only: small groups (two letters, one answer) are not for publication.
        for c in q.byChannel where board && c.asked > 0 {
            let rate = Double(c.answered) / Double(c.asked)
            rows.append(Chart.SimpleBar(label: "Asked by \(Words.channel(c.channel).lowercased())", key: c.channel, value: rate * 100,
                                        text: "\(Words.percent(rate)) (\(Words.count(c.answered)) of \(Words.count(c.asked)))"))
        }
        let summary = "Response rate: " + rows.map { "\($0.label.lowercased()) \($0.text)" }.joined(separator: "; ") + "."
        Chart(id: "chart-\(id)-response", title: "\(q.title): response rate", summary: summary, csv: ratesFile, width: board ? 720 : 400,
              font: board ? 14 : 16, scrolls: board)
            .horizontalBars(&h, rows: rows, maximum: 100, labelWidth: 220, series: "response_rate", labelsAbove: !board)

        var answers = CSV(["question", "kind", "text", "answer", "count", "share_of_answers"])
        for question in q.questions {
            if question.kind == "free_text" {
                answers.row([String(question.number), question.kind, question.text, "(free text answers)", String(question.answered), ""])
                continue
            }
            if !board && question.answered < smallestPublishedGroup {
                answers.row([String(question.number), question.kind, question.text, "(fewer than \(smallestPublishedGroup) answers: not published)",
                             String(question.answered), ""])
                continue
            }
            for d in question.distribution {
                answers.row([String(question.number), question.kind, question.text, d.answer, String(d.count),
                             question.answered == 0 ? "" : Words.number(Double(d.count) / Double(question.answered) * 100)])
            }
        }
        let answersName = "questionnaire-\(q.id)-answers"
        let answersFile = prefix + answersName + ".csv"
        for question in q.questions {
            h.element("h\(heading + 1)", ["id": "\(id)-question-\(question.number)"], "Question \(question.number): \(question.text)")
            if question.kind == "free_text" {
                h.element("p", [:], board
                    ? "\(Words.plural(question.answered, "written answer")). They stay in the comms service (sendctl questionnaires results \(q.id)); reports never copy them."
                    : "\(Words.plural(question.answered, "family", "families")) wrote to us in their own words. We read every answer; to protect privacy we do not publish them.")
                continue
            }
            guard question.answered > 0 else {
                h.element("p", [:], "No answer yet.")
                continue
            }
            if !board && question.answered < smallestPublishedGroup {
                h.element("p", [:], "\(Words.plural(question.answered, "answer")) so far. " + smallGroupNote)
                continue
            }
            let bars = question.distribution.map { d in
                Chart.SimpleBar(label: Words.answer(d.answer, kind: question.kind), key: "\(question.number):\(d.answer)", value: Double(d.count),
                                text: "\(Words.count(d.count)) (\(Words.percent(Double(d.count) / Double(question.answered))))")
            }
            var text = "\(Words.plural(question.answered, "answer")): " + bars.map { "\($0.label) \($0.text)" }.joined(separator: "; ") + "."
            if let mean = question.mean, question.kind == "scale" { text += " Average \(Words.number(mean)) out of 5." }
            Chart(id: "chart-\(id)-question-\(question.number)", title: "Question \(question.number): answers", summary: text, csv: answersFile,
                  width: board ? 720 : 400, font: board ? 14 : 16, scrolls: board)
                .horizontalBars(&h, rows: bars, maximum: Double(question.answered).nonZero, labelWidth: 220,
                                series: "answers", fill: Palette.status(.inProgress), labelsAbove: !board)
        }
        h.raw(board ? "<p>Data: <a href=\"\(answersFile)\">\(answersFile)</a></p>"
              : "<p>Download: <a href=\"\(answersFile)\">the answers as a spreadsheet (CSV)</a>.</p>")
        return [(answersName, answers)]
    }
}

extension Double {
    var nonZero: Double { self == 0 ? 1 : self }
}
