import Foundation
import SendModel
import Testing
import TestSupport
@testable import BoardService

/// Change control and RAG history (issue 18) with a real `board-actions` process and `sendctl`.
@Suite struct ChangeControlTests {
    /// A co-produced meeting held on `date`: a parent carer representative attended.
    static func meeting(_ board: BoardProcess, on date: String = "2026-03-01") throws -> String {
        let member = try board.call("board.members.add", ["role": "parent_carer_representative", "post": "Forum co-chair"])
        let id = try #require(member["member"]?["member_id"]?.stringValue)
        let meeting = try board.call("board.meetings.add", ["date": .string(date), "attendee_ids": [.string(id)]])
        return try #require(meeting["meeting"]?["meeting_id"]?.stringValue)
    }

    @Test("a reschedule is refused without a decision and applied with one; the baseline due date stays beside the new one")
    func rescheduleNeedsADecisionAndKeepsTheBaseline() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(due: "2026-06-30"))

        // actions.update no longer moves the due date: it names the change-request command.
        let direct = try board.sendctl(["actions", "update", "A-0001", "--due", "2026-09-30"])
        #expect(direct.status != 0)
        #expect(direct.err.contains("due changes only through a change request that a board decision approves: "
            + "sendctl actions reschedule A-0001 --due YYYY-MM-DD --reason TEXT"), "\(direct.err)")

        let requested = try board.sendctl(["actions", "reschedule", "A-0001", "--due", "2026-09-30",
                                           "--reason", "The clinical lead starts in April"])
        #expect(requested.status == 0, "\(requested.err)")
        #expect(requested.out.contains("requested CR-0001: reschedule of A-0001 from 2026-06-30 to 2026-09-30 — pending a board decision"),
                "\(requested.out)")
        // Pending: nothing changed yet, and a second request waits for the first.
        #expect(try board.call("actions.show", ["action_id": "A-0001"])["action"]?["due"] == "2026-06-30")
        let second = serviceError { try board.call("actions.reschedule", ["action_id": "A-0001", "due": "2026-10-31", "reason": "x"]) }
        #expect(second?.code == .conflict)
        #expect(second?.message.contains("CR-0001 is already pending for A-0001") == true, "\(second?.message ?? "")")

        // A decision needs the requests it decides.
        let meeting = try Self.meeting(board)
        let empty = serviceError { try board.call("board.decide", ["meeting_id": .string(meeting), "kind": "change_requests"]) }
        #expect(empty?.code == .invalid)
        #expect(try board.call("actions.show", ["action_id": "A-0001"])["action"]?["due"] == "2026-06-30")

        let decided = try board.sendctl(["board", "decide", meeting, "--kind", "change_requests", "--approve", "CR-0001"])
        #expect(decided.status == 0, "\(decided.err)")
        #expect(decided.out.contains("recorded D-0001 at MTG-001: approved CR-0001"), "\(decided.out)")

        let action = try board.call("actions.show", ["action_id": "A-0001"])["action"]
        #expect(action?["due"] == "2026-09-30")
        #expect(action?["baseline_due"] == "2026-06-30")
        #expect(action?["rescheduled"] == true)
        let shown = try board.sendctl(["actions", "show", "A-0001"])
        #expect(shown.out.contains("due                  2026-09-30"), "\(shown.out)")
        #expect(shown.out.contains("baseline due         2026-06-30"), "\(shown.out)")
        let listed = try board.sendctl(["actions", "list"])
        let row = try #require(listed.out.split(separator: "\n").first { $0.hasPrefix("A-0001") })
        #expect(row.contains("2026-09-30") && row.contains("2026-06-30"), "\(listed.out)")

        let history = try board.sendctl(["actions", "history", "A-0001"])
        #expect(history.status == 0, "\(history.err)")
        #expect(history.out.contains("due 2026-09-30 (baseline 2026-06-30)"), "\(history.out)")
        let line = try #require(history.out.split(separator: "\n").first { $0.contains("CR-0001") }, "\(history.out)")
        for word in ["2026-03-01", "due", "2026-06-30", "2026-09-30", "made", "D-0001", "The clinical lead starts in April"] {
            #expect(line.contains(word), "\(line)")
        }
        // Approved twice? No: it is decided.
        let again = serviceError { try board.call("board.decide", ["meeting_id": .string(meeting), "kind": "change_requests", "approve": ["CR-0001"]]) }
        #expect(again?.message.contains("CR-0001 was already approved by D-0001") == true, "\(again?.message ?? "")")

        #expect(try board.payloads(ActionChangeRequested.self).map(\.request.requestID) == ["CR-0001"])
        let approved = try board.payloads(ActionChangeApproved.self)
        #expect(approved.map { "\($0.request.requestID) \($0.decisionID) \($0.request.from)→\($0.request.to)" }
            == ["CR-0001 D-0001 2026-06-30→2026-09-30"])
        #expect(try board.call("board.decisions.list", ["action_id": "A-0001"])["decisions"]?[0]?["approved"] == ["CR-0001"])
    }

    @Test("a refused change request changes nothing, and says so in the history")
    func aRefusedRequestChangesNothing() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(due: "2026-06-30"))
        let direct = try board.sendctl(["actions", "update", "A-0001", "--lead", "NHS Lancashire"])
        #expect(direct.err.contains("sendctl actions change A-0001 --lead ORG --reason TEXT"), "\(direct.err)")

        let requested = try board.sendctl(["actions", "change", "A-0001", "--lead", "NHS Lancashire", "--reason", "Health leads the pathway"])
        #expect(requested.out.contains("requested CR-0001: lead_organisation of A-0001 from Lancashire County Council to NHS Lancashire"),
                "\(requested.out)")
        let meeting = try Self.meeting(board)
        let decided = try board.sendctl(["board", "decide", meeting, "--kind", "change_requests", "--refuse", "CR-0001"])
        #expect(decided.out.contains("recorded D-0001 at MTG-001: refused CR-0001"), "\(decided.out)")

        let action = try board.call("actions.show", ["action_id": "A-0001"])["action"]
        #expect(action?["lead_organisation"] == "Lancashire County Council")
        #expect(action?["due"] == "2026-06-30")
        let requests = try board.sendctl(["actions", "requests", "--action", "A-0001"])
        #expect(requests.out.contains("1 change request."), "\(requests.out)")
        let row = try #require(requests.out.split(separator: "\n").first { $0.hasPrefix("CR-0001") })
        #expect(row.contains("refused") && row.contains("D-0001"), "\(requests.out)")
        let history = try board.sendctl(["actions", "history", "A-0001"])
        let line = try #require(history.out.split(separator: "\n").first { $0.contains("CR-0001") }, "\(history.out)")
        #expect(line.contains("lead_organisation") && line.contains("refused") && line.contains("NHS Lancashire"), "\(line)")
        #expect(try board.events(EventType.actionUpdated).isEmpty)
        #expect(try board.payloads(ActionChangeRefused.self).map(\.request.requestID) == ["CR-0001"])
    }

    @Test("a suspended action is not rated, not overdue, and changes only by decision; resumed, it is rated again")
    func aSuspendedActionsRAG() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(start: "2026-01-05", due: "2026-02-20"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        #expect(try board.call("actions.show", ["action_id": "A-0001"])["action"]?["rag"] == "red")

        let direct = serviceError { try board.call("actions.update", ["action_id": "A-0001", "status": "suspended"]) }
        #expect(direct?.message.contains("sendctl actions suspend A-0001 --reason TEXT") == true, "\(direct?.message ?? "")")
        let requested = try board.sendctl(["actions", "suspend", "A-0001", "--reason", "Waiting for the new commissioning round"])
        #expect(requested.out.contains("requested CR-0001: suspend of A-0001 from in_progress to suspended"), "\(requested.out)")
        let meeting = try Self.meeting(board)
        try board.call("board.decide", ["meeting_id": .string(meeting), "kind": "change_requests", "approve": ["CR-0001"]])

        let listed = try board.sendctl(["actions", "list"])
        let row = try #require(listed.out.split(separator: "\n").first { $0.hasPrefix("A-0001") })
        #expect(row.contains("suspended"), "\(listed.out)")
        #expect(!row.contains("red"), "\(listed.out)")
        let shown = try board.sendctl(["actions", "show", "A-0001"])
        #expect(shown.out.contains("why                  suspended by a board decision: not rated until it resumes"), "\(shown.out)")
        #expect(try board.call("actions.overdue")["actions"] == [])
        #expect(try board.call("actions.list", ["rag": "red"])["total"] == 0)
        let moved = serviceError { try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"]) }
        #expect(moved?.message.contains("sendctl actions resume A-0001 --reason TEXT") == true, "\(moved?.message ?? "")")

        _ = try board.sendctl(["actions", "resume", "A-0001", "--reason", "Funding agreed"])
        try board.call("board.decide", ["meeting_id": .string(meeting), "kind": "change_requests", "approve": ["CR-0002"]])
        let resumed = try board.call("actions.show", ["action_id": "A-0001"])
        #expect(resumed["action"]?["status"] == "in_progress")
        #expect(resumed["action"]?["rag"] == "red")
        #expect(resumed["rag_history"]?.arrayValue?.map { "\($0["from"]?.stringValue ?? "-")→\($0["to"]?.stringValue ?? "-") \($0["cause"]?.stringValue ?? "")" }
            == ["-→red first", "red→- decision", "-→red decision"])
        let history = try board.sendctl(["actions", "history", "A-0001"])
        for request in ["CR-0001", "CR-0002"] {
            let line = try #require(history.out.split(separator: "\n").first { $0.contains(request) }, "\(history.out)")
            #expect(line.contains("status") && line.contains("made"), "\(line)")
        }
    }

    @Test("the RAG history after a sequence of updates across restarts: each change once, with the rule that fired")
    func ragHistoryAcrossRestarts() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(start: "2026-03-02", due: "2026-03-25"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        try board.call("actions.progress", ["action_id": "A-0001", "note": "No clinical lead", "author_role": "Action lead", "status": "delayed"])
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress", "reason": "Lead appointed"])
        board.stop()
        try board.start(today: "2026-03-15")   // 10 days left: amber
        #expect(waitUntil { (try? board.events(EventType.actionRAGChanged).count) == 3 })
        board.stop()
        try board.start(today: "2026-03-26")   // overdue: red
        #expect(waitUntil { (try? board.events(EventType.actionRAGChanged).count) == 4 })
        board.stop()
        // The same day again: nothing new.
        try board.start(today: "2026-03-26")
        #expect(waitUntil { (try? board.call("actions.overdue"))?["last_check"]?["today"] == "2026-03-26" })

        let changes = try board.call("actions.show", ["action_id": "A-0001"])["rag_history"]?.arrayValue ?? []
        #expect(changes.map { "\($0["on"]?.stringValue ?? "") \($0["from"]?.stringValue ?? "-")→\($0["to"]?.stringValue ?? "-") \($0["cause"]?.stringValue ?? "")" } == [
            "2026-03-02 -→green first",
            "2026-03-02 green→red status",
            "2026-03-02 red→green status",
            "2026-03-15 green→amber date",
            "2026-03-26 amber→red date",
        ])
        #expect(changes.map { $0["reason"]?.stringValue ?? "" } == [
            "on track: starts 2026-03-02, due in 23 days (2026-03-25)",
            "delayed",
            "on track: due in 23 days (2026-03-25)",
            "due in 10 days (2026-03-25) and not completed",
            "overdue: due yesterday (2026-03-25)",
        ])
        let rag = try board.payloads(ActionRAGChanged.self)
        #expect(rag.map { "\($0.from?.rawValue ?? "-")→\($0.to?.rawValue ?? "-")" } == ["green→red", "red→green", "green→amber", "amber→red"])
        let history = try board.sendctl(["actions", "history", "A-0001"], today: "2026-03-26")
        let ragLines = history.out.split(separator: "\n").filter { $0.contains(" rag ") }
        #expect(ragLines.count == 4, "\(history.out)")
        #expect(ragLines.last?.contains("overdue: due yesterday (2026-03-25)") == true, "\(history.out)")
    }

    @Test("turning red raises one notification to the lead organisation's action leads and the board, asking for exceptions commentary")
    func redTurnNotifiesOnce() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        let notifications = try ServiceProcess("notifications", board.directory.flags, directory: board.directory,
                                               environment: ["SEND_TODAY": "2026-03-02"])
        defer { notifications.stop() }
        #expect(board.client.waitReady(ServiceName.notifications))
        try board.call("actions.create", actionArgs(start: "2026-03-01", due: "2026-03-25"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        try board.call("actions.progress", ["action_id": "A-0001", "note": "No clinical lead", "author_role": "Action lead", "status": "delayed"])
        // Still red after restarts and a later day (delayed and then overdue): no second notification.
        board.stop()
        try board.start(today: "2026-03-27")
        #expect(waitUntil { (try? board.call("actions.overdue"))?["last_check"]?["today"] == "2026-03-27" })

        func listed() throws -> (status: Int32, out: String, err: String) {
            try board.sendctl(["notifications", "list", "--audience", "action_leads"], today: "2026-03-27")
        }
        #expect(waitUntil(timeout: 15) { (try? listed().out.contains("Action turned red")) == true })
        let out = try listed().out
        #expect(out.components(separatedBy: "Action turned red: A-0001 Redesign the autism pathway").count == 2, "\(out)")
        let red = (try board.client.call(ServiceName.notifications, "notifications.list", ["topics": ["action.rag_changed"]])["notifications"]?
            .arrayValue ?? []).map { $0["data"] ?? .null }
        #expect(red.count == 1)
        #expect(red.first?["audience"] == ["action_leads", "board"])
        #expect(red.first?["text"]?.stringValue == "A-0001, led by Lancashire County Council, is red (delayed). The lead is asked for an "
            + "exceptions commentary by the next board meeting: sendctl actions exceptions add A-0001 --commentary TEXT.")
        #expect(try board.payloads(ActionRAGChanged.self).filter { $0.to == .red }.count == 1)
    }
}
