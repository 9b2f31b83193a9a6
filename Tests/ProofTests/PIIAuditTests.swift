import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Personal data stays in comms: distinctive names, addresses, emails and phone numbers go into the
/// comms service through every path that handles them (import, questionnaire and reply, delivery
/// through a real SMTP server with a refused address, an enquiry escalated and answered, an update
/// published, an opt-out with a reason), with the whole stack running. None of it may appear in
/// any event of any service, any notification, any log, any other service's database, or any
/// report; only comms' own database (and delivery output) and the `families` commands hold it.
@Suite("PII audit: personal data never leaves the comms service", .serialized)
struct PIIAuditTests {
    /// Every marker, in every form a service could write it.
    static let markers = ["Zebedee", "Quux", "zq7781", "07700 900781", "07700900781", "447700900781", "7700 900781",
                          "07700 900782", "447700900782", "ZQ77 8QX", "ZQ77 8QY", "Zebedeeton"]

    static let csv = """
        family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates
        PII-F1,PII-C1,yes,Zebedee-Quux-7781,zq7781@example.org,07700 900781,"77 Quux Lane, Zebedeeton, ZQ77 8QX",email,yes,yes
        PII-F2,PII-C2,yes,Zebedee-Quux-7781 Senior,zq7781-reject@example.org,07700 900782,"78 Quux Lane, Zebedeeton, ZQ77 8QY",email,yes,yes
        PII-F3,PII-C3,maybe,Zebedee-Quux-7781 Junior,not-an-email-zq7781,07700 900783,"79 Quux Lane, Zebedeeton, ZQ77 8QZ",email,yes,no

        """

