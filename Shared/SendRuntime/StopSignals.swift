import Foundation

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
        let pipe = WakePipe()
        readFD = pipe.readEnd
        writeFD = pipe.writeEnd
        let handler: @convention(c) (Int32) -> Void = { sig in
            var byte = UInt8(truncatingIfNeeded: sig)
            _ = write(StopSignals.writeFD, &byte, 1)
        }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        signal(SIGPIPE, SIG_IGN)
        // A blocked signal mask survives exec: a parent that spawns us from a thread blocking
        // SIGTERM (Foundation's Process does, from the Swift test runner) would leave SIGTERM
        // pending for ever and the process could only be killed. Unblock the two we stop on.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        return readFD
    }

    /// Installs the handlers and sets `stop` on SIGTERM or SIGINT, from a thread of its own
    /// that ends once `stop` is set (for clients such as `sendctl subscribe`).
    public static func setOnSignal(_ stop: StopFlag) {
        let fd = install()
        let watcher = Thread {
            while !stop.isSet {
                var item = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&item, 1, 200) > 0 {
                    _ = drain()
                    stop.set()
                }
            }
        }
        watcher.start()
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
