import Foundation
import SendModel
import Testing
import TestSupport

/// The chair's update and the themes (issue 18, items 4 and 5) on real findings, board and comms
/// processes, through the real `sendctl`: the public page read as a family reads it, and the
/// messages read from comms' spool.
@Suite("The chair's update and the themes on the public page")
struct ChairUpdateTests {
    static let today = "2018-09-03"

    /// The demo's inspection and plan, three families (two asked for updates), and a meeting.
    func start(_ dir: TestDirectory) throws -> (services: [ServiceProcess], client: TestClient) {
        let stack = try ReportServices(dir, today: Self.today, comms: true)
        let client = stack.client
        let families = """
            family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates
            T-F1,T-C1,yes,Ada Keepme,ada.keepme@example.org,,,email,yes,yes
            T-F2,T-C2,no,Bo Keepme,bo.keepme@example.org,,,email,yes,yes
            T-F3,T-C3,yes,Cy Notme,cy.notme@example.org,,,email,yes,no
            """
        _ = try client.call(ServiceName.comms, "families.import", ["csv": .string(families + "\n")], timeout: 30)
        _ = try client.call(ServiceName.board, "board.meetings.add", ["date": "2018-06-10", "attendee_ids": ["M-001", "M-003", "M-004"]])
        return (stack.services, client)
    }

