import Foundation
import SendModel
import SendRuntime
import TestSupport

/// A real `send-supervisor` (and so the real services) started for one test in its own directories.
final class Stack {
    let dir: TestDirectory
    let supervisor: ServiceProcess
    let client: TestClient

    /// Starts the supervisor with `config` (JSON text) or, when nil, its embedded default, and
    /// `environment` added to its own (e.g. `SEND_OPERATOR_KEY`).
    init(config: String? = nil, directory: TestDirectory = TestDirectory(), environment: [String: String] = [:]) throws {
        dir = directory
        var arguments = dir.flags
        if let config {
            let path = "\(dir.path)/stack.json"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        }
        supervisor = try ServiceProcess("send-supervisor", arguments, directory: dir, environment: environment)
        client = try TestClient(dir)
    }

    func status() throws -> JSONValue { try client.call(ServiceName.supervisor, "status", timeout: 2) }

    func service(_ name: String) throws -> JSONValue {
        try (status()["services"]?.arrayValue ?? []).first { $0["service"]?.stringValue == name } ?? .null
    }

    func pid(_ name: String) -> Int32? {
        (try? service(name)["pid"]?.intValue).flatMap { $0.map { Int32($0) } }
    }

    func state(_ name: String) -> String? { try? service(name)["state"]?.stringValue }

    /// Waits until every service is running.
    @discardableResult
    func waitReady(timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout, interval: 0.02) { (try? status()["ready"]?.boolValue) == true }
    }

    func events() throws -> [Event] { try client.allEvents(ServiceName.supervisor) }

    /// Stops the supervisor (SIGTERM), kills anything left, removes the directory.
    func finish() {
        client.close()
        supervisor.stop()
        Stack.killLeftovers(dir)
        dir.remove()
    }

    /// SIGKILL to every process still holding a lock in the run directory (a test that failed half-way).
    static func killLeftovers(_ dir: TestDirectory) {
        for pid in lockHolders(dir) { kill(pid, SIGKILL) }
    }

    /// Pids of the processes holding a `<run>/*.lock`: the supervisor and services still running there.
    static func lockHolders(_ dir: TestDirectory) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.run)) ?? []
        return names.filter { $0.hasSuffix(".lock") }.compactMap { name in
            InstanceLock.inspect("\(dir.run)/\(name)").flatMap { $0.held ? $0.pid : nil }
        }
    }

    /// Socket files in the run directory.
    static func sockets(_ dir: TestDirectory) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.run)) ?? []
        return names.filter { name in
            var st = stat()
            return lstat("\(dir.run)/\(name)", &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
        }.sorted()
    }
}

/// True while a process with this pid runs (a zombie waiting for a parent that never reaps it does not count).
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.range(of: ") ", options: .backwards) else { return true }
    return !stat[close.upperBound...].hasPrefix("Z")
}

/// Runs a program to the end (stopped at the deadline, saying so); its exit status and everything it printed.
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: TestDirectory,
             timeout: Double = 120) throws -> (status: Int32, output: String) {
    let run = try ChildRun.run(path, arguments, environment: environment, timeout: timeout, mergeOutput: true)
    return (run.status, run.output)
}

/// The repository's root, for `deploy/stack`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A fake service for the supervisor to run: a Python script with a command socket only
/// (`<run>/<name>.cmd`, CURVE with the stack's key as every service's), answering every request as
/// `health` with status ready, as the portal does. `ignoringSIGTERM`: one that will not stop when
/// asked. Returns the script's path.
func fakeHealthService(_ dir: TestDirectory, name: String, ignoringSIGTERM: Bool = false) throws -> String {
    let script = "\(dir.path)/\(name).py"
    try """
        #!/usr/bin/env python3
        import json, os, signal, sys, zmq
        if \(ignoringSIGTERM ? "True" : "False"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run = sys.argv[sys.argv.index("--run-dir") + 1]
        data = sys.argv[sys.argv.index("--data-dir") + 1]
        key = dict(line.split(" = ", 1) for line in open(data + "/keys/stack.key").read().splitlines() if " = " in line)
        sock = zmq.Context().socket(zmq.ROUTER)
        sock.curve_server = True
        sock.curve_publickey, sock.curve_secretkey = key["public-key"].encode(), key["secret-key"].encode()
        sock.bind("ipc://%s/\(name).cmd" % run)
        while True:
            frames = sock.recv_multipart()
            request = json.loads(frames[-1])
            result = {"service": "\(name)", "status": "ready", "pid": os.getpid()}
            sock.send_multipart(frames[:-1] + [json.dumps({"v": 1, "id": request.get("id"), "ok": True, "result": result}).encode()])
        """.write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o700)
    return script
}
