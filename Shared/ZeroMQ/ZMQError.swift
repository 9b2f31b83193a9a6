import CLibZMQ

#if canImport(Glibc)
import Glibc
#endif

/// A failed libzmq call: which function, the errno it left and libzmq's text for it.
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    public let errno: Int32
    public let function: String

    public init(errno: Int32, function: String) {
        self.errno = errno
        self.function = function
    }

    /// libzmq's description of the errno (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(errno)) }

    /// The context was shut down or terminated: the socket must be closed.
    public var isTerminated: Bool { errno == ETERM }

    public var description: String { "\(function) failed: \(message) (errno \(errno))" }
}

/// What a libzmq call came to once EINTR is retried: done, or it would have blocked.

enum CallOutcome {
    case done(Int32)
    case wouldBlock
}

/// Every libzmq call goes through here: EINTR is retried, EAGAIN is "would block",
/// anything else throws a `ZMQError` naming the function.

@discardableResult
func zmqCall(_ function: StaticString, _ body: () -> Int32) throws(ZMQError) -> CallOutcome {
    while true {
        let rc = body()
        if rc >= 0 { return .done(rc) }
        let code = zmq_errno()
        if code == EINTR { continue }
        if code == EAGAIN { return .wouldBlock }
        throw ZMQError(errno: code, function: "\(function)")
    }
}

/// As `zmqCall`, where "would block" cannot happen or is itself an error.

@discardableResult
func zmqCheck(_ function: StaticString, _ body: () -> Int32) throws(ZMQError) -> Int32 {
    switch try zmqCall(function, body) {
    case .done(let rc): return rc
    case .wouldBlock: throw ZMQError(errno: EAGAIN, function: "\(function)")
    }
}
