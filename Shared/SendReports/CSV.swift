/// RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break.
public struct CSV: Sendable {
    public private(set) var text = ""

    public init(_ headers: [String]) {
        row(headers)
    }

    /// Appends one row. A text cell starting with `=`, `+`, `-` or `@` that is not a number gets a
    /// leading apostrophe, so a spreadsheet never runs it as a formula.
    public mutating func row(_ cells: [String]) {
        var first = true
        for cell in cells {
            if !first { text += "," }
            first = false
            text += CSV.field(cell)
        }
        text += "\r\n"
    }

    static func field(_ cell: String) -> String {
        var value = cell
        if let c = value.utf8.first, c == 61 || c == 43 || c == 45 || c == 64, Double(value) == nil { value = "'" + value }
        var quote = false
        for b in value.utf8 where b == 44 || b == 34 || b == 10 || b == 13 {
            quote = true
            break
        }
        guard quote else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text as written here (for the tests): rows of fields, the header first.
    public static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\r" || c == "\n" {
                if c == "\r" && chars.first == "\n" { chars.removeFirst() }
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
