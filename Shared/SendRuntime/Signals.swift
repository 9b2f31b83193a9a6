#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT, turned into a byte on a pipe that a poll loop can wait on.
/// The handler only calls `write`, which is async-signal-safe.
public enum StopSignals {
    nonisolated(unsafe) static var writeFD: Int32 = -1
    nonisolated(unsafe) static var readFD: Int32 = -1

    /// Installs the handlers once and returns the pipe's read end.
    public static func install() -> Int32 {
        if readFD >= 0 { return readFD }
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        readFD = fds[0]
        writeFD = fds[1]
        let handler: @convention(c) (Int32) -> Void = { sig in
            var byte = UInt8(truncatingIfNeeded: sig)
            _ = write(StopSignals.writeFD, &byte, 1)
        }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        signal(SIGPIPE, SIG_IGN)
        // A parent may have left them blocked (a test runner does, and the mask is inherited):
        // unblock them on this thread so the handler runs.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        return readFD
    }

    /// Asks the process to stop as if it had received SIGTERM (for tests and `stop` commands).
    public static func requestStop() {
        var byte = UInt8(SIGTERM)
        _ = write(writeFD, &byte, 1)
    }

    /// Reads what is waiting on the pipe; returns the last signal number seen, or nil.
    public static func drain() -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        var last: Int32?
        while true {
            let n = read(readFD, &buffer, 16)
            if n <= 0 { return last }
            last = Int32(buffer[n - 1])
        }
    }
}
