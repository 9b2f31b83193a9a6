/// When to restart a service that exited: one-for-one, with exponential backoff, and no more
/// than `intensity` restarts within `period` (then the service is `failed`), as in Erlang/OTP.
public struct RestartPolicy: Sendable, Hashable {
    /// The wait before the first restart in a period; each further restart in the period doubles it.
    public var initialBackoffMillis: Int64 = 100
    public var maxBackoffMillis: Int64 = 10_000
    /// Restarts allowed within `periodMillis`; one more exit in the period marks the service failed.
    public var intensity: Int = 5
    public var periodMillis: Int64 = 60_000

    public init() {}

    public init(initialBackoffMillis: Int64, maxBackoffMillis: Int64, intensity: Int, periodMillis: Int64) {
        self.initialBackoffMillis = initialBackoffMillis
        self.maxBackoffMillis = maxBackoffMillis
        self.intensity = intensity
        self.periodMillis = periodMillis
    }

    /// The wait before a restart when `recent` restarts already happened within the period.
    public func backoff(afterRecentRestarts recent: Int) -> Int64 {
        var delay = initialBackoffMillis
        for _ in 0..<max(0, recent) {
            if delay >= maxBackoffMillis { break }
            delay *= 2
        }
        return min(delay, maxBackoffMillis)
    }
}

/// What to do about a service that just exited.
public enum RestartDecision: Sendable, Hashable {
    /// Start it again after `backoffMillis`.
    case restart(backoffMillis: Int64)
    /// Give up: it was restarted `restartsInWindow` times within the period and exited again.
    case fail(restartsInWindow: Int)
}

/// The restarts of one service within the policy's period: a pure value, so the policy can be tested without processes.
public struct RestartHistory: Sendable, Hashable {
    /// Monotonic milliseconds of each restart still inside the period, oldest first.
    public private(set) var restarts: [Int64] = []

    public init() {}

    /// Decides about an exit at `now` (monotonic ms) and, when the answer is to restart, records it.
    public mutating func decide(at now: Int64, policy: RestartPolicy) -> RestartDecision {
        prune(at: now, policy: policy)
        if restarts.count >= policy.intensity {
            return .fail(restartsInWindow: restarts.count)
        }
        let backoff = policy.backoff(afterRecentRestarts: restarts.count)
        restarts.append(now)
        return .restart(backoffMillis: backoff)
    }

    /// Restarts within the period that ends at `now`.
    public mutating func count(at now: Int64, policy: RestartPolicy) -> Int {
        prune(at: now, policy: policy)
        return restarts.count
    }

    /// Forgets every restart (an operator's `restart` of a failed service starts afresh).
    public mutating func reset() { restarts = [] }

    private mutating func prune(at now: Int64, policy: RestartPolicy) {
        restarts.removeAll { now - $0 >= policy.periodMillis }
    }
}
