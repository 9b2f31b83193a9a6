import Foundation
import SendRuntime
import ZeroMQ

/// The CURVE keys a raw socket of a test directory's stack presents: the stack's own key
/// (`<dir>/data/keys/stack.key`, made when missing) to the server key of the socket at `path`.
func stackCurve(forSocket path: String) throws -> (keys: CurveKeyPair, server: String) {
    let run = (path as NSString).deletingLastPathComponent
    let data = ((run as NSString).deletingLastPathComponent as NSString).appendingPathComponent("data")
    let keys = try KeyFile.readOrCreate(RuntimeDirectories(run: run, data: data).stackKeyPath)
    let service = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let server = KeyFile.readPublic("\(run)/\(service).public") ?? keys.publicKey
    return (keys, server)
}

/// A plain REQ socket, for sending exact bytes (bad requests included).
public final class RawREQ: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test body on one thread.
    let context: Context
    let socket: Socket

    public init(_ path: String) throws {
        context = try Context()
        socket = try Socket(context, .req)
        try socket.setReceiveTimeout(5000)
        try socket.setSendTimeout(5000)
        let curve = try stackCurve(forSocket: path)
        try socket.makeCurveClient(curve.keys, serverKey: curve.server)
        try socket.connect("ipc://\(path)")
    }

    /// Sends one frame and returns the reply frame.
    public func roundTrip(_ body: [UInt8]) throws -> [UInt8] {
        try socket.send(body)
        guard let frames = try socket.receive(), let last = frames.last else {
            throw ZMQError(errno: 11, function: "no reply within 5 s")
        }
        return last
    }

    deinit { socket.close() }
}

/// A DEALER that sends `[empty, body]` without waiting, to put many requests in flight.
public final class RawDEALER: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test body on one thread.
    let context: Context
    let socket: Socket

    public init(_ path: String) throws {
        context = try Context()
        socket = try Socket(context, .dealer)
        try socket.setReceiveTimeout(10_000)
        try socket.setSendTimeout(10_000)
        let curve = try stackCurve(forSocket: path)
        try socket.makeCurveClient(curve.keys, serverKey: curve.server)
        try socket.connect("ipc://\(path)")
    }

    public func send(_ body: [UInt8]) throws { try socket.send(frames: [[], body]) }

    public func receive() throws -> [UInt8] {
        guard let frames = try socket.receive(), let last = frames.last else {
            throw ZMQError(errno: 11, function: "no reply within 10 s")
        }
        return last
    }

    deinit { socket.close() }
}
