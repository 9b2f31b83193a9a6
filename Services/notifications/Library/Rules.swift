public import SendModel

/// The rules that turn events into notifications (the README has them as a table).
///
/// Rules read ids, kinds, dates and counts from event data; they never see personal data,
/// because no event carries any.
public enum Rules {
    /// Notifications for one event; none for events nobody needs to hear about.
    public static func notifications(for event: Event) -> [Notification] {
        if let runtime = RuntimeRules.notifications(for: event) { return runtime }
        if let watchdog = WatchdogRules.notifications(for: event) { return watchdog }
        let d = event.data
        func s(_ key: String) -> String { d[key]?.stringValue ?? "?" }
        func n(_ key: String) -> Int64 { d[key]?.intValue ?? 0 }
        let src = (service: event.source, seq: event.seq, type: event.type)
        func make(_ audience: [Audience], _ severity: Severity, _ title: String, _ text: String, _ kind: String, _ id: String) -> [Notification] {
            [Notification(type: event.type, audience: audience, severity: severity, title: title, text: text,
                          subjectKind: kind, subjectID: id, source: src)]
        }
        switch event.type {
        // findings
        case EventType.inspectionRecorded:
            let due = d["deadlines"]?["wsoa_due"]?.stringValue
            return make([.board, .operators], .info, "Inspection recorded: \(s("local_area"))",
                        "The \(s("framework")) framework inspection published \(s("published")) is recorded"
                        + (due.map { "; the written statement of action is due \($0)." } ?? "."),
                        "inspection", s("inspection_id"))
        case EventType.findingRecorded:
            let kind = s("kind")
            let serious = ["fundamental_failing", "area_of_significant_weakness", "priority_area"].contains(kind)
            return make([.board], serious ? .warning : .info, "Finding recorded: \(label(kind))",
                        "\(s("finding_id")) (\(s("theme"))): \(s("summary"))"
                        + (serious ? " It needs at least one action in the plan." : ""),
                        "finding", s("finding_id"))
        case EventType.findingJudged:
            let sufficient = s("judgement") == "sufficient"
            return make([.board, .parentCarerForum], sufficient ? .info : .warning,
                        sufficient ? "Sufficient progress: \(s("finding_id"))" : "Not sufficient progress: \(s("finding_id"))",
                        "At the revisit on \(s("date")) inspectors judged \(sufficient ? "sufficient" : "not sufficient") progress on \(s("finding_id")).",
                        "finding", s("finding_id"))
        case EventType.findingCarriedOver:
            return make([.board], .warning, "Carried into \(label(s("plan_kind"))): \(s("finding_id"))",
                        "\(s("finding_id")) continues as \(s("new_finding_id")) in plan \(s("plan_id")); it needs actions.",
                        "finding", s("new_finding_id"))
        // board
        case EventType.actionCreated:
            return make([.board], .info, "Action created: \(s("action_id"))",
                        "\(s("action_id")) led by \(s("lead_organisation")) is due \(s("due")); it addresses \(list(d["finding_ids"])).",
                        "action", s("action_id"))
        case EventType.actionUpdated:
            return make([.board], .info, "Action updated: \(s("action_id"))",
                        "\(s("action_id")) changed: \(list(d["changed"])).", "action", s("action_id"))
        case EventType.actionStatusChanged:
            let to = s("to")
            let severity: Severity = ["delayed", "cancelled"].contains(to) ? .warning : .info
            let audience: [Audience] = ["completed", "verified", "cancelled"].contains(to) ? [.board, .parentCarerForum] : [.board]
            return make(audience, severity, "Action \(s("action_id")) is \(label(to))",
                        "\(s("action_id")) moved from \(label(s("from"))) to \(label(to)).", "action", s("action_id"))
        case EventType.actionProgress:
            return make([.board], .info, "Progress on \(s("action_id"))",
                        "A progress update (\(s("update_id"))) was recorded for \(s("action_id")).", "action", s("action_id"))
        case EventType.actionOverdue:
            return make([.board, .operators], .urgent, "Action overdue: \(s("action_id"))",
                        "\(s("action_id")) was due \(s("due")) and is not completed.", "action", s("action_id"))
        case EventType.actionDueSoon:
            return make([.board], .warning, "Action due soon: \(s("action_id"))",
                        "\(s("action_id")) is due \(s("due")) (\(n("days_left")) days) and is not completed.", "action", s("action_id"))
        case EventType.coverageGap:
            return make([.board], .warning, "Weakness without an action: \(s("finding_id"))",
                        "\(s("finding_id")) (\(label(s("kind")))) has no open or completed action.", "finding", s("finding_id"))
        case EventType.kpiReading:
            guard d["on_target"]?.boolValue == false else { return [] }
            return make([.board], .warning, "KPI off target: \(s("kpi_id"))",
                        "The latest reading of \(s("kpi_id")) is off its target.", "kpi", s("kpi_id"))
        case EventType.decisionRecorded:
            return make([.board], .info, "Board decision recorded", "Decision \(s("decision_id")) was recorded.", "decision", s("decision_id"))
        case EventType.meetingRecorded:
            return make([.board], .info, "Board meeting recorded", "Meeting \(s("meeting_id")) was recorded.", "meeting", s("meeting_id"))
        // comms
        case EventType.questionnaireCreated:
            return make([.operators, .parentCarerForum], .info, "Questionnaire created: \(s("questionnaire_id"))",
                        "Questionnaire \(s("questionnaire_id")) was created.", "questionnaire", s("questionnaire_id"))
        case EventType.dispatchStarted:
            return make([.operators], .info, "Questionnaire going out: \(s("questionnaire_id"))",
                        "\(n("queued")) messages are queued for questionnaire \(s("questionnaire_id")).", "questionnaire", s("questionnaire_id"))
        case EventType.dispatchCompleted:
            return make([.operators], .info, "Questionnaire sent: \(s("questionnaire_id"))",
                        "Dispatch of \(s("questionnaire_id")) finished: \(n("delivered")) delivered, \(n("failed")) failed.",
                        "questionnaire", s("questionnaire_id"))
        case EventType.messageFailed:
            return make([.operators], .warning, "A message could not be delivered",
                        "Message \(s("message_id")) failed (\(s("status"))) on \(s("channel")).", "message", s("message_id"))
        case EventType.updatePublished:
            return make([.parentCarerForum, .board], .info, "Update published: \(s("update_id"))",
                        "A \"you said, we did\" update was sent to \(n("recipients")) families.", "update", s("update_id"))
        case EventType.enquiryReceived:
            return make([.operators], .info, "Enquiry received: \(s("enquiry_id"))",
                        "Enquiry \(s("enquiry_id")) must be answered by \(s("answer_by")).", "enquiry", s("enquiry_id"))
        case EventType.enquiryEscalated:
            return make([.operators, .board], .urgent, "Enquiry not answered in time: \(s("enquiry_id"))",
                        "Enquiry \(s("enquiry_id")) was due an answer by \(s("answer_by")) and has none.", "enquiry", s("enquiry_id"))
        // supervisor
        case EventType.serviceExited:
            // Stopped on an operator's request (`down`, `restart`): they know already.
            if d["expected"]?.boolValue == true { return [] }
            let how = d["signal"]?.stringValue.map { "was killed by \($0)" } ?? "exited with code \(n("exit_code"))"
            return make([.operators], .warning, "Service \(s("service")) stopped", "\(s("service")) (pid \(n("pid"))) \(how).",
                        "service", s("service"))
        case EventType.serviceRestarted:
            return make([.operators], .info, "Service \(s("service")) restarted",
                        "\(s("service")) is running again as pid \(n("pid")) (restart \(n("restarts"))).", "service", s("service"))
        case EventType.serviceFailed:
            return make([.operators], .urgent, "Service \(s("service")) has failed",
                        "\(s("service")) is no longer restarted: \(s("reason"))", "service", s("service"))
        default:
            return []
        }
    }

    /// A reminder that the written statement of action is due in `days` working days.
    public static func wsoaReminder(inspectionID: String, due: LocalDate, days: Int) -> Notification {
        Notification(type: "reminder.wsoa_due", audience: [.board, .operators], severity: days <= 2 ? .urgent : .warning,
                     title: "Written statement of action due in \(days) working days",
                     text: "The written statement of action for \(inspectionID) is due \(due.iso).",
                     subjectKind: "inspection", subjectID: inspectionID)
    }

    static func label(_ code: String) -> String { code.replacingOccurrences(of: "_", with: " ") }

    static func list(_ value: JSONValue?) -> String {
        let items = (value?.arrayValue ?? []).compactMap(\.stringValue)
        return items.isEmpty ? "-" : items.joined(separator: ", ")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
