import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// `sendctl subscribe --out FILE`: real processes (the bench service standing in as `board`, the
/// real `notifications`, the real `sendctl`), and real SIGKILLs of the subscriber.
@Suite("sendctl subscribe across SIGKILLs: --out exactly once, --name at least once and never a gap", .serialized)
struct SubscribeOutTests {
    typealias Rig = SubscribeTests.Rig

    /// What `sendctl notifications list --json` prints from `after`, page by page: the log as a user reads it.
    static func listed(_ dir: TestDirectory, after: Int64 = 0) throws -> [String] {
        var lines: [String] = []
        var cursor = after
        while true {
            let run = try ChildRun.run(Binaries.path("sendctl"), ["notifications", "list", "--json", "--limit", "10000",
                                                                   "--since", "\(cursor)"] + dir.flags, timeout: 30)
            #expect(run.status == 0, "\(run.output)")
            let page = run.stdout.split(separator: "\n").map(String.init)
            if page.isEmpty || run.status != 0 { return lines }
            lines += page
            cursor = try #require(try JSONValue.parse(page.last!)["seq"]?.intValue)
        }
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func seqs(_ lines: [String]) -> [Int64] {
        lines.compactMap { try? JSONValue.parse($0)["seq"]?.intValue }
    }

    @Test("SIGKILLed 25 times at random instants while notifications flow: the file holds each notification once, in order")
    func killedManyTimes() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let out = "\(rig.dir.path)/notifications.jsonl"
        let raw = try RawDEALER(rig.dir.run + "/board.cmd")
        var sent = 0
        var sub = try rig.subscribe(["--out", out], label: "sub-0")
        var runs = [sub]
        let kills = 25
        for round in 1...kills {
            // A burst in flight (the replies are read at the end), then, once this run has written some of
            // it, a kill at a random instant inside its notifications.
            let before = Self.lines(out).count
            for _ in 0..<300 {
                try raw.send(Request(id: "e\(sent)", command: "append",
                                     args: ["payload": "x", "type": "action.updated",
                                            "data": try ActionUpdated(actionID: "A-\(sent)", title: "Action \(sent)", changed: ["status"]).eventData()]).json.jsonBytes)
                sent += 1
            }
            #expect(waitUntil(timeout: 30, interval: 0.002) { Self.lines(out).count > before }, "\(sub.output)")
            usleep(UInt32.random(in: 0...20_000))  // a random instant of the stream; not a wait for readiness
            sub.signal(SIGKILL)
            #expect(sub.waitForExit() != nil)
            sub = try rig.subscribe(["--out", out], label: "sub-\(round)")
            runs.append(sub)
        }
        for _ in 0..<sent { _ = try raw.receive() }
        #expect(waitUntil(timeout: 60) { Self.seqs(Self.lines(out)).last == Int64(sent) })
        sub.signal(SIGTERM)
        #expect(sub.waitForExit() == 0, "\(sub.output)")
        let file = Self.lines(out)
        // Every line complete (the file ends with a newline), seqs 1…N with no gap or repeat, byte for byte the log.
        #expect(file.last == "")
        let body = Array(file.dropLast())
        #expect(Self.seqs(body) == Array(1...Int64(sent)))
        let log = try Self.listed(rig.dir)
        #expect(log.count == sent)
        #expect(body == log)
        // Where the kills fell: runs that resumed part-way through the stream, and torn lines cut off.
        let resumed = Set(runs.compactMap { run -> Int64? in
            guard let range = run.output.range(of: "following notifications after #") else { return nil }
            return Int64(run.output[range.upperBound...].prefix { $0.isNumber })
        }).filter { $0 > 0 }
        let torn = runs.filter { $0.output.contains("cut off a torn last line") }.count
        // Each run was killed after it had written part of the stream: each next one resumed further on.
        #expect(resumed.count == kills)
        print("subscribe --out: \(kills) SIGKILLs, \(sent) notifications; \(resumed.count) distinct resume points, \(torn) torn lines cut off")
        rig.dir.remove()
    }

