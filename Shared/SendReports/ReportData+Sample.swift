public import SendModel

extension ReportData {
    /// A plan of `actions` actions and `changes` status changes (creation included) with invented
    /// figures: 200 weaknesses, 5 KPIs of 36 readings, 2 questionnaires, 20 published updates, and
    /// an exceptions commentary on every other red action. For the benchmark and the tests; the same
    /// arguments give the same data.
    public static func sample(actions count: Int, changes: Int, today: LocalDate = LocalDate(iso: "2026-03-02")!) -> ReportData {
        let start = today.adding(days: -540)
        let leads = ["Lancashire County Council", "Morecambe Bay CCG", "Blackpool CCG", "Lancashire schools forum",
                     "Lancashire Care NHS Foundation Trust"]
        let kinds: [FindingKind] = [.fundamentalFailing, .areaOfSignificantWeakness, .areaOfSignificantWeakness, .areaForImprovement]
        let findingCount = 200
        let inspection = Inspection(
            id: "INS-sample-2024", localArea: "Sampleshire", framework: "2016", outcome: "wsoa_required",
            visitStart: start.adding(days: -70), visitEnd: start.adding(days: -66), published: start.adding(days: -20),
            deadlines: ["wsoa_due": start.adding(days: 80), "revisit_window_start": start.adding(days: 445),
                        "revisit_window_end": start.adding(days: 628)])
        var findings = (1...findingCount).map { i in
            Finding(id: "INS-sample-2024-F\(i < 10 ? "0" : "")\(i)", kind: kinds[i % kinds.count], theme: "Theme \(i % 17) area \(i)",
                    summary: "Weakness number \(i): services do not yet meet the needs of children and young people in this area")
        }
        findings.append(Finding(id: "INS-sample-2024-S1", kind: .strength, theme: "attendance", summary: "High attendance"))

        // Status changes: each action is created, most start, some slip and recover, some finish.
        var history: [StatusChange] = []
        history.reserveCapacity(changes)
        var status = [Status](repeating: .notStarted, count: count)
        var ids: [String] = []
        ids.reserveCapacity(count)
        for n in 1...count {
            let digits = String(n)
            let id = "A-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            ids.append(id)
            history.append(StatusChange(actionID: id, from: nil, to: .notStarted, on: start.adding(days: n % 60)))
        }
        var k = 0
        while history.count < changes {
            let i = (k * 7919) % count
            let on = start.adding(days: 60 + (history.count * 480) / max(changes, 1))
            let next: Status? = switch status[i] {
            case .notStarted: .inProgress
            case .inProgress: k % 5 == 0 ? .completed : .delayed
            case .delayed: .inProgress
            case .completed: k % 3 == 0 ? .verified : nil
            case .verified, .cancelled, .suspended: nil
            }
            if let next {
                history.append(StatusChange(actionID: ids[i], from: status[i], to: next, on: on))
                status[i] = next
            } else if k % 11 == 0, status[i].isOpen {
                history.append(StatusChange(actionID: ids[i], from: status[i], to: .cancelled, on: on))
                status[i] = .cancelled
            } else {
                // A closed action: give the change to an open one instead.
                history.append(StatusChange(actionID: ids[(i + 1) % count], from: nil, to: status[(i + 1) % count], on: on))
            }
            k += 1
        }

        var plan = Plan(due: inspection.deadlines["wsoa_due"], submissions: [Submission(version: 1, on: start.adding(days: 78), forced: false)],
                        coverageRequired: findingCount, coverageCovered: findingCount - 10)
        var actions: [Action] = []
        actions.reserveCapacity(count)
        var red: [RedAction] = []
        for (i, id) in ids.enumerated() {
            let due = start.adding(days: 120 + (i * 13) % 600)
            let s = status[i]
            let overdue = s.isOpen && due < today
            let rag: RAG? = s == .cancelled ? nil : s == .delayed || overdue ? .red : s.isOpen && today.days(until: due) <= 14 ? .amber : .green
            let f1 = findings[(i * 31) % (findingCount - 10)].id, f2 = findings[i % (findingCount - 10)].id
            actions.append(Action(
                id: id, title: "Action \(i + 1): improve how services work together for children and families", status: s, rag: rag,
                ragReason: rag == .red ? "delayed" : "on track", leadOrganisation: leads[i % leads.count], actionLead: "Head of Service",
                start: start.adding(days: i % 200), due: due, overdue: overdue, findingIDs: f1 == f2 ? [f1] : [f1, f2],
                kpiID: "K-00\(1 + i % 5)", updates: changes / max(count, 1), lastUpdate: today.adding(days: -(i % 90))))
            if rag == .red {
                // Who set the status last: an action lead for most, before keys for every third.
                let set = StatusSet(from: s == .delayed ? .inProgress : s == .inProgress ? .notStarted : nil, to: s,
                                    on: today.adding(days: -(i % 30)),
                                    by: i % 3 == 0 ? nil : Actor(person: "P-\(3 + i % 4)", role: .actionLead, post: "Head of Service"))
                red.append(RedAction(actionID: id, title: actions[i].title, status: s, due: due, leadOrganisation: actions[i].leadOrganisation,
                                     actionLead: "Head of Service", ragReason: "delayed",
                                     commentary: i % 2 == 0 ? "Internal commentary on action \(i + 1)" : nil,
                                     commentaryAuthor: i % 2 == 0 ? "Head of Service" : nil, commentaryOn: i % 2 == 0 ? today : nil,
                                     state: i % 2 == 0 ? "current" : "missing", lastStatusChange: set))
            }
            plan.byStatus[s, default: 0] += 1
            switch rag {
            case .red?: plan.red += 1
            case .amber?: plan.amber += 1
            case .green?: plan.green += 1
            case nil: plan.notRated += 1
            }
            if overdue { plan.overdue += 1 }
        }
        plan.total = count
        plan.exceptionsMissing = red.filter { $0.state != "current" }.count

        let kpis = (1...5).map { n in
            KPI(id: "K-00\(n)", name: "Measure \(n) of the plan", unit: "per 1,000 children", baseline: 58, baselineDate: start.adding(days: -30),
                target: 30, targetDate: start.adding(days: 700), lowerIsBetter: true, trend: "improving", onTarget: false,
                readings: (0..<36).map { Reading(date: start.adding(days: $0 * 15), value: 58 - Double($0) * 0.6 + Double(($0 * n) % 5)) })
        }
        let questionnaires = (1...2).map { q in
            Questionnaire(id: Int64(q), title: "Questionnaire \(q)", anonymous: true, state: "closed", opens: start.adding(days: 100),
                          closes: start.adding(days: 140), asked: 12_400, answered: 5_000 + q * 700,
                          byChannel: [ChannelRate(channel: "email", asked: 9_000, answered: 4_000), ChannelRate(channel: "sms", asked: 2_400, answered: 1_000),
                                      ChannelRate(channel: "letter", asked: 1_000, answered: q * 700)],
                          questions: [
                            Question(number: 1, kind: "scale", text: "How well were you listened to?", answered: 5_000,
                                     distribution: [("1", 800), ("2", 1_200), ("3", 1_500), ("4", 1_000), ("5", 500)], mean: 2.8),
                            Question(number: 2, kind: "yes_no", text: "Do you know who to contact?", answered: 5_000, distribution: [("yes", 2_600), ("no", 2_400)]),
                            Question(number: 3, kind: "single_choice", text: "How would you like to hear from us?", answered: 4_900,
                                     distribution: [("Email", 3_000), ("Text message", 1_400), ("Letter", 500)]),
                            Question(number: 4, kind: "free_text", text: "What should change first?", answered: 2_100),
                          ])
        }
        let updates = (1...20).map { u in
            PublishedUpdate(id: Int64(u), actionID: ids[u % count], outcome: "completed", title: "You said, we did: update \(u)",
                            body: "What families told us, and what we did about it.", publishedOn: today.adding(days: -u * 10))
        }
        return ReportData(today: today, inspection: inspection, findings: findings, plan: plan, actions: actions, statusChanges: history,
                          statusHistorySource: "Invented for the benchmark.", kpis: kpis,
                          exceptions: Exceptions(sinceMeeting: today.adding(days: -20), red: red.count, missing: plan.exceptionsMissing, actions: red),
                          questionnaires: questionnaires, updates: updates)
    }
}
