import ArgumentParser
import BoardService
import SendRuntime

/// The `board-actions` executable: parses the common flags and runs the service until SIGTERM or SIGINT.
struct BoardActionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board-actions",
        abstract: "Keeps the written statement of action: actions, owners, progress, KPIs and board decisions."
    )

    @OptionGroup var directories: DirectoryOptions

    func run() throws {
        ServiceHost.main(try BoardService.definition(), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}

BoardActionsCommand.main()
