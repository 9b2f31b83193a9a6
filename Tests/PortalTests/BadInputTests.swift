import Foundation
import SendModel
import Testing
import TestSupport

@Suite("Bad requests to the families' door")
struct BadInputTests {
    @Test("every bad request gets a clear page and the right status, carries the security headers, and changes nothing")
    func badRequests() throws {
        let stack = try PortalStack(environment: ["SEND_PORTAL_KEY_MISSES": "4", "SEND_PORTAL_POSTS_PER_MINUTE": "12"])
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Indigo Probe,indigo@example.org,,,email"])
        let q = try stack.questionnaire(anonymous: false)
        let mail = try stack.email(to: "indigo@example.org", count: 1)
        let link = try stack.path(in: mail.body, "/respond/[0-9a-f]{32}")
        let form = try stack.get(link)
        #expect(form.header("content-security-policy")?.contains("default-src 'none'") == true)
        #expect(form.header("content-security-policy")?.contains("script-src") == false)
        #expect(form.header("referrer-policy") == "no-referrer")
        #expect(form.header("x-content-type-options") == "nosniff")
        #expect(form.header("cache-control") == "no-store")
        let setCookie = try #require(form.setCookies.first)
        #expect(setCookie.contains("SameSite=Strict") && setCookie.contains("HttpOnly"))
        let submission = try #require(form.field("submission"))

        let noCSRF = try HTTP.request("POST", port: stack.port, path: link, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                      body: "submission=\(submission)&q1=4")
        #expect(noCSRF.status == 403 && noCSRF.text.contains("Nothing was saved"))
        let wrongCSRF = try stack.post(link, [("csrf", String(repeating: "b", count: 32)), ("submission", submission), ("q1", "4")])
        #expect(wrongCSRF.status == 403)
        let huge = try stack.post(link, [("csrf", stack.cookie ?? ""), ("submission", submission), ("q2", String(repeating: "x", count: 70_000))])
        #expect(huge.status == 413 && huge.text.contains("What you sent is too long"))
        let mangled = try HTTP.request("POST", port: stack.port, path: link,
                                       headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "csrf=\(stack.cookie ?? "")"],
                                       body: "csrf=\(stack.cookie ?? "")&q1=%E0%A4%A&q2=%ZZ")
        #expect(mangled.status == 400 && mangled.text.contains("We could not read what you sent"))
        let json = try HTTP.request("POST", port: stack.port, path: link, headers: ["Content-Type": "application/json"], body: "{\"q1\":4}")
        #expect(json.status == 415)
        let badValue = try stack.post(link, [("csrf", stack.cookie ?? ""), ("submission", submission), ("q1", "9"), ("q2", "Kept while I fix question 1")])
        #expect(badValue.status == 422 && badValue.text.contains("Question 1: choose one of the answers shown"))
        #expect(badValue.body.contains(">Kept while I fix question 1</textarea>"), "the parent's other answers are kept")
        #expect(badValue.body.contains("<title>Error: "), "the title says there is an error, as a screen reader announces it")
        let nowhere = try stack.get("/wp-admin/../../etc/passwd")
        #expect(nowhere.status == 404 && nowhere.text.contains("Page not found"))
        #expect(nowhere.header("content-security-policy") != nil)
        #expect(try stack.results(q)["answered"]?.intValue == 0, "no bad request recorded anything")

        // Probing for codes: the same page for every miss, then a wait.
        var statuses: [Int] = []
        for i in 0..<6 { statuses.append(try stack.get("/respond/\(String(format: "%032x", i))").status) }
        #expect(statuses == [404, 404, 404, 404, 429, 429])
        let refused = try stack.get(link)
        #expect(refused.status == 429 && refused.header("retry-after") != nil && refused.text.contains("Please wait before trying again"),
                "once refused, even a right key waits: probing learns nothing")

        // A flood of posts from one client.
        var flood: [Int] = []
        for _ in 0..<14 { flood.append(try stack.post("/enquiries/new", [("csrf", stack.cookie ?? "")]).status) }
        #expect(flood.contains(429))
        #expect(try stack.results(q)["answered"]?.intValue == 0)
        #expect(try stack.comms("enquiries.list")["enquiries"]?.arrayValue?.isEmpty == true)
    }
}
