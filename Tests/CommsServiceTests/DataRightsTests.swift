import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// The families' data rights with the real `parent-comms` process and the real `sendctl`: a
/// subject access request (`families export`), an erasure (`families erase`) and retention.
@Suite("Data rights: export, erase and retention with real processes")
struct DataRightsTests {
    static let header = "family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates"

    /// The distinctive values seeded for family Z1: every one must be in its export, and none anywhere after erasure.
    static let name = "Zebedee Quixotewell"
    static let email = "zebedee.quixotewell@example.org"
    static let mobile = "7700900871"  // stored +447700900871
    static let address = "17 Marmalade Lane, Quibbleton, QB1 7ZZ"
    static let enquiry = "Could the Quibbleton minibus pick up from Marmalade Lane"
    static let answer = "Yes, from the week of the ninth the minibus stops at Marmalade Lane"
    static let freeText = "Ask Mrs Wobblethorpe about the transport rota"
    static let optOutReason = "Too many letters about Quibbleton"
    static let anonymousText = "Anonymous penguin remark about Quibbleton"
    static let values = [name, email, mobile, address, enquiry, answer, freeText, optOutReason]

    func start(_ dir: TestDirectory, _ env: [String: String] = [:]) throws -> ServiceProcess {
        var environment = ["SEND_TODAY": "2026-03-02", "SEND_LOG_LEVEL": "trace", "SEND_RATE_LIMIT_PER_MINUTE": "0"]
        for (k, v) in env { environment[k] = v }
        return try ServiceProcess("parent-comms", dir.flags, directory: dir, environment: environment)
    }

    func write(_ text: String, to path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    func read(_ path: String) -> [UInt8] { (FileManager.default.contents(atPath: path)).map { Array($0) } ?? [] }

    func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty, haystack.count >= n.count else { return false }
        for i in 0...(haystack.count - n.count) where haystack[i] == n[0] && Array(haystack[i..<(i + n.count)]) == n { return true }
        return false
    }

    func dispatchDone(_ client: TestClient, _ id: Int64) -> Bool {
        (try? client.call(ServiceName.comms, "dispatches.show", ["dispatch_id": .int(id)]))?["completed_at"]?.isNull == false
    }

