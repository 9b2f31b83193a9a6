import Foundation
import GRDB
import SendModel
import Testing
@testable import BoardService

/// The board's rules, run in-process against a real database.
@Suite struct StatusMachineTests {
    static let legal: Set<[ActionStatus]> = [
        [.notStarted, .inProgress], [.notStarted, .cancelled],
        [.inProgress, .delayed], [.inProgress, .completed], [.inProgress, .cancelled],
        [.delayed, .inProgress], [.delayed, .completed], [.delayed, .cancelled],
        [.suspended, .cancelled],
    ]

    @Test func onlyTheLegalChangesPassAndRefusalsNameTheAllowedStates() {
        for from in ActionStatus.allCases {
            for to in ActionStatus.allCases {
                let error = serviceError { try ActionStatus.check(action: "A-0001", from: from, to: to) }
                if Self.legal.contains([from, to]) {
                    #expect(error == nil, "\(from) → \(to) should be allowed")
                    continue
                }
                #expect(error?.code == .conflict, "\(from) → \(to) should be refused")
                // Suspending names the change-request command instead (issue 18).
                if to == .suspended && from.isOpen {
                    #expect(error?.message.contains("sendctl actions suspend A-0001 --reason TEXT") == true, "\(error?.message ?? "")")
                } else if from.isOpen && from != to {
                    for allowed in from.next { #expect(error?.message.contains(allowed.rawValue) == true, "\(error?.message ?? "")") }
                }
            }
        }
    }

    @Test func verificationIsABoardDecision() {
        #expect(serviceError { try ActionStatus.check(action: "A-0001", from: .completed, to: .verified) }?.message
            .contains("board decision") == true)
        #expect(serviceError { try ActionStatus.check(action: "A-0001", from: .completed, to: .verified, byDecision: true) } == nil)
        #expect(serviceError { try ActionStatus.check(action: "A-0001", from: .inProgress, to: .verified, byDecision: true) } != nil)
    }

    @Test func legalChangesAreRecordedWithTheirHistory() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs())
        for (status, reason) in [("in_progress", nil), ("delayed", "Clinical lead vacancy"), ("in_progress", nil), ("completed", nil)] {
            var args: JSONValue = ["action_id": "A-0001", "status": .string(status)]
            if let reason, case .object(var o) = args { o["reason"] = .string(reason); args = .object(o) }
            try db.run(Actions.update, args)
        }
        // Illegal from completed: refused, nothing changes.
        let refused = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"]) }
        #expect(refused?.code == .conflict)

        let shown = try db.read { try ActionQueries.show($0, ["action_id": "a-1"], today: db.today) }
        let history = shown["status_history"]?.arrayValue ?? []
        #expect(history.map { $0["to"]?.stringValue ?? "" } == ["not_started", "in_progress", "delayed", "in_progress", "completed"])
        #expect(history[2]["reason"] == "Clinical lead vacancy")
        let changes = try db.payloads(ActionStatusChanged.self)
        #expect(changes.count == 4)
        #expect(changes[1] == ActionStatusChanged(actionID: "A-0001", title: "Redesign the autism pathway", from: .inProgress,
                                                  to: .delayed, reason: "Clinical lead vacancy"))
        #expect(changes[1].reasonGiven)
        #expect(changes[0].reason == nil && !changes[0].reasonGiven)
    }

    @Test func cancellingNeedsAReasonAndReportsTheWeaknessLeftUncovered() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs(["F-0003"]))
        let noReason = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "status": "cancelled"]) }
        #expect(noReason?.code == .invalid)
        #expect(noReason?.field == "reason")
        try db.run(Actions.update, ["action_id": "A-0001", "status": "cancelled", "reason": "Replaced by a joint pathway"])
        #expect(try db.payloads(CoverageGap.self).last == CoverageGap(
            findingID: "F-0003", kind: .areaOfSignificantWeakness,
            summary: "Autism spectrum disorder pathways, where they exist, do not comply with NICE guidelines",
            reason: .actionCancelled, actionID: "A-0001"))
        #expect(try db.payloads(ActionStatusChanged.self).last?.reason == "Replaced by a joint pathway")
        let again = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"]) }
        #expect(again?.code == .conflict)
        #expect(again?.message.contains("cancelled") == true)
    }
}