    @Test("--name on standard output, SIGKILLed 20 times while notifications flow: every notification printed, in order, never a gap; repeats only where a run was killed")
    func namedKilledManyTimes() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let raw = try RawDEALER(rig.dir.run + "/board.cmd")
        var sent = 0
        var runs: [ServiceProcess] = []
        var sub = try rig.subscribe(["--name", "desk", "--from-start"], label: "named-0")
        runs.append(sub)
        let kills = 20
        for round in 1...kills {
            let printedBefore = runs.reduce(0) { $0 + SubscribeTests.printed($1).count }
            for _ in 0..<300 {
                try raw.send(Request(id: "n\(sent)", command: "append",
                                     args: ["payload": "x", "type": "action.updated",
                                            "data": try ActionUpdated(actionID: "A-\(sent)", title: "Action \(sent)", changed: ["status"]).eventData()]).json.jsonBytes)
                sent += 1
            }
            #expect(waitUntil(timeout: 30, interval: 0.002) { runs.reduce(0) { $0 + SubscribeTests.printed($1).count } > printedBefore })
            usleep(UInt32.random(in: 0...20_000))  // a random instant of the stream; not a wait for readiness
            sub.signal(SIGKILL)
            #expect(sub.waitForExit() != nil)
            sub = try rig.subscribe(["--name", "desk"], label: "named-\(round)")
            runs.append(sub)
        }
        for _ in 0..<sent { _ = try raw.receive() }
        // The last run prints the rest (nothing, if the one before it had printed all before its kill).
        #expect(waitUntil(timeout: 60) { runs.compactMap { SubscribeTests.printed($0).last?["seq"]?.intValue }.max() == Int64(sent) })
        #expect(waitUntil(timeout: 10) { sub.output.contains("following notifications") })
        sub.signal(SIGTERM)
        #expect(sub.waitForExit() == 0)
        // Each run prints a contiguous run of seqs; the next begins at or before where it stopped, plus one.
        var next: Int64 = 1
        var repeats = 0
        for run in runs {
            let seqs = SubscribeTests.printed(run).compactMap { $0["seq"]?.intValue }
            guard let first = seqs.first else { continue }
            #expect(first <= next, "a gap: a run began at #\(first) after #\(next - 1)")
            #expect(seqs == Array(first...(first + Int64(seqs.count) - 1)), "a run printed out of order")
            repeats += Int(max(0, next - first))
            next = max(next, seqs.last! + 1)
        }
        #expect(next == Int64(sent) + 1)
        print("subscribe --name: \(kills) SIGKILLs, \(sent) notifications; \(repeats) printed again after a kill")
        rig.dir.remove()
    }

    @Test("a torn last line is cut off and written again; --name and a --since past the file are refused (exit 64); one writer per file (exit 75)")
    func tornLineAndUsage() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let out = "\(rig.dir.path)/n.jsonl"
        for n in 1...3 { try rig.emit("updated", n) }
        let first = try rig.subscribe(["--out", out], label: "first")
        // An empty file starts from the first notification.
        #expect(waitUntil(timeout: 10) { Self.seqs(Self.lines(out)) == [1, 2, 3] })
        first.signal(SIGINT)
        #expect(first.waitForExit() == 0)
        // A crash in the middle of a line: half of the next one, no newline.
        let torn = "{\"v\":1,\"source\":\"notifications\",\"seq\":4,\"ty"
        let handle = try #require(FileHandle(forWritingAtPath: out))
        handle.seekToEndOfFile()
        handle.write(Data(torn.utf8))
        try handle.close()
        for n in 4...5 { try rig.emit("updated", n) }
        let second = try rig.subscribe(["--out", out], label: "second")
        #expect(waitUntil(timeout: 10) { Self.seqs(Self.lines(out)) == [1, 2, 3, 4, 5] })
        #expect(second.output.contains("cut off a torn last line"), "\(second.output)")
        second.signal(SIGINT)
        #expect(second.waitForExit() == 0)
        #expect(Array(Self.lines(out).dropLast()) == (try Self.listed(rig.dir)))

        let both = try ChildRun.run(Binaries.path("sendctl"), ["subscribe", "--out", out, "--name", "desk"] + rig.dir.flags, timeout: 10)
        #expect(both.status == 64)
        #expect(both.stderr.contains("--out or --name"), "\(both.output)")
        // One writer per file: a second subscriber on it is refused while the first runs.
        let holder = try rig.subscribe(["--out", out], label: "holder")
        #expect(waitUntil(timeout: 10) { holder.output.contains("following notifications") })
        let second2 = try ChildRun.run(Binaries.path("sendctl"), ["subscribe", "--out", out] + rig.dir.flags, timeout: 10)
        #expect(second2.status == 75)
        #expect(second2.stderr.contains("another `sendctl subscribe --out` is writing to"), "\(second2.output)")
        holder.signal(SIGINT)
        #expect(holder.waitForExit() == 0)
        let past = try ChildRun.run(Binaries.path("sendctl"), ["subscribe", "--out", out, "--since", "9"] + rig.dir.flags, timeout: 10)
        #expect(past.status == 64)
        #expect(past.stderr.contains("ends at notification #5"), "\(past.output)")
        rig.dir.remove()
    }

    @Test("with a filter the file holds the matching notifications, and a restart resumes exactly")
    func filtered() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let out = "\(rig.dir.path)/urgent.jsonl"
        try rig.emit("overdue", 1)
        try rig.emit("updated", 2)
        let first = try rig.subscribe(["--out", out, "--severity", "urgent"], label: "first")
        #expect(waitUntil(timeout: 10) { Self.seqs(Self.lines(out)) == [1] })
        first.signal(SIGKILL)
        #expect(first.waitForExit() != nil)
        try rig.emit("updated", 3)
        try rig.emit("overdue", 4)
        let second = try rig.subscribe(["--out", out, "--severity", "urgent"], label: "second")
        #expect(waitUntil(timeout: 10) { Self.seqs(Self.lines(out)) == [1, 4] })
        second.signal(SIGINT)
        #expect(second.waitForExit() == 0)
        rig.dir.remove()
    }
}
