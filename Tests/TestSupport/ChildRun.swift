public import Foundation

/// What a program the tests ran printed, and how it ended.
public struct ChildRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when it was still running at the deadline and was stopped; `stderr` (or `output`) says so.
    public let timedOut: Bool

    /// Standard output then standard error (or both interleaved, when run with `mergeOutput`).
    public var output: String { stdout + stderr }

    /// Runs `executable` to its end, or stops it at the deadline: `stopSignal`, then SIGKILL 5 s later.
    /// Its output goes to files, never a pipe, so a child that prints a lot never blocks and no read
    /// waits past the deadline. A timeout is said in the returned output, not only in `timedOut`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           timeout: Double, mergeOutput: Bool = false, stopSignal: Int32 = SIGTERM) throws -> ChildRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let base = "\(NSTemporaryDirectory())/send-child-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        var env = ProcessInfo.processInfo.environment
        // A person's own key on this machine is never a test's: children use the stack's key of
        // the directories they are given, or the key a test names. The configuration directory is
        // this run's own (a key a child makes there, as `deploy/stack up` does, goes with the run):
        // a test that keeps keys between runs names its own XDG_CONFIG_HOME.
        let noConfig = base + ".config"
        env["XDG_CONFIG_HOME"] = noConfig
        env["SEND_KEY_FILE"] = nil
        env["SEND_OPERATOR_KEY"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let outPath = base + ".out", errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
            try? FileManager.default.removeItem(atPath: noConfig)
        }
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? outHandle.close() }
        process.standardOutput = outHandle
        var errHandle = outHandle
        if !mergeOutput {
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        }
        defer { if !mergeOutput { try? errHandle.close() } }
        process.standardError = errHandle
        // A child inherits the spawning thread's signal mask, and the test runner's threads block most
        // signals: without this, the stop at the deadline (SIGTERM) would wait, blocked, for SIGKILL.
        var stops = sigset_t(), mask = sigset_t()
        sigemptyset(&stops)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&stops, s) }
        pthread_sigmask(SIG_UNBLOCK, &stops, &mask)
        defer { pthread_sigmask(SIG_SETMASK, &mask, nil) }
        try process.run()

        let name = URL(fileURLWithPath: executable).lastPathComponent
        let exited = waitUntil(timeout: timeout, interval: 0.005) { !process.isRunning }
        var note = ""
        if !exited {
            kill(process.processIdentifier, stopSignal)
            note = "\n[test harness: \(name) was still running after \(timeout) s; stopped with signal \(stopSignal)"
            if !waitUntil(timeout: 5, interval: 0.005, { !process.isRunning }) {
                kill(process.processIdentifier, SIGKILL)
                note += ", then SIGKILL"
                _ = waitUntil(timeout: 5, interval: 0.005) { !process.isRunning }
            }
            note += "]\n"
        }
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = mergeOutput ? "" : (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let status = process.isRunning ? -1 : process.terminationStatus
        return ChildRun(status: status, stdout: mergeOutput ? stdout + note : stdout, stderr: mergeOutput ? stderr : stderr + note,
                        timedOut: !exited)
    }
}
