import ArgumentParser
import FindingsService
import SendRuntime

/// The `findings-intake` executable: parses the common flags and runs the service until SIGTERM or SIGINT.
struct FindingsIntakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings-intake",
        abstract: "Records inspections, findings, statutory deadlines and revisit judgements."
    )

    @OptionGroup var directories: DirectoryOptions

    func run() throws {
        ServiceHost.main(try FindingsService.definition(), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}

FindingsIntakeCommand.main()