@Suite struct RAGTests {
    func rate(_ status: ActionStatus, start: String = "2026-01-01", due: String, today: String = "2026-03-02") -> RAGRating {
        RAGRating.rate(status: status, start: LocalDate(iso: start)!, due: LocalDate(iso: due)!, today: LocalDate(iso: today)!)
    }

    @Test func redAmberGreenFollowTheRules() {
        #expect(rate(.inProgress, due: "2026-03-01").colour == .red)       // overdue by a day
        #expect(rate(.delayed, due: "2026-12-01").colour == .red)          // delayed
        #expect(rate(.inProgress, due: "2026-03-16").colour == .amber)     // due in 14 days
        #expect(rate(.inProgress, due: "2026-03-17").colour == .green)     // due in 15 days
        #expect(rate(.inProgress, due: "2026-03-02").colour == .amber)     // due today: not yet overdue
        #expect(rate(.notStarted, start: "2026-03-01", due: "2026-12-01").colour == .amber)  // start date passed
        #expect(rate(.notStarted, start: "2026-03-02", due: "2026-12-01").colour == .green)  // starts today
        #expect(rate(.completed, due: "2026-01-01").colour == .green)      // completed late: no longer red
        #expect(rate(.verified, due: "2026-01-01").colour == .green)
        #expect(rate(.cancelled, due: "2026-01-01").colour == nil)
    }

    @Test func theRatingIsExplained() {
        #expect(rate(.inProgress, due: "2026-02-20").explanation == "overdue: due 2026-02-20, 10 days ago")
        #expect(rate(.delayed, due: "2026-02-20").explanation == "delayed; overdue: due 2026-02-20, 10 days ago")
        #expect(rate(.inProgress, due: "2026-03-09").explanation == "due in 7 days (2026-03-09) and not completed")
        #expect(rate(.notStarted, start: "2026-02-01", due: "2026-12-01").explanation
            == "not started although its start date 2026-02-01 has passed")
    }

    /// The filter runs in SQL; it must agree with the rating shown.
    @Test func theDatabaseFilterAgreesWithTheRating() throws {
        let db = try BoardDatabase(today: "2026-01-01")
        defer { db.close() }
        try db.seedArticle()
        let dues = ["2026-02-20", "2026-03-01", "2026-03-02", "2026-03-10", "2026-03-16", "2026-03-17", "2026-06-01"]
        let starts = ["2026-01-05", "2026-03-02", "2026-03-05"]
        let paths: [[String]] = [[], ["in_progress"], ["in_progress", "delayed"], ["in_progress", "completed"],
                                 ["in_progress", "completed"], ["cancelled"]]
        var n = 0
        for due in dues {
            for start in starts where start <= due {
                for path in paths {
                    n += 1
                    try db.run(Actions.create, actionArgs(start: start, due: due))
                    for status in path {
                        try db.run(Actions.update, ["action_id": .string(BoardID.make(BoardID.action, Int64(n))), "status": .string(status),
                                                    "reason": "test"])
                    }
                }
            }
        }
        db.today = LocalDate(iso: "2026-03-02")!
        let all = try db.read { try ActionQueries.list($0, [:], today: db.today) }["actions"]?.arrayValue ?? []
        #expect(all.count == n)
        for colour in RAGRating.Colour.allCases {
            let filtered = try db.read { try ActionQueries.list($0, ["rag": .string(colour.rawValue)], today: db.today) }
            let expected = all.filter { $0["rag"]?.stringValue == colour.rawValue }.compactMap { $0["action_id"] }
            #expect((filtered["actions"]?.arrayValue ?? []).compactMap { $0["action_id"] } == expected, "\(colour)")
            #expect(!expected.isEmpty)
        }
    }
}

