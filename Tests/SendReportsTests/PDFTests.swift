import Foundation
import SendModel
import Testing
import TestSupport

/// The papers: the board pack and the public page printed to PDF by the real `sendctl report …
/// --pdf` (headless Chromium) from the demo data in real services, then read back with poppler as a
/// reader would see them: every page rasterised (pdftoppm) and not blank, A4, "Page N of M" on each,
/// the report's title at the top, each major section on a page of its own, the colours kept, and
/// the headings as the PDF's outline.
@Suite("Reports printed to PDF", .serialized)
struct PDFTests {
    @Test("board-pack --pdf and public --pdf: A4 pages, none blank, numbered 'Page N of M', sections on new pages, colours and charts kept, headings as the outline")
    func demoPDFs() throws {
        let chromium = try #require(chromiumPath, "Chromium is not installed: apt-get install -y chromium (deploy/test installs it)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftoppm"),
                     "pdftoppm is not installed: apt-get install -y poppler-utils (deploy/test installs it)")
        let demo = try DemoScenario()
        defer { demo.stop() }
        try demo.run()
        let out = "\(demo.dir.path)/papers"
        let pngs = "\(demo.dir.path)/pdf-pages"

        for (kind, name, sections) in [("board-pack", "board-pack", 7), ("public", "progress", 5)] {
            let made = try sendctl(["report", kind, "--out", out, "--pdf", "--chromium", chromium], demo.dir)
            #expect(made.status == 0, "\(kind): \(made.stderr)")
            let pdf = "\(out)/\(name).pdf"
            let said = try #require(made.stdout.split(separator: "\n").first { $0.contains("PDF: \(pdf) (A4, ") }.map(String.init),
                                    "\(kind) says where the PDF is: \(made.stdout)")
            let page = try PageCheck("\(out)/\(name).html")
            let check = try python("pdf_check.py", ["--png-dir", pngs, "--colour", "red=#d4351c", "--colour", "green=#00703c",
                                                    "--colour", "blue=#1d70b8", pdf])
            #expect(check["error"] == nil, "\(check["error"]?.stringValue ?? "")")
            let count = Int(check["pages"]?.intValue ?? 0)
            #expect(said.contains("\(count) pages"), "\(said): pdfinfo counts \(count)")
            #expect(count >= sections + 1 && count <= 60, "\(name).pdf has \(count) pages")
            #expect(check["page_size"]?.stringValue?.contains("(A4)") == true, "\(check["page_size"]?.stringValue ?? "")")
            let title = try #require(check["title"]?.stringValue)
            #expect(title.hasPrefix(kind == "board-pack" ? "Board pack: " : ""), "\(title)")
            #expect(!title.isEmpty)

            // Every page: rasterised, not blank (more than its running title and number), numbered.
            let perPage = check["per_page"]?.arrayValue ?? []
            #expect(perPage.count == count)
            var texts: [String] = []
            for p in perPage {
                let n = Int(p["page"]?.intValue ?? 0)
                let text = p["text"]?.stringValue ?? ""
                texts.append(text)
                let png = try #require(p["png"]?.stringValue, "page \(n) of \(name).pdf was not rasterised")
                #expect(FileManager.default.fileExists(atPath: png))
                #expect((p["ink_share"]?.doubleValue ?? 0) > 0.003, "page \(n) of \(name).pdf is nearly blank: \(p["ink_share"]?.doubleValue ?? 0)")
                let lines = text.split(separator: "\n").map { collapsed(String($0)) }
                #expect(lines.contains("Page \(n) of \(count)"), "page \(n) of \(name).pdf is not numbered: \(lines.suffix(3))")
                #expect(lines.first == title, "page \(n) of \(name).pdf starts with \(lines.first ?? "nothing"), not its title")
                let body = lines.dropFirst().filter { $0 != "Page \(n) of \(count)" && !$0.isEmpty }
                #expect(body.joined().count > 40, "page \(n) of \(name).pdf holds only its title and number")
            }

            // The headings are the outline, in order and at their levels; each major section starts a page.
            let outline = (check["outline"]?.arrayValue ?? []).map {
                (level: Int($0["level"]?.intValue ?? 0), title: $0["title"]?.stringValue ?? "", page: Int($0["page"]?.intValue ?? 0))
            }
            #expect(outline.map { collapsed($0.title) } == page.headings.map { collapsed($0.text) }, "\(name).pdf outline: \(outline.map(\.title))")
            #expect(outline.map(\.level) == page.headings.map(\.level))
            let majors = outline.filter { $0.level == 2 }
            #expect(majors.count >= sections, "\(name).pdf: \(majors.map(\.title))")
            #expect(majors.map(\.page) == majors.map(\.page).sorted())
            for (i, major) in majors.enumerated() where i > 0 {
                #expect(major.page > majors[i - 1].page, "\(major.title) shares page \(major.page) with \(majors[i - 1].title)")
                let lines = texts[major.page - 1].split(separator: "\n").map { collapsed(String($0)) }.filter { !$0.isEmpty }
                #expect(lines.dropFirst().first == major.title, "page \(major.page) of \(name).pdf starts with \(lines.dropFirst().first ?? "nothing"), not \(major.title)")
            }

