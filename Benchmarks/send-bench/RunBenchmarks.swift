import ArgumentParser
import CLibZMQ
import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// `send-bench run`: every benchmark, figures as lines, then one line of JSON.
struct RunBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the benchmarks (the default).")

    @Option(help: "Messages for the PUB→SUB throughput runs.")
    var messages = 1_000_000

    @Option(help: "Seconds for each durable-command throughput run.")
    var seconds = 3.0

    @Option(help: "Notifications in the subscriber catch-up run.")
    var catchUp = 1_000_000

    @Option(help: "Only these benchmarks (transport, latency, durable, ceiling, paced, curve, notify, stack, comms, reports, portal, backup); default all.")
    var only: [String] = []

    @Option(help: "Families for the comms benchmark (England's EHC plans, January 2025).")
    var commsFamilies = 638_745

    @Option(help: "Families answering in the portal benchmark (an area of about 13,000 families with an EHC plan).")
    var portalFamilies = 13_000

    @Flag(help: "Reports: render only; skip loading a board to time fetching from it.")
    var noReportsFetch = false

    @Option(help: "Reports: actions in the plan.") var reportsActions = 10_000
    @Option(help: "Reports: status changes rendered, and progress updates loaded into the board.") var reportsUpdates = 100_000

    @Option(help: "Backup: families in comms.") var backupFamilies = 638_745
    @Option(help: "Backup: actions in the board.") var backupActions = 10_000
    @Option(help: "Backup: progress updates in the board.") var backupUpdates = 100_000

    @Option(help: ArgumentHelp("Use a bench service already running on this run directory (for profiling).", valueName: "path"))
    var attach: String?

    func run() throws {
        BenchIdentity.actAsStack()
        var figures: [String: JSONValue] = [:]
        let work = try BenchDirectory()
        defer { work.remove() }
        let want = { (name: String) in only.isEmpty || only.contains(name) }

        if want("transport") {
            let direct = try Transport.directPubSub(messages: messages, endpoint: "ipc://\(work.path)/direct.pub")
            let wrapped = try Transport.wrappedPubSub(messages: messages, endpoint: "ipc://\(work.path)/wrapped.pub")
            let ratio = wrapped / direct
            print(String(format: "PUB→SUB 256 B, direct libzmq calls: %10.0f msg/s", direct))
            print(String(format: "PUB→SUB 256 B, ZeroMQ wrapper:      %10.0f msg/s  (%.3f of direct; target ≥ 0.95)", wrapped, ratio))
            figures["pubsub_direct_msgs_per_s"] = .double(direct.rounded())
            figures["pubsub_wrapper_msgs_per_s"] = .double(wrapped.rounded())
            figures["pubsub_wrapper_ratio"] = .double((ratio * 1000).rounded() / 1000)
        }
        if want("latency") {
            let rtt = try Transport.roundTrip(iterations: 20_000, endpoint: "ipc://\(work.path)/rtt.cmd")
            print(String(format: "DEALER→ROUTER round trip: p50 %.1f µs, p99 %.1f µs", rtt.p50, rtt.p99))
            figures["rtt_p50_us"] = .double((rtt.p50 * 10).rounded() / 10)
            figures["rtt_p99_us"] = .double((rtt.p99 * 10).rounded() / 10)
        }
        if want("durable") || want("paced") || want("curve") {
            let service = attach == nil ? try ServiceChild("send-bench", arguments: ["serve"], service: "bench", directories: work.directories) : nil
            defer { service?.stop() }
            let work = attach.map { BenchDirectory(path: ($0 as NSString).deletingLastPathComponent) } ?? work
            if want("durable") {
                try Durable.compareClients(directory: work, servicePID: service?.pid, seconds: seconds, into: &figures)
            }
            if want("curve") && attach == nil {
                try Durable.compareCurve(directory: work, seconds: seconds, into: &figures)
            }
            if want("paced") {
                let r = try Durable.paced(directory: work, perSecond: 1000, seconds: seconds)
                print(String(format: "durable commands at 1,000/s: p50 %.2f ms, p99 %.2f ms (target p99 ≤ 2 ms)", r.p50 / 1000, r.p99 / 1000))
                figures["paced_1000_p50_ms"] = .double((r.p50 / 10).rounded() / 100)
                figures["paced_1000_p99_ms"] = .double((r.p99 / 10).rounded() / 100)
            }
        }
        // The ceiling belongs with the durable figures: what any service on ZeroMQ could reach here.
        if want("ceiling") || want("durable") { try CeilingBench.run(directory: work, seconds: seconds, into: &figures) }
        if want("notify") {
            let f = try NotifyBench.run(directory: work, catchUp: catchUp, seconds: seconds)
            print(String(format: "reply → notification printed by sendctl subscribe at 1,000/s: p50 %.2f ms, p99 %.2f ms (targets 1 ms, 3 ms)", f.p50 / 1000, f.p99 / 1000))
            print(String(format: "subscriber catch-up over %d notifications: %.0f /s (target ≥ 150,000)", catchUp, f.catchUpRate))
            print(String(format: "sustained producer → notifications → subscriber: %.0f /s", f.sustained))
            figures["notify_latency_p50_ms"] = .double((f.p50 / 10).rounded() / 100)
            figures["notify_latency_p99_ms"] = .double((f.p99 / 10).rounded() / 100)
            figures["subscriber_catch_up_per_s"] = .double(f.catchUpRate.rounded())
            figures["notify_sustained_per_s"] = .double(f.sustained.rounded())
        }
        if want("stack") { try StackBench.run(into: &figures) }
        if want("comms") {
            let c = try CommsBench.run(families: commsFamilies, deliverySeconds: seconds * 3)
            print(String(format: "comms: import %d families (sendctl, 100,000-row chunks): %.1f s (target ≤ 10 s)", commsFamilies, c.importSeconds))
            print(String(format: "comms: queue a questionnaire to all of them: %.1f s for %d messages (target ≤ 30 s)", c.queueSeconds, c.queued))
            if let rate = c.deliveryPerSecond {
                print(String(format: "comms: email delivery to a local SMTP server: %.0f /s", rate) + " (\(c.deliveryNote))")
                figures["comms_delivery_per_s"] = .double(rate.rounded())
            } else {
                print("comms: email delivery not measured: \(c.deliveryNote)")
            }
            figures["comms_import_s"] = .double((c.importSeconds * 10).rounded() / 10)
            figures["comms_queue_s"] = .double((c.queueSeconds * 10).rounded() / 10)
            figures["comms_families"] = .int(Int64(commsFamilies))
        }
        if want("reports") {
            try ReportsBench.run(actions: reportsActions, changes: reportsUpdates, updates: reportsUpdates, fetch: !noReportsFetch, into: &figures)
        }
        if want("portal") { try PortalBench.run(families: portalFamilies, seconds: seconds * 3, into: &figures) }
        if want("backup") { try BackupBench.run(families: backupFamilies, actions: backupActions, updates: backupUpdates, into: &figures) }
        print(JSONValue.object(figures).jsonString)
    }
}

