/// The supervisor's events (docs/PROTOCOL.md, supervisor, Events).

/// How a process ended: an exit code, or a signal (the others `null` on the wire).
public struct ProcessEnd: Sendable, Hashable {
    public var exitCode: Int32?
    public var signal: String?
    public var signalNumber: Int32?

    public init(exitCode: Int32?, signal: String?, signalNumber: Int32?) {
        self.exitCode = exitCode
        self.signal = signal
        self.signalNumber = signalNumber
    }

    /// "killed by SIGKILL", "exited with code 78".
    public var words: String {
        if let signal { return "killed by \(signal)" }
        return "exited with code \(exitCode.map(String.init) ?? "unknown")"
    }
}

private enum EndKeys: String, CodingKey { case exitCode = "exit_code", signal, signalNumber = "signal_number" }

extension ProcessEnd {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EndKeys.self)
        self.init(exitCode: try c.decodeIfPresent(Int32.self, forKey: .exitCode), signal: try c.decodeIfPresent(String.self, forKey: .signal),
                  signalNumber: try c.decodeIfPresent(Int32.self, forKey: .signalNumber))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: EndKeys.self)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(signal, forKey: .signal)
        try c.encode(signalNumber, forKey: .signalNumber)
    }
}

/// `service.started`: a service answers `health` after a start or restart.
public struct ServiceStarted: EventPayload, Hashable {
    public static let eventType = EventType.serviceStarted
    public var service: String
    public var pid: Int32
    public var restarts: Int

    public init(service: String, pid: Int32, restarts: Int) {
        self.service = service
        self.pid = pid
        self.restarts = restarts
    }

    public static var example: Self { .init(service: "board", pid: 4242, restarts: 0) }
}

/// `service.exited`: a service's process ended.
public struct ServiceExited: EventPayload, Hashable {
    public static let eventType = EventType.serviceExited
    public var service: String
    public var pid: Int32
    public var end: ProcessEnd
    public var uptimeMillis: Int64
    /// True when the supervisor asked it to stop.
    public var expected: Bool

    public init(service: String, pid: Int32, end: ProcessEnd, uptimeMillis: Int64, expected: Bool) {
        self.service = service
        self.pid = pid
        self.end = end
        self.uptimeMillis = uptimeMillis
        self.expected = expected
    }

    enum CodingKeys: String, CodingKey { case service, pid, uptimeMillis = "uptime_ms", expected }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        service = try c.decode(String.self, forKey: .service)
        pid = try c.decode(Int32.self, forKey: .pid)
        uptimeMillis = try c.decode(Int64.self, forKey: .uptimeMillis)
        expected = try c.decode(Bool.self, forKey: .expected)
        end = try ProcessEnd(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(pid, forKey: .pid)
        try c.encode(uptimeMillis, forKey: .uptimeMillis)
        try c.encode(expected, forKey: .expected)
        try end.encode(to: encoder)
    }

    public static var example: Self {
        .init(service: "board", pid: 4242, end: .init(exitCode: nil, signal: "SIGKILL", signalNumber: 9), uptimeMillis: 1200, expected: false)
    }
}

/// `service.restarted`: a new process was started for a service that exited.
public struct ServiceRestarted: EventPayload, Hashable {
    public static let eventType = EventType.serviceRestarted
    public var service: String
    public var pid: Int32
    public var restarts: Int
    public var backoffMillis: Int64

    public init(service: String, pid: Int32, restarts: Int, backoffMillis: Int64) {
        self.service = service
        self.pid = pid
        self.restarts = restarts
        self.backoffMillis = backoffMillis
    }

    enum CodingKeys: String, CodingKey { case service, pid, restarts, backoffMillis = "backoff_ms" }

    public static var example: Self { .init(service: "board", pid: 4243, restarts: 1, backoffMillis: 100) }
}

/// `service.failed`: past the restart intensity; not restarted.
public struct ServiceFailed: EventPayload, Hashable {
    public static let eventType = EventType.serviceFailed
    public var service: String
    public var reason: String
    public var restartsInWindow: Int
    public var end: ProcessEnd
    public var log: String

    public init(service: String, reason: String, restartsInWindow: Int, end: ProcessEnd, log: String) {
        self.service = service
        self.reason = reason
        self.restartsInWindow = restartsInWindow
        self.end = end
        self.log = log
    }

    enum CodingKeys: String, CodingKey { case service, reason, restartsInWindow = "restarts_in_window", log }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        service = try c.decode(String.self, forKey: .service)
        reason = try c.decode(String.self, forKey: .reason)
        restartsInWindow = try c.decode(Int.self, forKey: .restartsInWindow)
        log = try c.decode(String.self, forKey: .log)
        end = try ProcessEnd(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(reason, forKey: .reason)
        try c.encode(restartsInWindow, forKey: .restartsInWindow)
        try c.encode(log, forKey: .log)
        try end.encode(to: encoder)
    }

    public static var example: Self {
        .init(service: "board", reason: "exited again", restartsInWindow: 5, end: .init(exitCode: 78, signal: nil, signalNumber: nil),
              log: "/tmp/board.log")
    }
}
