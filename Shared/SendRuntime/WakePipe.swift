#if canImport(Glibc)
import Glibc
#endif

/// A pipe used only to wake a poll loop: both ends non-blocking (a full pipe already means "wake
/// up") and close-on-exec, so children the process starts (the supervisor's services) never inherit it.
struct WakePipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed: \(String(cString: strerror(errno)))")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    /// Writes one byte; dropped if the pipe is full, which already wakes the reader.
    func signal(_ byte: UInt8 = 1) {
        var b = byte
        _ = write(writeEnd, &b, 1)
    }

    /// Reads everything waiting; returns the bytes.
    func drain() -> [UInt8] {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readEnd, &buffer, 64)
            if n <= 0 { return all }
            all += buffer[0..<n]
        }
    }

    func close() {
        _ = Glibc.close(readEnd)
        _ = Glibc.close(writeEnd)
    }
}
