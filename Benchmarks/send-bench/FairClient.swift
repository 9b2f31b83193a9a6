import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// The durable-command client shaped like redis-benchmark: ONE thread, one DEALER socket per
/// simulated client connected to the service's command socket, each with exactly one request in
/// flight, all driven by one `zmq_poll` loop (a `Poller` built once). Each request is the same
/// `append` of a 100-byte payload under a unique id; its latency runs from its send to its reply.
/// Requests are spliced from fixed bytes and replies are checked for `"ok":true` without being
/// parsed, as redis-benchmark checks the first byte of its reply: the client costs a few
/// microseconds per request, so what is measured is the service.
enum FairClient {
    struct Result {
        let rate: Double
        let p50: Double
        let p99: Double
        let requests: Int
        /// CPU of the driving thread alone, and of the whole bench process (libzmq's I/O thread too), µs.
        let threadCPU: Double
        let processCPU: Double
    }

    /// `clients` sockets, each sending `append` and then the next once its reply is in, for `seconds`.
    /// `curve`: the key to present and the server's public key (nil for a service without CURVE).
    static func throughput(endpoint: String, clients: Int, seconds: Double, curve: (keys: CurveKeyPair, server: String)?) throws -> Result {
        let context = try ZeroMQ.Context()
        var sockets: [Socket] = []
        defer { for s in sockets { s.close() } }
        for _ in 0..<clients {
            let s = try Socket(context, .dealer)
            if let curve { try s.makeCurveClient(curve.keys, serverKey: curve.server) }
            try s.connect(endpoint)
            sockets.append(s)
        }
        let poller = try Poller(sockets)
        // `{"v":1,"id":"<run>-<n>","command":"append","args":{"payload":"xxx…"}}`: ids unique across runs,
        // so the service never answers from a stored reply.
        let head = Array(#"{"v":1,"id":"fair-\#(RequestID.make())-"#.utf8)
        let tail = Array(#"","command":"append","args":{"payload":"\#(String(repeating: "x", count: 100))"}}"#.utf8)
        let ok = Array(#""ok":true"#.utf8)
        var counter = 0
        func request() -> [UInt8] {
            counter += 1
            var body = head
            body.reserveCapacity(head.count + 20 + tail.count)
            body.append(contentsOf: String(counter).utf8)
            body.append(contentsOf: tail)
            return body
        }

        var sentAt = [Double](repeating: 0, count: clients)
        var samples: [Double] = []
        samples.reserveCapacity(Int(seconds * 50_000))
        var failures = 0
        let cpuThread0 = threadCPUMicros()
        let cpuProcess0 = processCPUMicros()
        let start = nowMicros()
        let end = start + seconds * 1e6
        for i in 0..<clients {
            sentAt[i] = nowMicros()
            try sockets[i].send(frames: [[], request()])
        }
        var inFlight = clients
        var lastReply = start
        while inFlight > 0 {
            // 10 s without any reply: the service is gone.
            guard try poller.wait(timeoutMilliseconds: 10_000) > 0 else {
                throw StartupError("the fair client waited 10 s for a reply (\(inFlight) in flight)")
            }
            let now = nowMicros()
            for i in 0..<clients where poller.isReadable(i) {
                // One request in flight per socket: at most one reply is waiting.
                guard let frames = try sockets[i].receive(dontWait: true), let body = frames.last else { continue }
                samples.append(now - sentAt[i])
                lastReply = now
                if !contains(body, ok) { failures += 1 }
                if now < end {
                    sentAt[i] = nowMicros()
                    try sockets[i].send(frames: [[], request()])
                } else {
                    inFlight -= 1
                }
            }
        }
        let threadCPU = threadCPUMicros() - cpuThread0
        let processCPU = processCPUMicros() - cpuProcess0
        if failures > 0 { throw StartupError("\(failures) of \(samples.count) appends of the fair client failed") }
        let p = Percentiles(samples)
        return Result(rate: Double(samples.count) / ((lastReply - start) / 1e6), p50: p.p50, p99: p.p99,
                      requests: samples.count, threadCPU: threadCPU, processCPU: processCPU)
    }

    /// True when `needle` occurs in `haystack` (a reply is about 100 bytes: a plain scan).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) {
            var j = 0
            while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
            if j == needle.count { return true }
        }
        return false
    }
}
