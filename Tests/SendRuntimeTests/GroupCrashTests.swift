import Foundation
import SendModel
import Testing
import TestSupport

/// Real `send-bench serve` processes killed with SIGKILL while a group commit is in flight: once
/// in a group run the fast way (no savepoints) and once in a group re-run the careful way (one of
/// its requests failed, so the writer rolled the fast attempt back and runs each in a savepoint).
/// The bench's `append` takes `hold`: on the given run of its handler (counted per process and
/// request id) it creates a marker file and sleeps, after its own writes, so the test knows the
/// service is inside that group when it kills it.
@Suite("SIGKILL in the middle of a group commit loses nothing acknowledged")
struct GroupCrashTests {
    static let clients = 8

    @Test("killed inside a fast-path group and inside a re-run group: every acknowledged request exactly once")
    func killMidGroup() throws {
        let dir = TestDirectory()
        let bench = Box(try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir))
        defer { bench.value.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))

        let ledger = Ledger()
        let stop = Box(false)
        let workers = (0..<Self.clients).map { k in
            let done = Box(false)
            return (Thread { Self.work(k, dir: dir, ledger: ledger, stop: stop); done.value = true }, done)
        }
        for (t, _) in workers { t.start() }

        // Once every client has finished a request it began in a quiet phase, only fresh appends are
        // in flight: the next group with a held request runs the fast way.
        func quietly() throws {
            let generation = ledger.quiet()
            try #require(waitUntil(timeout: 60) { ledger.allPast(generation, clients: Self.clients) },
                         "every client finished a request in the quiet phase")
        }
        func killWhileHeld(_ id: String, hold: JSONValue, label: String) throws {
            let marker = hold["marker"]?.stringValue ?? ""
            let sender = Thread { Self.sendUntilAcknowledged(Request(id: id, command: "append", args: ["payload": .string(id), "hold": hold]),
                                                             dir: dir, ledger: ledger) }
            sender.start()
            try #require(waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: marker) },
                         "the service reached the held request of the \(label) group")
            bench.value.signal(SIGKILL)
            bench.value.waitForExit()
            bench.value = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-\(label)")
            ledger.normal()
            try #require(waitUntil(timeout: 60) { ledger.acknowledged(id) }, "the held request \(id) was acknowledged after the restart")
        }

        try #require(waitUntil(timeout: 60) { ledger.count >= 150 })
        try quietly()
        try killWhileHeld("hold-fast", hold: ["marker": .string("\(dir.path)/held-fast"), "run": 1], label: "fast")
        let afterFirst = ledger.count
        try #require(waitUntil(timeout: 60) { ledger.count >= afterFirst + 150 })
        try quietly()
        // Fails on its first run (the fast attempt), so the group is rolled back and re-run; held on its second.
        try killWhileHeld("hold-careful", hold: ["marker": .string("\(dir.path)/held-careful"), "run": 2, "fail_first": true],
                          label: "careful")
        let afterSecond = ledger.count
        try #require(waitUntil(timeout: 60) { ledger.count >= afterSecond + 150 })
        stop.value = true
        #expect(waitUntil(timeout: 60) { workers.allSatisfy { $0.1.value } })

        let (replies, appends, problems) = ledger.snapshot()
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(replies["hold-fast"] != nil && replies["hold-careful"] != nil)
        #expect(client.waitReady("bench"))
        let ids = (try client.call("bench", "ids")["ids"]?.arrayValue ?? []).compactMap(\.intValue)
        let acknowledgedItems = appends.values.sorted()
        // Each acknowledged append applied exactly once: its item is there, no item without its request.
        #expect(Set(acknowledgedItems).count == acknowledgedItems.count, "two requests acknowledged with one item")
        #expect(ids == acknowledgedItems)
        let events = try client.allEvents("bench")
        #expect(events.map(\.seq) == Array(1...Int64(ids.count)))
        #expect(events.compactMap { $0.data["item_id"]?.intValue } == ids)
        // A retry of any acknowledged request, after the kills, returns its stored reply and does nothing.
        var differing: [String] = []
        for (id, (request, reply)) in replies {
            let again = try client.send("bench", request, timeout: 10)
            if again != reply { differing.append(id) }
        }
        #expect(differing.isEmpty, "replies to retries differ: \(differing.prefix(5))")
        #expect(try client.call("bench", "count")["count"]?.intValue == Int64(ids.count))
        client.close()
        dir.remove()
    }

    /// One client: appends, with a failing command and a retry of an acknowledged id in between
    /// (each forces its group to be re-run the careful way), except in quiet phases: fresh appends only.
    static func work(_ k: Int, dir: TestDirectory, ledger: Ledger, stop: Box<Bool>) {
        var mine: [Request] = []
        var i = 0
        while !stop.value {
            let generation = ledger.generation
            let request: Request
            if generation.quiet || i % 5 == 0 || mine.isEmpty {
                request = Request(id: "c\(k)-\(i)", command: "append", args: ["payload": .string("c\(k)-\(i)")])
            } else if i % 5 == 2 {
                request = Request(id: "c\(k)-\(i)", command: "fail")
            } else if i % 5 == 4 {
                request = mine[(i * 7919) % mine.count]
            } else {
                request = Request(id: "c\(k)-\(i)", command: "append", args: ["payload": .string("c\(k)-\(i)")])
            }
            if sendUntilAcknowledged(request, dir: dir, ledger: ledger) { mine.append(request) }
            ledger.progressed(k, generation: generation.number)
            i += 1
        }
    }

    /// Sends under the same id until a reply comes (the service may be held or down), then
    /// records it; false when none came in time.
    @discardableResult
    static func sendUntilAcknowledged(_ request: Request, dir: TestDirectory, ledger: Ledger) -> Bool {
        do {
            let client = try TestClient(dir)
            defer { client.close() }
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if let reply = try? client.send("bench", request, timeout: 1) {
                    ledger.record(request, reply)
                    return true
                }
            }
            ledger.problem("\(request.id): no reply in 120 s")
        } catch {
            ledger.problem("\(request.id): \(error)")
        }
        return false
    }
}