/// A short private directory for the benchmark's sockets and database.
/// Benchmarks act as the stack of the directories they make, whoever runs them: without this, a
/// person's own key (`~/.config/send-partnership/key`, `SEND_KEY_FILE`) would be presented to
/// services whose register does not know it, and they would refuse it. Their clients, and the
/// `sendctl` they start, then fall back to each directory's stack key.
enum BenchIdentity {
    static func actAsStack() {
        unsetenv("SEND_KEY_FILE")
        unsetenv("SEND_OPERATOR_KEY")
        let empty = "\(NSTemporaryDirectory())/send-bench-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        setenv("XDG_CONFIG_HOME", empty, 1)
    }
}

struct BenchDirectory {
    let path: String
    init(path: String) { self.path = path }
    init() throws {
        var template = Array("/tmp/spb-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw StartupError("mkdtemp failed")
        }
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }
    var directories: RuntimeDirectories { RuntimeDirectories(run: "\(path)/run", data: "\(path)/data") }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}


struct Percentiles {
    let p50: Double
    let p99: Double
    init(_ samples: [Double]) {
        let s = samples.sorted()
        p50 = s.isEmpty ? 0 : s[s.count / 2]
        p99 = s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * 0.99))]
    }
}

/// Runs a program to its end: its exit status and what it printed (standard output and error
/// together). `environment` nil: this process's own.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Microseconds of the runtime's monotonic clock, for timings.
func nowMicros() -> Double { Double(monotonicNanos()) / 1e3 }

