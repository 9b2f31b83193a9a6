import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport
import ZeroMQ

/// An action lead's key over the wire: a real `send-supervisor` keeps the register and runs real
/// findings and board processes, the lead is registered with `people.add`, and the board hears of
/// them through the supervisor's events, as in a deployed stack.
@Suite struct ActionLeadProcessTests {
    static let today = "2026-11-03"

    /// The supervisor running findings and board in `dir`, every service's today `today`.
    final class LeadStack {
        let dir = TestDirectory()
        let supervisor: ServiceProcess
        let client: TestClient

        init() throws {
            let config = """
                {"services": [
                  {"name": "findings", "executable": "findings-intake"},
                  {"name": "board", "executable": "board-actions"}
                ], "env": {"SEND_TODAY": "\(ActionLeadProcessTests.today)", "SEND_OVERDUE_INTERVAL": "3600"}}
                """
            let path = "\(dir.path)/stack.json"
            try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            supervisor = try ServiceProcess("send-supervisor", dir.flags + ["--config", path], directory: dir)
            client = try TestClient(dir)
        }

        func board(_ command: String, _ args: JSONValue = [:]) throws -> JSONValue {
            try client.call(ServiceName.board, command, args, timeout: 30)
        }

        /// Waits until the board has applied every event of `source` so far.
        func boardCaughtUp(with source: String) throws -> Bool {
            let last = try client.call(source, "health")["last_seq"]?.intValue ?? 0
            return waitUntil(timeout: 30, interval: 0.05) {
                let h = try? client.call(ServiceName.board, "health")
                return (h?["follows"]?[source]?["cursor"]?.intValue ?? -1) >= last
            }
        }

        func finish() {
            client.close()
            supervisor.stop()
            dir.remove()
        }
    }

    @Test("an action lead's key sets the status of and reports on its organisation's actions only; the history and the board pack say who, by id and post")
    func actionLeadOverTheWire() throws {
        let stack = try LeadStack()
        defer { stack.finish() }
        let up = waitUntil(timeout: 60, interval: 0.05) {
            (try? stack.client.call(ServiceName.supervisor, "status", timeout: 2))?["ready"]?.boolValue == true
        }
        try #require(up, "the stack did not come up:\n\(stack.supervisor.output)")

        // The inspection's findings, and two actions the stack's own key makes: one the Council leads, one the NHS.
        let report = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/lancashire-2017-report.json"))))
        _ = try stack.client.call(ServiceName.findings, "findings.import", report, timeout: 30)
        try #require(try stack.boardCaughtUp(with: ServiceName.findings), "the board did not read the findings")
        for (finding, title, lead) in [("INS-lancashire-2017-F01", "Put families at the heart of the reforms", "Council"),
                                       ("INS-lancashire-2017-F02", "Commission health services after 16", "NHS Lancashire")] {
            _ = try stack.board("actions.create", actionArgs([finding], start: "2026-09-01", due: "2027-03-31", title: title, lead: lead))
        }

        // The operator registers the Council's head of SEND as its action lead; the board hears of it from the supervisor.
        let keys = try CurveKeyPair.generate()
        let person = try stack.client.call(ServiceName.supervisor, "people.add", [
            "key": .string(keys.publicKey), "post": "Head of SEND", "role": "action_lead", "organisation": "Council",
        ])
        let id = try #require(person["person_id"]?.stringValue)
        try #require(try stack.boardCaughtUp(with: ServiceName.supervisor), "the board did not hear of \(id)")
        let lead = try TestClient(stack.dir, identity: keys)
        defer { lead.close() }

        // The Council's action: its status and a progress update that makes it red, and its exceptions commentary.
        let started = try lead.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "in_progress"])
        #expect(started["status_change"] == ["from": "not_started", "to": "in_progress"])
        let progress = try lead.call(ServiceName.board, "actions.progress", [
            "action_id": "A-0001", "note": "The forum's co-chair post is vacant", "author_role": "Head of SEND", "status": "delayed",
        ])
        #expect(progress["action"]?["rag"] == "red")
        _ = try lead.call(ServiceName.board, "exceptions.add", ["action_id": "A-0001", "commentary": "Recruiting a co-chair"])

        // Refused: the NHS action, and the due date of its own. Each refusal changes nothing.
        func state() throws -> [JSONValue] {
            [try stack.board("actions.history"), try stack.board("actions.show", ["action_id": "A-0001"]),
             try stack.board("actions.show", ["action_id": "A-0002"]),
             .int(Int64(try stack.client.allEvents(ServiceName.board).count))]
        }
        let before = try state()
        let notTheirs = "A-0002 is led by NHS Lancashire; your key (\(id)) is an action lead for Council"
        for (command, args) in [("actions.update", ["action_id": "A-0002", "status": "in_progress"]),
                                ("actions.progress", ["action_id": "A-0002", "note": "Started", "author_role": "Head of SEND"]),
                                ("exceptions.add", ["action_id": "A-0002", "commentary": "Not ours to write"])] as [(String, JSONValue)] {
            let error = #expect(throws: ServiceError.self) { try lead.call(ServiceName.board, command, args) }
            #expect(error?.code == .forbidden, "\(command)")
            #expect(error?.message == notTheirs, "\(command)")
        }
        let due = #expect(throws: ServiceError.self) {
            try lead.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "due": "2027-06-30"])
        }
        #expect(due?.code == .forbidden)
        #expect(due?.message == "due: only the board chair may change it; your key (\(id)) is an action lead, who may change only the status")
        #expect(try state() == before)

        // The history says who changed each status; the events say so too.
        let changes = try stack.board("actions.history")["changes"]?.arrayValue ?? []
        #expect(changes.map { "\($0["action_id"]?.stringValue ?? "") \($0["to"]?.stringValue ?? "")" }
            == ["A-0001 not_started", "A-0002 not_started", "A-0001 in_progress", "A-0001 delayed"])
        #expect(changes.map { $0["by"] } == [["person": "stack", "role": "stack"], ["person": "stack", "role": "stack"],
                                              ["person": .string(id), "role": "action_lead"], ["person": .string(id), "role": "action_lead"]])
        let statusEvents = try stack.client.allEvents(ServiceName.board).filter { $0.type == EventType.actionStatusChanged }
        #expect(statusEvents.map { $0.actor } == [Actor(person: id, role: .actionLead), Actor(person: id, role: .actionLead)])
        let shown = try ChildRun.run(Binaries.path("sendctl"), ["actions", "show", "A-0001"] + stack.dir.flags, timeout: 30)
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.stdout.contains("in_progress → delayed  by \(id) action_lead"), "\(shown.stdout)")

        // The board pack: who set the red action's status last, by id, post and role.
        let out = "\(stack.dir.path)/reports"
        let pack = try ChildRun.run(Binaries.path("sendctl"), ["report", "board-pack", "--out", out] + stack.dir.flags,
                                    environment: ["SEND_TODAY": Self.today], timeout: 60)
        #expect(pack.status == 0, "\(pack.output)")
        let html = try String(contentsOfFile: "\(out)/board-pack.html", encoding: .utf8)
        #expect(html.contains("Set to delayed on 3 November 2026 by \(id), Head of SEND (action lead)"), "\(html)")
        let csv = try String(contentsOfFile: "\(out)/board-pack-red-actions.csv", encoding: .utf8)
        #expect(csv.contains("delayed,2026-11-03,\(id),action_lead,Head of SEND"), "\(csv)")
    }
}
