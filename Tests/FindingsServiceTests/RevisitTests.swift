import SendModel
import Testing
@testable import FindingsService

private let lancashire = "INS-lancashire-2017"
private func f(_ n: Int) -> String { "\(lancashire)-F\(n < 10 ? "0" : "")\(n)" }

/// The demo report recorded, ready for a revisit.
private func demoDatabase() throws -> DomainDatabase {
    let db = try DomainDatabase()
    _ = try db.change(Recording.importReport, try demoReport())
    return db
}

@Suite("Revisit")
struct RevisitTests {
    @Test func theRevisitCarriesForwardExactlyTheWeaknessesJudgedNotSufficient() throws {
        let db = try demoDatabase()
        defer { db.close() }
        let before = try db.findings(["inspection_id": .string(lancashire)])
        let notSufficient = [f(4), f(6), f(7)]
        let weaknesses = (1...9).map(f)
        let judgements: [JSONValue] = weaknesses.map { id in
            ["finding_id": .string(id), "judgement": notSufficient.contains(id) ? "not_sufficient" : "sufficient"]
        }
        let (result, events) = try db.change(today: "2020-06-01", Revisit.record,
                                             ["inspection_id": .string(lancashire), "date": "2020-03-06", "judgements": .array(judgements)])
        #expect(result["judged"] == 9)
        #expect(result["sufficient"] == 6)
        #expect(result["not_sufficient"] == 3)

        let carried = try db.findings(["plan_id": "INS-lancashire-2017-APP1"])
        #expect(carried.map { $0["carried_from"]?.stringValue } == notSufficient)
        #expect(carried.map { $0["finding_id"]?.stringValue } == (1...3).map { "INS-lancashire-2017-APP1-F0\($0)" })
        for (new, old) in zip(carried, before.filter { notSufficient.contains($0["finding_id"]?.stringValue ?? "") }) {
            for key in ["kind", "theme", "summary", "evidence", "bodies", "inspection_id"] { #expect(new[key] == old[key], "\(key)") }
        }
        // The originals keep their content; they gain a judgement and, when carried, a link forward.
        let after = try db.findings(["inspection_id": .string(lancashire)]).filter { $0["plan_id"] == .null }
        for (a, b) in zip(after, before) {
            for key in ["kind", "theme", "summary", "evidence", "bodies", "recorded_at"] { #expect(a[key] == b[key]) }
        }
        #expect(try db.findingIDs(["judgement": "not_sufficient"]) == notSufficient)
        #expect(try db.findingIDs(["judgement": "unjudged"]) == [f(10), f(11)] + carried.compactMap { $0["finding_id"]?.stringValue })

        // Events: one judged per weakness; for each not sufficient, the new finding then the carry-over.
        #expect(events.filter { $0.type == EventType.findingJudged }.count == 9)
        let carriedOver = events.filter { $0.type == EventType.findingCarriedOver }
        #expect(carriedOver.map { $0.data["finding_id"]?.stringValue } == notSufficient)
        let summary4 = try #require(before.first { $0["finding_id"]?.stringValue == f(4) }?["summary"]?.stringValue)
        #expect(try carriedOver[0].data.decode(FindingCarriedOver.self) == FindingCarriedOver(
            findingID: f(4), newFindingID: "INS-lancashire-2017-APP1-F01", planID: "INS-lancashire-2017-APP1",
            planKind: .acceleratedProgressPlan, summary: summary4))
        let i = try #require(events.firstIndex { $0.type == EventType.findingJudged && $0.data["finding_id"] == .string(f(4)) })
        #expect(try events[i].data.decode(FindingJudged.self) == FindingJudged(
            findingID: f(4), inspectionID: lancashire, judgement: .notSufficient, date: date("2020-03-06"), summary: summary4))
        #expect(events[i + 1].type == EventType.findingRecorded && events[i + 1].data["carried_from"] == .string(f(4)))
        #expect(events[i + 2].type == EventType.findingCarriedOver)

        let shown = try db.read { db in try Queries.inspection(db, ["inspection_id": .string(lancashire)], today: date("2020-06-01")) }
        let plan = shown["inspection"]?["plans"]?.arrayValue?.first
        #expect(plan?["plan_kind"] == "accelerated_progress_plan")
        #expect(plan?["review_expected"] == "2020-09-06")
        #expect(shown["inspection"]?["judgements"] == ["sufficient": 6, "not_sufficient": 3, "awaiting": 3])
    }

    @Test func aRevisitWithOneBadJudgementRecordsNone() throws {
        let db = try demoDatabase()
        defer { db.close() }
        let args: JSONValue = ["inspection_id": .string(lancashire), "date": "2020-03-06", "judgements": [
            ["finding_id": .string(f(4)), "judgement": "not_sufficient"],
            ["finding_id": .string(f(10)), "judgement": "sufficient"],  // a strength
            ["finding_id": "INS-lancashire-2017-F77", "judgement": "sufficient"],
            ["finding_id": .string(f(5)), "judgement": "fine"],
        ]]
        let error = try #require(db.refusal(today: "2020-06-01", Revisit.record, args))
        #expect(error.code == .invalid)
        #expect(error.details.map(\.field) == ["judgements[3].judgement"])
        let fixed = edited(args, ["judgements", 3, "judgement"], with: "sufficient")
        let second = try #require(db.refusal(today: "2020-06-01", Revisit.record, fixed))
        #expect(second.details.map(\.field) == ["judgements[1].finding_id", "judgements[2].finding_id"])
        #expect(try db.findingIDs(["judgement": "unjudged"]).count == 11)
        #expect(try db.findings(["inspection_id": .string(lancashire)]).count == 11)
    }

    @Test func aJudgementIsRecordedOnceAndNeverRewritten() throws {
        let db = try demoDatabase()
        defer { db.close() }
        let judge: JSONValue = ["finding_id": .string(f(5)), "judgement": "not_sufficient", "date": "2020-03-06", "note": "Exclusions still rise."]
        let first = try db.change(today: "2020-06-01", Revisit.judge, judge)
        #expect(first.result["carried_over"]?["new_finding_id"] == "INS-lancashire-2017-APP1-F01")
        let again = try db.change(today: "2020-06-01", Revisit.judge, judge)
        #expect(again.result["unchanged"] == true)
        #expect(again.result["carried_over"]?["new_finding_id"] == "INS-lancashire-2017-APP1-F01")
        #expect(again.events.isEmpty)
        let rewrite = try #require(db.refusal(today: "2020-06-01", Revisit.judge, edited(judge, ["judgement"], with: "sufficient")))
        #expect(rewrite.code == .conflict)
        #expect(rewrite.message.contains("never rewritten"))
        #expect(try db.findings(["plan_id": "INS-lancashire-2017-APP1"]).count == 1)
    }

    @Test func judgementRules() throws {
        let db = try demoDatabase()
        defer { db.close() }
        func refusal(_ args: JSONValue) -> ServiceError? { db.refusal(today: "2020-06-01", Revisit.judge, args) }
        let judge: JSONValue = ["finding_id": .string(f(3)), "judgement": "sufficient", "date": "2020-03-06"]
        #expect(refusal(edited(judge, ["finding_id"], with: .string(f(11))))?.field == "finding_id")  // a strength
        #expect(refusal(edited(judge, ["finding_id"], with: "INS-lancashire-2017-F42"))?.code == .notFound)
        #expect(refusal(edited(judge, ["date"], with: "2018-01-16"))?.field == "date")  // not after publication
        #expect(refusal(edited(judge, ["date"], with: "2020-06-02"))?.field == "date")  // after today
        #expect(refusal(edited(judge, ["date"], with: "2020-02-30"))?.field == "date")
        #expect(refusal(edited(judge, ["judgement"], with: "good"))?.field == "judgement")
        #expect(try db.findingIDs(["judgement": "sufficient"]).isEmpty)
    }

    @Test func aCarriedWeaknessCanBeCarriedAgainAndItsLineageShown() throws {
        let db = try demoDatabase()
        defer { db.close() }
        _ = try db.change(today: "2021-01-04", Revisit.judge, ["finding_id": .string(f(6)), "judgement": "not_sufficient", "date": "2020-03-06"])
        let carried = "INS-lancashire-2017-APP1-F01"
        // Judged at the progress review: not on the day it was carried, but after.
        #expect(db.refusal(today: "2021-01-04", Revisit.judge, ["finding_id": .string(carried), "judgement": "sufficient", "date": "2020-03-06"])?.field == "date")
        let (result, _) = try db.change(today: "2021-01-04", Revisit.judge,
                                        ["finding_id": .string(carried), "judgement": "not_sufficient", "date": "2020-10-01"])
        #expect(result["carried_over"]?["plan_id"] == "INS-lancashire-2017-APP2")
        #expect(result["carried_over"]?["new_finding_id"] == "INS-lancashire-2017-APP2-F01")
        let shown = try db.read { db in try Queries.finding(db, ["finding_id": .string(carried)]) }
        #expect(shown["finding"]?["lineage"] == [.string(f(6)), .string(carried), "INS-lancashire-2017-APP2-F01"])
    }

    @Test func underThe2023FrameworkWeaknessesGoIntoAPriorityActionPlan() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        _ = try db.change(Recording.importReport, [
            "inspection": ["inspection_id": "INS-test-2025", "local_area": "Test", "framework": "2023", "visit_start": "2025-01-06",
                           "visit_end": "2025-01-10", "published": "2025-02-12", "outcome": "systemic_failings"],
            "findings": [
                ["kind": "priority_area", "theme": "assessment", "summary": "Assessments are late", "bodies": ["local_authority"]],
                ["kind": "area_for_improvement", "theme": "local offer", "summary": "The local offer is unclear", "bodies": ["local_authority"]],
            ],
        ])
        let (result, events) = try db.change(today: "2026-09-01", Revisit.record, [
            "inspection_id": "INS-test-2025", "date": "2026-08-20",
            "judgements": [["finding_id": "INS-test-2025-F01", "judgement": "not_sufficient"],
                           ["finding_id": "INS-test-2025-F02", "judgement": "sufficient"]],
        ])
        #expect(result["carried_over"] == [["finding_id": "INS-test-2025-F01", "new_finding_id": "INS-test-2025-PAP1-F01",
                                            "plan_id": "INS-test-2025-PAP1", "plan_kind": "priority_action_plan"]])
        #expect(events.filter { $0.type == EventType.findingCarriedOver }.map { $0.data["plan_kind"] } == ["priority_action_plan"])
    }
}