enum Transport {
    static let payload = [UInt8](repeating: 0x61, count: 256)

    /// Publishes `messages` and returns messages per second received, with plain libzmq calls,
    /// in the same shape as `wrappedPubSub` (sender thread binds and sends; this thread receives).
    static func directPubSub(messages: Int, endpoint: String) throws -> Double {
        let ctx = RawContext()
        defer { zmq_ctx_term(ctx.pointer) }
        let ready = StopFlag()
        let done = StopFlag()
        let sender = Thread {
            let pub = zmq_socket(ctx.pointer, ZMQ_PUB)!
            var zero: Int32 = 0
            zmq_setsockopt(pub, ZMQ_SNDHWM, &zero, 4)
            zmq_setsockopt(pub, ZMQ_LINGER, &zero, 4)
            zmq_bind(pub, endpoint)
            var probe: UInt8 = 1
            while !ready.isSet { zmq_send(pub, &probe, 1, 0); usleep(1000) }
            payload.withUnsafeBytes { b in
                for _ in 0..<messages { zmq_send(pub, b.baseAddress, b.count, 0) }
            }
            while !done.isSet { usleep(1000) }
            zmq_close(pub)
        }
        sender.start()
        usleep(10_000)
        let sub = zmq_socket(ctx.pointer, ZMQ_SUB)!
        var zero: Int32 = 0
        var timeout: Int32 = 5000
        zmq_setsockopt(sub, ZMQ_RCVHWM, &zero, 4)
        zmq_setsockopt(sub, ZMQ_LINGER, &zero, 4)
        zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, 4)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, nil, 0)
        zmq_connect(sub, endpoint)
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        _ = zmq_msg_recv(&msg, sub, 0)
        zmq_msg_close(&msg)
        ready.set()
        var received = 0
        var start = 0.0
        while received < messages {
            zmq_msg_init(&msg)
            let rc = zmq_msg_recv(&msg, sub, 0)
            if rc < 0 { zmq_msg_close(&msg); break }
            let size = zmq_msg_size(&msg)
            if size == 256 {
                if received == 0 { start = nowMicros() }
                // Copy out as the wrapper does, so both sides do the same work.
                let frame = [UInt8](UnsafeRawBufferPointer(start: zmq_msg_data(&msg), count: size))
                if frame.count == 256 { received += 1 }
            }
            zmq_msg_close(&msg)
        }
        let elapsed = (nowMicros() - start) / 1e6
        done.set()
        zmq_close(sub)
        return Double(received) / elapsed
    }

    /// A raw libzmq context handed to the sender thread. `@unchecked Sendable`: zmq contexts are thread-safe.
    final class RawContext: @unchecked Sendable {
        let pointer = zmq_ctx_new()!
    }

    /// The same through the ZeroMQ wrapper.
    static func wrappedPubSub(messages: Int, endpoint: String) throws -> Double {
        let ctx = try ZeroMQ.Context()
        let sub = try Socket(ctx, .sub)
        try sub.setReceiveHighWaterMark(0)
        try sub.subscribe()
        let ready = StopFlag()
        let done = StopFlag()
        let sender = Thread {
            guard let pub = try? Socket(ctx, .pub) else { return }
            try? pub.setSendHighWaterMark(0)
            try? pub.bind(endpoint)
            while !ready.isSet { _ = try? pub.send([1]); usleep(1000) }
            for _ in 0..<messages { _ = try? pub.send(payload) }
            while !done.isSet { usleep(1000) }
            pub.close()
        }
        sender.start()
        usleep(10_000)
        try sub.connect(endpoint)
        try sub.setReceiveTimeout(5000)
        _ = try sub.receive()
        ready.set()
        // Drain probes.
        var received = 0
        var start = 0.0
        while received < messages {
            guard let frames = try sub.receive() else { break }
            if frames[0].count == 256 {
                if received == 0 { start = nowMicros() }
                received += 1
            }
        }
        let elapsed = (nowMicros() - start) / 1e6
        done.set()
        sub.close()
        return Double(received) / elapsed
    }

    /// DEALER→ROUTER echo, one request in flight; microseconds per round trip.
    static func roundTrip(iterations: Int, endpoint: String) throws -> Percentiles {
        let ctx = try ZeroMQ.Context()
        let bound = StopFlag()
        let echo = Thread {
            guard let router = try? Socket(ctx, .router) else { return }
            try? router.bind(endpoint)
            bound.set()
            try? router.setReceiveTimeout(2000)
            while let frames = try? router.receive() { _ = try? router.send(frames: frames) }
            router.close()
        }
        echo.start()
        while !bound.isSet { usleep(1000) }
        let dealer = try Socket(ctx, .dealer)
        try dealer.connect(endpoint)
        let body = Array(#"{"v":1,"id":"x","command":"health"}"#.utf8)
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for i in 0..<(iterations + 1000) {
            let t0 = nowMicros()
            try dealer.send(frames: [[], body])
            _ = try dealer.receive()
            if i >= 1000 { samples.append(nowMicros() - t0) }
        }
        dealer.close()
        return Percentiles(samples)
    }
}