    func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    /// The spooled emails (raw files), waiting until there are `count`.
    func emails(_ dir: TestDirectory, count: Int, timeout: Double = 30) -> [String] {
        let path = "\(dir.data)/spool/email"
        var texts: [String] = []
        _ = waitUntil(timeout: timeout, interval: 0.05) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
            texts = names.compactMap { try? String(contentsOfFile: "\(path)/\($0)", encoding: .utf8) }
            return texts.count >= count
        }
        return texts
    }

    func publicPage(_ dir: TestDirectory) throws -> (html: String, check: PageCheck) {
        let out = "\(dir.path)/reports-\(UUID().uuidString.prefix(8))"
        let run = try sendctl(["report", "public", "--out", out], dir)
        #expect(run.status == 0, "report public: \(run.stderr)")
        let path = "\(out)/progress.html"
        return (try String(contentsOfFile: path, encoding: .utf8), try PageCheck(path))
    }

    @Test("a chair's update: bad input refused changing nothing; published, it is on the public page with its headings and lists, and sent once to exactly the families who asked for updates")
    func chairUpdate() throws {
        let dir = TestDirectory()
        let (services, client) = try start(dir)
        defer { client.close(); for s in services.reversed() { s.stop() }; dir.remove() }
        let file = "\(dir.path)/update.md"

        // Bad input: each refused (exit 65) with words that say what to do, and nothing recorded.
        try write("# Hello\n\nSome words.\n", file)
        let unknown = try sendctl(["meetings", "publish-update", "MTG-099", "--file", file], dir)
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("no meeting MTG-099"), "\(unknown.stderr)")
        try write("# Our June meeting\n\nWe met.\n<script>alert(1)</script>\n", file)
        let html = try sendctl(["meetings", "publish-update", "MTG-001", "--file", file], dir)
        #expect(html.status == 65)
        #expect(html.stderr.contains("line 4 has HTML (<script>)"), "\(html.stderr)")
        try write("  \n\n", file)
        let empty = try sendctl(["meetings", "publish-update", "MTG-001", "--file", file], dir)
        #expect(empty.status == 65)
        #expect(empty.stderr.contains("the update is empty"), "\(empty.stderr)")
        #expect(try client.call(ServiceName.board, "board.meetings.updates")["updates"] == [])
        #expect(try client.allEvents(ServiceName.board).filter { $0.type == EventType.chairUpdatePublished }.isEmpty)

        try write("""
            # What the board decided

            The board met on 10 June with parent carers and young people.
            Waiting times for autism assessments are still too long & we said so < plainly.

            ## Next steps
            - Publish waiting times every month
            - Agree the exclusions protocol with headteachers

            1. Ask families again in the autumn
            """, file)
        let published = try sendctl(["meetings", "publish-update", "MTG-001", "--file", file, "--title", "The chair's update: June 2018"], dir)
        #expect(published.status == 0, "\(published.stderr)")
        #expect(published.stdout.contains("published CU-001 after MTG-001: The chair's update: June 2018"), "\(published.stdout)")
        let again = try sendctl(["meetings", "publish-update", "MTG-001", "--file", file], dir)
        #expect(again.status == 65)
        #expect(again.stderr.contains("published already (CU-001)"), "\(again.stderr)")
        let events = try client.allEvents(ServiceName.board).filter { $0.type == EventType.chairUpdatePublished }
        #expect(events.count == 1)
        #expect(events.first.map { Set($0.data.objectValue?.keys.map { $0 } ?? []) } == ["update_id", "meeting_id", "title"])

        // The public page: the update's words, its headings and lists, every character escaped.
        let page = try publicPage(dir)
        #expect(page.check.errors == [])
        #expect(page.check.text.contains("The chair's updates"))
        #expect(page.check.text.contains("The chair's update: June 2018"))
        #expect(page.check.text.contains("After the board meeting of 10 June 2018"))
        #expect(page.html.contains("<h4>What the board decided</h4>"))
        #expect(page.html.contains("<h4>Next steps</h4>"))
        #expect(page.html.contains("<ul><li>Publish waiting times every month</li><li>Agree the exclusions protocol with headteachers</li></ul>"))
        #expect(page.html.contains("<ol><li>Ask families again in the autumn</li></ol>"))
        #expect(page.html.contains("<p>The board met on 10 June with parent carers and young people. Waiting times for autism assessments are still too long &amp; we said so &lt; plainly.</p>"))

        // Comms drafts it (no notes to fill); a comms officer publishes it; each family that asked gets it once.
        var draft: JSONValue?
        #expect(waitUntil(timeout: 30, interval: 0.05) {
            draft = ((try? client.call(ServiceName.comms, "updates.list", ["status": "draft"]))?["updates"]?.arrayValue ?? [])
                .first { $0["chair_update_id"]?.stringValue == "CU-001" }
            return draft != nil
        })
        let updateID = try #require(draft?["update_id"]?.intValue)
        #expect(draft?["outcome"]?.stringValue == "chair_update" && draft?["notes_left"]?.intValue == 0)
        let sent = try sendctl(["updates", "publish", String(updateID)], dir)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("published: 2 families who asked for updates"), "\(sent.stdout)")
        let mails = emails(dir, count: 2)
        #expect(mails.count == 2)
        #expect(mails.contains { $0.contains("ada.keepme@example.org") } && mails.contains { $0.contains("bo.keepme@example.org") })
        #expect(!mails.contains { $0.contains("cy.notme@example.org") })
        for mail in mails {
            let body = mail.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
            #expect(body.contains("Publish waiting times every month"), "\(body)")
            #expect(body.contains("The chair's update: June 2018") || body.contains("June 2018"))
        }
        let twice = try sendctl(["updates", "publish", String(updateID)], dir)
        #expect(twice.status == 65 && twice.stderr.contains("already published"), "\(twice.stderr)")

        // Comms restarted: the event applied again drafts nothing more, and nothing more is sent.
        services[2].stop()
        let comms = try ServiceProcess("parent-comms", dir.flags, directory: dir,
                                       environment: ["SEND_TODAY": Self.today, "SEND_RATE_LIMIT_PER_MINUTE": "0"])
        defer { comms.stop() }
        #expect(client.waitReady(ServiceName.comms, timeout: 30))
        let updates = try client.call(ServiceName.comms, "updates.list")["updates"]?.arrayValue ?? []
        #expect(updates.filter { $0["chair_update_id"]?.stringValue == "CU-001" }.count == 1)
        #expect(emails(dir, count: 3, timeout: 3).count == 2)
        // The page shows it once, as the chair's: not again under "You said, we did".
        let after = try publicPage(dir)
        #expect(after.check.text.components(separatedBy: "The chair's update: June 2018").count == 2, "\(after.check.text)")
    }

    @Test("themes: named by the board in plain English, on the public page with what we will do, what will be different and progress to date; bad input refused")
    func themes() throws {
        let dir = TestDirectory()
        let (services, client) = try start(dir)
        defer { client.close(); for s in services.reversed() { s.stop() }; dir.remove() }
        let actions = try client.call(ServiceName.board, "actions.list")["actions"]?.arrayValue ?? []
        let autism = try #require(actions.first { ($0["finding_ids"]?.arrayValue ?? []).contains("INS-lancashire-2017-F04") })
        let autismTitle = try #require(autism["title"]?.stringValue)
        let shown = try client.call(ServiceName.board, "actions.show", ["action_id": autism["action_id"]!])
        let criteria = try #require((shown["action"] ?? shown)["success_criteria"]?.stringValue)

        let unknown = try sendctl(["themes", "name", "Getting an autism assessment", "--finding", "F-NOPE"], dir)
        #expect(unknown.status == 65 && unknown.stderr.contains("no finding F-NOPE is known to the board"), "\(unknown.stderr)")
        let html = try sendctl(["themes", "name", "<b>Bold</b>", "--finding", "INS-lancashire-2017-F04"], dir)
        #expect(html.status == 65 && html.stderr.contains("has HTML"), "\(html.stderr)")
        #expect(try client.call(ServiceName.board, "board.themes.list")["themes"] == [])

        let named = try sendctl(["themes", "name", "Getting an autism assessment", "--finding", "INS-lancashire-2017-F04",
                                 "--description", "Families waited too long for an autism assessment, and the wait depended on where they lived."], dir)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.contains("T-01 \"Getting an autism assessment\": 1 finding"), "\(named.stdout)")
        let second = try sendctl(["themes", "name", "Listening to families", "--finding", "INS-lancashire-2017-F01"], dir)
        #expect(second.status == 0, "\(second.stderr)")
        let clash = try sendctl(["themes", "name", "listening to FAMILIES", "--finding", "INS-lancashire-2017-F02"], dir)
        #expect(clash.status == 65 && clash.stderr.contains("T-02 is already called"), "\(clash.stderr)")

        let page = try publicPage(dir)
        #expect(page.check.errors == [])
        let text = page.check.text
        #expect(text.contains("Our plan, theme by theme"))
        #expect(text.contains("The board has put what must get better into 2 themes"), "\(text)")
        #expect(text.contains("Getting an autism assessment"))
        #expect(text.contains("Families waited too long for an autism assessment"))
        #expect(text.contains("What we will do") && text.contains("What will be different") && text.contains("Progress to date"))
        #expect(text.contains(autismTitle))
        #expect(text.contains(criteria.hasSuffix(".") ? criteria : criteria + "."), "\(criteria)")
        #expect(text.contains("Listening to families"))
        // Themes come before the plan's list, in the order the board named them.
        let first = try #require(text.range(of: "Getting an autism assessment")?.lowerBound)
        let later = try #require(text.range(of: "Listening to families")?.lowerBound)
        #expect(first < later)
        // The themes' spreadsheet beside the page.
        #expect(page.html.contains("progress-themes.csv"))
    }
}
