public import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended: an exit code, or the signal that killed it.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signalled(number: Int32)

    /// Decodes a `waitpid` status word.
    public init(waitStatus status: Int32) {
        // WIFEXITED / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7F
        if signal == 0 {
            self = .exited(code: (status >> 8) & 0xFF)
        } else {
            self = .signalled(number: signal)
        }
    }

    public var exitCode: Int32? { if case .exited(let c) = self { return c }; return nil }
    public var signalNumber: Int32? { if case .signalled(let n) = self { return n }; return nil }

    /// `exit 78` or `signal SIGKILL (9)`.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signalled(let n): "signal \(ExitStatus.signalName(n)) (\(n))"
        }
    }

    /// The fields events and `status` carry: `exit_code`, `signal`, `signal_number` (null when not applicable).
    /// How it ended, as the supervisor's events carry it.
    public var end: ProcessEnd {
        ProcessEnd(exitCode: exitCode, signal: signalNumber.map(ExitStatus.signalName), signalNumber: signalNumber)
    }

    public var json: [String: JSONValue] {
        [
            "exit_code": exitCode.map { .int(Int64($0)) } ?? .null,
            "signal": signalNumber.map { .string(ExitStatus.signalName($0)) } ?? .null,
            "signal_number": signalNumber.map { .int(Int64($0)) } ?? .null,
        ]
    }

    /// `SIGKILL` for 9; `SIG<n>` for numbers without a usual name.
    public static func signalName(_ n: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGXCPU: "SIGXCPU",
            SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
        ]
        return names[n] ?? "SIG\(n)"
    }
}
