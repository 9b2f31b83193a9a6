import Foundation
public import SendRuntime
public import ZeroMQ

/// A private directory for one test, short enough for ipc paths: `/tmp/spt-XXXXXX/{run,data}`.
/// Every test gets its own, so tests running in parallel never share a socket or a database.
public final class TestDirectory: Sendable {
    public let path: String

    public init(_ label: String = #function) {
        var template = Array("/tmp/spt-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.map { $0 }.withUnsafeBufferPointer { $0.baseAddress! })
        chmod(path, 0o700)
        try? label.write(toFile: "\(path)/TEST", atomically: false, encoding: .utf8)
    }

    public var run: String { "\(path)/run" }
    public var data: String { "\(path)/data" }
    public var directories: RuntimeDirectories { RuntimeDirectories(run: run, data: data) }

    /// `--run-dir R --data-dir D`
    public var flags: [String] { ["--run-dir", run, "--data-dir", data] }

    /// The stack's key pair of this directory (`data/keys/stack.key`), made now when the stack has not
    /// made it yet: the services started here serve with it, and the tests' clients present it.
    public func stackKeys() throws -> CurveKeyPair { try KeyFile.readOrCreate(directories.stackKeyPath) }

    /// `data/keys/stack.key`: `SEND_KEY_FILE` for a child (a Python client) that must act as the stack.
    public var stackKeyPath: String { directories.stackKeyPath }

    /// The last `lines` lines of each service's log under `data/logs` (the supervisor's children
    /// write there), for a failure message that says why a stack did not come up.
    public func logTails(lines: Int = 20) -> String {
        let logs = "\(data)/logs"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        if names.isEmpty { return "(no service logs in \(logs))" }
        return names.map { name in
            let text = (try? String(contentsOfFile: "\(logs)/\(name)", encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
            return "--- \(name), last \(lines) lines ---\n\(tail)"
        }.joined(separator: "\n")
    }

    /// Removes the directory (tests call this at the end; a failing test leaves it for inspection).
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
