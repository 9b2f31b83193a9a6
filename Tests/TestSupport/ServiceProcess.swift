public import Foundation
public import SendModel
public import SendRuntime
public import ZeroMQ

/// Where the package's built executables are: `SEND_BIN_DIR`, else beside the test bundle.
public enum Binaries {
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["SEND_BIN_DIR"], !dir.isEmpty { return dir }
        // The test runner lives in .build/<config>/; so do the executables.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("sendctl").path) { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug").path
    }

    public static func path(_ name: String) -> String { "\(directory)/\(name)" }
}

/// A real child process of the tests, its output in files under the test directory.
public final class ServiceProcess: @unchecked Sendable {
    // `@unchecked Sendable`: `process` is a Foundation Process, used from one test at a time.
    public let process: Process
    public let name: String
    public let outputPath: String

    public init(_ executable: String, _ arguments: [String], directory: TestDirectory,
                environment: [String: String] = [:], label: String? = nil) throws {
        name = label ?? executable
        process = Process()
        // A package executable by name, or any program by its absolute path.
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : Binaries.path(executable))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Tests run in parallel: a portal a test starts (under a supervisor) listens on a port of its own.
        if env["SEND_PORTAL_ADDRESS"] == nil { env["SEND_PORTAL_ADDRESS"] = "127.0.0.1:0" }
        // No person's own key from the machine: a child presents the test directory's stack key
        // (the data directory's owner), or the key a test names.
        env["XDG_CONFIG_HOME"] = "\(directory.path)/config"
        env["SEND_KEY_FILE"] = nil
        env["SEND_OPERATOR_KEY"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        outputPath = "\(directory.path)/\(name)-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = FileHandle(forWritingAtPath: outputPath)!
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to exit; returns its status, or nil at the deadline.
    @discardableResult
    public func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public var terminationReason: Process.TerminationReason { process.terminationReason }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// SIGTERM then, if needed, SIGKILL: for test clean-up.
    public func stop() {
        if !process.isRunning { return }  // already ended: nothing to stop
        signal(SIGTERM)
        if waitForExit(timeout: 5) == nil { signal(SIGKILL); waitForExit(timeout: 5) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Polls `condition` until it holds or `timeout` seconds pass; true if it held. No fixed sleeps.
@discardableResult
public func waitUntil(timeout: Double = 10, interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(useconds_t(interval * 1_000_000))
    }
    return try condition()
}

/// A blocking client for tests: one `ServiceClient` (and its context) per service.
public final class TestClient: @unchecked Sendable {
    // `@unchecked Sendable`: the sockets are used by whichever single thread runs the test body;
    // the Swift Testing body does not hop threads between its synchronous calls.
    let directories: RuntimeDirectories
    private var clients: [String: ServiceClient] = [:]

    /// The key this client presents: the test directory's stack key unless a test gives one.
    public let identity: CurveKeyPair

    public init(_ directory: TestDirectory, identity: CurveKeyPair? = nil) throws {
        directories = directory.directories
        self.identity = try identity ?? directory.stackKeys()
    }

    func client(_ service: String) throws -> ServiceClient {
        if let c = clients[service] { return c }
        let c = try ServiceClient(service: service, directories: directories, identity: identity)
        clients[service] = c
        return c
    }

    /// The raw reply.
    public func send(_ service: String, _ request: Request, timeout: Double = 5) throws -> Reply {
        try client(service).send(request, timeout: timeout, attempts: 1)
    }

    public func call(_ service: String, _ command: String, _ args: JSONValue = [:], id: String = RequestID.make(),
                     timeout: Double = 5, attempts: Int = 1) throws -> JSONValue {
        try client(service).call(command, args, id: id, timeout: timeout, attempts: attempts)
    }

    /// True once the service answers `health` (each try waits at most 200 ms).
    public func isReady(_ service: String) -> Bool {
        (try? client(service).health(timeout: 0.2)) != nil
    }

    /// Waits until the service answers `health`.
    @discardableResult
    public func waitReady(_ service: String, timeout: Double = 15) -> Bool {
        (try? client(service).waitForHealth(timeout: timeout)) != nil
    }

    /// All events of a service, paging through `events.since`.
    public func allEvents(_ service: String, after: Int64 = 0) throws -> [Event] {
        var events: [Event] = []
        var cursor = after
        while true {
            let result = try call(service, "events.since", ["after": .int(cursor), "limit": 1000])
            let page = try (result["events"]?.arrayValue ?? []).map { try Event(json: $0) }
            if page.isEmpty { return events }
            events += page
            cursor = page.last!.seq
        }
    }

    public func close() {
        for c in clients.values { c.close() }
        clients = [:]
    }
}
