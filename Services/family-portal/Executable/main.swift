import ArgumentParser
import FamilyPortal
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import SendModel
import SendRuntime
import Synchronization

/// The `family-portal` executable: the families' door on `SEND_PORTAL_ADDRESS`, a client of comms,
/// board and findings over their ipc sockets, answering `health` on `<run>/portal.cmd`.
@main
struct FamilyPortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "family-portal",
        abstract: "The families' door: questionnaires, stopping messages, enquiries and the progress page, over HTTP."
    )

    @OptionGroup var directories: DirectoryOptions

    func run() async throws {
        // Swift's tasks run on NIO's event loops, so a request does not hop threads between the socket
        // and its handler. Blocking work never runs there: ZeroMQ and report building have threads of their own.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = currentEnvironment()["SEND_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
        umask(0o077)
        // A blocked signal mask survives exec: a parent that started us from a thread blocking SIGTERM
        // (Foundation's Process does) would leave us unstoppable but by SIGKILL. Unblock the two we stop on.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let logger = Logger(label: "portal")
        let client: EdgeClient
        let portal: Portal
        let lock: InstanceLock
        var boundPort: BoundPort?
        do {
            let config = try PortalConfig.fromEnvironment()
            let dirs = directories.directories
            try dirs.prepare()
            lock = try InstanceLock(runDirectory: dirs.run, name: "portal")
            let started = Timestamp.now()
            let startedMillis = monotonicMillis()
            let port = BoundPort(config.port)
            client = EdgeClient(directories: dirs, services: Portal.upstreams, healthName: "portal") {
                ["service": "portal", "status": "ready", "pid": .int(Int64(getpid())), "started_at": .string(started.description),
                 "uptime_ms": .int(monotonicMillis() - startedMillis), "last_seq": 0, "http": .string("\(config.host):\(port.value)"),
                 "public_url": .string(config.publicURL)]
            }
            try client.start()
            portal = Portal(config: config, client: client, logger: logger)
            boundPort = port
        } catch {
            logger.critical("cannot start: \(error.message)")
            throw ExitCode(78)
        }
        defer { _ = lock }
        do {
            // Health is answered only once HTTP is served: the supervisor counts the portal ready then.
            try await portal.buildApplication(onReady: { [boundPort, client] p in
                boundPort?.value = p
                do { try client.serveHealth() } catch {
                    Logger(label: "portal").critical("cannot start: \(error)")
                    Glibc.exit(78)
                }
            }).runService()
        } catch {
            client.stop()
            logger.critical("cannot start: cannot serve HTTP on \(portal.config.host):\(portal.config.port): \(error)")
            throw ExitCode(78)
        }
        client.stop()
        logger.info("portal stopped pid=\(getpid())")
    }

}

/// The port the portal listens on, known once it is bound (`SEND_PORTAL_ADDRESS` may name port 0).
final class BoundPort: Sendable {
    private let port: Mutex<Int>
    init(_ port: Int) { self.port = Mutex(port) }
    var value: Int {
        get { port.withLock { $0 } }
        set { port.withLock { $0 = newValue } }
    }
}
