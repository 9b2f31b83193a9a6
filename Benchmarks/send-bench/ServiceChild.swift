import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// An executable beside `send-bench` run as a child process on the given directories; `init`
/// returns once `service` answers `health` (30 s at most). Output goes nowhere.
final class ServiceChild {
    let process = Process()

    init(_ executable: String, arguments: [String] = [], service: String, directories: RuntimeDirectories,
         environment: [String: String] = [:]) throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.executableURL = me.deletingLastPathComponent().appendingPathComponent(executable)
        process.arguments = arguments + ["--run-dir", directories.run, "--data-dir", directories.data]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let context = try ZeroMQ.Context()
        let client = try Client(context: context, service: service, directories: directories)
        defer { client.close() }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? client.call("health", timeout: 0.2, attempts: 1)) != nil { return }
            guard process.isRunning else { break }
        }
        stop()
        throw StartupError("\(executable) did not become ready")
    }

    /// SIGTERM and wait for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
