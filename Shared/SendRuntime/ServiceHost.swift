import Foundation
public import GRDB
public import Logging
public import SendModel
public import ZeroMQ

/// Runs a `ServiceDefinition`: opens its database, binds `<run>/<name>.cmd` and `.pub`, starts
/// the writer, the reader, its followers and jobs, and stops them all in reverse order on
/// SIGTERM or SIGINT (the transaction in flight finishes; exit 0).
public final class ServiceHost: Sendable {
    public struct Options: Sendable {
        public var directories: RuntimeDirectories
        public var synchronous: ServiceDatabase.Synchronous = .full
        public var maxRequestBytes: Int = 16 << 20
        public var heartbeatMilliseconds: Int = 1000
        public var maxBatch: Int = 512
        /// Messages the PUB socket queues per subscriber before dropping (`SEND_PUB_HWM`).
        public var publishHighWaterMark: Int32 = 100_000
        /// Messages a follower's SUB socket queues before dropping (`SEND_SUB_HWM`).
        public var followHighWaterMark: Int32 = 100_000
        /// Microseconds a group commit may wait for the requests of other active clients (`SEND_GROUP_WAIT_US`; 0: never).
        public var groupWaitMicros: Int = 50
        /// Checkpoints on a thread of their own (`SEND_CHECKPOINTER=0` leaves them to SQLite, on the commit thread).
        public var checkpointer = true
        /// The WAL size past which the checkpointer makes readers let go (`SEND_WAL_LIMIT_MB`).
        public var walLimitBytes: Int64 = 64 << 20
        /// CURVE and the ZAP handler on the command socket. Always on for the stack's services; a
        /// benchmark turns it off (`send-bench serve --no-curve`) to measure what it costs.
        public var curve = true

        public init(directories: RuntimeDirectories) { self.directories = directories }

        /// Reads `SEND_MAX_REQUEST_BYTES` and `SEND_SYNCHRONOUS` (FULL, NORMAL, EXTRA) when set.
        public static func fromEnvironment(_ directories: RuntimeDirectories,
                                           environment: [String: String] = currentEnvironment()) throws(StartupError) -> Options {
            var o = Options(directories: directories)
            if let text = environment["SEND_MAX_REQUEST_BYTES"] {
                guard let n = Int(text), n >= 1024 else {
                    throw StartupError("SEND_MAX_REQUEST_BYTES must be a whole number of bytes, at least 1024; got '\(text)'")
                }
                o.maxRequestBytes = n
            }
            for (name, keyPath) in [("SEND_PUB_HWM", \Options.publishHighWaterMark), ("SEND_SUB_HWM", \Options.followHighWaterMark)] {
                if let text = environment[name] {
                    guard let n = Int32(text), n >= 0 else { throw StartupError("\(name) must be a whole number ≥ 0; got '\(text)'") }
                    o[keyPath: keyPath] = n
                }
            }
            if let text = environment["SEND_GROUP_WAIT_US"] {
                guard let n = Int(text), (0...10_000).contains(n) else {
                    throw StartupError("SEND_GROUP_WAIT_US must be a whole number of microseconds from 0 to 10000; got '\(text)'")
                }
                o.groupWaitMicros = n
            }
            if let text = environment["SEND_CHECKPOINTER"] {
                guard text == "0" || text == "1" else { throw StartupError("SEND_CHECKPOINTER must be 0 or 1; got '\(text)'") }
                o.checkpointer = text == "1"
            }
            if let text = environment["SEND_WAL_LIMIT_MB"] {
                guard let n = Int64(text), n >= 1 else { throw StartupError("SEND_WAL_LIMIT_MB must be a whole number ≥ 1; got '\(text)'") }
                o.walLimitBytes = n << 20
            }
            if let text = environment["SEND_SYNCHRONOUS"] {
                guard let s = ServiceDatabase.Synchronous(rawValue: text.uppercased()) else {
                    throw StartupError("SEND_SYNCHRONOUS must be FULL, NORMAL or EXTRA; got '\(text)'")
                }
                o.synchronous = s
            }
            return o
        }
    }

    public let definition: ServiceDefinition
    public let options: Options
    public let logger: Logger
    public let context: ZeroMQ.Context
    public let pool: DatabasePool
    /// Set when the host begins to stop; background tasks return soon after.
    public let stopFlag = StopFlag()
    let writer: Writer
    let reader: Reader
    let backup: BackupTaker
    let server: CommandServer
    let status: HostStatus
    let lock: InstanceLock
    let checkpointer: Checkpointer?
    let socketPaths: [String]
    /// Who each key is (the ZAP handler and the command server read it).
    let register: Register
    let zap: ZAPHandler
    /// The stack's key pair: the command socket serves with it, and this process's clients use it.
    public let stackKeys: CurveKeyPair
    /// The commands the service answers: its own, and the register's for the supervisor.
    let commands: [String: CommandHandler]
    /// The followers: the domain's, with the register's events of the supervisor applied first.
    let follows: [Follow]
    /// The followers asked to start again (`follower.accept`).
    let followerRestarts: FollowerRestarts

