import Foundation
import SendModel
import Testing
@testable import FindingsService

/// A small valid report for editing into bad ones.
private let smallReport: JSONValue = [
    "inspection": [
        "local_area": "Testshire", "framework": "2016", "visit_start": "2017-11-13", "visit_end": "2017-11-17",
        "published": "2018-01-16", "outcome": "wsoa_required",
    ],
    "findings": [
        ["kind": "area_of_significant_weakness", "theme": "exclusions", "summary": "Exclusions are rising", "bodies": ["schools"]],
        ["kind": "area_of_significant_weakness", "theme": "autism", "summary": "The autism pathway is not NICE compliant",
         "evidence": ["Pathways where they exist do not follow NICE guidelines."], "bodies": ["health_commissioners"]],
        ["kind": "strength", "theme": "attendance", "summary": "Attendance is high", "bodies": ["schools"]],
    ],
]

@Suite("Report import")
struct ReportImportTests {
    @Test func theDemoReportIsRecordedWithItsDeadlinesAndEvents() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        let (result, events) = try db.change(Recording.importReport, try demoReport())
        #expect(result["inspection_id"] == "INS-lancashire-2017")
        #expect(result["recorded"] == 11)
        #expect(result["unchanged"] == false)
        #expect(result["counts"] == ["fundamental_failing": 2, "area_of_significant_weakness": 7, "strength": 2])
        #expect(result["deadlines"] == ["wsoa_due": "2018-04-26", "revisit_window_start": "2019-04-26", "revisit_window_end": "2019-10-26"])

