/// What a supervisor found on its run directory when it started: services left by a supervisor
/// that was killed. Recorded before it starts anything, so they come first in its log.

/// A service was running on the run directory without a supervisor (it held its lock); the new
/// supervisor stopped it so that it can be started under supervision.
public struct OrphanStopped: EventPayload {
    public static let eventType = EventType.serviceOrphanStopped

    public var service: String
    /// The orphan's process.
    public var pid: Int32
    /// What stopped it: `SIGTERM`, or `SIGKILL` when it had not stopped within `stop_timeout_ms`.
    public var signal: String
    /// False if it still held its lock after SIGKILL (the supervisor goes on; its start will say why).
    public var stopped: Bool

    public init(service: String, pid: Int32, signal: String, stopped: Bool) {
        self.service = service
        self.pid = pid
        self.signal = signal
        self.stopped = stopped
    }

    public static var example: Self { .init(service: "board", pid: 4413, signal: "SIGTERM", stopped: true) }
}

/// A service had been running on the run directory (its lock file names a process) and was gone
/// when the new supervisor started: it died without a supervisor to see it, for example a service
/// frozen when its supervisor was killed, which the kernel ends with SIGHUP.
public struct ServiceGone: EventPayload {
    public static let eventType = EventType.serviceGone

    public var service: String
    /// The process its lock file names; nil when the file held no pid.
    public var pid: Int32?

    public init(service: String, pid: Int32?) {
        self.service = service
        self.pid = pid
    }

    public static var example: Self { .init(service: "comms", pid: 4420) }
}
