import Foundation
import GRDB
import SendModel
import Testing
import TestSupport

/// A family answers: from the email's link in a real browser, from the code on a letter, once only.
@Suite("Answering a questionnaire")
struct AnsweringTests {
    @Test("the link in an SMTP-delivered email opens the form in Chromium; the answer is in the results; no token or answer in the portal's log")
    func emailLinkInBrowser() throws {
        let smtpDir = TestDirectory("portal-smtp")
        defer { smtpDir.remove() }
        let smtp = try SMTPSink(directory: smtpDir.path)
        defer { smtp.stop() }
        let stack = try PortalStack(environment: ["SEND_SMTP_URL": smtp.url])
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Avery Quillfeather,avery.quill@example.org,,,email",
                                  "F2,C2,yes,yes,Blake Examplewood,blake.ew@example.org,,,email"])
        let q = try stack.questionnaire(anonymous: false)
        #expect(waitUntil(timeout: 20) { smtp.messages.count >= 2 })
        let mail = try #require(smtp.messages.first { $0.to.contains("avery.quill@example.org") })
        #expect(mail.headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
        let unsubscribe = try #require(mail.headers["list-unsubscribe"])
        #expect(unsubscribe.hasPrefix("<\(stack.base)/stop/") && unsubscribe.hasSuffix(">"))
        #expect(!mail.body.localizedCaseInsensitiveContains("reply STOP"))
        let link = try stack.path(in: mail.body, "/respond/[0-9a-f]{32}")
        let token = String(link.dropFirst("/respond/".count))

        let shots = ProcessInfo.processInfo.environment["SEND_SCREENSHOTS_DIR"].map { "\($0)/portal" } ?? "\(stack.dir.path)/shots"
        let steps = """
            [{"goto": "\(link)"}, {"expect_status": 200}, {"expect_text": "Your say on SEND"},
             {"expect_text": "1. How well were you listened to? (required)"}, {"axe": true},
             {"fill": {"q2": "Speech and language therapy waits, quillfeather-distinct"}},
             {"submit": "Send my answers"}, {"expect_status": 422}, {"expect_text": "There is a problem"},
             {"expect_text": "Question 1: choose an answer"}, {"axe": true}, {"screenshot": "email-link-errors.png", "width": 375},
             {"check": {"q1": "4"}}, {"submit": "Send my answers"}, {"expect_status": 200},
             {"expect_text": "Your answers have been saved"}, {"axe": true}, {"screenshot": "email-link-thanks.png", "width": 375}]
            """
        let stepsPath = "\(stack.dir.path)/steps.json"
        try steps.write(toFile: stepsPath, atomically: true, encoding: .utf8)
        let walk = try python("Browser/browser_flow.py", ["--base", stack.base, "--screenshot-dir", shots, stepsPath], timeout: 180)
        #expect(walk.status == 0, "the browser walk failed:\n\(walk.output.suffix(4000))")

        let results = try stack.results(q)
        #expect(results["answered"]?.intValue == 1)
        let free = results["questions"]?.arrayValue?.last?["answers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(free == ["Speech and language therapy waits, quillfeather-distinct"])
        let printed = try stack.sendctl(["questionnaires", "results", String(q)])
        #expect(printed.output.contains("answered 1 of 2"), "\(printed.output)")

        let log = stack.portalLog
        #expect(log.contains("http.route=/respond/{key}") && log.contains("http.status=200"))
        for secret in [token, "quillfeather", "avery.quill", "Avery", "Speech and language"] {
            #expect(!log.contains(secret), "the portal's log holds '\(secret)'")
        }
    }

    @Test("the code printed on a letter, typed in any case with its hyphen, opens the form; a double submit records one answer; anonymous answers stay unlinkable")
    func letterCodeAndDoubleSubmit() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Casey Letterby,,,\"1 Example Road, Exampleton, EX1 2AB\",letter",
                                  "F2,C2,yes,yes,Drew Mailer,drew@example.org,,,email"])
        let q = try stack.questionnaire(anonymous: true)
        let letter = try stack.spooled("letters", to: "Exampleton", count: 1)
        #expect(letter.contains("1. How well were you listened to? (please answer this one)"), "\(letter)")
        #expect(letter.contains("go to \(stack.base)/respond and type your code"))
        #expect(letter.contains("phone us on 01632 960 123") || letter.contains("call 01632 960 123"))
        #expect(!letter.contains("enclosed"))
        let codeRange = try #require(letter.range(of: "Your code: [0-9A-Z]{5}-[0-9A-Z]{5}", options: .regularExpression))
        let code = String(letter[codeRange].suffix(11))

        #expect(try stack.get("/respond").status == 200)
        let miss = try stack.post("/respond", [("csrf", stack.cookie ?? ""), ("code", "ABCDE-FGHJK")])
        #expect(miss.status == 404 && miss.text.contains("We could not find that questionnaire"))
        let found = try stack.post("/respond", [("csrf", stack.cookie ?? ""), ("code", code.lowercased())])
        #expect(found.status == 303)
        let location = try #require(found.header("location"))
        #expect(location == "/respond/" + code.replacingOccurrences(of: "-", with: ""))
        let form = try stack.get(location)
        #expect(form.status == 200 && form.text.contains("Your say on SEND") && form.text.contains("Your answers are anonymous"))
        let submission = try #require(form.field("submission"))
        let answer = [("csrf", stack.cookie ?? ""), ("submission", submission), ("q1", "5"), ("q2", "More help at school")]
        let first = try stack.post(location, answer)
        #expect(first.status == 200 && first.text.contains("Your answers have been saved"))
        let again = try stack.post(location, answer)
        #expect(again.status == 200 && again.text.contains("You have already answered – thank you"))
        let other = try stack.post(location, [("csrf", stack.cookie ?? ""), ("submission", String(repeating: "a", count: 32)), ("q1", "1")])
        #expect(other.text.contains("You have already answered – thank you"))
        #expect(try stack.results(q)["answered"]?.intValue == 1)

        // Anonymous: the answers' table has nothing that could name a family, and no named response exists.
        let db = try DatabaseQueue(path: "\(stack.dir.data)/comms.sqlite", configuration: { var c = Configuration(); c.readonly = true; return c }())
        let columns = try db.read { try $0.columns(in: "anonymous_answers").map(\.name) }
        #expect(Set(columns) == ["questionnaire_id", "response_key", "position", "value", "support_group"])
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM responses") } == 0)
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM anonymous_answers WHERE questionnaire_id = ?", arguments: [q]) } == 2)
    }

    @Test("comms killed under a form submission: 503 that says NOT saved, nothing recorded; the retry of the same form records it once")
    func commsDownUnderSubmission() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Emery Stopwell,emery@example.org,,,email"])
        let q = try stack.questionnaire(anonymous: false)
        let mail = try stack.email(to: "emery@example.org", count: 1)
        let link = try stack.path(in: mail.body, "/respond/[0-9a-f]{32}")
        let form = try stack.get(link)
        let submission = try #require(form.field("submission"))
        let answer = [("csrf", stack.cookie ?? ""), ("submission", submission), ("q1", "3"), ("q2", "Shorter waits")]

        let comms = try #require(stack.pid("comms"))
        kill(comms, SIGSTOP)
        let down = try stack.post(link, answer)
        kill(comms, SIGKILL)
        #expect(down.status == 503)
        #expect(down.header("retry-after") == "30")
        #expect(down.text.contains("Your answers were NOT saved"))
        #expect(down.field("submission") == submission, "the page keeps the form's submission id, so a retry is recorded once")
        #expect(down.body.contains("value=\"Shorter waits\""), "the answers are kept in the form")

        #expect(waitUntil(timeout: 20, interval: 0.05) { stack.pid("comms").map { $0 != comms } == true && stack.client.isReady("comms") })
        #expect(try stack.results(q)["answered"]?.intValue == 0)
        let retried = try stack.post(link, answer)
        #expect(retried.status == 200 && retried.text.contains("Your answers have been saved"))
        #expect(try stack.results(q)["answered"]?.intValue == 1)
    }
}
