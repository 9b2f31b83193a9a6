import ArgumentParser
import Foundation
import SendModel

/// `sendctl status`: the supervisor's view of the stack, one row per service.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each service of the stack: state, pid, uptime, restarts and last exit.",
        discussion: """
            States: starting, running, restarting (waiting out its backoff), failed (exited too often; see its \
            log, then `sendctl restart SERVICE`), stopping, stopped. A running service whose follower has stopped at an \
            event it cannot apply is named below the table with the event and the reason. Exits 75 when a service is failed (after printing \
            the table, or the JSON), 69 when the stack is not running.
            """
    )

    @Flag(help: "Print the supervisor's reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    /// The exit code when a service is failed: EX_TEMPFAIL, since `sendctl restart SERVICE` may mend it.
    static let failedExitCode = ExitCode(75)

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.supervisor, "status")
        let anyFailed = (result["services"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "failed" }
        if json {
            Output.json(result)
            if anyFailed { throw StatusCommand.failedExitCode }
            return
        }
        let services = result["services"]?.arrayValue ?? []
        Output.table(["service", "state", "pid", "uptime", "restarts", "last exit"], services.map { s in
            [
                s["service"]?.cell ?? "?",
                s["state"]?.cell ?? "?",
                s["pid"]?.cell ?? "-",
                StatusCommand.duration(s["uptime_ms"]?.intValue),
                s["restarts"]?.cell ?? "0",
                StatusCommand.lastExit(s["last_exit"]),
            ]
        })
        for s in services where s["state"]?.stringValue == "failed" {
            print("\n\(s["service"]?.cell ?? "?") failed: \(s["reason"]?.cell ?? "no reason given")")
        }
        // A running service whose follower has stopped at an event answers health `degraded`: say which and why.
        let conn = Connection(options: connection)
        var degraded: [String] = []
        for s in services where s["state"]?.stringValue == "running" {
            guard let name = s["service"]?.stringValue,
                  case .success(let health) = await conn.result(name, "health", timeout: 1) else { continue }
            degraded += HealthCommand.degradedLines(name, health)
        }
        if !degraded.isEmpty { print("\n" + degraded.joined(separator: "\n")) }
        let supervisor = result["supervisor"]
        print("\nsupervisor pid \(supervisor?["pid"]?.cell ?? "?"), up \(StatusCommand.duration(supervisor?["uptime_ms"]?.intValue)), "
            + "\(supervisor?["state"]?.cell ?? "?"); config: \(supervisor?["config"]?.cell ?? "?")")
        if anyFailed { throw StatusCommand.failedExitCode }
    }

    /// `850 ms`, `12.3 s`, `4 min 05 s`, `3 h 02 min`, `2 d 04 h`.
    static func duration(_ ms: Int64?) -> String {
        guard let ms else { return "-" }
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        let s = ms / 1000
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        if s < 86_400 { return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60) }
        return String(format: "%d d %02d h", s / 86_400, (s % 86_400) / 3600)
    }

    /// `signal SIGKILL (9)`, `exit 78`, or `-`.
    static func lastExit(_ value: JSONValue?) -> String {
        guard let value, !value.isNull else { return "-" }
        if let signal = value["signal"]?.stringValue {
            return "signal \(signal) (\(value["signal_number"]?.cell ?? "?"))"
        }
        if let code = value["exit_code"]?.intValue { return "exit \(code)" }
        return "-"
    }
}
