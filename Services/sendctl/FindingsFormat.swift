import ArgumentParser
import Foundation
import SendModel

/// How findings-service answers read for people: kinds, deadlines and counts in words.
enum FindingsFormat {
    /// Finding kinds in the order a report gives them, with singular and plural labels.
    static let kinds: [(kind: String, one: String, many: String)] = [
        ("fundamental_failing", "fundamental failing", "fundamental failings"),
        ("area_of_significant_weakness", "area of significant weakness", "areas of significant weakness"),
        ("priority_area", "priority area", "priority areas"),
        ("area_for_improvement", "area for improvement", "areas for improvement"),
        ("strength", "strength", "strengths"),
    ]

    static func kindLabel(_ kind: String?) -> String {
        guard let kind else { return "-" }
        return kinds.first { $0.kind == kind }?.one ?? kind.replacingOccurrences(of: "_", with: " ")
    }

    /// `2 fundamental failings, 7 areas of significant weakness, 2 strengths`
    static func counts(_ value: JSONValue?) -> String {
        guard let counts = value?.objectValue else { return "" }
        let parts = kinds.compactMap { k -> String? in
            guard let n = counts[k.kind]?.intValue, n > 0 else { return nil }
            return "\(n) \(n == 1 ? k.one : k.many)"
        }
        return parts.joined(separator: ", ")
    }

    static let deadlineLabels: [(key: String, label: String)] = [
        ("wsoa_due", "written statement of action due"),
        ("pap_due", "priority action plan due"),
        ("revisit_window_start", "revisit expected from"),
        ("revisit_window_end", "revisit expected by"),
        ("monitoring_expected", "monitoring inspection expected"),
    ]

    /// One line per deadline: `written statement of action due  2018-04-26  (12 working days left)`.
    static func deadlineLines(_ deadlines: JSONValue?, left: JSONValue? = nil) -> [[String]] {
        deadlineLabels.compactMap { key, label in
            guard let date = deadlines?[key]?.stringValue else { return nil }
            var note = ""
            if let n = left?[key]?.intValue {
                note = n > 0 ? "\(n) working day\(n == 1 ? "" : "s") left" : n == 0 ? "today" : "passed \(-n) working day\(n == -1 ? "" : "s") ago"
            }
            return left == nil ? [label, date] : [label, date, note]
        }
    }

    /// The earliest statutory due date of an inspection, for a table cell.
    static func nextDue(_ deadlines: JSONValue?) -> String {
        if let d = deadlines?["wsoa_due"]?.stringValue { return "WSoA \(d)" }
        if let d = deadlines?["pap_due"]?.stringValue { return "PAP \(d)" }
        return "-"
    }

    static func judgement(_ finding: JSONValue) -> String {
        guard let j = finding["judgement"], let what = j["judgement"]?.stringValue else { return "-" }
        return "\(what.replacingOccurrences(of: "_", with: " ")) (\(j["date"]?.cell ?? "?"))"
    }

    /// Text cut to `width` characters for a table cell.
    static func cut(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// Reads a JSON object from a file for a command's args; exits 64 if unreadable, 65 if not a JSON object.
    static func readObject(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path): no such file, or not readable")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(Array(data)) } catch {
            printError("sendctl: invalid: \(path) is not valid JSON: \(error)")
            throw ExitCode(65)
        }
        guard value.objectValue != nil else {
            printError("sendctl: invalid: \(path) must hold one JSON object, not \(value.typeName)")
            throw ExitCode(65)
        }
        return value
    }
}
