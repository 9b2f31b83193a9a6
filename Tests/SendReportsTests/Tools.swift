import Foundation
import SendModel
import TestSupport

/// The repository's root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Runs a program to the end (stopped at the deadline, saying so in `stderr`); its output and status.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 180) throws
    -> (status: Int32, stdout: String, stderr: String)
{
    let run = try ChildRun.run(executable, arguments, environment: environment, timeout: timeout)
    return (run.status, run.stdout, run.stderr)
}

/// `sendctl ARGS --run-dir … --data-dir …`
func sendctl(_ arguments: [String], _ dir: TestDirectory) throws -> (status: Int32, stdout: String, stderr: String) {
    try run(Binaries.path("sendctl"), arguments + dir.flags)
}

/// A Python script of Tests/Browser, its stdout parsed as JSON.
func python(_ script: String, _ arguments: [String], timeout: Double = 300) throws -> JSONValue {
    let path = "\(repositoryRoot)/Tests/Browser/\(script)"
    let r = try run("/usr/bin/env", ["python3", path] + arguments, timeout: timeout)
    guard let value = try? JSONValue.parse(Array(r.stdout.utf8)) else {
        throw TestFailure("\(script) printed no JSON (status \(r.status)): \(r.stdout.prefix(2000)) \(r.stderr.suffix(4000))")
    }
    return value
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What `check_html.py` found in a page.
struct PageCheck {
    let json: JSONValue

    init(_ path: String) throws { json = try python("check_html.py", [path]) }

    var errors: [String] { (json["errors"]?.arrayValue ?? []).compactMap(\.stringValue) }
    var headings: [(level: Int, text: String)] {
        (json["headings"]?.arrayValue ?? []).map { (Int($0["level"]?.intValue ?? 0), $0["text"]?.stringValue ?? "") }
    }
    var text: String { json["text"]?.stringValue ?? "" }
    var charts: [JSONValue] { json["charts"]?.arrayValue ?? [] }

    func chart(_ id: String) -> JSONValue? { charts.first { $0["id"]?.stringValue == id } }

    /// A chart's marks as (series, label, value).
    func marks(_ id: String) -> [(series: String, label: String, value: String)] {
        (chart(id)?["marks"]?.arrayValue ?? []).map {
            ($0["series"]?.stringValue ?? "", $0["label"]?.stringValue ?? "", $0["value"]?.stringValue ?? "")
        }
    }
}

/// A CSV file of a report as rows of named fields.
func csvRecords(_ path: String) throws -> [[String: String]] {
    let rows = CSVText.parse(try String(contentsOfFile: path, encoding: .utf8))
    guard let header = rows.first else { return [] }
    return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0).map { ($0, $1) }) }
}

/// RFC 4180 parsing for the tests (independent of the library's writer).
enum CSVText {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var it = Array(text)[...]
        while let c = it.popFirst() {
            if quoted {
                if c == "\"" { if it.first == "\"" { field.append("\""); it.removeFirst() } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r\n" || c == "\n" || c == "\r" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

/// Where the browser is: `chromium` on PATH (Debian's package; deploy/test installs it).
var chromiumPath: String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
    }
    return nil
}
