import ArgumentParser
import SendModel

/// `sendctl restart SERVICE`: asks the supervisor to restart one service (also one marked failed).
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart one service of the stack (SIGTERM, then start again at once); also restarts a failed one."
    )

    @Argument(help: "findings, board, comms, notifications or portal.")
    var service: String

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ServiceName.supervised.contains(service) else {
            throw ValidationError("unknown service '\(service)'; choose one of \(ServiceName.supervised.joined(separator: ", "))")
        }
    }

    func run() async throws {
        _ = try await Connection(options: connection).call(ServiceName.supervisor, "restart", ["service": .string(service)])
        print("restarting \(service); `sendctl status` shows when it is running again")
    }
}