    public var isStopping: Bool { stopFlag.isSet }

    /// Prepares everything that can fail at start-up, so that errors come before anything is bound.
    public init(_ definition: ServiceDefinition, options: Options, logger: Logger) throws {
        self.definition = definition
        self.options = options
        self.logger = logger
        let directories = options.directories
        try directories.prepare()
        let commandEndpoint = try directories.commandEndpoint(definition.name)
        let eventEndpoint = try directories.eventEndpoint(definition.name)
        // Only one instance per run directory; then socket files left by a killed one are stale and ours to remove.
        lock = try InstanceLock(runDirectory: directories.run, name: definition.name)
        socketPaths = [commandEndpoint, eventEndpoint].map(RuntimeDirectories.socketPath(of:))
        for path in socketPaths { unlink(path) }
        for name in definition.commands.keys where ServiceDefinition.builtInCommands.contains(name) {
            throw StartupError("\(definition.name) defines the built-in command '\(name)'")
        }
        do {
            pool = try ServiceDatabase.open(path: directories.databasePath(definition.name), synchronous: options.synchronous,
                                            migrations: definition.migrations)
        } catch {
            throw StartupError("cannot open the database \(directories.databasePath(definition.name)): \(error)")
        }
        if definition.secureDelete {
            // The writer's connection lives as long as the pool: set once, it holds for every write.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        }
        // Stored replies answer retries; a week is far longer than any client retries.
        let retention = Timestamp(millis: Timestamp.now().millis - 7 * 86_400_000)
        let pruned = try pool.write { db in try ServiceDatabase.pruneRequests(db, before: retention) }
        if pruned > 0 { logger.info("forgot \(pruned) stored replies older than 7 days") }
        if options.checkpointer {
            let made = try Checkpointer(path: directories.databasePath(definition.name), walLimitBytes: options.walLimitBytes, logger: logger)
            pool.writeWithoutTransaction { db in
                if let connection = db.sqliteConnection { made.install(on: connection) }
            }
            checkpointer = made
        } else {
            checkpointer = nil
        }
        let stackKeys = try KeyFile.readOrCreate(directories.stackKeyPath)
        self.stackKeys = stackKeys
        ClientIdentity.assign(stackKeys)
        let register = Register(stackKey: stackKeys.publicKey)
        self.register = register
        try pool.read { db in try register.load(db) }
        var commands = definition.commands
        var follows = definition.follows
        if definition.keepsRegister {
            for (name, handler) in RegisterCommands.commands(register) {
                guard commands[name] == nil else { throw StartupError("\(definition.name) defines the register's command '\(name)'") }
                commands[name] = handler
            }
        } else {
            // The register reaches every service as the supervisor's events, applied before the domain's own handler sees them.
            if let index = follows.firstIndex(where: { $0.source == ServiceName.supervisor }) {
                let domain = follows[index].handler
                follows[index] = Follow(ServiceName.supervisor) { ctx, event in
                    try register.apply(ctx, event)
                    try domain(ctx, event)
                }
            } else {
                follows.append(Follow(ServiceName.supervisor) { ctx, event in try register.apply(ctx, event) })
            }
        }
        let restarts = FollowerRestarts()
        followerRestarts = restarts
        let status = HostStatus(service: definition.name)
        self.status = status
        commands[FollowerAccept.command] = FollowerAccept.handler(definition: definition, sources: follows.map(\.source),
                                                                 status: status, restarts: restarts)
        self.commands = commands
        self.follows = follows
        try KeyFile.writePublic(stackKeys.publicKey, to: directories.publicKeyPath(definition.name))
        context = try ZeroMQ.Context()
        zap = ZAPHandler(context: context, register: register, logger: logger)
        let replies = "inproc://\(definition.name)-reader-replies"
        writer = try Writer(pool: pool, service: definition.name, logger: logger, maxBatch: options.maxBatch)
        reader = Reader(pool: pool, logger: logger, context: context, repliesEndpoint: replies)
        backup = BackupTaker(service: definition.name, pool: pool, logger: logger, context: context, repliesEndpoint: replies)
        let (lastSeq, incarnation) = try pool.read { db in (try ServiceDatabase.lastSeq(db), try ServiceDatabase.incarnation(db)) }
        status.setLastSeq(lastSeq)
        server = CommandServer(service: definition.name, commandEndpoint: commandEndpoint, eventEndpoint: eventEndpoint,
                               repliesEndpoint: replies, context: context,
                               settings: .init(maxRequestBytes: options.maxRequestBytes, heartbeatMilliseconds: options.heartbeatMilliseconds,
                                               publishHighWaterMark: options.publishHighWaterMark,
                                               groupWaitMicros: options.groupWaitMicros, curve: options.curve),
                               logger: logger, commands: commands, writer: writer, reader: reader, backup: backup,
                               status: status, lastSeq: lastSeq, incarnation: incarnation,
                               register: register, serverKeys: stackKeys)
    }

    /// Runs a write in the writer's next group commit, waits for it to be durable and returns
    /// what `body` returned. Call from a thread of your own, never from Swift's cooperative pool.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteContext) throws -> T) throws(ServiceError) -> T {
        try writer.perform(body).get()
    }

