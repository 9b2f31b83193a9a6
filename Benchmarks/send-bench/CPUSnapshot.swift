import Foundation
import SendRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The CPU a process has used so far, in total and per thread, from `/proc/<pid>/stat` and
/// `/proc/<pid>/task/*/stat` (utime + stime, in clock ticks) with each thread's name from `comm`.
/// Two snapshots around a run give the CPU the run cost; threads are matched by tid.
struct CPUSnapshot {
    struct ThreadUse {
        let tid: Int32
        let name: String
        let micros: Double
    }

    let pid: Int32
    let micros: Double
    let threads: [ThreadUse]

    /// A snapshot of `pid` now (0 or `getpid()`: this process).
    init(pid: Int32) {
        self.pid = pid
        micros = Self.statMicros("/proc/\(pid)/stat") ?? 0
        var threads: [ThreadUse] = []
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for tid in tasks.compactMap({ Int32($0) }) {
            guard let used = Self.statMicros("/proc/\(pid)/task/\(tid)/stat") else { continue }
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            threads.append(ThreadUse(tid: tid, name: name, micros: used))
        }
        self.threads = threads
    }

    /// utime + stime of a `stat` file, in microseconds.
    static func statMicros(_ path: String) -> Double? {
        SendRuntime.ProcessCPU.read(path: path).map { Double($0.ticks) / Double(SendRuntime.ProcessCPU.ticksPerSecond) * 1e6 }
    }

    /// What was used between `earlier` and this snapshot: the total and each thread (threads
    /// started meanwhile count from zero; threads gone meanwhile are in the total only), busiest first.
    func since(_ earlier: CPUSnapshot) -> (micros: Double, threads: [ThreadUse]) {
        let before = Dictionary(earlier.threads.map { ($0.tid, $0.micros) }, uniquingKeysWith: { a, _ in a })
        let used = threads.map { ThreadUse(tid: $0.tid, name: $0.name, micros: $0.micros - (before[$0.tid] ?? 0)) }
            .filter { $0.micros > 0 }
            .sorted { $0.micros > $1.micros }
        return (micros - earlier.micros, used)
    }
}

/// The CPU the calling thread has used so far (getrusage RUSAGE_THREAD), in microseconds.
func threadCPUMicros() -> Double {
    var usage = rusage()
    // RUSAGE_THREAD (1 on Linux) is behind _GNU_SOURCE, which Glibc's module does not import.
    guard getrusage(1, &usage) == 0 else { return 0 }
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

/// The CPU this whole process has used so far (getrusage RUSAGE_SELF: every thread, libzmq's too), in microseconds.
func processCPUMicros() -> Double {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}
