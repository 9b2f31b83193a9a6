import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A load client for form posts shaped like redis-benchmark: one thread, `connections` keep-alive
/// HTTP/1.1 connections to 127.0.0.1, each with one request in flight, driven by one poll loop.
/// Each request is sent once; the run ends when every one has its reply. (wrk cannot end a run
/// when its requests are used up, so it cannot send each family's answer exactly once and stop.)
enum FormLoad {
    struct Result {
        var statuses: [Int: Int] = [:]
        var latenciesMs: [Double] = []
        var seconds = 0.0
    }

    private final class Connection {
        let fd: Int32
        var pending: [UInt8] = []
        var sentAt = 0.0
        var busy = false
        init(fd: Int32) { self.fd = fd }
    }

    static func run(port: Int, connections: Int, requests: [[UInt8]]) throws -> Result {
        var conns: [Connection] = []
        for _ in 0..<connections { conns.append(Connection(fd: try connect(port))) }
        defer { for c in conns { close(c.fd) } }
        var result = Result()
        var next = 0
        var done = 0
        let started = nowMicros()
        func send(_ c: Connection) throws {
            guard next < requests.count else { return }
            let bytes = requests[next]
            next += 1
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { Glibc.send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw Failure("send failed: \(String(cString: strerror(errno)))") }
                off += n
            }
            c.sentAt = nowMicros()
            c.busy = true
        }
        for c in conns { try send(c) }
        var fds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while done < requests.count {
            for i in fds.indices { fds[i].revents = 0 }
            guard poll(&fds, nfds_t(fds.count), 30_000) > 0 else { throw Failure("no reply within 30 s (\(done) of \(requests.count) done)") }
            for (i, c) in conns.enumerated() where fds[i].revents != 0 {
                let n = recv(c.fd, &buffer, buffer.count, 0)
                guard n > 0 else { throw Failure("the server closed a connection after \(done) replies") }
                c.pending += buffer[0..<n]
                while let (status, length) = complete(c.pending) {
                    c.pending.removeFirst(length)
                    result.statuses[status, default: 0] += 1
                    result.latenciesMs.append((nowMicros() - c.sentAt) / 1000)
                    done += 1
                    c.busy = false
                    try send(c)
                }
            }
        }
        result.seconds = (nowMicros() - started) / 1e6
        return result
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The status and byte length of a complete response at the start of `bytes` (Content-Length framing).
    static func complete(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count >= 4 else { return nil }
        var end = -1
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            end = i
            break
        }
        guard end >= 0 else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).lowercased()
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let total = end + 4 + length
        return bytes.count >= total ? (status, total) : nil
    }

    static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw Failure("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        return fd
    }
}