    /// The same for a body that returns JSON, so `return .null` and `["n": 1]` need no type annotation.
    @discardableResult
    public func write(_ body: @escaping @Sendable (WriteContext) throws -> JSONValue) throws(ServiceError) -> JSONValue {
        try writer.perform(body).get()
    }

    /// A client of another service of the stack on this host's ZeroMQ context (for example the
    /// supervisor's health checks). Use it on the thread that made it.
    public func client(_ service: String) throws -> ServiceClient {
        try ServiceClient(context: context, service: service, directories: options.directories)
    }

    /// Reads from a snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Runs until SIGTERM/SIGINT (or `requestStop`); returns once everything is stopped.
    public func run() throws {
        let signalFD = StopSignals.install()
        // The ZAP handler is bound before the command socket: no client is ever let in unchecked.
        let zapDone = startThread("\(definition.name)-zap") { [zap] in zap.run() }
        if case .failure(let error) = zap.bound.wait() {
            throw StartupError("cannot bind \(definition.name)'s ZAP handler: \(error)")
        }
        let serverDone = startThread("\(definition.name)-server") { [server] in server.run() }
        if case .failure(let error) = server.bound.wait() {
            throw StartupError("cannot bind \(definition.name)'s sockets in \(options.directories.run): \(error)")
        }
        let readerDone = startThread("\(definition.name)-reader") { [reader] in reader.run() }
        let checkpointerDone = checkpointer.map { c in startThread("\(definition.name)-ckpt") { c.run() } }

        // Followers read their cursors now; the runtime tables exist.
        var followerThreads: [Completion<Bool>] = []
        if definition.keepsRegister { RegisterCommands.bootstrap(host: self, register: register) }
        for follow in follows {
            followerThreads.append(startThread("\(definition.name)-follow-\(follow.source)") { [self] in runFollower(follow) })
        }
        var jobThreads: [Completion<Bool>] = []
        for job in definition.periodicJobs {
            jobThreads.append(startThread("\(definition.name)-job-\(job.name)") { [self] in runPeriodic(job) })
        }
        for task in definition.backgroundTasks {
            jobThreads.append(startThread("\(definition.name)-task-\(task.name)") { [self] in task.run(self) })
        }

        let cmd = (try? options.directories.commandEndpoint(definition.name)) ?? ""
        let pub = (try? options.directories.eventEndpoint(definition.name)) ?? ""
        logger.info("\(definition.name) ready pid=\(status.pid) cmd=\(cmd) pub=\(pub) db=\(options.directories.databasePath(definition.name))")

        // Wait for a stop signal.
        var items = [PollItem(fileDescriptor: signalFD)]
        var signalNumber: Int32?
        while signalNumber == nil {
            _ = try? poll(&items, timeoutMilliseconds: 1000)
            if items[0].isReadable { signalNumber = StopSignals.drain() }
        }
        logger.info("\(definition.name) stopping (signal \(signalNumber ?? 0))")

        // Reverse order: jobs and followers, then requests, then the writer and reader, then the sockets.
        stopFlag.set()
        status.setState("stopping")
        for t in jobThreads { _ = t.wait() }
        for t in followerThreads { _ = t.wait() }
        server.control(UInt8(ascii: "s"))
        reader.queue.close()
        _ = readerDone.wait()
        backup.wait()
        writer.queue.close()
        server.control(UInt8(ascii: "q"))
        _ = serverDone.wait()
        zap.stop.set()
        _ = zapDone.wait()
        writer.close()
        if let checkpointer {
            checkpointer.stop()
            _ = checkpointerDone?.wait()
            checkpointer.close()
            pool.writeWithoutTransaction { db in
                if let connection = db.sqliteConnection { Checkpointer.uninstall(from: connection) }
            }
        }
        try? pool.close()
        for path in socketPaths { unlink(path) }
        logger.info("\(definition.name) stopped pid=\(status.pid)")
    }

