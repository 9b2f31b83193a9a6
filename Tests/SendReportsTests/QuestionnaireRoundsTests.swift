import Foundation
import SendModel
import Testing
import TestSupport

/// Questionnaires compared (issue 18, item 6) on real findings, board and comms processes, through
/// the real `sendctl`: two rounds, the second repeating the first, answered by families with an EHC
/// plan and with SEN support; the results and the board pack read as the board reads them.
@Suite("Questionnaires compared round on round")
struct QuestionnaireRoundsTests {
    static let today = "2018-09-03"
    static let env = ["SEND_TODAY": today, "SEND_RATE_LIMIT_PER_MINUTE": "0", "SEND_OVERDUE_INTERVAL": "3600"]

    func start(_ dir: TestDirectory, _ names: [String]) throws -> (services: [ServiceProcess], client: TestClient) {
        var services: [ServiceProcess] = []
        for name in names { services.append(try ServiceProcess(name, dir.flags, directory: dir, environment: Self.env)) }
        let client = try TestClient(dir)
        for s in names.map(Self.service) {
            guard client.waitReady(s, timeout: 30) else { throw TestFailure("\(s) did not become ready") }
        }
        return (services, client)
    }

    static func service(_ executable: String) -> String {
        ["findings-intake": ServiceName.findings, "board-actions": ServiceName.board, "parent-comms": ServiceName.comms][executable] ?? executable
    }

