public import SendModel

/// Reading the services' replies into `ReportData`: tolerant of absent fields, strict about nothing.
extension ReportFetcher {
    public static func plan(_ r: JSONValue) -> ReportData.Plan {
        var plan = ReportData.Plan()
        plan.due = date(r["due"])
        plan.submissions = (r["submissions"]?.arrayValue ?? []).compactMap { s in
            date(s["submitted_on"]).map { ReportData.Submission(version: int(s["version"]), on: $0, forced: s["forced"]?.boolValue ?? false) }
        }
        plan.approvedOn = date(r["approved"]?["date"])
        plan.coverageRequired = int(r["coverage"]?["required"])
        plan.coverageCovered = int(r["coverage"]?["covered"])
        plan.gaps = (r["coverage"]?["gaps"]?.arrayValue ?? []).compactMap(\.stringValue)
        let a = r["actions"] ?? .null
        for status in ReportData.Status.allCases { plan.byStatus[status] = int(a["by_status"]?[status.rawValue]) }
        plan.red = int(a["by_rag"]?["red"])
        plan.amber = int(a["by_rag"]?["amber"])
        plan.green = int(a["by_rag"]?["green"])
        plan.notRated = int(a["by_rag"]?["not_rated"])
        plan.total = int(a["total"])
        plan.overdue = int(a["overdue"])
        plan.exceptionsMissing = int(r["exceptions_missing"])
        // "The due date has passed" no longer needs the board's attention once the plan went in on time.
        let onTime = plan.submissions.first.map { s in plan.due.map { s.on <= $0 } ?? true } ?? false
        plan.warnings = (r["warnings"]?.arrayValue ?? []).filter { !(onTime && $0["code"]?.stringValue == "due_date_passed") }
            .compactMap { $0["message"]?.stringValue }
        return plan
    }

    public static func inspection(_ i: JSONValue) -> ReportData.Inspection? {
        guard let id = i["inspection_id"]?.stringValue else { return nil }
        var deadlines: [String: LocalDate] = [:]
        for (key, value) in i["deadlines"]?.objectValue ?? [:] { deadlines[key] = date(value) }
        let plans = (i["plans"]?.arrayValue ?? []).compactMap { p -> ReportData.CarriedPlan? in
            guard let pid = p["plan_id"]?.stringValue else { return nil }
            return ReportData.CarriedPlan(id: pid, kind: p["plan_kind"]?.stringValue ?? "", opened: date(p["opened"]),
                                          reviewExpected: date(p["review_expected"]))
        }
        return ReportData.Inspection(
            id: id, localArea: i["local_area"]?.stringValue ?? "", framework: i["framework"]?.stringValue ?? "",
            outcome: i["outcome"]?.stringValue ?? "", visitStart: date(i["visit_start"]), visitEnd: date(i["visit_end"]),
            published: date(i["published"]), deadlines: deadlines, plans: plans)
    }

    public static func finding(_ f: JSONValue) -> ReportData.Finding? {
        guard let id = f["finding_id"]?.stringValue, let kind = f["kind"]?.stringValue.flatMap(FindingKind.init(rawValue:)) else { return nil }
        return ReportData.Finding(
            id: id, kind: kind, theme: f["theme"]?.stringValue ?? "", summary: f["summary"]?.stringValue ?? "",
            judgement: f["judgement"]?["judgement"]?.stringValue, judgedOn: date(f["judgement"]?["date"]),
            planID: f["plan_id"]?.stringValue, carriedTo: f["carried_to"]?.stringValue)
    }

