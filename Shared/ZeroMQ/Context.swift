import CLibZMQ

/// A libzmq context: the owner of the I/O threads every socket uses.
///
/// `@unchecked Sendable`: libzmq documents `zmq_ctx_*` as thread-safe, and the handle
/// is immutable after init; only sockets are confined to one thread.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError(errno: zmq_errno(), function: "zmq_ctx_new") }
        handle = h
        try zmqCheck("zmq_ctx_set") { zmq_ctx_set(h, ZMQ_IO_THREADS, ioThreads) }
        // Keep a crash in one socket's owner from blocking termination forever.
        try zmqCheck("zmq_ctx_set") { zmq_ctx_set(h, ZMQ_BLOCKY, 0) }
    }

    /// Makes every blocking call on this context's sockets return `ETERM`, from any thread.
    /// Sockets must still be closed by their owners; then the context can terminate.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // All sockets hold a strong reference to the context, so they are closed by now.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// The libzmq version linked at run time, for example (4, 3, 4).
public func libzmqVersion() -> (major: Int32, minor: Int32, patch: Int32) {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return (major, minor, patch)
}
