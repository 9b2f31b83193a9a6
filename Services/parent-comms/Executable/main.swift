import ArgumentParser
import CommsService
import SendRuntime

/// The `parent-comms` executable: parses the common flags and runs the service until SIGTERM or SIGINT.
struct ParentCommsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parent-comms",
        abstract: "Holds the families and sends them questionnaires and updates; the only place personal data lives."
    )

    @OptionGroup var directories: DirectoryOptions

    func run() throws {
        ServiceHost.main(try CommsService.definition(), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}

ParentCommsCommand.main()
