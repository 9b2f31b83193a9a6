/// Text made safe for HTML: every page the portal writes goes through `escape`.
enum HTMLText {
    /// The reports' escaping (`&`, `<`, `>`, `"`, `'`).
    static func escape(_ s: String) -> String { htmlEscaped(s) }

    /// Paragraphs from plain text: blank lines part paragraphs, single line breaks stay.
    static func paragraphs(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { "<p>" + escape($0).replacingOccurrences(of: "\n", with: "<br>") + "</p>" }
            .joined(separator: "\n")
    }
}

import Foundation
import SendReports
