import ArgumentParser
import CLibZMQ
import Foundation
import SendModel
import SendRuntime
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
    struct Row {
        var label: String
        var clients: Int
        var result: FairClient.Result
        var serviceMicros: Double
    }

    static func run(directory: BenchDirectory, seconds: Double, into figures: inout [String: JSONValue]) throws {
        print("ceiling: the fair client against a bare ROUTER (no JSON, no SQLite, no CURVE), load average \(loadAverage())")
        for sync in [true, false] {
            let name = sync ? "ceiling" : "ceiling-nosync"
            let endpoint = "ipc://\(directory.path)/\(name).cmd"
            let file = "\(directory.path)/\(name).log"
            let process = Process()
            let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            process.executableURL = me
            process.arguments = ["ceiling-serve", "--endpoint", endpoint, "--file", file] + (sync ? [] : ["--no-sync"])
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
                             sync ? "pwrite + fdatasync per group" : "no fsync", clients, r.rate, r.p50 / 1000, r.p99 / 1000,
                             perRequest, Durable.perRequest(r.processCPU, r.requests)))
                let key = "\(sync ? "ceiling" : "ceiling_nosync")_\(clients)_clients"
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

    func run() throws {
        if let cpu = ProcessInfo.processInfo.environment["SEND_BENCH_SERVER_CPU"].flatMap(Int.init) {
            var set = cpu_set_t()
            withUnsafeMutableBytes(of: &set) { $0[cpu / 8] |= UInt8(1 << (cpu % 8)) }
            _ = sched_setaffinity(0, MemoryLayout<cpu_set_t>.size, &set)
        }
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
        var items = [PollItem(router)]
        var offset = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var routes: [[UInt8]] = []
        let reply = Array(#"{"v":1,"id":"x","ok":true,"result":{"seq":1}}"#.utf8)
        while true {
            _ = try poll(&items, timeoutMilliseconds: 1000)
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
            if !noSync { _ = fdatasync(fd) }
            for route in routes { try router.send(frames: [route, [], reply], dontWait: true) }
        }
    }
}
