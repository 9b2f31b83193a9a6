import Foundation
import GRDB
import SendModel
import Testing
import TestSupport

/// A follower that cannot apply an event stops there — nothing skipped — says so in `health`,
/// `sendctl health` and an urgent notification, and resumes once the cause is gone.
/// Real processes: `send-bench serve` as findings, `send-bench follow` as board, the real notifications service.
@Suite("Follower stall: stops at the event, degraded, notified, resumes with nothing skipped")
struct FollowerStallTests {
    static func sendctl(_ arguments: [String], _ dir: TestDirectory) throws -> (status: Int32, out: String, err: String) {
        let run = try ChildRun.run(Binaries.path("sendctl"), arguments + dir.flags, timeout: 60)
        return (run.status, run.stdout, run.stderr)
    }

    static func seen(_ client: TestClient) throws -> [Int64] {
        (try client.call("board", "seen")["seqs"]?.arrayValue ?? []).compactMap(\.intValue)
    }

    @Test("a refused event: health degraded naming the source, the event and the reason; an urgent notification; then recovery, in order")
    func refusedEventStallsThenResumes() throws {
        let dir = TestDirectory()
        let findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        let board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", "findings"] + dir.flags, directory: dir)
        defer { board.stop() }
        let notifications = try ServiceProcess("notifications", dir.flags, directory: dir)
        defer { notifications.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for service in ["findings", "board", "notifications"] { try #require(client.waitReady(service), "\(service) did not start") }

        _ = try client.call("board", "refuse", ["type": "bench.poison"])
        for (i, type) in ["bench.appended", "bench.appended", "bench.poison", "bench.appended", "bench.appended"].enumerated() {
            _ = try client.call("findings", "append", ["payload": .string("p\(i)"), "type": .string(type)], attempts: 3)
        }
        // It stops before #3 and applies nothing after it.
        try #require(waitUntil(timeout: 20) { (try? client.call("board", "health"))?["status"]?.stringValue == "degraded" },
                     "board never said degraded:\n\(board.output)")
        #expect(try Self.seen(client) == [1, 2])

        let health = try Self.sendctl(["health", "board"], dir)
        #expect(health.status == 0, "\(health.err)")
        #expect(health.out.contains("board: degraded"), "\(health.out)")
        #expect(health.out.contains("board degraded: its follower of findings has stopped before findings#3 (bench.poison): "
            + "conflict: this follower refuses bench.poison events"), "\(health.out)")
        let json = try JSONValue.parse(try Self.sendctl(["health", "board", "--json"], dir).out)
        #expect(json["degraded"]?.arrayValue?.first?["source"]?.stringValue == "findings")
        #expect(json["degraded"]?.arrayValue?.first?["seq"]?.intValue == 3)