@Suite struct FindingsFollowTests {
    @Test func theReadModelFollowsTheFindingsEvents() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        // Each weakness arrived uncovered and is watched, not yet announced: a plan import may cover it a moment later.
        #expect(db.events(EventType.coverageGap).isEmpty)
        // The board's timer on a later day announces each, once; strengths and areas for improvement are not.
        db.today = db.today.adding(days: 1)
        try db.write { try Coverage.announceWatched($0, inspectionID: nil) }
        try db.write { try Coverage.announceWatched($0, inspectionID: nil) }
        let announced = try db.payloads(CoverageGap.self)
        #expect(announced.map(\.findingID) == SeedArticle.required)
        #expect(announced.allSatisfy { $0.reason == .recorded && $0.actionID == nil })
        #expect(announced.first?.summary == SeedArticle.findings[0].3)
        let inspection = try db.read { try FindingsReadModel.inspection($0, nil) }
        #expect(inspection?["plan_due"] == "2018-05-10")
        #expect(try db.read { try Coverage.gaps($0, inspectionID: nil) }.map { $0["finding_id"] as String } == SeedArticle.required)

        // Revisit: F-0004 sufficient, F-0005 not sufficient and carried into a new plan as F-0100.
        try db.findingsEvent(EventType.findingJudged, ["finding_id": "F-0004", "inspection_id": "INS-0001",
                                                       "judgement": "sufficient", "date": "2020-03-06", "summary": "s"])
        try db.findingsEvent(EventType.findingJudged, ["finding_id": "F-0005", "inspection_id": "INS-0001",
                                                       "judgement": "not_sufficient", "date": "2020-03-06", "summary": "s"])
        try db.findingsEvent(EventType.findingCarriedOver, ["finding_id": "F-0005", "new_finding_id": "F-0100",
                                                            "plan_id": "APP-1", "plan_kind": "accelerated_progress_plan", "summary": "s"])
        try db.findingsEvent(EventType.findingRecorded, ["finding_id": "F-0100", "inspection_id": "INS-0001",
                                                         "kind": "area_of_significant_weakness", "theme": "Health services post-16",
                                                         "summary": "Carried over", "bodies": [], "carried_from": "F-0005"])
        try db.findingsEvent("finding.something_new", ["finding_id": "F-0001"])
        let gaps = try db.read { try Coverage.gaps($0, inspectionID: nil) }.map { $0["finding_id"] as String }
        #expect(gaps == ["F-0001", "F-0002", "F-0003", "F-0006", "F-0100"])

        // An action may not name the carried-over original; it names its successor.
        let refused = serviceError { try db.run(Actions.create, actionArgs(["F-0005"])) }
        #expect(refused?.field == "finding_ids[0]")
        #expect(refused?.message.contains("F-0100") == true)
        try db.run(Actions.create, actionArgs(["F-0100"]))

        // An event without the id it needs is refused (the runtime records it and moves on).
        #expect(serviceError { try db.findingsEvent(EventType.findingRecorded, ["kind": "strength"]) } != nil)
    }
}

