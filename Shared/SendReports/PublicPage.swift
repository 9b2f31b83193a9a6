import SendModel

/// The public progress page: for families, in plain English.
///
/// What the inspectors found, what is being done and by when, what has changed, and "you said, we
/// did". It holds no personal data and no internal commentary: it never shows exceptions
/// commentary, progress notes, people's posts, free-text answers or anything from the families
/// commands — only the report's public wording, action titles, organisations, dates and counts.
public enum PublicPage {
    public static let htmlName = "progress.html"
    static let prefix = "progress-"
    /// How every CSV file beside the page begins.
    public static var csvPrefix: String { prefix }

    /// The ways a family can reach the partnership, shown in a "Contact us" section when given.
    public struct Contact: Sendable, Hashable {
        /// The enquiry form's address (family-portal's `/enquiries/new`).
        public var enquiryURL: String?
        public var phone: String?
        public var email: String?
        public var address: String?

        public init(enquiryURL: String? = nil, phone: String? = nil, email: String? = nil, address: String? = nil) {
            self.enquiryURL = enquiryURL
            self.phone = phone
            self.email = email
            self.address = address
        }

        var isEmpty: Bool { enquiryURL == nil && phone == nil && email == nil && address == nil }
    }

    /// The style sheet of both reports, which family-portal's pages share.
    public static var styleSheet: String { Page.css }

    public static func render(_ data: ReportData, contact: Contact? = nil) -> RenderedReport {
        var r = Renderer(data: data)
        r.contact = contact.flatMap { $0.isEmpty ? nil : $0 }
        r.render()
        return RenderedReport(html: ReportFile(name: htmlName, contents: r.h.out), csv: r.files)
    }

    /// How an action is doing, in the words families see: done, delayed or behind, under way, not started
    /// (every action that has not started, late or not: the page says when one is late), stopped.
    enum Progress: String, CaseIterable {
        case done, behind, underWay = "under_way", notStarted = "not_started", stopped

        init(_ a: ReportData.Action) {
            switch a.status {
            case .completed, .verified: self = .done
            case .cancelled, .suspended: self = .stopped
            case .delayed: self = .behind
            case .inProgress: self = a.overdue ? .behind : .underWay
            case .notStarted: self = .notStarted
            }
        }

        var words: String {
            switch self {
            case .done: "Done"
            case .behind: "Behind schedule"
            case .underWay: "Under way"
            case .notStarted: "Not started yet"
            case .stopped: "Stopped"
            }
        }

        var fill: Palette.Fill {
            switch self {
            case .done: Palette.status(.completed)
            case .behind: Palette.status(.delayed)
            case .underWay: Palette.status(.inProgress)
            case .notStarted: Palette.status(.notStarted)
            case .stopped: Palette.status(.cancelled)
            }
        }

        var listClass: String {
            switch self {
            case .done: "done"
            case .behind: "late"
            case .underWay: "going"
            case .notStarted, .stopped: ""
            }
        }
    }

    struct Renderer {
        let data: ReportData
        var h: HTML
        var files: [ReportFile] = []
        var contact: Contact?

        init(data: ReportData) {
            self.data = data
            h = HTML(capacity: 64 * 1024 + data.actions.count * 400)
        }

        mutating func csv(_ name: String, _ table: CSV) -> String {
            let file = PublicPage.prefix + name + ".csv"
            files.append(ReportFile(name: file, contents: table.text))
            return file
        }

        var area: String { Words.area(data) }

        mutating func render() {
            let title = "Improving SEND support in \(area): our progress"
            Page.start(&h, title: title, description: "What the inspectors found, what we are doing about it and by when, and what has changed.")
            h.raw("<header class=\"masthead\"><div class=\"wrap\">")
            h.element("p", ["class": "kicker"], "\(area) SEND Partnership")
            h.element("h1", [:], "Improving support for children and young people with SEND in \(area): our progress")
            h.element("p", [:], "Updated \(Words.longDate(data.today)).")
            h.raw("</div></header>\n<div class=\"wrap\">")
            h.raw("<nav class=\"contents\" aria-label=\"On this page\"><ol>")
            var sections = [("found", "What the inspectors found")]
            if !data.themes.isEmpty { sections.append(("themes", "Our plan, theme by theme")) }
            sections += [("doing", "What we are doing, and by when"), ("dates", "Key dates"),
                         ("changed", "What has changed"), ("chair", "The chair's updates"), ("you-said", "You said, we did")]
            if contact != nil { sections.append(("contact", "Contact us")) }
            sections.append(("about", "About this page"))
            for (anchor, name) in sections {
                h.raw("<li><a href=\"#\(anchor)\">\(name)</a></li>")
            }
            h.raw("</ol></nav>\n<main id=\"main\">\n")
            intro()
            found()
            themes()
            doing()
            dates()
            changed()
            chairUpdates()
            youSaid()
            contactUs()
            about()
            h.raw("</main>\n</div>")
            Page.finish(&h)
        }

