import CLibZMQ

#if canImport(Glibc)
import Glibc
#endif

/// A CURVE key pair (ZeroMQ RFC 26), each key as its 40 Z85 characters.
public struct CurveKeyPair: Sendable, Hashable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new key pair from libzmq's random source.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError(errno: zmq_errno(), function: "zmq_curve_keypair") }
        return CurveKeyPair(publicKey: Curve.string(pub), secretKey: Curve.string(sec))
    }

    /// The pair of a secret key (its public key derived from it); nil when `secretKey` is not a Z85 key.
    public init?(secretKey: String) {
        guard let pub = Curve.publicKey(ofSecret: secretKey) else { return nil }
        self.init(publicKey: pub, secretKey: secretKey)
    }
}

public enum Curve {
    /// True when this libzmq was built with CURVE (Debian's is).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// True for 40 characters of the Z85 alphabet that decode to 32 bytes.
    public static func isKey(_ text: String) -> Bool { decode(text) != nil }

    /// The 32 bytes of a Z85 key, or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 40, text.utf8.allSatisfy({ z85Alphabet.contains($0) }) else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        let ok = text.withCString { s in zmq_z85_decode(&out, s) != nil }
        return ok ? out : nil
    }

    /// The Z85 text of 32 key bytes.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&out, bytes, 32) != nil else { return nil }
        return string(out)
    }

    public static func publicKey(ofSecret secret: String) -> String? {
        guard isKey(secret) else { return nil }
        var pub = [CChar](repeating: 0, count: 41)
        let rc = secret.withCString { s in zmq_curve_public(&pub, s) }
        return rc == 0 ? string(pub) : nil
    }

    static let z85Alphabet: Set<UInt8> = Set(Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8))

    static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Socket {
    /// Makes this socket a CURVE server with `keys` (set before `bind`): every peer must handshake
    /// with CURVE and is then put to the context's ZAP handler, when one is bound.
    public func makeCurveServer(_ keys: CurveKeyPair) throws(ZMQError) {
        try setInt(ZMQ_CURVE_SERVER, 1)
        try setText(ZMQ_CURVE_SECRETKEY, keys.secretKey)
        try setText(ZMQ_CURVE_PUBLICKEY, keys.publicKey)
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey` (set before `connect`).
    public func makeCurveClient(_ keys: CurveKeyPair, serverKey: String) throws(ZMQError) {
        try setText(ZMQ_CURVE_SERVERKEY, serverKey)
        try setText(ZMQ_CURVE_PUBLICKEY, keys.publicKey)
        try setText(ZMQ_CURVE_SECRETKEY, keys.secretKey)
    }

    /// The ZAP domain the socket's peers are authenticated in.
    public func setZAPDomain(_ domain: String) throws(ZMQError) { try setText(ZMQ_ZAP_DOMAIN, domain) }

    func setText(_ option: Int32, _ text: String) throws(ZMQError) {
        let h = try live("zmq_setsockopt")
        let rc = text.withCString { s in zmq_setsockopt(h, option, s, strlen(s)) }
        if rc != 0 { throw ZMQError(errno: zmq_errno(), function: "zmq_setsockopt") }
    }

    /// Receives one whole multipart message and the `User-Id` its peer was given by the ZAP
    /// handler at the handshake (nil for a peer that was not authenticated).
    public func receiveWithUser(dontWait: Bool = false) throws(ZMQError) -> (frames: [[UInt8]], user: String?)? {
        try receiveMessage(dontWait: dontWait, readUser: true)
    }
}

/// What a socket monitor reports about handshakes (ZMQ_EVENT_HANDSHAKE_*).
public enum HandshakeEvent: Sendable, Equatable {
    case succeeded
    /// The server's ZAP handler refused the key, with its status code (400).
    case refused(status: UInt32)
    /// The peer is not speaking the same security (for example a server without CURVE, or the wrong server key).
    case failed
}

/// A socket's handshake reports, read on the same thread as the socket (an inproc PAIR).
public final class HandshakeMonitor {
    private let pair: Socket

    /// Starts monitoring `socket`'s handshakes; `name` must be unique in the context.
    public init(_ socket: Socket, context: Context, name: String) throws(ZMQError) {
        let endpoint = "inproc://handshake-monitor-\(name)"
        let h = try socket.live("zmq_socket_monitor")
        let events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
        try zmqCheck("zmq_socket_monitor") { zmq_socket_monitor(h, endpoint, Int32(events)) }
        pair = try Socket(context, .pair)
        try pair.connect(endpoint)
    }

    deinit { pair.close() }

    public func close() { pair.close() }

    /// For polling beside the socket.
    public var pollItem: PollItem { PollItem(pair) }

    /// Every report waiting, oldest first.
    public func drain() -> [HandshakeEvent] {
        var out: [HandshakeEvent] = []
        while let frames = try? pair.receive(dontWait: true) {
            guard let first = frames.first, first.count >= 6 else { continue }
            let event = UInt16(first[0]) | UInt16(first[1]) << 8
            let value = UInt32(first[2]) | UInt32(first[3]) << 8 | UInt32(first[4]) << 16 | UInt32(first[5]) << 24
            switch Int32(event) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: out.append(.succeeded)
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(.refused(status: value))
            default: out.append(.failed)
            }
        }
        return out
    }
}
