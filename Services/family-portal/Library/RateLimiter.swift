import SendRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Counts events per client in fixed windows, in memory (the portal keeps nothing on disk): form
/// submissions a minute, unknown keys a quarter of an hour. A limit of 0 means no limit.
final class RateLimiter: Sendable {
    private struct Window {
        var started: Int64
        var count: Int
    }

    let limit: Int
    let windowSeconds: Int
    /// Past this many clients, windows that have ended are dropped.
    private let pruneAt = 50_000
    private let windows = Mutex<[String: Window]>([:])

    init(limit: Int, windowSeconds: Int) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// Seconds until the client may try again, or nil when it is within its limit. Does not count.
    func refusal(_ client: String) -> Int? {
        guard limit > 0 else { return nil }
        let now = Self.seconds()
        return windows.withLock { w in
            guard let window = w[client], now - window.started < Int64(windowSeconds), window.count >= limit else { return nil }
            return Int(Int64(windowSeconds) - (now - window.started))
        }
    }

    /// Counts one event; returns the seconds to wait when this one is over the limit.
    @discardableResult
    func count(_ client: String) -> Int? {
        guard limit > 0 else { return nil }
        let now = Self.seconds()
        return windows.withLock { w in
            if w.count > pruneAt { w = w.filter { now - $0.value.started < Int64(windowSeconds) } }
            var window = w[client] ?? Window(started: now, count: 0)
            if now - window.started >= Int64(windowSeconds) { window = Window(started: now, count: 0) }
            window.count += 1
            w[client] = window
            return window.count > limit ? Int(Int64(windowSeconds) - (now - window.started)) : nil
        }
    }

    private static func seconds() -> Int64 { monotonicMillis() / 1000 }
}
