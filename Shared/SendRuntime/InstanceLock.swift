#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<run>/<name>.lock`, held for the life of the process.
///
/// A lock, not a pid file: the kernel releases it when the process dies, however it dies,
/// so a stale file never blocks a restart and two live instances can never share a run directory.
public final class InstanceLock: Sendable {
    public let path: String
    private let fd: Int32

    /// Takes the lock or throws, naming the pid that holds it when it can be read.
    public init(runDirectory: String, name: String) throws(StartupError) {
        path = "\(runDirectory)/\(name).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot open the lock \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 32, 0)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: " \n") : "?"
            close(fd)
            throw StartupError("another \(name) (pid \(holder)) is already running on the run directory \(runDirectory); "
                + "stop it first, or choose another directory with --run-dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
    }

    deinit {
        unlink(path)
        close(fd)
    }

    /// What a lock file on the run directory says without taking it: whether a process holds it
    /// now, and the pid written in it (held or not; nil when it holds none). Nil: no such file.
    public static func inspect(_ path: String) -> (held: Bool, pid: Int32?)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let held = flock(fd, LOCK_SH | LOCK_NB) != 0
        if !held { _ = flock(fd, LOCK_UN) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 32, 0)
        let pid = n > 0 ? Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: " \n")) : nil
        return (held, pid)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
