import Foundation
import SendModel
import Synchronization
import ZeroMQ

/// Watches whether services show life, for the supervisor's watchdog: one thread with one SUB
/// socket subscribed to `heartbeat` on every service's `.pub` (each service's socket thread
/// publishes one a second, whatever its load), and a `health` call once a second to a service
/// that has no `.pub` socket (the portal). The supervisor reads when each was last heard.
///
/// `Sendable`: its sockets live on its own thread; the shared figures are behind a `Mutex`.
public final class LivenessWatch: Sendable {
    struct Seen {
        /// Monotonic ms of the last heartbeat or health answer; nil before the first.
        var last: Int64?
        /// The longest silence between two signs of life of a process that was expected, in ms.
        var longestGap: Int64 = 0
        /// Between `expect` and `forget`: its silences count.
        var armed = false
    }

    private let services: [String]
    private let directories: RuntimeDirectories
    private let stop = StopFlag()
    struct State {
        var services: [String: Seen]
        /// Monotonic ms when the watching thread last began a round: silences are measured to
        /// here, so while the thread itself does not run (the process frozen) nobody's silence grows.
        var lookedAt: Int64
    }

    private let seen: Mutex<State>
    private let watchDone = Completion<Bool>()
    private let probeDone = Completion<Bool>()

    public init(services: [String], directories: RuntimeDirectories) {
        self.services = services
        self.directories = directories
        seen = Mutex(State(services: Dictionary(uniqueKeysWithValues: services.map { ($0, Seen()) }), lookedAt: monotonicMillis()))
    }

    /// Starts the watching threads: one reads heartbeats and keeps the clock silences are measured
    /// by; the other makes the `health` calls, which may wait, so that they never hold the first back.
    public func start() {
        for (name, body, done) in [("liveness-watch", watch, watchDone), ("liveness-probe", probe, probeDone)] {
            let thread = Thread {
                body()
                done.fulfil(true)
            }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the threads and waits for them.
    public func close() {
        stop.set()
        _ = watchDone.wait()
        _ = probeDone.wait()
    }

    /// A new process of `service` is ready: its silence counts from now, not from its predecessor's last heartbeat.
    public func expect(_ service: String, at now: Int64 = monotonicMillis()) {
        seen.withLock {
            $0.services[service]?.last = now
            $0.services[service]?.armed = true
        }
    }

    /// Its process ended: heartbeats of the next one count only once it is expected (its start is not a silence).
    public func forget(_ service: String) {
        seen.withLock {
            $0.services[service]?.last = nil
            $0.services[service]?.armed = false
        }
    }

    /// Milliseconds from `service`'s last sign of life (or `expect`) to the watch's last look; nil unless it is expected.
    public func silence(of service: String) -> Int64? {
        seen.withLock { state in
            state.services[service].flatMap { $0.armed ? $0.last.map { max(0, state.lookedAt - $0) } : nil }
        }
    }

    /// The longest silence between two signs of life of `service` seen so far, in ms.
    public func longestGap(of service: String) -> Int64 {
        seen.withLock { $0.services[service]?.longestGap ?? 0 }
    }

    private func heard(_ service: String) {
        let now = monotonicMillis()
        seen.withLock { state in
            guard var s = state.services[service] else { return }
            // A gap that spans a stall of the watch itself (not yet forgiven) is not the service's.
            if s.armed, let last = s.last, now - state.lookedAt <= 1000 { s.longestGap = max(s.longestGap, now - last) }
            s.last = now
            state.services[service] = s
        }
    }

    /// Begins a round. If the thread did not run for a while (the supervisor was frozen, the machine
    /// stalled), that time is nobody's silence: it is forgiven, and a service that stays silent is
    /// still caught one limit later.
    private func look(at now: Int64) {
        seen.withLock { state in
            let stall = now - state.lookedAt
            if stall > 1000 {
                for key in state.services.keys where state.services[key]?.armed == true {
                    if let last = state.services[key]?.last { state.services[key]?.last = min(last + stall, now) }
                }
            }
            state.lookedAt = now
        }
    }

    private func watch() {
        guard let context = try? Context(), let subscriber = try? Socket(context, .sub) else { return }
        defer { subscriber.close() }
        _ = try? subscriber.setReconnectInterval(50, max: 500)
        _ = try? subscriber.subscribe(EventType.heartbeat)
        for name in services {
            if let endpoint = try? directories.eventEndpoint(name) { _ = try? subscriber.connect(endpoint) }
        }
        var items = [PollItem(subscriber)]
        while !stop.isSet {
            look(at: monotonicMillis())
            if (try? poll(&items, timeoutMilliseconds: 100)) != nil, items[0].isReadable {
                while let frames = try? subscriber.receive(dontWait: true) {
                    guard frames.count == 2, let body = try? JSONValue.parse(frames[1]),
                          let source = body["source"]?.stringValue else { continue }
                    heard(source)
                }
            }
        }
    }

    /// A service without a PUB socket (the portal) is asked for `health` once a second instead.
    private func probe() {
        guard let context = try? Context() else { return }
        var probes: [String: ServiceClient] = [:]
        defer { for c in probes.values { c.close() } }
        while !stop.isSet {
            let started = monotonicMillis()
            for name in services where access("\(directories.run)/\(name).pub", F_OK) != 0 {
                guard !stop.isSet, access("\(directories.run)/\(name).cmd", F_OK) == 0 else { continue }
                if probes[name] == nil { probes[name] = try? ServiceClient(context: context, service: name, directories: directories) }
                if probes[name]?.health(timeout: 0.5) != nil { heard(name) }
            }
            let rest = 1000 - (monotonicMillis() - started)
            if rest > 0 && !stop.isSet { usleep(useconds_t(rest * 1000)) }
        }
    }
}
