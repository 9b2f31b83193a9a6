import SendModel

/// The board pack: what the partnership board reads before each meeting.
///
/// Per weakness its actions and their RAG; the statutory dates on a timeline; the status of all
/// actions over time; each KPI against its baseline and target; questionnaire response rates and
/// answers; the red actions with their exceptions commentary, or "missing", and who set their
/// status last (by id, post and role, never a name). Every chart has a table or summary in words,
/// and a CSV file with the same figures.
public enum BoardPack {
    public static let htmlName = "board-pack.html"
    static let prefix = "board-pack-"

    public static func render(_ data: ReportData) -> RenderedReport {
        var r = Renderer(data: data)
        r.render()
        return RenderedReport(html: ReportFile(name: htmlName, contents: r.h.out), csv: r.files)
    }

    struct Renderer {
        let data: ReportData
        var h: HTML
        var files: [ReportFile] = []
        /// Each action's RAG ratings, oldest first.
        let strips: [String: [ReportData.RAGChange]]
        /// The actions by id.
        let byID: [String: ReportData.Action]

        init(data: ReportData) {
            self.data = data
            strips = data.ragStrips()
            byID = Dictionary(data.actions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            h = HTML(capacity: 128 * 1024 + data.actions.count * 900)
        }

        mutating func csv(_ name: String, _ table: CSV) -> String {
            let file = BoardPack.prefix + name + ".csv"
            files.append(ReportFile(name: file, contents: table.text))
            return file
        }

        var area: String { Words.area(data) }

        /// A finding id without its inspection's prefix: `F04`, `APP1-F01`.
        func short(_ id: String) -> String {
            guard let i = data.inspection, id.hasPrefix(i.id + "-") else { return id }
            return String(id.dropFirst(i.id.count + 1))
        }

        mutating func render() {
            let title = "Board pack: written statement of action, \(area), \(Words.longDate(data.today))"
            Page.start(&h, title: title, description: "The SEND partnership board's pack: actions, RAG, dates, KPIs and exceptions.")
            h.raw("<header class=\"masthead\"><div class=\"wrap\">")
            h.element("p", ["class": "kicker"], "\(area) SEND Partnership Board")
            h.element("h1", [:], "Board pack: the written statement of action")
            h.element("p", [:], "Figures as of \(Words.longDate(data.today)). For the board: includes internal commentary; not for publication.")
            h.raw("</div></header>\n")
            h.raw("<div class=\"wrap\">")
            h.raw("<nav class=\"contents\" aria-label=\"Contents\"><ol>")
            for (anchor, name) in [("glance", "At a glance"), ("dates", "Statutory dates"), ("weaknesses", "Weaknesses and their actions"),
                                   ("status", "Status of all actions over time"), ("kpis", "Key performance indicators"),
                                   ("families", "What families told us"), ("exceptions", "Red actions and exceptions commentary"),
                                   ("changes", "Changes to the plan")] {
                h.raw("<li><a href=\"#\(anchor)\">\(name)</a></li>")
            }
            h.raw("</ol></nav>\n<main id=\"main\">\n")
            glance()
            dates()
            weaknesses()
            statusOverTime()
            kpis()
            families()
            exceptions()
            changes()
            h.raw("</main>\n")
            footer()
            h.raw("</div>")
            Page.finish(&h)
        }

        // MARK: At a glance

        mutating func glance() {
            let p = data.plan
            h.raw("<section aria-labelledby=\"glance\">")
            h.element("h2", ["id": "glance"], "At a glance")
            if let i = data.inspection {
                var text = "The joint Ofsted and CQC inspection of \(area)"
                if let s = i.visitStart { text += " (visit \(Words.longDate(s)))" }
                if let pub = i.published { text += " was published on \(Words.longDate(pub))" }
                let weak = data.findings.filter { $0.isWeakness && $0.planID == nil }.count
                text += ". It found \(Words.plural(weak, "weakness", "weaknesses")) for this plan to address."
                h.element("p", ["class": "lede"], text)
            } else {
                h.element("p", ["class": "lede"], "No inspection is known to the board yet.")
            }
            var tiles: [(String, String, String)] = [
                (Words.count(p.total), "actions", ""),
                (Words.count(p.red), "red", "red"),
                (Words.count(p.amber), "amber", "amber"),
                (Words.count(p.green), "green", "green"),
                (Words.count(p.overdue), "overdue", p.overdue > 0 ? "red" : "grey"),
                (Words.count(data.exceptions.missing), "red without current exceptions commentary", data.exceptions.missing > 0 ? "red" : "grey"),
                ("\(Words.count(p.coverageCovered)) of \(Words.count(p.coverageRequired))", "weaknesses with an action",
                 p.coverageCovered < p.coverageRequired ? "red" : "green"),
            ]
            if p.notRated > 0 { tiles.insert((Words.count(p.notRated), "cancelled (not rated)", "grey"), at: 4) }
            if let due = p.due {
                let days = data.today.days(until: due)
                if let last = p.submissions.last {
                    tiles.append((Words.shortDate(last.on), "plan submitted (due \(Words.shortDate(due)))",
                                  last.on <= due ? "green" : "amber"))
                } else {
                    tiles.append((days >= 0 ? Words.count(days) : Words.count(-days), days >= 0 ? "days until the plan is due (\(Words.shortDate(due)))"
                                  : "days since the plan was due (\(Words.shortDate(due))): not submitted", days >= 0 ? "amber" : "red"))
                }
            }
            h.raw("<ul class=\"tiles\">")
            for (n, what, colour) in tiles {
                // A date is set smaller than a count, so it stays on one line.
                let isDate = n.contains { $0.isLetter } && !n.contains(" of ")
                h.raw("<li class=\"tile\(colour.isEmpty ? "" : " " + colour)\"><span class=\"n\(isDate ? " words" : "")\">")
                h.text(n)
                h.raw("</span><span class=\"what\">")
                h.text(what)
                h.raw("</span></li>")
            }
            h.raw("</ul>")
            if !p.warnings.isEmpty {
                h.raw("<div class=\"warning\"><p><strong>The board's warnings</strong></p><ul>")
                for w in p.warnings { h.element("li", [:], Words.capitalised(w)) }
                h.raw("</ul></div>")
            }
            var table = CSV(["measure", "value"])
            table.row(["actions", String(p.total)])
            for s in ReportData.Status.allCases { table.row(["status_\(s.rawValue)", String(p.byStatus[s] ?? 0)]) }
            table.row(["red", String(p.red)])
            table.row(["amber", String(p.amber)])
            table.row(["green", String(p.green)])
            table.row(["not_rated", String(p.notRated)])
            table.row(["overdue", String(p.overdue)])
            table.row(["exceptions_commentary_missing", String(data.exceptions.missing)])
            table.row(["weaknesses_requiring_an_action", String(p.coverageRequired)])
            table.row(["weaknesses_with_an_action", String(p.coverageCovered)])
            table.row(["plan_due", p.due?.iso ?? ""])
            table.row(["plan_submitted", p.submissions.last?.on.iso ?? ""])
            table.row(["plan_approved", p.approvedOn?.iso ?? ""])
            let file = csv("summary", table)
            h.raw("<p>Data: <a href=\"\(file)\">\(file)</a></p>")
            h.raw("</section>\n")
        }

        // MARK: Dates

        mutating func dates() {
            h.raw("<section aria-labelledby=\"dates\">")
            h.element("h2", ["id": "dates"], "Statutory dates")
            let entries = data.keyDates()
            var table = CSV(["date", "end", "kind", "event"])
            for e in entries { table.row([e.date.iso, e.end?.iso ?? "", e.kind, e.label]) }
            let file = csv("dates", table)
            guard !entries.isEmpty else {
                h.element("p", [:], "No inspection is known to the board yet, so there are no statutory dates.")
                h.raw("</section>\n")
                return
            }
            let marks = entries.filter { $0.end == nil || $0.kind == "visit" }.map {
                Chart.DateMark(date: $0.date, label: $0.label, kind: $0.kind, future: $0.date > data.today)
            }
            let bands = entries.filter { $0.end != nil && $0.kind != "visit" }.map {
                Chart.DateBand(start: $0.date, end: $0.end!, label: $0.label, kind: $0.kind)
            }
            let upcoming = entries.first { $0.date >= data.today }
            var summary = "Timeline of the plan's statutory dates from the inspection to the revisit. "
            summary += entries.map { e in
                "\(e.label): \(Words.longDate(e.date))" + (e.end.map { " to \(Words.longDate($0))" } ?? "")
            }.joined(separator: "; ") + "."
            if let u = upcoming { summary += " Next: \(u.label.lowercased()), \(Words.relative(data.today.days(until: u.date)))." }
            Chart(id: "chart-dates", title: "Statutory dates", summary: summary, csv: file).timeline(&h, marks: marks, bands: bands, today: data.today)
            h.table(caption: "Statutory dates", headers: ["Date", "What", "When"], rows: entries.map { e in
                [Words.longDate(e.date) + (e.end.map { " to \(Words.longDate($0))" } ?? ""), e.label,
                 Words.capitalised(Words.relative(data.today.days(until: e.date)))]
            }, id: "table-dates")
            h.raw("</section>\n")
        }

        // MARK: Weaknesses

        mutating func weaknesses() {
            h.raw("<section aria-labelledby=\"weaknesses\">")
            h.element("h2", ["id": "weaknesses"], "Weaknesses and their actions")
            let groups = data.weaknesses()
            var overview = CSV(["finding_id", "kind", "theme", "summary", "judgement", "actions", "red", "amber", "green", "not_rated"])
            var detail = CSV(["finding_id", "action_id", "title", "status", "rag", "rag_reason", "lead_organisation", "action_lead",
                              "start", "due", "baseline_due", "rescheduled", "overdue", "updates", "last_update"])
            for g in groups {
                overview.row([g.finding.id, g.finding.kind.rawValue, g.finding.theme, g.finding.summary, g.finding.judgement ?? "",
                              String(g.actions.count), String(g.count(.red)), String(g.count(.amber)), String(g.count(.green)),
                              String(g.count(nil))])
                for a in g.actions {
                    detail.row([g.finding.id, a.id, a.title, a.status.rawValue, a.rag?.rawValue ?? "", a.ragReason, a.leadOrganisation,
                                a.actionLead, a.start.iso, a.due.iso, (a.baselineDue ?? a.due).iso, a.rescheduled ? "yes" : "no", a.overdue ? "yes" : "no", String(a.updates), a.lastUpdate?.iso ?? ""])
                }
            }
            let overviewFile = csv("weaknesses", overview)
            let detailFile = csv("actions", detail)
            // Every milestone once (an action may address more than one weakness).
            var milestones = CSV(["action_id", "milestone_id", "title", "due", "met_on", "state"])
            var listed = Set<String>()
            var milestoneCount = 0
            for g in groups {
                for a in g.actions where listed.insert(a.id).inserted {
                    for m in a.milestones {
                        milestones.row([a.id, m.id, m.title, m.due.iso, m.metOn?.iso ?? "", m.state(today: data.today).rawValue])
                        milestoneCount += 1
                    }
                }
            }
            let milestonesFile = milestoneCount > 0 ? csv("milestones", milestones) : nil
            guard !groups.isEmpty else {
                h.element("p", [:], "No weakness is recorded yet.")
                h.raw("</section>\n")
                return
            }
            let uncovered = groups.filter { $0.actions.isEmpty }
            var summary = "For each of the \(Words.plural(groups.count, "weakness", "weaknesses")), its actions by RAG rating: "
            summary += groups.map { g in
                "\(short(g.finding.id)) \(g.finding.theme): " + (g.actions.isEmpty ? "no action"
                    : "\(g.count(.red)) red, \(g.count(.amber)) amber, \(g.count(.green)) green" + (g.count(nil) > 0 ? ", \(g.count(nil)) not rated" : ""))
            }.joined(separator: "; ") + "."
            if !uncovered.isEmpty { summary += " \(Words.plural(uncovered.count, "weakness has", "weaknesses have")) no action." }
            let series = [ReportData.RAG.red, .amber, .green].map { Chart.Series(key: $0.rawValue, label: Words.rag($0), fill: Palette.rag($0)) }
                + [Chart.Series(key: "not_rated", label: "Not rated (cancelled)", fill: Palette.rag(nil))]
            Chart(id: "chart-weaknesses", title: "Actions by weakness and RAG rating", summary: summary, csv: overviewFile)
                .horizontalStacked(&h, rows: groups.map { g in
                    Chart.BarRow(label: "\(short(g.finding.id)) \(g.finding.theme)", key: g.finding.id,
                                 values: [g.count(.red), g.count(.amber), g.count(.green), g.count(nil)])
                }, series: series, labelWidth: 300, emptyText: "no action")
            h.raw("<p>Data: <a href=\"\(overviewFile)\">\(overviewFile)</a> (per weakness), <a href=\"\(detailFile)\">\(detailFile)</a> (per action)"
                + (milestonesFile.map { ", <a href=\"\($0)\">\($0)</a> (per milestone)" } ?? "") + ".</p>")

            for (n, g) in groups.enumerated() {
                let f = g.finding
                h.raw("<div class=\"weakness\">")
                h.element("h3", ["id": "w-\(n + 1)"], "\(short(f.id)): \(Words.capitalised(f.theme))")
                h.raw("<p><span class=\"chip kind\">\(HTML.escape(Words.kind(f.kind)))</span> ")
                h.text(f.summary)
                h.raw("</p>")
                if let j = f.judgement {
                    var text = "Judged \(j == "sufficient" ? "sufficient" : "not sufficient") progress at the revisit"
                    if let d = f.judgedOn { text += " on \(Words.longDate(d))" }
                    if let to = f.carriedTo { text += "; carried into the next plan as \(short(to))" }
                    h.element("p", [:], text + ".")
                }
                if g.actions.isEmpty {
                    h.element("p", ["class": "warning"], "No action addresses this weakness: the plan is incomplete until one does.")
                } else {
                    h.table(caption: "Actions for \(short(f.id)) (\(Words.plural(g.actions.count, "action")))",
                            headers: ["Action", "Lead", "Due", "Status", "RAG", "Why", "Updates", "Last update"],
                            rows: g.actions.map { a in
                                ["\(a.id) \(a.title)", "\(a.leadOrganisation) (\(a.actionLead))", Words.due(a), Words.status(a.status),
                                 Words.rag(a.rag), a.ragReason, String(a.updates), a.lastUpdate.map(Words.shortDate) ?? "none"]
                            }, numeric: [6], classes: [2: { _ in "nowrap" }, 4: { "rag-" + ($0 == "Not rated" ? "none" : $0.lowercased()) },
                                                       7: { _ in "nowrap" }])
                    milestonesTable(g.actions, weakness: short(f.id))
                    ragStrips(g.actions)
                }
                h.raw("</div>")
            }
            h.raw("</section>\n")
        }

        // MARK: Status over time

        mutating func statusOverTime() {
            h.raw("<section aria-labelledby=\"status\">")
            h.element("h2", ["id": "status"], "Status of all actions over time")
            let points = data.statusOverTime()
            let statuses = ReportData.Status.allCases
            var table = CSV(["period_end"] + statuses.map(\.rawValue) + ["total"])
            for p in points { table.row([p.end.iso] + statuses.map { String(p.counts[$0] ?? 0) } + [String(p.total)]) }
            let file = csv("status-over-time", table)
            guard let last = points.last else {
                h.element("p", [:], "No action is recorded yet.")
                h.raw("</section>\n")
                return
            }
            let series = statuses.map { Chart.Series(key: $0.rawValue, label: Words.capitalised(Words.status($0)), fill: Palette.status($0)) }
            let weekly = points.count > 1 && points[0].end.days(until: points[1].end) == 7
            var summary = "The status of every action at the end of each \(weekly ? "week" : "month or quarter"), "
                + "from \(Words.longDate(points[0].end)) to today. Today (\(Words.longDate(last.end))): "
            summary += statuses.map { "\(last.counts[$0] ?? 0) \(Words.status($0))" }.joined(separator: ", ") + "."
            Chart(id: "chart-status", title: "Status of all actions over time", summary: summary, csv: file)
                .columnsStacked(&h, columns: points.map { p in
                    Chart.Column(label: weekly ? Words.shortDate(p.end) : Words.shortMonth(p.end),
                                 key: p.end.iso, values: statuses.map { p.counts[$0] ?? 0 })
                }, series: series)
            h.element("p", [:], data.statusHistorySource)
            h.table(caption: "Actions by status at the end of each period", headers: ["Period ending"] + statuses.map { Words.capitalised(Words.status($0)) } + ["Total"],
                    rows: points.map { p in [Words.shortDate(p.end)] + statuses.map { String(p.counts[$0] ?? 0) } + [String(p.total)] },
                    id: "table-status", numeric: Set(1...statuses.count + 1))
            h.raw("<p>Data: <a href=\"\(file)\">\(file)</a></p>")
            h.raw("</section>\n")
        }

        // MARK: KPIs

        mutating func kpis() {
            h.raw("<section aria-labelledby=\"kpis\">")
            h.element("h2", ["id": "kpis"], "Key performance indicators")
            var overview = CSV(["kpi_id", "name", "unit", "direction", "baseline", "baseline_date", "target", "target_date", "latest",
                                "latest_date", "readings", "trend", "on_target"])
            for k in data.kpis {
                overview.row([k.id, k.name, k.unit, k.lowerIsBetter ? "lower_is_better" : "higher_is_better", Words.number(k.baseline),
                              k.baselineDate?.iso ?? "", Words.number(k.target), k.targetDate?.iso ?? "", k.latest.map { Words.number($0.value) } ?? "",
                              k.latest?.date.iso ?? "", String(k.readings.count), k.trend, k.onTarget ? "yes" : "no"])
            }
            let overviewFile = csv("kpis", overview)
            guard !data.kpis.isEmpty else {
                h.element("p", [:], "No KPI is recorded yet.")
                h.raw("</section>\n")
                return
            }
            h.table(caption: "Every KPI: latest reading against baseline and target", headers: ["KPI", "Baseline", "Target", "Latest", "Trend", "On target"],
                    rows: data.kpis.map { k in
                        [k.name, Words.number(k.baseline), Words.number(k.target), k.latest.map { "\(Words.number($0.value)) (\(Words.shortDate($0.date)))" } ?? "no reading",
                         k.trend.replacingOccurrences(of: "_", with: " "), k.onTarget ? "yes" : "no"]
                    }, id: "table-kpis", numeric: [1, 2])
            h.raw("<p>Data: <a href=\"\(overviewFile)\">\(overviewFile)</a></p>")
            for k in data.kpis {
                var readings = CSV(["date", "value", "baseline", "target"])
                for r in k.readings { readings.row([r.date.iso, Words.number(r.value), Words.number(k.baseline), Words.number(k.target)]) }
                let file = csv("kpi-\(k.id)", readings)
                h.element("h3", ["id": "kpi-\(k.id)"], k.name)
                let sentence = KPIWords.sentence(k)
                h.element("p", [:], sentence)
                let summary = "\(k.name) (\(k.unit)): " + KPIWords.series(k) + " " + sentence
                Chart(id: "chart-kpi-\(k.id)", title: "\(k.name): readings against baseline and target", summary: summary, csv: file)
                    .kpiLine(&h, kpi: k, today: data.today)
                if !k.readings.isEmpty {
                    h.table(caption: "\(k.name): readings", headers: ["Date", "Value", "Against baseline", "Against target"],
                            rows: k.readings.map { r in
                                [Words.shortDate(r.date), Words.number(r.value), KPIWords.signed(r.value - k.baseline), KPIWords.signed(r.value - k.target)]
                            }, numeric: [1, 2, 3])
                }
                h.raw("<p>Data: <a href=\"\(file)\">\(file)</a></p>")
            }
            h.raw("</section>\n")
        }

        // MARK: Families

        mutating func families() {
            h.raw("<section aria-labelledby=\"families\">")
            h.element("h2", ["id": "families"], "What families told us")
            var rates = CSV(["questionnaire_id", "title", "group", "asked", "answered", "response_rate"])
            for q in data.questionnaires {
                rates.row([String(q.id), q.title, "overall", String(q.asked), String(q.answered), q.responseRate.map { Words.number($0 * 100) } ?? ""])
                for c in q.byChannel {
                    rates.row([String(q.id), q.title, c.channel, String(c.asked), String(c.answered),
                               c.asked == 0 ? "" : Words.number(Double(c.answered) / Double(c.asked) * 100)])
                }
            }
            let ratesFile = csv("questionnaires", rates)
            if data.questionnaires.isEmpty {
                h.element("p", ["class": "note"], "No questionnaire yet." + (data.commsNote.map { " " + $0 } ?? ""))
                h.raw("</section>\n")
                return
            }
            if let note = data.commsNote { h.element("p", ["class": "note"], note) }
            for q in data.questionnaires {
                let tables = QuestionnaireSection.render(&h, q, prefix: BoardPack.prefix, ratesFile: ratesFile, heading: 3, board: true)
                    + QuestionnaireSection.renderRounds(&h, q, prefix: BoardPack.prefix, heading: 3)
                for t in tables { _ = csv(t.name, t.table) }
            }
            h.raw("<p>Data: <a href=\"\(ratesFile)\">\(ratesFile)</a></p>")
            h.raw("</section>\n")
        }

        // MARK: Exceptions

        mutating func exceptions() {
            h.raw("<section aria-labelledby=\"exceptions\">")
            h.element("h2", ["id": "exceptions"], "Red actions and exceptions commentary")
            let e = data.exceptions
            var table = CSV(["action_id", "title", "status", "due", "lead_organisation", "action_lead", "rag_reason", "commentary_state",
                             "commentary", "commentary_on", "commentary_author", "status_set_to", "status_set_on", "status_set_by",
                             "status_set_by_role", "status_set_by_post"])
            for a in e.actions {
                let set = a.lastStatusChange
                table.row([a.actionID, a.title, a.status.rawValue, a.due.iso, a.leadOrganisation, a.actionLead, a.ragReason, a.state,
                           a.commentary ?? "", a.commentaryOn?.iso ?? "", a.commentaryAuthor ?? "", set?.to.rawValue ?? "",
                           set?.on.iso ?? "", set?.by?.person ?? "", set?.by?.role.rawValue ?? "", set?.by?.post ?? ""])
            }
            let file = csv("red-actions", table)
            var intro = "\(Words.plural(e.red, "action is", "actions are")) red"
            intro += e.missing == 0 ? "; each has a current exceptions commentary." : "; \(Words.count(e.missing)) without a current exceptions commentary"
            if e.missing > 0 {
                intro += e.sinceMeeting.map { " (none recorded since the last board meeting on \(Words.longDate($0)))." } ?? "."
            }
            h.element("p", [:], intro)
            if !e.actions.isEmpty {
                h.table(caption: "Red actions", headers: ["Action", "Lead", "Due", "Why red", "Exceptions commentary", "Recorded",
                                                          "Status last set"],
                        rows: e.actions.map { a in
                            let commentary: String = switch a.state {
                            case "missing": "Missing"
                            case "stale": "Stale (before the last meeting): " + (a.commentary ?? "")
                            default: a.commentary ?? "Missing"
                            }
                            let due = byID[a.actionID].map(Words.due) ?? Words.shortDate(a.due)
                            return ["\(a.actionID) \(a.title)", "\(a.leadOrganisation) (\(a.actionLead))", due, a.ragReason,
                                    commentary, a.commentaryOn.map { Words.shortDate($0) + (a.commentaryAuthor.map { ", \($0)" } ?? "") } ?? "—",
                                    a.lastStatusChange.map(Words.statusSet) ?? "—"]
                        }, id: "table-red", classes: [2: { _ in "nowrap" }, 4: { $0 == "Missing" ? "missing" : $0.hasPrefix("Stale") ? "stale" : nil }])
            }
            h.raw("<p>Data: <a href=\"\(file)\">\(file)</a></p>")
            h.raw("</section>\n")
        }

        mutating func footer() {
            h.raw("<footer>")
            h.element("p", [:], "Made by sendctl report board-pack on \(data.generatedAt.description.prefix(16).replacingOccurrences(of: "T", with: " ")) UTC "
                + "from the findings, board and comms services; figures as of \(Words.longDate(data.today)).")
            h.element("p", [:], "People are named by their post. Exceptions commentary is internal to the board.")
            h.raw("</footer>")
        }
    }
}
