import Foundation
public import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// An append-only file of JSON Lines, one event per line, that is its own cursor: the `seq` of its
/// last complete line is where a follower resumes. Each batch is written and fsynced before the
/// follower moves on, and a line torn by a crash (no final newline) is cut off when the file is
/// opened again, so a SIGKILL at any instant leaves every event in the file exactly once, in order.
///
/// Not `Sendable`: one follower thread appends to it.
public final class JSONLinesFile {
    public let path: String
    /// The `seq` of the last complete line; nil when the file has none.
    public private(set) var lastSeq: Int64?
    /// Bytes of a torn last line cut off when the file was opened (0 when it ended cleanly).
    public let cutBytes: Int
    private var fd: Int32

    /// Opens (creating it, mode 0600) the file at `path`, cutting off a torn last line.
    /// A last complete line that is not an event with a `seq` is refused: it is not a file this wrote.
    public init(path: String) throws(ServiceError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JSONLinesFile.failure("cannot open \(path)") }
        do throws(ServiceError) {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw JSONLinesFile.failure("cannot read \(path)") }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                throw ServiceError(.invalid, "\(path) is not a regular file", field: "out")
            }
            let size = Int(st.st_size)
            // Only the tail is read: the end of the last complete line, and the line itself.
            let end = try JSONLinesFile.lastNewline(fd, before: size, path: path).map { $0 + 1 } ?? 0
            cutBytes = size - end
            if cutBytes > 0 {
                guard ftruncate(fd, off_t(end)) == 0, fsync(fd) == 0 else { throw JSONLinesFile.failure("cannot cut the torn last line of \(path)") }
            }
            if end > 0 {
                let start = try JSONLinesFile.lastNewline(fd, before: end - 1, path: path).map { $0 + 1 } ?? 0
                let line = try JSONLinesFile.read(fd, from: start, count: end - 1 - start, path: path)
                guard let value = try? JSONValue.parse(line), let seq = value["seq"]?.intValue else {
                    throw ServiceError(.invalid, "the last line of \(path) is not an event with a seq: "
                        + "it is not a file that `sendctl subscribe --out` wrote; choose another file", field: "out")
                }
                lastSeq = seq
            }
            guard lseek(fd, 0, SEEK_END) >= 0 else { throw JSONLinesFile.failure("cannot seek in \(path)") }
            // A new file: make its name durable too.
            if size == 0 { JSONLinesFile.syncDirectory(of: path) }
        } catch {
            Glibc.close(fd)
            fd = -1
            throw error
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Appends one line per value (each must carry its `seq`), then fsyncs; returns when they are on disk.
    public func append(_ lines: [[UInt8]], lastSeq seq: Int64) throws(ServiceError) {
        guard !lines.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            bytes.append(contentsOf: line)
            bytes.append(0x0A)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JSONLinesFile.failure("cannot write to \(path)")
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw JSONLinesFile.failure("cannot fsync \(path)") }
        lastSeq = seq
    }

    /// The offset of the last newline before `limit`, reading backwards in 64 KiB steps; nil if none.
    private static func lastNewline(_ fd: Int32, before limit: Int, path: String) throws(ServiceError) -> Int? {
        var end = limit
        while end > 0 {
            let start = max(0, end - 65_536)
            let chunk = try read(fd, from: start, count: end - start, path: path)
            if let i = chunk.lastIndex(of: 0x0A) { return start + i }
            end = start
        }
        return nil
    }

    private static func read(_ fd: Int32, from start: Int, count: Int, path: String) throws(ServiceError) -> [UInt8] {
        var content = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = content[offset...].withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start + offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read \(path)")
            }
            if n == 0 { break }
            offset += n
        }
        return Array(content[..<offset])
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            Glibc.close(dfd)
        }
    }

    private static func failure(_ what: String) -> ServiceError {
        ServiceError(.unavailable, "\(what): \(String(cString: strerror(errno)))")
    }
}
