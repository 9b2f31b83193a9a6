import Foundation
import SendModel
import Testing
import TestSupport

/// A source's log has an identity (its incarnation): a follower calls the log replaced only when that
/// changes. A frozen follower's stale heartbeats are nothing; a database made afresh is a clear stop.
/// Real processes: `send-bench serve` as findings, `send-bench follow` as board.
@Suite("The log's identity: a freeze is nothing, a replaced log is a clear stop", .serialized)
struct IncarnationTests {
    static func seen(_ client: TestClient) throws -> [Int64] {
        (try client.call("board", "seen")["seqs"]?.arrayValue ?? []).compactMap(\.intValue)
    }

    static func append(_ client: TestClient, _ count: Int, from first: Int = 0) throws {
        for i in first..<(first + count) {
            _ = try client.call("findings", "append", ["payload": .string("p\(i)")], attempts: 3)
        }
    }

    @Test("a follower frozen (SIGSTOP) while its source goes on, then continued: everything applied once, in order, and no word of a replaced log")
    func freezeIsNotAReplacement() throws {
        let dir = TestDirectory()
        let findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        let board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        defer { board.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for service in ["findings", "board"] { try #require(client.waitReady(service), "\(service) did not start") }

        try Self.append(client, 20)
        try #require(waitUntil(timeout: 20) { (try? Self.seen(client))?.count == 20 }, "board did not follow:\n\(board.output)")

        board.signal(SIGSTOP)
        try Self.append(client, 30, from: 20)
        // Let heartbeats queue behind the events while it is frozen (findings publishes one a second).
        let frozenSince = try #require(client.call("findings", "health")["uptime_ms"]?.intValue)
        #expect(waitUntil(timeout: 10, interval: 0.1) {
            ((try? client.call("findings", "health"))?["uptime_ms"]?.intValue ?? 0) >= frozenSince + 3500
        })
        board.signal(SIGCONT)

        try #require(waitUntil(timeout: 20) { (try? Self.seen(client))?.count == 50 }, "board did not catch up:\n\(board.output)")
        #expect(try Self.seen(client) == Array(1...50))
        #expect(waitUntil(timeout: 10) { (try? client.call("board", "health"))?["status"]?.stringValue == "ready" })
        let log = board.output
        #expect(!log.contains("replaced") && !log.contains("below our cursor"), "a freeze was taken for a replaced log:\n\(log)")
        dir.remove()
    }

