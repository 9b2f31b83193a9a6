import ArgumentParser
import NotificationsService
import SendRuntime

/// The `notifications` executable: parses the common flags and runs the service until SIGTERM or SIGINT.
struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Turns events into notifications for the people who must know."
    )

    @OptionGroup var directories: DirectoryOptions

    func run() throws {
        ServiceHost.main(try NotificationsService.definition(), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}

NotificationsCommand.main()
