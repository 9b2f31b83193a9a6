import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// The supervisor with the real services: what an operator sees when services start, crash and stop.
/// Serialized: each test runs five processes, and the machine is shared.
@Suite("Supervisor with the real services", .serialized)
struct SupervisorStackTests {
    @Test("all four services come up ready; a SIGKILLed service is running again with one restart and the signal recorded")
    func killedServicesComeBack() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")

        for name in ServiceName.managed {
            let old = try #require(stack.pid(name))
            kill(old, SIGKILL)
            let back = waitUntil(timeout: 30) {
                guard let row = try? stack.service(name) else { return false }
                return row["state"]?.stringValue == "running" && row["pid"]?.intValue != Int64(old)
            }
            #expect(back, "\(name) did not come back:\n\(stack.supervisor.output)")
            let row = try stack.service(name)
            #expect(row["restarts"]?.intValue == 1)
            #expect(row["last_exit"]?["signal"]?.stringValue == "SIGKILL")
            #expect(row["last_exit"]?["signal_number"]?.intValue == 9)
            let new = try #require(row["pid"]?.intValue)
            #expect(stack.client.isReady(name))

            let events = try stack.events().filter { $0.data["service"]?.stringValue == name }
            let exited = events.first { $0.type == EventType.serviceExited }
            #expect(exited?.data["pid"]?.intValue == Int64(old))
            #expect(exited?.data["signal"]?.stringValue == "SIGKILL")
            #expect(exited?.data["expected"]?.boolValue == false)
            let restarted = events.first { $0.type == EventType.serviceRestarted }
            #expect(restarted?.data["pid"]?.intValue == new)
            #expect(restarted?.data["restarts"]?.intValue == 1)
            #expect(restarted?.data["backoff_ms"]?.intValue == 100)
        }
        // Gapless: the supervisor's events are numbered 1, 2, 3, ...
        let seqs = try stack.events().map(\.seq)
        #expect(seqs == Array(1...Int64(seqs.count)))
    }

    @Test("a service that exits at once on every start ends failed; the others keep answering; the log says why; `sendctl status` shows it and exits 75")
    func crashingServiceFails() throws {
        let config = """
            {"services": [
              {"name": "findings", "executable": "findings-intake"},
              {"name": "board", "executable": "board-actions", "env": {"SEND_MAX_REQUEST_BYTES": "12"}},
              {"name": "comms", "executable": "parent-comms"},
              {"name": "notifications", "executable": "notifications"}
            ]}
            """
        let stack = try Stack(config: config)
        defer { stack.finish() }
        let failed = waitUntil(timeout: 60) { stack.state("board") == "failed" }
        #expect(failed, "board did not end failed:\n\(stack.supervisor.output)")
        for name in ["findings", "comms", "notifications"] {
            #expect(waitUntil(timeout: 30) { stack.state(name) == "running" }, "\(name) is not running")
            #expect(stack.client.isReady(name))
        }
        let board = try stack.service("board")
        #expect(board["restarts"]?.intValue == 5)
        #expect(board["last_exit"]?["exit_code"]?.intValue == 78)
        #expect(board["reason"]?.stringValue?.contains("exit 78") == true)
        #expect(try stack.status()["ready"]?.boolValue == false)

        let log = stack.supervisor.output
        #expect(log.contains("board failed: exited again after 5 restarts within 1 min"))
        #expect(log.contains("SEND_MAX_REQUEST_BYTES must be a whole number of bytes"), "the supervisor's log does not show why:\n\(log)")

        let failure = try stack.events().first { $0.type == EventType.serviceFailed }
        #expect(failure?.data["service"]?.stringValue == "board")
        #expect(failure?.data["restarts_in_window"]?.intValue == 5)
        #expect(failure?.data["exit_code"]?.intValue == 78)
        #expect(failure?.data["log"]?.stringValue == "\(stack.dir.data)/logs/board.log")

        // The operator's view: the table, the reason, and an exit status a script can test.
        let status = try runTool(Binaries.path("sendctl"), ["status"] + stack.dir.flags, directory: stack.dir, timeout: 30)
        #expect(status.status == 75, "\(status.output)")
        #expect(status.output.split(separator: "\n").contains { $0.hasPrefix("board") && $0.contains("failed") }, "\(status.output)")
        #expect(status.output.contains("board failed: "), "\(status.output)")
        #expect(status.output.contains("supervisor pid"), "the table is printed in full before the exit:\n\(status.output)")
        let json = try runTool(Binaries.path("sendctl"), ["status", "--json"] + stack.dir.flags, directory: stack.dir, timeout: 30)
        #expect(json.status == 75, "\(json.output)")
        let parsed = try JSONValue.parse(json.output)
        #expect((parsed["services"]?.arrayValue ?? []).contains { $0["service"] == "board" && $0["state"] == "failed" })

        // `health` of the failed service says so, from the supervisor, within its --timeout.
        let health = try runTool(Binaries.path("sendctl"), ["health", "board", "--timeout", "1"] + stack.dir.flags,
                                 directory: stack.dir, timeout: 30)
        #expect(health.status == 69, "\(health.output)")
        #expect(health.output.contains("board has failed: "), "\(health.output)")
        #expect(health.output.contains("then `sendctl restart board`"), "\(health.output)")
        #expect(!health.output.contains("is the stack running?"), "\(health.output)")
    }

    @Test("a running service whose follower has stopped at an event is named by `sendctl status` with the event and the reason")
    func statusShowsDegradedFollower() throws {
        // board is a bench follower of a bench findings, so an event it refuses can be had on demand.
        let config = """
            {"services": [
              {"name": "findings", "executable": "send-bench", "args": ["serve", "--name", "findings"]},
              {"name": "board", "executable": "send-bench", "args": ["follow", "--name", "board", "--source", "findings"]},
              {"name": "comms", "executable": "send-bench", "args": ["serve", "--name", "comms"]},
              {"name": "notifications", "executable": "notifications"}
            ]}
            """
        let stack = try Stack(config: config)
        defer { stack.finish() }
        try #require(stack.waitReady(), "the stack did not come up:\n\(stack.supervisor.output)")
        _ = try stack.client.call("board", "refuse", ["type": "bench.poison"])
        _ = try stack.client.call("findings", "append", ["payload": "x", "type": "bench.poison"])
        try #require(waitUntil(timeout: 20) { (try? stack.client.call("board", "health"))?["status"]?.stringValue == "degraded" })
        let status = try runTool(Binaries.path("sendctl"), ["status"] + stack.dir.flags, directory: stack.dir, timeout: 30)
        #expect(status.status == 0, "\(status.output)")
        #expect(status.output.contains("board degraded: its follower of findings has stopped before findings#1 (bench.poison): "
            + "conflict: this follower refuses bench.poison events"), "\(status.output)")
    }

    @Test("SIGTERM stops the services in reverse order and exits 0, leaving no process and no socket")
    func stopLeavesNothing() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let pids = ServiceName.managed.compactMap { stack.pid($0) }
        #expect(pids.count == 4)
        stack.client.close()

        stack.supervisor.signal(SIGTERM)
        #expect(stack.supervisor.waitForExit(timeout: 30) == 0)
        for pid in pids { #expect(!isAlive(pid), "pid \(pid) is still running") }
        #expect(Stack.sockets(stack.dir) == [])
        #expect(Stack.lockHolders(stack.dir) == [])

        // The supervisor's log: one line per service stopped, last started first.
        let stoppedOrder = stack.supervisor.output.split(separator: "\n").filter { $0.contains(") exited: exit 0") }
            .compactMap { line in line.range(of: "] ").map { String(line[$0.upperBound...].prefix { $0 != " " }) } }
        #expect(stoppedOrder == ["portal", "notifications", "comms", "board", "findings"], "the door closes first")
    }

    @Test("a second supervisor on the same run directory is refused with a clear message and changes nothing")
    func secondSupervisorRefused() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let before = ServiceName.managed.map { stack.pid($0) }

        let second = try ServiceProcess("send-supervisor", stack.dir.flags, directory: stack.dir, label: "second")
        #expect(second.waitForExit(timeout: 30) == 78)
        #expect(second.output.contains("another supervisor (pid \(stack.supervisor.pid)) is already running on the run directory \(stack.dir.run)"))

        #expect(ServiceName.managed.map { stack.pid($0) } == before)
        #expect(try stack.status()["ready"]?.boolValue == true)
        // Nothing but the first start: the services started and the register's first people (family-portal's key).
        #expect(try stack.events().allSatisfy { [EventType.serviceStarted, EventType.personAdded].contains($0.type) })
    }

    @Test("`restart SERVICE` stops it with SIGTERM and starts it again at once")
    func restartCommand() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let old = try #require(stack.pid("comms"))
        let reply = try stack.client.call(ServiceName.supervisor, "restart", ["service": "comms"])
        #expect(reply["restarting"]?.boolValue == true)
        #expect(waitUntil(timeout: 30) { stack.state("comms") == "running" && stack.pid("comms") != old })
        let row = try stack.service("comms")
        #expect(row["restarts"]?.intValue == 1)
        #expect(row["last_exit"]?["exit_code"]?.intValue == 0)
        let events = try stack.events()
        #expect(events.contains { $0.type == EventType.serviceExited && $0.data["expected"]?.boolValue == true })
        #expect(events.contains { $0.type == EventType.serviceRestarted && $0.data["backoff_ms"]?.intValue == 0 })

        #expect(throws: ServiceError.self) {
            try stack.client.call(ServiceName.supervisor, "restart", ["service": "payroll"])
        }
    }

    @Test("a service that ignores SIGTERM gets SIGKILL on its process group after the stop timeout")
    func stuckServiceIsKilled() throws {
        let dir = TestDirectory()
        let script = try fakeHealthService(dir, name: "stuck", ignoringSIGTERM: true)
        let stack = try Stack(config: """
            {"services": [{"name": "stuck", "executable": "\(script)"}], "stop_timeout_ms": 500}
            """, directory: dir)
        defer { stack.finish() }
        #expect(stack.waitReady(), "the fake service did not become ready:\n\(stack.supervisor.output)")
        let pid = try #require(stack.pid("stuck"))
        stack.client.close()

        stack.supervisor.signal(SIGTERM)
        #expect(stack.supervisor.waitForExit(timeout: 30) == 0)
        #expect(!isAlive(pid))
        #expect(Stack.sockets(dir) == [])
        #expect(stack.supervisor.output.contains("stuck (pid \(pid)) did not stop within 500 ms; sending SIGKILL to its process group"))
        #expect(stack.supervisor.output.contains("stuck (pid \(pid)) exited: signal SIGKILL (9)"))
    }

    @Test("services left running by a killed supervisor are stopped and started afresh by the next one")
    func leftoversAreTakenOver() throws {
        let dir = TestDirectory()
        let first = try Stack(directory: dir)
        #expect(first.waitReady())
        let orphans = ServiceName.managed.compactMap { first.pid($0) }
        first.client.close()
        first.supervisor.signal(SIGKILL)
        first.supervisor.waitForExit()
        for pid in orphans { #expect(isAlive(pid), "pid \(pid) died with its supervisor") }

        let second = try Stack(directory: dir)
        defer { second.finish() }
        #expect(second.waitReady(), "the new supervisor did not bring the stack up:\n\(second.supervisor.output)")
        for pid in orphans { #expect(!isAlive(pid), "the leftover pid \(pid) is still running") }
        #expect(Set(ServiceName.managed.compactMap { second.pid($0) }).isDisjoint(with: orphans))
        #expect(second.supervisor.output.contains("is running on \(dir.run) without a supervisor"))
    }
}
