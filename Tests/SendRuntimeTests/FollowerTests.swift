import Foundation
import SendModel
import Testing
import TestSupport

/// Real `send-bench serve` (publisher) and `send-bench follow` (follower) processes.
@Suite("Follower: every event exactly once, in order")
struct FollowerTests {
    static func seen(_ client: TestClient) throws -> (seqs: [Int64], failures: Int64) {
        let r = try client.call("follower", "seen")
        return ((r["seqs"]?.arrayValue ?? []).compactMap(\.intValue), r["failures"]?.intValue ?? -1)
    }

    static func append(_ client: TestClient, _ n: Int, prefix: String) throws {
        for i in 0..<n { _ = try client.call("bench", "append", ["payload": .string("\(prefix)\(i)")], id: "\(prefix)-\(i)", attempts: 3) }
    }

    @Test("a follower that starts late catches up, then follows live")
    func lateStart() throws {
        let dir = TestDirectory()
        let bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { bench.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        try Self.append(client, 300, prefix: "early")
        let follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir)
        defer { follower.stop() }
        #expect(client.waitReady("follower"))
        try Self.append(client, 200, prefix: "live")
        #expect(try waitUntil(timeout: 20) { try Self.seen(client).seqs.count >= 500 })
        let seen = try Self.seen(client)
        #expect(seen.seqs == Array(1...500))
        #expect(seen.failures == 0)
        client.close()
        dir.remove()
    }

    @Test("the publisher restarts (SIGTERM, then SIGKILL) and the follower misses nothing")
    func publisherRestarts() throws {
        let dir = TestDirectory()
        var bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        let follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir)
        defer { follower.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench") && client.waitReady("follower"))
        try Self.append(client, 100, prefix: "a")
        bench.signal(SIGTERM)
        #expect(bench.waitForExit() == 0)
        bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench2")
        #expect(client.waitReady("bench"))
        try Self.append(client, 100, prefix: "b")
        bench.signal(SIGKILL)
        bench.waitForExit()
        bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench3")
        defer { bench.stop() }
        #expect(client.waitReady("bench"))
        try Self.append(client, 100, prefix: "c")
        #expect(try waitUntil(timeout: 20) { try Self.seen(client).seqs.count >= 300 })
        let seen = try Self.seen(client)
        #expect(seen.seqs == Array(1...300))
        #expect(seen.failures == 0)
        client.close()
        dir.remove()
    }

    @Test("PUB messages dropped under a burst (high-water mark 1) are fetched: all seqs once, in order")
    func droppedMessages() throws {
        let dir = TestDirectory()
        let tiny = ["SEND_PUB_HWM": "1", "SEND_SUB_HWM": "1"]
        let bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, environment: tiny)
        defer { bench.stop() }
        let follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir, environment: tiny)
        defer { follower.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench") && client.waitReady("follower"))
        // A burst: 3,000 requests in flight at once.
        let raw = try RawDEALER(dir.run + "/bench.cmd")
        for i in 0..<3000 {
            try raw.send(Request(id: "burst-\(i)", command: "append", args: ["payload": "x"]).json.jsonBytes)
        }
        for _ in 0..<3000 { _ = try raw.receive() }
        #expect(try waitUntil(timeout: 30) { try Self.seen(client).seqs.count >= 3000 })
        let seen = try Self.seen(client)
        #expect(seen.seqs == Array(1...3000))
        #expect(seen.failures == 0)
        // The burst really did lose PUB messages, and the follower fetched them.
        let fetches = try client.call("follower", "health")["follows"]?["bench"]?["fetches"]?.intValue ?? 0
        #expect(fetches > 0)
        client.close()
        dir.remove()
    }

    @Test("a follower killed mid-stream resumes from its durable cursor without a duplicate")
    func followerKilled() throws {
        let dir = TestDirectory()
        let bench = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { bench.stop() }
        var follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir)
        let client = try TestClient(dir)
        #expect(client.waitReady("bench") && client.waitReady("follower"))
        let raw = try RawDEALER(dir.run + "/bench.cmd")
        for i in 0..<2000 { try raw.send(Request(id: "k-\(i)", command: "append", args: ["payload": "x"]).json.jsonBytes) }
        // Kill the follower while it is applying the stream.
        _ = waitUntil(timeout: 10) { ((try? Self.seen(client).seqs.count) ?? 0) > 50 }
        follower.signal(SIGKILL)
        follower.waitForExit()
        for _ in 0..<2000 { _ = try raw.receive() }
        follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir, label: "follower2")
        defer { follower.stop() }
        #expect(client.waitReady("follower"))
        #expect(try waitUntil(timeout: 30) { try Self.seen(client).seqs.count >= 2000 })
        let seen = try Self.seen(client)
        #expect(seen.seqs == Array(1...2000))
        #expect(seen.failures == 0)
        client.close()
        dir.remove()
    }
}
