public import SendModel
public import ZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A client of one service's command socket: one request, one reply, with a timeout and retries
/// under the same request id (safe: the service answers a repeated id from its stored reply
/// without doing anything again). It finds the endpoint from the run directory and can wait
/// for the service to answer `health` with a deadline.
///
/// Made with `init(service:directories:)` it owns its ZeroMQ context, so its users need not
/// know ZeroMQ; code that already has a context (the runtime's followers, benchmarks) passes it.
///
/// Not `Sendable`: it owns a socket. Use it on one thread (not on Swift's cooperative pool).
public final class ServiceClient {
    public let service: String
    public let endpoint: String
    private var socket: Socket
    /// Kept so the context outlives the socket; ours when the caller gave none.
    private let context: Context
    /// The id of a request `post` sent whose reply has not been collected yet.
    /// Requests `post` sent whose replies are still to be collected (by `send` or `pollReply`).
    private var posted: Set<String> = []
    /// The key this client presents (CURVE); the server checks it at the handshake.
    public let identity: CurveKeyPair
    /// The server's public key, once known (`<run>/<service>.public`); the socket connects only then.
    private var serverKey: String?
    private let fixedServerKey: Bool
    private var monitor: HandshakeMonitor?
    /// Set when the server's ZAP handler refused this key.
    private var refusal: ServiceError?
    private static let monitors = Mutex<UInt64>(0)

    /// A client with a ZeroMQ context of its own.
    public convenience init(service: String, directories: RuntimeDirectories, identity: CurveKeyPair? = nil) throws {
        try self.init(context: try Context(), service: service, endpoint: try directories.commandEndpoint(service),
                      identity: try identity ?? ClientIdentity.current(directories: directories), serverKey: directories.serverKey(service))
    }

    public convenience init(context: Context, service: String, directories: RuntimeDirectories, identity: CurveKeyPair? = nil) throws {
        try self.init(context: context, service: service, endpoint: try directories.commandEndpoint(service),
                      identity: try identity ?? ClientIdentity.current(directories: directories), serverKey: directories.serverKey(service))
    }

    /// `identity`: the key to present (nil: this process's, see `ClientIdentity`); `serverKey`: the
    /// service's public key (nil: read from `<run>/<service>.public` beside the endpoint, when it appears).
    public init(context: Context, service: String, endpoint: String, identity: CurveKeyPair? = nil, serverKey: String? = nil) throws {
        self.context = context
        self.service = service
        self.endpoint = endpoint
        self.identity = try identity ?? ClientIdentity.current()
        fixedServerKey = serverKey != nil
        socket = try ServiceClient.makeSocket(context)
        self.serverKey = serverKey
        try connectIfKnown()
    }

    deinit {
        monitor?.close()
        socket.close()
    }

    public func close() {
        monitor?.close()
        socket.close()
    }

    /// The command socket's file; it exists while the service runs (or after it was killed).
    public var socketPath: String { RuntimeDirectories.socketPath(of: endpoint) }

    /// True when the service's command socket file exists (it may still be starting or dead).
    public var socketExists: Bool { access(socketPath, F_OK) == 0 }

    /// `<run>/<service>.public`, beside the command socket.
    var publicKeyPath: String {
        let path = RuntimeDirectories.socketPath(of: endpoint)
        return (path.hasSuffix(".cmd") ? String(path.dropLast(4)) : path) + ".public"
    }

    private var connected = false

    static func makeSocket(_ context: Context) throws -> Socket {
        let socket = try Socket(context, .dealer)
        try socket.setLinger(0)
        try socket.setReconnectInterval(50, max: 1000)
        // A socket whose handshake was refused has nowhere to queue: a send then fails rather than waits.
        try socket.setSendTimeout(2000)
        return socket
    }

    /// After a refused handshake libzmq does not connect again: the next request starts on a new
    /// socket (the key may have been registered meanwhile), at most once a second.
    private var refusedAt: Int64?

    private func resetAfterRefusal() throws {
        guard let at = refusedAt, monotonicMillis() - at >= 1000 else { return }
        monitor?.close()
        monitor = nil
        socket.close()
        socket = try ServiceClient.makeSocket(context)
        connected = false
        refusedAt = nil
        refusal = nil
        if !fixedServerKey { serverKey = nil }
        try connectIfKnown()
    }

    /// Connects once the server's key is known; until then requests find nothing to talk to.
    private func connectIfKnown() throws {
        if connected { return }
        if serverKey == nil { serverKey = KeyFile.readPublic(publicKeyPath) }
        guard let serverKey else { return }
        try socket.makeCurveClient(identity, serverKey: serverKey)
        let n = ServiceClient.monitors.withLock { value in
            value += 1
            return value
        }
        monitor = try HandshakeMonitor(socket, context: context, name: "\(getpid())-\(service)-\(n)")
        try socket.connect(endpoint)
        connected = true
    }

    /// Reads the monitor: a refusal by the server's ZAP handler is kept to be thrown.
    private func checkHandshakes() {
        guard let monitor else { return }
        for event in monitor.drain() {
            switch event {
            case .succeeded: refusal = nil
            case .refused:
                refusedAt = monotonicMillis()
                refusal = ServiceError(.forbidden, "\(service) refused this key at the handshake: it is not in the register, or it was "
                    + "revoked (the key's public half begins \(identity.publicKey.prefix(8))). Ask an operator to register it: "
                    + "`sendctl people add --key='\(identity.publicKey)' --post … --role …`")
            case .failed:
                if !fixedServerKey { refusal = nil }
            }
        }
    }

