import Foundation
import Logging
import SendModel
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The thread that owns the service's ROUTER and PUB sockets and drives the writer.
///
/// It reads requests, answers the ones it can at once (bad envelopes, unknown commands,
/// `health`), hands reads to the reader thread, and runs writes itself: every write waiting
/// (requests and internal tasks) goes into one group commit, after which it publishes the
/// events in seq order and sends the replies. It publishes `heartbeat {"last_seq":M}` every second.
final class CommandServer: @unchecked Sendable {
    // `@unchecked Sendable`: mutable state is touched only by the server thread; the
    // control pipe is the only way other threads talk to it.
    struct Settings: Sendable {
        var maxRequestBytes: Int
        var heartbeatMilliseconds: Int = 1000
        var publishHighWaterMark: Int32 = 100_000
        /// How long a group may wait for the requests of other recently active clients (0: never).
        var groupWaitMicros: Int = 50
        /// CURVE and ZAP on the command socket (off only in a benchmark's service: every request is then the stack's).
        var curve = true
    }

    let service: String
    let commandEndpoint: String
    let eventEndpoint: String
    let repliesEndpoint: String
    let context: ZeroMQ.Context
    let settings: Settings
    let logger: Logger
    let commands: [String: CommandHandler]
    let writer: Writer
    let reader: Reader
    let backup: BackupTaker
    let status: HostStatus
    /// Who each key is: checked on every request (a key revoked since its handshake is refused).
    let register: Register
    /// The key pair the command socket serves with (CURVE).
    let serverKeys: CurveKeyPair
    /// Bytes from the host: `s` stop taking requests, `q` flush and quit.
    let controlPipe = WakePipe()

    private var lastPublished: Int64
    /// The clients (routing ids) whose writes were in the last groups, with the group and the time.
    private var recentClients: [[UInt8]: (group: Int, micros: Int64)] = [:]
    private var groups = 0
    /// The log's identity, carried by every heartbeat.
    let incarnation: String
    private var stopping = false
    /// Set once the sockets are bound: readiness for the host.
    let bound = Completion<Result<Void, ZMQError>>()

    init(service: String, commandEndpoint: String, eventEndpoint: String, repliesEndpoint: String,
         context: ZeroMQ.Context, settings: Settings, logger: Logger, commands: [String: CommandHandler],
         writer: Writer, reader: Reader, backup: BackupTaker, status: HostStatus, lastSeq: Int64, incarnation: String,
         register: Register, serverKeys: CurveKeyPair) {
        self.register = register
        self.serverKeys = serverKeys
        self.service = service
        self.commandEndpoint = commandEndpoint
        self.eventEndpoint = eventEndpoint
        self.repliesEndpoint = repliesEndpoint
        self.context = context
        self.settings = settings
        self.logger = logger
        self.commands = commands
        self.writer = writer
        self.reader = reader
        self.backup = backup
        self.status = status
        self.lastPublished = lastSeq
        self.incarnation = incarnation
    }

    deinit { controlPipe.close() }

    func control(_ byte: UInt8) { controlPipe.signal(byte) }

