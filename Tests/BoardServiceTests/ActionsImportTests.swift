import Foundation
import SendModel
import Testing
import TestSupport
@testable import BoardService

/// `actions.import` and `sendctl actions import`: last year's tracker, its actions and dated
/// updates, moved in at once — on a real `board-actions` process, through the wire and sendctl.
@Suite struct ActionsImportTests {
    static let today = "2026-03-02"

    /// A tracker of `count` actions, each with `updates` dated progress updates; the first update starts
    /// each action, the second of every third completes it. `change` edits action i (0-based) and its updates.
    static func tracker(_ count: Int, updates: Int = 3, importID: String? = "tracker-2025", note: String = "Update",
                        change: (Int, inout [String: JSONValue], inout [[String: JSONValue]]) -> Void = { _, _, _ in }) -> JSONValue {
        let actions: [JSONValue] = (1...count).map { i in
            var a = actionArgs(i % 2 == 0 ? ["F-0003"] : ["F-0006"], start: "2025-04-01", due: "2026-06-30",
                               title: "Tracker action \(i)").objectValue ?? [:]
            var list: [[String: JSONValue]] = (0..<updates).map { k in
                var u: [String: JSONValue] = ["on": .string(LocalDate(iso: "2025-05-01")!.adding(days: 7 * k).iso),
                                              "note": .string("\(note) \(k + 1) of action \(i)"), "author_role": "Action lead"]
                if k == 0 { u["status"] = "in_progress" }
                if k == 1 && i % 3 == 0 { u["status"] = "completed" }
                if k == 2 { u["evidence"] = "https://example.org/evidence" }
                return u
            }
            change(i - 1, &a, &list)
            a["updates"] = .array(list.map { .object($0) })
            return .object(a)
        }
        var file: [String: JSONValue] = ["actions": .array(actions)]
        if let importID { file["import_id"] = .string(importID) }
        return .object(file)
    }

    static func write(_ value: JSONValue, in board: BoardProcess, name: String = "tracker.json") throws -> String {
        let path = "\(board.directory.path)/\(name)"
        try Data(value.jsonString.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a tracker imported with sendctl reads back as a board member sees it: list, show, history and one summary event")
    func importedTrackerReadsBack() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: Self.today)
        let path = try Self.write(Self.tracker(6), in: board)

        let run = try board.sendctl(["actions", "import", path])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("imported 6 actions (A-0001–A-0006) with 18 progress updates and 8 status changes"), "\(run.out)")

        let list = try board.sendctl(["actions", "list"])
        #expect(list.status == 0, "\(list.err)")
        for i in 1...6 { #expect(list.out.contains("Tracker action \(i)"), "\(list.out)") }
        let listed = try board.call("actions.list")["actions"]?.arrayValue ?? []
        #expect(listed.compactMap { $0["status"]?.stringValue }
            == ["in_progress", "in_progress", "completed", "in_progress", "in_progress", "completed"])
        #expect(listed.allSatisfy { $0["updates"] == 3 && $0["last_update"] == "2025-05-15" })

