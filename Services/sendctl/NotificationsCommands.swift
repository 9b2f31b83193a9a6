import ArgumentParser
import SendModel

/// `sendctl notifications list|rules`: look back at the notification log.
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Look back at notifications.",
        subcommands: [List.self, RulesList.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List notifications, oldest first.")

        @OptionGroup var filters: FilterOptions

        @Option(help: ArgumentHelp("Start after this notification seq.", valueName: "seq"))
        var since: Int64 = 0

        @Option(help: "At most this many.")
        var limit: Int = 100

        @Flag(help: "Print JSON Lines.")
        var json = false

        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            var args = filters.args.objectValue ?? [:]
            args["after"] = .int(since)
            args["limit"] = .int(Int64(limit))
            let result = try await Connection(options: connection).call(ServiceName.notifications, "notifications.list", .object(args))
            let printer = NotificationPrinter(json: json)
            let items = result["notifications"]?.arrayValue ?? []
            for item in items { printer.print(item) }
            _ = printer.flush()
            if !json && items.isEmpty { print("no notifications match (the log's last seq is \(result["last_seq"]?.cell ?? "0"))") }
        }
    }

    struct RulesList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rules", abstract: "Which events become notifications, for whom.")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.notifications, "notifications.rules")
            if json { Output.json(result); return }
            Output.table(["event", "audience", "severity", "when"], (result["rules"]?.arrayValue ?? []).map { r in
                [r["event"]?.cell ?? "", r["audience"]?.cell ?? "", r["severity"]?.cell ?? "", r["when"]?.cell ?? ""]
            })
        }
    }
}