    func run() {
        let router: Socket, publisher: Socket, replies: Socket
        do {
            replies = try Socket(context, .pull)
            try replies.setReceiveHighWaterMark(0)
            try replies.bind(repliesEndpoint)
            router = try Socket(context, .router)
            // Every client handshakes with CURVE, and the ZAP handler (bound first) checks its key.
            if settings.curve {
                try router.makeCurveServer(serverKeys)
                try router.setZAPDomain("send")
            }
            try router.setRouterMandatory(false)
            // Past 4× the request limit the peer is disconnected; up to it, the request gets `bad_request`.
            try router.setMaxMessageSize(Int64(settings.maxRequestBytes) * 4 + 4096)
            try router.setSendHighWaterMark(100_000)
            try router.setReceiveHighWaterMark(100_000)
            try router.bind(commandEndpoint)
            publisher = try Socket(context, .pub)
            try publisher.setSendHighWaterMark(settings.publishHighWaterMark)
            try publisher.bind(eventEndpoint)
        } catch {
            bound.fulfil(.failure(error))
            return
        }
        bound.fulfil(.success(()))

        var items = [PollItem(router), PollItem(replies), PollItem(fileDescriptor: controlPipe.readEnd),
                     PollItem(fileDescriptor: writer.wake.readEnd)]
        var nextHeartbeat = monotonicMillis()
        var readerDone = false
        var quitting = false
        while true {
            let now = monotonicMillis()
            if now >= nextHeartbeat {
                publishHeartbeat(publisher)
                nextHeartbeat = now + Int64(settings.heartbeatMilliseconds)
            }
            let timeout = quitting ? 10 : Int(max(0, nextHeartbeat - now))
            do {
                try poll(&items, timeoutMilliseconds: timeout)
            } catch {
                if error.isTerminated { break }
                logger.error("poll failed", metadata: ["error": "\(error)"])
                continue
            }
            if items[2].isReadable {
                for b in controlPipe.drain() {
                    if b == UInt8(ascii: "s") { stopping = true }
                    if b == UInt8(ascii: "q") { stopping = true; quitting = true }
                }
            }
            if items[1].isReadable || quitting {
                readerDone = drainReaderReplies(replies, router: router) || readerDone
            }
            // One batch: every task queued and every write request waiting on the socket.
            if items[3].isReadable { _ = writer.wake.drain() }
            var batch = writer.queue.takeNow(max: writer.maxBatch)
            if items[0].isReadable {
                drainRequests(router, into: &batch)
                if settings.groupWaitMicros > 0 && !stopping { fillGroup(router, &batch) }
            }
            if !batch.isEmpty {
                execute(batch, router: router, publisher: publisher)
            }
            if quitting && readerDone && writer.queue.count == 0 {
                break
            }
        }
        publishHeartbeat(publisher)
        _ = try? router.setLinger(500)
        _ = try? publisher.setLinger(500)
        router.close()
        publisher.close()
        replies.close()
    }

    /// Full groups: when other clients sent writes in the last two groups (within 2 ms) and have
    /// none in this one, they are most likely about to (each was answered by the last commit and
    /// is sending its next request): wait up to `groupWaitMicros` for them, so that one commit and
    /// one fsync serve them all. A client alone never waits, nor does a group that already holds
    /// every recent client. The wait is a spin on `ZMQ_EVENTS` that yields the CPU between checks
    /// (`sched_yield`): on this machine a sleep and its wake-up (a context switch in a VM) cost
    /// more than the wait itself, and the yield lets the clients' threads run meanwhile.
    private func fillGroup(_ router: Socket, _ batch: inout [WriteJob]) {
        groups += 1
        let now = monotonicMicros()
        var present = Set<[UInt8]>()
        for job in batch { if case .command(_, let route, _, _) = job, let id = route.first { present.insert(id) } }
        var expected = present.count
        for (id, seen) in recentClients where !present.contains(id) {
            if seen.group >= groups - 2 && now - seen.micros < 2000 { expected += 1 }
        }
        if expected >= 2 && present.count < expected {
            let deadline = now + Int64(settings.groupWaitMicros)
            var remaining = Int64(settings.groupWaitMicros)
            while remaining > 0 && present.count < expected && batch.count < writer.maxBatch {
                guard (try? router.hasMessage) == true else {
                    sched_yield()
                    remaining = deadline - monotonicMicros()
                    continue
                }
                let before = batch.count
                drainRequests(router, into: &batch)
                for job in batch[before...] { if case .command(_, let route, _, _) = job, let id = route.first { present.insert(id) } }
                remaining = deadline - monotonicMicros()
            }
        }
        let stamp = monotonicMicros()
        for id in present { recentClients[id] = (groups, stamp) }
        if recentClients.count > 4 * max(16, present.count) {
            recentClients = recentClients.filter { $0.value.group >= groups - 2 }
        }
    }

    /// Commits the batch, then publishes its events in seq order, then answers.
    private func execute(_ batch: [WriteJob], router: Socket, publisher: Socket) {
        let result = writer.process(batch)
        if result.durable { status.recordCommit(writes: batch.count) }
        for body in result.committed { body() }
        for event in result.events {
            _ = try? publisher.send(frames: [Array(event.type.utf8), event.body], dontWait: true)
            lastPublished = event.seq
        }
        if !result.events.isEmpty { status.setLastSeq(lastPublished) }
        for (job, outcome) in zip(batch, result.outcomes) {
            switch job {
            case .command(_, let route, _, _):
                sendRouted(router, route + [outcome.reply ?? []])
            case .task(_, let done):
                done.fulfil(outcome.result ?? .failure(ServiceError(.internal, "no outcome")))
            }
        }
    }

    private func publishHeartbeat(_ publisher: Socket) {
        let body: JSONValue = ["v": .int(protocolVersion), "source": .string(service), "type": .string(EventType.heartbeat),
                               "at": .string(Timestamp.now().description), "data": (try? Heartbeat(lastSeq: lastPublished, incarnation: incarnation).eventData()) ?? .null]
        _ = try? publisher.send(frames: [Array(EventType.heartbeat.utf8), body.jsonBytes], dontWait: true)
    }

