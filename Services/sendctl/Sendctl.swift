import ArgumentParser

/// `sendctl`: the operator's and board's command-line client.
@main
struct Sendctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendctl",
        abstract: "Operate SEND Partnership: check services, record findings, follow notifications.",
        discussion: """
            Talks to the running stack over its Unix sockets (see --run-dir). Every listing takes --json.
            Exit codes: 0 done; 64 bad usage (also sendctl with no command); 65 the service refused the input; \
            69 the stack is not running; 70 internal error; 75 `sendctl status` found a service failed.
            """,
        subcommands: [
            HealthCommand.self,
            SubscribeCommand.self,
            NotificationsCommand.self,
            InspectionsCommand.self,
            FindingsCommand.self,
            StatusCommand.self,
            RestartCommand.self,
            ActionsCommand.self,
            KPIsCommand.self,
            BoardCommand.self,
            PlanCommand.self,
            FamiliesCommand.self,
            QuestionnairesCommand.self,
            UpdatesCommand.self,
            EnquiriesCommand.self,
            ReportCommand.self,
        ]
    )

    /// Bare `sendctl`: the help, on standard error, as a usage error.
    func run() async throws {
        printError(Sendctl.helpMessage())
        throw ExitCode(64)
    }
}
