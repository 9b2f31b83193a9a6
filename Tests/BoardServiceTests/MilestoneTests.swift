import Foundation
import SendModel
import Testing
import TestSupport
@testable import BoardService

/// An action's dated milestones (issue 18) with a real `board-actions` process and `sendctl`.
@Suite struct MilestoneTests {
    @Test("a milestone added is listed and shown with the action; met before its due date, the action stays green")
    func addedListedAndMetInTime() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(start: "2026-01-05", due: "2026-12-31"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])

        let added = try board.sendctl(["actions", "milestones", "add", "A-0001", "--title", "Training delivered", "--due", "2026-10-01"])
        #expect(added.status == 0, "\(added.err)")
        #expect(added.out.contains("added M1 of A-0001: Training delivered — upcoming: due 2026-10-01"), "\(added.out)")
        #expect(added.out.contains("A-0001 is green"), "\(added.out)")

        let listed = try board.sendctl(["actions", "milestones", "A-0001"])
        #expect(listed.status == 0, "\(listed.err)")
        #expect(listed.out.contains("A-0001  Redesign the autism pathway: 1 milestone."), "\(listed.out)")
        let row = try #require(listed.out.split(separator: "\n").first { $0.hasPrefix("M1") }, "\(listed.out)")
        #expect(row.contains("Training delivered") && row.contains("2026-10-01") && row.contains("upcoming: due 2026-10-01"), "\(row)")
        let shown = try board.sendctl(["actions", "show", "A-0001"])
        #expect(shown.out.contains("Milestones:\n  M1  Training delivered: upcoming: due 2026-10-01"), "\(shown.out)")
        #expect(try board.call("actions.list")["actions"]?[0]?["milestones"]?[0]?["state"] == "upcoming")
        #expect(try board.payloads(ActionMilestoneAdded.self) == [ActionMilestoneAdded(actionID: "A-0001", milestone: "M1",
                                                                                     title: "Training delivered", due: LocalDate(iso: "2026-10-01")!)])

        board.stop()
        try board.start(today: "2026-09-20")
        let met = try board.sendctl(["actions", "milestones", "met", "A-0001", "M1", "--on", "2026-09-18"], today: "2026-09-20")
        #expect(met.status == 0, "\(met.err)")
        #expect(met.out.contains("met M1 of A-0001: Training delivered — met on 2026-09-18 (due 2026-10-01)"), "\(met.out)")
        #expect(try board.payloads(ActionMilestoneMet.self).map { "\($0.milestone) \($0.metOn.iso) late=\($0.late)" } == ["M1 2026-09-18 late=false"])

        // Past the milestone's date: met in time, so it is not missed and the action stays green.
        board.stop()
        try board.start(today: "2026-10-05")
        #expect(waitUntil { (try? board.call("actions.overdue"))?["last_check"]?["today"] == "2026-10-05" })
        let action = try board.call("actions.show", ["action_id": "A-0001"])
        #expect(action["action"]?["rag"] == "green")
        #expect(action["milestones"]?[0]?["words"] == "met on 2026-09-18 (due 2026-10-01)")
        let ragHistory = action["rag_history"]?.arrayValue ?? []
        #expect(ragHistory.last?["to"] == "green")
        #expect(!ragHistory.contains { $0["reason"]?.stringValue?.contains("milestone") == true })
        #expect(try board.events(EventType.actionMilestoneMissed).isEmpty)
    }

    @Test("a missed milestone turns the action red, with the milestone named in its RAG history, and tells its lead once; met late, it is green again")
    func aMissedMilestoneTurnsRed() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        let notifications = try ServiceProcess("notifications", board.directory.flags, directory: board.directory,
                                               environment: ["SEND_TODAY": "2026-03-02"])
        defer { notifications.stop() }
        #expect(board.client.waitReady(ServiceName.notifications))
        try board.call("actions.create", actionArgs(start: "2026-01-05", due: "2026-12-31"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        try board.call("actions.milestones.add", ["action_id": "A-0001", "title": "Pathway agreed", "due": "2026-03-20"])
        try board.call("actions.milestones.add", ["action_id": "A-0001", "title": "Training delivered", "due": "2026-10-01"])
        try board.call("actions.milestones.met", ["action_id": "A-0001", "milestone": "M1"])

        // Amber (not started after its start date), then green once in progress.
        #expect(try board.payloads(ActionRAGChanged.self).map { "\($0.from?.rawValue ?? "-")→\($0.to?.rawValue ?? "-")" } == ["amber→green"])

        // The day after M2's due date: the watch sees it missed.
        board.stop()
        try board.start(today: "2026-10-02")
        #expect(waitUntil { (try? board.events(EventType.actionRAGChanged).count) == 2 })
        let shown = try board.call("actions.show", ["action_id": "A-0001"])
        #expect(shown["action"]?["rag"] == "red")
        #expect(shown["action"]?["rag_reason"] == "milestone M2 'Training delivered' missed (due 2026-10-01)")
        let last = try #require(shown["rag_history"]?.arrayValue?.last)
        #expect(last["from"] == "green" && last["to"] == "red" && last["cause"] == "date" && last["on"] == "2026-10-02")
        #expect(last["reason"] == "milestone M2 'Training delivered' missed (due 2026-10-01)")
        #expect(try board.call("actions.list", ["rag": "red"])["total"] == 1)
        let listed = try board.sendctl(["actions", "milestones", "A-0001"], today: "2026-10-02")
        let rows = listed.out.split(separator: "\n")
        #expect(rows.first { $0.hasPrefix("M1") }?.contains("met on 2026-03-02 (due 2026-03-20)") == true, "\(listed.out)")
        #expect(rows.first { $0.hasPrefix("M2") }?.contains("missed: due 2026-10-01, not met") == true, "\(listed.out)")
        let history = try board.sendctl(["actions", "history", "A-0001"], today: "2026-10-02")
        #expect(history.out.split(separator: "\n").contains { $0.contains(" rag ") && $0.contains("milestone M2 'Training delivered' missed") },
                "\(history.out)")

        // Announced once, also across a restart the same day; the lead is told.
        board.stop()
        try board.start(today: "2026-10-02")
        #expect(waitUntil { (try? board.call("actions.overdue"))?["last_check"]?["today"] == "2026-10-02" })
        #expect(try board.payloads(ActionMilestoneMissed.self).map { "\($0.actionID) \($0.milestone) \($0.title) \($0.due.iso)" }
            == ["A-0001 M2 Training delivered 2026-10-01"])
        func leads() throws -> String {
            try board.sendctl(["notifications", "list", "--audience", "action_leads"], today: "2026-10-02").out
        }
        #expect(waitUntil(timeout: 15) { (try? leads().contains("Milestone missed: M2 'Training delivered' of A-0001")) == true })
        let told = try leads()
        #expect(told.components(separatedBy: "Milestone missed").count == 2, "\(told)")

        // Met late: the reason is gone, the action is green again (cause: milestone).
        let met = try board.sendctl(["actions", "milestones", "met", "A-0001", "M2", "--on", "2026-10-02"], today: "2026-10-02")
        #expect(met.status == 0, "\(met.err)")
        #expect(met.out.contains("met late on 2026-10-02 (due 2026-10-01)"), "\(met.out)")
        let after = try board.call("actions.show", ["action_id": "A-0001"])
        #expect(after["action"]?["rag"] == "green")
        #expect(after["rag_history"]?.arrayValue?.last?["cause"] == "milestone")
        #expect(try board.payloads(ActionMilestoneMet.self).last?.late == true)
    }

    @Test("bad input — an unknown action or milestone, a bad or out-of-range date, a second met — is refused clearly and changes nothing")
    func badInputChangesNothing() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(start: "2026-01-05", due: "2026-12-31"))
        try board.call("actions.milestones.add", ["action_id": "A-0001", "title": "Training delivered", "due": "2026-10-01"])
        try board.call("actions.milestones.met", ["action_id": "A-0001", "milestone": "M1", "on": "2026-02-27"])
        let before = try board.call("actions.milestones.list", ["action_id": "A-0001"])
        func milestoneEvents() throws -> Int {
            try board.client.allEvents(ServiceName.board).filter { $0.type.hasPrefix("action.milestone") }.count
        }
        let events = try milestoneEvents()

        let cases: [([String], String)] = [
            (["add", "A-0099", "--title", "X", "--due", "2026-10-01"], "action A-0099"),
            (["add", "A-0001", "--title", "X", "--due", "2026-13-01"], "due"),
            (["add", "A-0001", "--title", "X", "--due", "2027-01-31"], "is after A-0001 is due (2026-12-31)"),
            (["add", "A-0001", "--title", "X", "--due", "2025-12-31"], "is before A-0001 starts (2026-01-05)"),
            (["add", "A-0001", "--title", "training delivered", "--due", "2026-11-01"], "A-0001 already has a milestone 'training delivered'"),
            (["met", "A-0001", "M9"], "milestone M9 of A-0001"),
            (["met", "A-0001", "first"], "'first' is not a milestone: give its number as listed, for example M1"),
            (["met", "A-0001", "M1"], "M1 of A-0001 was already met on 2026-02-27"),
            (["met", "A-0099", "M1"], "action A-0099"),
        ]
        for (args, words) in cases {
            let run = try board.sendctl(["actions", "milestones"] + args)
            #expect(run.status != 0, "\(args): \(run.out)")
            #expect(run.err.contains(words), "\(args): \(run.err)")
        }
        try board.call("actions.milestones.add", ["action_id": "A-0001", "title": "Pathway agreed", "due": "2026-06-01"])
        let dates: [(JSONValue, String)] = [
            ("2026-03-03", "2026-03-03 is after today (2026-03-02): record a milestone as met once it is met"),
            ("2026-01-04", "2026-01-04 is before A-0001 started (2026-01-05)"),
        ]
        for (on, words) in dates {
            let error = serviceError { try board.call("actions.milestones.met", ["action_id": "A-0001", "milestone": "M2", "on": on]) }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains(words) == true, "\(error?.message ?? "")")
        }
        let after = try board.call("actions.milestones.list", ["action_id": "A-0001"])
        // By due date: the new M2 (1 June) before M1 (1 October), which is as it was.
        #expect(after["milestones"]?.arrayValue?.map { $0["milestone"] } == ["M2", "M1"])
        #expect(after["milestones"]?[1] == before["milestones"]?[0])
        #expect(after["milestones"]?[0]?["met_on"] == .null)
        // Only the one good add was announced.
        #expect(try milestoneEvents() == events + 1)

        // A closed action's milestones do not change.
        try board.call("actions.update", ["action_id": "A-0001", "status": "cancelled", "reason": "Merged into A-0002"])
        let closed = serviceError { try board.call("actions.milestones.met", ["action_id": "A-0001", "milestone": "M2", "on": "2026-03-01"]) }
        #expect(closed?.code == .conflict)
        #expect(closed?.message.contains("A-0001 is cancelled: the milestones of a closed action do not change") == true, "\(closed?.message ?? "")")
    }

    @Test("an action lead marks their organisation's milestone met, with who did it; another organisation's is refused and stays as it was")
    func leadScope() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        db.actor = ActionLeadRulesTests.chair
        try db.run(Actions.create, actionArgs(lead: "Council"))
        try db.run(Actions.create, actionArgs(["F-0005"], title: "Commission health services after 16", lead: "NHS Lancashire"))
        for id in ["A-0001", "A-0002"] {
            try db.run(Milestones.add, ["action_id": .string(id), "title": "Training delivered", "due": "2026-05-01"])
        }
        db.actor = ActionLeadRulesTests.lead
        let met = try db.run(Milestones.met, ["action_id": "A-0001", "milestone": "M1"])
        #expect(met["milestone"]?["met_by"] == ["person": "P-4", "role": "action_lead"])
        let refused = serviceError { try db.run(Milestones.met, ["action_id": "A-0002", "milestone": "M1"]) }
        #expect(refused?.code == .forbidden)
        #expect(refused?.message.contains("A-0002 is led by NHS Lancashire; your key (P-4) is an action lead for Council") == true,
                "\(refused?.message ?? "")")
        let other = try db.read { try Milestones.list($0, ["action_id": "A-0002"], today: db.today) }
        #expect(other["milestones"]?[0]?["met_on"] == .null)
        // Adding is the chair's (Access.table), as creating an action is.
        #expect(Access.table[ServiceName.board]?["actions.milestones.add"] == [.boardChair])
        #expect(Access.table[ServiceName.board]?["actions.milestones.met"] == [.boardChair, .actionLead])
    }

    @Test("a milestone's date moves only by a change request a board decision approves; the first agreed date stays beside it")
    func rescheduleNeedsADecision() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        try board.call("actions.create", actionArgs(start: "2026-01-05", due: "2026-12-31"))
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        try board.call("actions.milestones.add", ["action_id": "A-0001", "title": "Training delivered", "due": "2026-04-01"])

        let requested = try board.sendctl(["actions", "milestones", "reschedule", "A-0001", "M1", "--due", "2026-06-01",
                                           "--reason", "The trainer starts in May"])
        #expect(requested.status == 0, "\(requested.err)")
        #expect(requested.out.contains("requested CR-0001: milestone_due of A-0001 M1 from 2026-04-01 to 2026-06-01 — pending a board decision"),
                "\(requested.out)")
        let second = serviceError {
            try board.call("actions.milestones.reschedule", ["action_id": "A-0001", "milestone": "M1", "due": "2026-07-01", "reason": "x"])
        }
        #expect(second?.code == .conflict)
        #expect(second?.message.contains("CR-0001 is already pending for A-0001") == true, "\(second?.message ?? "")")
        let late = serviceError {
            try board.call("actions.milestones.reschedule", ["action_id": "A-0001", "milestone": "M1", "due": "2027-02-01", "reason": "x"])
        }
        #expect(late?.message.contains("is after A-0001 is due (2026-12-31)") == true, "\(late?.message ?? "")")

        // Pending, the date has not moved: the day after it, the milestone is missed and the action red.
        board.stop()
        try board.start(today: "2026-04-02")
        #expect(waitUntil { (try? board.call("actions.show", ["action_id": "A-0001"]))?["action"]?["rag"] == "red" })
        let member = try board.call("board.members.add", ["role": "parent_carer_representative", "post": "Forum co-chair"])
        let meeting = try board.call("board.meetings.add", ["date": "2026-04-02", "attendee_ids": [member["member"]?["member_id"] ?? .null]])
        let decided = try board.sendctl(["board", "decide", meeting["meeting"]?["meeting_id"]?.stringValue ?? "", "--kind", "change_requests",
                                         "--approve", "CR-0001"], today: "2026-04-02")
        #expect(decided.status == 0, "\(decided.err)")

        let shown = try board.call("actions.show", ["action_id": "A-0001"])
        let m = try #require(shown["milestones"]?[0])
        #expect(m["due"] == "2026-06-01" && m["baseline_due"] == "2026-04-01" && m["rescheduled"] == true)
        #expect(m["words"] == "upcoming: due 2026-06-01")
        #expect(shown["action"]?["rag"] == "green")
        let last = try #require(shown["rag_history"]?.arrayValue?.last)
        #expect(last["cause"] == "decision" && last["decision_id"] == "D-0001" && last["to"] == "green")
        let approved = try board.payloads(ActionChangeApproved.self)
        #expect(approved.map { "\($0.request.kind.rawValue) \($0.request.milestone ?? "-") \($0.request.from)→\($0.request.to)" }
            == ["milestone_due M1 2026-04-01→2026-06-01"])
        let history = try board.sendctl(["actions", "history", "A-0001"], today: "2026-04-02")
        let line = try #require(history.out.split(separator: "\n").first { $0.contains("CR-0001") }, "\(history.out)")
        #expect(line.contains("milestone M1 due") && line.contains("made") && line.contains("The trainer starts in May"), "\(line)")

        // Met, its date no longer changes.
        try board.call("actions.milestones.met", ["action_id": "A-0001", "milestone": "M1"])
        let met = serviceError {
            try board.call("actions.milestones.reschedule", ["action_id": "A-0001", "milestone": "M1", "due": "2026-07-01", "reason": "x"])
        }
        #expect(met?.message.contains("M1 of A-0001 was met on 2026-04-02: its date no longer changes") == true, "\(met?.message ?? "")")
    }
}
