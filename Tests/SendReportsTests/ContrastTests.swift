import Foundation
@testable import SendReports
import Testing

/// WCAG 2.1 AA: text ≥ 4.5:1 against its background; marks (bars, points, lines) ≥ 3:1 against the page.
@Suite("Contrast")
struct ContrastTests {
    static func luminance(_ hex: String) -> Double {
        let digits = Array(hex.dropFirst())
        let channels = stride(from: 0, to: 6, by: 2).map { i -> Double in
            let c = Double(Int(String(digits[i...i + 1]), radix: 16)!) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    }

    static func ratio(_ a: String, _ b: String) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test("every fill's text, and every fill or its outline against the white page")
    func fills() {
        let fills = ReportData.Status.allCases.map { ("status \($0.rawValue)", Palette.status($0)) }
            + [ReportData.RAG.red, .amber, .green].map { ("rag \($0.rawValue)", Palette.rag($0)) } + [("not rated", Palette.rag(nil)), ("bar", Palette.bar)]
        for (name, fill) in fills {
            #expect(Self.ratio(fill.ink, fill.fill) >= 4.5, "\(name): text on the fill")
            let edge = max(Self.ratio(fill.fill, "#ffffff"), fill.stroke.map { Self.ratio($0, "#ffffff") } ?? 0)
            #expect(edge >= 3, "\(name): the mark against the page")
        }
    }

    @Test("chart text and the page's colours")
    func text() throws {
        for colour in [Palette.text, Palette.secondary, Palette.line, Palette.target, Palette.baseline, Palette.rag(.red).fill, "#1d70b8"] {
            #expect(Self.ratio(colour, "#ffffff") >= 4.5, "\(colour) on white")
        }
        // The style sheet's variables: text, muted text and links on white and on the grey panels; white on the masthead.
        let css = Page.css
        func variable(_ name: String) throws -> String {
            let r = try #require(css.range(of: "--\(name):#[0-9a-f]{6}", options: .regularExpression))
            return String(css[r].suffix(7))
        }
        for name in ["text", "muted", "link"] {
            #expect(Self.ratio(try variable(name), "#ffffff") >= 4.5, "--\(name) on white")
            #expect(Self.ratio(try variable(name), try variable("panel")) >= 4.5, "--\(name) on the panels")
        }
        #expect(Self.ratio("#ffffff", try variable("brand")) >= 4.5, "white on the masthead")
        #expect(Self.ratio("#b21f1f", "#fdf2f0") >= 4.5, "missing commentary on the warning panel")
    }
}
