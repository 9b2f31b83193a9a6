import ArgumentParser
import Foundation
import Glibc
import Logging
import SendModel
import SendRuntime

/// `sendctl subscribe`: follow notifications as they arrive, exactly once and in order.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Print notifications as they arrive.",
        discussion: """
            By default only new notifications; --from-start replays the whole log, --since SEQ starts after SEQ.
            With --name NAME the position is kept (in the data directory), so the next run with the same name
            continues exactly where this one stopped. Ctrl-C stops cleanly.
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

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if since != nil && fromStart { throw ValidationError("use --since or --from-start, not both") }
        if let since, since < 0 { throw ValidationError("--since must be 0 or more") }
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
        do {
            let service = ServiceName.notifications
            // The service may be restarting: wait for it up to --timeout before saying it is not running.
            let health: JSONValue
            do {
                let client = try ServiceClient(service: service, directories: directories)
                defer { client.close() }
                health = try client.waitForHealth(timeout: connection.timeout)
            } catch {
                printError("sendctl: the notifications service is not running (\((error as? ServiceError)?.message ?? "\(error)")). "
                    + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
                return 69
            }
            let store = name.map { CursorFile(directories: directories, name: $0) }
            var cursor = health["last_seq"]?.intValue ?? 0
            if let stored = try store?.read() { cursor = stored }
            if fromStart { cursor = 0 }
            if let since { cursor = since }

            let printer = NotificationPrinter(json: json)
            let filter = filters.filter
            var logger = Logger(label: "sendctl.subscribe")
            logger.logLevel = .error
            let follower = try EventFollower(source: service, directories: directories, cursor: cursor,
                                             stop: stop, logger: logger) { batch in
                for event in batch {
                    let json = event.json
                    if filter.matches(json), !printer.print(json) { stop.set(); return nil }
                }
                guard printer.flush() else { stop.set(); return nil }
                let last = batch.last!.seq
                do { try store?.write(last) } catch {
                    printError("sendctl: cannot save the position of '\(name ?? "")': \(error)")
                    stop.set()
                    return nil
                }
                return last
            }
            printError("sendctl: following notifications after #\(cursor)\(name.map { " as '\($0)'" } ?? "") (Ctrl-C stops)")
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

/// A subscriber's durable position: `<data>/sendctl/subscribers/<name>.cursor`, replaced atomically.
struct CursorFile {
    let path: String
    let directory: String

    init(directories: RuntimeDirectories, name: String) {
        directory = "\(directories.data)/sendctl/subscribers"
        path = "\(directory)/\(name).cursor"
    }

    func read() throws -> Int64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        guard let value = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ServiceError(.internal, "the position file \(path) is damaged; remove it or use --since")
        }
        return value
    }

    func write(_ seq: Int64) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ServiceError(.internal, "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        let bytes = Array("\(seq)\n".utf8)
        _ = Glibc.write(fd, bytes, bytes.count)
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else { throw ServiceError(.internal, "cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}
