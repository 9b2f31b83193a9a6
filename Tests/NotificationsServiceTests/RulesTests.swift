import SendModel
import Testing
@testable import NotificationsService

@Suite("Notification rules")
struct RulesTests {
    func event(_ type: String, _ data: JSONValue, source: String = "board") -> Event {
        Event(source: source, seq: 7, type: type, at: Timestamp(millis: 0), data: data)
    }

    @Test("an overdue action is urgent for the board and operators, and names the action")
    func overdue() {
        let n = Rules.notifications(for: event(EventType.actionOverdue, ["action_id": "A-0003", "due": "2026-11-01"]))
        #expect(n.count == 1)
        #expect(n[0].severity == .urgent)
        #expect(Set(n[0].audience) == [.board, .operators])
        #expect(n[0].subjectID == "A-0003")
        #expect(n[0].data["source"]?["seq"]?.intValue == 7)
    }

    @Test("serious findings warn; strengths inform")
    func findings() {
        let failing = Rules.notifications(for: event(EventType.findingRecorded, ["finding_id": "F1", "kind": "fundamental_failing", "theme": "t", "summary": "s"], source: "findings"))
        let strength = Rules.notifications(for: event(EventType.findingRecorded, ["finding_id": "F2", "kind": "strength", "theme": "t", "summary": "s"], source: "findings"))
        #expect(failing.first?.severity == .warning)
        #expect(strength.first?.severity == .info)
    }

    @Test("a service that failed is urgent for operators; one killed names its signal")
    func supervisor() {
        let failed = Rules.notifications(for: event(EventType.serviceFailed, ["service": "comms", "reason": "exited 6 times in 60 s"], source: "supervisor"))
        #expect(failed.first?.severity == .urgent && failed.first?.audience == [.operators])
        let killed = Rules.notifications(for: event(EventType.serviceExited, ["service": "board", "pid": 42, "signal": "SIGKILL"], source: "supervisor"))
        #expect(killed.first?.text.contains("SIGKILL") == true)
    }

    @Test("a hung service killed by the watchdog is urgent for operators; what a new supervisor found is a warning")
    func watchdog() throws {
        let hung = Rules.notifications(for: event(EventType.serviceHung, try ServiceHung(service: "board", pid: 42, silentMs: 10_250, watchdogSeconds: 10).eventData(), source: "supervisor"))
        #expect(hung.count == 1 && hung.first?.severity == .urgent && hung.first?.audience == [.operators])
        #expect(hung.first?.subjectID == "board" && hung.first?.text.contains("SIGKILL") == true)
        let orphan = Rules.notifications(for: event(EventType.serviceOrphanStopped, try OrphanStopped(service: "comms", pid: 7, signal: "SIGTERM", stopped: true).eventData(), source: "supervisor"))
        #expect(orphan.first?.severity == .warning && orphan.first?.text.contains("SIGTERM") == true)
        let gone = Rules.notifications(for: event(EventType.serviceGone, try ServiceGone(service: "comms", pid: nil).eventData(), source: "supervisor"))
        #expect(gone.first?.severity == .warning && gone.first?.subjectID == "comms")
    }

    @Test("events nobody must hear about make no notification; a KPI on target makes none")
    func silent() {
        #expect(Rules.notifications(for: event("bench.appended", [:])).isEmpty)
        #expect(Rules.notifications(for: event(EventType.kpiReading, ["kpi_id": "K1", "on_target": true])).isEmpty)
        #expect(Rules.notifications(for: event(EventType.kpiReading, ["kpi_id": "K1", "on_target": false])).count == 1)
    }

    @Test("every rule in the table names an event the rules handle")
    func tableMatchesRules() {
        for row in NotificationsService.ruleRows where !row.0.hasPrefix("reminder") {
            for type in row.0.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let data: JSONValue = ["on_target": false]
                #expect(!Rules.notifications(for: event(type, data)).isEmpty, "no rule for \(type)")
            }
        }
    }

    @Test("filters: topic prefixes, one audience, a minimum severity")
    func filters() {
        let n = Rules.notifications(for: event(EventType.actionOverdue, ["action_id": "A-1"]))[0]
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