    /// Sends a request without waiting; collect its reply with `send` of the same request (which
    /// then waits for the reply already on its way instead of sending again) — for prefetching, or
    /// to keep the next request queued behind this one on the same connection (in order).
    public func post(_ request: Request) throws {
        try resetAfterRefusal()
        try connectIfKnown()
        try socket.send(frames: [[], request.json.jsonBytes])
        posted.insert(request.id)
    }

    /// Sends a request and waits for its reply. `attempts` sends of the same id, each waiting `timeout` seconds.
    /// Throws `ServiceError(.unavailable)` when nothing answers.
    public func send(_ request: Request, timeout: Double = 5, attempts: Int = 3) throws -> Reply {
        try send(request, timeout: timeout, attempts: attempts) { body in
            guard let reply = try? Reply.decode(body) else { return nil }
            // A late reply to an earlier request on this socket: skip it.
            if reply.id != request.id && reply.id != nil { return nil }
            return reply
        }
    }

    /// As `send`, with each reply's body handed to `read` as it came (for large replies read
    /// without building a `JSONValue`); `read` returns nil for a reply that is not to this
    /// request (a late one, or unreadable), which is skipped.
    public func send<T>(_ request: Request, timeout: Double = 5, attempts: Int = 3, reading read: ([UInt8]) -> T?) throws -> T {
        let bytes = request.json.jsonBytes
        let alreadySent = posted.remove(request.id) != nil
        try resetAfterRefusal()
        if let refusal { throw refusal }
        try connectIfKnown()
        guard connected else {
            throw ServiceError(.unavailable, "\(service) is not running here: no public key at \(publicKeyPath) (a service writes it when it starts)")
        }
        for attempt in 1...max(1, attempts) {
            if !(alreadySent && attempt == 1) { try socket.send(frames: [[], bytes]) }
            let deadline = monotonicMillis() + Int64(timeout * 1000)
            while true {
                let remaining = deadline - monotonicMillis()
                if remaining <= 0 { break }
                var items = [PollItem(socket)]
                if let monitor { items.append(monitor.pollItem) }
                try poll(&items, timeoutMilliseconds: Int(min(remaining, 100)))
                if items.count > 1 && items[1].isReadable { checkHandshakes() }
                if let refusal { throw refusal }
                guard items[0].isReadable, let frames = try socket.receive(dontWait: true) else { continue }
                guard let body = frames.last, let reply = read(body) else { continue }
                return reply
            }
        }
        throw ServiceError(.unavailable, "\(service) did not answer at \(endpoint) within \(formatSeconds(timeout * Double(max(1, attempts)))) s")
    }

    /// Calls a command and returns its result; a failed reply is thrown as its `ServiceError`.
    public func call(_ command: String, _ args: JSONValue = [:], id: String = RequestID.make(),
                     timeout: Double = 5, attempts: Int = 3) throws -> JSONValue {
        let reply = try send(Request(id: id, command: command, args: args), timeout: timeout, attempts: attempts)
        switch reply.outcome {
        case .success(let result): return result
        case .failure(let error): throw error
        }
    }

    /// The reply to the request `post` sent as `id`, if it has come within `timeoutMilliseconds`
    /// (0: only what is already here); nil when it has not, and the request stays posted so a later
    /// call can still collect it. Late replies to other requests are skipped. For a caller that must
    /// not block (the supervisor probing a starting service while it watches the others): one
    /// connection, one handshake, however long the service takes to answer.
    public func pollReply(to id: String, timeoutMilliseconds: Int = 0) throws -> Reply? {
        guard posted.contains(id) else { return nil }
        if let refusal { throw refusal }
        var items = [PollItem(socket)]
        if let monitor { items.append(monitor.pollItem) }
        try poll(&items, timeoutMilliseconds: max(0, timeoutMilliseconds))
        if items.count > 1 && items[1].isReadable { checkHandshakes() }
        if let refusal { throw refusal }
        while let frames = try socket.receive(dontWait: true) {
            guard let body = frames.last, let reply = try? Reply.decode(body), reply.id == id else { continue }
            posted.remove(id)
            return reply
        }
        return nil
    }

    /// One `health` request, waiting at most `timeout` seconds; nil when the socket file is
    /// missing or nothing answered in time.
    public func health(timeout: Double = 0.25) -> JSONValue? {
        guard socketExists else { return nil }
        return try? call("health", timeout: timeout, attempts: 1)
    }

    /// Waits until the service answers `health` (from process `pid`, when given) or `timeout`
    /// seconds pass; returns its answer. Throws `unavailable` saying what was missing at the deadline.
    @discardableResult
    public func waitForHealth(timeout: Double, pid: Int32? = nil) throws(ServiceError) -> JSONValue {
        let deadline = monotonicMillis() + Int64(max(0, timeout) * 1000)
        repeat {
            let remaining = Double(deadline - monotonicMillis()) / 1000
            if socketExists {
                if let health = try? call("health", timeout: min(0.25, max(0.01, remaining)), attempts: 1),
                   pid == nil || health["pid"]?.intValue == Int64(pid!) {
                    return health
                }
            } else {
                // Nothing to connect to yet: look again shortly.
                usleep(20_000)
            }
        } while monotonicMillis() < deadline
        if !socketExists {
            throw ServiceError(.unavailable, "\(service) is not running: no socket at \(socketPath)")
        }
        throw ServiceError(.unavailable, "\(service) did not answer health at \(endpoint) within \(formatSeconds(timeout)) s")
    }
}

func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
}

/// Unique request ids: `<pid>-<random>-<counter>`.
public enum RequestID {
    private static let counter = Mutex<UInt64>(0)
    private static let prefix = "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"

    public static func make() -> String {
        let n = counter.withLock { value in
            value += 1
            return value
        }
        return "\(prefix)-\(n)"
    }
}