@Suite struct ActionValidationTests {
    @Test func anActionNamingAnUnknownFindingIsRefusedNamingTheElement() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        let error = serviceError { try db.run(Actions.create, actionArgs(["F-0003", "F-0404"])) }
        #expect(error?.code == .invalid)
        #expect(error?.field == "finding_ids[1]")
        #expect(error?.details.map(\.field) == ["finding_ids[1]"])
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM actions") } == 0)
        #expect(db.events(EventType.actionCreated).isEmpty)
    }

    @Test func noLeadOrNoSuccessCriteriaIsRefusedWithTheFieldNamed() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        for missing in ["lead_organisation", "action_lead", "success_criteria", "finding_ids", "due"] {
            var o = try #require(actionArgs().objectValue)
            o[missing] = nil
            let error = serviceError { try db.run(Actions.create, .object(o)) }
            #expect(error?.code == .invalid)
            #expect(error?.details.map(\.field) == [missing])
        }
        var o = try #require(actionArgs().objectValue)
        o["success_criteria"] = "  "
        o["action_lead"] = nil
        o["finding_ids"] = []
        o["due"] = "2025-12-01"
        let error = serviceError { try db.run(Actions.create, .object(o)) }
        #expect(Set(error?.details.map(\.field) ?? []) == ["success_criteria", "action_lead", "finding_ids", "due"])
    }

    @Test func strengthsCannotBeAddressed() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        let error = serviceError { try db.run(Actions.create, actionArgs(["F-0007"])) }
        #expect(error?.field == "finding_ids[0]")
        try db.run(Actions.create, actionArgs(["F-0008"]))  // an area for improvement may have actions
    }

    @Test func updatesRecordARevisionAndClosedActionsKeepTheirDetails() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs(["F-0003"]))
        let result = try db.run(Actions.update, ["action_id": "A-0001", "start": "2026-01-12", "finding_ids": ["F-0003", "F-0006"],
                                                 "reason": "Re-planned with the CCGs"])
        #expect(result["changed"] == ["finding_ids", "start"])
        #expect(try db.payloads(ActionUpdated.self).last == ActionUpdated(actionID: "A-0001", title: "Redesign the autism pathway",
                                                                         changed: ["finding_ids", "start"]))
        // The due date is under change control (issue 18).
        let due = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "due": "2026-09-30"]) }
        #expect(due?.field == "due")
        let nothing = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "start": "2026-01-12"]) }
        #expect(nothing?.code == .invalid)
        let unknown = serviceError { try db.run(Actions.update, ["action_id": "A-0999", "title": "x"]) }
        #expect(unknown?.code == .notFound)
        try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"])
        try db.run(Actions.update, ["action_id": "A-0001", "status": "completed"])
        let closed = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "title": "Something else"]) }
        #expect(closed?.code == .conflict)
        let shown = try db.read { try ActionQueries.show($0, ["action_id": "A-0001"], today: db.today) }
        #expect(shown["revisions"]?.arrayValue?.count == 1)
        #expect(shown["revisions"]?[0]?["changes"]?["start"] == ["from": "2026-01-05", "to": "2026-01-12"])
    }

    @Test func progressUpdatesAreAppendOnlyAndMayChangeTheStatus() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs())
        try db.run(Progress.add, ["action_id": "A-0001", "note": "Pathway group met", "author_role": "Designated Clinical Officer"])
        let second = try db.run(Progress.add, ["action_id": "A-0001", "note": "Assessments started on the new pathway",
                                               "evidence": "https://example.org/pathway.pdf", "author_role": "Designated Clinical Officer",
                                               "status": "in_progress"])
        #expect(second["update"]?["update_id"] == "U-000002")
        #expect(second["action"]?["status"] == "in_progress")
        #expect(try db.payloads(ActionProgress.self).last == ActionProgress(
            actionID: "A-0001", title: "Redesign the autism pathway", updateID: "U-000002",
            statusChange: StatusChange(from: .notStarted, to: .inProgress)))
        let illegal = serviceError {
            try db.run(Progress.add, ["action_id": "A-0001", "note": "x", "author_role": "y", "status": "verified"])
        }
        #expect(illegal?.code == .conflict)
        let missing = serviceError { try db.run(Progress.add, ["action_id": "A-0001"]) }
        #expect(Set(missing?.details.map(\.field) ?? []) == ["note", "author_role"])
        let shown = try db.read { try ActionQueries.show($0, ["action_id": "A-0001"], today: db.today) }
        #expect(shown["updates"]?.arrayValue?.count == 2)
        #expect(shown["status_history"]?.arrayValue?.last?["update_id"] == "U-000002")
    }

    @Test func listsFilterByStatusLeadFindingAndOverdueAndPage() throws {
        let db = try BoardDatabase(today: "2026-01-01")
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs(["F-0003"], due: "2026-02-01"))
        try db.run(Actions.create, actionArgs(["F-0004"], due: "2026-06-01", lead: "Morecambe Bay CCG"))
        try db.run(Actions.create, actionArgs(["F-0004", "F-0006"], due: "2026-07-01"))
        try db.run(Actions.update, ["action_id": "A-0002", "status": "in_progress"])
        db.today = LocalDate(iso: "2026-03-02")!
        func ids(_ args: JSONValue) throws -> [String] {
            try db.read { try ActionQueries.list($0, args, today: db.today) }["actions"]?.arrayValue?.compactMap { $0["action_id"]?.stringValue } ?? []
        }
        #expect(try ids(["status": "in_progress"]) == ["A-0002"])
        #expect(try ids(["status": "open"]) == ["A-0001", "A-0002", "A-0003"])
        #expect(try ids(["lead_organisation": "morecambe bay ccg"]) == ["A-0002"])
        #expect(try ids(["finding_id": "F-0004"]) == ["A-0002", "A-0003"])
        #expect(try ids(["overdue": true]) == ["A-0001"])
        #expect(try ids(["rag": "red"]) == ["A-0001"])
        let page = try db.read { try ActionQueries.list($0, ["limit": 2], today: db.today) }
        #expect(page["total"] == 3)
        #expect(page["next_after"] == "A-0002")
        #expect(try ids(["after": "A-0002"]) == ["A-0003"])
        #expect(serviceError { try db.read { try ActionQueries.list($0, ["rag": "blue"], today: db.today) } }?.field == "rag")
    }
}

