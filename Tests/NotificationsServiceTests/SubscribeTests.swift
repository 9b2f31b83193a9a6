import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Real processes: a bench service standing in as the `board` producer, the real `notifications`
/// service, and the real `sendctl subscribe`.
@Suite("sendctl subscribe and the notification log")
struct SubscribeTests {
    struct Rig {
        let dir = TestDirectory()
        var board: ServiceProcess
        var notifications: ServiceProcess
        let client: TestClient

        init(environment: [String: String] = [:]) throws {
            board = try ServiceProcess("send-bench", ["serve", "--name", "board"] + dir.flags, directory: dir)
            notifications = try ServiceProcess("notifications", dir.flags, directory: dir, environment: environment)
            client = try TestClient(dir)
            #expect(client.waitReady("board") && client.waitReady("notifications"))
        }

        func subscribe(_ extra: [String], label: String) throws -> ServiceProcess {
            try ServiceProcess("sendctl", ["subscribe", "--json"] + extra + dir.flags, directory: dir, label: label)
        }

        /// Makes the stand-in board emit `action.<kind>` for action A-<n>, with the board's payload.
        func emit(_ kind: String, _ n: Int, id: String? = nil) throws {
            _ = try client.call("board", "append", ["payload": "x", "type": .string("action.\(kind)"),
                                                    "data": try SubscribeTests.actionData(kind, n)],
                                id: id ?? RequestID.make(), attempts: 3)
        }

        func stop() {
            board.stop()
            notifications.stop()
            client.close()
        }
    }

    /// The data the board sends with `action.<kind>` for action A-<n>.
    static func actionData(_ kind: String, _ n: Int) throws -> JSONValue {
        let id = "A-\(n)", title = "Action number \(n)", due = LocalDate(iso: "2026-12-01")!
        switch kind {
        case "created":
            return try ActionCreated(actionID: id, title: title, findingIDs: ["F-1"], leadOrganisation: "Council", due: due,
                                     status: .notStarted).eventData()
        case "updated": return try ActionUpdated(actionID: id, title: title, changed: ["due"]).eventData()
        case "overdue": return try ActionOverdue(actionID: id, title: title, due: due).eventData()
        case "status_changed":
            return try ActionStatusChanged(actionID: id, title: title, from: .notStarted, to: .inProgress, reason: nil).eventData()
        default: throw ServiceError(.invalid, "no fixture for action.\(kind)")
        }
    }

    /// The notification seqs a `--json` subscriber printed, in order.
    static func printed(_ p: ServiceProcess) -> [JSONValue] {
        p.output.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.filter { $0["seq"] != nil }
    }

    @Test("a running subscriber prints each new notification, in order")
    func printsInOrder() throws {
        let rig = try Rig()
        defer { rig.stop() }
        try rig.emit("created", 0)
        #expect(waitUntil(timeout: 10) { ((try? rig.client.call("notifications", "health"))?["last_seq"]?.intValue ?? 0) == 1 })
        let sub = try rig.subscribe([], label: "sub")
        // By default it prints only new ones: wait until it says where it starts.
        #expect(waitUntil(timeout: 10) { sub.output.contains("following notifications after #1") })
        try rig.emit("created", 1)
        try rig.emit("updated", 1)
        try rig.emit("overdue", 1)
        #expect(waitUntil(timeout: 10) { Self.printed(sub).count >= 3 })
        let types = Self.printed(sub).map { $0["type"]?.stringValue ?? "" }
        #expect(types == ["action.created", "action.updated", "action.overdue"])
        sub.signal(SIGINT)
        #expect(sub.waitForExit() == 0)
        rig.dir.remove()
    }

    @Test("10,000 events while notifications is SIGKILLed twice: every notification once, in order, no gap in the log")
    func survivesKills() throws {
        var rig = try Rig()
        defer { rig.stop() }
        let sub = try rig.subscribe(["--from-start"], label: "sub")
        let raw = try RawDEALER(rig.dir.run + "/board.cmd")
        for round in 0..<3 {
            for i in 0..<3334 where round * 3334 + i < 10_000 {
                let n = round * 3334 + i
                try raw.send(Request(id: "e\(n)", command: "append",
                                     args: ["payload": "x", "type": "action.updated",
                                            "data": try ActionUpdated(actionID: "A-\(n)", title: "Action \(n)", changed: ["status"]).eventData()]).json.jsonBytes)
            }
            if round < 2 {
                usleep(UInt32(50_000 + round * 100_000))  // each kill at another point of the stream; not a wait for readiness
                rig.notifications.signal(SIGKILL)
                rig.notifications.waitForExit()
                rig.notifications = try ServiceProcess("notifications", rig.dir.flags, directory: rig.dir, label: "notifications-\(round)")
            }
        }
        for _ in 0..<10_000 { _ = try raw.receive() }
        #expect(waitUntil(timeout: 60) { Self.printed(sub).count >= 10_000 })
        let printed = Self.printed(sub)
        #expect(printed.compactMap { $0["seq"]?.intValue } == Array(1...10_000))
        // Each source event became exactly one notification, in the source's order.
        #expect(printed.compactMap { $0["data"]?["source"]?["seq"]?.intValue } == Array(1...10_000))
        let log = try rig.client.allEvents("notifications")
        #expect(log.map(\.seq) == Array(1...10_000))
        sub.signal(SIGTERM)
        #expect(sub.waitForExit() == 0)
        rig.dir.remove()
    }

