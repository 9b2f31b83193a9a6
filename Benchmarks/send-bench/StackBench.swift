import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// The stack's start and recovery times, with the real supervisor and services built beside
/// `send-bench` (run it from the release build): up → all four services ready, and SIGKILL to a
/// service → that service ready again.
enum StackBench {
    static let rounds = 3

    /// Runs the rounds, prints the figures and adds them to `figures`.
    static func run(into figures: inout [String: JSONValue]) throws {
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        guard FileManager.default.isExecutableFile(atPath: "\(binDirectory)/send-supervisor") else {
            throw StartupError("no send-supervisor beside send-bench in \(binDirectory); build the package (swift build -c release)")
        }
        let context = try ZeroMQ.Context()
        var up: [Double] = []
        var scriptUp: [Double] = []
        var recovery: [Double] = []
        for _ in 0..<rounds {
            let work = try BenchDirectory()
            defer { work.remove() }
            let started = nowMicros()
            let supervisor = try startSupervisor(binDirectory: binDirectory, directories: work.directories)
            defer { stop(supervisor) }
            try waitAllReady(context: context, directories: work.directories)
            up.append((nowMicros() - started) / 1000)
            for service in ServiceName.managed {
                recovery.append(try killAndWait(service, context: context, directories: work.directories))
            }
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/stack").path
        if FileManager.default.isExecutableFile(atPath: script) {
            for _ in 0..<rounds {
                let work = try BenchDirectory()
                defer { work.remove() }
                let env = ["SEND_RUN_DIR": work.directories.run, "SEND_DATA_DIR": work.directories.data, "SEND_BIN_DIR": binDirectory]
                let started = nowMicros()
                guard runScript(script, ["up", "--detach"], environment: env) == 0 else {
                    throw StartupError("deploy/stack up --detach failed")
                }
                scriptUp.append((nowMicros() - started) / 1000)
                _ = runScript(script, ["down"], environment: env)
            }
        }

        let u = Percentiles(up)
        let r = Percentiles(recovery)
        print(String(format: "stack up → 4 services ready (send-supervisor started): p50 %.0f ms, max %.0f ms over %d runs (target ≤ 1 s)",
                     u.p50, up.max() ?? 0, up.count))
        if !scriptUp.isEmpty {
            print(String(format: "stack up → ready via `deploy/stack up --detach` (built; script checks and status table included): p50 %.0f ms, max %.0f ms",
                         Percentiles(scriptUp).p50, scriptUp.max() ?? 0))
            figures["stack_script_up_p50_ms"] = .double(Percentiles(scriptUp).p50.rounded())
        }
        print(String(format: "SIGKILL → service ready again: p50 %.0f ms, max %.0f ms over %d kills (target ≤ 0.5 s; includes the 100 ms backoff)",
                     r.p50, recovery.max() ?? 0, recovery.count))
        figures["stack_up_p50_ms"] = .double(u.p50.rounded())
        figures["stack_up_max_ms"] = .double((up.max() ?? 0).rounded())
        figures["stack_kill_ready_p50_ms"] = .double(r.p50.rounded())
        figures["stack_kill_ready_max_ms"] = .double((recovery.max() ?? 0).rounded())
    }

    static func startSupervisor(binDirectory: String, directories: RuntimeDirectories, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binDirectory)/send-supervisor")
        process.arguments = ["--run-dir", directories.run, "--data-dir", directories.data]
        var env = ProcessInfo.processInfo.environment
        // The stack's portal listens on a port of its own unless the caller names one.
        if env["SEND_PORTAL_ADDRESS"] == nil { env["SEND_PORTAL_ADDRESS"] = "127.0.0.1:0" }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    /// The service's `health` result, or nil when its socket is missing or it does not answer within 20 ms
    /// (a live service answers in well under a millisecond; a socket file left by a killed one never answers).
    static func health(_ service: String, context: ZeroMQ.Context, directories: RuntimeDirectories) -> JSONValue? {
        guard let client = try? ServiceClient(context: context, service: service, directories: directories) else { return nil }
        defer { client.close() }
        return client.health(timeout: 0.02)
    }

    static func waitAllReady(context: ZeroMQ.Context, directories: RuntimeDirectories) throws {
        let deadline = nowMicros() + 30e6
        var pending = Set(ServiceName.managed)
        while !pending.isEmpty {
            for service in pending where health(service, context: context, directories: directories) != nil {
                pending.remove(service)
            }
            if nowMicros() > deadline { throw StartupError("not ready within 30 s: \(pending.sorted().joined(separator: ", "))") }
            usleep(1000)
        }
    }

    /// SIGKILL to the service; milliseconds until a new process of it answers `health`.
    static func killAndWait(_ service: String, context: ZeroMQ.Context, directories: RuntimeDirectories) throws -> Double {
        guard let old = health(service, context: context, directories: directories)?["pid"]?.intValue else {
            throw StartupError("\(service) is not running")
        }
        let started = nowMicros()
        kill(pid_t(old), SIGKILL)
        let deadline = started + 30e6
        while nowMicros() < deadline {
            if let pid = health(service, context: context, directories: directories)?["pid"]?.intValue, pid != old {
                return (nowMicros() - started) / 1000
            }
            usleep(1000)
        }
        throw StartupError("\(service) was not ready again within 30 s of SIGKILL")
    }

    static func runScript(_ path: String, _ arguments: [String], environment: [String: String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
