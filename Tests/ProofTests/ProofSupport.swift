import Foundation
import SendModel
import SendRuntime
import TestSupport

/// The repository's root (for deploy/demo and Tests/Protocol).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// What a program printed and how it ended.
struct ToolRun {
    let status: Int32
    let output: String
    let timedOut: Bool
}

/// Runs a program to its end, or stops it at the deadline (`stopSignal`, then SIGKILL 5 s later);
/// its standard output and error together. (`directory`: the test's, kept for the callers.)
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: TestDirectory,
             timeout: Double, stopSignal: Int32 = SIGKILL) throws -> ToolRun {
    let run = try ChildRun.run(path, arguments, environment: environment, timeout: timeout, mergeOutput: true, stopSignal: stopSignal)
    return ToolRun(status: run.status, output: run.output, timedOut: run.timedOut)
}

/// `python3 Tests/Protocol/<script> …`, presenting the directory's stack key (`SEND_KEY_FILE`).
func runPython(_ script: String, _ arguments: [String], directory: TestDirectory, timeout: Double) throws -> ToolRun {
    _ = try directory.stackKeys()
    return try runTool("/usr/bin/env", ["python3", "\(Python.protocolDirectory)/\(script)"] + arguments,
                       environment: ["SEND_KEY_FILE": directory.stackKeyPath], directory: directory, timeout: timeout)
}

/// Executables per service name.
enum Executables {
    static let byService = [ServiceName.findings: "findings-intake", ServiceName.board: "board-actions",
                            ServiceName.comms: "parent-comms", ServiceName.notifications: "notifications"]
}

/// Today for every service these tests start: a fixed working day, so that dates never drift.
let proofToday = "2026-03-02"

extension TestClient {
    /// The service's `health` result, or nil.
    func health(_ service: String) -> JSONValue? { try? call(service, "health", timeout: 2) }

    /// The highest seq the service has stored.
    func lastSeq(_ service: String) -> Int64? { health(service)?["last_seq"]?.intValue }

    /// Waits until every follower running here has applied everything its sources have stored
    /// (board, comms and notifications: each `follows` cursor equals its source's `last_seq`).
    @discardableResult
    func waitSettled(timeout: Double = 30) -> Bool {
        waitUntil(timeout: timeout, interval: 0.05) {
            var lasts: [String: Int64] = [:]
            for service in ServiceName.managed + [ServiceName.supervisor] {
                if let last = lastSeq(service) { lasts[service] = last }
            }
            for follower in [ServiceName.board, ServiceName.comms, ServiceName.notifications] where lasts[follower] != nil {
                guard let follows = health(follower)?["follows"]?.objectValue else { return false }
                for (source, f) in follows where lasts[source] != nil {
                    if f["cursor"]?.intValue != lasts[source] { return false }
                }
            }
            return true
        }
    }

    /// True once `follower`'s cursor on `source` equals `seq`.
    func hasApplied(_ follower: String, _ source: String, through seq: Int64) -> Bool {
        health(follower)?["follows"]?[source]?["cursor"]?.intValue == seq
    }
}

/// The demo report of the seed article (`deploy/demo/lancashire-2017-report.json`) as JSON.
func demoReport() throws -> JSONValue {
    try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/lancashire-2017-report.json"))))
}

/// A report of its own for `n`: one inspection and three weaknesses, unique ids.
func smallReport(_ n: Int, area: String = "Proofshire") -> JSONValue {
    let id = "INS-proof-\(n)"
    return [
        "inspection": ["inspection_id": .string(id), "local_area": .string("\(area) \(n)"), "framework": "2016",
                       "visit_start": "2025-01-13", "visit_end": "2025-01-17", "published": "2025-03-03", "outcome": "wsoa_required"],
        "findings": .array((1...3).map { i in
            ["kind": i == 1 ? "fundamental_failing" : "area_of_significant_weakness", "theme": .string("theme \(i)"),
             "summary": .string("Weakness \(i) of report \(n)"), "bodies": ["local_authority"]]
        }),
    ]
}

/// Whether a file's bytes contain any of the needles (case-insensitive for ASCII).
func containsAny(_ text: String, _ needles: [String]) -> [String] {
    let lower = text.lowercased()
    return needles.filter { lower.contains($0.lowercased()) }
}

/// Every regular file under `path`, recursively.
func files(under path: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: path) else { return [] }
    var result: [String] = []
    while let name = e.nextObject() as? String {
        var st = stat()
        let full = "\(path)/\(name)"
        if lstat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { result.append(full) }
    }
    return result.sorted()
}

