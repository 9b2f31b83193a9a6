public import SendModel
public import ZeroMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A DEALER client for one service's command socket: one request, one reply, with a timeout
/// and retries under the same request id (safe: the service answers a repeated id from its
/// stored reply without doing anything again).
///
/// Not `Sendable`: it owns a socket. Use it on one thread (not on Swift's cooperative pool).
public final class Client {
    public let service: String
    public let endpoint: String
    private let socket: Socket
    private let context: Context
    /// The id of a request `post` sent whose reply has not been collected yet.
    private var posted: String?

    public init(context: Context, service: String, directories: RuntimeDirectories) throws {
        self.context = context
        self.service = service
        self.endpoint = try directories.commandEndpoint(service)
        socket = try Socket(context, .dealer)
        try socket.setLinger(0)
        try socket.setReconnectInterval(50, max: 1000)
        try socket.connect(endpoint)
    }

    public init(context: Context, service: String, endpoint: String) throws {
        self.context = context
        self.service = service
        self.endpoint = endpoint
        socket = try Socket(context, .dealer)
        try socket.setLinger(0)
        try socket.setReconnectInterval(50, max: 1000)
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    public func close() { socket.close() }

    /// Sends a request without waiting; collect its reply with `send` of the same request (which
    /// then waits for the reply already on its way instead of sending again) — for prefetching.
    public func post(_ request: Request) throws {
        try socket.send(frames: [[], request.json.jsonBytes])
        posted = request.id
    }

    /// Sends a request and waits for its reply. `attempts` sends of the same id, each waiting `timeout` seconds.
    /// Throws `ServiceError(.unavailable)` when nothing answers.
    public func send(_ request: Request, timeout: Double = 5, attempts: Int = 3) throws -> Reply {
        let bytes = request.json.jsonBytes
        let alreadySent = posted == request.id
        posted = nil
        for attempt in 1...max(1, attempts) {
            if !(alreadySent && attempt == 1) { try socket.send(frames: [[], bytes]) }
            let deadline = monotonicMillis() + Int64(timeout * 1000)
            while true {
                let remaining = deadline - monotonicMillis()
                if remaining <= 0 { break }
                var items = [PollItem(socket)]
                try poll(&items, timeoutMilliseconds: Int(remaining))
                guard items[0].isReadable, let frames = try socket.receive(dontWait: true) else { continue }
                guard let body = frames.last, let reply = try? Reply.decode(body) else { continue }
                // A late reply to an earlier request on this socket: skip it.
                if reply.id != request.id && reply.id != nil { continue }
                return reply
            }
            _ = attempt
        }
        throw ServiceError(.unavailable, "\(service) did not answer at \(endpoint) within \(formatSeconds(timeout * Double(max(1, attempts)))) s: "
            + "is the stack running? (deploy/stack status)")
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
}

func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
}

/// Unique request ids: `<pid>-<random>-<counter>`.
public enum RequestID {
    nonisolated(unsafe) private static var counter: UInt64 = 0
    private static let lock = SpinLock()
    private static let prefix = "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"

    public static func make() -> String {
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        return "\(prefix)-\(n)"
    }
}

final class SpinLock: @unchecked Sendable {
    // `@unchecked Sendable`: a pthread mutex, used only through lock/unlock.
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}