    /// The printed results without the free-text answers themselves (lines "  - …").
    func counts(_ printed: String) -> [String] { printed.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("  - ") } }

    @Test("export holds every seeded value in the JSON and the page, not anonymous answers; after erase no value is in comms.sqlite, its WAL, the log, the spool, a new export, a new backup or the results, whose counts are unchanged; the event has ids and counts only; bad input changes nothing")
    func exportAndErase() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let comms = try start(dir)
        defer { comms.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))

        try write(familiesCSV([
            "Z1,C1,yes,\(Self.name),\(Self.email),0\(Self.mobile),\"\(Self.address)\",email,yes,no",
            "Z1,C2,no,\(Self.name),\(Self.email),0\(Self.mobile),\"\(Self.address)\",email,yes,no",
            "Y2,C3,yes,Other Parent,other.parent@example.org,,,email,yes,no",
        ], header: Self.header), to: "\(dir.path)/families.csv")
        let imported = try sendctl(["families", "import", "\(dir.path)/families.csv"], dir)
        #expect(imported.status == 0, "\(imported.err)")

        // A named questionnaire and an anonymous one, both answered by Z1 and Y2.
        for (title, anonymous) in [("Getting to school", false), ("Your say in confidence", true)] {
            let created = try sendctl(["questionnaires", "create", "--title", title, "--closes", "2026-03-31"] + (anonymous ? ["--anonymous"] : [])
                + ["--question", "scale*:How easy is the journey?", "--question", "single_choice:Which day suits?:Monday|Friday",
                   "--question", "free_text:Anything else?"], dir)
            #expect(created.status == 0, "\(created.err)")
        }
        for q in [1, 2] {
            let sent = try sendctl(["questionnaires", "send", "\(q)"], dir)
            #expect(sent.status == 0, "\(sent.err)")
        }
        #expect(waitUntil(timeout: 20) { dispatchDone(client, 1) && dispatchDone(client, 2) })
        // Each family's two emails: the first link is questionnaire 1's (the spool is read in order of sending).
        let tokens = try [Self.email, "other.parent@example.org"].map { address -> [String] in
            let path = "\(dir.data)/spool/email"
            let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".eml") }
                .sorted { Int($0.dropFirst(3).prefix { $0.isNumber }) ?? 0 < Int($1.dropFirst(3).prefix { $0.isNumber }) ?? 0 }
            return try files.compactMap { file -> String? in
                let text = try String(contentsOfFile: "\(path)/\(file)", encoding: .utf8)
                guard text.contains(address), let r = text.range(of: "respond/") else { return nil }
                return String(text[r.upperBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber) })
            }
        }
        #expect(tokens.map(\.count) == [2, 2], "\(tokens)")
        for (family, t) in tokens.enumerated() {
            let named = try sendctl(["questionnaires", "respond", t[0], "--answer", "1=\(family == 0 ? 4 : 2)", "--answer", "2=Friday",
                                     "--answer", "3=\(family == 0 ? Self.freeText : "Other words")"], dir)
            #expect(named.status == 0, "\(named.err)")
            let anonymous = try sendctl(["questionnaires", "respond", t[1], "--answer", "1=5", "--answer",
                                         "3=\(family == 0 ? Self.anonymousText : "More other words")"], dir)
            #expect(anonymous.status == 0, "\(anonymous.err)")
        }
        let enquiry = try client.call(ServiceName.comms, "enquiries.add", ["family_ref": "Z1", "text": .string(Self.enquiry)])
        let enquiryID = try #require(enquiry["enquiry_id"]?.intValue)
        _ = try client.call(ServiceName.comms, "enquiries.answer", ["enquiry_id": .int(enquiryID), "text": .string(Self.answer)])
        #expect(waitUntil(timeout: 20) {
            let messages = (try? client.call(ServiceName.comms, "families.show", ["family_ref": "Z1"]))?["family"]?["messages"]?.arrayValue ?? []
            return messages.count == 4 && messages.allSatisfy { $0["status"]?.stringValue == "delivered" }
        })
        #expect(try sendctl(["families", "opt-out", "Z1", "--reason", Self.optOutReason], dir).status == 0)

        // The subject access request: every value, in the JSON and in the page; no anonymous answer.
        let out = "\(dir.path)/export"
        let exported = try sendctl(["families", "export", "Z1", "--out", out], dir)
        #expect(exported.status == 0, "\(exported.err)")
        #expect(exported.out.contains("wrote \(out)/Z1.json and \(out)/Z1.html (readable by you only)"), "\(exported.out)")
        #expect(exported.out.contains("4 messages, 1 named reply, 1 enquiry; answers to anonymous questionnaires cannot be linked"), "\(exported.out)")
        let json = try String(contentsOfFile: "\(out)/Z1.json", encoding: .utf8)
        let html = try String(contentsOfFile: "\(out)/Z1.html", encoding: .utf8)
        for value in Self.values + ["C1", "C2", "Getting to school", "How easy is the journey?", "Anything else?", "Friday"] {
            #expect(json.contains(value), "the JSON export lacks \(value)")
            #expect(html.contains(value), "the HTML export lacks \(value)")
        }
        for text in [json, html] {
            #expect(!text.contains(Self.anonymousText) && !text.contains("Other words") && !text.contains("other.parent"))
        }
        for path in ["\(out)/Z1.json", "\(out)/Z1.html"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(path) has mode \(String(mode, radix: 8))")
        }
        #expect(html.contains("<html lang=\"en") && !html.contains("<script"))
        #expect(html.contains("<h1>The information we hold about you</h1>"))
        #expect(html.contains("<caption>Every message we sent you or tried to send</caption>"))
        #expect(html.contains("<caption>Your answers to Getting to school, received "))
        #expect(html.contains("Answers to anonymous questionnaires are not included. They are stored with no name, reference, link or time"))
        #expect(html.contains("Asked us to stop sending messages</dt><dd>Yes, on "))

        let resultsBefore = try [1, 2].map { try sendctl(["questionnaires", "results", "\($0)"], dir) }
        #expect(resultsBefore.allSatisfy { $0.status == 0 })
        #expect(resultsBefore[0].out.contains("  - \(Self.freeText)"), "\(resultsBefore[0].out)")
        #expect(resultsBefore[0].out.contains("answered 2 of 2"), "\(resultsBefore[0].out)")

        // Bad input: a clear error, and nothing changes.
        let noReason = try sendctl(["families", "erase", "Z1"], dir)
        #expect(noReason.status == 64)
        #expect(noReason.err.contains("--reason is required: say why the family's data is erased"), "\(noReason.err)")
        let blank = #expect(throws: ServiceError.self) {
            try client.call(ServiceName.comms, "families.erase", ["family_ref": "Z1", "reason": " "])
        }
        #expect(blank?.code == .invalid && blank?.message.contains("reason: is required") == true, "\(String(describing: blank))")
        let unknown = try sendctl(["families", "erase", "NOPE9", "--reason", "asked"], dir)
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("no family or web enquirer has the reference NOPE9"), "\(unknown.err)")
        let unchanged = try client.call(ServiceName.comms, "families.export", ["family_ref": "Z1"])
        #expect(unchanged["contact"]?["name"]?.stringValue == Self.name && unchanged["erasure"]?.objectValue == nil)

        // Before: the raw files hold every value (so the search below can find them).
        let database = "\(dir.data)/comms.sqlite"
        let before = read(database) + read("\(database)-wal")
        #expect(Self.values.allSatisfy { contains(before, $0) }, "missing before erasure: \(Self.values.filter { !contains(before, $0) })")
        // A backup taken before the erasure holds the values (and keeps them until it is pruned).
        func backup(_ name: String) throws -> [UInt8] {
            let out = "\(dir.path)/\(name)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let copy = try client.call(ServiceName.comms, "backup", ["dir": .string(out)], timeout: 60, attempts: 1)
            return read("\(out)/\(copy["file"]?.stringValue ?? "comms.sqlite")")
        }
        let olderBackup = try backup("backup-before")
        #expect(Self.values.allSatisfy { contains(olderBackup, $0) }, "a backup before the erasure lacks \(Self.values.filter { !contains(olderBackup, $0) })")

        // The erasure.
        let erased = try sendctl(["families", "erase", "Z1", "--reason", "The family asked on 2 March 2026"], dir)
        #expect(erased.status == 0, "\(erased.err)")
        for line in ["family Z1 erased:", "  5 contact details (name, email, mobile, address, opt-out reason)", "  2 children's references",
                     "  1 enquiry (text and answer)", "  1 named reply: 2 answers kept without a name, 1 free-text answer deleted",
                     "erased values are overwritten in the database (secure_delete is on)",
                     "backups taken before now still hold the family's data until they are pruned (sendctl backup --keep)"] {
            #expect(erased.out.contains(line), "the erasure did not print \(line):\n\(erased.out)")
        }
        #expect(erased.out.contains("the words of 4 messages"), "\(erased.out)")
        let again = try sendctl(["families", "erase", "Z1", "--reason", "again"], dir)
        #expect(again.out.contains("family Z1 was already erased on "), "\(again.out)")

        // The event: ids and counts only.
        let events = try client.call(ServiceName.comms, "events.since", ["after": 0, "limit": 1000])["events"]?.arrayValue ?? []
        let erasure = try #require(events.first { $0["type"]?.stringValue == EventType.familyErased })
        let data = try #require(erasure["data"])
        #expect(Set(data.objectValue?.keys.map { $0 } ?? []) == ["family_id", "kind", "counts"])
        #expect(data["counts"]?["replies"]?.intValue == 1 && data["counts"]?["contact_details"]?.intValue == 5)
        let eventText = erasure.jsonString
        for value in Self.values + ["Z1", "The family asked"] { #expect(!eventText.contains(value), "the event holds \(value)") }

        // The counts are the same; the erased free text is no longer listed.
        let resultsAfter = try [1, 2].map { try sendctl(["questionnaires", "results", "\($0)"], dir) }
        #expect(counts(resultsAfter[0].out) == counts(resultsBefore[0].out), "before:\n\(resultsBefore[0].out)\nafter:\n\(resultsAfter[0].out)")
        #expect(resultsAfter[1].out == resultsBefore[1].out)
        #expect(!resultsAfter[0].out.contains(Self.freeText) && resultsAfter[0].out.contains("  - Other words"))

        // A fresh export says the data was erased and holds none of it.
        let after = try sendctl(["families", "export", "Z1", "--out", "\(dir.path)/after"], dir)
        #expect(after.status == 0, "\(after.err)")
        #expect(after.out.contains("family Z1 was erased on "), "\(after.out)")
        let afterHTML = try String(contentsOfFile: "\(dir.path)/after/Z1.html", encoding: .utf8)
        #expect(afterHTML.contains("Your personal details were erased on"))
        let afterBytes = read("\(dir.path)/after/Z1.json") + Array(afterHTML.utf8)

        // The raw bytes: the database, its WAL (emptied after the erasure), the log, the spool.
        var spool: [UInt8] = []
        for sub in ["email", "sms", "letters"] {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: "\(dir.data)/spool/\(sub)")) ?? [] {
                spool += read("\(dir.data)/spool/\(sub)/\(file)")
            }
        }
        let clean = waitUntil(timeout: 10, interval: 0.1) {
            let files = read(database) + read("\(database)-wal")
            return !Self.values.contains { contains(files, $0) }
        }
        #expect(clean, "comms.sqlite or its WAL still holds: \(Self.values.filter { contains(read(database) + read("\(database)-wal"), $0) })")
        let log = Array(comms.output.utf8)
        let newerBackup = try backup("backup-after")
        #expect(newerBackup.count > 4096, "the backup after the erasure is \(newerBackup.count) bytes")
        for value in Self.values {
            #expect(!contains(newerBackup, value), "a backup taken after the erasure holds \(value)")
            #expect(!contains(log, value), "the service's log holds \(value)")
            #expect(!contains(spool, value), "a spool file holds \(value)")
            #expect(!contains(afterBytes, value), "the export after erasure holds \(value)")
            #expect(!contains(Array((resultsAfter[0].out + resultsAfter[1].out).utf8), value), "the results hold \(value)")
        }
        // The other family is untouched.
        #expect(try client.call(ServiceName.comms, "families.export", ["family_ref": "Y2"])["contact"]?["name"]?.stringValue == "Other Parent")

        // A re-import of the erased family is refused, saying so.
        let reimport = try sendctl(["families", "import", "\(dir.path)/families.csv"], dir)
        #expect(reimport.status == 65)
        #expect(reimport.out.contains("this family's data was erased on "), "\(reimport.out)")
        #expect(reimport.out.contains("3 rows, 1 imported, 2 rejected"), "\(reimport.out)")
    }

    @Test("retention: on a later day the daily job erases the family whose children's plans all ended over 2 years ago and the web enquirer answered over 365 days ago, announces the count, and keeps the others; an enquirer's export works")
    func retention() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var comms = try start(dir, ["SEND_RETENTION_CHECK_SECONDS": "0.2"])
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady(ServiceName.comms))
        try write(familiesCSV([
            "R1,C1,no,Rowan Oldplan,rowan.oldplan@example.org,,,email,yes,no,2023-01-15",
            "R1,C2,no,Rowan Oldplan,rowan.oldplan@example.org,,,email,yes,no,2023-06-30",
            "R2,C3,no,Robin Mixed,robin.mixed@example.org,,,email,yes,no,2023-01-15",
            "R2,C4,yes,Robin Mixed,robin.mixed@example.org,,,email,yes,no,",
            "R3,C5,no,Reese Recent,reese.recent@example.org,,,email,yes,no,2025-12-01",
        ], header: Self.header + ",ehc_plan_ended"), to: "\(dir.path)/families.csv")
        let imported = try sendctl(["families", "import", "\(dir.path)/families.csv"], dir)
        #expect(imported.status == 0, "\(imported.err)\(imported.out)")
        try write(familiesCSV(["R9,C9,no,,,,,,yes,no,2023-13-45"], header: Self.header + ",ehc_plan_ended"), to: "\(dir.path)/bad.csv")
        let badDate = try sendctl(["families", "import", "\(dir.path)/bad.csv"], dir)
        #expect(badDate.out.contains("ehc_plan_ended") && badDate.out.contains("must be a date, YYYY-MM-DD (or empty)"), "\(badDate.out)")

        let receipt = try client.call(ServiceName.comms, PortalCommand.enquiryAdd, [
            "name": "Webby Asker", "reply_by": "email", "reply_to": "webby.asker@example.org", "text": "When is the next forum meeting"])
        let id = try #require(receipt["reference"]?.stringValue.flatMap { Int64($0.dropFirst(2)) })
        _ = try client.call(ServiceName.comms, "enquiries.answer", ["enquiry_id": .int(id), "text": "On the first Monday of April"])
        let enquirers = try client.call(ServiceName.comms, "families.list", ["kind": "enquirer"])["families"]?.arrayValue ?? []
        let web = try #require(enquirers.first?["family_ref"]?.stringValue)
        let exported = try sendctl(["families", "export", web, "--out", "\(dir.path)/web"], dir)
        #expect(exported.status == 0, "\(exported.err)")
        let page = try String(contentsOfFile: "\(dir.path)/web/\(web).html", encoding: .utf8)
        #expect(page.contains("Webby Asker") && page.contains("When is the next forum meeting") && page.contains("On the first Monday of April"))
        #expect(page.contains("you contacted us through our website") && !page.contains("Your children"))
        // Today nothing is past retention.
        #expect(try client.call(ServiceName.comms, "families.show", ["family_ref": "R1"])["family"]?["erased_at"]?.isNull == true)
        comms.stop()

        // A year later: R1's plans both ended over two years ago; R2 has a child with a plan; R3's ended three months before.
        comms = try start(dir, ["SEND_RETENTION_CHECK_SECONDS": "0.2", "SEND_TODAY": "2027-03-10"])
        defer { comms.stop() }
        #expect(client.waitReady(ServiceName.comms))
        var announced: JSONValue?
        #expect(waitUntil(timeout: 10, interval: 0.1) {
            let events = (try? client.call(ServiceName.comms, "events.since", ["after": 0, "limit": 1000]))?["events"]?.arrayValue ?? []
            announced = events.first { $0["type"]?.stringValue == EventType.retentionErased }?["data"]
            return announced != nil
        })
        #expect(announced?["families"]?.intValue == 1 && announced?["enquirers"]?.intValue == 1, "\(String(describing: announced))")
        #expect(announced?["plans_ended_before"]?.stringValue == "2025-03-10" && announced?["answered_before"]?.stringValue == "2026-03-10")
        func erased(_ ref: String) throws -> Bool {
            try client.call(ServiceName.comms, "families.show", ["family_ref": .string(ref)])["family"]?["erased_at"]?.isNull == false
        }
        #expect(try erased("R1") && erased(web))
        #expect(try !erased("R2") && !erased("R3"))
        let r1 = try client.call(ServiceName.comms, "families.export", ["family_ref": "R1"])
        #expect(r1["contact"]?["name"]?.stringValue == nil && r1["children"]?.arrayValue == [])
        let listed = try sendctl(["families", "list"], dir)
        #expect(listed.out.contains("2 of 2 families") && !listed.out.contains("Rowan"), "\(listed.out)")
        #expect(comms.output.contains("retention: erased 1 family and 1 web enquirer past retention"), "\(comms.output)")
    }
}