    /// An `actions.list` summary.
    public static func action(_ a: JSONValue) -> ReportData.Action? {
        guard let id = a["action_id"]?.stringValue,
              let status = a["status"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)) else { return nil }
        var action = ReportData.Action(
            id: id, title: a["title"]?.stringValue ?? "", status: status,
            rag: a["rag"]?.stringValue.flatMap(ReportData.RAG.init(rawValue:)), ragReason: a["rag_reason"]?.stringValue ?? "",
            leadOrganisation: a["lead_organisation"]?.stringValue ?? "", actionLead: a["action_lead"]?.stringValue ?? "",
            start: date(a["start"]) ?? LocalDate(dayNumber: 0), due: date(a["due"]) ?? LocalDate(dayNumber: 0),
            overdue: a["overdue"]?.boolValue ?? false, findingIDs: (a["finding_ids"]?.arrayValue ?? []).compactMap(\.stringValue),
            kpiID: a["kpi_id"]?.stringValue, updates: int(a["updates"]), lastUpdate: date(a["last_update"]),
            cancelReason: a["cancel_reason"]?.stringValue)
        action.baselineDue = date(a["baseline_due"])
        action.milestones = milestones(a)
        return action
    }

    public static func kpi(_ k: JSONValue, readings: [JSONValue]) -> ReportData.KPI? {
        guard let id = k["kpi_id"]?.stringValue else { return nil }
        let points = readings.compactMap { r -> ReportData.Reading? in
            guard let d = date(r["date"]), let v = r["value"]?.doubleValue else { return nil }
            return ReportData.Reading(date: d, value: v)
        }.sorted { $0.date < $1.date }
        return ReportData.KPI(
            id: id, name: k["name"]?.stringValue ?? id, unit: k["unit"]?.stringValue ?? "", baseline: k["baseline"]?.doubleValue ?? 0,
            baselineDate: date(k["baseline_date"]), target: k["target"]?.doubleValue ?? 0, targetDate: date(k["target_date"]),
            lowerIsBetter: k["direction"]?.stringValue != "higher_is_better", trend: k["trend"]?.stringValue ?? "no_readings",
            onTarget: k["on_target"]?.boolValue ?? false, readings: points)
    }

    /// `exceptions.list {"all": true}`, limited to the report's actions.
    public static func exceptions(_ r: JSONValue, keeping ids: Set<String>) -> ReportData.Exceptions {
        let actions = (r["actions"]?.arrayValue ?? []).compactMap { a -> ReportData.RedAction? in
            guard let id = a["action_id"]?.stringValue, ids.contains(id) else { return nil }
            let c = a["commentary"] ?? .null
            return ReportData.RedAction(
                actionID: id, title: a["title"]?.stringValue ?? "",
                status: a["status"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)) ?? .delayed,
                due: date(a["due"]) ?? LocalDate(dayNumber: 0), leadOrganisation: a["lead_organisation"]?.stringValue ?? "",
                actionLead: a["action_lead"]?.stringValue ?? "", ragReason: a["rag_reason"]?.stringValue ?? "",
                commentary: c["commentary"]?.stringValue, commentaryAuthor: c["author_role"]?.stringValue, commentaryOn: date(c["on"]),
                state: a["commentary_state"]?.stringValue ?? (c.isNull ? "missing" : "current"),
                lastStatusChange: statusSet(a["last_status_change"]))
        }
        return ReportData.Exceptions(sinceMeeting: date(r["since_meeting"]), red: actions.count,
                                     missing: actions.filter { $0.state != "current" }.count, actions: actions)
    }

    /// An action's `last_status_change` (`{from, to, on, by: {person, role, post} | null}`); nil when absent.
    static func statusSet(_ c: JSONValue?) -> ReportData.StatusSet? {
        guard let c, let to = c["to"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)), let on = date(c["on"]) else { return nil }
        var by = Actor(json: c["by"])
        by?.post = c["by"]?["post"]?.stringValue
        return ReportData.StatusSet(from: c["from"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)), to: to, on: on, by: by)
    }

    /// `questionnaires.results`, with the list entry and `questionnaires.show` for dates and the order of options.
    public static func questionnaire(_ r: JSONValue, listed: JSONValue, shown: JSONValue?) -> ReportData.Questionnaire? {
        guard let id = (r["questionnaire_id"] ?? listed["questionnaire_id"])?.intValue else { return nil }
        let shownQuestions = shown?["question_list"]?.arrayValue ?? shown?["questionnaire"]?["question_list"]?.arrayValue ?? []
        let channels = (r["by_channel"]?.objectValue ?? [:]).sorted { channelOrder($0.key) < channelOrder($1.key) }.map {
            ReportData.ChannelRate(channel: $0.key, asked: int($0.value["asked"]), answered: int($0.value["answered"]))
        }
        let questions = (r["questions"]?.arrayValue ?? []).enumerated().map { index, q -> ReportData.Question in
            let number = q["question"]?.intValue.map(Int.init) ?? index + 1
            let kind = q["kind"]?.stringValue ?? "free_text"
            let counts = q["distribution"]?.objectValue ?? [:]
            var order: [String] = []
            switch kind {
            case "scale": order = ["1", "2", "3", "4", "5"]
            case "yes_no": order = ["yes", "no"]
            default:
                let s = shownQuestions.first { $0["question"]?.intValue.map(Int.init) == number } ?? shownQuestions[safe: number - 1]
                order = (q["options"]?.arrayValue ?? s?["options"]?.arrayValue ?? []).compactMap(\.stringValue)
            }
            for key in counts.keys.sorted() where !order.contains(key) { order.append(key) }
            let distribution = kind == "free_text" ? [] : order.map { (answer: $0, count: int(counts[$0])) }
            return ReportData.Question(number: number, kind: kind, text: q["text"]?.stringValue ?? "", answered: int(q["answered"]),
                                       distribution: distribution, mean: q["mean"]?.doubleValue)
        }
        var parsed = ReportData.Questionnaire(
            id: id, title: (r["title"] ?? listed["title"])?.stringValue ?? "Questionnaire \(id)",
            anonymous: (r["anonymous"] ?? listed["anonymous"])?.boolValue ?? false,
            state: (r["state"] ?? listed["state"])?.stringValue ?? "", opens: date(listed["opens"]), closes: date(listed["closes"]),
            asked: int(r["asked"]), answered: int(r["answered"]), byChannel: channels, questions: questions)
        parsed.splits = splits(r)
        parsed.comparison = comparison(r)
        return parsed
    }

    static func channelOrder(_ channel: String) -> Int {
        ["email": 0, "sms": 1, "letter": 2, "not_delivered": 3][channel] ?? 4
    }

    public static func update(_ u: JSONValue) -> ReportData.PublishedUpdate? {
        guard let id = u["update_id"]?.intValue else { return nil }
        return ReportData.PublishedUpdate(
            id: id, actionID: u["action_id"]?.stringValue, outcome: u["outcome"]?.stringValue ?? "",
            title: u["title"]?.stringValue ?? "", body: u["body"]?.stringValue ?? "", publishedOn: date(u["published_at"]))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