    @Test("a named subscriber stopped for a while prints exactly what it missed")
    func namedResume() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let first = try rig.subscribe(["--name", "board-desk", "--from-start"], label: "first")
        for n in 1...5 { try rig.emit("updated", n) }
        #expect(waitUntil(timeout: 10) { Self.printed(first).count >= 5 })
        first.signal(SIGINT)
        #expect(first.waitForExit() == 0)
        for n in 6...12 { try rig.emit("updated", n) }
        let second = try rig.subscribe(["--name", "board-desk"], label: "second")
        #expect(waitUntil(timeout: 10) { Self.printed(second).count >= 7 })
        try rig.emit("updated", 13)
        #expect(waitUntil(timeout: 10) { Self.printed(second).count >= 8 })
        #expect(Self.printed(second).dropLast().compactMap { $0["seq"]?.intValue } == Array(6...12))
        second.signal(SIGINT)
        #expect(second.waitForExit() == 0)
        rig.dir.remove()
    }

    @Test("filters: --topic, --audience and --severity")
    func filtered() throws {
        let rig = try Rig()
        defer { rig.stop() }
        try rig.emit("created", 1)
        try rig.emit("overdue", 2)
        try rig.emit("status_changed", 3)
        #expect(waitUntil(timeout: 10) { ((try? rig.client.call("notifications", "health"))?["last_seq"]?.intValue ?? 0) >= 3 })
        let urgent = try rig.subscribe(["--from-start", "--severity", "urgent"], label: "urgent")
        let operators = try rig.subscribe(["--from-start", "--audience", "operators", "--topic", "action.over"], label: "ops")
        #expect(waitUntil(timeout: 10) { Self.printed(urgent).count >= 1 && Self.printed(operators).count >= 1 })
        // A later notification that passes both filters shows the earlier ones were read and left out, not pending.
        try rig.emit("overdue", 4)
        #expect(waitUntil(timeout: 10) { Self.printed(urgent).count >= 2 && Self.printed(operators).count >= 2 })
        #expect(Self.printed(urgent).compactMap { $0["seq"]?.intValue } == [2, 4])
        #expect(Self.printed(operators).compactMap { $0["seq"]?.intValue } == [2, 4])
        urgent.signal(SIGINT)
        operators.signal(SIGINT)
        rig.dir.remove()
    }

    @Test("a plain SUB socket in Python (and a CURVE REQ for events.since), from the protocol document alone, receives the same notifications")
    func pythonSubscriber() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let python = try ServiceProcess("/usr/bin/env", ["python3", "\(Python.protocolDirectory)/notification_subscriber.py", rig.dir.run, "3"],
                                        directory: rig.dir, environment: ["SEND_KEY_FILE": rig.dir.stackKeyPath], label: "python-subscriber")
        defer { python.stop() }
        // Subscribed and caught up; any notification its SUB socket misses it fetches with events.since.
        #expect(waitUntil(timeout: 30) { python.output.contains("following\n") }, "\(python.output)")
        try rig.emit("created", 1)
        try rig.emit("updated", 1)
        try rig.emit("overdue", 1)
        #expect(python.waitForExit(timeout: 60) == 0, "\(python.output)")
        let lines = python.output.split(separator: "\n").map(String.init).filter { $0 != "following" }
        let log = try rig.client.allEvents("notifications").map { "\($0.seq) \($0.type)" }
        #expect(lines == log)
        rig.dir.remove()
    }

    @Test("subscribe says clearly when the stack is not running")
    func notRunning() throws {
        let dir = TestDirectory()
        let sub = try ServiceProcess("sendctl", ["subscribe", "--timeout", "1"] + dir.flags, directory: dir)
        #expect(sub.waitForExit() == 69)
        #expect(sub.output.contains("not running"))
        dir.remove()
    }

    @Test("the written statement of action is reminded at 10 and at 2 working days, each once")
    func wsoaReminders() throws {
        let dir = TestDirectory()
        // Due Friday 2026-12-18. 10 working days before: Friday 2026-12-04. 2 before: Wednesday 2026-12-16.
        let findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("findings"))
        _ = try client.call("findings", "append", ["payload": "x", "type": "inspection.recorded",
            "data": try InspectionRecorded(inspectionID: "INS-X-2026", localArea: "X", framework: .framework2023, outcome: .systemicFailings,
                                         published: LocalDate(iso: "2026-10-01")!,
                                         deadlines: .init(wsoaDue: LocalDate(iso: "2026-12-18")!)).eventData()])
        var reminders: [String] = []
        var last: ServiceProcess?
        for today in ["2026-12-01", "2026-12-04", "2026-12-07", "2026-12-16", "2026-12-17"] {
            let n = try ServiceProcess("notifications", dir.flags, directory: dir, environment: ["SEND_TODAY": today], label: "n-\(today)")
            #expect(client.waitReady("notifications"))
            // The reminder job runs once at start; wait until it has, and the inspection has been followed too.
            #expect(waitUntil(timeout: 10) {
                let h = try? client.call("notifications", "health")
                return h?["follows"]?["findings"]?["cursor"]?.intValue == 1 && (h?["jobs"]?["reminders"]?["runs"]?.intValue ?? 0) >= 1
            })
            // Each start runs the reminder job once; the job runs again every minute, long after this test.
            if today == "2026-12-17" { last = n; break }
            n.signal(SIGTERM)
            n.waitForExit()
        }
        defer { last?.stop() }
        _ = try client.call("notifications", "health")
        reminders = try client.allEvents("notifications").filter { $0.type == EventType.reminderWSoADue }.map { $0.data["title"]?.stringValue ?? "" }
        // The job may run before the follower applied the inspection on the first start: what matters is each reminder once, in time.
        #expect(reminders == ["Written statement of action due in 10 working days", "Written statement of action due in 2 working days"])
        client.close()
        dir.remove()
    }
}
