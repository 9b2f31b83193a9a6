import Foundation
import SendModel
import Testing
import TestSupport
@testable import BoardService

/// The board service as a real process, over the wire and through `sendctl`.
@Suite struct BoardProcessTests {
    @Test func statusChangesOverTheWireAreCheckedAndKeptWithTheirHistory() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        let created = try board.call("actions.create", actionArgs(["F-0003", "F-0006"]))
        #expect(created["action"]?["action_id"] == "A-0001")

        let unknown = #expect(throws: ServiceError.self) { try board.call("actions.create", actionArgs(["F-0404"])) }
        #expect(unknown?.code == .invalid)
        #expect(unknown?.field == "finding_ids[0]")

        for (to, allowed) in [("completed", ["in_progress", "cancelled"]), ("delayed", ["in_progress", "cancelled"]),
                              ("verified", ["in_progress", "cancelled"])] {
            let error = #expect(throws: ServiceError.self) { try board.call("actions.update", ["action_id": "A-0001", "status": .string(to)]) }
            #expect(error?.code == .conflict)
            for state in allowed { #expect(error?.message.contains(state) == true, "\(error?.message ?? "")") }
        }
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress"])
        try board.call("actions.progress", ["action_id": "A-0001", "note": "Pathway paused: no clinical lead", "author_role": "Action lead",
                                            "status": "delayed"])
        try board.call("actions.update", ["action_id": "A-0001", "status": "in_progress", "reason": "Lead appointed"])
        try board.call("actions.update", ["action_id": "A-0001", "status": "completed"])
        let afterCompletion = #expect(throws: ServiceError.self) { try board.call("actions.update", ["action_id": "A-0001", "status": "delayed"]) }
        #expect(afterCompletion?.code == .conflict)

        let shown = try board.call("actions.show", ["action_id": "A-0001"])
        #expect(shown["status_history"]?.arrayValue?.compactMap { $0["to"]?.stringValue }
            == ["not_started", "in_progress", "delayed", "in_progress", "completed"])
        let events = try board.payloads(ActionStatusChanged.self)
        #expect(events.map { "\($0.from.rawValue)→\($0.to.rawValue)" }
            == ["not_started→in_progress", "in_progress→delayed", "delayed→in_progress", "in_progress→completed"])
        // Each carries the reason the board recorded with it: for a change made by a progress update, its note.
        #expect(events.map(\.reason) == [nil, "Pathway paused: no clinical lead", "Lead appointed", nil])
        #expect((shown["status_history"]?.arrayValue ?? []).dropFirst().map { $0["reason"]?.stringValue } == events.map(\.reason))
        #expect(events.allSatisfy { $0.title == "Redesign the autism pathway" })
        // Events carry ids, titles and roles, never the posts or other text people typed.
        let created1 = try board.payloads(ActionCreated.self)
        #expect(created1 == [ActionCreated(actionID: "A-0001", title: "Redesign the autism pathway", findingIDs: ["F-0003", "F-0006"],
                                           leadOrganisation: "Lancashire County Council", due: LocalDate(iso: "2026-06-30")!,
                                           status: .notStarted)])
        #expect(try board.events(EventType.actionCreated).first?.objectValue?.keys.sorted()
            == ["action_id", "due", "finding_ids", "import_id", "lead_organisation", "status", "title"])
        #expect(try board.events(EventType.actionCreated).first?["import_id"] == .null)
    }

    @Test func overdueIsAnnouncedExactlyOnceAcrossTwoRestarts() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-01-10")
        try board.call("actions.create", actionArgs(due: "2026-02-01"))
        try board.call("actions.create", actionArgs(due: "2026-12-01"))
        #expect(try board.events(EventType.actionOverdue).isEmpty)
        board.stop()

        // Restarted after the due date: one announcement.
        try board.start(today: "2026-03-02")
        #expect(waitUntil { (try? board.events(EventType.actionOverdue).count) == 1 })
        board.stop()

        // Restarted again on the same day: the check runs at start, and announces nothing new.
        let restartedAt = Timestamp.now()
        try board.start(today: "2026-03-02")
        #expect(waitUntil {
            let at = (try? board.call("actions.overdue"))?["last_check"]?["at"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
            return at.map { $0 >= Timestamp(millis: restartedAt.millis - 1) } ?? false
        })
        #expect(try board.payloads(ActionOverdue.self) == [ActionOverdue(actionID: "A-0001", title: "Redesign the autism pathway",
                                                                          due: LocalDate(iso: "2026-02-01")!)])
        let overdue = try board.call("actions.overdue")
        #expect(overdue["actions"]?.arrayValue?.compactMap { $0["action_id"]?.stringValue } == ["A-0001"])
        #expect(overdue["actions"]?[0]?["days_overdue"] == 29)
    }

    @Test func aBadOverdueIntervalIsRefusedAtStart() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        let refused = try ServiceProcess("board-actions", board.directory.flags, directory: board.directory,
                                         environment: ["SEND_OVERDUE_INTERVAL": "soon"])
        #expect(refused.waitForExit() == 78)
        #expect(refused.output.contains("SEND_OVERDUE_INTERVAL"))
    }

    @Test func aDecisionWithoutAParentOrYoungPersonRepresentativeIsRefusedBySendctl() throws {
        let board = try BoardProcess(seedArticle: false)
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        for (role, post) in [("local_authority", "Director of Children's Services"), ("health", "Designated Clinical Officer"),
                             ("parent_carer_representative", "Chair, parent carer forum")] {
            let r = try board.sendctl(["board", "member", "add", role, "--post", post])
            #expect(r.status == 0, "\(r.err)")
        }
        #expect(try board.sendctl(["board", "meeting", "add", "--date", "2026-02-10", "--attendee", "M-001", "--attendee", "M-002"]).status == 0)
        #expect(try board.sendctl(["board", "meetings", "add", "--date", "2026-02-24", "--attendee", "M-1", "--attendee", "M-3"]).status == 0)

        let refused = try board.sendctl(["board", "decide", "MTG-001", "--kind", "other", "--summary", "Adopt the terms of reference"])
        #expect(refused.status == 65)
        #expect(refused.err.contains("parent carer or young person representative"))
        #expect(try board.events(EventType.decisionRecorded).isEmpty)

        let accepted = try board.sendctl(["board", "decide", "MTG-002", "--kind", "other", "--summary", "Adopt the terms of reference"])
        #expect(accepted.status == 0, "\(accepted.err)")
        #expect(accepted.out.contains("D-0001"))
        let listed = try board.sendctl(["board", "decisions", "--json"])
        let decisions = try JSONValue.parse(Array(listed.out.utf8))["decisions"]?.arrayValue ?? []
        #expect(decisions.compactMap { $0["meeting_id"]?.stringValue } == ["MTG-002"])
        // Members are posts and roles; events carry the role only.
        #expect(try board.events(EventType.memberRecorded).map { $0.objectValue?.keys.sorted() ?? [] }
            == Array(repeating: ["member_id", "role"], count: 3))
    }

    @Test func theDemoPlanImportsAndCoverageListsWhatACancellationUncovers() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2018-09-03")
        let imported = try board.sendctl(["plan", "import", "\(repositoryRoot)/deploy/demo/board-plan.json"], today: "2018-09-03")
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("8 actions"))
        let again = try board.sendctl(["plan", "import", "\(repositoryRoot)/deploy/demo/board-plan.json"], today: "2018-09-03")
        #expect(again.out.contains("already imported"))

        let complete = try board.sendctl(["actions", "coverage"], today: "2018-09-03")
        #expect(complete.out.contains("6 of 6 weaknesses"))
        let cancel = try board.sendctl(["actions", "update", "A-0001", "--status", "cancelled", "--reason", "Merged into the health review"],
                                       today: "2018-09-03")
        #expect(cancel.status == 0, "\(cancel.err)")
        let coverage = try board.sendctl(["actions", "coverage", "--json"], today: "2018-09-03")
        let gaps = try JSONValue.parse(Array(coverage.out.utf8))["gaps"]?.arrayValue ?? []
        #expect(gaps.compactMap { $0["finding_id"]?.stringValue } == ["F-0003"])
        let table = try board.sendctl(["actions", "coverage"], today: "2018-09-03")
        #expect(table.out.contains("F-0003"))
        #expect(table.out.contains("A-0001"))
        // The import covered every weakness a moment after it arrived: no gap was announced for it, only the cancellation's.
        #expect(try board.payloads(CoverageGap.self) == [CoverageGap(
            findingID: "F-0003", kind: .areaOfSignificantWeakness,
            summary: "Autism spectrum disorder pathways, where they exist, do not comply with NICE guidelines",
            reason: .actionCancelled, actionID: "A-0001")])
        #expect(try board.payloads(CoverageClosed.self).isEmpty)

        // Lists filter; the plan's status sums it up.
        let list = try board.sendctl(["actions", "list", "--lead-organisation", "Lancashire clinical commissioning groups", "--json"],
                                     today: "2018-09-03")
        let listed = try JSONValue.parse(Array(list.out.utf8))
        #expect(listed["actions"]?.arrayValue?.compactMap { $0["action_id"]?.stringValue } == ["A-0001", "A-0004", "A-0008"])
        let red = try board.sendctl(["actions", "list", "--rag", "red"], today: "2018-09-03")
        #expect(red.out.contains("A-0002"))   // due 2018-07-20, not started
        #expect(red.out.contains("A-0007"))
        let status = try board.sendctl(["plan", "status", "--json"], today: "2018-09-03")
        let plan = try JSONValue.parse(Array(status.out.utf8))
        #expect(plan["coverage"]?["gaps"] == ["F-0003"])
        #expect(plan["actions"]?["by_status"]?["cancelled"] == 1)
        #expect(plan["due"] == "2018-05-10")
        let submit = try board.sendctl(["plan", "submit"], today: "2018-09-03")
        #expect(submit.status == 65)
        #expect(submit.err.contains("--force"))
        let forced = try board.sendctl(["plan", "submit", "--force"], today: "2018-09-03")
        #expect(forced.status == 0, "\(forced.err)")
        #expect(try board.events(EventType.planSubmitted).first?["forced"] == true)

        let kpis = try board.sendctl(["measures", "list"], today: "2018-09-03")
        #expect(kpis.out.contains("Permanent exclusions of pupils with EHC plans"))
        #expect(kpis.out.contains("improving"))
    }

    @Test func sendctlSaysClearlyWhatIsWrong() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        let notRunning = try board.sendctl(["actions", "list"])
        #expect(notRunning.status == 69)
        try board.start(today: "2026-03-02")
        let missing = try board.sendctl(["actions", "create", "--title", "Autism pathway", "--finding", "F-0003"])
        #expect(missing.status == 65)
        for flag in ["--lead", "--action-lead", "--success-criteria", "--start", "--due"] { #expect(missing.err.contains(flag)) }
        let created = try board.sendctl(["actions", "add", "--title", "Autism pathway", "--finding", "F-0003",
                                         "--lead-organisation", "Lancashire clinical commissioning groups",
                                         "--sponsoring-director", "Chief Operating Officer", "--action-lead", "Designated Clinical Officer",
                                         "--start", "2026-01-05", "--due", "2026-03-10", "--success-criteria", "NICE-compliant pathway"])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out.contains("A-0001"))
        let shown = try board.sendctl(["actions", "show", "a-1"])
        #expect(shown.out.contains("amber"))
        #expect(shown.out.contains("not started although its start date 2026-01-05 has passed"))
        let progress = try board.sendctl(["actions", "progress", "A-0001", "--note", "Started", "--author-role", "Action lead",
                                          "--status", "in_progress"])
        #expect(progress.out.contains("not_started → in_progress"))
        let delayed = try board.sendctl(["actions", "update", "A-0001", "--status", "delayed", "--reason", "Clinical lead vacancy"])
        #expect(delayed.out.contains("red"))
        let exceptions = try board.sendctl(["actions", "exceptions"])
        #expect(exceptions.out.contains("1 of 1 red actions need an exceptions commentary"))
        #expect(try board.sendctl(["actions", "exceptions", "add", "A-0001", "--commentary", "Interim lead from April"]).status == 0)
        #expect(try board.sendctl(["actions", "exceptions"]).out.contains("0 of 1 red actions"))
        let notFound = try board.sendctl(["actions", "show", "A-0099"])
        #expect(notFound.status == 65)
        #expect(notFound.err.contains("A-0099"))
    }
}
