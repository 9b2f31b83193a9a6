import Foundation
import SendModel
import Testing
import TestSupport

/// family-portal's `/progress` with a chair's update and themes on it: still WCAG 2.2 AA by axe-core
/// in real Chromium, and no sideways scrolling on a phone.
@Suite("Accessibility of the progress page's themes and chair's updates")
struct ProgressThemesAccessibilityTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/demo").path

    @Test("axe-core finds no violation on /progress with themes and a chair's update, which a family can read there")
    func progressWithThemes() throws {
        let stack = try PortalStack()
        defer { stack.finish() }
        let report = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(Self.demo)/lancashire-2017-report.json"))))
        _ = try stack.client.call(ServiceName.findings, "findings.import", report, timeout: 30)
        let last = try stack.client.call(ServiceName.findings, "health")["last_seq"]?.intValue ?? 0
        #expect(waitUntil(timeout: 30, interval: 0.05) {
            ((try? stack.client.call(ServiceName.board, "health"))?["follows"]?[ServiceName.findings]?["cursor"]?.intValue ?? -1) >= last
        })
        let plan = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(Self.demo)/board-plan.json"))))
        _ = try stack.client.call(ServiceName.board, "plan.import", plan, timeout: 30)
        _ = try stack.client.call(ServiceName.board, "board.meetings.add", ["date": "2018-06-10", "attendee_ids": ["M-001", "M-003"]])
        _ = try stack.client.call(ServiceName.board, "board.meetings.publish_update", [
            "meeting_id": "MTG-001", "title": "The chair's update: June 2018",
            "text": "# What we decided\n\nWe met with parent carers.\n\n- Publish waiting times monthly\n- Agree the exclusions protocol\n",
        ])
        _ = try stack.client.call(ServiceName.board, "board.themes.name", ["name": "Getting an autism assessment",
                                                                          "finding_ids": ["INS-lancashire-2017-F04"]])
        _ = try stack.client.call(ServiceName.board, "board.themes.name", ["name": "Listening to families",
                                                                          "finding_ids": ["INS-lancashire-2017-F01"]])
        let shots = ProcessInfo.processInfo.environment["SEND_SCREENSHOTS_DIR"].map { "\($0)/portal" } ?? "\(stack.dir.path)/shots"
        let path = "\(stack.dir.path)/progress-themes.json"
        try """
            [{"goto": "/progress"}, {"expect_status": 200},
             {"expect_text": "Our plan, theme by theme"}, {"expect_text": "Getting an autism assessment"},
             {"expect_text": "What will be different"}, {"expect_text": "The chair's update: June 2018"},
             {"expect_text": "Publish waiting times monthly"},
             {"axe": true}, {"screenshot": "progress-themes.png", "width": 375}]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try python("Browser/browser_flow.py", ["--base", stack.base, "--screenshot-dir", shots, "--fail-on-errors", path], timeout: 300)
        #expect(run.status == 0, "\(run.output.suffix(5000))")
    }
}