    /// Sends the reader's replies; true once the reader said it is done.
    private func drainReaderReplies(_ replies: Socket, router: Socket) -> Bool {
        var done = false
        while let frames = try? replies.receive(dontWait: true) {
            guard let kind = frames.first else { continue }
            if kind == ReaderFrame.reply, frames.count >= 3 {
                sendRouted(router, Array(frames[1...]))
            } else if kind == ReaderFrame.done {
                done = true
            }
        }
        return done
    }

    private func sendRouted(_ router: Socket, _ frames: [[UInt8]]) {
        do {
            try router.send(frames: frames, dontWait: true)
        } catch {
            // The client went away; its request is done and durable, it can ask again by id.
            logger.debug("reply not delivered", metadata: ["error": "\(error)"])
        }
    }

    private func drainRequests(_ router: Socket, into batch: inout [WriteJob]) {
        var handled = 0
        while handled < writer.maxBatch, let (frames, user) = try? router.receiveWithUser(dontWait: true) {
            handled += 1
            handle(frames, user: user, router: router, batch: &batch)
        }
    }

    private func handle(_ frames: [[UInt8]], user: String?, router: Socket, batch: inout [WriteJob]) {
        // [routing id, empty, body] from REQ or a DEALER that sends the delimiter; [routing id, body] otherwise.
        guard frames.count >= 2 else { return }
        let route: [[UInt8]]
        let body: [UInt8]
        if frames.count >= 3 && frames[1].isEmpty {
            route = [frames[0], []]
            body = frames[2]
            if frames.count > 3 {
                reply(router, route, .failure(nil, .badRequest("a request is one JSON frame after the empty delimiter; got \(frames.count - 2) frames")))
                return
            }
        } else if frames.count == 2 {
            route = [frames[0]]
            body = frames[1]
        } else {
            reply(router, [frames[0], []], .failure(nil, .badRequest("a request is [empty frame, JSON]; got \(frames.count - 1) frames")))
            return
        }
        if body.count > settings.maxRequestBytes {
            reply(router, route, .failure(nil, .badRequest("the request is \(body.count) bytes; the limit is \(settings.maxRequestBytes)")))
            return
        }
        let (id, decoded) = Request.decode(body)
        let request: Request
        switch decoded {
        case .failure(let error):
            reply(router, route, .failure(id, error))
            return
        case .success(let r):
            request = r
        }
        // Who: the key's person now (a key revoked since its handshake is refused here), then whether their role may.
        let actor: Actor
        switch settings.curve ? register.actor(user) : .success(.stack()) {
        case .success(let a): actor = a
        case .failure(let error):
            reply(router, route, .failure(request.id, error))
            return
        }
        let known = ServiceDefinition.builtInCommands.contains(request.command) || commands[request.command] != nil
        if known, let refusal = Access.check(service, request.command, actor) {
            reply(router, route, .failure(request.id, refusal))
            return
        }
        if stopping {
            reply(router, route, .failure(request.id, ServiceError(.unavailable, "\(service) is stopping; retry with the same id once it is back")))
            return
        }
        switch request.command {
        case "health":
            reply(router, route, .ok(request.id, status.health()))
        case "events.since":
            reader.queue.submit(Reader.Job.eventsSince(request: request, route: route, actor: actor))
        case "backup":
            switch backup.start(request, route: route) {
            case .started: break
            case .busy:
                reply(router, route, .failure(request.id, ServiceError(.unavailable,
                    "a backup of \(service) is being taken already; try again once it is done")))
            case .refused(let error):
                reply(router, route, .failure(request.id, error))
            }
        default:
            switch commands[request.command] {
            case .read(let handler)?:
                reader.queue.submit(Reader.Job(request: request, route: route, actor: actor, handler: handler))
            case .write(let handler)?:
                batch.append(.command(request, route: route, actor: actor, handler: handler))
            case nil:
                let known = Set(commands.keys).union(ServiceDefinition.builtInCommands).sorted().joined(separator: ", ")
                reply(router, route, .failure(request.id, ServiceError(.unknownCommand,
                    "\(service) has no command '\(request.command)'; it answers: \(known)", field: "command")))
            }
        }
    }

    private func reply(_ router: Socket, _ route: [[UInt8]], _ reply: Reply) {
        sendRouted(router, route + [reply.bytes])
    }
}
