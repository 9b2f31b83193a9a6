import Foundation
import SendModel
import SendRuntime

/// A service's state as `status` reports it.
public enum ServiceState: String, Sendable, CaseIterable {
    /// Not started yet (it waits for the services before it), or started and not yet answering `health`.
    case starting
    /// Answering `health`.
    case running
    /// Exited; waiting out its backoff before the next start.
    case restarting
    /// Exited more often than the restart intensity allows; not restarted until an operator asks.
    case failed
    /// Asked to stop (SIGTERM sent), not yet exited.
    case stopping
    /// Stopped by the supervisor.
    case stopped
}

/// One service's row in `status`, published by the supervisor's thread.
struct ServiceSnapshot: Sendable {
    var name: String
    var state: ServiceState
    var pid: Int32?
    /// Monotonic ms when the current process was started.
    var startedMonotonic: Int64?
    var startedAt: Timestamp?
    var restarts: Int
    var lastExit: ExitStatus?
    var lastExitAt: Timestamp?
    var reason: String?
    var logPath: String
    /// Milliseconds since its last heartbeat (or `health` answer) while running; else nil.
    var silentMillis: Int64?
    /// The longest silence between two signs of life seen since the supervisor started.
    var longestSilenceMillis: Int64 = 0

    func json(now: Int64) -> JSONValue {
        var lastExitJSON: JSONValue = .null
        if let lastExit {
            var o = lastExit.json
            o["at"] = lastExitAt.map { .string($0.description) } ?? .null
            o["description"] = .string(lastExit.description)
            lastExitJSON = .object(o)
        }
        return [
            "service": .string(name),
            "state": .string(state.rawValue),
            "pid": pid.map { .int(Int64($0)) } ?? .null,
            "started_at": startedAt.map { .string($0.description) } ?? .null,
            "uptime_ms": (pid != nil ? startedMonotonic : nil).map { .int(max(0, now - $0)) } ?? .null,
            "restarts": .int(Int64(restarts)),
            "last_exit": lastExitJSON,
            "reason": reason.map { .string($0) } ?? .null,
            "log": .string(logPath),
            "silent_ms": silentMillis.map { .int($0) } ?? .null,
            "longest_silence_ms": .int(longestSilenceMillis),
        ]
    }
}

/// What the command handlers and the supervisor's thread share: the published status and the
/// operator's pending requests. `@unchecked Sendable`: every field is read and written under `lock`.
final class SupervisorState: @unchecked Sendable {
    private let lock = NSLock()
    private var services: [ServiceSnapshot] = []
    private var pendingRestarts: [String] = []
    private var stopping = false
    let names: [String]
    let configSource: String
    let startedMonotonic = monotonicMillis()

    init(names: [String], configSource: String) {
        self.names = names
        self.configSource = configSource
    }

    func publish(_ rows: [ServiceSnapshot]) { lock.withLock { services = rows } }
    func setStopping() { lock.withLock { stopping = true } }
    var isStopping: Bool { lock.withLock { stopping } }

    /// Queues an operator's restart for the supervisor's thread; false when stopping.
    func requestRestart(_ name: String) -> Bool {
        lock.withLock {
            if stopping { return false }
            if !pendingRestarts.contains(name) { pendingRestarts.append(name) }
            return true
        }
    }

    func takeRestartRequests() -> [String] {
        lock.withLock {
            defer { pendingRestarts = [] }
            return pendingRestarts
        }
    }

    /// The `status` reply.
    func status(pid: Int32) -> JSONValue {
        let now = monotonicMillis()
        return lock.withLock {
            let ready = !services.isEmpty && services.allSatisfy { $0.state == .running }
            return [
                "supervisor": [
                    "pid": .int(Int64(pid)),
                    "state": .string(stopping ? "stopping" : "running"),
                    "uptime_ms": .int(now - startedMonotonic),
                    "config": .string(configSource),
                ],
                "ready": .bool(ready),
                "services": .array(services.map { $0.json(now: now) }),
            ]
        }
    }
}

