import CLibZMQ

#if canImport(Glibc)
import Glibc
#endif

/// What to wait for: readable, writable, or both.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// A socket or plain file descriptor to wait on with `poll`.
public struct PollItem {
    public enum Target {
        case socket(Socket)
        case fileDescriptor(Int32)
    }

    public let target: Target
    public let events: PollEvents
    /// Set by `poll`: what is ready now.
    public internal(set) var ready: PollEvents = []

    public init(_ socket: Socket, _ events: PollEvents = .readable) {
        target = .socket(socket)
        self.events = events
    }

    public init(fileDescriptor fd: Int32, _ events: PollEvents = .readable) {
        target = .fileDescriptor(fd)
        self.events = events
    }

    public var isReadable: Bool { ready.contains(.readable) }
}

/// Waits until one of the items is ready or `timeoutMilliseconds` pass (-1 forever); returns how many are ready.
/// EINTR is retried with the full timeout, which is fine for the loops here (each re-checks its stop flag).
@discardableResult
public func poll(_ items: inout [PollItem], timeoutMilliseconds: Int) throws(ZMQError) -> Int {
    var raw = [zmq_pollitem_t]()
    raw.reserveCapacity(items.count)
    for item in items {
        var p = zmq_pollitem_t()
        switch item.target {
        case .socket(let s):
            p.socket = try s.live("zmq_poll")
            p.fd = -1
        case .fileDescriptor(let fd):
            p.socket = nil
            p.fd = fd
        }
        p.events = item.events.rawValue
        raw.append(p)
    }
    let count = raw.count
    let rc = try raw.withUnsafeMutableBufferPointer { (buffer) throws(ZMQError) -> Int32 in
        try zmqCheck("zmq_poll") { zmq_poll(buffer.baseAddress, Int32(count), timeoutMilliseconds) }
    }
    for i in items.indices { items[i].ready = PollEvents(rawValue: raw[i].revents) }
    return Int(rc)
}

extension Socket {
    /// True when a message is waiting to be received (`ZMQ_EVENTS`, which also lets libzmq take
    /// in what its I/O thread handed over): a check that never sleeps, for short spins.
    public var hasMessage: Bool {
        get throws(ZMQError) { try getInt(ZMQ_EVENTS) & Int32(ZMQ_POLLIN) != 0 }
    }
}

/// A fixed set of sockets waited on together again and again, for loops that drive many sockets
/// from one thread: the `zmq_pollitem_t` array is built once, not on every wait as `poll` does.
///
/// Not `Sendable`: it holds sockets, which belong to one thread. It keeps them alive; `wait`
/// throws `ENOTSOCK` if one was closed meanwhile.
public final class Poller {
    public let sockets: [Socket]
    private var items: [zmq_pollitem_t]

    public init(_ sockets: [Socket], events: PollEvents = .readable) throws(ZMQError) {
        self.sockets = sockets
        items = []
        items.reserveCapacity(sockets.count)
        for socket in sockets {
            var item = zmq_pollitem_t()
            item.socket = try socket.live("zmq_poll")
            item.fd = -1
            item.events = events.rawValue
            items.append(item)
        }
    }

    public var count: Int { items.count }

    /// Waits until a socket is ready or `timeoutMilliseconds` pass (-1 forever); returns how many are ready.
    @discardableResult
    public func wait(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        for socket in sockets where socket.isClosed { throw ZMQError(errno: ENOTSOCK, function: "zmq_poll") }
        let count = Int32(items.count)
        let rc = try items.withUnsafeMutableBufferPointer { (buffer) throws(ZMQError) -> Int32 in
            try zmqCheck("zmq_poll") { zmq_poll(buffer.baseAddress, count, timeoutMilliseconds) }
        }
        return Int(rc)
    }

    /// What the last `wait` found ready on socket `index`.
    public func ready(_ index: Int) -> PollEvents { PollEvents(rawValue: items[index].revents) }

    public func isReadable(_ index: Int) -> Bool { ready(index).contains(.readable) }
}