        let show = try board.sendctl(["actions", "show", "A-0003"])
        #expect(show.status == 0, "\(show.err)")
        #expect(show.out.contains("Update 2 of action 3"), "\(show.out)")
        let shown = try board.call("actions.show", ["action_id": "A-0003"])
        #expect(shown["status_history"]?.arrayValue?.map { "\($0["to"]?.stringValue ?? "")@\($0["on"]?.stringValue ?? "")" }
            == ["not_started@2025-04-01", "in_progress@2025-05-01", "completed@2025-05-08"])
        #expect(shown["updates"]?.arrayValue?.compactMap { $0["on"]?.stringValue } == ["2025-05-01", "2025-05-08", "2025-05-15"])
        #expect(shown["action"]?["status_since"] == "2025-05-08")

        // The same events as the single commands, each marked with the import; then one summary.
        let created = try board.payloads(ActionCreated.self)
        #expect(created.count == 6 && created.allSatisfy { $0.importID == "tracker-2025" })
        #expect(try board.payloads(ActionProgress.self).count == 18)
        #expect(try board.payloads(ActionStatusChanged.self).count == 8)
        let summary = try board.payloads(ActionsImported.self)
        #expect(summary == [ActionsImported(importID: "tracker-2025", chunk: 1, chunks: 1, actions: 6, updates: 18, statusChanges: 8,
                                            firstActionID: "A-0001", lastActionID: "A-0006", importActions: 6, importUpdates: 18)])

        // The same file again records nothing.
        let again = try board.sendctl(["actions", "import", path])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("already imported; nothing changed"), "\(again.out)")
        #expect(try board.call("actions.list")["total"] == 6)
    }

    @Test("a bad update is named by its path in the file and nothing at all is recorded")
    func badRowChangesNothing() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: Self.today)
        let file = Self.tracker(4) { i, action, updates in
            if i == 2 { updates[0]["status"] = "completed" }
            if i == 3 { action["due"] = "2026-02-30" }
        }
        let path = try Self.write(file, in: board)
        let eventsBefore = try board.client.allEvents(ServiceName.board).count

        let run = try board.sendctl(["actions", "import", path])
        #expect(run.status == 65)
        #expect(run.err.contains("actions[2].updates[0].status"), "\(run.err)")
        #expect(run.err.contains("not_started to completed"), "\(run.err)")
        #expect(run.err.contains("actions[3].due"), "\(run.err)")
        #expect(run.err.contains("nothing was imported"), "\(run.err)")
        #expect(try board.call("actions.list")["total"] == 0)
        #expect(try board.client.allEvents(ServiceName.board).count == eventsBefore)

        let error = serviceError { try board.call("actions.import", file) }
        #expect(error?.code == .invalid)
        // Action 3 of the tracker completes at its second update too; with its first change refused it is still
        // not started there, so that change is refused as well: every bad field is named, in file order.
        #expect(error?.details.map(\.field) == ["actions[2].updates[0].status", "actions[2].updates[1].status", "actions[3].due"])
    }

    @Test("a retried request id gets the stored reply and imports nothing twice")
    func retriedRequestIsAnsweredFromTheStoredReply() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: Self.today)
        let args = Self.tracker(3, importID: nil)
        let first = try board.client.call(ServiceName.board, "actions.import", args, id: "tracker-retry-1", timeout: 30)
        let retried = try board.client.call(ServiceName.board, "actions.import", args, id: "tracker-retry-1", timeout: 30)
        #expect(first == retried)
        #expect(first["imported"] == true)
        #expect(first["action_ids"] == ["A-0001", "A-0002", "A-0003"])
        #expect(try board.call("actions.list")["total"] == 3)
        #expect(try board.payloads(ActionsImported.self).count == 1)
        #expect(try board.payloads(ActionCreated.self).count == 3)
    }

    @Test("a tracker larger than one request goes in several, checked as a whole first; a request over the limit says what the limit is")
    func largeTrackerGoesInSeveralRequests() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: Self.today, environment: ["SEND_MAX_REQUEST_BYTES": "65536"])
        // About 150 KB of actions and updates: more than two requests can hold at this limit.
        let tracker = Self.tracker(60, updates: 10, note: String(repeating: "Long progress note ", count: 10))
        #expect(tracker.jsonString.utf8.count > 3 * 65536 / 2)

        // One request for the whole file is refused, and sendctl says what the limit is.
        let path = try Self.write(tracker, in: board)
        let tooLarge = try board.sendctl(["actions", "import", path, "--chunk-bytes", "1000000"])
        #expect(tooLarge.status == 64)
        #expect(tooLarge.err.contains("the limit is 65536"), "\(tooLarge.err)")
        #expect(tooLarge.err.contains("--chunk-bytes"), "\(tooLarge.err)")
        #expect(try board.call("actions.list")["total"] == 0)

        // A bad action in the last request: the earlier requests record nothing either.
        let badFile = Self.tracker(60, updates: 10, note: String(repeating: "Long progress note ", count: 10)) { i, action, _ in
            if i == 59 { action["finding_ids"] = ["F-0404"] }
        }
        let bad = try board.sendctl(["actions", "import", try Self.write(badFile, in: board, name: "bad.json"), "--chunk-bytes", "40000"])
        #expect(bad.status == 65)
        #expect(bad.err.contains("actions[59].finding_ids[0]"), "\(bad.err)")
        #expect(try board.call("actions.list")["total"] == 0)

        let run = try board.sendctl(["actions", "import", path, "--chunk-bytes", "40000", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let result = try JSONValue.parse(Array(run.out.utf8))
        let requests = try #require(result["requests"]?.intValue)
        #expect(requests >= 4)
        #expect(result["actions"] == 60 && result["updates"] == 600)
        #expect(try board.call("actions.list")["total"] == 60)
        let summaries = try board.payloads(ActionsImported.self)
        #expect(summaries.count == Int(requests))
        let last = try #require(summaries.last)
        #expect(last.chunk == last.chunks && last.importActions == 60 && last.importUpdates == 600)
    }
}
