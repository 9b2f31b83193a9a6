import Foundation
import SendModel
import Testing
import TestSupport

/// `deploy/demo/load` as a newcomer runs it (what `deploy/stack up --demo` does) against real findings
/// and board services, on whatever day it is: the board pack shows a plan in progress.
@Suite("The demo shows a plan in progress")
struct DemoLoadTests {
    /// The `<svg id="…">…</svg>` of a chart in a page.
    static func svg(_ html: String, id: String) throws -> String {
        let at = try #require(html.range(of: "id=\"\(id)\" viewBox"), "no chart \(id)")
        let start = try #require(html.range(of: "<svg", options: .backwards, range: html.startIndex..<at.lowerBound))
        let end = try #require(html.range(of: "</svg>", range: at.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// Every value of `attribute` in the SVG's elements.
    static func values(_ svg: String, _ attribute: String) -> [String] {
        svg.components(separatedBy: " \(attribute)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test("loaded today, the board pack has red, amber and green actions, a status chart of several bars and a KPI axis of the readings' years")
    func demoInProgress() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        // Today as the machine has it: the demo must look right on any day it is loaded.
        let env = ["SEND_OVERDUE_INTERVAL": "3600"]
        let findings = try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: env)
        let board = try ServiceProcess("board-actions", dir.flags, directory: dir, environment: env)
        defer { board.stop(); findings.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for s in [ServiceName.findings, ServiceName.board] { #expect(client.waitReady(s, timeout: 30), "\(s) did not become ready") }

        let load = try ChildRun.run("\(repositoryRoot)/deploy/demo/load", [], environment: [
            "SEND_RUN_DIR": dir.run, "SEND_DATA_DIR": dir.data, "SENDCTL": Binaries.path("sendctl"), "SEND_DEMO_WAIT": "60",
        ], timeout: 180)
        #expect(load.status == 0, "\(load.output)")
        #expect(load.stdout.contains("imported 8 members, 1 KPI, 8 actions"), "\(load.output)")
        // Loading again changes nothing.
        let again = try ChildRun.run("\(repositoryRoot)/deploy/demo/load", [], environment: [
            "SEND_RUN_DIR": dir.run, "SEND_DATA_DIR": dir.data, "SENDCTL": Binaries.path("sendctl"),
        ], timeout: 180)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.stdout.contains("already"), "\(again.output)")

        let out = "\(dir.path)/reports"
        let pack = try sendctl(["report", "board-pack", "--out", out], dir)
        #expect(pack.status == 0, "\(pack.stderr)")
        let html = try String(contentsOfFile: "\(out)/board-pack.html", encoding: .utf8)
        for colour in ["red", "amber", "green"] {
            #expect(html.contains("<td class=\"rag-\(colour)\">"), "no \(colour) action in the board pack")
        }

        let status = try Self.svg(html, id: "chart-status")
        let periods = Set(Self.values(status, "data-label"))
        #expect(periods.count > 1, "the status chart has \(periods.count) bar(s)")

        let kpi = try Self.svg(html, id: "chart-kpi-K-001")
        // The x-axis ticks ("Oct 2025" … ): their years span the readings, baseline and target, not eight years.
        let years = kpi.components(separatedBy: "</text>").compactMap { piece -> Int? in
            let text = piece.split(separator: ">").last.map(String.init) ?? ""
            let words = text.split(separator: " ")
            guard words.count == 2, words[0].count == 3, let year = Int(words[1]), year > 2000 else { return nil }
            return year
        }
        let first = try #require(years.min(), "the KPI chart has no dated ticks")
        let last = try #require(years.max())
        #expect(last - first <= 3, "the KPI axis spans \(first)–\(last)")
        let readings = Self.values(kpi, "data-label").compactMap(LocalDate.init(iso:))
        let earliest = try #require(readings.map(\.year).min(), "the KPI chart has no readings")
        let latest = try #require(readings.map(\.year).max())
        #expect(earliest >= first && latest <= last)
    }
}
