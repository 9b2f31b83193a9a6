import CLibZMQ

#if canImport(Glibc)
import Glibc
#endif

/// A ZeroMQ socket, owned by the one thread that made it.
///
/// Not `Sendable`: libzmq sockets are not thread-safe. Create it on the thread that uses it
/// and close it there. `close()` is idempotent and also runs on deinit.
public final class Socket {
    public let type: SocketType
    let context: Context
    private(set) var handle: UnsafeMutableRawPointer?

    public init(_ context: Context, _ type: SocketType) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, type.raw) else {
            throw ZMQError(errno: zmq_errno(), function: "zmq_socket")
        }
        self.context = context
        self.type = type
        self.handle = h
        // Closing never waits for unsent messages unless the owner asks for it.
        var zero: Int32 = 0
        _ = zmq_setsockopt(h, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
    }

    deinit { close() }

    public var isClosed: Bool { handle == nil }

    /// Closes the socket; later calls do nothing. Pending outgoing messages are kept for at most
    /// the linger period (set `linger` first; the default here is 0 so that closing never hangs).
    public func close() {
        guard let h = handle else { return }
        handle = nil
        _ = zmq_close(h)
    }

    func live(_ function: StaticString) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(errno: ENOTSOCK, function: "\(function)") }
        return h
    }

    public func bind(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_bind")
        try zmqCheck("zmq_bind") { zmq_bind(h, endpoint) }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_connect")
        try zmqCheck("zmq_connect") { zmq_connect(h, endpoint) }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_unbind")
        try zmqCheck("zmq_unbind") { zmq_unbind(h, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_disconnect")
        try zmqCheck("zmq_disconnect") { zmq_disconnect(h, endpoint) }
    }

    // MARK: Sending

    /// Sends one frame; `more` marks that another frame of the same message follows.
    /// Returns false only when `dontWait` is set (or a send timeout expires) and the message would block.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try live("zmq_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        let outcome = try zmqCall("zmq_send") {
            bytes.withUnsafeBytes { buffer in zmq_send(h, buffer.baseAddress, buffer.count, flags) }
        }
        if case .wouldBlock = outcome { return false }
        return true
    }

    /// Sends a whole multipart message. With `dontWait`, returns false if the first frame would
    /// block (nothing sent); later frames of a message are never refused once the first is queued.
    @discardableResult
    public func send(frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        guard !frames.isEmpty else { return true }
        for (i, frame) in frames.enumerated() {
            let last = i == frames.count - 1
            let sent = try send(frame, more: !last, dontWait: dontWait && i == 0)
            if !sent { return false }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one whole multipart message, each frame of any size (zmq_msg_t, no fixed buffer).
    /// Returns nil when `dontWait` is set, or the receive timeout expires, and nothing is waiting.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        try receiveMessage(dontWait: dontWait, readUser: false)?.frames
    }

    /// The one receive loop; `readUser` also reads the `User-Id` the peer's ZAP handshake gave it.
    func receiveMessage(dontWait: Bool, readUser: Bool) throws(ZMQError) -> (frames: [[UInt8]], user: String?)? {
        let h = try live("zmq_msg_recv")
        var frames: [[UInt8]] = []
        var user: String?
        var message = zmq_msg_t()
        while true {
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let flags = frames.isEmpty && dontWait ? ZMQ_DONTWAIT : 0
            let outcome = try zmqCall("zmq_msg_recv") { zmq_msg_recv(&message, h, flags) }
            if case .wouldBlock = outcome {
                // Only the first frame can time out; the rest of a message arrives atomically.
                return frames.isEmpty ? nil : (frames, user)
            }
            // A ROUTER's routing-id frame carries no metadata; the peer's frames do.
            if readUser && user == nil, let value = zmq_msg_gets(&message, "User-Id") {
                user = String(cString: value)
            }
            let size = zmq_msg_size(&message)
            frames.append(size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: zmq_msg_data(&message)!, count: size)))
            if zmq_msg_more(&message) == 0 { return (frames, user) }
        }
    }
}
