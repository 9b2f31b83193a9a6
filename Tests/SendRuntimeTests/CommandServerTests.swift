import Foundation
import SendModel
import Testing
import TestSupport

/// A real `send-bench serve` process (the bench domain on the runtime) over real ipc sockets.
@Suite("Command server")
struct CommandServerTests {
    @Test("a request round trip is durable and its event can be read back")
    func roundTrip() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { service.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        let result = try client.call("bench", "append", ["payload": "hello"])
        #expect(result["item_id"]?.intValue == 1)
        let events = try client.allEvents("bench")
        #expect(events.map(\.seq) == [1])
        #expect(events.first?.type == EventType.benchAppended)
        let health = try client.call("bench", "health")
        #expect(health["status"]?.stringValue == "ready")
        #expect(health["last_seq"]?.intValue == 1)
        // One write so far: `commits` counts the group commits and the writes they held.
        #expect(health["commits"]?["writes"]?.intValue == 1, "\(health)")
        #expect(health["commits"]?["groups"]?.intValue == 1, "\(health)")
        // A refused write still goes through a group commit (with its own changes rolled back), then one more append.
        #expect(throws: (any Error).self) { try client.call("bench", "fail") }
        _ = try client.call("bench", "append", ["payload": "again"])
        let after = try client.call("bench", "health")["commits"]
        #expect(after?["writes"]?.intValue == 3, "\(String(describing: after))")
        #expect(after?["groups"]?.intValue == 3, "\(String(describing: after))")
        client.close()
        dir.remove()
    }

    @Test("each kind of bad request gets its error code and the service keeps serving")
    func badRequests() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir,
                                         environment: ["SEND_MAX_REQUEST_BYTES": "4096"])
        defer { service.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        let raw = try RawREQ(dir.run + "/bench.cmd")
        func code(_ body: [UInt8]) throws -> String? {
            let reply = try JSONValue.parse(try raw.roundTrip(body))
            return reply["error"]?["code"]?.stringValue
        }
        #expect(try code(Array("not json".utf8)) == "bad_request")
        #expect(try code([0xFF, 0xFE, 0x00]) == "bad_request")
        #expect(try code(Array(#"{"v":1,"id":"t","command":"append","args":{"payload":"x"}"#.utf8)) == "bad_request")  // truncated
        #expect(try code(Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)) == "bad_request")
        #expect(try code(Array(#"{"v":1,"id":"big","command":"append","args":{"payload":""#.utf8) + [UInt8](repeating: 0x61, count: 5000) + Array(#""}}"#.utf8)) == "bad_request")
        #expect(try code(Array(#"{"v":1,"id":"u1","command":"no.such"}"#.utf8)) == "unknown_command")
        #expect(try code(Array(#"{"v":1,"id":"i1","command":"append","args":{"payload":42}}"#.utf8)) == "invalid")
        #expect(try code(Array(#"{"v":1,"id":"i2","command":"append","args":{}}"#.utf8)) == "invalid")
        #expect(try code(Array(#"{"v":1,"id":"f1","command":"fail"}"#.utf8)) == "invalid")
        // Still serving, and nothing was written by any of the above.
        let count = try client.call("bench", "count")
        #expect(count["count"]?.intValue == 0)
        #expect(try client.allEvents("bench").isEmpty)
        #expect(service.isRunning)
        client.close()
        dir.remove()
    }

    @Test("a retried request id is applied once and returns the same reply")
    func idempotentRetry() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { service.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        let request = Request(id: "retry-me", command: "append", args: ["payload": "once"])
        let first = try client.send("bench", request)
        let second = try client.send("bench", request)
        #expect(first == second)
        _ = try client.call("bench", "append", ["payload": "other"])
        let third = try client.send("bench", request)
        #expect(third == first)
        #expect(try client.call("bench", "count")["count"]?.intValue == 2)
        #expect(try client.allEvents("bench").count == 2)
        client.close()
        dir.remove()
    }

    @Test("requests committed together: a failing one in the batch undoes only itself")
    func groupCommitIsolation() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { service.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        // Many requests in flight at once on one DEALER, so the writer takes them in shared transactions.
        let raw = try RawDEALER(dir.run + "/bench.cmd")
        var expectedOK = 0
        for i in 0..<400 {
            let command = i % 3 == 0 ? "fail" : "append"
            if command == "append" { expectedOK += 1 }
            try raw.send(Request(id: "g\(i)", command: command, args: ["payload": .string("p\(i)")]).json.jsonBytes)
        }
        var ok = 0, invalid = 0
        for _ in 0..<400 {
            let reply = try Reply.decode(try raw.receive())
            switch reply.outcome {
            case .success: ok += 1
            case .failure(let e): if e.code == .invalid { invalid += 1 }
            }
        }
        #expect(ok == expectedOK)
        #expect(invalid == 400 - expectedOK)
        #expect(try client.call("bench", "count")["count"]?.intValue == Int64(expectedOK))
        let events = try client.allEvents("bench")
        #expect(events.map(\.seq) == Array(1...Int64(expectedOK)))
        #expect(events.allSatisfy { $0.data["item_id"]?.intValue != -1 })
        client.close()
        dir.remove()
    }

    @Test("SIGTERM stops cleanly: exit 0, a stop line, no socket file left; a second instance is refused")
    func cleanStopAndSingleInstance() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        let second = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "second")
        #expect(second.waitForExit(timeout: 10) == 78)
        #expect(second.output.contains("already running"))
        #expect(client.isReady("bench"))
        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
        #expect(service.output.contains("bench ready pid="))
        #expect(service.output.contains("bench stopped"))
        #expect(!FileManager.default.fileExists(atPath: dir.run + "/bench.cmd"))
        #expect(!FileManager.default.fileExists(atPath: dir.run + "/bench.pub"))
        client.close()
        dir.remove()
    }
}
