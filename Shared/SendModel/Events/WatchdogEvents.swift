/// The supervisor's watchdog killed a service that had shown no life (no heartbeat on its PUB
/// socket, or no `health` answer for a service without one) for `watchdog_seconds`. It was sent
/// SIGKILL and is restarted like any crash: `service.exited` (signal SIGKILL) and
/// `service.restarted` follow.
public struct ServiceHung: EventPayload {
    public static let eventType = EventType.serviceHung

    /// The service that was killed.
    public var service: String
    /// The process that was killed.
    public var pid: Int32
    /// How long it had shown no life when it was killed, in ms.
    public var silentMs: Int64
    /// The configured limit (`watchdog_seconds`).
    public var watchdogSeconds: Int64

    enum CodingKeys: String, CodingKey {
        case service, pid
        case silentMs = "silent_ms"
        case watchdogSeconds = "watchdog_seconds"
    }

    public init(service: String, pid: Int32, silentMs: Int64, watchdogSeconds: Int64) {
        self.service = service
        self.pid = pid
        self.silentMs = silentMs
        self.watchdogSeconds = watchdogSeconds
    }

    public static var example: Self { .init(service: "board", pid: 4413, silentMs: 10_112, watchdogSeconds: 10) }
}
