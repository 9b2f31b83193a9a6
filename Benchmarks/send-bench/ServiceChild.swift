import Foundation
import SendModel
import SendRuntime

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
        let client = try ServiceClient(service: service, directories: directories)
        defer { client.close() }
        do {
            try client.waitForHealth(timeout: 30)
        } catch {
            stop()
            throw StartupError("\(executable) did not become ready: \(error)")
        }
    }

    /// The child's process id (for reading its CPU from /proc).
    var pid: Int32 { process.processIdentifier }

    /// SIGTERM and wait for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
