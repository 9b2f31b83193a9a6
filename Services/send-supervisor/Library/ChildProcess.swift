import Foundation
import SendRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Starting, signalling and reaping the supervisor's children, with `posix_spawn`.
///
/// Each child runs in a process group of its own (so a Ctrl-C on the supervisor's terminal
/// reaches the supervisor alone, which then stops the services in order), with stdin from
/// /dev/null, stdout and stderr appended to its log file, default signal dispositions, an
/// empty signal mask, and no file descriptor of the supervisor's beyond 0, 1 and 2.
enum ChildProcess {
    /// Starts `executable` and returns its pid; the error names what failed.
    static func spawn(executable: String, arguments: [String], environment: [String: String],
                      logPath: String) throws(StartupError) -> pid_t {
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard logFD >= 0 else {
            throw StartupError("cannot open the log \(logPath): \(String(cString: strerror(errno)))")
        }
        defer { close(logFD) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { throw StartupError("cannot open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(null) }
        return try Spawn.start(executable: executable, arguments: arguments, environment: environment,
                               stdin: null, stdout: logFD, stderr: logFD, ownProcessGroup: true)
    }

    /// The child's status if it has exited (and reaps it); nil while it runs.
    static func reap(_ pid: pid_t) -> ExitStatus? {
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return ExitStatus(waitStatus: status) }
            if rc == 0 { return nil }
            if errno == EINTR { continue }
            // ECHILD: not our child any more (reaped elsewhere); report it as gone.
            return .exited(code: -1)
        }
    }

    /// Sends `signal` to the child's process group (the child leads it), falling back to the child alone.
    /// Call only before the child is reaped, so the group id cannot belong to anyone else.
    static func signalGroup(_ pid: pid_t, _ signal: Int32) {
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }
}

/// SIGCHLD as a byte on a pipe, so the supervisor's loop wakes the moment a child exits and
/// otherwise sleeps. The handler only calls `write`, which is async-signal-safe.
enum ChildSignal {
    nonisolated(unsafe) private static var writeFD: Int32 = -1
    nonisolated(unsafe) private static var readFD: Int32 = -1

    /// Installs the handler once and returns the pipe's read end.
    static func install() -> Int32 {
        if readFD >= 0 { return readFD }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
        let handler: @convention(c) (Int32) -> Void = { _ in
            var byte: UInt8 = 1
            _ = write(ChildSignal.writeFD, &byte, 1)
        }
        signal(SIGCHLD, handler)
        return readFD
    }

    /// Waits up to `milliseconds` for a child to exit; empties the pipe.
    static func wait(milliseconds: Int32) {
        guard readFD >= 0 else { usleep(useconds_t(milliseconds) * 1000); return }
        var item = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&item, 1, milliseconds)
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, 64) > 0 {}
    }
}
