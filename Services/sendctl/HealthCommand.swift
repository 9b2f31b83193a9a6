import ArgumentParser
import SendModel

/// `sendctl health SERVICE`: the service's own answer to `health`.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Ask a service whether it is ready, and how far its followers have read."
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
    }

    func run() async throws {
        let result = try await Connection(options: connection).call(service, "health")
        if json {
            Output.json(result)
            return
        }
        let uptime = Double(result["uptime_ms"]?.intValue ?? 0) / 1000
        print("\(service): \(result["status"]?.cell ?? "?")  pid \(result["pid"]?.cell ?? "?")  "
            + "up \(String(format: "%.1f", uptime)) s  last seq \(result["last_seq"]?.cell ?? "0")")
        if let follows = result["follows"]?.objectValue, !follows.isEmpty {
            Output.table(["follows", "cursor", "source last seq", "lag", "failures"], follows.keys.sorted().map { source in
                let f = follows[source]!
                return [source, f["cursor"]?.cell ?? "", f["source_last_seq"]?.cell ?? "", f["lag"]?.cell ?? "", f["failures"]?.cell ?? ""]
            })
        }
    }
}
