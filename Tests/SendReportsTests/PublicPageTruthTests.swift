import Foundation
import SendModel
@testable import SendReports
import Testing
import TestSupport

/// The public progress page says what is true: every action not started is counted as such, stopped
/// actions appear with the board's reason, and small groups get no percentage — as the README promises.
@Suite("The public page tells the truth")
struct PublicPageTruthTests {
    static func action(_ id: String, _ status: ReportData.Status, due: String, overdue: Bool = false, reason: String? = nil) -> ReportData.Action {
        ReportData.Action(id: id, title: "Action \(id)", status: status, rag: status == .cancelled ? nil : .amber, ragReason: "",
                          leadOrganisation: "Testshire County Council", actionLead: "Head of Inclusion Service",
                          start: day("2018-03-01"), due: day(due), overdue: overdue, findingIDs: ["INS-x-F01"], cancelReason: reason)
    }

    static func data(asked: Int, answered: Int) -> ReportData {
        var d = RenderingTests.small()
        d.actions = [action("A-0001", .notStarted, due: "2018-06-30", overdue: true),
                     action("A-0002", .notStarted, due: "2019-06-30"),
                     action("A-0003", .inProgress, due: "2019-06-30"),
                     action("A-0004", .cancelled, due: "2019-06-30", reason: "merged into the health review (A-0003)")]
        let yes = answered / 2
        d.questionnaires = [ReportData.Questionnaire(
            id: 1, title: "Your say", anonymous: true, state: "closed", opens: day("2018-06-10"), closes: day("2018-07-31"),
            asked: asked, answered: answered, byChannel: [ReportData.ChannelRate(channel: "email", asked: asked, answered: answered)],
            questions: [ReportData.Question(number: 1, kind: "yes_no", text: "Were you listened to?", answered: answered,
                                            distribution: [("yes", yes), ("no", answered - yes)])])]
        return d
    }

    /// The tile's figure for `what` ("not started yet") in the page's HTML.
    func tile(_ html: String, _ what: String) throws -> Int {
        let marker = "<span class=\"what\">\(what)</span>"
        let end = try #require(html.range(of: marker), "no tile \(what)")
        let before = html[..<end.lowerBound]
        let open = try #require(before.range(of: "<span class=\"n\">", options: .backwards))
        return try #require(Int(before[open.upperBound...].prefix { $0 != "<" }.replacingOccurrences(of: ",", with: "")))
    }

    @Test("'not started yet' counts every action that has not started, late or not; a late one says so")
    func notStarted() throws {
        let html = PublicPage.render(Self.data(asked: 40, answered: 20)).html.contents
        #expect(try tile(html, "not started yet") == 2)
        #expect(try tile(html, "behind schedule") == 0)
        #expect(try tile(html, "under way") == 1)
        #expect(try tile(html, "things we promised to do") == 3)
        #expect(html.contains("Not started yet, and late · it was to be done by June 2018"))
    }

    @Test("a cancelled action appears with the reason the board recorded")
    func cancelled() throws {
        let report = PublicPage.render(Self.data(asked: 40, answered: 20))
        let html = report.html.contents
        #expect(html.contains("<strong>Action A-0004</strong>"))
        #expect(html.contains("Stopped · why: Merged into the health review (A-0003)."), "\(html)")
        #expect(html.contains("One more was stopped; it is listed below with the reason."))
        let csv = try #require(report.csv.first { $0.name.hasSuffix("actions.csv") })
        #expect(csv.contents.contains("merged into the health review (A-0003)"))
    }

    /// The threshold the README promises: "no percentage or split of answers for a group of fewer than N families".
    static func readmeThreshold() throws -> Int {
        let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
        let phrase = "for a group of fewer than "
        let at = try #require(readme.range(of: phrase), "the README no longer states the smallest group published")
        return try #require(Int(readme[at.upperBound...].prefix { $0.isNumber }))
    }

    /// The "What you told us" part of the page (the page's style sheet has percentages of its own).
    static func youSaid(_ html: String) throws -> String {
        let start = try #require(html.range(of: "id=\"you-said-asked\""))
        let end = try #require(html.range(of: "id=\"you-said-did\""))
        return String(html[start.lowerBound..<end.lowerBound])
    }

    @Test("no percentage or split for a group smaller than the README's threshold; both at the threshold")
    func smallGroups() throws {
        let threshold = try Self.readmeThreshold()
        #expect(threshold == QuestionnaireSection.smallestPublishedGroup)

        let below = PublicPage.render(Self.data(asked: threshold - 1, answered: threshold - 1))
        let text = try Self.youSaid(below.html.contents)
        #expect(!text.contains("%"), "a percentage is published for \(threshold - 1) families")
        #expect(!text.contains("chart-q1-response"))
        #expect(!text.contains("chart-q1-question-1"))
        #expect(text.contains("only for groups of at least \(threshold) families"))
        #expect(text.contains("We asked \(threshold - 1) families"))
        for file in below.csv where file.name.contains("questionnaire") {
            #expect(!file.contents.contains("\n1,1,yes"), "\(file.name) publishes a split")
        }
        let rates = try #require(below.csv.first { $0.name.hasSuffix("questionnaires.csv") })
        #expect(rates.contents.contains(",\(threshold - 1),\(threshold - 1),\r\n") || rates.contents.contains(",\(threshold - 1),\(threshold - 1),\n"),
                "\(rates.contents)")

        let at = try Self.youSaid(PublicPage.render(Self.data(asked: threshold, answered: threshold)).html.contents)
        #expect(at.contains("100%"))
        #expect(at.contains("chart-q1-response"))
        #expect(at.contains("chart-q1-question-1"))
        #expect(!at.contains("only for groups of at least"))

        // The board pack keeps every figure.
        #expect(BoardPack.render(Self.data(asked: threshold - 1, answered: threshold - 1)).html.contents.contains("100%"))
    }
}
