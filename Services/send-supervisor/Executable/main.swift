import ArgumentParser
import SendModel
import SendRuntime
import SupervisorService

/// The `send-supervisor` executable: runs the stack's services, restarts them, stops them in order.
struct SendSupervisorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-supervisor",
        abstract: "Start, watch, restart and stop the SEND Partnership services.",
        discussion: """
            Starts the services of the stack configuration in order and waits for each to answer health; restarts a \
            service that exits (backoff 100 ms doubling to 10 s); marks it failed after more than 5 restarts in 60 s \
            (by default); on SIGTERM or SIGINT stops them in reverse order and exits 0. Service output goes to \
            <data>/logs/<service>.log; the supervisor's own log goes to standard error.
            """
    )

    @OptionGroup var directories: DirectoryOptions

    @Option(help: ArgumentHelp("The stack configuration (default: SEND_STACK_CONFIG, else the embedded copy of deploy/stack.json).",
                               valueName: "path"))
    var config: String?

    @Option(name: .customLong("bin-dir"), help: ArgumentHelp("Where the services' executables are (default: beside send-supervisor).",
                                                            valueName: "path"))
    var binDir: String?

    func run() throws {
        let configPath = config
        let binDirectory = binDir ?? SupervisorService.ownDirectory()
        SupervisorService.stopOnHangup()
        ServiceHost.main(try {
            let loaded = try StackConfig.load(path: configPath, environment: currentEnvironment())
            return try SupervisorService.definition(config: loaded.config, configSource: loaded.source, binDirectory: binDirectory)
        }(), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}

SendSupervisorCommand.main()