        mutating func intro() {
            var text = "SEND means special educational needs and disabilities. "
            if let i = data.inspection, let published = i.published {
                text += "In \(Words.monthYear(published)) Ofsted and the Care Quality Commission (CQC) published a report on how well "
                    + "services in \(area) support children and young people with SEND and their families. It said what must get better. "
                    + "This page shows what the council, the NHS and schools are doing about it, and how far they have got."
            } else {
                text += "This page will show what the inspectors found and what is being done about it once the inspection report is recorded."
            }
            h.element("p", ["class": "lede"], text)
            let counts = Dictionary(grouping: data.actions.filter { $0.status != .cancelled }, by: Progress.init).mapValues(\.count)
            let total = data.actions.filter { $0.status != .cancelled }.count
            h.raw("<ul class=\"tiles\" aria-label=\"Progress at a glance\">")
            for (n, what, colour) in [(total, "things we promised to do", ""), (counts[.done] ?? 0, "done", "green"),
                                      (counts[.underWay] ?? 0, "under way", ""), (counts[.behind] ?? 0, "behind schedule", "red"),
                                      (counts[.notStarted] ?? 0, "not started yet", "grey")] {
                h.raw("<li class=\"tile\(colour.isEmpty ? "" : " " + colour)\"><span class=\"n\">\(Words.count(n))</span><span class=\"what\">")
                h.text(what)
                h.raw("</span></li>")
            }
            h.raw("</ul>")
        }

        /// How to reach the partnership: the enquiry form, phone, email, post.
        mutating func contactUs() {
            guard let contact else { return }
            h.raw("<section aria-labelledby=\"contact\">")
            h.element("h2", ["id": "contact"], "Contact us")
            h.element("p", [:], "If you have a question about SEND support in \(area), or about this page, you can ask us. We answer within 5 working days.")
            h.raw("<dl class=\"facts\">")
            if let url = contact.enquiryURL {
                h.element("dt", [:], "Online")
                h.raw("<dd>")
                h.element("a", ["href": url], "Ask us a question")
                h.raw("</dd>")
            }
            if let phone = contact.phone {
                h.element("dt", [:], "Phone")
                h.element("dd", [:], phone)
            }
            if let email = contact.email {
                h.element("dt", [:], "Email")
                h.raw("<dd>")
                h.element("a", ["href": "mailto:" + email], email)
                h.raw("</dd>")
            }
            if let address = contact.address {
                h.element("dt", [:], "Post")
                h.element("dd", [:], address)
            }
            h.raw("</dl></section>\n")
        }

        // MARK: Found

        mutating func found() {
            h.raw("<section aria-labelledby=\"found\">")
            h.element("h2", ["id": "found"], "What the inspectors found")
            let weak = data.findings.filter { $0.isWeakness && $0.planID == nil }
            let strengths = data.findings.filter { !$0.isWeakness }
            var table = CSV(["finding_id", "type", "theme", "what_the_report_says", "progress_at_revisit"])
            for f in data.findings where f.planID == nil {
                table.row([f.id, Words.kind(f.kind), f.theme, f.summary, f.judgement.map { $0 == "sufficient" ? "enough progress" : "not enough progress" } ?? ""])
            }
            let file = csv("findings", table)
            guard !data.findings.isEmpty else {
                h.element("p", [:], "The inspection report has not been recorded yet.")
                h.raw("</section>\n")
                return
            }
            let serious = weak.filter { $0.kind == .fundamentalFailing }
            h.element("p", [:], "The inspectors found \(Words.plural(weak.count, "thing", "things")) that must get better"
                + (serious.isEmpty ? "." : ", \(Words.plural(serious.count, "of them a serious failing", "of them serious failings"))."))
            h.element("h3", ["id": "found-improve"], "What must get better")
            h.raw("<ul>")
            for f in weak {
                h.raw("<li>")
                if f.kind == .fundamentalFailing { h.raw("<strong>Serious failing:</strong> ") }
                h.text(Words.capitalised(f.summary) + ".")
                if let j = f.judgement {
                    h.text(j == "sufficient" ? " At the revisit, inspectors found enough progress." : " At the revisit, inspectors found not enough progress yet.")
                }
                h.raw("</li>")
            }
            h.raw("</ul>")
            if !strengths.isEmpty {
                h.element("h3", ["id": "found-well"], "What is working well")
                h.raw("<ul>")
                for f in strengths { h.element("li", [:], Words.capitalised(f.summary) + ".") }
                h.raw("</ul>")
            }
            h.raw("<p>Download: <a href=\"\(file)\">the findings as a spreadsheet (CSV)</a>.</p>")
            h.raw("</section>\n")
        }

