public import SendModel

/// What the reports compute from the data: pure, so the tests check the same figures the pages show.
extension ReportData {
    /// The statuses of the actions at the end of each period, from the first recorded change to today.
    public struct StatusPoint: Sendable {
        public let end: LocalDate
        public let counts: [Status: Int]

        public var total: Int { counts.values.reduce(0, +) }
    }

    /// Weeks over a span of up to 16 weeks, months up to 3 years, quarters beyond; the last point is today.
    public func statusOverTime() -> [StatusPoint] {
        let changes = statusChanges.enumerated().sorted { ($0.element.on, $0.offset) < ($1.element.on, $1.offset) }.map(\.element)
        guard let start = changes.first?.on, start <= today else { return [] }
        var ends: [LocalDate] = []
        let span = start.days(until: today)
        if span <= 112 {
            var d = start.adding(days: 6)
            while d < today { ends.append(d); d = d.adding(days: 7) }
        } else {
            let months = span <= 3 * 366 ? 1 : 3
            var m = LocalDate(year: start.year, month: start.month, day: 1)!
            if months == 3 { m = LocalDate(year: start.year, month: (start.month - 1) / 3 * 3 + 1, day: 1)! }
            while true {
                let end = m.adding(months: months).adding(days: -1)
                if end >= today { break }
                ends.append(end)
                m = m.adding(months: months)
            }
        }
        ends.append(today)

        var current: [String: Status] = [:]
        current.reserveCapacity(actions.count)
        var counts = [Int](repeating: 0, count: Status.allCases.count)
        let index = Dictionary(uniqueKeysWithValues: Status.allCases.enumerated().map { ($1, $0) })
        var points: [StatusPoint] = []
        var i = 0
        for end in ends {
            while i < changes.count && changes[i].on <= end {
                let c = changes[i]
                if let old = current[c.actionID] { counts[index[old]!] -= 1 }
                current[c.actionID] = c.to
                counts[index[c.to]!] += 1
                i += 1
            }
            var byStatus: [Status: Int] = [:]
            for (s, n) in zip(Status.allCases, counts) { byStatus[s] = n }
            points.append(StatusPoint(end: end, counts: byStatus))
        }
        return points
    }

    /// The day each action last reached its current status (completion dates for "what has changed").
    public func statusSince() -> [String: LocalDate] {
        var since: [String: LocalDate] = [:]
        for c in statusChanges { since[c.actionID] = c.on }
        return since
    }

    /// A weakness and the actions addressing it.
    public struct WeaknessActions: Sendable {
        public let finding: Finding
        public let actions: [Action]

        public func count(_ rag: RAG?) -> Int { actions.filter { $0.rag == rag }.count }
    }

    /// Every weakness of the inspection with its actions, in the report's order; weaknesses carried
    /// into a later plan after those of the report.
    public func weaknesses() -> [WeaknessActions] {
        var byFinding: [String: [Action]] = [:]
        for a in actions {
            for id in a.findingIDs { byFinding[id, default: []].append(a) }
        }
        let weak = findings.filter(\.isWeakness)
        let ordered = weak.filter { $0.planID == nil } + weak.filter { $0.planID != nil }
        return ordered.map { WeaknessActions(finding: $0, actions: byFinding[$0.id] ?? []) }
    }

    public struct DateEntry: Sendable {
        public let date: LocalDate
        /// The last day, for a period (the revisit window).
        public let end: LocalDate?
        /// `visit`, `published`, `plan_due`, `submitted`, `approved`, `revisit_window`, `monitoring`, `judged`, `plan_opened`, `review`.
        public let kind: String
        public let label: String
    }

    /// The statutory dates and what happened on them, in date order.
    public func keyDates() -> [DateEntry] {
        var out: [DateEntry] = []
        guard let i = inspection else { return out }
        if let s = i.visitStart { out.append(DateEntry(date: s, end: i.visitEnd, kind: "visit", label: "Inspection visit")) }
        if let p = i.published { out.append(DateEntry(date: p, end: nil, kind: "published", label: "Report published")) }
        if let d = i.deadlines["wsoa_due"] {
            out.append(DateEntry(date: d, end: nil, kind: "plan_due", label: "Written statement of action due"))
        } else if let d = i.deadlines["pap_due"] {
            out.append(DateEntry(date: d, end: nil, kind: "plan_due", label: "Priority action plan due"))
        }
        for s in plan.submissions {
            out.append(DateEntry(date: s.on, end: nil, kind: "submitted",
                                 label: plan.submissions.count == 1 ? "Plan submitted" : "Plan submitted (version \(s.version))"))
        }
        if let a = plan.approvedOn { out.append(DateEntry(date: a, end: nil, kind: "approved", label: "Plan approved by the board")) }
        if let s = i.deadlines["revisit_window_start"], let e = i.deadlines["revisit_window_end"] {
            out.append(DateEntry(date: s, end: e, kind: "revisit_window", label: "Revisit window"))
        }
        if let m = i.deadlines["monitoring_expected"] {
            out.append(DateEntry(date: m, end: nil, kind: "monitoring", label: "Monitoring inspection expected"))
        }
        let judged = Dictionary(grouping: findings.filter { $0.judgedOn != nil }, by: { $0.judgedOn! })
        for (d, list) in judged.sorted(by: { $0.key < $1.key }) {
            let sufficient = list.filter { $0.judgement == "sufficient" }.count
            out.append(DateEntry(date: d, end: nil, kind: "judged",
                                 label: "Revisit: \(sufficient) of \(list.count) weaknesses made sufficient progress"))
        }
        for p in i.plans {
            let name = p.kind == "priority_action_plan" ? "Priority action plan" : "Accelerated progress plan"
            if let o = p.opened { out.append(DateEntry(date: o, end: nil, kind: "plan_opened", label: "\(name) opened")) }
            if let r = p.reviewExpected { out.append(DateEntry(date: r, end: nil, kind: "review", label: "Progress review expected")) }
        }
        return out.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
    }
}