        // One urgent notification for operators, however often the follower retries.
        try #require(waitUntil(timeout: 20) {
            (try? Self.sendctl(["notifications", "list", "--severity", "urgent"], dir).out)?
                .contains("board has stopped applying findings's events") == true
        }, "no urgent notification:\n\(notifications.output)")

        // The cause removed: it applies #3 and the rest, in order, each once, and says so.
        _ = try client.call("board", "accept", ["type": "bench.poison"])
        try #require(waitUntil(timeout: 20) { ((try? Self.seen(client)) ?? []).count >= 5 }, "board did not resume:\n\(board.output)")
        #expect(try Self.seen(client) == [1, 2, 3, 4, 5])
        #expect(waitUntil(timeout: 10) { (try? client.call("board", "health"))?["status"]?.stringValue == "ready" })
        let after = try Self.sendctl(["health", "board"], dir)
        #expect(after.out.contains("board: ready"), "\(after.out)")
        #expect(!after.out.contains("degraded"), "\(after.out)")
        try #require(waitUntil(timeout: 20) {
            (try? Self.sendctl(["notifications", "list"], dir).out)?.contains("board applies findings's events again") == true
        })
        let list = try Self.sendctl(["notifications", "list"], dir).out
        #expect(list.components(separatedBy: "board has stopped applying").count == 2, "one stall notification:\n\(list)")
        let boardEvents = try client.allEvents("board").map(\.type)
        #expect(boardEvents == [EventType.followerStalled, EventType.followerResumed])
        dir.remove()
    }

    @Test("the notifications service's own follower stalls on a database error: it still notifies, and recovers once the cause is gone")
    func notificationsOwnFollower() throws {
        let dir = TestDirectory()
        let findings = try ServiceProcess("send-bench", ["serve", "--name", "findings"] + dir.flags, directory: dir)
        defer { findings.stop() }
        let notifications = try ServiceProcess("notifications", dir.flags, directory: dir)
        defer { notifications.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        for service in ["findings", "notifications"] { try #require(client.waitReady(service), "\(service) did not start") }
        // A database error on demand: a trigger refuses what notifications records for an inspection.
        let db = try DatabaseQueue(path: dir.directories.databasePath("notifications"))
        try db.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_deadlines BEFORE INSERT ON deadlines BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END")
        }
        let inspection: JSONValue = ["inspection_id": "INS-1", "local_area": "Testshire", "framework": "2016", "outcome": "wsoa_required", "published": "2026-01-05",
                                     "deadlines": ["wsoa_due": "2026-04-20"]]
        _ = try client.call("findings", "append", ["payload": "i", "type": .string(EventType.inspectionRecorded), "data": inspection])
        try #require(waitUntil(timeout: 20) {
            (try? Self.sendctl(["notifications", "list", "--severity", "urgent"], dir).out)?
                .contains("notifications has stopped applying findings's events") == true
        }, "no urgent notification:\n\(notifications.output)")
        let health = try Self.sendctl(["health", "notifications"], dir)
        #expect(health.out.contains("notifications degraded: its follower of findings has stopped before findings#1 (inspection.recorded)"), "\(health.out)")
        #expect(health.out.contains("refused by a test trigger"), "\(health.out)")

        try db.write { db in try db.execute(sql: "DROP TRIGGER refuse_deadlines") }
        try #require(waitUntil(timeout: 20) {
            (try? Self.sendctl(["notifications", "list"], dir).out)?.contains("Inspection recorded: Testshire") == true
        }, "the inspection was not applied after the cause was removed:\n\(notifications.output)")
        let list = try Self.sendctl(["notifications", "list"], dir).out
        #expect(list.contains("notifications applies findings's events again"), "\(list)")
        #expect(waitUntil(timeout: 10) { (try? client.call("notifications", "health"))?["status"]?.stringValue == "ready" })
        dir.remove()
    }

    @Test("a follower whose thread ends is degraded too, with one follower.stalled, and is started again")
    func followerThreadEnds() throws {
        let dir = TestDirectory()
        // A source whose socket path is longer than a Unix socket allows: the follower's thread cannot set up and ends.
        let source = String(repeating: "s", count: 110)
        let board = try ServiceProcess("send-bench", ["follow", "--name", "board", "--source", source] + dir.flags, directory: dir)
        defer { board.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        try #require(client.waitReady("board"), "board did not start:\n\(board.output)")
        try #require(waitUntil(timeout: 20) { (try? client.call("board", "health"))?["status"]?.stringValue == "degraded" })
        let health = try Self.sendctl(["health", "board"], dir)
        #expect(health.out.contains("board degraded: its follower of \(source) has stopped before \(source)#1: its thread ended: "
            + "the socket path"), "\(health.out)")
        let stalled = try client.allEvents("board").filter { $0.type == EventType.followerStalled }
        #expect(stalled.count == 1)
        #expect(stalled.first?.data["type"] == nil, "no event was read, so none is named")
        #expect(board.isRunning, "the service keeps running and answering")
        dir.remove()
    }

    @Test("`sendctl health` with no stack: exits 69 within --timeout and says the stack is not running")
    func healthWithNoStack() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let run = try Self.sendctl(["health", "board", "--timeout", "1"], dir)
        #expect(run.status == 69, "\(run.err)")
        #expect(run.err.contains("board is not running: no socket at \(dir.run)/board.cmd"), "\(run.err)")
        #expect(run.err.contains("the supervisor does not answer either: the stack is not running"), "\(run.err)")
    }
}