    @Test("distinctive personal data seeded into comms appears in no event, notification, log, other database or report")
    func personalDataStaysInComms() throws {
        let dir = TestDirectory()
        let sink = try SMTPSink(directory: "\(dir.path)/mail")
        defer { sink.stop() }
        let stack = try ProofStack(directory: dir, environment: [
            "SEND_SMTP_URL": sink.url, "SEND_ENQUIRY_CHECK_SECONDS": "1", "SEND_OVERDUE_INTERVAL": "1", "SEND_RETRY_BASE_SECONDS": "1",
        ])
        var keep = true  // a failing audit leaves its directory for inspection
        defer { stack.finish(keep: keep) }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        let c = stack.client
        let comms = ServiceName.comms

        // The findings and the board's plan, so that an action can complete and comms draft an update.
        _ = try c.call(ServiceName.findings, "findings.import", try demoReport(), timeout: 30)
        #expect(c.waitSettled())
        let plan = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/board-plan.json"))))
        _ = try c.call(ServiceName.board, "plan.import", plan, timeout: 30)

        // Families: the demo ones and three with markers (one row refused, its bad cell holding a marker).
        let demo = try String(contentsOfFile: "\(repositoryRoot)/deploy/demo/families.csv", encoding: .utf8)
        _ = try c.call(comms, "families.import", ["csv": .string(demo)], timeout: 30)
        let imported = try c.call(comms, "families.import", ["csv": .string(Self.csv)], timeout: 30)
        #expect(imported["imported"]?.intValue == 2 && imported["rejected_rows"]?.intValue == 1, "\(imported)")

        // A questionnaire sent to everyone (PII-F2's email is refused by the relay: message.failed, then its mobile).
        let q = try c.call(comms, "questionnaires.create", [
            "title": "Your say on SEND", "anonymous": false, "closes": "2026-03-31",
            "questions": [["kind": "scale", "text": "How well were you listened to?", "required": true],
                          ["kind": "yes_no", "text": "Do you know who to contact?"]],
        ])
        let questionnaire = try #require(q["questionnaire_id"]?.intValue)
        let sent = try c.call(comms, "questionnaires.send", ["questionnaire_id": .int(questionnaire)])
        let dispatch = try #require(sent["dispatch_id"]?.intValue)
        #expect(waitUntil(timeout: 60, interval: 0.2) {
            (try? c.call(comms, "dispatches.show", ["dispatch_id": .int(dispatch)])["pending"]?.intValue) == 0
        }, "the questionnaire was not delivered")
        // PII-F1 answers through the link in the email the relay received.
        let mail = try #require(sink.texts.first { $0.contains("X-Envelope-To: zq7781@example.org") })
        let unfolded = mail.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
        let token = try #require(unfolded.range(of: "respond/[0-9a-f]{32}", options: .regularExpression)
            .map { String(unfolded[$0].dropFirst("respond/".count)) })
        _ = try c.call(comms, "questionnaires.respond", ["token": .string(token), "wants_updates": true,
                                                       "answers": [["question": 1, "value": 4], ["question": 2, "value": "yes"]]])

        // An enquiry received a month ago: escalated (answer-by passed), then answered.
        let enquiry = try c.call(comms, "enquiries.add", ["family_ref": "PII-F1", "via": "phone", "received_on": "2026-02-02",
                                                         "text": "Zebedee-Quux-7781 asks about the autism pathway; call 07700 900781 or write to 77 Quux Lane, ZQ77 8QX"])
        let enquiryID = try #require(enquiry["enquiry_id"]?.intValue)
        #expect(waitUntil(timeout: 30, interval: 0.2) {
            (try? c.allEvents(comms))?.contains { $0.type == EventType.enquiryEscalated } == true
        }, "the enquiry was not escalated")
        _ = try c.call(comms, "enquiries.answer", ["enquiry_id": .int(enquiryID),
                                                  "text": "Dear Zebedee-Quux-7781, the new pathway opens in April. We will ring 07700 900781."])

        // A web enquiry through the families' door, typed as a parent types it, and an answer through its form.
        let http = try #require(try c.call(ServiceName.portal, "health")["http"]?.stringValue)
        let portal = try #require(http.split(separator: ":").last.flatMap { Int($0) })
        let form = try HTTP.request("GET", port: portal, path: "/enquiries/new")
        let csrf = try #require(form.cookie("csrf"))
        let web = try HTTP.request("POST", port: portal, path: "/enquiries/new",
                                   headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "csrf=\(csrf)"],
                                   body: HTTP.form([("csrf", csrf), ("submission", try #require(form.field("submission"))),
                                                    ("name", "Zebedee-Quux-7781 Web"), ("reply_by", "email"), ("email", "zq7781@example.org"),
                                                    ("text", "Zebedee-Quux-7781 asks on the web about 77 Quux Lane, ZQ77 8QX")]))
        #expect(web.status == 303, "the web enquiry was not taken: \(web.status) \(web.text)")

        // An action completes on the board; comms drafts "you said, we did"; it is edited and published.
        _ = try c.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "in_progress"])
        _ = try c.call(ServiceName.board, "actions.update", ["action_id": "A-0001", "status": "completed"])
        #expect(waitUntil(timeout: 30, interval: 0.1) {
            ((try? c.call(comms, "updates.list")["updates"]?.arrayValue) ?? []).isEmpty == false
        }, "comms drafted no update")
        let update = try #require(try c.call(comms, "updates.list")["updates"]?.arrayValue?.first?["update_id"]?.intValue)
        _ = try c.call(comms, "updates.edit", ["update_id": .int(update), "title": "The autism pathway now follows NICE guidance",
                                              "body": "Dear ((name)), you told us the autism pathway was too slow. It now follows NICE guidance."])
        let published = try c.call(comms, "updates.publish", ["update_id": .int(update)])
        if let d = published["dispatch_id"]?.intValue {
            #expect(waitUntil(timeout: 60, interval: 0.2) {
                (try? c.call(comms, "dispatches.show", ["dispatch_id": .int(d)])["pending"]?.intValue) == 0
            })
        }
        _ = try c.call(comms, "families.opt_out", ["family_ref": "PII-F2", "reason": "Zebedee-Quux-7781 Senior phoned from 07700 900782"])

        #expect(c.waitSettled(), "the followers did not catch up")
        #expect(FuzzTests.waitQuiet(c, comms))
        #expect(c.waitSettled())

        // The markers went in: comms holds them, and so do the families commands and the relay.
        let family = try c.call(comms, "families.show", ["family_ref": "PII-F1"]).jsonString
        #expect(!containsAny(family, ["Zebedee-Quux-7781", "zq7781@example.org", "ZQ77 8QX"]).isEmpty, "the control failed: \(family)")
        let commsBytes = files(under: stack.dir.data).filter { $0.contains("/comms.sqlite") }
            .map { String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: $0))) ?? Data(), as: UTF8.self) }.joined()
        #expect(commsBytes.contains("zq7781@example.org"), "the control failed: comms' database does not hold the email")
        #expect(sink.texts.contains { $0.contains("Zebedee-Quux-7781") }, "the control failed: the relay got no message with the name")

        var leaks: [String] = []
        var scanned: [String] = []
        func audit(_ what: String, _ text: String) {
            scanned.append(what)
            let found = containsAny(text, Self.markers)
            if !found.isEmpty { leaks.append("\(what): \(found.joined(separator: ", "))") }
        }
        // Every event of every service, and every notification.
        var eventCounts: [String] = []
        for service in ServiceName.managed + [ServiceName.supervisor] {
            let events = try c.allEvents(service)
            eventCounts.append("\(service) \(events.count)")
            for e in events { audit("event \(service) #\(e.seq) \(e.type)", e.json.jsonString) }
        }
        #expect(try c.allEvents(comms).contains { $0.type == EventType.messageFailed }, "no message.failed: the refused address was not exercised")
        var after: Int64 = 0
        while true {
            let page = try c.call(ServiceName.notifications, "notifications.list", ["after": .int(after), "limit": 1000])
            let items = page["notifications"]?.arrayValue ?? []
            for n in items { audit("notification #\(n["seq"]?.intValue ?? 0)", n.jsonString) }
            guard let next = page["next_after"]?.intValue, !items.isEmpty, next > after else { break }
            after = next
        }
        // The scheduled reports (board pack, public progress page, their CSV files) land in <data>/reports.
        let reportEnv = ["SEND_RUN_DIR": stack.dir.run, "SEND_DATA_DIR": stack.dir.data, "SEND_TODAY": proofToday,
                         "SEND_BIN_DIR": Binaries.directory]
        let reportsScript = "\(repositoryRoot)/deploy/reports"
        if FileManager.default.isExecutableFile(atPath: reportsScript) {
            let written = try runTool(reportsScript, [], environment: reportEnv, directory: dir, timeout: 120)
            #expect(written.status == 0, "deploy/reports failed:\n\(written.output)")
            let reportFiles = files(under: "\(stack.dir.data)/reports")
            #expect(reportFiles.contains { $0.hasSuffix("board-pack.html") } && reportFiles.contains { $0.hasSuffix("progress.html") },
                    "no reports were written: \(reportFiles)")
        }
        // Every file of the data directory but comms' database and its delivery spool: logs, the other databases
        // and journals, the reports.
        for path in files(under: stack.dir.data) where !path.contains("/comms.sqlite") && !path.contains("/spool/") {
            audit(path.replacingOccurrences(of: stack.dir.data, with: "<data>"),
                  String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self))
        }
        audit("the supervisor's log", stack.supervisor.output)
        // Reports: every sendctl report that is not a families command, as text and as JSON.
        let env = ["SEND_RUN_DIR": stack.dir.run, "SEND_DATA_DIR": stack.dir.data, "SEND_TODAY": proofToday, "NO_COLOR": "1"]
        let reports: [[String]] = [
            ["status"], ["health", "findings"], ["health", "board"], ["health", "comms"], ["health", "notifications"],
            ["notifications", "list", "--limit", "10000"], ["findings", "list"], ["inspections", "list"],
            ["inspections", "show", "INS-lancashire-2017"], ["actions", "list"], ["actions", "show", "A-0001"], ["actions", "coverage"],
            ["actions", "overdue"], ["actions", "exceptions"], ["kpis", "list"], ["plan", "status"], ["board", "members"],
            ["board", "meetings"], ["board", "decisions"], ["questionnaires", "list"], ["questionnaires", "show", String(questionnaire)],
            ["questionnaires", "results", String(questionnaire)], ["updates", "list"], ["updates", "show", String(update)],
            ["enquiries", "list", "--status", "all"],
        ]
        var failedReports: [String] = []
        for report in reports {
            for variant in [report, report + ["--json"]] {
                let run = try runTool(Binaries.path("sendctl"), variant, environment: env, directory: dir, timeout: 30)
                if run.status != 0 { failedReports.append("sendctl \(variant.joined(separator: " ")): exit \(run.status): \(run.output.prefix(300))") }
                audit("sendctl \(variant.joined(separator: " "))", run.output)
            }
        }
        #expect(failedReports.isEmpty, "reports that did not run:\n\(failedReports.joined(separator: "\n"))")
        // A subscriber printing the whole notification log.
        let subscriber = try runTool(Binaries.path("sendctl"), ["subscribe", "--from-start", "--json"], environment: env, directory: dir,
                                     timeout: 3, stopSignal: SIGINT)
        audit("sendctl subscribe --from-start --json", subscriber.output)
        #expect(subscriber.output.contains("enquiry.escalated"), "the subscriber printed nothing useful:\n\(subscriber.output.prefix(500))")

        print("PII audit: scanned \(scanned.count) events, notifications, files and reports (events: \(eventCounts.joined(separator: ", "))); "
              + "\(leaks.count) leaks")
        #expect(leaks.isEmpty, "personal data outside comms:\n\(leaks.joined(separator: "\n"))")
        keep = !(leaks.isEmpty && failedReports.isEmpty)
    }
}
