import ArgumentParser
import CLibZMQ
import Foundation
import SendModel
import SendRuntime
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// What any service on ZeroMQ could reach on this machine: the fair client against a server
/// that does nothing but the transport and the disk — a ROUTER on `ipc://`, one `zmq_poll` loop
/// that takes every request waiting, appends their bytes to a preallocated file with one
/// `pwrite` and one `fdatasync` per group, then answers each with a fixed `"ok":true` reply.
/// No JSON, no SQLite, no CURVE: a bound for the durable figures, not a design.
enum CeilingBench {
    static func run(directory: BenchDirectory, seconds: Double, into figures: inout [String: JSONValue]) throws {
        print("ceiling: the fair client against a bare ROUTER (no JSON, no SQLite, no CURVE), load average \(loadAverage())")
        let modes: [(name: String, label: String, arguments: [String])] = [
            ("ceiling", "pwrite + fdatasync per group", []),
            ("ceiling_pipelined", "pwrite per group, fdatasync back to back on a 2nd thread", ["--pipelined"]),
            ("ceiling_nosync", "no fsync", ["--no-sync"]),
        ]
        for mode in modes {
            let name = mode.name
            let endpoint = "ipc://\(directory.path)/\(name).cmd"
            let file = "\(directory.path)/\(name).log"
            let process = Process()
            let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            process.executableURL = me
            process.arguments = ["ceiling-serve", "--endpoint", endpoint, "--file", file] + mode.arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            defer { process.terminate(); process.waitUntilExit() }
            try ServiceChild.waitPlain(endpoint, timeout: 10)
            _ = try FairClient.throughput(endpoint: endpoint, clients: 4, seconds: min(0.5, seconds), curve: nil)
            for clients in [4, 16] {
                let before = CPUSnapshot(pid: process.processIdentifier)
                let r = try FairClient.throughput(endpoint: endpoint, clients: clients, seconds: seconds, curve: nil)
                let service = CPUSnapshot(pid: process.processIdentifier).since(before)
                let perRequest = Durable.perRequest(service.micros, r.requests)
                print(String(format: "ceiling, %@, %2d clients: %8.0f /s  (p50 %.2f ms, p99 %.2f ms); server CPU %.1f µs/request, client %.1f",
                             mode.label, clients, r.rate, r.p50 / 1000, r.p99 / 1000,
                             perRequest, Durable.perRequest(r.processCPU, r.requests)))
                let key = "\(name)_\(clients)_clients"
                figures["\(key)_per_s"] = .double(r.rate.rounded())
                figures["\(key)_p99_ms"] = .double(Durable.milliseconds(r.p99))
                figures["\(key)_server_cpu_us"] = .double(perRequest)
            }
        }
    }
}

/// `send-bench ceiling-serve`: the bare server `CeilingBench` measures.
struct CeilingServe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ceiling-serve",
                                                    abstract: "A bare ROUTER that appends each group to a file with one fdatasync (the ceiling).")
    @Option var endpoint: String
    @Option var file: String
    @Flag var noSync = false
    @Flag(help: "Overlap: a second thread fdatasyncs, back to back, while this one takes and writes the next group.")
    var pipelined = false

    func run() throws {
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot open \(file)") }
        let size = 256 << 20
        _ = posix_fallocate(fd, 0, off_t(size))
        _ = fsync(fd)
        let context = try Context()
        let router = try Socket(context, .router)
        try router.setSendHighWaterMark(100_000)
        try router.setReceiveHighWaterMark(100_000)
        try router.bind(endpoint)
        var offset = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var routes: [[UInt8]] = []
        let reply = Array(#"{"v":1,"id":"x","ok":true,"result":{"seq":1}}"#.utf8)
        // Pipelined: groups written (generation n) wait in `pending` until the syncer says n is durable.
        let syncer = Syncer(fd: fd)
        if pipelined { Thread.detachNewThread { syncer.run() } }
        var items = [PollItem(router), PollItem(fileDescriptor: syncer.pipeRead)]
        var pending: [(generation: Int, routes: [[UInt8]])] = []
        var generation = 0
        while true {
            _ = try poll(&items, timeoutMilliseconds: 1000)
            if pipelined && items[1].isReadable {
                var b = [UInt8](repeating: 0, count: 64)
                while read(syncer.pipeRead, &b, 64) > 0 {}
                let durable = syncer.durable.withLock { $0 }
                while let first = pending.first, first.generation <= durable {
                    for route in first.routes { try router.send(frames: [route, [], reply], dontWait: true) }
                    pending.removeFirst()
                }
            }
            guard items[0].isReadable else { continue }
            buffer.removeAll(keepingCapacity: true)
            routes.removeAll(keepingCapacity: true)
            while let frames = try router.receive(dontWait: true), let body = frames.last {
                routes.append(frames[0])
                buffer.append(contentsOf: body)
                if routes.count >= 512 { break }
            }
            if routes.isEmpty { continue }
            if offset + buffer.count > size { offset = 0 }
            _ = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
            offset += buffer.count
            if pipelined {
                generation += 1
                pending.append((generation, routes))
                syncer.written(generation)
                continue
            }
            if !noSync { _ = fdatasync(fd) }
            for route in routes { try router.send(frames: [route, [], reply], dontWait: true) }
        }
    }
}

/// The pipelined ceiling's second thread: fdatasync back to back while groups are written.
final class Syncer: @unchecked Sendable {
    // `@unchecked Sendable`: `latest` is guarded by `condition`, `durable` is a mutex, and the pipe's
    // ends are written only by the syncer's thread and read only by the server's.
    let fd: Int32
    let durable = Mutex<Int>(0)
    let condition = NSCondition()
    var latest = 0
    let pipeRead: Int32
    let pipeWrite: Int32

    init(fd: Int32) {
        self.fd = fd
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for f in fds { _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK) }
        pipeRead = fds[0]
        pipeWrite = fds[1]
    }

    func written(_ generation: Int) {
        condition.lock()
        latest = generation
        condition.signal()
        condition.unlock()
    }

    func run() {
        var synced = 0
        while true {
            condition.lock()
            while latest == synced { condition.wait() }
            let target = latest
            condition.unlock()
            _ = fdatasync(fd)
            synced = target
            durable.withLock { $0 = target }
            var b: UInt8 = 1
            _ = write(pipeWrite, &b, 1)
        }
    }
}
