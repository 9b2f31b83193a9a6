import Foundation
import SendModel
import Testing
import TestSupport

/// The browser check itself: it must see what a reader's browser would complain about, or a
/// passing report test would mean nothing.
@Suite("The browser check", .serialized)
struct BrowserCheckTests {
    @Test("a JavaScript error, a console error, a file loaded from elsewhere and a page wider than a phone are all reported; a clean page is clean")
    func detectsProblems() throws {
        guard let chromium = chromiumPath else {
            Issue.record("Chromium is not installed: apt-get install -y chromium (deploy/test installs it)")
            return
        }
        let dir = TestDirectory()
        let head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>t</title></head><body><h1>t</h1>"
        let pages = [
            "clean": head + "<p>Fine.</p></body></html>",
            "uncaught": head + "<script>undefinedFunction();</script></body></html>",
            "console": head + "<script>console.error('deliberate');</script></body></html>",
            "external": head + "<img src=\"https://example.invalid/x.png\" alt=\"x\"></body></html>",
            "wide": head + "<div style=\"width:900px\">wide</div></body></html>",
        ]
        var paths: [String: String] = [:]
        for (name, html) in pages {
            paths[name] = "\(dir.path)/\(name).html"
            try html.write(toFile: paths[name]!, atomically: true, encoding: .utf8)
        }
        let names = pages.keys.sorted()
        let result = try python("browser_check.py", ["--chromium", chromium] + names.map { paths[$0]! })
        let byName = Dictionary(uniqueKeysWithValues: (result["pages"]?.arrayValue ?? []).map {
            (URL(fileURLWithPath: $0["file"]?.stringValue ?? "").deletingPathExtension().lastPathComponent, $0)
        })
        #expect(byName.count == pages.count)
        #expect(byName["clean"]?["errors"] == [] && byName["clean"]?["requests"] == [])
        #expect(byName["clean"]?["overflow"]?["phone_375"]?["overflows"] == false)
        let uncaught = byName["uncaught"]?["errors"]?.arrayValue ?? []
        #expect(uncaught.contains { $0["kind"] == "exception" && ($0["text"]?.stringValue ?? "").contains("undefinedFunction") })
        #expect((byName["console"]?["errors"]?.arrayValue ?? []).contains { $0["kind"] == "console.error" && $0["text"] == "deliberate" })
        #expect(byName["external"]?["requests"] == ["https://example.invalid/x.png"])
        let externalErrors = byName["external"]?["errors"]?.arrayValue ?? []
        #expect(externalErrors.count > 0)
        #expect(byName["wide"]?["overflow"]?["phone_375"]?["overflows"] == true)
        #expect(byName["wide"]?["overflow"]?["desktop_1280"]?["overflows"] == false)
        dir.remove()
    }

    @Test("the HTML check reports broken structure, skipped headings, charts without a text alternative and images without alt")
    func htmlCheck() throws {
        let dir = TestDirectory()
        let path = "\(dir.path)/bad.html"
        try """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>x</title></head>
            <body><h1>One</h1><h3>Skipped</h3><h1>Two</h1><div><p>open</div>
            <svg viewBox="0 0 10 10"><rect data-series="a" data-label="b" data-value="1"/></svg><img src="data:image/png;base64,AA==">
            <script src="https://example.invalid/x.js"></script></body></html>
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let errors = try PageCheck(path).errors.joined(separator: "\n")
        for expected in ["2 <h1>", "h3 'Skipped' follows h1", "</div> closes <p>", "has no role=\"img\"", "has no text alternative",
                         "<img> without alt", "external script"] {
            #expect(errors.contains(expected), "\(expected) in \(errors)")
        }
        dir.remove()
    }
}
