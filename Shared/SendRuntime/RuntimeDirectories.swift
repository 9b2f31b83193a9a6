public import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// Why a process could not start; printed as one line and the process exits 78 (EX_CONFIG).
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The run directory (sockets) and data directory (databases, logs) every executable shares.
///
/// Flags win over `SEND_RUN_DIR` / `SEND_DATA_DIR`, which win over the defaults of DESIGN.md:
/// `$XDG_RUNTIME_DIR/send-partnership` (else `/tmp/send-partnership-$UID`) and
/// `$XDG_DATA_HOME/send-partnership` (else `~/.local/share/send-partnership`).
public struct RuntimeDirectories: Sendable, Hashable {
    /// A Unix socket path holds at most this many bytes (sun_path is 108 with its NUL).
    public static let maxSocketPathBytes = 107

    public let run: String
    public let data: String

    public init(run: String, data: String) {
        self.run = RuntimeDirectories.absolute(run)
        self.data = RuntimeDirectories.absolute(data)
    }

    public static func resolve(runDir: String?, dataDir: String?,
                               environment: [String: String] = currentEnvironment()) -> RuntimeDirectories {
        let run = runDir ?? environment["SEND_RUN_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : "\($0)/send-partnership" }
            ?? "/tmp/send-partnership-\(getuid())"
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let data = dataDir ?? environment["SEND_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : "\($0)/send-partnership" }
            ?? "\(home)/.local/share/send-partnership"
        return RuntimeDirectories(run: run, data: data)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd == "/" ? "/\(path)" : "\(cwd)/\(path)"
    }

    /// Creates both directories (mode 0700) when missing and checks they are private.
    /// A directory that others can write to, or that another user owns, is refused.
    public func prepare() throws(StartupError) {
        try RuntimeDirectories.preparePrivate(run, role: "run directory", flag: "--run-dir", variable: "SEND_RUN_DIR")
        try RuntimeDirectories.preparePrivate(data, role: "data directory", flag: "--data-dir", variable: "SEND_DATA_DIR")
    }

    static func preparePrivate(_ path: String, role: String, flag: String, variable: String) throws(StartupError) {
        try makeDirectories(path, role: role)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw StartupError("cannot read the \(role) \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StartupError("the \(role) \(path) is not a directory; choose another with \(flag) or \(variable)")
        }
        guard st.st_uid == geteuid() else {
            throw StartupError("the \(role) \(path) belongs to uid \(st.st_uid), not to this user (uid \(geteuid())); "
                + "choose a directory of your own with \(flag) or \(variable)")
        }
        if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            throw StartupError("the \(role) \(path) is writable by other users (mode \(String(st.st_mode & 0o777, radix: 8))); "
                + "make it private with `chmod 700 \(path)` or choose another with \(flag) or \(variable)")
        }
        if st.st_mode & 0o077 != 0 {
            // Readable or searchable by others but not writable: tighten it, it is ours.
            chmod(path, 0o700)
        }
        if isReadOnlyFileSystem(path) {
            throw StartupError("the \(role) \(path) is on a read-only file system: nothing could be written; "
                + "remount it read-write (after a disk error, check the disk first) or choose another with \(flag) or \(variable)")
        }
    }

    /// True when the directory's file system is read-only: mounted so, or made so by the kernel after
    /// a disk error (ext4's emergency read-only state does not show in the mount flags, so a file is
    /// created and removed to find out).
    public static func isReadOnlyFileSystem(_ directory: String) -> Bool {
        var s = statvfs()
        if statvfs(directory, &s) == 0 && (s.f_flag & UInt(ST_RDONLY)) != 0 { return true }
        let probe = "\(directory)/.send-write-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { return errno == EROFS }
        close(fd)
        unlink(probe)
        return false
    }

    static func makeDirectories(_ path: String, role: String) throws(StartupError) {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/\(component)"
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw StartupError("cannot create the \(role) \(path) (at \(current)): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// `ipc://<run>/<service>.<kind>`, refused when the path is longer than a Unix socket allows.
    public func endpoint(_ service: String, _ kind: String) throws(StartupError) -> String {
        let path = "\(run)/\(service).\(kind)"
        guard path.utf8.count <= RuntimeDirectories.maxSocketPathBytes else {
            throw StartupError("the socket path \(path) is \(path.utf8.count) bytes; a Unix socket path holds at most "
                + "\(RuntimeDirectories.maxSocketPathBytes). Choose a shorter run directory with --run-dir or SEND_RUN_DIR")
        }
        return "ipc://\(path)"
    }

    public func commandEndpoint(_ service: String) throws(StartupError) -> String { try endpoint(service, "cmd") }
    public func eventEndpoint(_ service: String) throws(StartupError) -> String { try endpoint(service, "pub") }

    public func databasePath(_ service: String) -> String { "\(data)/\(service).sqlite" }

    /// The files a running service keeps in the run directory: its command and event sockets.
    public func socketFiles(_ service: String) -> [String] { ["\(run)/\(service).cmd", "\(run)/\(service).pub"] }

    /// The instance lock of a service (`flock`; the file holds the holder's pid).
    public func lockPath(_ service: String) -> String { "\(run)/\(service).lock" }

    /// The file of an `ipc://` endpoint.
    public static func socketPath(of endpoint: String) -> String {
        endpoint.hasPrefix("ipc://") ? String(endpoint.dropFirst("ipc://".count)) : endpoint
    }
}
