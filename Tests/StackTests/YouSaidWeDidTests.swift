import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// "You said, we did" drafts, as an operator reads them with `sendctl updates show`: written from
/// the board's events by the real comms process, in words — the action's title, and for a
/// cancellation the reason the board recorded (issue 13, item 6).
@Suite("You said, we did drafts are written in words")
struct YouSaidWeDidTests {
    @Test("a completed action's draft names its title; a cancelled one's gives the board's reason, not 'action A-0002'")
    func draftsUseTheTitleAndTheReason() throws {
        let dir = TestDirectory()
        let env = ["SEND_TODAY": "2018-02-01"]
        let findings = try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: env)
        let board = try ServiceProcess("board-actions", dir.flags, directory: dir, environment: env)
        let comms = try ServiceProcess("parent-comms", dir.flags, directory: dir, environment: env)
        let client = try TestClient(dir)
        defer {
            comms.stop()
            board.stop()
            findings.stop()
            client.close()
        }
        #expect(client.waitReady(ServiceName.findings) && client.waitReady(ServiceName.board) && client.waitReady(ServiceName.comms))

        let inspection = try client.call(ServiceName.findings, "inspections.add", [
            "local_area": "Lancashire", "inspectorates": ["Ofsted", "CQC"], "framework": "2016",
            "visit_start": "2017-11-13", "visit_end": "2017-11-17", "published": "2018-01-23", "outcome": "wsoa_required",
        ])
        let inspectionID = try #require(inspection["inspection_id"]?.stringValue ?? inspection["inspection"]?["inspection_id"]?.stringValue)
        let added = try client.call(ServiceName.findings, "findings.add", [
            "inspection_id": .string(inspectionID), "kind": "area_of_significant_weakness", "theme": "Engagement with parents",
            "summary": "Leaders fail to engage effectively with parents and carers", "evidence": ["Quoted from the report"],
            "bodies": ["local_authority"],
        ])
        let finding = try #require(added["finding_id"]?.stringValue ?? added["finding"]?["finding_id"]?.stringValue)
        #expect(waitUntil(timeout: 30) {
            ((try? client.call(ServiceName.board, "actions.coverage"))?["gaps"]?.arrayValue ?? []).contains { $0["finding_id"]?.stringValue == finding }
        })
        func create(_ title: String) throws -> String {
            let created = try client.call(ServiceName.board, "actions.create", [
                "title": .string(title), "finding_ids": [.string(finding)], "lead_organisation": "Lancashire County Council",
                "sponsoring_director": "Director of Children's Services", "action_lead": "Head of SEND",
                "start": "2018-02-01", "due": "2018-06-30", "success_criteria": "Families say they were heard",
            ])
            return try #require(created["action"]?["action_id"]?.stringValue)
        }
        let helpline = try create("Open a helpline staffed every weekday")
        let dropIn = try create("Run a weekend drop-in")
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": .string(helpline), "status": "in_progress"])
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": .string(helpline), "status": "completed"])
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": .string(dropIn), "status": "cancelled",
                                                                 "reason": "Merged into the family hubs programme"])
        #expect(waitUntil(timeout: 30) {
            ((try? client.call(ServiceName.comms, "updates.list"))?["updates"]?.arrayValue ?? []).count == 2
        })

        let drafts = try client.call(ServiceName.comms, "updates.list")["updates"]?.arrayValue ?? []
        let completedID = try #require(drafts.first { $0["action_id"]?.stringValue == helpline }?["update_id"]?.intValue)
        let cancelledID = try #require(drafts.first { $0["action_id"]?.stringValue == dropIn }?["update_id"]?.intValue)

        let completed = try ChildRun.run(Binaries.path("sendctl"), ["updates", "show", String(completedID)] + dir.flags,
                                         environment: env, timeout: 60)
        #expect(completed.status == 0, "\(completed.stderr)")
        #expect(completed.stdout.contains("title: You said, we did: Open a helpline staffed every weekday"), "\(completed.stdout)")
        #expect(completed.stdout.contains("We did: Open a helpline staffed every weekday (led by Lancashire County Council)."),
                "\(completed.stdout)")
        #expect(!completed.stdout.contains("action \(helpline) is complete"), "\(completed.stdout)")

        let cancelled = try ChildRun.run(Binaries.path("sendctl"), ["updates", "show", String(cancelledID)] + dir.flags,
                                         environment: env, timeout: 60)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("title: You said, we did: Run a weekend drop-in will not go ahead"), "\(cancelled.stdout)")
        #expect(cancelled.stdout.contains("We did not do it: Run a weekend drop-in (led by Lancashire County Council) was cancelled"),
                "\(cancelled.stdout)")
        #expect(cancelled.stdout.contains("Why not: Merged into the family hubs programme"), "\(cancelled.stdout)")
        #expect(!cancelled.stdout.contains("REASON REQUIRED"), "\(cancelled.stdout)")
        dir.remove()
    }
}
