#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds of a clock that never goes backwards (it does not step with the wall clock):
/// the one clock for timeouts, deadlines, backoffs, uptimes and timings in every process.
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Milliseconds of the same clock.
public func monotonicMillis() -> Int64 { Int64(monotonicNanos() / 1_000_000) }

/// Microseconds of the same clock.
public func monotonicMicros() -> Int64 { Int64(monotonicNanos() / 1_000) }
