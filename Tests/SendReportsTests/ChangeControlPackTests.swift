import Foundation
import SendModel
import Testing
import TestSupport

/// The plan under change control in the board pack (issue 18): real findings and board processes,
/// the real `sendctl report board-pack`, and the page read as a board member reads it.
@Suite("Change control and RAG history in the board pack")
struct ChangeControlPackTests {
    @Test("after an approved reschedule and a few RAG changes, the pack shows the first agreed due date, the RAG strip in order and the change, in words")
    func changeControlInThePack() throws {
        let dir = TestDirectory()
        let stack = try ReportServices(dir, today: "2018-09-03")
        defer { stack.stop(); dir.remove() }
        let client = stack.client
        let meeting = try client.call(ServiceName.board, "board.meetings.add", ["date": "2018-06-10", "attendee_ids": ["M-001", "M-003", "M-004"]])
        let meetingID = try #require(meeting["meeting"]?["meeting_id"]?.stringValue)

        // A-0001 (due 29 March 2019) moves to 28 June 2019 by a decision; A-0002's lead change awaits the board.
        _ = try client.call(ServiceName.board, "actions.reschedule",
                            ["action_id": "A-0001", "due": "2019-06-28", "reason": "The clinical lead starts in April"])
        let decided = try client.call(ServiceName.board, "board.decide", ["meeting_id": .string(meetingID), "kind": "change_requests",
                                                                          "approve": ["CR-0001"]])
        let decisionID = try #require(decided["decision"]?["decision_id"]?.stringValue)
        _ = try client.call(ServiceName.board, "actions.change",
                            ["action_id": "A-0002", "lead_organisation": "Lancashire clinical commissioning groups", "reason": "The CCGs commission it now"])
        // A-0001: amber (not started after its start date), green (in progress), red (delayed), green again.
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "in_progress"])
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "delayed"])
        _ = try client.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "in_progress", "reason": "Lead appointed"])
        let history = try client.call(ServiceName.board, "actions.show", ["action_id": "A-0001"])["rag_history"]?.arrayValue ?? []
        #expect(history.map { $0["to"]?.stringValue ?? "-" } == ["amber", "green", "red", "green"])
        let paged = try client.call(ServiceName.board, "actions.rag_history", ["limit": 2])
        #expect(paged["changes"]?.arrayValue?.count == 2)
        #expect(paged["next_after"]?.intValue == 2)

        let out = "\(dir.path)/reports"
        let run = try sendctl(["report", "board-pack", "--out", out], dir)
        #expect(run.status == 0, "board-pack: \(run.stderr)")
        let html = try String(contentsOfFile: "\(out)/board-pack.html", encoding: .utf8)

        // 1. The due date beside the first agreed one.
        #expect(html.contains("<td class=\"nowrap\">28 Jun 2019 (first agreed 29 Mar 2019)</td>"))
        let actions = try csvRecords("\(out)/board-pack-actions.csv")
        let a1 = try #require(actions.first { $0["action_id"] == "A-0001" })
        #expect(a1["due"] == "2019-06-28" && a1["baseline_due"] == "2019-03-29" && a1["rescheduled"] == "yes")
        #expect(actions.first { $0["action_id"] == "A-0002" }?["rescheduled"] == "no")

        // 2. The strip: amber, green, red, green, oldest first, each cell with its words; then the latest reason.
        let strip = try #require(html.range(of: "<li><strong>A-0001</strong>")).upperBound
        let rest = html[strip...]
        let item = String(rest[..<min(rest.range(of: "<li><strong>")?.lowerBound ?? rest.endIndex, try #require(rest.range(of: "</ul>")).lowerBound)])
        let cells = item.components(separatedBy: "<li class=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(cells == ["amber", "green", "red", "green"], "\(item.prefix(600))")
        #expect(item.contains("Green from 3 Sep 2018;</span></li><li class=\"red\"><span aria-hidden=\"true\">R</span><span class=\"vh\">Red from 3 Sep 2018;"))
        #expect(item.contains("</ol>Green since 3 Sep 2018 (3 changes): on track: due in 298 days (2019-06-28)."), "\(item.suffix(300))")

        // 3. The changes: the approved reschedule with its decision, and the pending request awaiting the board.
        let heading = try #require(html.range(of: "<h2 id=\"changes\">"))
        let changes = String(html[heading.lowerBound...])
        #expect(changes.contains("1 request has been decided (1 since the last board meeting on 10 June 2018); 1 awaits the board."),
                "\(changes.prefix(800))")
        #expect(changes.contains("<th scope=\"row\">CR-0001</th><td>A-0001 Redesign the autism assessment pathway so that it follows NICE guidance</td>"
            + "<td>New due date</td><td>29 March 2019</td><td>28 June 2019</td><td>The clinical lead starts in April</td>"
            + "<td>Approved by \(decisionID) on 10 Jun 2018</td>"), "\(changes.prefix(3000))")
        #expect(changes.contains("Awaiting the board (1 request)"))
        #expect(changes.contains("<td>New lead organisation</td><td>Lancashire County Council</td><td>Lancashire clinical commissioning groups</td>"
            + "<td>The CCGs commission it now</td>"), "\(changes.prefix(3000))")
        let csv = try csvRecords("\(out)/board-pack-changes.csv")
        #expect(csv.map { "\($0["request_id"] ?? "") \($0["state"] ?? "")" } == ["CR-0001 approved", "CR-0002 pending"])

        // 4. The public page says the date moved, in months, and its spreadsheet keeps the first planned date.
        let pub = try sendctl(["report", "public", "--out", out], dir)
        #expect(pub.status == 0, "public: \(pub.stderr)")
        let page = try String(contentsOfFile: "\(out)/progress.html", encoding: .utf8)
        #expect(page.contains("Under way · to be done by June 2019 (first planned for March 2019) · led by"), "\(page.prefix(200))")
        let listed = try csvRecords("\(out)/progress-actions.csv")
        let p1 = try #require(listed.first { $0["action"]?.hasPrefix("Redesign the autism assessment pathway") == true })
        #expect(p1["due_by"] == "2019-06-28" && p1["first_planned_by"] == "2019-03-29")
    }
}