            // Colours kept and charts drawn: the RAG and chart colours on the pages, and the charts' own labels in the text.
            let colour = { (c: String) in perPage.map { Int($0["colours"]?[c]?.intValue ?? 0) }.reduce(0, +) }
            #expect(colour("blue") > 500, "\(name).pdf: \(colour("blue")) blue pixels")
            #expect(colour("green") > 200, "\(name).pdf: \(colour("green")) green pixels")
            if kind == "board-pack" { #expect(colour("red") > 200, "board-pack.pdf: \(colour("red")) red pixels (red RAG chips and bars)") }
            // Each SVG chart is a figure of the tagged PDF, with its title and description as the text alternative.
            let printedCharts = (check["figures"]?.arrayValue ?? []).compactMap(\.stringValue).map(collapsed)
            #expect(page.charts.count >= (kind == "board-pack" ? 5 : 4))
            for chart in page.charts {
                let chartTitle = collapsed(chart["title"]?.stringValue ?? "")
                #expect(!chartTitle.isEmpty && printedCharts.contains { $0.hasPrefix(chartTitle) },
                        "\(name).pdf: the chart \(chart["id"]?.stringValue ?? "?") (\(chartTitle)) is not a figure of the PDF")
            }
            // The page's headings are in the PDF's text (a long one wraps: compared as words).
            let allText = collapsed(texts.joined(separator: "\n"))
            for heading in page.headings {
                #expect(allText.contains(collapsed(heading.text)), "\(name).pdf lacks the heading \(heading.text)")
            }
            try keep([pdf] + perPage.compactMap { $0["png"]?.stringValue })
        }

        // deploy/reports --pdf: the day's set holds both PDFs.
        let scheduled = try run("\(repositoryRoot)/deploy/reports", demo.dir.flags + ["--pdf"],
                                environment: ["SEND_BIN_DIR": Binaries.directory, "SEND_TODAY": DemoScenario.finalDay, "SEND_CHROMIUM": chromium])
        #expect(scheduled.status == 0, "\(scheduled.stderr)")
        #expect(scheduled.stdout.contains("board-pack.html, progress.html, their PDFs and CSV files"), "\(scheduled.stdout)")
        for name in ["board-pack.pdf", "progress.pdf"] {
            let path = "\(demo.dir.data)/reports/latest/\(name)"
            let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: 5)
            #expect(head == Data("%PDF-".utf8), "\(path)")
        }

        // A Chromium that fails leaves the PDF as it was and says so (70); none at all is 69, before anything is asked.
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(out)/board-pack.pdf"))
        let failed = try sendctl(["report", "board-pack", "--out", out, "--pdf", "--chromium", "/bin/false"], demo.dir)
        #expect(failed.status == 70)
        #expect(failed.stderr.contains("was written to \(out)/board-pack.html but not printed to PDF: Chromium (/bin/false) did not print the page (exit 1)"), "\(failed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/board-pack.pdf")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") } == [], "no partial PDF is left")
        let missing = try sendctl(["report", "public", "--out", "\(demo.dir.path)/none", "--pdf", "--chromium", "/nonexistent/chromium"], demo.dir)
        #expect(missing.status == 69)
        #expect(missing.stderr.contains("/nonexistent/chromium is not a program that can be run"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(demo.dir.path)/none"))

        // How long a print takes, for the README (printed, never asserted).
        for (kind, name) in [("board-pack", "board-pack"), ("public", "progress")] {
            let timed = try sendctl(["report", kind, "--out", out, "--pdf", "--chromium", chromium, "--json"], demo.dir)
            let timing = try JSONValue.parse(Array(timed.stdout.utf8))
            #expect(timing["pdf"]?.stringValue == "\(out)/\(name).pdf")
            print("\(name).pdf: \(timing["pdf_pages"]?.intValue ?? 0) pages in \(timing["pdf_seconds"]?.doubleValue ?? 0) s; load \(loadAverage())")
        }
        demo.stop()
        demo.dir.remove()
    }

    /// The PDFs and their pages, kept where SEND_SCREENSHOTS_DIR says (deploy/test sets it).
    func keep(_ paths: [String]) throws {
        guard let keep = ProcessInfo.processInfo.environment["SEND_SCREENSHOTS_DIR"], !keep.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
        for path in paths {
            let target = "\(keep)/\((path as NSString).lastPathComponent)"
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: path, toPath: target)
        }
    }

    /// Runs of white space as one space, trimmed.
    func collapsed(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
