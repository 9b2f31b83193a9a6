import ArgumentParser
import SendModel

/// `sendctl followers accept SERVICE SOURCE`: an operator accepts a source's replaced log.
struct FollowersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followers",
        abstract: "Mend a follower that stopped on a replaced log.",
        subcommands: [FollowersAccept.self]
    )
}

struct FollowersAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Let SERVICE follow SOURCE's new log (its database was made afresh or restored alone).",
        discussion: """
            A follower stops, and `sendctl health SERVICE` says "SOURCE's log was replaced (its identity is ID, …)",
            when SOURCE answers with another log than the one its cursor counts in. Nothing more is applied from
            SOURCE until an operator says where to begin in the new log: --from-start applies all of it (SOURCE
            started empty: everything in it is new), --from-end only what comes after its last event now (what it
            holds was applied already, from the old log). --identity must be the ID health gives, so a log
            replaced again meanwhile is not accepted by mistake. After restoring the whole stack from one backup
            (deploy/stack restore) nothing needs accepting.
            """
    )

    @Argument(help: "The follower: board, comms, notifications or findings.")
    var service: String

    @Argument(help: "The service it follows.")
    var source: String

    @Option(help: "The new log's identity, as `sendctl health SERVICE` gives it (16 hex digits).")
    var identity: String

    @Flag(help: "Apply the new log from its first event.")
    var fromStart = false

    @Flag(help: "Apply only what comes after the new log's last event now.")
    var fromEnd = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ServiceName.managed.contains(service) else {
            throw ValidationError("unknown service '\(service)'; choose one of \(ServiceName.managed.joined(separator: ", "))")
        }
        guard (ServiceName.managed + [ServiceName.supervisor]).contains(source), source != service else {
            throw ValidationError("'\(source)' is not a service \(service) can follow")
        }
        guard fromStart != fromEnd else { throw ValidationError("say where to begin: --from-start or --from-end") }
    }

    func run() async throws {
        let result = try await Connection(options: connection).call(service, "follower.accept", [
            "source": .string(source), "identity": .string(identity), "from": .string(fromStart ? "start" : "end"),
        ])
        let cursor = result["cursor"]?.intValue ?? 0
        print("\(service) follows \(source)'s log \(identity) now, "
            + (fromStart ? "from its first event" : "after its event #\(cursor)")
            + "; `sendctl health \(service)` shows it catching up")
    }
}
