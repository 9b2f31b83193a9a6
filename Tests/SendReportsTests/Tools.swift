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

/// Real services of the report tests (findings-intake and board-actions, and parent-comms when asked)
/// in `dir` on `SEND_TODAY` `today`; with `loadDemoPlan`, the demo's inspection is imported, the board
/// has read its findings, and the demo's plan is imported — where most report tests begin.
final class ReportServices {
    let services: [ServiceProcess]
    let client: TestClient

    init(_ dir: TestDirectory, today: String, comms: Bool = false, loadDemoPlan: Bool = true) throws {
        let env = ["SEND_TODAY": today, "SEND_RATE_LIMIT_PER_MINUTE": "0", "SEND_OVERDUE_INTERVAL": "3600"]
        let names = [("findings-intake", ServiceName.findings), ("board-actions", ServiceName.board)]
            + (comms ? [("parent-comms", ServiceName.comms)] : [])
        var started: [ServiceProcess] = []
        for (executable, _) in names { started.append(try ServiceProcess(executable, dir.flags, directory: dir, environment: env)) }
        services = started
        client = try TestClient(dir)
        for (_, name) in names where !client.waitReady(name, timeout: 30) {
            stop()
            throw TestFailure("\(name) did not become ready")
        }
        guard loadDemoPlan else { return }
        do {
            try self.loadDemoPlan()
        } catch {
            stop()  // the caller gets no object to stop: nothing it started is left running
            throw error
        }
    }

    /// The demo's inspection, then (once the board has read its findings) the demo's plan.
    func loadDemoPlan() throws {
        let demo = "\(repositoryRoot)/deploy/demo"
        let report = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(demo)/lancashire-2017-report.json"))))
        _ = try client.call(ServiceName.findings, "findings.import", report, timeout: 30)
        let last = try client.call(ServiceName.findings, "health")["last_seq"]?.intValue ?? 0
        guard waitUntil(timeout: 30, interval: 0.05, {
            ((try? client.call(ServiceName.board, "health"))?["follows"]?[ServiceName.findings]?["cursor"]?.intValue ?? -1) >= last
        }) else { throw TestFailure("the board did not read the demo's findings within 30 s") }
        let plan = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(demo)/board-plan.json"))))
        _ = try client.call(ServiceName.board, "plan.import", plan, timeout: 30)
    }

    func stop() {
        client.close()
        for s in services.reversed() { s.stop() }
    }
}