    @Test("the source's database made afresh: the follower stops, health says the log was replaced, one follower.stalled, nothing of the new log applied — also after a restart")
    func replacedLogStopsTheFollower() throws {
        let dir = TestDirectory()
        var findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        var board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        defer { board.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for service in ["findings", "board"] { try #require(client.waitReady(service), "\(service) did not start") }
        try Self.append(client, 5)
        try #require(waitUntil(timeout: 20) { (try? Self.seen(client))?.count == 5 }, "board did not follow:\n\(board.output)")
        let before = try #require(client.call("findings", "events.since", ["after": 0])["incarnation"]?.stringValue)
        #expect(before.count == 16)

        // A lost disk: findings starts again on an empty data file, so its log starts again at seq 1.
        findings.stop()
        let database = dir.directories.databasePath("findings")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        try #require(client.waitReady("findings"), "findings did not start again")
        let after = try #require(client.call("findings", "events.since", ["after": 0])["incarnation"]?.stringValue)
        #expect(after != before)
        try Self.append(client, 7, from: 100)

        try #require(waitUntil(timeout: 20) { (try? client.call("board", "health"))?["status"]?.stringValue == "degraded" },
                     "board never said degraded:\n\(board.output)")
        let health = try ChildRun.run(Binaries.path("sendctl"), ["health", "board"] + dir.flags, timeout: 60)
        #expect(health.stdout.contains("findings's log was replaced (its identity is \(after), the cursor 5 counts in \(before))"),
                "\(health.stdout)\(health.stderr)")
        #expect(try Self.seen(client) == Array(1...5), "events of the new log were applied")

        // Restarted, it finds the same replacement: still stopped, no second event.
        board.stop()
        board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        try #require(client.waitReady("board"), "board did not start again")
        try #require(waitUntil(timeout: 20) { (try? client.call("board", "health"))?["status"]?.stringValue == "degraded" },
                     "board forgot the replacement:\n\(board.output)")
        #expect(try Self.seen(client) == Array(1...5))
        let stalls = try client.allEvents("board").filter { $0.type == EventType.followerStalled }
        #expect(stalls.count == 1)
        let stall = try #require(stalls.first).decode(as: FollowerStalled.self)
        #expect(stall.type == nil && stall.seq == 6 && stall.source == "findings")
        dir.remove()
    }

    @Test("an operator accepts the replaced log: wrong identity, no choice and a follower not stopped are refused changing nothing; --from-end applies only what comes next, once, in order; follower.accepted is stored and health is ready")
    func operatorAcceptsTheReplacedLog() throws {
        let dir = TestDirectory()
        var findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        var board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        defer { board.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for service in ["findings", "board"] { try #require(client.waitReady(service), "\(service) did not start") }
        try Self.append(client, 5)
        try #require(waitUntil(timeout: 20) { (try? Self.seen(client))?.count == 5 }, "board did not follow:\n\(board.output)")
        let before = try #require(client.call("findings", "events.since", ["after": 0])["incarnation"]?.stringValue)
        func sendctl(_ arguments: [String]) throws -> ChildRun { try ChildRun.run(Binaries.path("sendctl"), arguments + dir.flags, timeout: 60) }

        // Accepting when nothing was replaced is refused.
        let early = try sendctl(["followers", "accept", "board", "findings", "--identity", before, "--from-end"])
        #expect(early.status != 0 && early.stderr.contains("board's follower of findings is not stopped on a replaced log; nothing changed"),
                "\(early.status): \(early.stdout)\(early.stderr)")

        // Findings loses its disk while board is down, and takes 7 writes in its new log before board is back.
        board.stop()
        findings.stop()
        let database = dir.directories.databasePath("findings")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        try #require(client.waitReady("findings"), "findings did not start again")
        let after = try #require(client.call("findings", "events.since", ["after": 0])["incarnation"]?.stringValue)
        try Self.append(client, 7, from: 100)
        board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        try #require(waitUntil(timeout: 20) { (try? client.call("board", "health"))?["status"]?.stringValue == "degraded" },
                     "board never said degraded:\n\(board.output)")
        let health = try sendctl(["health", "board"])
        #expect(health.stdout.contains("sendctl followers accept board findings --identity \(after) --from-start, or --from-end"), "\(health.stdout)\(health.stderr)")

        // The old identity, or no choice of where to begin: refused, nothing changed.
        let wrong = try sendctl(["followers", "accept", "board", "findings", "--identity", before, "--from-end"])
        #expect(wrong.status != 0 && wrong.stderr.contains("findings's log is now \(after), not \(before); nothing changed"), "\(wrong.stdout)\(wrong.stderr)")
        let unsaid = try sendctl(["followers", "accept", "board", "findings", "--identity", after])
        #expect(unsaid.status == 64 && unsaid.stderr.contains("--from-start or --from-end"), "\(unsaid.status): \(unsaid.stderr)")
        #expect(try Self.seen(client) == Array(1...5))
        #expect((try client.call("board", "health"))["status"]?.stringValue == "degraded")

        let accepted = try sendctl(["followers", "accept", "board", "findings", "--identity", after, "--from-end"])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout.contains("board follows findings's log \(after) now, after its event #7"), "\(accepted.stdout)")
        #expect(waitUntil(timeout: 10) { (try? client.call("board", "health"))?["status"]?.stringValue == "ready" }, "board stayed degraded:\n\(board.output)")
        // What the new log holds was not applied; what comes next is, once, in order.
        try Self.append(client, 3, from: 200)
        #expect(waitUntil(timeout: 20) { (try? Self.seen(client)) == Array(1...5) + Array(8...10) }, "board saw \((try? Self.seen(client)) ?? [])")
        let events = try client.allEvents("board")
        let acceptance = try #require(events.first { $0.type == EventType.followerAccepted }).decode(as: FollowerAccepted.self)
        #expect(acceptance == FollowerAccepted(service: "board", source: "findings", incarnation: after, previous: before, cursor: 7))
        #expect(events.filter { $0.type == EventType.followerAccepted }.count == 1)
        dir.remove()
    }
}