        // MARK: Doing

        mutating func doing() {
            h.raw("<section aria-labelledby=\"doing\">")
            h.element("h2", ["id": "doing"], "What we are doing, and by when")
            let actions = data.actions.filter { $0.status != .cancelled }
            var byProgress = CSV(["progress", "actions"])
            let counts = Dictionary(grouping: actions, by: Progress.init).mapValues(\.count)
            let order: [Progress] = [.done, .underWay, .behind, .notStarted]
            for p in order { byProgress.row([p.words, String(counts[p] ?? 0)]) }
            let chartFile = csv("progress", byProgress)
            var list = CSV(["area_to_improve", "action", "who_leads_it", "due_by", "first_planned_by", "progress", "why_stopped", "milestones"])
            let groups = data.weaknesses()
            for g in groups {
                for a in g.actions {
                    list.row([g.finding.theme, a.title, a.leadOrganisation, a.due.iso, (a.baselineDue ?? a.due).iso, Progress(a).words,
                              a.cancelReason ?? "", a.milestones.map { "\($0.title): \($0.publicWords(today: data.today))" }.joined(separator: "; ")])
                }
            }
            let listFile = csv("actions", list)
            guard !actions.isEmpty else {
                h.element("p", [:], "The plan's actions have not been recorded yet.")
                h.raw("</section>\n")
                return
            }
            var intro = "There \(actions.count == 1 ? "is" : "are") \(Words.plural(actions.count, "action")) in our plan."
            let stoppedCount = data.actions.count - actions.count
            if stoppedCount > 0 {
                intro += stoppedCount == 1 ? " One more was stopped; it is listed below with the reason."
                    : " \(Words.count(stoppedCount)) more were stopped; each is listed below with the reason."
            }
            if let due = data.plan.due { intro += " The plan was due by \(Words.longDate(due))" + (data.plan.submissions.first.map { "; we sent it on \(Words.longDate($0.on))." } ?? ".") }
            h.element("p", [:], intro)
            let summary = "How far our \(Words.plural(actions.count, "action")) have got: "
                + order.map { "\(counts[$0] ?? 0) \($0.words.lowercased())" }.joined(separator: ", ") + "."
            Chart(id: "chart-progress", title: "How far our actions have got", summary: summary, csv: chartFile, width: 400, font: 16, scrolls: false)
                .horizontalBars(&h, rows: order.map { p in
                    Chart.SimpleBar(label: p.words, key: p.rawValue, value: Double(counts[p] ?? 0), text: Words.count(counts[p] ?? 0), fill: p.fill)
                }, maximum: Double(actions.count).nonZero, labelWidth: 150, series: "actions", labelsAbove: true)
            let since = data.statusSince()
            for (n, g) in groups.enumerated() {
                let open = g.actions.filter { $0.status != .cancelled }
                let stopped = g.actions.filter { $0.status == .cancelled }
                h.element("h3", ["id": "doing-\(n + 1)"], Words.capitalised(g.finding.theme))
                h.element("p", ["class": "quote"], "The inspectors said: \(Words.capitalised(g.finding.summary)).")
                defer { stoppedList(stopped, since: since) }
                if open.isEmpty {
                    h.element("p", [:], g.finding.judgement == "sufficient" ? "Inspectors found enough progress here." : "We are still agreeing what to do about this.")
                    continue
                }
                h.raw("<ul class=\"actions\">")
                for a in open.sorted(by: { ($0.due, $0.id) < ($1.due, $1.id) }) {
                    let p = Progress(a)
                    h.raw("<li class=\"\(p.listClass)\">")
                    h.element("strong", [:], a.title)
                    h.raw("<span class=\"meta\">")
                    let state = a.status.isDone ? "Done" + (since[a.id].map { " in \(Words.monthYear($0))" } ?? "")
                        : p == .notStarted && a.overdue ? "Not started yet, and late · it was to be done by \(Words.publicDue(a))"
                        : "\(p.words) · to be done by \(Words.publicDue(a))"
                    h.text("\(state) · led by \(a.leadOrganisation)")
                    h.raw("</span>")
                    milestoneList(a)
                    h.raw("</li>")
                }
                h.raw("</ul>")
            }
            h.raw("<p>Download: <a href=\"\(listFile)\">every action as a spreadsheet (CSV)</a>.</p>")
            h.raw("</section>\n")
        }

