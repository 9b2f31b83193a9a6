import Foundation
import SendModel
import TestSupport
import Testing

/// The typed contract between the processes cannot be bypassed or drift from docs/PROTOCOL.md:
/// no service reads another's payload by string key or emits untyped data, and every documented
/// event field is a field of its payload type, both ways.
@Suite("The event contract is typed and documented")
struct ContractTests {
    // MARK: (a) no string-key reads of a payload, no untyped emit

    /// What a line must not contain, and why.
    static var forbidden: [(pattern: Regex<Substring>, why: String)] { [
        (#/\.data\??\[/#, "reads an event's data by string key; decode it with event.decode(as: Payload.self)"),
        (#/(?:^|[^A-Za-z0-9_])data\??\["/#, "reads a payload by string key; decode it with event.decode(as: Payload.self)"),
        (#/\.data\??\.(?:objectValue|stringValue|intValue|arrayValue|boolValue)/#,
         "reads an event's data untyped; decode it with event.decode(as: Payload.self)"),
        (#/(?:^|[^A-Za-z0-9_])emit\(\s*(?:type:\s*)?(?:"|EventType\.)/#, "emits untyped data; emit a payload type of SendModel/Events"),
        (#/func emit\(\s*(?:_\s+)?\w+:\s*String\b/#, "declares an untyped emit; emit takes an EventPayload"),
    ] }

    @Test("no source in Services/ or Shared/ reads an event payload by string key or emits untyped data")
    func noUntypedPayloadAccess() throws {
        var checked = 0
        var offences: [String] = []
        let rules = Self.forbidden
        for top in ["Services", "Shared"] {
            let root = "\(repositoryRoot)/\(top)"
            let walker = try #require(FileManager.default.enumerator(atPath: root), "\(root) cannot be read")
            for case let relative as String in walker where relative.hasSuffix(".swift") {
                let path = "\(top)/\(relative)"
                let text = try String(contentsOfFile: "\(repositoryRoot)/\(path)", encoding: .utf8)
                checked += 1
                for (n, line) in text.components(separatedBy: "\n").enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    // Only lines that could offend go through the (slow, in a debug build) patterns.
                    if code.hasPrefix("//") || !(code.contains("data") || code.contains("emit")) { continue }
                    for rule in rules where code.contains(rule.pattern) {
                        offences.append("\(path):\(n + 1): \(rule.why): \(code)")
                    }
                }
            }
        }
        #expect(checked > 100, "only \(checked) Swift files found under Services/ and Shared/")
        #expect(offences.isEmpty, "\n\(offences.joined(separator: "\n"))")
    }

    @Test("the rules catch what they are for", arguments: [
        "let id = event.data[\"action_id\"]?.stringValue",
        "guard let t = e.data?[\"title\"] else { return }",
        "let title = data[\"title\"]?.stringValue ?? \"?\"",
        "try ctx.emit(\"action.created\", [\"action_id\": .string(id)])",
        "try ctx.emit(EventType.actionCreated, data)",
        "public func emit(_ type: String, _ data: JSONValue) {",
        "let o = event.data.objectValue ?? [:]",
    ])
    func rulesCatch(_ line: String) {
        #expect(Self.forbidden.contains { line.contains($0.pattern) }, "\(line)")
    }

    @Test("typed access passes the rules")
    func typedAccessPasses() {
        for line in ["let e = try event.decode(as: ActionCreated.self)", "try change.emit(CoverageGap(findingID: id, kind: kind))",
                     "try ctx.emit(payload, as: type)", "let metadata = request.data"] {
            #expect(!Self.forbidden.contains { line.contains($0.pattern) }, "\(line)")
        }
    }

    // MARK: (b) docs/PROTOCOL.md's event tables are the payload types

    @Test("every event docs/PROTOCOL.md documents is a payload type whose example encodes exactly the documented keys, and every payload type is documented")
    func documentedEventsAreThePayloadTypes() throws {
        let rows = try EventTable.rows(file: "docs/PROTOCOL.md")
        #expect(rows.count >= 30, "only \(rows.count) event rows found in docs/PROTOCOL.md")
        var types: [String: any EventPayload.Type] = [:]
        for type in EventPayloads.all { types[type.eventType] = type }

        for row in rows {
            if let type = types[row.type] {
                let encoded = try EventPayloads.exampleKeys(type)
                #expect(row.keys == encoded, """
                    docs/PROTOCOL.md:\(row.line): \(row.type) documents \(row.keys.sorted()); \(type) encodes \(encoded.sorted()) \
                    (documented, not in the type: \(row.keys.subtracting(encoded).sorted()); \
                    in the type, not documented: \(encoded.subtracting(row.keys).sorted()))
                    """)
            } else {
                Issue.record("docs/PROTOCOL.md:\(row.line): \(row.type) is documented but EventPayloads.all has no payload type for it")
            }
            #expect(rows.filter { $0.type == row.type }.count == 1, "docs/PROTOCOL.md:\(row.line): \(row.type) is documented more than once")
        }
        let documented = Set(rows.map(\.type))
        for type in EventPayloads.all where type.eventType != EventType.heartbeat {
            #expect(documented.contains(type.eventType), "\(type) (\(type.eventType)) is in EventPayloads.all but in no event table of docs/PROTOCOL.md")
        }

        // The heartbeat is documented by its example under "Events".
        let doc = try String(contentsOfFile: "\(repositoryRoot)/docs/PROTOCOL.md", encoding: .utf8).components(separatedBy: "\n")
        let line = try #require(doc.first { $0.hasPrefix("[\"heartbeat\",") }, "docs/PROTOCOL.md shows no heartbeat")
        let example = try JSONValue.parse(Array(line.utf8))
        let data = try #require(example.arrayValue?.last?["data"]?.objectValue, "the heartbeat example has no data: \(line)")
        #expect(Set(data.keys) == (try EventPayloads.exampleKeys(Heartbeat.self)))
    }

    @Test("the table reader finds keys in both spellings, skips values, nested objects and explanations")
    func tableReader() {
        #expect(EventTable.keys(#"`{"a","framework":"2016"\|"2023","d":{"x"?,"y"?},"c_d"?}` (only those)"#) == ["a", "framework", "d", "c_d"])
        #expect(EventTable.keys(#"`{"a", "s"?: {"from", "to"}, "n": count, "r": "x"\|"y"}` — once"#) == ["a", "s", "n", "r"])
        #expect(EventTable.keys("`a`, `b`? \\| `c`?, `d` (`x`, `y`: no), `urgent: true`; for some `e`") == ["a", "b", "c", "d", "urgent", "e"])
    }
}

/// The rows of a Markdown document's event tables: a table whose header starts `| type`, its
/// first cell the backticked type, its last the data's keys.
enum EventTable {
    struct Row { let type: String; let keys: Set<String>; let line: Int }

    static func rows(file: String) throws -> [Row] {
        let lines = try String(contentsOfFile: "\(repositoryRoot)/\(file)", encoding: .utf8).components(separatedBy: "\n")
        var rows: [Row] = []
        var inCode = false, inTable = false
        for (i, line) in lines.enumerated() {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inCode.toggle(); continue }
            if inCode { continue }
            if line.hasPrefix("| type ") { inTable = true; continue }
            if !line.hasPrefix("|") { inTable = false }
            guard inTable, line.hasPrefix("| `") else { continue }
            let cells = cellsOf(line)
            let type = String(cells[0].drop { $0 == "`" }.prefix { $0 != "`" })
            rows.append(Row(type: type, keys: keys(cells[cells.count - 1]), line: i + 1))
        }
        return rows
    }

    /// A table line's cells, `\|` kept inside its cell.
    static func cellsOf(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", previous: Character = " "
        for c in line.dropFirst() {
            if c == "|" && previous != "\\" {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(c)
            }
            previous = c
        }
        return cells
    }

    /// The top-level keys a data cell lists: either one backticked JSON-like object
    /// (`` `{"a","b"?: {…},"c":"x"\|"y"}` ``), or backticked names (`` `a`, `b`? ``) outside parentheses.
    static func keys(_ cell: String) -> Set<String> {
        let text = cell.replacingOccurrences(of: "\\|", with: "|")
        let spans = backticked(text)
        if let first = spans.first, first.text.hasPrefix("{") { return objectKeys(first.text) }
        var keys = Set<String>()
        for span in spans where span.parenDepth == 0 {
            let name = span.text.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            let rest = span.text.dropFirst(name.count)
            if !name.isEmpty, rest.isEmpty || rest == "?" || rest.hasPrefix(":") { keys.insert(String(name)) }
        }
        return keys
    }

    /// The backticked spans of a text, each with the depth of parentheses it sits in.
    static func backticked(_ text: String) -> [(text: String, parenDepth: Int)] {
        var spans: [(String, Int)] = [], depth = 0, current: String?
        for c in text {
            if c == "`" {
                if let span = current { spans.append((span, depth)); current = nil } else { current = "" }
            } else if current != nil {
                current?.append(c)
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth = max(0, depth - 1)
            }
        }
        return spans
    }

    /// The keys at the top level of `{"a","b":…}`: a quoted string after `{` or `,` at depth 1.
    static func objectKeys(_ object: String) -> Set<String> {
        var keys = Set<String>(), depth = 0, lastSignificant: Character = " "
        var chars = object.makeIterator()
        while let c = chars.next() {
            switch c {
            case "{", "[": depth += 1; lastSignificant = c
            case "}", "]": depth -= 1; lastSignificant = c
            case "\"":
                var word = ""
                while let d = chars.next(), d != "\"" { word.append(d) }
                if depth == 1 && (lastSignificant == "{" || lastSignificant == ",") { keys.insert(word) }
                lastSignificant = "\""
            case " ", "\t": break
            default: lastSignificant = c
            }
        }
        return keys
    }
}