/// What the clients were told, shared by their threads. `@unchecked Sendable`: guarded by `lock`.
final class Ledger: @unchecked Sendable {
    struct Generation { var number: Int; var quiet: Bool }
    private let lock = NSLock()
    private var replies: [String: (Request, Reply)] = [:]
    private var appends: [String: Int64] = [:]
    private var problems: [String] = []
    private var current = Generation(number: 0, quiet: false)
    private var progress: [Int: Int] = [:]

    var count: Int { lock.withLock { replies.count } }
    var generation: Generation { lock.withLock { current } }
    func acknowledged(_ id: String) -> Bool { lock.withLock { replies[id] != nil } }

    func quiet() -> Int { lock.withLock { current = Generation(number: current.number + 1, quiet: true); return current.number } }
    func normal() { lock.withLock { current = Generation(number: current.number + 1, quiet: false) } }
    func progressed(_ k: Int, generation: Int) { lock.withLock { progress[k] = max(progress[k] ?? 0, generation) } }
    func allPast(_ generation: Int, clients: Int) -> Bool {
        lock.withLock { (0..<clients).allSatisfy { (progress[$0] ?? -1) >= generation } }
    }

    func problem(_ text: String) { lock.withLock { problems.append(text) } }

    /// A reply to a request: the first one is kept; a later reply to the same id must be identical.
    func record(_ request: Request, _ reply: Reply) {
        lock.withLock {
            if let (_, first) = replies[request.id] {
                if first != reply { problems.append("\(request.id): a repeat got another reply") }
                return
            }
            replies[request.id] = (request, reply)
            switch (request.command, reply.outcome) {
            case ("append", .success(let result)):
                if let item = result["item_id"]?.intValue { appends[request.id] = item }
                else { problems.append("\(request.id): no item_id") }
            case ("fail", .failure(let error)) where error.code == .invalid:
                break
            default:
                problems.append("\(request.id): unexpected reply \(reply)")
            }
        }
    }

    func snapshot() -> (replies: [String: (Request, Reply)], appends: [String: Int64], problems: [String]) {
        lock.withLock { (replies, appends, problems) }
    }
}
