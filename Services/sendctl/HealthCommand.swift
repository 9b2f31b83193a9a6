import ArgumentParser
import SendModel

/// `sendctl health SERVICE`: the service's own answer to `health`.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Ask a service whether it is ready, and how far its followers have read.",
        discussion: """
            Waits up to --timeout seconds for the service to answer (it may be restarting). States: ready, degraded \
            (it answers, but a follower has stopped at an event it cannot apply: the source, the event and the reason \
            are printed), stopping. When the service does not answer, the supervisor says why (failed, restarting, \
            not running); exit 69.
            """
    )

    @Argument(help: "findings, board, comms, notifications, portal or supervisor.")
    var service: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        let known = ServiceName.supervised + [ServiceName.supervisor]
        guard known.contains(service) else {
            throw ValidationError("unknown service '\(service)'; choose one of \(known.joined(separator: ", "))")
        }
        guard connection.timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        let conn = Connection(options: connection)
        let result: JSONValue
        switch await conn.waitForHealth(service) {
        case .success(let value):
            result = value
        case .failure(let error):
            printError("sendctl: \(await whyNoAnswer(error, conn))")
            throw ExitCode(69)
        }
        if json {
            Output.json(result)
            return
        }
        let uptime = Double(result["uptime_ms"]?.intValue ?? 0) / 1000
        print("\(service): \(result["status"]?.cell ?? "?")  pid \(result["pid"]?.cell ?? "?")  "
            + "up \(String(format: "%.1f", uptime)) s  last seq \(result["last_seq"]?.cell ?? "0")")
        if let follows = result["follows"]?.objectValue, !follows.isEmpty {
            Output.table(["follows", "cursor", "source last seq", "lag", "state"], follows.keys.sorted().map { source in
                let f = follows[source]!
                let state = (f["stalled"]?.isNull ?? true) ? "applying" : "stopped"
                return [source, f["cursor"]?.cell ?? "", f["source_last_seq"]?.cell ?? "", f["lag"]?.cell ?? "", state]
            })
        }
        for line in HealthCommand.degradedLines(service, result) { print(line) }
    }

    /// One line per follower that has stopped: what it follows, where it stopped, and why.
    static func degradedLines(_ service: String, _ health: JSONValue) -> [String] {
        (health["degraded"]?.arrayValue ?? []).map { d in
            let type = d["type"]?.stringValue.map { " (\($0))" } ?? ""
            return "\(service) degraded: its follower of \(d["source"]?.cell ?? "?") has stopped before "
                + "\(d["source"]?.cell ?? "?")#\(d["seq"]?.cell ?? "?")\(type): \(d["reason"]?.cell ?? "no reason given")"
        }
    }

    /// Why the service did not answer, as the supervisor knows it; the client's own reason when
    /// the supervisor does not answer either (or is the service asked about).
    func whyNoAnswer(_ error: any Error, _ conn: Connection) async -> String {
        let own = (error as? ServiceError)?.message ?? "\(error)"
        if service == ServiceName.supervisor {
            return "\(own): the stack is not running. Start it with `deploy/stack up`, or point --run-dir at its run directory"
        }
        guard case .success(let status) = await conn.result(ServiceName.supervisor, "status", timeout: 1) else {
            return "\(own), and the supervisor does not answer either: the stack is not running. "
                + "Start it with `deploy/stack up`, or point --run-dir at its run directory"
        }
        guard let entry = (status["services"]?.arrayValue ?? []).first(where: { $0["service"]?.stringValue == service }) else {
            return "\(own); the supervisor does not run \(service) (see `sendctl status`)"
        }
        let state = entry["state"]?.stringValue ?? "unknown"
        switch state {
        case "failed":
            return "\(service) has failed: \(entry["reason"]?.cell ?? "no reason given"). "
                + "Fix the cause (its log: \(entry["log"]?.cell ?? "see deploy/stack logs")), then `sendctl restart \(service)`"
        case "running":
            return "\(own); the supervisor counts it running as pid \(entry["pid"]?.cell ?? "?"), so it may be overloaded or stuck"
        default:
            return "\(service) is \(state) (the supervisor's word; last exit: \(StatusCommand.lastExit(entry["last_exit"]))); "
                + "it did not answer within \(connection.timeout) s. Try again with a longer --timeout, or see `sendctl status`"
        }
    }
}
