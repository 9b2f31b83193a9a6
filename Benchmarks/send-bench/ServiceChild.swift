import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// An executable beside `send-bench` run as a child process on the given directories; `init`
/// returns once `service` answers `health` (30 s at most). Output goes nowhere.
final class ServiceChild {
    let process = Process()

    init(_ executable: String, arguments: [String] = [], service: String, directories: RuntimeDirectories,
         environment: [String: String] = [:], curve: Bool = true) throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.executableURL = me.deletingLastPathComponent().appendingPathComponent(executable)
        process.arguments = arguments + ["--run-dir", directories.run, "--data-dir", directories.data]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // The stack's key, made before the child starts: the child serves with it and this process presents it.
        _ = try KeyFile.readOrCreate(directories.stackKeyPath)
        try process.run()
        do {
            if curve {
                let client = try ServiceClient(service: service, directories: directories)
                defer { client.close() }
                try client.waitForHealth(timeout: 30)
            } else {
                try ServiceChild.waitPlain(try directories.commandEndpoint(service), timeout: 30)
            }
        } catch {
            stop()
            throw StartupError("\(executable) did not become ready: \(error)")
        }
    }

    /// Waits for a service without CURVE to answer `health` on a plain socket.
    static func waitPlain(_ endpoint: String, timeout: Double) throws {
        let context = try Context()
        let socket = try Socket(context, .dealer)
        defer { socket.close() }
        try socket.connect(endpoint)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try socket.send(frames: [[], Array(#"{"v":1,"id":"ready-\#(RequestID.make())","command":"health"}"#.utf8)])
            var items = [PollItem(socket)]
            try poll(&items, timeoutMilliseconds: 200)
            if items[0].isReadable, (try socket.receive(dontWait: true)) != nil { return }
        }
        throw StartupError("no answer to health at \(endpoint) within \(Int(timeout)) s")
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