    /// Runs one follower on this thread until the host stops. A follower that ends before that
    /// (its sockets could not be set up, or it returned) is reported like a stopped follower —
    /// health degraded, `follower.stalled` — and started again after a backoff (1 s doubling to 30 s)
    /// from its durable cursor; `follower.resumed` follows once the new one hears its source.
    private func runFollower(_ follow: Follow) {
        let source = follow.source
        var backoff: Int64 = 1000
        var reported: FollowerStall?
        while !stopFlag.isSet {
            let reason: String
            do {
                let (cursor, incarnation) = try pool.read { db in
                    (try ServiceDatabase.cursor(db, source: source), try ServiceDatabase.cursorIncarnation(db, source: source))
                }
                let follower = ServiceFollower.make(follow, host: self, cursor: cursor, incarnation: incarnation, onHeard: reported.map { stall in
                    { [self] in recordFollowerResumed(source: source, seq: stall.seq) }
                })
                try follower.run()
                if stopFlag.isSet { return }
                if followerRestarts.take(source) {
                    // Re-pointed by follower.accept: it starts again at once from the cursor just stored.
                    status.updateFollower(source) {
                        $0.stall = nil
                        $0.replacement = nil
                    }
                    backoff = 1000
                    reported = nil
                    continue
                }
                reason = "its thread ended"
            } catch {
                reason = "its thread ended: \(error)"
            }
            // It had resumed since the last report: a new end is a new stop.
            if reported != nil && status.follower(source)?.stall == nil { reported = nil }
            let cursor = (try? pool.read { db in try ServiceDatabase.cursor(db, source: source) }) ?? 0
            let stall = FollowerStall(seq: cursor + 1, type: nil, reason: reason)
            logger.critical("follower ended; it starts again after a backoff",
                            metadata: ["follow.source": "\(source)", "error": "\(reason)", "retry.ms": "\(backoff)"])
            status.updateFollower(source) { $0.stall = stall }
            if reported == nil {
                let definition = self.definition
                do {
                    try write { ctx in
                        try definition.emitRuntimeEvent(FollowerStalled(service: definition.name, source: source, seq: stall.seq,
                                                                        type: nil, reason: reason), ctx: ctx)
                    }
                    reported = stall
                } catch {
                    logger.error("cannot record follower.stalled", metadata: ["follow.source": "\(source)", "error": "\(error)"])
                }
            }
            let until = monotonicMillis() + backoff
            while !stopFlag.isSet && monotonicMillis() < until { Thread.sleep(forTimeInterval: 0.05) }
            backoff = min(backoff * 2, 30_000)
        }
    }

    /// A follower started again after its thread ended has heard its source: it is following again.
    private func recordFollowerResumed(source: String, seq: Int64) {
        status.updateFollower(source) { if $0.stall?.type == nil { $0.stall = nil } }
        let definition = self.definition
        do {
            try write { ctx in
                try definition.emitRuntimeEvent(FollowerResumed(service: definition.name, source: source, seq: seq), ctx: ctx)
            }
        } catch {
            logger.error("cannot record follower.resumed", metadata: ["follow.source": "\(source)", "error": "\(error)"])
        }
    }

    private func runPeriodic(_ job: PeriodicJob) {
        var next = monotonicMillis()
        while !stopFlag.isSet {
            if monotonicMillis() >= next {
                let body = job.body
                if case .failure(let error) = writer.perform({ ctx in try body(ctx) }) {
                    logger.error("job \(job.name) failed: \(error)")
                    status.jobRan(job.name, error: error.message)
                } else {
                    status.jobRan(job.name, error: nil)
                }
                next = monotonicMillis() + Int64(job.interval * 1000)
            }
            Thread.sleep(forTimeInterval: min(0.1, max(0.001, Double(next - monotonicMillis()) / 1000)))
        }
    }
}

extension ServiceHost {
    /// The `main` of every service executable: logging, options, run; start-up errors exit 78 with one clear line.
    public static func main(_ definition: @autoclosure () throws -> ServiceDefinition, runDir: String?, dataDir: String?,
                            configure: (inout Options) -> Void = { _ in }) -> Never {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = currentEnvironment()["SEND_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
        umask(0o077)
        var logger = Logger(label: "send")
        do {
            let definition = try definition()
            logger = Logger(label: definition.name)
            let directories = RuntimeDirectories.resolve(runDir: runDir, dataDir: dataDir)
            var options = try Options.fromEnvironment(directories)
            configure(&options)
            let host = try ServiceHost(definition, options: options, logger: logger)
            try host.run()
            exit(0)
        } catch let error as StartupError {
            logger.critical("cannot start: \(error.message)")
            exit(78)
        } catch {
            logger.critical("cannot start: \(error)")
            exit(78)
        }
    }
}
