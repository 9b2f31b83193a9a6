import Foundation
import SendModel
@testable import SendReports
import Testing
import TestSupport

func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

/// The renderers in-process: pure functions from `ReportData` to HTML and CSV.
@Suite("Rendering")
struct RenderingTests {
    /// A small plan with hostile text in every field a person can type.
    static func small(commsNote: String? = nil, questionnaires: Bool = true) -> ReportData {
        let hostile = "<script>alert(\"x\")</script> & 'quoted' =SUM(A1)"
        var plan = ReportData.Plan(due: day("2018-04-26"), coverageRequired: 2, coverageCovered: 1, gaps: ["INS-x-F02"],
                                   byStatus: [.inProgress: 1, .delayed: 1], red: 1, green: 1, total: 2, overdue: 0, exceptionsMissing: 0,
                                   warnings: ["1 weakness has no open or completed action: INS-x-F02"])
        plan.submissions = [ReportData.Submission(version: 1, on: day("2018-04-20"), forced: true)]
        return ReportData(
            today: day("2018-09-03"),
            inspection: ReportData.Inspection(id: "INS-x", localArea: "Testshire", framework: "2016", outcome: "wsoa_required",
                                              visitStart: day("2017-11-13"), visitEnd: day("2017-11-17"), published: day("2018-01-16"),
                                              deadlines: ["wsoa_due": day("2018-04-26"), "revisit_window_start": day("2019-04-26"),
                                                          "revisit_window_end": day("2019-10-26")]),
            findings: [ReportData.Finding(id: "INS-x-F01", kind: .areaOfSignificantWeakness, theme: "exclusions", summary: "Exclusions rise " + hostile),
                       ReportData.Finding(id: "INS-x-F02", kind: .fundamentalFailing, theme: "co-production", summary: "Families are not heard"),
                       ReportData.Finding(id: "INS-x-F03", kind: .strength, theme: "attendance", summary: "High attendance")],
            plan: plan,
            actions: [ReportData.Action(id: "A-0001", title: "Meet school leaders " + hostile, status: .delayed, rag: .red, ragReason: "delayed",
                                        leadOrganisation: "Testshire County Council", actionLead: "Head of Inclusion Service",
                                        start: day("2018-03-01"), due: day("2018-12-20"), overdue: false, findingIDs: ["INS-x-F01"], updates: 2,
                                        lastUpdate: day("2018-06-10")),
                      ReportData.Action(id: "A-0002", title: "Outreach team", status: .inProgress, rag: .green, ragReason: "on track",
                                        leadOrganisation: "Testshire County Council", actionLead: "Head of Inclusion Service",
                                        start: day("2018-03-01"), due: day("2019-07-19"), overdue: false, findingIDs: ["INS-x-F01"])],
            statusChanges: [ReportData.StatusChange(actionID: "A-0001", from: nil, to: .notStarted, on: day("2018-03-01")),
                            ReportData.StatusChange(actionID: "A-0002", from: nil, to: .notStarted, on: day("2018-03-01")),
                            ReportData.StatusChange(actionID: "A-0001", from: .notStarted, to: .inProgress, on: day("2018-03-15")),
                            ReportData.StatusChange(actionID: "A-0002", from: .notStarted, to: .inProgress, on: day("2018-05-02")),
                            ReportData.StatusChange(actionID: "A-0001", from: .inProgress, to: .delayed, on: day("2018-06-10"))],
            statusHistorySource: "From the test.",
            kpis: [ReportData.KPI(id: "K-001", name: "Exclusions " + hostile, unit: "a year", baseline: 58, baselineDate: day("2017-07-31"),
                                  target: 30, targetDate: day("2019-07-31"), lowerIsBetter: true, trend: "improving", onTarget: false,
                                  readings: [ReportData.Reading(date: day("2017-12-31"), value: 61), ReportData.Reading(date: day("2018-07-31"), value: 47.5)])],
            exceptions: ReportData.Exceptions(sinceMeeting: day("2018-06-10"), red: 1, missing: 0, actions: [
                ReportData.RedAction(actionID: "A-0001", title: "Meet school leaders", status: .delayed, due: day("2018-12-20"),
                                     leadOrganisation: "Testshire County Council", actionLead: "Head of Inclusion Service", ragReason: "delayed",
                                     commentary: "SECRET-COMMENTARY " + hostile, commentaryAuthor: "Head of Inclusion Service",
                                     commentaryOn: day("2018-09-01"), state: "current"),
            ]),
            questionnaires: questionnaires ? [ReportData.Questionnaire(
                id: 1, title: "Your say " + hostile, anonymous: true, state: "closed", opens: day("2018-06-10"), closes: day("2018-07-31"),
                asked: 7, answered: 3, byChannel: [ReportData.ChannelRate(channel: "email", asked: 5, answered: 3), ReportData.ChannelRate(channel: "letter", asked: 2, answered: 0)],
                questions: [ReportData.Question(number: 1, kind: "yes_no", text: "Were you listened to? " + hostile, answered: 3, distribution: [("yes", 1), ("no", 2)]),
                            ReportData.Question(number: 2, kind: "free_text", text: "Anything else?", answered: 2)])] : [],
            updates: [ReportData.PublishedUpdate(id: 1, actionID: "A-0009", outcome: "completed", title: "You said " + hostile,
                                                 body: "We did.\nAnd more.", publishedOn: day("2018-08-01"))],
            commsNote: commsNote)
    }

