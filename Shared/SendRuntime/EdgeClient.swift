public import SendModel
import ZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The services as an edge process sees them: calls to any service from any task or thread, many
/// requests in flight at once, all on one I/O thread that owns every socket (a DEALER per
/// service, and optionally a ROUTER on `<run>/<name>.cmd` answering `health`, so the supervisor
/// and `sendctl health` see the edge like a service). The health socket is bound by `serveHealth()`,
/// once the edge is really ready (the supervisor counts a process ready when it answers `health`).
///
/// A request that gets no reply within its timeout is sent again under the same id (the service
/// answers a repeated id from its stored reply, so a write is never applied twice); after the last
/// attempt the call fails with `unavailable`.
public final class EdgeClient: Sendable {
    public typealias Health = @Sendable () -> JSONValue

    private struct Call {
        var service: String
        var id: String
        var bytes: [UInt8]
        var perAttemptMillis: Int64
        var attemptsLeft: Int
        var deadline: Int64 = 0
        var complete: @Sendable (Result<JSONValue, ServiceError>) -> Void
    }

    private struct Shared {
        var submitted: [Call] = []
        var stopping = false
        var bindHealth = false
    }

    public let directories: RuntimeDirectories
    public let services: [String]
    private let healthName: String?
    private let health: Health?
    private let shared = Mutex(Shared())
    private let wake = WakePipe()
    private let bound = Completion<Result<Void, StartupError>>()
    private let healthBound = Completion<Result<Void, StartupError>>()
    private let done = Completion<Bool>()

    /// `healthName`: bind `<run>/<healthName>.cmd` and answer `health` there with `health()`.
    public init(directories: RuntimeDirectories, services: [String], healthName: String? = nil, health: Health? = nil) {
        self.directories = directories
        self.services = services
        self.healthName = healthName
        self.health = health
    }

    /// Starts the I/O thread; returns once the sockets to the services are connected.
    public func start() throws(StartupError) {
        let thread = Thread { [self] in
            run()
            done.fulfil(true)
        }
        thread.name = "edge-io"
        thread.stackSize = 4 << 20
        thread.start()
        if case .failure(let error) = bound.wait() { throw error }
    }

    /// Binds `<run>/<healthName>.cmd` and answers `health` there from now on; returns once it is bound.
    public func serveHealth() throws(StartupError) {
        shared.withLock { $0.bindHealth = true }
        wake.signal()
        if case .failure(let error) = healthBound.wait() { throw error }
    }

    /// Fails every call still waiting with `unavailable`, closes the sockets and waits for the thread.
    public func stop() {
        shared.withLock { $0.stopping = true }
        wake.signal()
        _ = done.wait()
    }

