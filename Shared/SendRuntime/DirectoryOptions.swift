public import ArgumentParser

/// `--run-dir` and `--data-dir`, the same for every executable (environment: `SEND_RUN_DIR`, `SEND_DATA_DIR`).
public struct DirectoryOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("run-dir"), help: ArgumentHelp("Directory of the sockets (mode 0700).", valueName: "path"))
    public var runDir: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory of the databases and logs.", valueName: "path"))
    public var dataDir: String?

    public init() {}

    public var directories: RuntimeDirectories { RuntimeDirectories.resolve(runDir: runDir, dataDir: dataDir) }
}
