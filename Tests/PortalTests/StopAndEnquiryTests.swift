import Foundation
import SendModel
import Testing
import TestSupport

@Suite("Stopping messages and asking a question")
struct StopAndEnquiryTests {
    @Test("one-click opt-out by a plain POST, as a mail client sends it, stops the next message; the stop page starts them again")
    func oneClickOptOut() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Frankie Oneclick,frankie@example.org,,,email",
                                  "F2,C2,yes,yes,Gale Stays,gale@example.org,,,email"])
        try stack.questionnaire(title: "First round", anonymous: true)
        let mail = try stack.email(to: "frankie@example.org", count: 2)
        let header = try #require(mail.headers["list-unsubscribe"])
        let stopPath = try stack.path(in: header, "/stop/[0-9a-f]{32}")
        #expect(mail.body.contains(stack.base + stopPath), "the body carries the same stop link")

        // RFC 8058: no cookie, no CSRF field, just the one field.
        let click = try HTTP.request("POST", port: stack.port, path: stopPath,
                                     headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "List-Unsubscribe=One-Click")
        #expect(click.status == 200 && click.text.contains("Messages stopped"))
        #expect(try stack.comms("families.show", ["family_ref": "F1"])["family"]?["opted_out"]?.boolValue == true)

        let second = try stack.questionnaire(title: "Second round", anonymous: true)
        let dispatch = try stack.comms("questionnaires.send", ["questionnaire_id": .int(second)])
        #expect(dispatch["skipped"]?["opted_out"]?.intValue == 1)
        #expect(try stack.results(second)["asked"]?.intValue == 1, "only the family that did not opt out is asked")

        let page = try stack.get(stopPath)
        #expect(page.status == 200 && page.text.contains("You have stopped messages from us"))
        let resumed = try stack.post(stopPath, [("csrf", stack.cookie ?? ""), ("action", "resume")])
        #expect(resumed.status == 200 && resumed.text.contains("Messages started again"))
        #expect(try stack.comms("families.show", ["family_ref": "F1"])["family"]?["opted_out"]?.boolValue == false)
        // Without the page's CSRF field, the button's POST is refused and changes nothing.
        let forged = try HTTP.request("POST", port: stack.port, path: stopPath,
                                      headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "action=stop")
        #expect(forged.status == 403 && forged.text.contains("We could not accept this form"))
        #expect(try stack.comms("families.show", ["family_ref": "F1"])["family"]?["opted_out"]?.boolValue == false)
    }

    @Test("an enquiry raised on the web and answered with sendctl shows its answer on the private link")
    func webEnquiry() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        let form = try stack.get("/enquiries/new")
        #expect(form.status == 200 && form.text.contains("Ask us a question"))
        let submission = try #require(form.field("submission"))
        let bad = try stack.post("/enquiries/new", [("csrf", stack.cookie ?? ""), ("submission", submission), ("name", "Harper Asker"),
                                                    ("reply_by", "email"), ("email", "not-an-address"), ("text", "When is the next board meeting?")])
        #expect(bad.status == 422 && bad.text.contains("Enter an email address like name@example.com"))
        #expect(bad.body.contains("href=\"#email\""), "the error summary links to the field")
        let fresh = try #require(bad.field("submission"))
        let sent = try stack.post("/enquiries/new", [("csrf", stack.cookie ?? ""), ("submission", fresh), ("name", "Harper Asker"),
                                                     ("reply_by", "email"), ("email", "harper.asker@example.org"),
                                                     ("text", "When is the next board meeting?")])
        #expect(sent.status == 303)
        let location = try #require(sent.header("location"))
        #expect(location.range(of: "^/enquiries/E-[0-9]+/[0-9a-f]{32}\\?new=1$", options: .regularExpression) != nil, "\(location)")
        let reference = String(location.split(separator: "/")[1])
        let page = try stack.get(location)
        #expect(page.status == 200 && page.text.contains("We have your question") && page.text.contains(reference))
        #expect(page.text.contains("We will answer by"))

        let ack = try stack.email(to: "harper.asker@example.org", count: 1)
        #expect(ack.body.contains(stack.base + String(location.prefix { $0 != "?" })), "the acknowledgement carries the private link:\n\(ack.body)")

        let answered = try stack.sendctl(["enquiries", "answer", reference, "--text", "The next meeting is on Tuesday 12 January, at County Hall."])
        #expect(answered.status == 0, "\(answered.output)")
        let after = try stack.get(String(location.prefix { $0 != "?" }))
        #expect(after.text.contains("Our answer") && after.text.contains("The next meeting is on Tuesday 12 January, at County Hall."))
        #expect(after.text.contains("Answered on"))
        let wrong = try stack.get("/enquiries/\(reference)/\(String(repeating: "0", count: 32))")
        #expect(wrong.status == 404 && wrong.text.contains("We could not find that enquiry"))
        for secret in ["Harper", "harper.asker", "board meeting", String(location.split(separator: "/")[2].prefix(32))] {
            #expect(!stack.portalLog.contains(secret), "the portal's log holds '\(secret)'")
        }
    }
}
