import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starting a child process with `posix_spawn`: the supervisor's services, and the `age` that
/// backup and restore pipe through.
///
/// The child gets the given descriptors as 0, 1 and 2 and no other of ours, default signal
/// dispositions and an empty signal mask (Foundation's `Process` leaves SIGTERM blocked in its
/// children, which then could not be stopped), optionally in a process group of its own.
public enum Spawn {
    /// Starts `executable` (a path, or a name looked up on PATH when it has no slash) and returns its pid.
    public static func start(executable: String, arguments: [String], environment: [String: String],
                             stdin: Int32, stdout: Int32, stderr: Int32, ownProcessGroup: Bool) throws(StartupError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment.keys.sorted().map { "\($0)=\(environment[$0]!)" })
        var pid: pid_t = 0
        let rc = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        guard rc == 0 else {
            throw StartupError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Waits for the child and returns its exit code (128 + the signal when a signal ended it).
    public static func wait(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// glibc ≥ 2.34 has `posix_spawn_file_actions_addclosefrom_np`, which Swift does not import
    /// (it needs `_GNU_SOURCE`); look it up at run time.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: CloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}

/// A NULL-terminated array of C strings that lives as long as this value.
private final class CStringArray {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for p in pointers { free(p) }
    }
}
