import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// The real `parent-comms` process, a real SMTP server on loopback, and the real `sendctl`.
@Suite("Comms with real processes")
struct ProcessTests {
    static let header = "family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates"

    func start(_ dir: TestDirectory, _ env: [String: String]) throws -> ServiceProcess {
        var environment = ["SEND_TODAY": "2026-03-02", "SEND_LOG_LEVEL": "trace", "SEND_RATE_LIMIT_PER_MINUTE": "0"]
        for (k, v) in env { environment[k] = v }
        return try ServiceProcess("parent-comms", dir.flags, directory: dir, environment: environment)
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The JSON files of a spool directory.
    func spool(_ dir: TestDirectory, _ sub: String) -> [JSONValue] {
        let path = "\(dir.data)/spool/\(sub)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { try? JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(path)/\($0)")))) }
    }

    func dispatchDone(_ client: TestClient, _ id: Int64) -> Bool {
        (try? client.call(ServiceName.comms, "dispatches.show", ["dispatch_id": .int(id)]))?["completed_at"]?.isNull == false
    }

    /// The key after `respond/`: an email's token, a text message's code.
    func token(in text: String) -> String? {
        guard let r = text.range(of: "respond/") else { return nil }
        return String(text[r.upperBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    @Test("questionnaire to families with an EHC plan: one message each by the right channel, each email received once by a real SMTP server, fallback to text, nothing to the opted out, nothing on a second send, reminders only to those who have not answered")
    func endToEnd() throws {
        let dir = TestDirectory()
        let sink = try SMTPSink(directory: "\(dir.path)/mail")
        let comms = try start(dir, ["SEND_SMTP_URL": sink.url])
        defer { comms.stop(); sink.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))

        try write(familiesCSV([
            "E1,C1,yes,Ann One,e1@example.org,,,email,yes,no",
            "E2,C2,yes,Ben Two,e2@example.org,,,email,yes,no",
            "E3,C3,yes,Cat Three,e3@example.org,,,,yes,no",
            "E4,C4,yes,Dan Four,e4@example.org,07700 900004,,email,yes,no",
            "R1,C5,yes,Rex Reject,reject-r1@example.org,07700 900005,,email,yes,no",
            "S1,C6,yes,Sue Text,s1@example.org,07700 900006,,sms,yes,no",
            "L1,C7,yes,Lou Letter,,,\"7 Example Road, Testtown, TT7 7TT\",letter,yes,no",
            "N1,C8,no,Ned Noplan,n1@example.org,,,email,yes,no",
            "O1,C9,yes,Olive Optout,o1@example.org,,,email,yes,no",
            "X1,C10,yes,Xan Noconsent,x1@example.org,,,email,no,no",
        ], header: Self.header), to: "\(dir.path)/families.csv")
        let imported = try sendctl(["families", "import", "\(dir.path)/families.csv"], dir)
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("10 rows, 10 imported, 0 rejected"))
        #expect(try sendctl(["families", "opt-out", "O1"], dir).status == 0)

        let created = try sendctl(["questionnaires", "create", "--title", "Your say on SEND", "--closes", "2026-03-31",
                                   "--question", "scale*:How well were you listened to?", "--question", "free_text:What should change first?"], dir)
        #expect(created.status == 0, "\(created.err)")

        let sent = try sendctl(["questionnaires", "send", "1"], dir)
        #expect(sent.status == 0, "\(sent.err)")
        #expect(sent.out.contains("queued 7 messages (email 5, letter 1, sms 1)"), "\(sent.out)")
        #expect(sent.out.contains("1 opted out") && sent.out.contains("1 no consent"))
        #expect(sent.out.contains("delivered"))

        // The real SMTP server received each email exactly once, and none for the others.
        let mails = sink.messages
        #expect(mails.map(\.to).sorted() == ["e1@example.org", "e2@example.org", "e3@example.org", "e4@example.org"])
        #expect(mails.allSatisfy { $0.subject == "Your say on SEND: tell us what you think" && $0.reference.hasPrefix("sp-") })
        #expect(mails.allSatisfy { token(in: $0.body) != nil })
        // The rejected address fell back to a text message; S1 prefers text; L1 gets a letter.
        let texts = spool(dir, "sms")
        #expect(Set(texts.compactMap { $0["to"]?.stringValue }) == ["+447700900005", "+447700900006"])
        let letters = spool(dir, "letters")
        #expect(letters.count == 1 && letters.first?["address_lines"]?.arrayValue?.count == 3)
        let r1 = try client.call(ServiceName.comms, "families.show", ["family_ref": "R1"])
        #expect(r1["family"]?["flagged"]?.arrayValue == ["email"])
        #expect(r1["family"]?["messages"]?.arrayValue?.first?["channel"]?.stringValue == "sms")
        #expect(r1["family"]?["messages"]?.arrayValue?.first?["status"]?.stringValue == "delivered")

        // Sending again queues nothing.
        let again = try sendctl(["questionnaires", "send", "1"], dir)
        #expect(again.status == 0)
        #expect(again.out.contains("nothing new to send: the 7 families asked already have their message"), "\(again.out)")
        #expect(try client.call(ServiceName.comms, "dispatches.show", ["dispatch_id": 1])["messages"]?.intValue == 7)

        // E1 and E2 answer with the tokens their emails carried, S1 with the code its text carried.
        let answering = mails.filter { ["e1@example.org", "e2@example.org"].contains($0.to) }.compactMap { token(in: $0.body) }
            + texts.filter { $0["to"]?.stringValue == "+447700900006" }.compactMap { token(in: $0["body"]?.stringValue ?? "") }
        #expect(answering.count == 3)
        for t in answering {
            let r = try sendctl(["questionnaires", "respond", t, "--answer", "1=4", "--answer", "2=Answer text"], dir)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("recorded 2 answers to questionnaire 1"), "\(r.out)")
        }
        #expect(try sendctl(["questionnaires", "respond", answering[0], "--answer", "1=4"], dir).status == 65)

        // Reminders reach exactly the families who have not answered.
        let reminded = try sendctl(["questionnaires", "remind", "1"], dir)
        #expect(reminded.status == 0, "\(reminded.err)")
        #expect(reminded.out.contains(": 4 families who have not answered (3 of 7 have)"), "\(reminded.out)")
        #expect(!reminded.out.contains("(ies)") && !sent.out.contains("(s)"))
        let reminders = sink.messages.filter { $0.subject.hasPrefix("Reminder:") }
        #expect(reminders.map(\.to).sorted() == ["e3@example.org", "e4@example.org"])
        let textReminders = spool(dir, "sms").filter { ($0["body"]?.stringValue ?? "").contains("a reminder") }
        #expect(textReminders.compactMap { $0["to"]?.stringValue } == ["+447700900005"])
        #expect(spool(dir, "letters").count == 2)

        let results = try sendctl(["questionnaires", "results", "1", "--json"], dir)
        let parsed = try JSONValue.parse(Array(results.out.utf8))
        #expect(parsed["answered"]?.intValue == 3 && parsed["asked"]?.intValue == 7)
        dir.remove()
    }

    @Test("importing 1,000 rows with 3 bad ones through sendctl, in chunks: 997 imported, the 3 lines named; a second import changes nothing")
    func importThroughSendctl() throws {
        let dir = TestDirectory()
        let comms = try start(dir, [:])
        defer { comms.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        let path = "\(dir.path)/families.csv"
        try write(generatedFamilies(1000, bad: [17: ("email", "not-an-email"), 230: ("ehc_plan", "maybe"), 871: ("mobile", "12345")]), to: path)
        let first = try sendctl(["families", "import", path, "--chunk-rows", "300"], dir)
        #expect(first.status == 65)
        #expect(first.out.contains("1000 rows, 997 imported, 3 rejected"))
        #expect(first.out.contains("families: 997 created, 0 updated"))
        let lines = first.out.split(separator: "\n").filter { $0.first?.isNumber == true }.map { String($0.prefix { $0.isNumber }) }
        #expect(lines == ["18", "231", "872"])
        let second = try sendctl(["families", "import", path, "--chunk-rows", "300", "--json"], dir)
        let r = try JSONValue.parse(Array(second.out.utf8))
        #expect(r["imported"]?.intValue == 997 && r["families_created"]?.intValue == 0 && r["families_updated"]?.intValue == 0
                && r["children_created"]?.intValue == 0 && r["children_updated"]?.intValue == 0)
        #expect(try client.call(ServiceName.comms, "families.list", ["limit": 1])["total"]?.intValue == 997)
        dir.remove()
    }

    @Test("no event and no log line holds a family's name, email, phone number or address")
    func noPersonalDataInEventsOrLogs() throws {
        let dir = TestDirectory()
        let sink = try SMTPSink(directory: "\(dir.path)/mail")
        let comms = try start(dir, ["SEND_SMTP_URL": sink.url])
        defer { comms.stop(); sink.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        let secrets = ["Zephyrine", "Quillfeather", "zephyrine.quillfeather@example.org", "reject.quillfeather@example.org",
                       "7700900917", "07700 900917", "Xylophone Crescent", "Qwertyville", "QX9 9ZZ", "Marmaduke", "Bellwether",
                       "Quillfeather-bad-address", "Wibbleton enquiry", "Frobisher answer", "Snorkelwick"]
        try write(familiesCSV([
            "Z1,C1,yes,Zephyrine Quillfeather,zephyrine.quillfeather@example.org,07700 900917,\"17 Xylophone Crescent, Qwertyville, QX9 9ZZ\",email,yes,yes",
            "Z2,C2,yes,Marmaduke Bellwether,reject.quillfeather@example.org,07700 900918,,email,yes,no",
            "Z3,C3,yes,Marmaduke Bellwether,Quillfeather-bad-address,,,email,yes,no",
        ], header: Self.header), to: "\(dir.path)/families.csv")
        _ = try sendctl(["families", "import", "\(dir.path)/families.csv"], dir)
        _ = try sendctl(["questionnaires", "create", "--title", "Your say", "--closes", "2026-03-31", "--question", "free_text:What should change?"], dir)
        #expect(try sendctl(["questionnaires", "send", "1"], dir).status == 0)
        let token = sink.messages.compactMap { self.token(in: $0.body) }.first ?? ""
        #expect(try sendctl(["questionnaires", "respond", token, "--answer", "1=Snorkelwick", "--wants-updates"], dir).status == 0)
        #expect(try sendctl(["enquiries", "add", "--family", "Z1", "--text", "Wibbleton enquiry about Zephyrine"], dir).status == 0)
        #expect(try sendctl(["enquiries", "answer", "1", "--text", "Frobisher answer to Quillfeather"], dir).status == 0)
        #expect(waitUntil(timeout: 20) { sink.messages.count >= 3 })
        #expect(try sendctl(["families", "opt-out", "Z2", "--reason", "Marmaduke moved to Qwertyville"], dir).status == 0)
        #expect(try sendctl(["families", "show", "Z1"], dir).out.contains("Xylophone Crescent"))

        let events = try client.allEvents(ServiceName.comms)
        #expect(Set(events.map(\.type)).isSuperset(of: [EventType.familyImported, EventType.questionnaireCreated, EventType.dispatchStarted,
                                                        EventType.dispatchCompleted, EventType.messageFailed, EventType.responseReceived,
                                                        EventType.enquiryReceived, EventType.enquiryAnswered]))
        let eventText = events.map { $0.json.jsonString }.joined(separator: "\n")
        comms.stop()
        let log = comms.output
        #expect(log.contains("comms ready"))
        #expect(log.contains("permanent-failure"))
        for secret in secrets {
            #expect(!eventText.lowercased().contains(secret.lowercased()), "an event holds '\(secret)'")
            #expect(!log.lowercased().contains(secret.lowercased()), "the log holds '\(secret)'")
        }
        dir.remove()
    }

    @Test("deploy/demo/load-families loads the demo families into a running service")
    func demoLoader() throws {
        let dir = TestDirectory()
        let comms = try start(dir, [:])
        defer { comms.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        let load = try ChildRun.run(repositoryRoot.appendingPathComponent("deploy/demo/load-families").path, [],
                                    // The loader presents the stack's key, from the data directory it is given.
                                    environment: ["SEND_RUN_DIR": dir.run, "SEND_DATA_DIR": dir.data, "SENDCTL": Binaries.path("sendctl")],
                                    timeout: 120)
        #expect(load.status == 0, "\(load.stderr)")
        #expect(try client.call(ServiceName.comms, "families.list", ["limit": 1])["total"]?.intValue == 40)
        dir.remove()
    }

    @Test("with no relay configured, email is written to the spool")
    func emailSpoolByDefault() throws {
        let dir = TestDirectory()
        let comms = try start(dir, [:])
        defer { comms.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        _ = try client.call(ServiceName.comms, "families.import", ["csv": .string(familiesCSV([
            "A1,C1,yes,,a1@example.org,,,email,yes,no", "A2,C2,yes,,a2@example.org,,,email,yes,no",
        ], header: Self.header))])
        _ = try client.call(ServiceName.comms, "questionnaires.create", questionnaire())
        _ = try client.call(ServiceName.comms, "questionnaires.send", ["questionnaire_id": 1])
        #expect(waitUntil(timeout: 20) { dispatchDone(client, 1) })
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir.data)/spool/email")) ?? []
        #expect(files.sorted() == ["sp-1.eml", "sp-2.eml"])
        let mail = SMTPSink.parse(try String(contentsOfFile: "\(dir.data)/spool/email/sp-1.eml", encoding: .utf8))
        #expect(mail.headers["to"] == "a1@example.org" && mail.reference == "sp-1")
        dir.remove()
    }

    @Test("killed while delivering: after a restart every family gets its email, and repeats stay within the documented window")
    func killedWhileDelivering() throws {
        let dir = TestDirectory()
        let sink = try SMTPSink(directory: "\(dir.path)/mail")
        let env = ["SEND_SMTP_URL": sink.url, "SEND_RATE_LIMIT_PER_MINUTE": "1200", "SEND_SENDING_RECHECK_SECONDS": "1"]
        var comms = try start(dir, env)
        defer { sink.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        let count = 60
        _ = try client.call(ServiceName.comms, "families.import", ["csv": .string(familiesCSV((1...count).map {
            "K\($0),C\($0),yes,,k\($0)@example.org,,,email,yes,no"
        }, header: Self.header))])
        _ = try client.call(ServiceName.comms, "questionnaires.create", questionnaire())
        _ = try client.call(ServiceName.comms, "questionnaires.send", ["questionnaire_id": 1])
        #expect(waitUntil(timeout: 20) { sink.messages.count >= 10 })
        comms.signal(SIGKILL)
        comms.waitForExit()
        comms = try start(dir, env)
        defer { comms.stop() }
        #expect(client.waitReady(ServiceName.comms))
        #expect(waitUntil(timeout: 60) { dispatchDone(client, 1) })
        let received = sink.messages.map(\.to)
        #expect(Set(received) == Set((1...count).map { "k\($0)@example.org" }))
        #expect(received.count <= count + 20, "\(received.count - count) repeats")
        let shown = try client.call(ServiceName.comms, "dispatches.show", ["dispatch_id": 1])
        #expect(shown["by_status"]?["delivered"]?.intValue == Int64(count))
        dir.remove()
    }
}