    /// Calls a command; a failed reply is thrown as its `ServiceError`, silence as `unavailable`.
    public func call(_ service: String, _ command: String, _ args: JSONValue = [:], id: String = RequestID.make(),
                     timeout: Double = 2, attempts: Int = 2) async throws(ServiceError) -> JSONValue {
        let result: Result<JSONValue, ServiceError> = await withCheckedContinuation { continuation in
            submit(service, command, args, id: id, timeout: timeout, attempts: attempts) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// The same, waiting on the calling thread (never call it from Swift's cooperative pool).
    public func callBlocking(_ service: String, _ command: String, _ args: JSONValue = [:], id: String = RequestID.make(),
                             timeout: Double = 2, attempts: Int = 2) throws(ServiceError) -> JSONValue {
        let completion = Completion<Result<JSONValue, ServiceError>>()
        submit(service, command, args, id: id, timeout: timeout, attempts: attempts) { completion.fulfil($0) }
        return try completion.wait().get()
    }

    private func submit(_ service: String, _ command: String, _ args: JSONValue, id: String, timeout: Double, attempts: Int,
                        complete: @escaping @Sendable (Result<JSONValue, ServiceError>) -> Void) {
        guard services.contains(service) else {
            complete(.failure(ServiceError(.internal, "the edge has no connection to '\(service)'")))
            return
        }
        let call = Call(service: service, id: id, bytes: Request(id: id, command: command, args: args).json.jsonBytes,
                        perAttemptMillis: max(1, Int64(timeout * 1000)), attemptsLeft: max(1, attempts), complete: complete)
        let accepted = shared.withLock { s -> Bool in
            if s.stopping { return false }
            s.submitted.append(call)
            return true
        }
        guard accepted else {
            complete(.failure(ServiceError(.unavailable, "the portal is stopping")))
            return
        }
        wake.signal()
    }

    // MARK: - The I/O thread

    private func run() {
        let context: Context
        var dealers: [Socket] = []
        var router: Socket?
        var routerPath: String?
        let identity: CurveKeyPair
        var unconnected = Set(services.indices)
        var monitors: [Int: HandshakeMonitor] = [:]
        /// Dealers whose handshake was refused, and when: libzmq does not connect them again, so each
        /// is made anew a second later (the register may have caught up with the edge's key meanwhile).
        var refused: [Int: Int64] = [:]
        do {
            context = try Context()
            identity = try ClientIdentity.current()
            for _ in services {
                let socket = try Socket(context, .dealer)
                try socket.setLinger(0)
                try socket.setReconnectInterval(50, max: 1000)
                dealers.append(socket)
            }
            try connectKnown(dealers, identity: identity, unconnected: &unconnected, monitors: &monitors, context: context)
        } catch let error as ServiceError {
            bound.fulfil(.failure(StartupError("no key for the edge: \(error.message)")))
            return
        } catch let error as StartupError {
            bound.fulfil(.failure(error))
            return
        } catch {
            bound.fulfil(.failure(StartupError("cannot open the sockets to the services in \(directories.run): \(error)")))
            return
        }
        bound.fulfil(.success(()))

        var inFlight: [String: Call] = [:]
        var items: [PollItem] = []
        while true {
            let (taken, stopping, bindHealth) = shared.withLock { s -> ([Call], Bool, Bool) in
                defer {
                    s.submitted = []
                    s.bindHealth = false
                }
                return (s.submitted, s.stopping, s.bindHealth)
            }
            if bindHealth && router == nil {
                do {
                    guard let healthName else { throw StartupError("this edge has no health socket") }
                    let endpoint = try directories.commandEndpoint(healthName)
                    routerPath = String(endpoint.dropFirst("ipc://".count))
                    if let routerPath { unlink(routerPath) }
                    let socket = try Socket(context, .router)
                    try socket.setLinger(0)
                    try socket.setMaxMessageSize(64 << 10)
                    // CURVE with the edge's own key (it holds no key of the stack's); it answers `health` alone.
                    try socket.makeCurveServer(identity)
                    try KeyFile.writePublic(identity.publicKey, to: directories.publicKeyPath(healthName))
                    try socket.bind(endpoint)
                    router = socket
                    healthBound.fulfil(.success(()))
                } catch let error as StartupError {
                    healthBound.fulfil(.failure(error))
                } catch {
                    healthBound.fulfil(.failure(StartupError("cannot bind the health socket in \(directories.run): \(error)")))
                }
            }
            if stopping {
                let failure = ServiceError(.unavailable, "the portal is stopping")
                for call in inFlight.values { call.complete(.failure(failure)) }
                for call in taken { call.complete(.failure(failure)) }
                break
            }
            for (i, at) in refused where monotonicMillis() - at >= 1000 {
                refused[i] = nil
                monitors.removeValue(forKey: i)?.close()
                dealers[i].close()
                if let socket = try? Socket(context, .dealer) {
                    _ = try? socket.setLinger(0)
                    _ = try? socket.setReconnectInterval(50, max: 1000)
                    dealers[i] = socket
                    unconnected.insert(i)
                }
            }
            if !unconnected.isEmpty {
                try? connectKnown(dealers, identity: identity, unconnected: &unconnected, monitors: &monitors, context: context)
            }
            let now = monotonicMillis()
            for var call in taken {
                if let previous = inFlight[call.id] {
                    // The same id twice at once: the second waits for the first's reply.
                    let first = previous.complete, second = call.complete
                    call.complete = { first($0); second($0) }
                    call.deadline = previous.deadline
                    call.attemptsLeft = previous.attemptsLeft
                    inFlight[call.id] = call
                    continue
                }
                call.deadline = now + call.perAttemptMillis
                send(call, on: dealers)
                inFlight[call.id] = call
            }

            items.removeAll(keepingCapacity: true)
            items.append(PollItem(fileDescriptor: wake.readEnd))
            for d in dealers { items.append(PollItem(d)) }
            if let router { items.append(PollItem(router)) }
            let monitored = monitors.keys.sorted()
            for i in monitored { items.append(monitors[i]!.pollItem) }
            let nextDeadline = inFlight.values.map(\.deadline).min() ?? (now + 1000)
            _ = try? poll(&items, timeoutMilliseconds: Int(max(0, min(1000, nextDeadline - monotonicMillis()))))
            if items[0].isReadable { _ = wake.drain() }

            for (i, dealer) in dealers.enumerated() where items[i + 1].isReadable {
                while let frames = try? dealer.receive(dontWait: true) {
                    guard let body = frames.last, let reply = try? Reply.decode(body), let id = reply.id,
                          let call = inFlight.removeValue(forKey: id) else { continue }
                    call.complete(reply.outcome)
                }
            }
            if let router, items[dealers.count + 1].isReadable {
                while let frames = try? router.receive(dontWait: true) { answer(frames, on: router) }
            }
            let firstMonitor = dealers.count + 1 + (router == nil ? 0 : 1)
            for (k, i) in monitored.enumerated() where items[firstMonitor + k].isReadable {
                for event in monitors[i]?.drain() ?? [] {
                    if case .refused = event, refused[i] == nil {
                        refused[i] = monotonicMillis()
                    }
                }
            }

            let after = monotonicMillis()
            for (id, var call) in inFlight where call.deadline <= after {
                call.attemptsLeft -= 1
                if call.attemptsLeft > 0 {
                    call.deadline = after + call.perAttemptMillis
                    send(call, on: dealers)
                    inFlight[id] = call
                } else {
                    inFlight[id] = nil
                    call.complete(.failure(ServiceError(.unavailable, "\(call.service) did not answer")))
                }
            }
        }
        for m in monitors.values { m.close() }
        for d in dealers { d.close() }
        router?.close()
        if let routerPath { unlink(routerPath) }
        context.shutdown()
        wake.close()
    }

    /// Connects each dealer whose service's public key is known (`<run>/<service>.public`); the
    /// others wait for it (their requests time out as a silent service's would).
    private func connectKnown(_ dealers: [Socket], identity: CurveKeyPair, unconnected: inout Set<Int>,
                              monitors: inout [Int: HandshakeMonitor], context: Context) throws {
        for i in unconnected.sorted() {
            guard let key = KeyFile.readPublic(directories.publicKeyPath(services[i])) else { continue }
            try dealers[i].makeCurveClient(identity, serverKey: key)
            EdgeClient.monitorCount.withLock { $0 += 1 }
            let n = EdgeClient.monitorCount.withLock { $0 }
            monitors[i] = try HandshakeMonitor(dealers[i], context: context, name: "edge-\(getpid())-\(i)-\(n)")
            try dealers[i].connect(try directories.commandEndpoint(services[i]))
            unconnected.remove(i)
        }
    }

    private static let monitorCount = Mutex<Int>(0)

    private func send(_ call: Call, on dealers: [Socket]) {
        guard let index = services.firstIndex(of: call.service) else { return }
        _ = try? dealers[index].send(frames: [[], call.bytes], dontWait: true)
    }

    /// The health socket: `health` answered with `health()`, anything else refused as the protocol says.
    private func answer(_ frames: [[UInt8]], on router: Socket) {
        guard let identity = frames.first, frames.count >= 2 else { return }
        let body = frames.last ?? []
        let envelope: [[UInt8]] = frames.count >= 3 ? [identity, []] : [identity]
        let (id, decoded) = Request.decode(body)
        let reply: Reply
        switch decoded {
        case .failure(let error): reply = .failure(id, error)
        case .success(let request) where request.command == "health":
            reply = .ok(request.id, health?() ?? ["service": .string(healthName ?? ""), "status": "ready"])
        case .success(let request):
            reply = .failure(request.id, ServiceError(.unknownCommand, "unknown command '\(request.command)'; \(healthName ?? "this process") answers: health"))
        }
        _ = try? router.send(frames: envelope + [reply.bytes], dontWait: true)
    }
}
