public import SendRuntime
import Foundation
import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor as a service of the runtime (`supervisor.cmd`, `supervisor.pub`, `health`,
/// `events.since`, durable gapless events): it runs the stack's services as children and
/// answers `status`, `restart` and `stop`.
public enum SupervisorService {
    /// The definition for a loaded configuration; `binDirectory` is where the services' executables are.
    public static func definition(config: StackConfig, configSource: String, binDirectory: String) throws(StartupError) -> ServiceDefinition {
        for (i, service) in config.services.enumerated() {
            let path = service.executable.hasPrefix("/") ? service.executable : "\(binDirectory)/\(service.executable)"
            guard access(path, X_OK) == 0 else {
                throw StartupError("services[\(i)].executable: no executable file \(path) for \(service.name). Build the stack "
                    + "(`swift build -c release`, or `deploy/stack up` which builds it), or point --bin-dir at the built executables")
            }
        }
        let state = SupervisorState(names: config.services.map(\.name), configSource: configSource)
        let pid = getpid()
        return ServiceDefinition(
            name: ServiceName.supervisor,
            commands: [
                "status": .read { _ in state.status(pid: pid) },
                "restart": .write { ctx in
                    let v = ctx.validator()
                    let service = v.string("service", maxLength: 64)
                    try v.check()
                    guard let service, state.names.contains(service) else {
                        throw ServiceError.invalid("service", "'\(service ?? "")' is not a service of this stack; "
                            + "choose one of \(state.names.joined(separator: ", "))")
                    }
                    guard state.requestRestart(service) else {
                        throw ServiceError(.unavailable, "the supervisor is stopping")
                    }
                    return ["service": .string(service), "restarting": true]
                },
                "stop": .write { _ in
                    StopSignals.requestStop()
                    return ["stopping": true]
                },
            ],
            backgroundTasks: [
                BackgroundTask("children") { host in
                    Supervisor(config: config, binDirectory: binDirectory, host: host, state: state).run()
                },
            ],
            keepsRegister: true
        )
    }

    /// Makes SIGHUP (the terminal of a foreground `deploy/stack up` closing) stop the stack in
    /// order, like SIGTERM, instead of killing the supervisor and leaving its services behind.
    public static func stopOnHangup() {
        _ = StopSignals.install()
        let handler: @convention(c) (Int32) -> Void = { _ in StopSignals.requestStop() }
        signal(SIGHUP, handler)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The directory of the running executable (`/proc/self/exe`), where `swift build` puts every executable of the package.
    public static func ownDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        return url.deletingLastPathComponent().path
    }
}