@Suite struct CoverageAndPlanTests {
    @Test func theDemoPlanCoversTheSeedArticleAndCancellingShowsExactlyTheUncoveredWeakness() throws {
        let db = try BoardDatabase(today: "2018-09-03")
        defer { db.close() }
        try db.seedArticle()
        let imported = try db.run(PlanImport.run, try demoPlan())
        #expect(imported["imported"] == true)
        #expect(imported["created"]?["actions"]?.arrayValue?.count == 8)
        #expect(try db.read { try Coverage.report($0, [:]) }["gaps"] == [])

        // A-0001 is the only action on the autism pathway; A-0002 is one of two on exclusions.
        try db.run(Actions.update, ["action_id": "A-0001", "status": "cancelled", "reason": "Merged into the health pathway review"])
        try db.run(Actions.update, ["action_id": "A-0002", "status": "cancelled", "reason": "Superseded by A-0003"])
        let report = try db.read { try Coverage.report($0, [:]) }
        #expect(report["gaps"]?.arrayValue?.compactMap { $0["finding_id"]?.stringValue } == ["F-0003"])
        #expect(report["gaps"]?[0]?["cancelled_actions"] == ["A-0001"])
        #expect(report["required"] == 6)
        #expect(report["covered"] == 5)

        // Importing it again changes nothing and says so.
        let again = try db.run(PlanImport.run, try demoPlan())
        #expect(again["imported"] == false)
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM actions") } == 8)
    }

