import Foundation
import SendModel
import Testing
import TestSupport

/// WCAG 2.2 AA on every page and every error state, checked by axe-core 4.x in real Chromium, at
/// 1280 px, at 200% zoom and on a 375-pixel phone without sideways scrolling; screenshots left in
/// `SEND_SCREENSHOTS_DIR/portal`.
@Suite("Accessibility of the families' door")
struct AccessibilityTests {
    @Test("axe-core finds no WCAG 2.2 A/AA violation on any page or error state, and no page scrolls sideways at 375 px or 200% zoom")
    func everyPage() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Lee Axewell,lee.axe@example.org,,,email",
                                  "F2,C2,yes,yes,Morgan Closedby,morgan@example.org,,,email"])
        try stack.questionnaire(title: "Your say on SEND", anonymous: true)
        let mail = try stack.email(to: "lee.axe@example.org", count: 2)
        let link = try stack.path(in: mail.body, "/respond/[0-9a-f]{32}")
        let stopPath = try stack.path(in: mail.headers["list-unsubscribe"] ?? "", "/stop/[0-9a-f]{32}")
        let shots = ProcessInfo.processInfo.environment["SEND_SCREENSHOTS_DIR"].map { "\($0)/portal" } ?? "\(stack.dir.path)/shots"

        func walk(_ name: String, _ steps: String) throws {
            let path = "\(stack.dir.path)/\(name).json"
            try steps.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try python("Browser/browser_flow.py", ["--base", stack.base, "--screenshot-dir", shots, "--fail-on-errors", path], timeout: 300)
            #expect(run.status == 0, "\(name): \(run.output.suffix(5000))")
        }
        func page(_ shot: String) -> String { #"{"axe": true}, {"screenshot": "\#(shot).png", "width": 375}"# }

        try walk("pages", """
            [{"goto": "/"}, {"expect_status": 200}, \(page("start")),
             {"goto": "/respond"}, {"expect_status": 200}, \(page("code")),
             {"submit": "Continue"}, {"expect_status": 422}, {"expect_text": "Enter the code from your letter or text message"}, \(page("code-empty")),
             {"fill": {"code": "abcde-fghjk"}}, {"submit": "Continue"}, {"expect_status": 404}, \(page("code-unknown")),
             {"goto": "\(link)"}, {"expect_status": 200}, \(page("form")),
             {"fill": {"q2": "x"}}, {"submit": "Send my answers"}, {"expect_status": 422}, \(page("form-errors")),
             {"check": {"q1": "2"}}, {"submit": "Send my answers"}, {"expect_status": 200}, \(page("thanks")),
             {"goto": "\(link)"}, {"expect_text": "You have already answered"}, \(page("already")),
             {"goto": "\(stopPath)"}, {"expect_status": 200}, \(page("stop")),
             {"submit": "Stop messages"}, {"expect_text": "Messages stopped"}, \(page("stopped")),
             {"goto": "\(stopPath)"}, {"expect_text": "You have stopped messages from us"}, \(page("stop-resume")),
             {"goto": "/stop"}, \(page("stop-code")),
             {"goto": "/enquiries/new"}, {"expect_status": 200}, \(page("enquiry")),
             {"check": {"reply_by": "sms"}}, {"submit": "Send my question"}, {"expect_status": 422},
             {"expect_text": "Enter your mobile phone number"}, \(page("enquiry-errors")),
             {"fill": {"name": "Lee Axewell", "mobile": "07700 900 456", "text": "Who do I ask about transport to school?"}},
             {"submit": "Send my question"}, {"expect_status": 200}, {"expect_text": "Your reference is"}, \(page("enquiry-sent")),
             {"goto": "/enquiries/E-99/00000000000000000000000000000000"}, {"expect_status": 404}, \(page("enquiry-unknown")),
             {"goto": "/no/such/page"}, {"expect_status": 404}, \(page("not-found")),
             {"goto": "/progress"}, {"expect_status": 200}, \(page("progress"))]
            """)

        // The page a family sees while comms does not answer.
        let comms = try #require(stack.pid("comms"))
        kill(comms, SIGSTOP)
        defer { kill(comms, SIGCONT) }
        try walk("down", """
            [{"goto": "\(link)"}, {"expect_status": 503}, {"expect_text": "not available just now"}, \(page("unavailable"))]
            """)
    }
}
