import Foundation
import SendModel
import Testing
import TestSupport

@Suite("SIGKILL loses nothing acknowledged")
struct CrashTests {
    @Test("a service killed in the middle of a stream of acknowledged commands loses none of them; its follower sees every one")
    func killMidStream() throws {
        let dir = TestDirectory()
        let bench = Box(try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir))
        let follower = try ServiceProcess("send-bench", ["follow"] + dir.flags, directory: dir)
        defer { follower.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench") && client.waitReady("follower"))

        // Kill the service twice while the stream runs, restarting it each time.
        let acknowledged = Counter()
        let kills = Counter()
        let killer = Thread {
            for round in 0..<2 {
                // Not reached in time: the test body's check on `kills` reports it.
                if !waitUntil(timeout: 60, interval: 0.001, { acknowledged.value >= 150 * (round + 1) }) { break }
                bench.value.signal(SIGKILL)
                bench.value.waitForExit()
                usleep(100_000)  // down for a moment, as a crash is: the client's retries meet no service
                bench.value = try! ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-\(round)")
                kills.increment()
            }
        }
        killer.start()
        var acked: [Int64] = []
        for i in 0..<500 {
            let request = Request(id: "s-\(i)", command: "append", args: ["payload": .string("p\(i)")])
            // Retry under the same id until acknowledged: the service may be down for a moment.
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let reply = try? client.send("bench", request, timeout: 0.5), case .success(let r) = reply.outcome {
                    acked.append(r["item_id"]!.intValue!)
                    acknowledged.increment()
                    break
                }
            }
        }
        defer { bench.value.stop() }
        #expect(acked.count == 500)
        #expect(waitUntil(timeout: 10) { kills.value == 2 }, "the service was killed \(kills.value) of 2 times while the writes ran")
        #expect(client.waitReady("bench"))
        let ids = (try client.call("bench", "ids")["ids"]?.arrayValue ?? []).compactMap(\.intValue)
        #expect(Set(acked).isSubset(of: Set(ids)))
        #expect(ids.count == 500)  // each retried id applied once
        let events = try client.allEvents("bench")
        #expect(events.map(\.seq) == Array(1...500))
        #expect(try waitUntil(timeout: 20) { try FollowerTests.seen(client).seqs.count >= 500 })
        #expect(try FollowerTests.seen(client).seqs == Array(1...500))
        client.close()
        dir.remove()
    }
}

/// A value shared between the test body and a helper thread. `@unchecked Sendable`: guarded by `lock`.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ v: T) { stored = v }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.withLock { n } }
    func increment() { lock.withLock { n += 1 } }
}