    @Test func aBadPlanFileIsRefusedWithEveryPathAndNothingRecorded() throws {
        let db = try BoardDatabase(today: "2018-09-03")
        defer { db.close() }
        try db.seedArticle()
        let file: JSONValue = [
            "import_id": "bad",
            "members": [["role": "mayor", "post": "x"]],
            "kpis": [["key": "k", "name": "Exclusions", "unit": "n", "baseline": 10, "target": 5, "direction": "down"]],
            "actions": [
                ["title": "a", "findings_matching": ["no such words anywhere"], "lead_organisation": "LCC", "sponsoring_director": "DCS",
                 "action_lead": "Head", "start": "2018-01-01", "due": "2018-02-30", "success_criteria": "s", "kpi": "k"],
                ["title": "b", "finding_ids": ["F-0003"], "lead_organisation": "LCC", "sponsoring_director": "DCS",
                 "action_lead": "Head", "start": "2018-01-01", "due": "2018-06-01", "kpi": "missing"],
            ],
        ]
        let error = serviceError { try db.run(PlanImport.run, file) }
        #expect(error?.code == .invalid)
        #expect(Set(error?.details.map(\.field) ?? []) == ["members[0].role", "kpis[0].direction", "actions[0].findings_matching[0]",
                                                           "actions[0].due", "actions[1].success_criteria", "actions[1].kpi"])
        for table in ["actions", "kpis", "members", "plan_imports"] {
            #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") } == 0, "\(table)")
        }
        #expect(db.events(EventType.actionCreated).isEmpty)
    }

    @Test func submittingWarnsAndNeedsForce() throws {
        let db = try BoardDatabase(today: "2018-04-20")
        defer { db.close() }
        let none = serviceError { try db.run(Plan.submit, [:]) }
        #expect(none?.code == .conflict)
        try db.seedArticle()
        try db.run(Actions.create, actionArgs(["F-0003"], start: "2018-05-01", due: "2018-12-01"))
        let refused = serviceError { try db.run(Plan.submit, [:]) }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("F-0001") == true)
        #expect(refused?.message.contains("force") == true)
        #expect(db.events(EventType.planSubmitted).isEmpty)

        let forced = try db.run(Plan.submit, ["force": true])
        #expect(forced["submission"]?["forced"] == true)
        #expect(forced["submission"]?["warnings"] == ["coverage_incomplete"])

        // Every weakness covered, but now after the statutory due date.
        try db.run(Actions.create, actionArgs(["F-0001", "F-0002", "F-0004", "F-0005", "F-0006"], start: "2018-05-01", due: "2018-12-01"))
        db.today = LocalDate(iso: "2018-05-11")!
        let late = serviceError { try db.run(Plan.submit, [:]) }
        #expect(late?.message.contains("2018-05-10") == true)
        db.today = LocalDate(iso: "2018-05-10")!
        let onTime = try db.run(Plan.submit, [:])
        #expect(onTime["submission"]?["version"] == 2)
        #expect(onTime["submission"]?["forced"] == false)
        #expect(db.events(EventType.planSubmitted).last?["actions"] == 2)

        let status = try db.read { try Plan.status($0, [:], today: db.today) }
        #expect(status["coverage"]?["complete"] == true)
        #expect(status["submissions"]?.arrayValue?.count == 2)
        #expect(status["days_left"] == 0)
    }
}

@Suite struct DueDateWatchTests {
    @Test func overdueIsAnnouncedOncePerActionAndDueDate() throws {
        let db = try BoardDatabase(today: "2026-01-05")
        defer { db.close() }
        try db.seedArticle()
        try db.run(Actions.create, actionArgs(due: "2026-02-01"))
        try db.run(Actions.create, actionArgs(due: "2026-02-05"))
        try db.run(Actions.create, actionArgs(due: "2026-02-01"))
        try db.run(Actions.update, ["action_id": "A-0003", "status": "in_progress"])
        try db.run(Actions.update, ["action_id": "A-0003", "status": "completed"])

        db.today = LocalDate(iso: "2026-01-29")!
        try db.write { try DueDateWatch.run($0) }
        let title = "Redesign the autism pathway"
        #expect(try db.payloads(ActionDueSoon.self) == [
            ActionDueSoon(actionID: "A-0001", title: title, due: LocalDate(iso: "2026-02-01")!, daysLeft: 3),
            ActionDueSoon(actionID: "A-0002", title: title, due: LocalDate(iso: "2026-02-05")!, daysLeft: 7),
        ])
        db.today = LocalDate(iso: "2026-02-02")!
        try db.write { try DueDateWatch.run($0) }
        try db.write { try DueDateWatch.run($0) }
        #expect(try db.payloads(ActionOverdue.self) == [ActionOverdue(actionID: "A-0001", title: title, due: LocalDate(iso: "2026-02-01")!)])

        // A new due date is a new promise: announced again when it too passes.
        try db.run(ChangeRequests.reschedule, ["action_id": "A-0001", "due": "2026-02-20", "reason": "Agreed extension"])
        let member = try db.run(Board.addMember, ["role": "parent_carer_representative", "post": "Forum co-chair"])
        try db.run(Board.addMeeting, ["date": "2026-02-02", "attendee_ids": [member["member"]?["member_id"] ?? .null]])
        try db.run(Board.decide, ["meeting_id": "MTG-001", "kind": "change_requests", "approve": ["CR-0001"]])
        db.today = LocalDate(iso: "2026-03-01")!
        try db.write { try DueDateWatch.run($0) }
        try db.write { try DueDateWatch.run($0) }
        #expect(db.events(EventType.actionOverdue).map { $0["action_id"]?.stringValue ?? "" } == ["A-0001", "A-0001", "A-0002"])
        #expect(db.events(EventType.actionDueSoon).count == 2)
        let overdue = try db.read { try DueDateWatch.overdue($0, today: db.today) }
        #expect(overdue["actions"]?.arrayValue?.compactMap { $0["action_id"]?.stringValue } == ["A-0002", "A-0001"])
    }
}

