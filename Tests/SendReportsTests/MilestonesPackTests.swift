import Foundation
import SendModel
import SendReports
import Testing
import TestSupport

/// An action's milestones in the board pack and on the public page (issue 18): real findings and
/// board processes, the real `sendctl report`, and the portal's own way of building the page.
@Suite("Milestones in the board pack and on the public page")
struct MilestonesPackTests {
    @Test("the board pack and the public page show each milestone's title, date and whether it was met, missed or is coming, in words")
    func milestonesInWords() throws {
        let dir = TestDirectory()
        let stack = try ReportServices(dir, today: "2018-09-03")
        defer { stack.stop(); dir.remove() }
        let client = stack.client

        // A-0001 (1 May 2018 to 29 March 2019): one met, one missed, one to come.
        for (title, due) in [("Pathway agreed", "2018-08-31"), ("Training delivered", "2018-12-14"), ("First clinic held", "2018-07-31")] {
            _ = try client.call(ServiceName.board, "actions.milestones.add", ["action_id": "A-0001", "title": .string(title), "due": .string(due)])
        }
        _ = try client.call(ServiceName.board, "actions.milestones.met", ["action_id": "A-0001", "milestone": "M3", "on": "2018-07-30"])
        let shown = try client.call(ServiceName.board, "actions.show", ["action_id": "A-0001"])
        #expect(shown["action"]?["rag"] == "red")
        #expect(shown["action"]?["rag_reason"]?.stringValue?.contains("milestone M1 'Pathway agreed' missed (due 2018-08-31)") == true,
                "\(shown["action"]?["rag_reason"] ?? .null)")

        // A move of M2's date waits for the board, in the pack's changes to the plan.
        _ = try client.call(ServiceName.board, "actions.milestones.reschedule",
                            ["action_id": "A-0001", "milestone": "M2", "due": "2019-01-31", "reason": "The trainer starts in January"])

        let out = "\(dir.path)/reports"
        let pack = try sendctl(["report", "board-pack", "--out", out], dir)
        #expect(pack.status == 0, "board-pack: \(pack.stderr)")
        let html = try String(contentsOfFile: "\(out)/board-pack.html", encoding: .utf8)
        let caption = try #require(html.range(of: "<caption>Milestones of the actions for"), "no milestones table")
        let table = String(html[caption.lowerBound...].prefix(3000))
        #expect(table.contains("(3 milestones, 1 missed)"), "\(table.prefix(300))")
        for row in ["<th scope=\"row\">A-0001</th><td>M3 First clinic held</td><td class=\"nowrap\">31 Jul 2018</td><td>Met on 30 Jul 2018 (due 31 Jul 2018)</td>",
                    "<th scope=\"row\">A-0001</th><td>M1 Pathway agreed</td><td class=\"nowrap\">31 Aug 2018</td><td class=\"rag-red\">Missed: due 31 Aug 2018, not met</td>",
                    "<th scope=\"row\">A-0001</th><td>M2 Training delivered</td><td class=\"nowrap\">14 Dec 2018</td><td>Upcoming: due 14 Dec 2018</td>"] {
            #expect(table.contains(row), "\(table.prefix(1500))")
        }
        #expect(html.contains("<td>New due date of milestone M2</td><td>14 December 2018</td><td>31 January 2019</td>"),
                "\(html.range(of: "<h2 id=\"changes\">").map { String(html[$0.lowerBound...].prefix(2000)) } ?? "no changes section")")
        #expect(html.contains("milestone M1 &#39;Pathway agreed&#39; missed (due 2018-08-31)") || html.contains("milestone M1 'Pathway agreed' missed (due 2018-08-31)"))

        // The data behind the table: one row per milestone, with its state.
        let rows = try csvRecords("\(out)/board-pack-milestones.csv")
        let described = rows.map { r in
            ["action_id", "milestone_id", "title", "due", "met_on", "state"].map { r[$0].map { $0.isEmpty ? "-" : $0 } ?? "?" }.joined(separator: " | ")
        }.sorted()
        #expect(described == ["A-0001 | M1 | Pathway agreed | 2018-08-31 | - | missed",
                              "A-0001 | M2 | Training delivered | 2018-12-14 | - | upcoming",
                              "A-0001 | M3 | First clinic held | 2018-07-31 | 2018-07-30 | met"], "\(rows)")
        #expect(html.contains("<a href=\"board-pack-milestones.csv\">board-pack-milestones.csv</a> (per milestone)"))

        let words = ["Milestone: First clinic held — done in July 2018",
                     "Milestone: Pathway agreed — late: it was to be done by 31 August 2018",
                     "Milestone: Training delivered — to be done by 14 December 2018"]
        let published = try sendctl(["report", "public", "--out", out], dir)
        #expect(published.status == 0, "public: \(published.stderr)")
        let page = try String(contentsOfFile: "\(out)/progress.html", encoding: .utf8)
        for w in words { #expect(page.contains(w), "\(w)") }
        let listedActions = try csvRecords("\(out)/progress-actions.csv")
        let withMilestones = try #require(listedActions.first { $0["milestones"]?.isEmpty == false })
        #expect(withMilestones["milestones"]?.contains("Pathway agreed: late: it was to be done by 31 August 2018") == true, "\(withMilestones)")

        // The portal builds the page with its own reads (no plan changes): every one is the portal's to make,
        // and the milestones come with them.
        let calls = CallLog()
        var fetcher = ReportFetcher { service, command, args in
            calls.add(service, command)
            return try client.call(service, command, args)
        }
        fetcher.includesPlanChanges = false
        let portalPage = PublicPage.render(try fetcher.fetch()).html.contents
        for w in words { #expect(portalPage.contains(w), "\(w)") }
        for (service, command) in calls.all where service != ServiceName.comms {
            #expect(Access.table[service]?[command]?.contains(.portal) == true, "the portal may not call \(service) \(command)")
        }
    }
}

/// The commands a fetcher called, from its call closure (called on one thread at a time).
final class CallLog: @unchecked Sendable {
    // @unchecked: the fetcher calls in sequence on the test's thread; the lock guards against any other.
    private let lock = NSLock()
    private var items: [(String, String)] = []
    func add(_ service: String, _ command: String) { lock.lock(); items.append((service, command)); lock.unlock() }
    var all: [(String, String)] { lock.lock(); defer { lock.unlock() }; return items }
}