/// The mode bits and owner of a path (without following a symbolic link).
func fileMode(_ path: String) -> (mode: mode_t, uid: uid_t, type: mode_t)? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return (st.st_mode & 0o7777, st.st_uid, st.st_mode & S_IFMT)
}

/// The whole stack under a real `send-supervisor`, in its own test directory.
final class ProofStack {
    let dir: TestDirectory
    /// The supervisor this test started; after `restartSupervisorDetached` a supervisor that
    /// `deploy/stack up --detach` started runs instead (`supervisorPid`).
    let supervisor: ServiceProcess
    let client: TestClient
    /// What the supervisor was started with, for `deploy/stack up` on the same directories.
    private let environment: [String: String]
    private let configPath: String?
    /// The pid of the supervisor `deploy/stack up --detach` started last, if any.
    private(set) var detachedPid: Int32?

    init(directory: TestDirectory = TestDirectory(), environment: [String: String] = [:], config: String? = nil) throws {
        dir = directory
        var arguments = dir.flags
        if let config {
            let path = "\(dir.path)/stack.json"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
            configPath = path
        } else {
            configPath = nil
        }
        var env = ["SEND_TODAY": proofToday]
        for (k, v) in environment { env[k] = v }
        self.environment = env
        supervisor = try ServiceProcess("send-supervisor", arguments, directory: dir, environment: env, label: "supervisor")
        client = try TestClient(dir)
    }

    func status() throws -> JSONValue { try client.call(ServiceName.supervisor, "status", timeout: 2) }

    /// Every service's row of `status`, by name.
    func rows() -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for row in (try? status()["services"]?.arrayValue) ?? [] {
            if let name = row["service"]?.stringValue { result[name] = row }
        }
        return result
    }

    func pid(_ service: String) -> Int32? { rows()[service]?["pid"]?.intValue.map { Int32($0) } }

    /// The running supervisor's pid.
    var supervisorPid: Int32 { detachedPid ?? supervisor.pid }

    /// True while a supervisor holds the run directory's lock (a killed one releases it as it dies,
    /// whether or not anyone reaps it).
    var supervisorIsRunning: Bool { lockIsHeld("\(dir.run)/supervisor.lock") }

    /// For a failure message: what the supervisor this test started printed, then the end of every
    /// service's log (a supervisor started by `deploy/stack up --detach` logs there too).
    var startupReport: String { "\(supervisor.output)\n\(dir.logTails())" }

    @discardableResult
    func waitReady(timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout, interval: 0.05) { (try? status()["ready"]?.boolValue) == true }
    }

    /// SIGKILL to the supervisor, then `deploy/stack up --detach` on the same directories, as an
    /// operator would after finding it gone. What `deploy/stack` printed and how long it took.
    func killSupervisorAndStackUp() throws -> (killed: Int32, up: ToolRun, seconds: Double) {
        let killed = supervisorPid
        kill(killed, SIGKILL)
        if detachedPid == nil { _ = supervisor.waitForExit(timeout: 10) }
        _ = waitUntil(timeout: 10, interval: 0.01) { !supervisorIsRunning }
        let started = Date()
        var env = environment
        env["SEND_RUN_DIR"] = dir.run
        env["SEND_DATA_DIR"] = dir.data
        env["SEND_BIN_DIR"] = Binaries.directory
        env["SEND_STACK_CONFIG"] = configPath ?? ""
        if env["SEND_PORTAL_ADDRESS"] == nil { env["SEND_PORTAL_ADDRESS"] = "127.0.0.1:0" }
        let up = try runTool("\(repositoryRoot)/deploy/stack", ["up", "--detach"], environment: env, directory: dir, timeout: 120)
        let seconds = Date().timeIntervalSince(started)
        if let pid = (try? status()["supervisor"]?["pid"]?.intValue).flatMap({ $0 }) { detachedPid = Int32(pid) }
        return (killed, up, seconds)
    }

    /// Stops the supervisor (and so the services) and removes the directory unless `keep`.
    func finish(keep: Bool = false) {
        client.close()
        if let detachedPid {
            // Not this process's child: SIGTERM, then wait for its lock (every service stops first).
            kill(detachedPid, SIGTERM)
            if !waitUntil(timeout: 60, interval: 0.05, { !supervisorIsRunning }) { kill(detachedPid, SIGKILL) }
        }
        supervisor.stop()
        if !keep { dir.remove() }
    }
}

/// True while some process holds an flock on `path`.
func lockIsHeld(_ path: String) -> Bool { InstanceLock.inspect(path)?.held == true }
