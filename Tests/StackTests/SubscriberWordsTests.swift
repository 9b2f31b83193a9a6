import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// What a person following `sendctl subscribe` reads, from real processes: each line says what
/// happened to what — the title beside the id, the due date, how a service ended — and a coverage
/// gap is announced once, and its closing too (issue 13, item 5).
@Suite("sendctl subscribe says what happened to what", .serialized)
struct SubscriberWordsTests {
    /// The lines a human-readable subscriber printed that carry a notification (`#<seq>`).
    static func lines(_ p: ServiceProcess) -> [String] {
        p.output.split(separator: "\n").map(String.init).filter { $0.contains("  #") }
    }

    static func lines(_ p: ServiceProcess, containing text: String) -> [String] {
        lines(p).filter { $0.contains(text) }
    }

    @Test("titles beside ids, due dates on due-soon and overdue, one coverage gap and its closing, the audience column whole")
    func boardNotificationsReadAsWords() throws {
        let dir = TestDirectory()
        let findings = try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: ["SEND_TODAY": "2018-02-01"])
        var board = try ServiceProcess("board-actions", dir.flags, directory: dir, environment: ["SEND_TODAY": "2018-02-01"], label: "board-1")
        let notifications = try ServiceProcess("notifications", dir.flags, directory: dir, environment: ["SEND_TODAY": "2018-02-01"])
        let client = try TestClient(dir)
        var sub: ServiceProcess?
        defer {
            sub?.stop()
            board.stop()
            notifications.stop()
            findings.stop()
            client.close()
        }
        #expect(client.waitReady(ServiceName.findings) && client.waitReady(ServiceName.board) && client.waitReady(ServiceName.notifications))
        let subscriber = try ServiceProcess("sendctl", ["subscribe", "--from-start"] + dir.flags, directory: dir, label: "subscribe")
        sub = subscriber

        let inspection = try client.call(ServiceName.findings, "inspections.add", [
            "local_area": "Lancashire", "inspectorates": ["Ofsted", "CQC"], "framework": "2016",
            "visit_start": "2017-11-13", "visit_end": "2017-11-17", "published": "2018-01-23", "outcome": "wsoa_required",
        ])
        let inspectionID = try #require(inspection["inspection_id"]?.stringValue ?? inspection["inspection"]?["inspection_id"]?.stringValue)
        let added = try client.call(ServiceName.findings, "findings.add", [
            "inspection_id": .string(inspectionID), "kind": "area_of_significant_weakness", "theme": "Autism pathway",
            "summary": "Autism pathways do not follow NICE guidance", "evidence": ["Quoted from the report"],
            "bodies": ["local_authority", "health_commissioners"],
        ])
        let finding = try #require(added["finding_id"]?.stringValue ?? added["finding"]?["finding_id"]?.stringValue)
        #expect(waitUntil(timeout: 30) {
            ((try? client.call(ServiceName.board, "actions.coverage"))?["gaps"]?.arrayValue ?? []).contains { $0["finding_id"]?.stringValue == finding }
        })
        // The plan is submitted with the weakness still uncovered: now, and only now, the gap is announced.
        _ = try client.call(ServiceName.board, "plan.submit", ["force": true])
        #expect(waitUntil(timeout: 30) { !Self.lines(subscriber, containing: "Weakness without an action").isEmpty }, "\(subscriber.output)")

        let created = try client.call(ServiceName.board, "actions.create", [
            "title": "Redesign the autism pathway", "finding_ids": [.string(finding)], "lead_organisation": "Lancashire County Council",
            "sponsoring_director": "Director of Children's Services", "action_lead": "Designated Clinical Officer",
            "start": "2018-02-01", "due": "2018-02-05", "success_criteria": "Every referral is seen on a NICE-compliant pathway",
        ])
        let action = try #require(created["action"]?["action_id"]?.stringValue)
        #expect(waitUntil(timeout: 30) { !Self.lines(subscriber, containing: "Weakness has an action again").isEmpty }, "\(subscriber.output)")

        // The next day the due date is near; after it, the action is overdue (each check runs at the board's start).
        for today in ["2018-02-02", "2018-02-10"] {
            board.stop()
            board = try ServiceProcess("board-actions", dir.flags, directory: dir, environment: ["SEND_TODAY": today], label: "board-\(today)")
            #expect(client.waitReady(ServiceName.board))
        }
        #expect(waitUntil(timeout: 30) { !Self.lines(subscriber, containing: "Action overdue").isEmpty }, "\(subscriber.output)")

        let printed = Self.lines(subscriber)
        let named = "\(action) Redesign the autism pathway"
        #expect(Self.lines(subscriber, containing: "Action created: \(named)").count == 1, "\(printed)")
        #expect(Self.lines(subscriber, containing: "Action due soon: \(named), due 2018-02-05").count == 1, "\(printed)")
        #expect(Self.lines(subscriber, containing: "Action overdue: \(named), due 2018-02-05").count == 1, "\(printed)")
        // Announced once (the plan's submission), not again by the timer on a later day; its closing once.
        let gaps = Self.lines(subscriber, containing: "Weakness without an action")
        #expect(gaps.count == 1, "\(printed)")
        #expect(gaps.first?.contains("\(finding) Autism pathways do not follow NICE guidance") == true, "\(gaps)")
        let closed = Self.lines(subscriber, containing: "Weakness has an action again")
        #expect(closed.count == 1, "\(printed)")
        #expect(closed.first?.contains("\(finding) Autism pathways do not follow NICE guidance") == true, "\(closed)")
        // No line reads "?" where a word should be.
        #expect(!printed.contains { $0.contains("?") || $0.contains("cannot read") }, "\(printed)")
        // The audience column is never cut: the longest audience is printed whole.
        let inspectionLine = try #require(Self.lines(subscriber, containing: "Inspection recorded").first, "\(printed)")
        #expect(inspectionLine.contains("board,operators  ") || inspectionLine.contains("operators,board  "), "\(inspectionLine)")

        subscriber.signal(SIGINT)
        #expect(subscriber.waitForExit() == 0)
        dir.remove()
    }

    @Test("a service SIGKILLed under the supervisor reads 'killed by SIGKILL' in the subscriber's line")
    func killedServiceReadsAsKilled() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        let subscriber = try ServiceProcess("sendctl", ["subscribe"] + stack.dir.flags, directory: stack.dir, label: "subscribe")
        defer { subscriber.stop() }
        #expect(waitUntil(timeout: 30) { subscriber.output.contains("following notifications") }, "\(subscriber.output)")

        let pid = try #require(stack.pid(ServiceName.board))
        kill(pid, SIGKILL)
        #expect(waitUntil(timeout: 30) { !Self.lines(subscriber, containing: "Service board killed by SIGKILL").isEmpty },
                "\(subscriber.output)")
        let line = try #require(Self.lines(subscriber, containing: "Service board killed by SIGKILL").first)
        #expect(line.contains("warning"))
        #expect(line.contains("operators"))
        #expect(line.contains("(service board)"))
        #expect(!line.contains("stopped"))
        subscriber.signal(SIGINT)
        #expect(subscriber.waitForExit() == 0)
    }
}
