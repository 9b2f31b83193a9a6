public import SendModel

/// The rules that turn events into notifications (the README has them as a table).
///
/// Rules read ids, kinds, dates and counts from event data; they never see personal data,
/// because no event carries any.
public enum Rules {
    /// Notifications for one event; none for events nobody needs to hear about. Data that does not
    /// decode as its payload type throws an error naming the event and the field: a notification
    /// never says "?".
    public static func notifications(for event: Event) throws -> [Notification] {
        if let runtime = RuntimeRules.notifications(for: event) { return runtime }
        if let watchdog = try WatchdogRules.notifications(for: event) { return watchdog }
        let src = (service: event.source, seq: event.seq, type: event.type)
        func make(_ audience: [Audience], _ severity: Severity, _ title: String, _ text: String, _ kind: String, _ id: String) -> [Notification] {
            [Notification(type: event.type, audience: audience, severity: severity, title: title, text: text,
                          subjectKind: kind, subjectID: id, source: src)]
        }
        func named(_ id: String, _ title: String) -> String { title.isEmpty ? id : "\(id) \(title)" }
        switch event.type {
        // findings
        case EventType.inspectionRecorded:
            let e = try event.decode(as: InspectionRecorded.self)
            return make([.board, .operators], .info, "Inspection recorded: \(e.localArea)",
                        "The \(e.framework.rawValue) framework inspection published \(e.published.iso) is recorded"
                        + (e.deadlines.wsoaDue.map { "; the written statement of action is due \($0.iso)." } ?? "."),
                        "inspection", e.inspectionID)
        case EventType.findingRecorded:
            let e = try event.decode(as: FindingRecorded.self)
            let serious = e.kind.needsAction
            return make([.board], serious ? .warning : .info, "Finding recorded: \(e.kind.words)",
                        "\(e.findingID) (\(e.theme)): \(e.summary)" + (serious ? " It needs at least one action in the plan." : ""),
                        "finding", e.findingID)
        case EventType.findingJudged:
            let e = try event.decode(as: FindingJudged.self)
            let sufficient = e.judgement == .sufficient
            return make([.board, .parentCarerForum], sufficient ? .info : .warning,
                        (sufficient ? "Sufficient progress: " : "Not sufficient progress: ") + named(e.findingID, short(e.summary)),
                        "At the revisit on \(e.date.iso) inspectors judged \(sufficient ? "sufficient" : "not sufficient") progress on \(e.findingID): \(e.summary)",
                        "finding", e.findingID)
        case EventType.findingCarriedOver:
            let e = try event.decode(as: FindingCarriedOver.self)
            return make([.board], .warning, "Carried into \(e.planKind.words): \(named(e.findingID, short(e.summary)))",
                        "\(e.findingID) continues as \(e.newFindingID) in plan \(e.planID); it needs actions.",
                        "finding", e.newFindingID)
        // board
        case EventType.actionCreated:
            let e = try event.decode(as: ActionCreated.self)
            if e.importID != nil { return [] }  // one notification for the whole import: actions.imported
            return make([.board], .info, "Action created: \(named(e.actionID, e.title))",
                        "\(e.actionID) led by \(e.leadOrganisation) is due \(e.due.iso); it addresses \(list(e.findingIDs)).",
                        "action", e.actionID)
        case EventType.actionUpdated:
            let e = try event.decode(as: ActionUpdated.self)
            return make([.board], .info, "Action updated: \(named(e.actionID, e.title))",
                        "\(e.actionID) changed: \(list(e.changed)).", "action", e.actionID)
        case EventType.actionStatusChanged:
            let e = try event.decode(as: ActionStatusChanged.self)
            if e.importID != nil { return [] }
            let severity: Severity = [.delayed, .cancelled].contains(e.to) ? .warning : .info
            let audience: [Audience] = [.completed, .verified, .cancelled].contains(e.to) ? [.board, .parentCarerForum] : [.board]
            return make(audience, severity, "Action \(named(e.actionID, e.title)) is \(e.to.words)",
                        "\(e.actionID) moved from \(e.from.words) to \(e.to.words)" + (e.reason.map { ": \($0)" } ?? "."),
                        "action", e.actionID)
        case EventType.actionProgress:
            let e = try event.decode(as: ActionProgress.self)
            if e.importID != nil { return [] }
            return make([.board], .info, "Progress on \(named(e.actionID, e.title))",
                        "A progress update (\(e.updateID)) was recorded for \(e.actionID).", "action", e.actionID)
        case EventType.actionsImported:
            // A tracker moved in: one notification when its last request is applied, not one per action and update.
            let e = try event.decode(as: ActionsImported.self)
            guard e.chunk == e.chunks else { return [] }
            return make([.board], .info, "Actions imported: \(e.importActions) action\(e.importActions == 1 ? "" : "s") with \(e.importUpdates) progress update\(e.importUpdates == 1 ? "" : "s")",
                        "Import \(e.importID) recorded \(e.importActions) action\(e.importActions == 1 ? "" : "s") and \(e.importUpdates) progress update\(e.importUpdates == 1 ? "" : "s")"
                        + (e.chunks > 1 ? " in \(e.chunks) requests" : "") + "; the last request created \(e.firstActionID)–\(e.lastActionID). "
                        + "Its actions, status changes and updates are not notified one by one: see sendctl actions list.",
                        "import", e.importID)
        case EventType.actionOverdue:
            let e = try event.decode(as: ActionOverdue.self)
            return make([.board, .operators], .urgent, "Action overdue: \(named(e.actionID, e.title)), due \(e.due.iso)",
                        "\(e.actionID) was due \(e.due.iso) and is not completed.", "action", e.actionID)
        case EventType.actionDueSoon:
            let e = try event.decode(as: ActionDueSoon.self)
            return make([.board], .warning, "Action due soon: \(named(e.actionID, e.title)), due \(e.due.iso)",
                        "\(e.actionID) is due \(e.due.iso) (in \(e.daysLeft) day\(e.daysLeft == 1 ? "" : "s")) and is not completed.",
                        "action", e.actionID)
        case EventType.coverageGap:
            let e = try event.decode(as: CoverageGap.self)
            return make([.board], .warning, "Weakness without an action: \(named(e.findingID, short(e.summary)))",
                        "\(e.findingID) (\(e.kind.words)) has no open or completed action"
                        + (e.actionID.map { " since \($0) \(e.reason == .actionCancelled ? "was cancelled" : "stopped addressing it")." } ?? "."),
                        "finding", e.findingID)
        case EventType.coverageClosed:
            let e = try event.decode(as: CoverageClosed.self)
            return make([.board], .info, "Weakness has an action again: \(named(e.findingID, short(e.summary)))",
                        "\(e.findingID) (\(e.kind.words)) is addressed by \(e.actionID).", "finding", e.findingID)
        case EventType.kpiReading:
            let e = try event.decode(as: KPIReading.self)
            guard !e.onTarget else { return [] }
            return make([.board], .warning, "KPI off target: \(e.kpiID)",
                        "The latest reading of \(e.kpiID) (\(e.date.iso)) is off its target.", "kpi", e.kpiID)
        // Change control and RAG history (issue 18)
        case EventType.actionChangeRequested:
            let e = try event.decode(as: ActionChangeRequested.self).request
            return make([.board], .info, "Change requested: \(e.kind.words) of \(named(e.actionID, e.title))",
                        "\(e.requestID) asks to change the \(changeWhat(e)) of \(e.actionID) from \(e.from) to \(e.to): \(e.reason). "
                        + "It waits for a board decision (kind change_requests).", "action", e.actionID)
        case EventType.actionChangeApproved:
            let e = try event.decode(as: ActionChangeApproved.self)
            let r = e.request
            return make([.board], .info, "Change approved: \(r.kind.words) of \(named(r.actionID, r.title))",
                        "Decision \(e.decisionID) approved \(r.requestID): the \(changeWhat(r)) of \(r.actionID) is now \(r.to) (was \(r.from)).",
                        "action", r.actionID)
        case EventType.actionChangeRefused:
            let e = try event.decode(as: ActionChangeRefused.self)
            let r = e.request
            return make([.board], .info, "Change refused: \(r.kind.words) of \(named(r.actionID, r.title))",
                        "Decision \(e.decisionID) refused \(r.requestID): the \(changeWhat(r)) of \(r.actionID) stays \(r.from).",
                        "action", r.actionID)
        case EventType.actionRAGChanged:
            // Only a turn to red needs someone to act: the exceptions commentary for the next meeting.
            let e = try event.decode(as: ActionRAGChanged.self)
            guard e.to == .red, e.from != .red else { return [] }
            let by = e.nextMeeting.map { "by the board meeting on \($0.iso)" } ?? "by the next board meeting"
            return make([.actionLeads, .board], .warning, "Action turned red: \(named(e.actionID, e.title))",
                        "\(e.actionID), led by \(e.leadOrganisation), is red (\(e.reason)). The lead is asked for an exceptions "
                        + "commentary \(by): sendctl actions exceptions add \(e.actionID) --commentary TEXT.", "action", e.actionID)
        case EventType.actionMilestoneMissed:
            // Like a due date passing: the lead is told, and the action is red until the milestone is met.
            let e = try event.decode(as: ActionMilestoneMissed.self)
            return make([.actionLeads, .board], .warning, "Milestone missed: \(e.milestone) '\(e.title)' of \(named(e.actionID, e.actionTitle))",
                        "\(e.actionID), led by \(e.leadOrganisation), had milestone \(e.milestone) '\(e.title)' due \(e.due.iso) and it is not met; "
                        + "the action is red until it is: sendctl actions milestones met \(e.actionID) \(e.milestone) --on YYYY-MM-DD.",
                        "action", e.actionID)
        case EventType.actionMilestoneAdded, EventType.actionMilestoneMet:
            // Recorded in the board's history and shown in the board pack; nobody needs telling.
            return []
        case EventType.decisionRecorded:
            let e = try event.decode(as: DecisionRecorded.self)
            return make([.board], .info, "Board decision recorded", "Decision \(e.decisionID) was recorded.", "decision", e.decisionID)
        case EventType.meetingRecorded:
            let e = try event.decode(as: MeetingRecorded.self)
            return make([.board], .info, "Board meeting recorded", "Meeting \(e.meetingID) on \(e.date.iso) was recorded.", "meeting", e.meetingID)
        case EventType.chairUpdatePublished:
            let e = try event.decode(as: ChairUpdatePublished.self)
            return make([.board, .parentCarerForum], .info, "Chair's update published: \(e.title)",
                        "The chair's update \(e.updateID) after meeting \(e.meetingID) is on the public progress page; "
                        + "comms has drafted it for the families who asked for updates.", "chair_update", e.updateID)
        case EventType.themeNamed:
            let e = try event.decode(as: ThemeNamed.self)
            return make([.board], .info, "Theme named: \(e.name)",
                        "Theme \(e.themeID) holds \(e.findings) finding\(e.findings == 1 ? "" : "s") and \(e.actions) action\(e.actions == 1 ? "" : "s").",
                        "theme", e.themeID)
        // comms
        case EventType.questionnaireCreated:
            let e = try event.decode(as: QuestionnaireCreated.self)
            let id = "Q-\(e.questionnaireID)"
            return make([.operators, .parentCarerForum], .info, "Questionnaire created: \(named(id, e.title))",
                        "Questionnaire \(e.questionnaireID) opens \(e.opens.iso)" + (e.closes.map { " and closes \($0.iso)." } ?? ".")
                            + (e.repeats.map { " It is a new round of questionnaire \($0): its results compare the questions asked again." } ?? ""),
                        "questionnaire", String(e.questionnaireID))
        case EventType.dispatchStarted:
            let e = try event.decode(as: DispatchStarted.self)
            let (kind, id) = subject(e.dispatch)
            return make([.operators], .info, "Going out: \(e.dispatch.title.isEmpty ? "\(kind) \(id)" : e.dispatch.title)",
                        "\(e.queued) message\(e.queued == 1 ? " is" : "s are") queued for \(kind) \(id).", kind, id)
        case EventType.dispatchCompleted:
            let e = try event.decode(as: DispatchCompleted.self)
            let (kind, id) = subject(e.dispatch)
            return make([.operators], .info, "Sent: \(e.dispatch.title.isEmpty ? "\(kind) \(id)" : e.dispatch.title)",
                        "Dispatch of \(kind) \(id) finished: \(e.delivered) delivered, \(e.failed) failed.", kind, id)
        case EventType.messageFailed:
            let e = try event.decode(as: MessageFailed.self)
            return make([.operators], .warning, "A message could not be delivered",
                        "Message \(e.reference) failed (\(e.status.rawValue)) on \(e.channel.rawValue)"
                        + (e.nextChannel.map { "; trying \($0.rawValue)." } ?? "; no channel left."),
                        "message", String(e.messageID))
        case EventType.updatePublished:
            let e = try event.decode(as: UpdatePublished.self)
            return make([.parentCarerForum, .board], .info, "Update published: \(e.title)",
                        (e.chairUpdateID.map { "The chair's update \($0)" } ?? "A \"you said, we did\" update on \(e.actionID ?? "an action")")
                        + " was sent to \(e.recipients) famil\(e.recipients == 1 ? "y" : "ies").",
                        "update", String(e.updateID))
        case EventType.enquiryReceived:
            let e = try event.decode(as: EnquiryReceived.self)
            return make([.operators], .info, "Enquiry received: E-\(e.enquiryID)",
                        "Enquiry E-\(e.enquiryID) must be answered by \(e.answerBy.iso).", "enquiry", String(e.enquiryID))
        case EventType.enquiryEscalated:
            let e = try event.decode(as: EnquiryEscalated.self)
            return make([.operators, .board], .urgent, "Enquiry not answered in time: E-\(e.enquiryID)",
                        "Enquiry E-\(e.enquiryID) was due an answer by \(e.answerBy.iso) and has none.", "enquiry", String(e.enquiryID))
        case EventType.familyErased:
            let e = try event.decode(as: FamilyErased.self)
            return make([.operators], .info, "A family's personal data was erased",
                        "The personal data of \(e.kind == "enquirer" ? "web enquirer" : "family") #\(e.familyID) was erased from comms "
                        + "(\(e.counts.messages) message\(e.counts.messages == 1 ? "" : "s"), \(e.counts.enquiries) enquir\(e.counts.enquiries == 1 ? "y" : "ies"), "
                        + "\(e.counts.replies) named repl\(e.counts.replies == 1 ? "y" : "ies")); backups taken before keep it until they are pruned.",
                        "family", String(e.familyID))
        case EventType.retentionErased:
            let e = try event.decode(as: RetentionErased.self)
            let families = "\(e.families) famil\(e.families == 1 ? "y" : "ies")", enquirers = "\(e.enquirers) web enquirer\(e.enquirers == 1 ? "" : "s")"
            return make([.operators], .info, "Retention: \(families) and \(enquirers) erased",
                        "The daily retention check erased \(families) whose children's EHC plans all ended before \(e.plansEndedBefore.iso) "
                        + "and \(enquirers) whose enquiries were all answered before \(e.answeredBefore.iso)"
                        + (e.more ? "; more are past retention and are erased on the next checks." : "."),
                        "retention", e.plansEndedBefore.iso)
        // supervisor
        case EventType.serviceExited:
            let e = try event.decode(as: ServiceExited.self)
            // Stopped on an operator's request (`down`, `restart`): they know already.
            if e.expected { return [] }
            let how = e.end.signal != nil ? e.end.words : "exited with code \(e.end.exitCode.map(String.init) ?? "unknown")"
            return make([.operators], .warning, "Service \(e.service) \(how)", "\(e.service) (pid \(e.pid)) \(how).",
                        "service", e.service)
        case EventType.serviceRestarted:
            let e = try event.decode(as: ServiceRestarted.self)
            return make([.operators], .info, "Service \(e.service) restarted",
                        "\(e.service) is running again as pid \(e.pid) (restart \(e.restarts)).", "service", e.service)
        case EventType.serviceFailed:
            let e = try event.decode(as: ServiceFailed.self)
            return make([.operators], .urgent, "Service \(e.service) has failed",
                        "\(e.service) is no longer restarted: \(e.reason)", "service", e.service)
        default:
            return []
        }
    }

