import Foundation
import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// The file work backup and restore share: private files written once, SHA-256 digests, and
/// Debian's `age` with the plain bytes going through a socket, never through a file.
enum BackupFiles {
    /// A system call that failed, in words: what was being done, on which file, and why.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ what: String, _ path: String, errno code: Int32 = errno) {
            description = "cannot \(what) \(path): \(String(cString: strerror(code)))"
        }
        init(message: String) { description = message }
    }

    /// A new file (never an existing one), mode 0600, open for writing.
    static func create(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("create", path) }
        return fd
    }

    /// Writes every byte; with `syncEvery`, flushes to disk after each that many bytes, so a large
    /// copy never leaves hundreds of megabytes of dirty pages for the next fsync to wait on — the
    /// services' own commits (ext4's ordered mode flushes other files' dirty data with them).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, syncEvery: Int? = nil) throws(Failure) {
        var offset = 0
        var unsynced = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, min(bytes.count - offset, 1 << 20))
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("write", path)
            }
            offset += n
            unsynced += n
            if let syncEvery, unsynced >= syncEvery {
                guard fdatasync(fd) == 0 else { throw Failure("flush to disk", path) }
                unsynced = 0
            }
        }
    }

    static func sync(_ fd: Int32, path: String) throws(Failure) {
        guard fsync(fd) == 0 else { throw Failure("flush to disk", path) }
    }

    /// fsync of a directory, so the names made or renamed in it are durable.
    static func syncDirectory(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open the directory", path) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> String { SHA256Hasher.hex(bytes) }

    /// SHA-256 and size of a file, read in 1 MiB pieces.
    static func digest(ofFile path: String) throws(Failure) -> (sha256: String, bytes: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("read", path) }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("read", path)
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += Int64(n)
        }
        return (hasher.finalize(), total)
    }

    /// Copies the file at `source` into `fd` (the file at `path`), in 1 MiB pieces.
    static func copy(from source: String, to fd: Int32, path: String) throws(Failure) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure("read", source) }
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("read", source)
            }
            if n == 0 { return }
            let failure: Failure? = buffer.withUnsafeBytes { b -> Failure? in
                do throws(Failure) { try writeAll(fd, UnsafeRawBufferPointer(rebasing: b[0..<n]), path: path); return nil } catch { return error }
            }
            if let failure { throw failure }
        }
    }

    /// The `age` to run: `SEND_AGE` when set (a path), else `age` on PATH.
    static var ageExecutable: String { currentEnvironment()["SEND_AGE"].flatMap { $0.isEmpty ? nil : $0 } ?? "age" }

    /// Runs `age` with `arguments`, its standard output into `output`, feeding it `input` (when
    /// given) through a socket pair; returns when it has exited, throwing its own words when it failed.
    static func runAge(_ arguments: [String], input: UnsafeRawBufferPointer?, output: Int32, what: String) throws(Failure) {
        var stdinPair: [Int32] = [-1, -1]
        if input != nil {
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0 else {
                throw Failure("make a socket pair for", "age")
            }
        } else {
            stdinPair[1] = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&errPipe) == 0 else {
            for fd in stdinPair where fd >= 0 { close(fd) }
            throw Failure("make a pipe for", "age")
        }
        for fd in errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do throws(StartupError) {
            pid = try Spawn.start(executable: ageExecutable, arguments: arguments, environment: currentEnvironment(),
                                  stdin: stdinPair[1], stdout: output, stderr: errPipe[1], ownProcessGroup: false)
        } catch {
            for fd in stdinPair + errPipe where fd >= 0 { close(fd) }
            throw Failure(message: "\(error.message) (Debian's age: apt-get install age)")
        }
        close(stdinPair[1])
        close(errPipe[1])
        var sendError: Int32 = 0
        if let input, stdinPair[0] >= 0 {
            var offset = 0
            while offset < input.count {
                let n = send(stdinPair[0], input.baseAddress! + offset, min(input.count - offset, 1 << 20), Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    sendError = errno
                    break
                }
                offset += n
            }
        }
        if stdinPair[0] >= 0 { close(stdinPair[0]) }
        var words: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(errPipe[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if words.count < 4096 { words += buffer[0..<n] }
        }
        close(errPipe[0])
        let status = Spawn.wait(pid)
        let said = String(decoding: words, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("age: report") && !$0.hasPrefix("[ Did age") }
            .map { $0.hasPrefix("age: error: ") ? String($0.dropFirst("age: error: ".count)) : String($0) }
            .joined(separator: " ")
        guard status == 0 else {
            throw Failure(message: "age could not \(what) (exit \(status))" + (said.isEmpty ? "" : ": \(said)"))
        }
        guard sendError == 0 else { throw Failure("pass the database to age for", what, errno: sendError) }
    }
}