@Suite struct KPITests {
    typealias Trend = KPIs.Trend

    @Test func theTrendIsJudgedAgainstTheDirectionAndTheTarget() {
        let lower = KPIs.Direction.lowerIsBetter
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: []).trend == "no_readings")
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [61]).trend == "worsening")
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [61, 55]).trend == "improving")
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [55, 55]).trend == "flat")
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [44]).progress == 0.5)
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [31]).onTarget == false)
        #expect(Trend.of(direction: lower, baseline: 58, target: 30, readings: [30]).onTarget == true)
        let higher = KPIs.Direction.higherIsBetter
        #expect(Trend.of(direction: higher, baseline: 40, target: 80, readings: [50, 60]).trend == "improving")
        #expect(Trend.of(direction: higher, baseline: 40, target: 80, readings: [85]).onTarget == true)
    }

    @Test func readingsAreRecordedOncePerDateAndAnnounced() throws {
        let db = try BoardDatabase(today: "2026-03-02")
        defer { db.close() }
        let added = try db.run(KPIs.add, ["name": "Permanent exclusions of pupils with EHC plans", "unit": "per year",
                                          "baseline": 58, "target": 30, "direction": "lower_is_better"])
        #expect(added["kpi"]?["kpi_id"] == "K-001")
        let wrongWay = serviceError {
            try db.run(KPIs.add, ["name": "Other", "unit": "n", "baseline": 10, "target": 20, "direction": "lower_is_better"])
        }
        #expect(wrongWay?.field == "target")
        try db.run(KPIs.record, ["kpi_id": "K-1", "date": "2026-01-31", "value": 61])
        let second = try db.run(KPIs.record, ["kpi_id": "K-001", "date": "2026-02-28", "value": 52.5])
        #expect(second["kpi"]?["trend"] == "improving")
        #expect(second["kpi"]?["latest"] == 52.5)
        #expect(serviceError { try db.run(KPIs.record, ["kpi_id": "K-001", "date": "2026-02-28", "value": 50]) }?.code == .conflict)
        #expect(serviceError { try db.run(KPIs.record, ["kpi_id": "K-001", "date": "2026-04-01", "value": 50]) }?.field == "date")
        #expect(serviceError { try db.run(KPIs.record, ["kpi_id": "K-009", "value": 50]) }?.code == .notFound)
        #expect(db.events(EventType.kpiReading).last == ["kpi_id": "K-001", "date": "2026-02-28", "value": 52.5, "on_target": false])
    }
}

@Suite struct BoardDecisionTests {
    func board(_ db: BoardDatabase) throws {
        try db.run(Board.addMember, ["role": "local_authority", "post": "Director of Children's Services"])
        try db.run(Board.addMember, ["role": "health", "post": "Designated Clinical Officer"])
        try db.run(Board.addMember, ["role": "young_person_representative", "post": "Young people's SEND council"])
    }