    /// What a dispatch is about, as a notification's subject.
    static func subject(_ d: DispatchIdentity) -> (kind: String, id: String) {
        if let q = d.questionnaireID { return ("questionnaire", String(q)) }
        if let u = d.updateID { return ("update", String(u)) }
        return ("dispatch", String(d.dispatchID))
    }

    /// What a change request changes, in words.
    static func changeWhat(_ request: ChangeRequestFields) -> String {
        switch request.kind {
        case .reschedule: "due date"
        case .lead: "lead organisation"
        case .successCriteria: "success criteria"
        case .suspend, .resume: "status"
        case .milestoneDue: request.milestone.map { "due date of milestone \($0)" } ?? "milestone due date"
        }
    }

    /// A summary cut to a title's length.
    static func short(_ text: String) -> String { text.count > 60 ? String(text.prefix(59)) + "…" : text }

    /// A reminder that the written statement of action is due in `days` working days.
    public static func wsoaReminder(inspectionID: String, due: LocalDate, days: Int) -> Notification {
        Notification(type: "reminder.wsoa_due", audience: [.board, .operators], severity: days <= 2 ? .urgent : .warning,
                     title: "Written statement of action due in \(days) working days",
                     text: "The written statement of action for \(inspectionID) is due \(due.iso).",
                     subjectKind: "inspection", subjectID: inspectionID)
    }

    static func label(_ code: String) -> String { code.replacingOccurrences(of: "_", with: " ") }

    static func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ", ") }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
