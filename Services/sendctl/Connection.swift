import ArgumentParser
import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// Options every sendctl command that talks to the stack takes.
struct ConnectionOptions: ParsableArguments {
    @OptionGroup var directories: DirectoryOptions

    @Option(help: ArgumentHelp("Seconds to wait for each answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(help: ArgumentHelp("The key file to present (default: SEND_KEY_FILE, else ~/.config/send-partnership/key, "
        + "else the stack's own key when you own its data directory).", valueName: "file"))
    var key: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Present the key NAME (~/.config/send-partnership/NAME.key, made by `sendctl keys new --name NAME`).", valueName: "name"))
    var keyName: String?

    /// The key this run presents.
    func identity() throws -> CurveKeyPair {
        if let key { return try KeyFile.read(key) }
        if let keyName { return try KeyFile.read(KeyFile.personalPath(keyName)) }
        return try ClientIdentity.current(directories: directories.directories)
    }
}

/// Calls commands on the stack's services from a dedicated thread (ZeroMQ sockets block; they stay
/// off Swift's cooperative pool), mapping errors to sendctl's exit codes.
struct Connection {
    let options: ConnectionOptions

    /// Calls `command` on `service` and returns its result; on failure prints the error and exits.
    func call(_ service: String, _ command: String, _ args: JSONValue = [:]) async throws -> JSONValue {
        try await call(service, command, args, id: RequestID.make(), minimumTimeout: 0)
    }

    /// Calls with a request id of the caller's choosing and a timeout of at least `minimumTimeout`:
    /// retries reuse the id, so the service does the work once.
    func call(_ service: String, _ command: String, _ args: JSONValue, id: String, minimumTimeout: Double) async throws -> JSONValue {
        switch await result(service, command, args, id: id, timeout: max(options.timeout, minimumTimeout)) {
        case .success(let value): return value
        case .failure(let error): throw Connection.exit(for: FlagNames.rewrite(error, command: command))
        }
    }

    /// The outcome of one call, for commands that explain a failure themselves.
    func result(_ service: String, _ command: String, _ args: JSONValue = [:], id: String = RequestID.make(),
                timeout: Double? = nil) async -> Result<JSONValue, any Error> {
        let directories = options.directories.directories
        let timeout = timeout ?? options.timeout
        return await runOnThread {
            Result {
                let client = try Connection.client(service, directories: directories, identity: options.identity)
                defer { client.close() }
                return try client.call(command, args, id: id, timeout: timeout, attempts: 2)
            }
        }
    }

    /// Waits up to --timeout for `service` to answer `health` (it may be restarting) and returns its answer.
    func waitForHealth(_ service: String) async -> Result<JSONValue, any Error> {
        let directories = options.directories.directories
        let timeout = options.timeout
        return await runOnThread {
            Result {
                let identity: CurveKeyPair
                do {
                    identity = try options.identity()
                } catch {
                    // With no key at all, a stack that is not running is still the first thing to say.
                    let socket = RuntimeDirectories.socketPath(of: try directories.commandEndpoint(service))
                    if access(socket, F_OK) != 0 {
                        throw ServiceError(.unavailable, "\(service) is not running: no socket at \(socket). "
                            + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
                    }
                    throw error
                }
                let client = try ServiceClient(service: service, directories: directories, identity: identity)
                defer { client.close() }
                return try client.waitForHealth(timeout: timeout)
            }
        }
    }

    /// A client of `service` presenting the key `identity` gives, or `unavailable` saying how to start
    /// the stack when its socket is missing (before any key is looked for: a stack that is not running
    /// is the first thing to say). Call on a thread of your own and use the client there.
    static func client(_ service: String, directories: RuntimeDirectories, identity: () throws -> CurveKeyPair) throws -> ServiceClient {
        let socket = RuntimeDirectories.socketPath(of: try directories.commandEndpoint(service))
        guard access(socket, F_OK) == 0 else {
            throw ServiceError(.unavailable, "\(service) is not running: no socket at \(socket). "
                + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
        }
        return try ServiceClient(service: service, directories: directories, identity: try identity())
    }

    /// Prints the error in one readable block and returns the exit code for it.
    static func exit(for error: any Error) -> ExitCode {
        if let e = error as? ServiceError {
            var text = "sendctl: \(e.code.rawValue): \(e.message)"
            if e.details.count > 1 || (e.details.count == 1 && !e.message.contains(e.details[0].message)) {
                for d in e.details { text += "\n  \(d.field): \(d.message)" }
            }
            printError(text)
            switch e.code {
            case .unavailable: return ExitCode(69)
            case .internal: return ExitCode(70)
            case .badRequest, .unknownCommand: return ExitCode(64)
            case .invalid, .notFound, .conflict: return ExitCode(65)
            case .forbidden: return ExitCode(77)
            }
        }
        if let e = error as? StartupError {
            printError("sendctl: \(e.message)")
            return ExitCode(77)
        }
        printError("sendctl: \(error)")
        return ExitCode(70)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs blocking work on a new thread and resumes the caller with its result.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

/// Output helpers: JSON for scripts, aligned tables for people.
enum Output {
    static func json(_ value: JSONValue) {
        print(value.prettyJSON)
    }

    /// Prints rows under headers, each column as wide as its widest cell.
    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(headers))
        for row in rows { print(line(row)) }
    }
}

extension JSONValue {
    /// Indented JSON for people, keys sorted.
    var prettyJSON: String {
        func render(_ v: JSONValue, _ indent: String) -> String {
            switch v {
            case .array(let items) where !items.isEmpty:
                let inner = indent + "  "
                return "[\n" + items.map { inner + render($0, inner) }.joined(separator: ",\n") + "\n\(indent)]"
            case .object(let fields) where !fields.isEmpty:
                let inner = indent + "  "
                return "{\n" + fields.keys.sorted().map { k in
                    inner + JSONValue.string(k).jsonString + ": " + render(fields[k]!, inner)
                }.joined(separator: ",\n") + "\n\(indent)}"
            default:
                return v.jsonString
            }
        }
        return render(self, "")
    }

    /// A cell for a table: strings bare, null as "-", others as JSON.
    var cell: String {
        switch self {
        case .null: "-"
        case .string(let s): s
        default: jsonString
        }
    }
}