        let ids = (1...11).map { "INS-lancashire-2017-F\($0 < 10 ? "0" : "")\($0)" }
        #expect(try db.findingIDs() == ids)
        #expect(events.map(\.type) == [EventType.inspectionRecorded] + Array(repeating: EventType.findingRecorded, count: 11))
        #expect(events[0].data == [
            "inspection_id": "INS-lancashire-2017", "local_area": "Lancashire", "framework": "2016", "outcome": "wsoa_required",
            "published": "2018-01-16",
            "deadlines": ["wsoa_due": "2018-04-26", "revisit_window_start": "2019-04-26", "revisit_window_end": "2019-10-26"],
        ])
        let autism = events.first { $0.data["finding_id"] == "INS-lancashire-2017-F04" }
        #expect(autism?.data == [
            "finding_id": "INS-lancashire-2017-F04", "inspection_id": "INS-lancashire-2017", "kind": "area_of_significant_weakness",
            "theme": "autism pathway", "summary": "Autism spectrum disorder pathways, where they exist, do not comply with NICE guidelines",
            "bodies": ["health_commissioners", "health_providers"],
        ])
        // The evidence stays in the service: events carry the public summary only.
        #expect(events.allSatisfy { $0.data["evidence"] == nil })
    }

    @Test func theSameReportAgainChangesNothing() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        let first = try db.change(Recording.importReport, try demoReport())
        let before = try db.findings()
        let (again, events) = try db.change(Recording.importReport, try demoReport())
        #expect(again["recorded"] == 0)
        #expect(again["unchanged"] == true)
        #expect(again["findings"] == first.result["findings"])
        #expect(events.isEmpty)
        #expect(try db.findings() == before)
    }

    @Test func aBadReportNamesEveryBadFieldAndRecordsNothing() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        var bad = edited(smallReport, ["findings", 0, "kind"], with: "weakness")
        bad = edited(bad, ["findings", 2, "summary"], with: nil)
        bad = edited(bad, ["inspection", "published"], with: "2018-02-30")
        let error = try #require(db.refusal(Recording.importReport, bad))
        #expect(error.code == .invalid)
        #expect(error.details.map(\.field).sorted() == ["findings[0].kind", "findings[2].summary", "inspection.published"])
        #expect(error.details.first { $0.field == "inspection.published" }?.message.contains("not a date that exists") == true)
        #expect(try db.findings().isEmpty)
        #expect(try db.read { db in try Queries.inspections(db, [:]) }["count"] == 0)
    }

    @Test func everyKindOfBadFieldIsNamedAtOnce() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        var bad = edited(smallReport, ["inspection", "visit_end"], with: "2017-11-10")  // before visit_start
        bad = edited(bad, ["inspection", "outcome"], with: "systemic_failings")  // a 2023 outcome
        bad = edited(bad, ["findings", 0, "bodies"], with: ["schools", "council"])
        bad = edited(bad, ["findings", 1, "kind"], with: "priority_area")  // a 2023 kind
        bad = edited(bad, ["findings", 1, "sumary"], with: "typo")
        bad = edited(bad, ["findings", 2, "theme"], with: "two\nlines")
        bad = edited(bad, ["findings", 2, "evidence"], with: "not an array")
        bad = edited(bad, ["extra"], with: true)
        let error = try #require(db.refusal(Recording.importReport, bad))
        #expect(error.code == .invalid)
        #expect(Set(error.details.map(\.field)) == [
            "inspection.visit_end", "inspection.outcome", "findings[0].bodies[1]", "findings[1].kind", "findings[1].sumary",
            "findings[2].theme", "findings[2].evidence", "extra",
        ])
        #expect(try db.findings().isEmpty)
    }

    @Test func repeatedIDsAndSummariesInOneFileAreRefused() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        var bad = edited(smallReport, ["findings", 0, "finding_id"], with: "INS-testshire-2017-F02")  // the derived id of findings[1]
        bad = edited(bad, ["findings", 2, "kind"], with: "area_of_significant_weakness")
        bad = edited(bad, ["findings", 2, "summary"], with: "Exclusions are rising")
        let error = try #require(db.refusal(Recording.importReport, bad))
        #expect(Set(error.details.map(\.field)) == ["findings[1].finding_id", "findings[2].summary"])
    }

    @Test func aCalendarErrorNamesThePublicationDate() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        let bad = edited(edited(smallReport, ["inspection", "published"], with: "2031-01-06"), ["inspection", "visit_end"], with: "2017-11-17")
        let error = try #require(db.refusal(Recording.importReport, bad))
        #expect(error.code == .invalid)
        #expect(error.field == "inspection.published")
        #expect(error.message.contains("outside the bank-holiday calendar, which covers 2016 to 2030"))
    }

    @Test func theSameInspectionWithDifferentContentIsAConflictNamingEachDifference() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        _ = try db.change(Recording.importReport, try demoReport())
        let before = try db.findings()
        var changed = edited(try demoReport(), ["inspection", "published"], with: "2018-01-17")
        changed = edited(changed, ["findings", 3, "summary"], with: "Autism pathways are poor")
        changed = edited(changed, ["findings", 10], with: nil)  // drop the last strength
        changed = edited(changed, ["findings", 9, "finding_id"], with: "INS-lancashire-2017-F99")
        let error = try #require(db.refusal(Recording.importReport, changed))
        #expect(error.code == .conflict)
        #expect(error.details.map(\.field) == ["inspection.published", "findings[3].summary", "findings[9]", "findings", "findings"])
        #expect(error.details[0].message == "recorded '2018-01-16'; this file has '2018-01-17'")
        #expect(error.message.contains("nothing was recorded"))
        #expect(try db.findings() == before)
    }

    @Test func findingIDsOfAnotherInspectionAreAConflict() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        _ = try db.change(Recording.importReport, try demoReport())
        let clash = edited(smallReport, ["findings", 1, "finding_id"], with: "INS-lancashire-2017-F04")
        let error = try #require(db.refusal(Recording.importReport, clash))
        #expect(error.code == .conflict)
        #expect(error.field == "findings[1].finding_id")
        #expect(try db.read { db in try Queries.inspections(db, [:]) }["count"] == 1)
    }

    @Test func addingFindingsOneAtATime() throws {
        let db = try DomainDatabase()
        defer { db.close() }
        let inspection: JSONValue = ["local_area": "Testshire", "framework": "2023", "visit_start": "2025-01-06", "visit_end": "2025-01-10",
                                     "published": "2025-02-12", "outcome": "systemic_failings"]
        let (added, events) = try db.change(Recording.addInspection, inspection)
        #expect(added["inspection"]?["inspection_id"] == "INS-testshire-2025")
        #expect(added["inspection"]?["deadlines"] == ["pap_due": "2025-04-02", "monitoring_expected": "2026-08-12"])
        #expect(events.map(\.type) == [EventType.inspectionRecorded])
        #expect(try db.change(Recording.addInspection, inspection).result["unchanged"] == true)
        let different = try #require(db.refusal(Recording.addInspection, edited(inspection, ["outcome"], with: "inconsistent")))
        #expect(different.code == .conflict && different.field == "outcome")

        let finding: JSONValue = ["inspection_id": "INS-testshire-2025", "kind": "priority_area", "theme": "waiting times",
                                  "summary": "Children wait too long for assessment", "bodies": ["health_commissioners"]]
        let first = try db.change(Recording.addFinding, finding)
        #expect(first.result["finding"]?["finding_id"] == "INS-testshire-2025-F01")
        #expect(first.events.map(\.type) == [EventType.findingRecorded])
        // The same finding again (a retry under a new request id) is not recorded twice.
        let again = try db.change(Recording.addFinding, finding)
        #expect(again.result["unchanged"] == true && again.events.isEmpty)
        // A 2016 kind in a 2023 inspection, and an unknown inspection.
        #expect(db.refusal(Recording.addFinding, edited(finding, ["kind"], with: "fundamental_failing"))?.field == "kind")
        let missing = db.refusal(Recording.addFinding, edited(edited(finding, ["inspection_id"], with: "INS-nowhere-2025"), ["summary"], with: "x"))
        #expect(missing?.code == .notFound)
        let second = try db.change(Recording.addFinding, edited(finding, ["summary"], with: "Plans are late"))
        #expect(second.result["finding"]?["finding_id"] == "INS-testshire-2025-F02")
    }
}
