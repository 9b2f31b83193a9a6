import ArgumentParser

/// `sendctl`: the operator's and board's command-line client.
@main
struct Sendctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendctl",
        abstract: "Operate SEND Partnership: check services, record findings, follow notifications.",
        discussion: """
            Talks to the running stack over its Unix sockets (see --run-dir), presenting your key: --key FILE, --as NAME, \
            else SEND_KEY_FILE, else your own (`sendctl keys new`), else the stack's own key when you own its data \
            directory. Every listing takes --json.
            Exit codes: 0 done; 64 bad usage (also sendctl with no command); 65 the service refused the input; \
            66 `sendctl keys show`: no key; 69 the stack is not running; 70 internal error; 73 `sendctl keys new`: \
            a key exists already; 75 `sendctl status` found a service failed; 77 forbidden: your key is not registered, \
            was revoked, or its role may not do this (the message names the roles that may).
            """,
        subcommands: [
            HealthCommand.self,
            SubscribeCommand.self,
            NotificationsCommand.self,
            InspectionsCommand.self,
            FindingsCommand.self,
            StatusCommand.self,
            RestartCommand.self,
            FollowersCommand.self,
            ActionsCommand.self,
            KPIsCommand.self,
            BoardCommand.self,
            MeetingsCommand.self,
            ThemesCommand.self,
            PlanCommand.self,
            FamiliesCommand.self,
            QuestionnairesCommand.self,
            UpdatesCommand.self,
            EnquiriesCommand.self,
            ReportCommand.self,
            KeysCommand.self,
            PeopleCommand.self,
            AuditCommand.self,
            BackupCommand.self,
            RestoreCommand.self,
        ]
    )

    /// `sendctl --as chair actions list` reads as `sendctl actions list --as chair`: the key options
    /// typed before the command are moved after it.
    static func main() async {
        await main(hoistingKeyOptions(Array(CommandLine.arguments.dropFirst())))
    }

    /// The leading `--as NAME` and `--key FILE` (also `--as=NAME`) moved to the end, before any `--`.
    static func hoistingKeyOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first.hasPrefix("--as=") || first.hasPrefix("--key=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if (first == "--as" || first == "--key"), rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        // `people add` has a --key of its own (the person's public key): a key file before it is not moved into it.
        if leading.isEmpty || (rest.starts(with: ["people", "add"]) && leading.contains { $0.hasPrefix("--key") }) { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }

    /// Bare `sendctl`: the help, on standard error, as a usage error.
    func run() async throws {
        printError(Sendctl.helpMessage())
        throw ExitCode(64)
    }
}
