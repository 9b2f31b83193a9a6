import SendModel
import Testing
@testable import NotificationsService

@Suite("Notification rules")
struct RulesTests {
    func event(_ type: String, _ data: JSONValue, source: String = "board") -> Event {
        Event(source: source, seq: 7, type: type, at: Timestamp(millis: 0), data: data)
    }

    func event<P: EventPayload>(_ payload: P, source: String = "board") throws -> Event {
        event(P.eventType, try payload.eventData(), source: source)
    }

    @Test("an overdue action is urgent for the board and operators, and names the action, its title and due date")
    func overdue() throws {
        let n = try Rules.notifications(for: event(ActionOverdue(actionID: "A-0003", title: "Publish the local offer",
                                                                 due: LocalDate(iso: "2026-11-01")!)))
        #expect(n.count == 1)
        #expect(n[0].severity == .urgent)
        #expect(Set(n[0].audience) == [.board, .operators])
        #expect(n[0].subjectID == "A-0003")
        #expect(n[0].title == "Action overdue: A-0003 Publish the local offer, due 2026-11-01")
        #expect(n[0].payload.source?.seq == 7)
    }

    @Test("due soon names the title and the due date")
    func dueSoon() throws {
        let n = try Rules.notifications(for: event(ActionDueSoon(actionID: "A-0004", title: "Train SENCOs", due: LocalDate(iso: "2026-11-05")!, daysLeft: 3)))
        #expect(n.first?.title == "Action due soon: A-0004 Train SENCOs, due 2026-11-05")
        #expect(n.first?.text == "A-0004 is due 2026-11-05 (in 3 days) and is not completed.")
    }

