import Foundation
import SendModel
import Testing
import TestSupport

/// The board following the REAL findings service: both executables, their own databases, ZeroMQ between them.
///
@Suite struct BoardFollowsFindingsEndToEndTests {
    @Test func actionsNameOnlyFindingsTheBoardLearntFromTheFindingsService() throws {
        let dir = TestDirectory()
        let env = ["SEND_TODAY": "2018-02-01"]
        let findings = try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: env)
        let board = try ServiceProcess("board-actions", dir.flags, directory: dir, environment: env)
        let client = try TestClient(dir)
        defer {
            board.stop()
            findings.stop()
            client.close()
        }
        #expect(client.waitReady(ServiceName.findings))
        #expect(client.waitReady(ServiceName.board))

        let inspection = try client.call(ServiceName.findings, "inspections.add", [
            "local_area": "Lancashire", "inspectorates": ["Ofsted", "CQC"], "framework": "2016",
            "visit_start": "2017-11-13", "visit_end": "2017-11-17", "published": "2018-01-23",
            "outcome": "wsoa_required",
        ])
        let inspectionID = try #require(inspection["inspection_id"]?.stringValue ?? inspection["inspection"]?["inspection_id"]?.stringValue)
        func addFinding(_ kind: String, _ theme: String, _ summary: String) throws -> String {
            let r = try client.call(ServiceName.findings, "findings.add", [
                "inspection_id": .string(inspectionID), "kind": .string(kind), "theme": .string(theme), "summary": .string(summary),
                "evidence": ["Quoted from the report"], "bodies": ["local_authority", "health_commissioners"],
            ])
            return try #require(r["finding_id"]?.stringValue ?? r["finding"]?["finding_id"]?.stringValue)
        }
        let autism = try addFinding("area_of_significant_weakness", "Autism pathway",
                                    "Autism spectrum disorder pathways do not comply with NICE guidelines")
        let strength = try addFinding("strength", "Attendance", "High attendance rates")

        // The board learns of the weakness from the findings service's events, and reports it uncovered.
        #expect(waitUntil {
            let gaps = (try? client.call(ServiceName.board, "actions.coverage"))?["gaps"]?.arrayValue ?? []
            return gaps.contains { $0["finding_id"]?.stringValue == autism }
        })
        // It is watched, not announced, until the plan has had its chance: submitting it uncovered announces the gap once.
        #expect(try client.allEvents(ServiceName.board).filter { $0.type == EventType.coverageGap }.isEmpty)
        _ = try client.call(ServiceName.board, "plan.submit", ["force": true])
        let gapEvents = try client.allEvents(ServiceName.board).filter { $0.type == EventType.coverageGap }
        #expect(try gapEvents.map { try $0.decode(as: CoverageGap.self) } == [CoverageGap(
            findingID: autism, kind: .areaOfSignificantWeakness,
            summary: "Autism spectrum disorder pathways do not comply with NICE guidelines", reason: .recorded)])

        var args = actionArgs([autism], start: "2018-03-01", due: "2018-12-01")
        let created = try client.call(ServiceName.board, "actions.create", args)
        #expect(created["action"]?["finding_ids"] == [.string(autism)])
        args = actionArgs([strength, "F-NOT-THERE"], start: "2018-03-01", due: "2018-12-01")
        let refused = #expect(throws: ServiceError.self) { try client.call(ServiceName.board, "actions.create", args) }
        #expect(refused?.details.map(\.field) == ["finding_ids[0]", "finding_ids[1]"])

        let coverage = try client.call(ServiceName.board, "actions.coverage")
        #expect(coverage["gaps"] == [])
        // The action closed the announced gap, and the board says so.
        let closed = try client.allEvents(ServiceName.board).filter { $0.type == EventType.coverageClosed }
        #expect(try closed.map { try $0.decode(as: CoverageClosed.self) } == [CoverageClosed(
            findingID: autism, kind: .areaOfSignificantWeakness,
            summary: "Autism spectrum disorder pathways do not comply with NICE guidelines",
            actionID: try #require(created["action"]?["action_id"]?.stringValue))])
        // The statutory due date comes from the inspection's deadlines.
        let plan = try client.call(ServiceName.board, "plan.status")
        #expect(plan["inspection"]?["inspection_id"] == .string(inspectionID))
        #expect(plan["due"]?.stringValue != nil)
        dir.remove()
    }
}