    func write(_ report: RenderedReport, _ dir: TestDirectory) throws -> String {
        try report.write(to: dir.path)[0]
    }

    @Test("hostile text is escaped: the pages stay valid HTML with no script, and the CSV cells cannot run as formulas")
    func escaping() throws {
        let dir = TestDirectory()
        for report in [BoardPack.render(Self.small()), PublicPage.render(Self.small())] {
            #expect(!report.html.contents.contains("<script"))
            #expect(report.html.contents.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;"))
            let check = try PageCheck(try write(report, dir))
            #expect(check.errors == [], "\(report.html.name)")
            #expect(check.text.contains("<script>alert(\"x\")</script> & 'quoted'"), "the reader sees the text as typed")
        }
        let actions = try csvRecords("\(dir.path)/board-pack-actions.csv")
        #expect(actions.first?["title"] == "Meet school leaders <script>alert(\"x\")</script> & 'quoted' =SUM(A1)")
        #expect(CSV.field("=SUM(A1)") == "'=SUM(A1)")
        #expect(CSV.field("-3") == "-3")
        #expect(CSV.field("a,\"b\"\nc") == "\"a,\"\"b\"\"\nc\"")
        dir.remove()
    }

    @Test("the public page shows no exceptions commentary, no posts, no free text; the board pack shows the commentary")
    func publicIsPublic() throws {
        let data = Self.small()
        let page = PublicPage.render(data)
        for file in page.files {
            #expect(!file.contents.contains("SECRET-COMMENTARY"), "\(file.name)")
            #expect(!file.contents.contains("Head of Inclusion Service"), "\(file.name)")
        }
        #expect(BoardPack.render(data).html.contents.contains("SECRET-COMMENTARY"))
    }

    @Test("status over time: each month end counts every action's status on that day; the last point is today")
    func statusOverTime() {
        let points = Self.small().statusOverTime()
        #expect(points.map(\.end.iso) == ["2018-03-31", "2018-04-30", "2018-05-31", "2018-06-30", "2018-07-31", "2018-08-31", "2018-09-03"])
        #expect(points[0].counts[.inProgress] == 1 && points[0].counts[.notStarted] == 1)
        #expect(points[2].counts[.inProgress] == 2)
        #expect(points[3].counts[.delayed] == 1 && points[3].counts[.inProgress] == 1)
        #expect(points.allSatisfy { $0.total == 2 })
        // A short history is drawn week by week.
        var data = Self.small()
        data.today = day("2018-04-01")
        data.statusChanges = data.statusChanges.filter { $0.on <= data.today }
        let weeks = data.statusOverTime()
        #expect(weeks.map(\.end.iso) == ["2018-03-07", "2018-03-14", "2018-03-21", "2018-03-28", "2018-04-01"])
        #expect(weeks[1].counts[.inProgress] == 0 && weeks[2].counts[.inProgress] == 1)
    }

    @Test("without a questionnaire the reports say so, with the reason comms gave")
    func noQuestionnaire() throws {
        let data = Self.small(commsNote: "The comms service is not running, so there are no questionnaire results in this report.", questionnaires: false)
        let pack = BoardPack.render(data).html.contents
        #expect(pack.contains("No questionnaire yet. The comms service is not running"))
        #expect(PublicPage.render(data).html.contents.contains("No questionnaire yet."))
    }

    @Test("an empty board still gives valid pages")
    func empty() throws {
        let dir = TestDirectory()
        let data = ReportData(today: day("2018-03-01"))
        for report in [BoardPack.render(data), PublicPage.render(data)] {
            let check = try PageCheck(try write(report, dir))
            #expect(check.errors == [], "\(report.html.name)")
            #expect(check.charts.isEmpty)
        }
        dir.remove()
    }

    @Test("a large plan (1,000 actions, 10,000 changes) renders valid pages whose chart figures match the CSV files")
    func large() throws {
        let dir = TestDirectory()
        let data = ReportData.sample(actions: 1_000, changes: 10_000)
        let pack = BoardPack.render(data)
        let check = try PageCheck(try write(pack, dir))
        #expect(check.errors == [])
        var chart: [String: Int] = [:]
        for m in check.marks("chart-weaknesses") { chart["\(m.label) \(m.series)"] = Int(m.value) }
        var csv: [String: Int] = [:]
        for r in try csvRecords("\(dir.path)/board-pack-weaknesses.csv") {
            for s in ["red", "amber", "green", "not_rated"] where r[s] != "0" { csv["\(r["finding_id"]!) \(s)"] = Int(r[s]!) }
        }
        #expect(chart == csv)
        let lastColumn = check.marks("chart-status").filter { $0.label == data.today.iso }
        for status in ReportData.Status.allCases where (data.plan.byStatus[status] ?? 0) > 0 {
            #expect(lastColumn.first { $0.series == status.rawValue }.map { Int($0.value) } == data.plan.byStatus[status])
        }
        let publicCheck = try PageCheck(try write(PublicPage.render(data), dir))
        #expect(publicCheck.errors == [])
        dir.remove()
    }
}
