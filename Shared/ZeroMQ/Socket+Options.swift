import CLibZMQ

extension Socket {
    func setInt(_ option: Int32, _ value: Int32, _ name: StaticString = "zmq_setsockopt") throws(ZMQError) {
        let h = try live(name)
        try zmqCheck(name) { send_zmq_setsockopt_int(h, option, value) }
    }

    func getInt(_ option: Int32) throws(ZMQError) -> Int32 {
        let h = try live("zmq_getsockopt")
        var value: Int32 = 0
        try zmqCheck("zmq_getsockopt") { send_zmq_getsockopt_int(h, option, &value) }
        return value
    }

    func setBytes(_ option: Int32, _ value: [UInt8]) throws(ZMQError) {
        let h = try live("zmq_setsockopt")
        let rc = value.withUnsafeBytes { b in zmq_setsockopt(h, option, b.baseAddress, b.count) }
        if rc != 0 { throw ZMQError(errno: zmq_errno(), function: "zmq_setsockopt") }
    }

    /// Milliseconds pending messages are kept after close (-1 forever, 0 none).
    public func setLinger(_ milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_LINGER, milliseconds) }
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) { try setInt(ZMQ_SNDHWM, messages) }
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) { try setInt(ZMQ_RCVHWM, messages) }
    /// The largest inbound message accepted; a peer that sends a larger one is disconnected.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        let h = try live("zmq_setsockopt")
        try zmqCheck("zmq_setsockopt") { send_zmq_setsockopt_int64(h, ZMQ_MAXMSGSIZE, bytes) }
    }
    /// ROUTER: a message to an unknown peer fails with EHOSTUNREACH instead of vanishing.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_ROUTER_MANDATORY, on ? 1 : 0) }
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) { try setBytes(ZMQ_SUBSCRIBE, prefix) }
    public func subscribe(_ prefix: String) throws(ZMQError) { try subscribe(Array(prefix.utf8)) }
    public func unsubscribe(_ prefix: [UInt8] = []) throws(ZMQError) { try setBytes(ZMQ_UNSUBSCRIBE, prefix) }
    public func unsubscribe(_ prefix: String) throws(ZMQError) { try unsubscribe(Array(prefix.utf8)) }
    /// Milliseconds a blocking receive waits before reporting "nothing" (-1 forever).
    public func setReceiveTimeout(_ milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_RCVTIMEO, milliseconds) }
    public func setSendTimeout(_ milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_SNDTIMEO, milliseconds) }
    public func setReconnectInterval(_ milliseconds: Int32, max: Int32 = 0) throws(ZMQError) {
        try setInt(ZMQ_RECONNECT_IVL, milliseconds)
        try setInt(ZMQ_RECONNECT_IVL_MAX, max)
    }
    /// ZMTP heartbeats: ping every `interval` ms; the peer is dead after `timeout` ms without traffic.
    public func setHeartbeat(interval: Int32, timeout: Int32, ttl: Int32 = 0) throws(ZMQError) {
        try setInt(ZMQ_HEARTBEAT_IVL, interval)
        try setInt(ZMQ_HEARTBEAT_TIMEOUT, timeout)
        if ttl > 0 { try setInt(ZMQ_HEARTBEAT_TTL, ttl) }
    }
    /// Queue messages only to completed connections.
    public func setImmediate(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_IMMEDIATE, on ? 1 : 0) }
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) { try setBytes(ZMQ_ROUTING_ID, id) }

    public var linger: Int32 { get throws(ZMQError) { try getInt(ZMQ_LINGER) } }
    public var sendHighWaterMark: Int32 { get throws(ZMQError) { try getInt(ZMQ_SNDHWM) } }
    public var receiveHighWaterMark: Int32 { get throws(ZMQError) { try getInt(ZMQ_RCVHWM) } }
    public var receiveTimeout: Int32 { get throws(ZMQError) { try getInt(ZMQ_RCVTIMEO) } }
    public var maxMessageSize: Int64 {
        get throws(ZMQError) {
            let h = try live("zmq_getsockopt")
            var value: Int64 = 0
            try zmqCheck("zmq_getsockopt") { send_zmq_getsockopt_int64(h, ZMQ_MAXMSGSIZE, &value) }
            return value
        }
    }
    /// The file descriptor that becomes readable when the socket's events may have changed.
    public var fileDescriptor: Int32 { get throws(ZMQError) { try getInt(ZMQ_FD) } }
}
