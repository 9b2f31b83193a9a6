import Logging
import SendModel
import ZeroMQ

/// The ZAP handler of a process (ZeroMQ RFC 27): binds `inproc://zeromq.zap.01` on the process's
/// context, before any CURVE server socket binds, and answers each handshake from the register: a
/// known key that is not revoked gets `200` and its person's id as the connection's User-Id
/// (which every request then carries); an unknown or revoked key gets `400` and the connection is
/// refused before any request is read.
final class ZAPHandler: @unchecked Sendable {
    // `@unchecked Sendable`: the socket is made, used and closed on the handler's own thread.
    static let endpoint = "inproc://zeromq.zap.01"

    let context: ZeroMQ.Context
    let register: Register
    let logger: Logger
    let stop = StopFlag()
    let bound = Completion<Result<Void, ZMQError>>()

    init(context: ZeroMQ.Context, register: Register, logger: Logger) {
        self.context = context
        self.register = register
        self.logger = logger
    }

    func run() {
        let socket: Socket
        do {
            socket = try Socket(context, .rep)
            try socket.bind(ZAPHandler.endpoint)
        } catch {
            bound.fulfil(.failure(error))
            return
        }
        bound.fulfil(.success(()))
        defer { socket.close() }
        var items = [PollItem(socket)]
        while !stop.isSet {
            do {
                try poll(&items, timeoutMilliseconds: 200)
            } catch {
                if error.isTerminated { return }
                continue
            }
            guard items[0].isReadable, let frames = try? socket.receive(dontWait: true) else { continue }
            _ = try? socket.send(frames: answer(frames))
        }
    }

    /// A ZAP request is [version, request id, domain, address, routing id, mechanism, credentials…].
    func answer(_ frames: [[UInt8]]) -> [[UInt8]] {
        let version = Array("1.0".utf8)
        guard frames.count >= 6, frames[0] == version else {
            return [version, frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("not a ZAP 1.0 request".utf8), [], []]
        }
        let requestID = frames[1]
        func reply(_ code: String, _ text: String, user: String = "") -> [[UInt8]] {
            [version, requestID, Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
        }
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        guard mechanism == "CURVE", frames.count >= 7, let key = Curve.encode(frames[6]) else {
            logger.warning("handshake refused", metadata: ["zap.mechanism": "\(mechanism)"])
            return reply("400", "a CURVE key is required")
        }
        switch register.authenticate(key) {
        case .user(let user):
            return reply("200", "OK", user: user)
        case .refused(let why):
            // The key is public; the log names no person beyond a register id.
            logger.notice("handshake refused: \(why)", metadata: ["zap.key": "\(key.prefix(8))…"])
            return reply("400", why)
        }
    }
}