    @Test("retention tells operators how many families and web enquirers it erased, and before which dates; an erasure names comms' id only")
    func retentionAndErasure() throws {
        let n = try Rules.notifications(for: event(RetentionErased(families: 3, enquirers: 1, plansEndedBefore: LocalDate(iso: "2024-03-02")!,
                                                                   answeredBefore: LocalDate(iso: "2025-03-02")!, more: false), source: "comms"))
        #expect(n.count == 1 && n.first?.audience == [.operators] && n.first?.severity == .info)
        #expect(n.first?.title == "Retention: 3 families and 1 web enquirer erased")
        #expect(n.first?.text == "The daily retention check erased 3 families whose children's EHC plans all ended before 2024-03-02 "
            + "and 1 web enquirer whose enquiries were all answered before 2025-03-02.")
        let one = try Rules.notifications(for: event(RetentionErased(families: 1, enquirers: 0, plansEndedBefore: LocalDate(iso: "2024-03-02")!,
                                                                     answeredBefore: LocalDate(iso: "2025-03-02")!, more: true), source: "comms"))
        #expect(one.first?.title == "Retention: 1 family and 0 web enquirers erased")
        #expect(one.first?.text.hasSuffix("; more are past retention and are erased on the next checks.") == true)
        let erased = try Rules.notifications(for: event(FamilyErased.example, source: "comms"))
        #expect(erased.first?.title == "A family's personal data was erased")
        #expect(erased.first?.text == "The personal data of family #7 was erased from comms (3 messages, 1 enquiry, 1 named reply); "
            + "backups taken before keep it until they are pruned.")
    }

    @Test("a payload that does not decode is an error naming the event and the field, never a '?'")
    func undecodable() {
        #expect(throws: ServiceError.self) {
            try Rules.notifications(for: event(EventType.actionOverdue, ["action_id": "A-0003", "due": "2026-11-01"]))
        }
        do {
            _ = try Rules.notifications(for: event(EventType.questionnaireCreated, ["questionnaire_id": "seven"], source: "comms"))
            Issue.record("a questionnaire id that is not a number was read")
        } catch let error as ServiceError {
            #expect(error.message.contains("comms#7 questionnaire.created"))
            #expect(error.message.contains("data.questionnaire_id"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("serious findings warn; strengths inform")
    func findings() throws {
        var finding = FindingRecorded.example
        finding.kind = .fundamentalFailing
        let failing = try Rules.notifications(for: event(finding, source: "findings"))
        finding.kind = .strength
        let strength = try Rules.notifications(for: event(finding, source: "findings"))
        #expect(failing.first?.severity == .warning)
        #expect(strength.first?.severity == .info)
    }

    @Test("a service that failed is urgent for operators; one killed says 'killed by SIGKILL'")
    func supervisor() throws {
        let failed = try Rules.notifications(for: event(ServiceFailed.example, source: "supervisor"))
        #expect(failed.first?.severity == .urgent && failed.first?.audience == [.operators])
        let killed = try Rules.notifications(for: event(ServiceExited(service: "board", pid: 42, end: .init(exitCode: nil, signal: "SIGKILL", signalNumber: 9),
                                                                      uptimeMillis: 10, expected: false), source: "supervisor"))
        #expect(killed.first?.title == "Service board killed by SIGKILL")
        #expect(killed.first?.text == "board (pid 42) killed by SIGKILL.")
    }

    @Test("comms' notifications name the questionnaire by its title and number, never '?'")
    func comms() throws {
        let n = try Rules.notifications(for: event(QuestionnaireCreated.example, source: "comms"))
        #expect(n.first?.title == "Questionnaire created: Q-1 Your views on EHC plans")
        #expect(n.first?.text.contains("?") == false)
        var round = QuestionnaireCreated.example
        (round.questionnaireID, round.repeats) = (2, 1)
        let second = try Rules.notifications(for: event(round, source: "comms"))
        #expect(second.first?.text.hasSuffix("It is a new round of questionnaire 1: its results compare the questions asked again.") == true)
        let published = try Rules.notifications(for: event(UpdatePublished.example, source: "comms"))
        #expect(published.first?.title == "Update published: You said, we did")
    }

    @Test("a gap and its closing are announced in words")
    func coverage() throws {
        let gap = try Rules.notifications(for: event(CoverageGap(findingID: "F-3", kind: .areaOfSignificantWeakness, summary: "Plans are late", reason: .recorded)))
        #expect(gap.first?.title == "Weakness without an action: F-3 Plans are late")
        let closed = try Rules.notifications(for: event(CoverageClosed.example))
        #expect(closed.first?.title == "Weakness has an action again: F-1 Plans are late")
        #expect(closed.first?.severity == .info)
    }

    @Test("a hung service killed by the watchdog is urgent for operators; what a new supervisor found is a warning")
    func watchdog() throws {
        let hung = try Rules.notifications(for: event(ServiceHung(service: "board", pid: 42, silentMs: 10_250, watchdogSeconds: 10), source: "supervisor"))
        #expect(hung.count == 1 && hung.first?.severity == .urgent && hung.first?.audience == [.operators])
        #expect(hung.first?.subjectID == "board" && hung.first?.text.contains("SIGKILL") == true)
        let orphan = try Rules.notifications(for: event(OrphanStopped(service: "comms", pid: 7, signal: "SIGTERM", stopped: true), source: "supervisor"))
        #expect(orphan.first?.severity == .warning && orphan.first?.text.contains("SIGTERM") == true)
        let gone = try Rules.notifications(for: event(ServiceGone(service: "comms", pid: nil), source: "supervisor"))
        #expect(gone.first?.severity == .warning && gone.first?.subjectID == "comms")
        // Data that is not the payload names the field, as every rule does.
        #expect(throws: ServiceError.self) { try Rules.notifications(for: event(EventType.serviceHung, ["service": "board"], source: "supervisor")) }
    }

    @Test("events nobody must hear about make no notification; a KPI on target makes none")
    func silent() throws {
        #expect(try Rules.notifications(for: event("bench.appended", [:])).isEmpty)
        var reading = KPIReading.example
        reading.onTarget = true
        #expect(try Rules.notifications(for: event(reading)).isEmpty)
        reading.onTarget = false
        #expect(try Rules.notifications(for: event(reading)).count == 1)
    }

    @Test("an imported tracker is one notification for the board, sent with its last request, not one per action and update")
    func importIsOneNotification() throws {
        let id = "tracker-2025"
        var events: [Event] = []
        for chunk in 1...2 {
            for a in 1...3 {
                let action = "A-000\(a + 3 * (chunk - 1))"
                events.append(try event(ActionCreated(actionID: action, title: "Tracker action", findingIDs: ["F-1"], leadOrganisation: "Council",
                                                      due: LocalDate(iso: "2026-03-01")!, status: .notStarted, importID: id)))
                events.append(try event(ActionStatusChanged(actionID: action, title: "Tracker action", from: .notStarted, to: .inProgress,
                                                            reason: "Started", importID: id)))
                events.append(try event(ActionStatusChanged(actionID: action, title: "Tracker action", from: .inProgress, to: .cancelled,
                                                            reason: "Merged", importID: id)))
                events.append(try event(ActionProgress(actionID: action, title: "Tracker action", updateID: "U-00000\(a)",
                                                       statusChange: nil, importID: id)))
            }
            events.append(try event(ActionsImported(importID: id, chunk: chunk, chunks: 2, actions: 3, updates: 3, statusChanges: 6,
                                                    firstActionID: "A-000\(1 + 3 * (chunk - 1))", lastActionID: "A-000\(3 * chunk)",
                                                    importActions: 3 * chunk, importUpdates: 3 * chunk)))
        }
        let notes = try events.flatMap { try Rules.notifications(for: $0) }
        #expect(notes.count == 1)
        let n = try #require(notes.first)
        #expect(n.type == EventType.actionsImported)
        #expect(n.audience == [.board] && n.severity == .info)
        #expect(n.title == "Actions imported: 6 actions with 6 progress updates")
        #expect(n.text.contains("in 2 requests"), "\(n.text)")
        #expect(n.subjectID == id)
        // The same events typed one by one are each notified.
        let single = try Rules.notifications(for: event(ActionStatusChanged(actionID: "A-0001", title: "One", from: .inProgress,
                                                                             to: .cancelled, reason: "Merged")))
        #expect(single.count == 1 && single.first?.severity == .warning)
    }

    @Test("every rule in the table names an event the rules handle")
    func tableMatchesRules() throws {
        let examples = Dictionary(uniqueKeysWithValues: try EventPayloads.all.map { ($0.eventType, try $0.exampleData()) })
        for row in NotificationsService.ruleRows where !row.0.hasPrefix("reminder") {
            for type in row.0.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let data = try #require(examples[type], "no payload type for \(type)")
                #expect(!(try Rules.notifications(for: event(type, data))).isEmpty, "no rule for \(type)")
            }
        }
    }

    @Test("filters: topic prefixes, one audience, a minimum severity")
    func filters() throws {
        let n = try Rules.notifications(for: event(ActionOverdue.example))[0]
        let json: JSONValue = ["type": .string(n.type), "data": n.data]
        #expect(NotificationFilter(topics: ["action."]).matches(json))
        #expect(!NotificationFilter(topics: ["finding."]).matches(json))
        #expect(NotificationFilter(audience: .operators).matches(json))
        #expect(!NotificationFilter(audience: .parentCarerForum).matches(json))
        #expect(NotificationFilter(severity: .warning).matches(json))
        #expect(NotificationFilter(severity: .urgent).matches(json))
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Set where Element == Character {
    static let whitespaces: Set<Character> = [" ", "\t"]
}
