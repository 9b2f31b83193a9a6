/// The text of a chair's update: plain text with headings and lists, a small safe subset of
/// Markdown. The board refuses anything else that looks like markup (`problem`); the reports render
/// the blocks themselves, escaping every character, so no HTML ever passes through.
///
/// - a line beginning `#`, `##` or `###` and a space is a heading;
/// - a line beginning `- ` or `* ` is an item of a bulleted list, `1. ` (any number) of a numbered one;
/// - other lines are text; lines next to each other make one paragraph, a blank line ends it.
public enum ChairText {
    public enum Block: Sendable, Hashable {
        case heading(String)
        case paragraph(String)
        case bullets([String])
        case numbered([String])
    }

    /// The longest text a chair's update may have.
    public static let maxLength = 20_000

    /// Why the text cannot be published, in words for the chair; nil when it can.
    public static func problem(_ text: String) -> String? {
        if text.allSatisfy({ $0.isWhitespace }) {
            return "the update is empty: write the chair's update as plain text (headings start with #, list items with -)"
        }
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let tag = markup(in: line) {
                return "line \(n + 1) has HTML (\(tag)): the update is plain text, with headings starting with # and list items with -; "
                    + "remove the markup and publish again"
            }
        }
        return nil
    }

    /// The first thing in `line` that reads as an HTML tag, comment or declaration (`<p`, `</`, `<!`, `<?`).
    public static func markup(in line: Substring) -> String? {
        var rest = line[...]
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if let next = after.first, next.isLetter || next == "/" || next == "!" || next == "?" {
                return String(rest[open...].prefix(while: { $0 != ">" && $0 != " " }).prefix(20)) + (rest[open...].contains(">") ? ">" : "")
            }
            rest = after
        }
        return nil
    }

    public static func parse(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var paragraph: [String] = []
        var list: (numbered: Bool, items: [String])?
        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph.joined(separator: " "))); paragraph = [] }
            if let l = list { blocks.append(l.numbered ? .numbered(l.items) : .bullets(l.items)); list = nil }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).trimmingSpaces
            if line.isEmpty { flush(); continue }
            if let heading = heading(line) {
                flush()
                blocks.append(.heading(heading))
            } else if let (numbered, item) = listItem(line) {
                if !paragraph.isEmpty || (list != nil && list!.numbered != numbered) { flush() }
                if list == nil { list = (numbered, []) }
                list!.items.append(item)
            } else if list != nil, raw.first == " " || raw.first == "\t" {
                // An indented line goes on with the item above it.
                list!.items[list!.items.count - 1] += " " + line
            } else {
                if list != nil { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return blocks
    }

    public static func heading(_ line: String) -> String? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...3).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        let words = String(line.dropFirst(hashes)).trimmingSpaces
        return words.isEmpty ? nil : words
    }

    static func listItem(_ line: String) -> (Bool, String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") {
            let item = String(line.dropFirst(2)).trimmingSpaces
            return item.isEmpty ? nil : (false, item)
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, line.dropFirst(digits.count).hasPrefix(". ") else { return nil }
        let item = String(line.dropFirst(digits.count + 2)).trimmingSpaces
        return item.isEmpty ? nil : (true, item)
    }
}
