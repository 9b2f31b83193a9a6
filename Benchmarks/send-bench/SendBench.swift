import ArgumentParser
import SendModel
import SendRuntime

/// `send-bench`: the benchmark program, and the small services it (and the runtime's tests) run.
@main
struct SendBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-bench",
        abstract: "Measure the transport, the runtime and the stack; print figures and a last line of JSON.",
        subcommands: [RunBenchmarks.self, Serve.self, FollowCommand.self, BoardBenchmark.self, CeilingServe.self],
        defaultSubcommand: RunBenchmarks.self
    )
}

/// `send-bench serve`: a service on the runtime with the bench domain.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a bench service (append, fail, count, ids).")
    @Option var name = "bench"
    @Flag(help: "No CURVE on the command socket (to measure what CURVE costs; the stack's services always have it).")
    var noCurve = false
    @OptionGroup var directories: DirectoryOptions
    func run() throws {
        let curve = !noCurve
        ServiceHost.main(BenchDomain.service(name: name), runDir: directories.runDir, dataDir: directories.dataDir) { options in
            options.curve = curve
        }
    }
}

/// `send-bench follow`: a service that follows another and records each event it applies.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "follow", abstract: "Run a follower service (seen).")
    @Option var name = "follower"
    @Option var source = "bench"
    @OptionGroup var directories: DirectoryOptions
    func run() throws {
        ServiceHost.main(BenchDomain.follower(name: name, source: source), runDir: directories.runDir, dataDir: directories.dataDir)
    }
}
