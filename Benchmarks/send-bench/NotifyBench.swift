import Foundation
import GRDB
import SendModel
import SendRuntime
import ZeroMQ

/// Issue 6's figures: reply → notification printed by `sendctl subscribe` (p50/p99 at 1,000 updates
/// a second), a subscriber's catch-up rate over 1,000,000 notifications, and sustained producer →
/// subscriber throughput. Real processes: a bench service standing in as the board, the real
/// `notifications` service, and the real `sendctl subscribe --json`.
enum NotifyBench {
    struct Figures {
        var p50 = 0.0, p99 = 0.0, catchUpRate = 0.0, sustained = 0.0
    }

    static func run(directory: BenchDirectory, catchUp: Int, seconds: Double) throws -> Figures {
        let dirs = directory.directories
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let flags = ["--run-dir", dirs.run, "--data-dir", dirs.data]
        let board = try ServiceChild("send-bench", arguments: ["serve", "--name", "board"], service: "board", directories: dirs)
        defer { board.stop() }
        var notifications = try ServiceChild("notifications", service: ServiceName.notifications, directories: dirs)
        defer { notifications.stop() }
        let context = try ZeroMQ.Context()
        var figures = Figures()

        // 1. Latency at 1,000 updates a second.
        do {
            let sub = try Subscriber("\(bin)/sendctl", ["subscribe", "--json", "--since", "0"] + flags)
            defer { sub.stop() }
            try sub.waitStarted()
            let client = try ServiceClient(context: context, service: "board", directories: dirs)
            defer { client.close() }
            let count = Int(seconds * 1000)
            var replied = [Double](repeating: 0, count: count + 1)
            var next = nowMicros()
            for i in 1...count {
                while nowMicros() < next {}
                let r = try client.call("append", update(i), timeout: 10, attempts: 1)
                replied[Int(r["item_id"]!.intValue!)] = nowMicros()
                next += 1000
            }
            let seen = try sub.waitFor(count: count)
            var samples: [Double] = []
            for (sourceSeq, at) in seen where sourceSeq >= 1 && sourceSeq <= count { samples.append(max(0, at - replied[sourceSeq])) }
            let p = Percentiles(samples)
            figures.p50 = p.p50
            figures.p99 = p.p99
        }

        // 2. Sustained: a burst of updates from 4 pipelined producers, until the subscriber has printed them all.
        do {
            let before = try ServiceClient(context: context, service: "notifications", directories: dirs).call("health")["last_seq"]!.intValue!
            let sub = try Subscriber("\(bin)/sendctl", ["subscribe", "--json", "--since", "\(before)"] + flags)
            defer { sub.stop() }
            try sub.waitStarted()
            let total = 40_000
            let start = nowMicros()
            let producers = (0..<4).map { p in
                let done = StopFlag()
                Thread {
                    defer { done.set() }
                    guard let dealer = try? Socket(context, .dealer) else { return }
                    if let endpoint = try? dirs.commandEndpoint("board") { try? dealer.connect(endpoint) }
                    let n = total / 4
                    var inFlight = 0, sent = 0, received = 0
                    while received < n {
                        while inFlight < 64 && sent < n {
                            let body = Request(id: "s\(p)-\(sent)", command: "append", args: update(p * n + sent)).json.jsonBytes
                            _ = try? dealer.send(frames: [[], body])
                            sent += 1
                            inFlight += 1
                        }
                        if (try? dealer.receive()) != nil { received += 1; inFlight -= 1 }
                    }
                    dealer.close()
                }.start()
                return done
            }
            _ = try sub.waitFor(count: total)
            figures.sustained = Double(total) / ((nowMicros() - start) / 1e6)
            while producers.contains(where: { !$0.isSet }) { usleep(1000) }
        }

        // 3. Catch-up: a log of `catchUp` notifications replayed from the start.
        do {
            notifications.stop()
            let last = try seedNotifications(path: dirs.databasePath("notifications"), upTo: Int64(catchUp))
            notifications = try ServiceChild("notifications", service: ServiceName.notifications, directories: dirs)
            let start = nowMicros()
            let sub = try Subscriber("\(bin)/sendctl", ["subscribe", "--json", "--from-start"] + flags, keepLines: false)
            defer { sub.stop() }
            _ = try sub.waitFor(count: Int(last), timeout: 600)
            figures.catchUpRate = Double(last) / ((nowMicros() - start) / 1e6)
        }
        return figures
    }

