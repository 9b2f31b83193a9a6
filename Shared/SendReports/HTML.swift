/// Text made safe inside HTML, for pages built outside this module (family-portal's): the same
/// escaping the reports use.
public func htmlEscaped(_ text: String) -> String { HTML.escape(text) }

/// Builds an HTML document by appending to one string; every text and attribute value is escaped.
struct HTML {
    private(set) var out = ""

    init(capacity: Int = 64 * 1024) {
        out.reserveCapacity(capacity)
    }

    /// `&`, `<`, `>`, `"` and `'` as entities; the string unchanged (no copy) when it has none.
    static func escape(_ text: String) -> String {
        var needs = false
        for b in text.utf8 where b == 38 || b == 60 || b == 62 || b == 34 || b == 39 {
            needs = true
            break
        }
        guard needs else { return text }
        var r = ""
        r.reserveCapacity(text.utf8.count + 16)
        for c in text.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }

    mutating func raw(_ s: String) { out += s }

    mutating func text(_ s: String) { out += HTML.escape(s) }

    /// `<tag a="v">`; attributes with a nil value are left out.
    mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:]) {
        out += "<"
        out += tag
        for (k, v) in attributes {
            guard let v else { continue }
            out += " "
            out += k
            out += "=\""
            out += HTML.escape(v)
            out += "\""
        }
        out += ">"
    }

    mutating func close(_ tag: String) {
        out += "</"
        out += tag
        out += ">"
    }

    /// `<tag …>text</tag>`
    mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:], _ text: String) {
        open(tag, attributes)
        self.text(text)
        close(tag)
    }

    /// `<tag …>` … `</tag>` around what `body` writes.
    mutating func wrap(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:], _ body: (inout HTML) -> Void) {
        open(tag, attributes)
        body(&self)
        close(tag)
    }

    /// A table: caption, header row, body rows (each cell text, escaped); the first column as row headers.
    mutating func table(caption: String, headers: [String], rows: [[String]], id: String? = nil, rowHeaders: Bool = true,
                        numeric: Set<Int> = [], classes: [Int: (String) -> String?] = [:]) {
        open("div", ["class": "table-wrap", "role": "region", "aria-labelledby": id.map { "\($0)-caption" }, "tabindex": id == nil ? nil : "0"])
        open("table", ["id": id])
        element("caption", ["id": id.map { "\($0)-caption" }], caption)
        open("thead")
        open("tr")
        for (i, h) in headers.enumerated() { element("th", ["scope": "col", "class": numeric.contains(i) ? "num" : nil], h) }
        close("tr")
        close("thead")
        open("tbody")
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                let cls = [numeric.contains(i) ? "num" : nil, classes[i].flatMap { $0(cell) }].compactMap { $0 }.joined(separator: " ")
                if i == 0 && rowHeaders {
                    element("th", ["scope": "row", "class": cls.isEmpty ? nil : cls], cell)
                } else {
                    element("td", ["class": cls.isEmpty ? nil : cls], cell)
                }
            }
            out += "</tr>"
        }
        close("tbody")
        close("table")
        close("div")
    }
}