    func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    /// Sends a questionnaire, waits for delivery, and returns each new email's response token by family reference.
    func send(_ client: TestClient, _ dir: TestDirectory, _ id: Int64, seen: inout Set<String>) throws -> [String: String] {
        let sent = try client.call(ServiceName.comms, "questionnaires.send", ["questionnaire_id": .int(id)], timeout: 30)
        let dispatch = sent["dispatch_id"] ?? 1
        guard waitUntil(timeout: 60, interval: 0.1, {
            (try? client.call(ServiceName.comms, "dispatches.show", ["dispatch_id": dispatch]))?["completed_at"]?.isNull == false
        }) else { throw TestFailure("questionnaire \(id) was not delivered") }
        let path = "\(dir.data)/spool/email"
        var tokens: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where !name.hasPrefix(".") && !seen.contains(name) {
            seen.insert(name)
            let text = try String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
                .replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
            guard let t = text.range(of: #"respond/[0-9a-f]{32}"#, options: .regularExpression),
                  let a = text.range(of: #"family-[a-z0-9]+@example\.org"#, options: .regularExpression) else { continue }
            let ref = String(text[a].dropFirst("family-".count).prefix { $0 != "@" }).uppercased()
            tokens[ref] = String(text[t].dropFirst("respond/".count))
        }
        return tokens
    }

    func respond(_ client: TestClient, _ token: String?, _ answers: [(Int, JSONValue)]) throws {
        let token = try #require(token)
        _ = try client.call(ServiceName.comms, "questionnaires.respond", [
            "token": .string(token), "answers": .array(answers.map { ["question": .int(Int64($0.0)), "value": $0.1] }),
        ])
    }

    @Test("two rounds: results and the board pack show each repeated question against the earlier round, a small group withheld, the split shown when large enough and withheld when not, with a chart of the trend")
    func twoRounds() throws {
        let dir = TestDirectory()
        let stack = try ReportServices(dir, today: Self.today, comms: true)
        defer { stack.stop(); dir.remove() }
        let client = stack.client

        // 20 families with an EHC plan and 6 with SEN support stated (the support column); 6 more
        // families with SEN support from an old CSV without the column (ehc_plan no), imported as before.
        let csv = "\(dir.path)/families.csv"
        var rows = ["family_ref,child_ref,ehc_plan,support,email,consent"]
        for i in 1...20 { rows.append("E\(i),EC\(i),yes,ehc_plan,family-e\(i)@example.org,yes") }
        for i in 1...6 { rows.append("S\(i),SC\(i),no,sen_support,family-s\(i)@example.org,yes") }
        try write(rows.joined(separator: "\n") + "\n", csv)
        let imported = try sendctl(["families", "import", csv], dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        var old = ["family_ref,child_ref,ehc_plan,name,email,consent"]
        for i in 7...12 { old.append("S\(i),SC\(i),no,Family S\(i),family-s\(i)@example.org,yes") }
        try write(old.joined(separator: "\n") + "\n", csv)
        let oldImport = try sendctl(["families", "import", csv, "--json"], dir)
        #expect(oldImport.status == 0, "\(oldImport.stderr)")
        let oldReply = try JSONValue.parse(Array(oldImport.stdout.utf8))
        #expect(oldReply["imported"]?.intValue == 6 && oldReply["families_created"]?.intValue == 6 && oldReply["rejected_rows"]?.intValue == 0)

        // Round 1, March 2018, named.
        let q1 = "\(dir.path)/round1.json"
        try write("""
            {"title": "Your experience 2018", "audience": "all", "opens": "2018-03-01", "closes": "2018-09-30",
             "questions": [{"kind": "yes_no", "text": "Did you feel fully listened to?"},
                           {"kind": "scale", "text": "How well were you kept informed?"},
                           {"kind": "free_text", "text": "Anything else?"}]}
            """, q1)
        let created1 = try sendctl(["questionnaires", "create", "--file", q1], dir)
        #expect(created1.status == 0, "\(created1.stderr)")
        var seen = Set<String>()
        let tokens1 = try send(client, dir, 1, seen: &seen)
        #expect(tokens1.count == 32)
        // EHC plan: 10 of 20 yes; SEN support: 6 of 12 yes. Scale 4 or 5: 8 of 32.
        for i in 1...20 { try respond(client, tokens1["E\(i)"], [(1, i <= 10 ? "yes" : "no"), (2, .int(i <= 5 ? 5 : 2))]) }
        for i in 1...12 { try respond(client, tokens1["S\(i)"], [(1, i <= 6 ? "yes" : "no"), (2, .int(i <= 3 ? 4 : 3))]) }

        // Round 2, June 2018, anonymous, repeating round 1 (the same words, other spacing and case).
        let created2 = try sendctl(["questionnaires", "create", "--title", "Your experience: autumn 2018", "--anonymous", "--audience", "all",
                                    "--opens", "2018-06-01", "--closes", "2018-10-31", "--repeats", "1",
                                    "--question", "yes_no:Did you feel FULLY listened to?",
                                    "--question", "scale:How well were you kept informed?",
                                    "--question", "yes_no:Do you know your key worker?"], dir)
        #expect(created2.status == 0, "\(created2.stderr)")
        let createdEvent = try client.allEvents(ServiceName.comms).last { $0.type == EventType.questionnaireCreated }
        #expect(createdEvent?.data["questionnaire_id"]?.intValue == 2 && createdEvent?.data["repeats"]?.intValue == 1)
        let tokens2 = try send(client, dir, 2, seen: &seen)
        #expect(tokens2.count == 32)
        // EHC plan: 4 of 20 yes, 5 of them answer the scale; SEN support: only 5 answer (1 yes).
        for i in 1...20 {
            var answers: [(Int, JSONValue)] = [(1, i <= 4 ? "yes" : "no"), (3, "yes")]
            if i <= 5 { answers.append((2, .int(4))) }
            try respond(client, tokens2["E\(i)"], answers)
        }
        for i in 1...5 { try respond(client, tokens2["S\(i)"], [(1, i == 1 ? "yes" : "no"), (3, "no")]) }

        // The results, as sendctl prints them.
        let results = try sendctl(["questionnaires", "results", "2"], dir)
        #expect(results.status == 0, "\(results.stderr)")
        let out = results.stdout
        #expect(out.contains("against the earlier round (questionnaire 1, March 2018):"), "\(out)")
        #expect(out.contains("Question 1, Did you feel FULLY listened to? — answering yes: 20% (5 of 25) this round, 50% (16 of 32) in the round of March 2018."), "\(out)")
        #expect(out.contains("Question 2, How well were you kept informed? — answering 4 or 5 out of 5: fewer than 10 responses: not shown this round, 25% (8 of 32) in the round of March 2018."), "\(out)")
        #expect(!out.contains("Do you know your key worker? — answering"), "a question not asked before is not compared")
        #expect(out.contains("Not split by EHC plan and SEN support: fewer than 10 responses from families with SEN support, so the split is not shown."), "\(out)")
        let first = try sendctl(["questionnaires", "results", "1"], dir)
        #expect(first.stdout.contains("by support, answering yes: EHC plan 50% (10 of 20); SEN support 50% (6 of 12)"), "\(first.stdout)")
        #expect(!first.stdout.contains("against the earlier round"))

        // The JSON withholds the small group's figures, not only their words.
        let json = try client.call(ServiceName.comms, "questionnaires.results", ["questionnaire_id": 2])
        let compared = try #require(json["comparison"]?["questions"]?.arrayValue)
        #expect(compared.count == 2)
        #expect(compared[1]["this_round"] == ["shown": false, "note": "fewer than 10 responses: not shown"])
        #expect(compared[0]["earlier_round"]?["count"]?.intValue == 16 && compared[0]["earlier_round"]?["answered"]?.intValue == 32)
        #expect(json["questions"]?.arrayValue?.first?["split"]?["shown"]?.boolValue == false)
        #expect(json["questions"]?.arrayValue?.first?["split"]?["ehc_plan"] == nil)

        // The board pack: the comparison in words, the split, the trend chart with its table.
        let reports = "\(dir.path)/reports"
        let pack = try sendctl(["report", "board-pack", "--out", reports], dir)
        #expect(pack.status == 0, "\(pack.stderr)")
        let check = try PageCheck("\(reports)/board-pack.html")
        #expect(check.errors == [])
        let html = try String(contentsOfFile: "\(reports)/board-pack.html", encoding: .utf8)
        #expect(check.text.contains("Against earlier rounds"))
        #expect(check.text.contains("This questionnaire repeats questionnaire 1, Your experience 2018 (the round of March 2018)."), "\(check.text)")
        #expect(check.text.contains("Question 1, Did you feel FULLY listened to? — answering yes: 20% (5 of 25) this round, 50% (16 of 32) in the round of March 2018."))
        #expect(check.text.contains("fewer than 10 responses: not shown this round, 25% (8 of 32) in the round of March 2018."))
        #expect(check.text.contains("Question 1, Did you feel fully listened to? — answering yes: families with an EHC plan 50% (10 of 20); families with SEN support 50% (6 of 12)."))
        #expect(check.text.contains("Question 1, Did you feel FULLY listened to?: Not split by EHC plan and SEN support: fewer than 10 responses from families with SEN support"))
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-q2-trend-1\""))
        #expect(html.contains("data-series=\"rate_per_round\" data-label=\"questionnaire-1\" data-value=\"50\""))
        #expect(html.contains("data-series=\"rate_per_round\" data-label=\"questionnaire-2\" data-value=\"20\""))
        #expect(html.contains("id=\"table-q2-trend-2\""))
        // The withheld round has no bar: only the earlier round's is drawn for question 2.
        #expect(html.contains("data-series=\"rate_per_round\" data-label=\"questionnaire-1\" data-value=\"25\""))
        let trend2 = try #require(html.range(of: "id=\"chart-q2-trend-2\"").map { String(html[$0.lowerBound...].prefix(4000)) })
        let svg2 = String(trend2[..<(trend2.range(of: "</svg>")?.lowerBound ?? trend2.endIndex)])
        #expect(svg2.contains("data-label=\"questionnaire-1\"") && !svg2.contains("data-label=\"questionnaire-2\""))
        let trend = try csvRecords("\(reports)/board-pack-questionnaire-2-rounds.csv")
        #expect(trend.contains { $0["question"] == "2" && $0["round"] == "June 2018" && $0["answered"] == "" && $0["rate"] == "" })
        #expect(trend.contains { $0["question"] == "1" && $0["round"] == "March 2018" && $0["answered"] == "32" && $0["count"] == "16" })
        // A third round (September 2018) repeating the second: a chain, charted round by round.
        let created3 = try sendctl(["questionnaires", "create", "--title", "Your experience: September 2018", "--audience", "all",
                                    "--closes", "2018-10-31", "--repeats", "2", "--question", "yes_no:Did you feel fully listened to?"], dir)
        #expect(created3.status == 0, "\(created3.stderr)")
        let tokens3 = try send(client, dir, 3, seen: &seen)
        for i in 1...12 { try respond(client, tokens3["E\(i)"], [(1, i <= 9 ? "yes" : "no")]) }
        let third = try sendctl(["questionnaires", "results", "3"], dir)
        #expect(third.stdout.contains("Question 1, Did you feel fully listened to? — answering yes: 75% (9 of 12) this round, 20% (5 of 25) in the round of June 2018."), "\(third.stdout)")
        let chain = try sendctl(["report", "board-pack", "--out", "\(dir.path)/reports3"], dir)
        #expect(chain.status == 0, "\(chain.stderr)")
        let chainCheck = try PageCheck("\(dir.path)/reports3/board-pack.html")
        #expect(chainCheck.errors == [])
        #expect(chainCheck.text.contains("This questionnaire repeats questionnaire 2, Your experience: autumn 2018 (the round of June 2018), which itself follows 1 earlier round."))
        #expect(chainCheck.text.contains("Question 1, Did you feel fully listened to? — answering yes: 75% (9 of 12) this round, 20% (5 of 25) in the round of June 2018, 50% (16 of 32) in the round of March 2018."))
        let chainHTML = try String(contentsOfFile: "\(dir.path)/reports3/board-pack.html", encoding: .utf8)
        let trend3 = try #require(chainHTML.range(of: "id=\"chart-q3-trend-1\"").map { String(chainHTML[$0.lowerBound...].prefix(6000)) })
        let svg3 = String(trend3[..<(trend3.range(of: "</svg>")?.lowerBound ?? trend3.endIndex)])
        for (n, value) in [(1, "50"), (2, "20"), (3, "75")] {
            #expect(svg3.contains("data-series=\"rate_per_round\" data-label=\"questionnaire-\(n)\" data-value=\"\(value)\""), "round \(n)")
        }

        // No family reference reaches the pack.
        #expect(!html.contains("family-e1@") && !html.contains(">E1<"))
    }

    @Test("an unknown repeats id is refused with a clear error and nothing is created; a bad support cell is refused by line; an old CSV imports as before")
    func refusals() throws {
        let dir = TestDirectory()
        let (services, client) = try start(dir, ["parent-comms"])
        defer { client.close(); for s in services.reversed() { s.stop() }; dir.remove() }
        let refused = try sendctl(["questionnaires", "create", "--title", "Again", "--closes", "2018-10-31", "--repeats", "7",
                                   "--question", "yes_no:Did you feel fully listened to?"], dir)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("names questionnaire 7, which does not exist"), "\(refused.stderr)")
        #expect(try client.call(ServiceName.comms, "questionnaires.list")["questionnaires"] == [])
        #expect(try client.allEvents(ServiceName.comms).filter { $0.type == EventType.questionnaireCreated }.isEmpty)

        let csv = "\(dir.path)/families.csv"
        try write("family_ref,child_ref,ehc_plan,consent,support\nA1,C1,yes,yes,sen_support\nA2,C2,no,yes,lots\nA3,C3,no,yes,none\nA4,C4,no,yes,\n", csv)
        let bad = try sendctl(["families", "import", csv], dir)
        #expect(bad.status == 65)
        #expect(bad.stdout.contains("is sen_support but ehc_plan is yes"), "\(bad.stdout)")
        #expect(bad.stdout.contains("must be ehc_plan, sen_support or none"), "\(bad.stdout)")
        try write("family_ref,child_ref,ehc_plan,consent\nA3,C3,no,yes\nA5,C5,yes,yes\n", csv)
        let old = try sendctl(["families", "import", csv], dir)
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.stdout.contains("2 rows"), "\(old.stdout)")
        let listed = try client.call(ServiceName.comms, "families.list")["families"]?.arrayValue?.compactMap { $0["family_ref"]?.stringValue }
        #expect(listed == ["A3", "A4", "A5"])
        // The old CSV left the stated support as it was; a child without one has none stated (its ehc_plan decides).
        let a3 = try client.call(ServiceName.comms, "families.show", ["family_ref": "A3"])["family"]?["children_list"]?.arrayValue?.first
        #expect(a3?["support"]?.stringValue == "none")
        let a5 = try client.call(ServiceName.comms, "families.show", ["family_ref": "A5"])["family"]?["children_list"]?.arrayValue?.first
        #expect(a5?["support"] == JSONValue.null && a5?["ehc_plan"]?.boolValue == true)
    }
}