        /// The actions the board stopped, each with the reason it recorded.
        mutating func stoppedList(_ stopped: [ReportData.Action], since: [String: LocalDate]) {
            guard !stopped.isEmpty else { return }
            h.element("p", [:], stopped.count == 1 ? "One action here was stopped:" : "\(Words.count(stopped.count)) actions here were stopped:")
            h.raw("<ul class=\"actions stopped\">")
            for a in stopped.sorted(by: { $0.id < $1.id }) {
                h.raw("<li>")
                h.element("strong", [:], a.title)
                h.raw("<span class=\"meta\">")
                let when = since[a.id].map { " in \(Words.monthYear($0))" } ?? ""
                let why = a.cancelReason.map { Words.capitalised($0.trimmingSpaces) } ?? ""
                h.text("Stopped\(when)" + (why.isEmpty ? "" : " · why: " + why + (why.hasSuffix(".") ? "" : ".")))
                h.raw("</span></li>")
            }
            h.raw("</ul>")
        }

        // MARK: Dates

        mutating func dates() {
            h.raw("<section aria-labelledby=\"dates\">")
            h.element("h2", ["id": "dates"], "Key dates")
            let entries = data.keyDates().filter { $0.kind != "approved" }
            var table = CSV(["date", "end", "what"])
            for e in entries { table.row([e.date.iso, e.end?.iso ?? "", plainLabel(e)]) }
            let file = csv("dates", table)
            guard !entries.isEmpty else {
                h.element("p", [:], "There are no dates to show yet.")
                h.raw("</section>\n")
                return
            }
            let marks = entries.filter { $0.end == nil || $0.kind == "visit" }.map {
                Chart.DateMark(date: $0.date, label: shortLabel($0), kind: $0.kind, future: $0.date > data.today)
            }
            let bands = entries.filter { $0.end != nil && $0.kind != "visit" }.map {
                Chart.DateBand(start: $0.date, end: $0.end!, label: "Inspectors expected back", kind: $0.kind)
            }
            let summary = "Key dates: " + entries.map { "\(plainLabel($0)), \(dateWords($0))" }.joined(separator: "; ") + "."
            Chart(id: "chart-dates", title: "Key dates", summary: summary, csv: file, width: 380, font: 16, scrolls: false)
                .timelineDown(&h, marks: marks, bands: bands, today: data.today)
            h.raw("<p>Download: <a href=\"\(file)\">the key dates (CSV)</a>.</p>")
            h.raw("</section>\n")
        }

        func dateWords(_ e: ReportData.DateEntry) -> String {
            Words.longDate(e.date) + (e.end.map { " to \(Words.longDate($0))" } ?? "")
        }

        func plainLabel(_ e: ReportData.DateEntry) -> String {
            switch e.kind {
            case "visit": "Inspectors visited"
            case "published": "The inspection report was published"
            case "plan_due": "Our written plan (the \(e.label.hasPrefix("Priority") ? "priority action plan" : "written statement of action")) was due"
            case "submitted": "We sent our plan to the inspectors"
            case "revisit_window": "Inspectors are expected to come back to check progress"
            case "monitoring": "Inspectors are expected to come back to check progress"
            case "judged": "Inspectors came back and judged our progress"
            case "plan_opened": "A new plan started for the areas without enough progress"
            case "review": "Inspectors are expected to review progress again"
            default: e.label
            }
        }

        /// On the timeline: short enough for one line on a phone.
        func shortLabel(_ e: ReportData.DateEntry) -> String {
            switch e.kind {
            case "visit": "Inspectors visited"
            case "published": "Inspection report published"
            case "plan_due": "Our written plan was due"
            case "submitted": "We sent our plan"
            case "revisit_window", "monitoring": "Inspectors expected back"
            case "judged": "Inspectors judged our progress"
            case "plan_opened": "New plan for areas still behind"
            case "review": "Progress review expected"
            default: e.label
            }
        }

        // MARK: Changed