    @Test func aDecisionNeedsAParentCarerOrYoungPersonRepresentative() throws {
        let db = try BoardDatabase()
        defer { db.close() }
        try db.seedArticle()
        try board(db)
        try db.run(Actions.create, actionArgs())
        try db.run(Board.addMeeting, ["date": "2026-02-10", "attendee_ids": ["M-001", "M-002"]])
        try db.run(Board.addMeeting, ["date": "2026-02-24", "attendee_ids": ["M-1", "M-3"]])
        let refused = serviceError { try db.run(Board.decide, ["meeting_id": "MTG-001", "kind": "agree_action", "action_id": "A-0001"]) }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("parent carer or young person representative") == true)
        #expect(db.events(EventType.decisionRecorded).isEmpty)

        let agreed = try db.run(Board.decide, ["meeting_id": "MTG-002", "kind": "agree_action", "action_id": "A-0001"])
        #expect(agreed["decision"]?["decision_id"] == "D-0001")
        #expect(db.events(EventType.meetingRecorded).map { $0["co_produced"] } == [false, true])

        // Verification is the board's: only of a completed action, and it records the status change.
        #expect(serviceError { try db.run(Board.decide, ["meeting_id": "MTG-002", "kind": "verify_action", "action_id": "A-0001"]) }?
            .code == .conflict)
        try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"])
        try db.run(Actions.update, ["action_id": "A-0001", "status": "completed"])
        try db.run(Board.decide, ["meeting_id": "MTG-002", "kind": "verify_action", "action_id": "A-0001"])
        let shown = try db.read { try ActionQueries.show($0, ["action_id": "A-0001"], today: db.today) }
        #expect(shown["action"]?["status"] == "verified")
        #expect(shown["action"]?["verified_decision"] == "D-0002")
        #expect(shown["status_history"]?.arrayValue?.last?["decision_id"] == "D-0002")

        let future = serviceError { try db.run(Board.addMeeting, ["date": "2026-04-01", "attendee_ids": ["M-003"]]) }
        #expect(future?.field == "date")
        let stranger = serviceError { try db.run(Board.addMeeting, ["date": "2026-03-01", "attendee_ids": ["M-003", "M-042"]]) }
        #expect(stranger?.field == "attendee_ids[1]")
    }

    @Test func redActionsNeedAFreshExceptionsCommentaryBeforeEachBoard() throws {
        let db = try BoardDatabase(today: "2026-03-02")
        defer { db.close() }
        try db.seedArticle()
        try board(db)
        try db.run(Actions.create, actionArgs(["F-0003"], due: "2026-02-20"))   // red: overdue
        try db.run(Actions.create, actionArgs(["F-0004"], due: "2026-09-01"))   // amber: start date passed
        func missing() throws -> [String] {
            try db.read { try Progress.listExceptions($0, [:], today: db.today) }["actions"]?.arrayValue?
                .compactMap { $0["action_id"]?.stringValue } ?? []
        }
        #expect(try missing() == ["A-0001"])
        try db.run(Progress.addException, ["action_id": "A-0001", "commentary": "Recruitment of a clinical lead delayed the pathway"])
        #expect(try missing() == [])
        db.today = LocalDate(iso: "2026-03-05")!
        try db.run(Board.addMeeting, ["date": "2026-03-04", "attendee_ids": ["M-001", "M-003"]])
        let listed = try db.read { try Progress.listExceptions($0, [:], today: db.today) }
        #expect(listed["actions"]?[0]?["commentary_state"] == "stale")
        #expect(listed["since_meeting"] == "2026-03-04")
        try db.run(Progress.addException, ["action_id": "A-0001", "commentary": "New lead starts in April"])
        #expect(try missing() == [])
        let shown = try db.read { try ActionQueries.show($0, ["action_id": "A-0001"], today: db.today) }
        #expect(shown["exceptions"]?[0]?["author_role"] == "Designated Clinical Officer")
    }
}

extension JSONValue {
    /// `value[i]` for arrays, in tests.
    subscript(index: Int) -> JSONValue? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
