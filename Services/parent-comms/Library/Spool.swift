import Foundation
import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// A directory of outgoing messages, one file each, written atomically: a temporary file in the
/// same directory, fsync, rename, fsync of the directory. A reader never sees half a file, and a
/// message written twice (a retry after a crash) replaces its own file: the name is its reference.
struct SpoolDirectory {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String

    /// Creates the directory (mode 0700) and its parents when missing.
    func prepare() throws {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/\(component)"
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create the spool directory \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes `name` with `bytes`, atomically.
    func write(name: String, bytes: [UInt8]) throws {
        try prepare()
        let final = "\(path)/\(name)"
        let temporary = "\(path)/.\(name).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(message)")
            }
            written += n
        }
        if fsync(fd) != 0 {
            let message = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw Failure(description: "cannot sync \(temporary): \(message)")
        }
        close(fd)
        guard rename(temporary, final) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot rename into \(final): \(message)")
        }
        let dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Deletes files last changed before `cutoff` (seconds since 1970); returns how many.
    func removeFiles(olderThan cutoff: Double) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return 0 }
        var removed = 0
        for name in names {
            var st = stat()
            let full = "\(path)/\(name)"
            guard stat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if Double(st.st_mtim.tv_sec) < cutoff, unlink(full) == 0 { removed += 1 }
        }
        return removed
    }
}

/// The spool formats (documented in docs/PROTOCOL.md under comms):
/// `email/<reference>.eml` (RFC 5322, when no relay is configured), `sms/<reference>.json`,
/// `letters/<reference>.json`.
enum SpoolFormat {
    static func sms(_ m: OutgoingMessage, at: Timestamp) -> [UInt8] {
        let o: JSONValue = ["v": 1, "channel": "sms", "reference": .string(m.reference), "to": .string(m.to),
                            "body": .string(m.body), "created_at": .string(at.description)]
        return o.jsonBytes + [0x0A]
    }

    static func letter(_ m: OutgoingMessage, at: Timestamp) -> [UInt8] {
        let o: JSONValue = ["v": 1, "channel": "letter", "reference": .string(m.reference), "name": JSONValue(m.name),
                            "address": .string(m.to), "address_lines": .array(Contact.addressLines(m.to).map { .string($0) }),
                            "subject": .string(m.subject), "body": .string(m.body), "created_at": .string(at.description)]
        return o.jsonBytes + [0x0A]
    }
}
