import Foundation

/// Runs the Python clients in Tests/Protocol (python3 with pyzmq; deploy/test installs it).
public enum Python {
    public static var protocolDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol").path
    }

    /// Runs `script` to its end, or stops it after `timeout` seconds (the output then ends saying so);
    /// its standard output and error together. `environment` is added to the child's (`SEND_KEY_FILE`:
    /// the key the client presents, see `TestDirectory.stackKeyPath`).
    public static func run(script: String, arguments: [String], environment: [String: String] = [:],
                           timeout: Double = 60) throws -> (status: Int32, output: String) {
        let run = try ChildRun.run("/usr/bin/env", ["python3", "\(protocolDirectory)/\(script)"] + arguments,
                                   environment: environment, timeout: timeout, mergeOutput: true)
        return (run.status, run.output)
    }
}
