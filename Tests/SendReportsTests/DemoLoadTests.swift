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

    /// Where a chart's labels sit on a line or on each other, from the SVG the chart emits: each
    /// `<text>` as the box the renderer reserves for it (0.56 em a character, 0.9 em high, centred on
    /// `y`), against every other label and every horizontal `<line>` it crosses.
    static func labelCollisions(_ svg: String) -> [String] {
        func attribute(_ tag: Substring, _ name: String) -> String? {
            guard let r = tag.range(of: " \(name)=\"") else { return nil }
            return String(tag[r.upperBound...].prefix { $0 != "\"" })
        }
        let chartFont = Double(attribute(Substring(svg.prefix(600)), "font-size") ?? "") ?? 14
        struct Box { let text: String; let x0, x1, y0, y1: Double }
        var boxes: [Box] = []
        var lines: [(x0: Double, x1: Double, y: Double)] = []
        for piece in svg.components(separatedBy: "<").dropFirst() {
            let tag = Substring(piece)
            if tag.hasPrefix("text ") {
                let text = String(tag.split(separator: ">", maxSplits: 1).last ?? "")
                guard let x = Double(attribute(tag, "x") ?? ""), let y = Double(attribute(tag, "y") ?? ""), !text.isEmpty else { continue }
                let size = Double(attribute(tag, "font-size") ?? "") ?? chartFont
                let w = Double(text.count) * size * 0.56
                let x0 = attribute(tag, "text-anchor") == "end" ? x - w : attribute(tag, "text-anchor") == "middle" ? x - w / 2 : x
                boxes.append(Box(text: text, x0: x0, x1: x0 + w, y0: y - size * 0.45, y1: y + size * 0.45))
            } else if tag.hasPrefix("line "), let y1 = Double(attribute(tag, "y1") ?? ""), let y2 = Double(attribute(tag, "y2") ?? ""), y1 == y2,
                      let a = Double(attribute(tag, "x1") ?? ""), let b = Double(attribute(tag, "x2") ?? "") {
                lines.append((min(a, b), max(a, b), y1))
            }
        }
        var found: [String] = []
        for (i, a) in boxes.enumerated() {
            for l in lines where l.y > a.y0 + 0.5 && l.y < a.y1 - 0.5 && l.x0 < a.x1 - 1 && l.x1 > a.x0 + 1 {
                found.append("'\(a.text)' sits on the line at y=\(l.y)")
            }
            for b in boxes[(i + 1)...] where a.x0 < b.x1 - 1 && b.x0 < a.x1 - 1 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5 {
                found.append("'\(a.text)' overlaps '\(b.text)'")
            }
        }
        return found
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
        #expect(periods.count > 1, "the status chart has only \(periods.count) period")

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
        // No label of any chart of the board pack or the public page sits on a line or on another label.
        let page = try sendctl(["report", "public", "--out", out], dir)
        #expect(page.status == 0, "\(page.stderr)")
        let progress = try String(contentsOfFile: "\(out)/progress.html", encoding: .utf8)
        for (name, document) in [("board-pack.html", html), ("progress.html", progress)] {
            for piece in document.components(separatedBy: "<svg").dropFirst() {
                let chart = piece.components(separatedBy: "</svg>")[0]
                let id = Self.values(" " + chart, "id").first ?? "?"
                #expect(Self.labelCollisions(chart) == [], "\(name) \(id)")
            }
        }
        let earliest = try #require(readings.map(\.year).min(), "the KPI chart has no readings")
        let latest = try #require(readings.map(\.year).max())
        #expect(earliest >= first && latest <= last)
    }
}
