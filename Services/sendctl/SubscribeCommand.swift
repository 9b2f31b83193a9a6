import ArgumentParser
import Foundation
import Glibc
import Logging
import SendModel
import SendRuntime
import ZeroMQ

/// `sendctl subscribe`: follow notifications as they arrive, exactly once and in order.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Print notifications as they arrive.",
        discussion: """
            By default only new notifications; --from-start replays the whole log, --since SEQ starts after SEQ.
            With --name NAME the position is kept (in the data directory), so the next run with the same name
            continues where this one stopped: at least once across a crash (a SIGKILL between a print and
            the position's write prints those lines again; their seq tells), never a gap.
            With --out FILE the notifications are appended to FILE as JSON Lines, fsynced batch by batch,
            and FILE is its own position: the next run resumes after its last complete line (a line torn by
            a crash is cut off and written again), so FILE holds every notification exactly once, in order.
            An empty FILE starts from the first notification, or after --since SEQ. Not with --name.
            Ctrl-C stops cleanly.
            """
    )

    @OptionGroup var filters: FilterOptions

    @Option(help: ArgumentHelp("Start after this notification seq.", valueName: "seq"))
    var since: Int64?

    @Flag(help: "Start from the first notification.")
    var fromStart = false

    @Option(help: ArgumentHelp("Keep a durable position under this name (letters, digits, . _ -).", valueName: "name"))
    var name: String?

    @Flag(help: "Print JSON Lines (one notification event per line).")
    var json = false

    @Option(help: ArgumentHelp("Append JSON Lines to this file, which keeps its own position (exactly once across crashes).",
                               valueName: "file"))
    var out: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if since != nil && fromStart { throw ValidationError("use --since or --from-start, not both") }
        if let since, since < 0 { throw ValidationError("--since must be 0 or more") }
        if out != nil && name != nil {
            throw ValidationError("use --out or --name, not both: --out FILE keeps its position in FILE itself")
        }
        if let out, out.isEmpty { throw ValidationError("--out needs a file name") }
        if let name {
            let ok = !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
            guard ok, !name.hasPrefix(".") else { throw ValidationError("--name must be 1 to 64 letters, digits, '.', '_' or '-'; got '\(name)'") }
        }
    }

    func run() async throws {
        let code = await runOnThread { [self] in self.follow() }
        if code != 0 { throw ExitCode(code) }
    }

    /// Runs on its own thread: blocking sockets stay off the cooperative pool.
    func follow() -> Int32 {
        let directories = connection.directories.directories
        let stop = StopFlag()
        // The key this run presents, to the health check and to the follower's events.since calls alike;
        // with no key, a stack that is not running is still the first thing to say.
        let identity: CurveKeyPair
        do {
            identity = try connection.identity()
        } catch {
            let socket = (try? directories.commandEndpoint(ServiceName.notifications)).map(RuntimeDirectories.socketPath(of:))
            if let socket, access(socket, F_OK) != 0 {
                printError("sendctl: the notifications service is not running (no socket at \(socket)). "
                    + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
                return 69
            }
            return Connection.exit(for: error).rawValue
        }
        ClientIdentity.assign(identity)
        do {
            let service = ServiceName.notifications
            // The service may be restarting: wait for it up to --timeout before saying it is not running.
            let health: JSONValue
            do {
                let client = try ServiceClient(service: service, directories: directories, identity: identity)
                defer { client.close() }
                health = try client.waitForHealth(timeout: connection.timeout)
            } catch {
                printError("sendctl: the notifications service is not running (\((error as? ServiceError)?.message ?? "\(error)")). "
                    + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
                return 69
            }
            let store = try name.map { try CursorFile(directories: directories, name: $0) }
            var cursor = health["last_seq"]?.intValue ?? 0
            if let stored = try store?.read() { cursor = stored }
            if fromStart { cursor = 0 }
            if let since { cursor = since }

            var file: JSONLinesFile? = nil
            var outLock: Int32 = -1
            defer { if outLock >= 0 { close(outLock) } }
            if let out {
                // Two writers would interleave their lines: one subscriber per file (the lock ends with the process).
                outLock = open(out, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
                if outLock >= 0 && flock(outLock, LOCK_EX | LOCK_NB) != 0 {
                    printError("sendctl: another `sendctl subscribe --out` is writing to \(out); stop it first, or choose another file")
                    return 75
                }
                let opened = try JSONLinesFile(path: out)
                file = opened
                if opened.cutBytes > 0 {
                    printError("sendctl: cut off a torn last line of \(out) (\(opened.cutBytes) bytes); it is written again")
                }
                if let last = opened.lastSeq {
                    // The file is its own position; a start past it would leave a gap in the file.
                    if let since, since > last {
                        printError("sendctl: \(out) ends at notification #\(last); starting after #\(since) would leave a gap in it. "
                            + "Drop --since to continue the file, or choose another file")
                        return 64
                    }
                    cursor = last
                } else {
                    // An empty file starts where it was asked to, from the start by default, and again after a crash.
                    cursor = since ?? 0
                }
            }

            let printer = NotificationPrinter(json: json)
            let filter = filters.filter
            var logger = Logger(label: "sendctl.subscribe")
            logger.logLevel = .error
            // The events come as the service stored them: with --json and no filter they are written out as they
            // are; otherwise each is parsed, once, to filter it or to draw its line.
            let raw = json && filter.passesAll
            let follower = try EventFollower(source: service, directories: directories, cursor: cursor,
                                             stop: stop, logger: logger) { (batch: [StoredEvent]) -> Int64? in
                let last = batch.last!.seq
                if let file {
                    // The file is the cursor: the batch is written and fsynced, then the follower moves on.
                    let lines = filter.passesAll ? batch.map { Array($0.bytes) }
                        : batch.compactMap { stored -> [UInt8]? in
                            guard let value = try? JSONValue.parse(stored.bytes), filter.matches(value) else { return nil }
                            return Array(stored.bytes)
                        }
                    do throws(ServiceError) { try file.append(lines, lastSeq: last) } catch {
                        printError("sendctl: \(error.message)")
                        stop.set()
                        return nil
                    }
                    return last
                }
                do {
                    for event in batch {
                        let writes = printer.writes
                        if raw {
                            guard printer.print(stored: event.bytes) else { stop.set(); return nil }
                        } else {
                            guard let value = try? JSONValue.parse(event.bytes), filter.matches(value) else { continue }
                            guard json ? printer.print(stored: event.bytes) : printer.print(value) else { stop.set(); return nil }
                        }
                        // A long batch is written out every 64 KiB: its position follows each write at once
                        // (one pwrite; the fsync comes at the end of the batch).
                        if printer.writes != writes { try store?.write(event.seq, sync: false) }
                    }
                    guard printer.flush() else { stop.set(); return nil }
                    // At once after the print: a crash between the two is the only way a line is printed twice.
                    try store?.write(last)
                } catch {
                    printError("sendctl: cannot save the position of '\(name ?? "")': \(error)")
                    stop.set()
                    return nil
                }
                return last
            }
            let target = out.map { " into \($0)" } ?? ""
            printError("sendctl: following notifications after #\(cursor)\(name.map { " as '\($0)'" } ?? "")\(target) (Ctrl-C stops)")
            // Ctrl-C or SIGTERM: finish the line being printed, keep the position, exit 0.
            StopSignals.setOnSignal(stop)
            try follower.run()
            return 0
        } catch let error as ServiceError {
            return Connection.exit(for: error).rawValue
        } catch {
            printError("sendctl: \(error)")
            return 70
        }
    }
}

/// A subscriber's durable position: `<data>/sendctl/subscribers/<name>.cursor`, one decimal number.
///
/// The file is opened once and each new position is one `pwrite` of a fixed-width record at offset
/// 0, so the write follows the print within microseconds (a SIGKILL cannot tear it: the kernel has
/// the page), then fsynced for a power cut. Files written by older versions ("42\n") read the same.
final class CursorFile {
    let path: String
    private var fd: Int32

    init(directories: RuntimeDirectories, name: String) throws {
        let directory = "\(directories.data)/sendctl/subscribers"
        path = "\(directory)/\(name).cursor"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServiceError(.internal, "cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    func read() throws -> Int64? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = pread(fd, &buffer, 64, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int64(text), value >= 0 else {
            throw ServiceError(.internal, "the position file \(path) is damaged; remove it or use --since")
        }
        return value
    }

    /// Replaces the position; with `sync` also fsyncs it (a SIGKILL cannot undo the `pwrite`; a power cut can).
    func write(_ seq: Int64, sync: Bool = true) throws {
        // 19 digits and a newline: every Int64, always the same length, so no old digit is left behind.
        let digits = String(seq)
        let bytes = Array((String(repeating: "0", count: max(0, 19 - digits.count)) + digits + "\n").utf8)
        let n = pwrite(fd, bytes, bytes.count, 0)
        guard n == bytes.count, !sync || fsync(fd) == 0 else {
            throw ServiceError(.internal, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