        mutating func changed() {
            h.raw("<section aria-labelledby=\"changed\">")
            h.element("h2", ["id": "changed"], "What has changed")
            let since = data.statusSince()
            let done = data.actions.filter { $0.status.isDone }.sorted { (since[$0.id] ?? $0.due, $0.id) > (since[$1.id] ?? $1.due, $1.id) }
            var table = CSV(["action", "done_on", "led_by"])
            for a in done { table.row([a.title, since[a.id]?.iso ?? "", a.leadOrganisation]) }
            let doneFile = csv("done", table)
            if data.kpis.isEmpty && done.isEmpty {
                h.element("p", [:], "Nothing has been finished or measured yet. We will show what has changed here as it happens.")
            }
            for k in data.kpis {
                var readings = CSV(["date", "value", "starting_figure", "aim"])
                for r in k.readings { readings.row([r.date.iso, Words.number(r.value), Words.number(k.baseline), Words.number(k.target)]) }
                let file = csv("measure-\(k.id)", readings)
                h.element("h3", ["id": "measure-\(k.id)"], k.name)
                let sentence = KPIWords.plain(k)
                h.element("p", [:], sentence)
                Chart(id: "chart-measure-\(k.id)", title: "\(k.name) over time", summary: "\(k.name) (\(k.unit)). " + KPIWords.series(k) + " " + sentence,
                      csv: file, width: 400, font: 13, scrolls: false)
                    .kpiLine(&h, kpi: k, today: data.today, plotHeight: 200)
                h.raw("<p>Download: <a href=\"\(file)\">these figures (CSV)</a>.</p>")
            }
            if !done.isEmpty {
                h.element("h3", ["id": "changed-done"], "Done so far")
                h.raw("<ul>")
                for a in done.prefix(200) {
                    h.raw("<li>")
                    h.text(a.title + (since[a.id].map { " (\(Words.monthYear($0)))" } ?? ""))
                    h.raw("</li>")
                }
                h.raw("</ul>")
                if done.count > 200 { h.element("p", [:], "And \(Words.count(done.count - 200)) more: see the spreadsheet.") }
                h.raw("<p>Download: <a href=\"\(doneFile)\">everything done so far (CSV)</a>.</p>")
            }
            h.raw("</section>\n")
        }

        // MARK: You said, we did

        mutating func youSaid() {
            h.raw("<section aria-labelledby=\"you-said\">")
            h.element("h2", ["id": "you-said"], "You said, we did")
            // Overall only: response rates by channel are for the board (small groups are not for publication).
            var rates = CSV(["questionnaire_id", "title", "group", "asked", "answered", "response_rate"])
            for q in data.questionnaires {
                let published = q.asked >= QuestionnaireSection.smallestPublishedGroup
                rates.row([String(q.id), q.title, "overall", String(q.asked), String(q.answered),
                           published ? q.responseRate.map { Words.number($0 * 100) } ?? "" : ""])
            }
            let ratesFile = csv("questionnaires", rates)
            h.element("h3", ["id": "you-said-asked"], "What you told us")
            if data.questionnaires.isEmpty {
                h.element("p", ["class": "note"], "No questionnaire yet. When we ask families for their views, the results will appear here.")
            } else {
                for q in data.questionnaires {
                    let tables = QuestionnaireSection.render(&h, q, prefix: PublicPage.prefix, ratesFile: ratesFile, heading: 4, board: false)
                    for t in tables { _ = csv(t.name, t.table) }
                }
            }
            h.element("h3", ["id": "you-said-did"], "What we did")
            var updates = CSV(["published_on", "title", "outcome", "text"])
            for u in data.updates { updates.row([u.publishedOn?.iso ?? "", u.title, u.outcome, u.body]) }
            let updatesFile = csv("updates", updates)
            if data.updates.isEmpty {
                h.element("p", [:], "No update has been published yet. We will tell you here what we did about what you said.")
            } else {
                for u in data.updates {
                    h.raw("<article class=\"update\">")
                    h.element("h4", [:], u.title)
                    if let d = u.publishedOn { h.element("p", ["class": "meta"], "Published \(Words.longDate(d))") }
                    h.element("p", [:], u.body)
                    h.raw("</article>")
                }
                h.raw("<p>Download: <a href=\"\(updatesFile)\">all updates (CSV)</a>.</p>")
            }
            h.raw("</section>\n")
        }

        mutating func about() {
            h.raw("<section aria-labelledby=\"about\">")
            h.element("h2", ["id": "about"], "About this page")
            h.element("p", [:], "This page is made from the SEND Partnership's own records on \(Words.longDate(data.today)). "
                + "It has no personal information about any child or family: questionnaire results are counts, and what families wrote in their own words is not published.")
            h.element("p", [:], "Every chart on this page is also described in words, and its figures can be downloaded as a spreadsheet (CSV).")
            h.raw("</section>\n")
        }
    }
}