    /// An `append` that makes the stand-in board emit `action.updated` with the board's payload.
    static func update(_ i: Int) -> JSONValue {
        // Always encodes; were it ever not to, notifications would refuse the null data loudly, not invent a value.
        let data = (try? ActionUpdated(actionID: "A-\(i)", title: "Action \(i)", changed: ["status"]).eventData()) ?? .null
        return ["payload": "x", "type": "action.updated", "data": data]
    }

    /// Appends notification events to a stopped service's log until it holds `upTo`, in one transaction.
    static func seedNotifications(path: String, upTo: Int64) throws -> Int64 {
        let queue = try DatabaseQueue(path: path)
        return try queue.write { db in
            var seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM send_events") ?? 0
            let at = Timestamp.now().description
            let statement = try db.makeStatement(sql: "INSERT INTO send_events(seq, type, at, body) VALUES (?, ?, ?, ?)")
            while seq < upTo {
                seq += 1
                let data = try NotificationPayload(audience: [.board], severity: .info, title: "Action updated: A-\(seq)",
                                                   text: "A-\(seq) changed: status.", subject: .init(kind: "action", id: "A-\(seq)"),
                                                   source: .init(service: "board", seq: seq, type: "action.updated")).eventData()
                let body = Event.encode(source: "notifications", seq: seq, type: "action.updated", at: at, data: data)
                try statement.execute(arguments: [seq, "action.updated", at, String(decoding: body, as: UTF8.self)])
            }
            return seq
        }
    }

}


/// `sendctl subscribe --json` with its output read line by line, each line timestamped as it arrives.
/// `@unchecked Sendable`: `seen` and `lines` are guarded by `lock`.
final class Subscriber: @unchecked Sendable {
    let process: Process
    let pipe = Pipe()
    let errors = Pipe()
    private let lock = NSLock()
    private var seen: [(Int, Double)] = []
    private var lines = 0
    private var started = false
    let keepLines: Bool

    init(_ path: String, _ arguments: [String], keepLines: Bool = true) throws {
        self.keepLines = keepLines
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = errors
        self.process = process
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            var pending: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                if !self.keepLines {
                    // Only counted: the reader must cost little beside the subscriber it measures.
                    let count = data.withUnsafeBytes { raw in raw.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
                    lock.withLock { lines += count }
                    continue
                }
                let at = nowMicros()
                pending.append(contentsOf: data)
                var start = 0
                var batch: [(Int, Double)] = []
                var count = 0
                while let nl = pending[start...].firstIndex(of: 0x0A) {
                    if self.keepLines, let v = try? JSONValue.parse(pending[start..<nl]), let s = v["data"]?["source"]?["seq"]?.intValue {
                        batch.append((Int(s), at))
                    }
                    count += 1
                    start = nl + 1
                }
                pending.removeFirst(start)
                lock.withLock {
                    seen += batch
                    lines += count
                }
            }
        }.start()
        let errHandle = errors.fileHandleForReading
        Thread { [self] in
            while true {
                let data = errHandle.availableData
                if data.isEmpty { return }
                if String(decoding: data, as: UTF8.self).contains("following notifications") { lock.withLock { started = true } }
            }
        }.start()
    }

    func waitStarted() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline { if lock.withLock({ started }) { return }; usleep(1000) }
        throw StartupError("the subscriber did not start")
    }

    func waitFor(count: Int, timeout: Double = 120) throws -> [(Int, Double)] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if lock.withLock({ lines >= count }) { return lock.withLock { seen } }
            usleep(200)
        }
        throw StartupError("the subscriber printed \(lock.withLock { lines }) of \(count) notifications")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
