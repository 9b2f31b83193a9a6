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
    /// Waits at most `micros` microseconds for a message to receive; true when one is there.
    /// Unlike `poll` (milliseconds), this sleeps on the socket's file descriptor with a
    /// microsecond timeout (`select`), checking `ZMQ_EVENTS` as libzmq asks before each sleep.
    public func waitReadable(micros: Int) throws(ZMQError) -> Bool {
        let fd = try fileDescriptor
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let deadline = Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000 + Int64(micros)
        while true {
            if try getInt(ZMQ_EVENTS) & Int32(ZMQ_POLLIN) != 0 { return true }
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let remaining = deadline - (Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
            if remaining <= 0 || fd < 0 || fd >= 1024 { return false }
            var set = fd_set()
            withUnsafeMutableBytes(of: &set) { raw in
                let words = raw.bindMemory(to: Int.self)
                words[Int(fd) / Int.bitWidth] |= 1 << (Int(fd) % Int.bitWidth)
            }
            var timeout = timeval(tv_sec: 0, tv_usec: Int(remaining))
            _ = select(fd + 1, &set, nil, nil, &timeout)
        }
    }
}
