import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `/proc/<pid>/stat` says about a process: its state letter and the CPU time it has used.
/// The supervisor's watchdog reads it to tell a service that is silent because it is busy (a long write on its
/// socket thread uses the CPU) from one that is hung (frozen, deadlocked, stuck waiting: none).
public struct ProcessCPU: Equatable, Sendable {
    /// `R` running, `S` sleeping, `D` waiting on the disk, `T`/`t` stopped, `Z` zombie, …
    public let state: Character
    /// User and system time of all its threads, in clock ticks.
    public let ticks: Int64

    public init(state: Character, ticks: Int64) {
        self.state = state
        self.ticks = ticks
    }

    public static let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))

    /// Nil when the process is gone or the file cannot be read.
    public static func read(_ pid: Int32) -> ProcessCPU? { read(path: "/proc/\(pid)/stat") }

    /// From a `stat` file of that format: a process's, or one thread's (`/proc/<pid>/task/<tid>/stat`).
    public static func read(path: String) -> ProcessCPU? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// `pid (comm) state ppid … utime stime …`: the command may hold spaces and parentheses, so fields
    /// are counted from the last `)`; utime and stime are fields 14 and 15.
    public static func parse(_ text: String) -> ProcessCPU? {
        guard let close = text.range(of: ")", options: .backwards) else { return nil }
        let fields = text[close.upperBound...].split(separator: " ")
        // fields[0] is the state (field 3), so field n is fields[n - 3].
        guard fields.count > 12, let state = fields[0].first,
              let utime = Int64(fields[11]), let stime = Int64(fields[12]) else { return nil }
        return ProcessCPU(state: state, ticks: utime + stime)
    }

    public var isStopped: Bool { state == "T" || state == "t" }
}