enum Durable {
    struct Result {
        let rate: Double
        let p50: Double
        let p99: Double
        let requests: Int
        /// CPU the whole bench process used during the run (every client thread and libzmq's), µs.
        let processCPU: Double
    }

    /// `clients` threads, each sending `append` and waiting for its reply, for `seconds`: the old
    /// client, one `ServiceClient.call` per request (kept beside the fair client to show what it costs).
    static func throughput(directory: BenchDirectory, clients: Int, seconds: Double) throws -> Result {
        let context = try ZeroMQ.Context()
        let collected = Samples()
        let cpu0 = processCPUMicros()
        let start = nowMicros()
        let end = start + seconds * 1e6
        let threads = (0..<clients).map { _ in
            let done = StopFlag()
            let t = Thread {
                defer { done.set() }
                guard let client = try? ServiceClient(context: context, service: "bench", directories: directory.directories) else { return }
                var samples: [Double] = []
                let args: JSONValue = ["payload": .string(String(repeating: "x", count: 100))]
                while nowMicros() < end {
                    let t0 = nowMicros()
                    guard (try? client.call("append", args, timeout: 10, attempts: 1)) != nil else { break }
                    samples.append(nowMicros() - t0)
                }
                client.close()
                collected.add(samples)
            }
            t.start()
            return done
        }
        while threads.contains(where: { !$0.isSet }) { usleep(2000) }
        let elapsed = (nowMicros() - start) / 1e6
        let cpu = processCPUMicros() - cpu0
        let all = collected.all
        let p = Percentiles(all)
        return Result(rate: Double(all.count) / elapsed, p50: p.p50, p99: p.p99, requests: all.count, processCPU: cpu)
    }

    /// One client sending `perSecond` appends a second on a fixed schedule; latency of each.
    static func paced(directory: BenchDirectory, perSecond: Int, seconds: Double) throws -> Percentiles {
        let context = try ZeroMQ.Context()
        let client = try ServiceClient(context: context, service: "bench", directories: directory.directories)
        defer { client.close() }
        let interval = 1e6 / Double(perSecond)
        let count = Int(seconds * Double(perSecond))
        var samples: [Double] = []
        let args: JSONValue = ["payload": .string(String(repeating: "x", count: 100))]
        var next = nowMicros()
        for _ in 0..<count {
            while nowMicros() < next {}
            let t0 = nowMicros()
            _ = try client.call("append", args, timeout: 10, attempts: 1)
            samples.append(nowMicros() - t0)
            next += interval
        }
        return Percentiles(samples)
    }
}

/// Latency samples gathered from many threads. `@unchecked Sendable`: `values` is guarded by `lock`.
final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ more: [Double]) { lock.withLock { values += more } }
    var all: [Double] { lock.withLock { values } }
}
