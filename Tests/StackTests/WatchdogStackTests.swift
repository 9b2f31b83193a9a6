import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// The supervisor's watchdog and take-over with the real services, read as an operator reads them:
/// `sendctl status`, `sendctl subscribe`, `sendctl notifications list` and the supervisor's events.
@Suite("Supervisor watchdog and take-over", .serialized)
struct WatchdogStackTests {
    /// The four services, with a short watchdog.
    static let config = """
        {"services": [
          {"name": "findings", "executable": "findings-intake"},
          {"name": "board", "executable": "board-actions"},
          {"name": "comms", "executable": "parent-comms"},
          {"name": "notifications", "executable": "notifications"}
        ], "watchdog_seconds": 3}
        """

    static let report = "\(repositoryRoot)/deploy/demo/example-2023-report.json"

    static func sendctl(_ stack: Stack, _ arguments: [String]) throws -> ChildRun {
        try ChildRun.run(Binaries.path("sendctl"), arguments + stack.dir.flags, timeout: 60)
    }

    /// What `sendctl notifications list --json` prints: one notification per line.
    static func notifications(_ stack: Stack) throws -> [JSONValue] {
        try sendctl(stack, ["notifications", "list", "--json", "--limit", "10000"]).stdout
            .split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    /// Findings' log and every follower of it have caught up: nothing lost on the way.
    static func followersCaughtUp(_ stack: Stack) -> Bool {
        guard let last = try? stack.client.call("findings", "health")["last_seq"]?.intValue, last > 0 else { return false }
        let board = try? stack.client.call("board", "health")["follows"]?["findings"]?["cursor"]?.intValue
        let notes = try? stack.client.call("notifications", "health")["follows"]?["findings"]?["cursor"]?.intValue
        return board == last && notes == last
    }

    @Test("a service frozen for less than the watchdog stays; one frozen longer is killed with SIGKILL, restarted and notified; nothing lost")
    func frozenServices() throws {
        let stack = try Stack(config: Self.config)
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        let urgent = try ServiceProcess("sendctl", ["subscribe", "--json", "--from-start", "--severity", "urgent"] + stack.dir.flags,
                                        directory: stack.dir, label: "urgent")
        defer { urgent.stop() }

        // Frozen for half a second (the watchdog allows 3 s): an import sent meanwhile is answered once it runs again.
        let pid = try #require(stack.pid("findings"))
        kill(pid, SIGSTOP)
        let importing = try ServiceProcess("sendctl", ["findings", "import", Self.report] + stack.dir.flags, directory: stack.dir, label: "import")
        usleep(500_000)  // the length of the freeze, not a wait for readiness
        kill(pid, SIGCONT)
        #expect(importing.waitForExit(timeout: 30) == 0, "\(importing.output)")
        #expect(waitUntil(timeout: 20) { Self.followersCaughtUp(stack) })
        #expect(stack.pid("findings") == pid)
        #expect(try stack.service("findings")["restarts"]?.intValue == 0)
        #expect(try stack.events().allSatisfy { $0.type != EventType.serviceHung })
        let before = try stack.client.call("findings", "health")["last_seq"]?.intValue

        // Frozen until the watchdog acts: SIGKILL, then restarted like a crash.
        kill(pid, SIGSTOP)
        let back = waitUntil(timeout: 30, interval: 0.05) {
            stack.state("findings") == "running" && stack.pid("findings").map { $0 != pid } == true
        }
        #expect(back, "findings was not restarted:\n\(stack.supervisor.output)")
        #expect(!isAlive(pid))
        let events = try stack.events().filter { $0.data["service"]?.stringValue == "findings" }
        let types = events.map(\.type)
        let hungAt = try #require(types.firstIndex(of: EventType.serviceHung), "\(types)")
        let hung = try events[hungAt].decode(as: ServiceHung.self)
        #expect(hung.pid == pid && hung.watchdogSeconds == 3)
        let exited = try #require(events[(hungAt + 1)...].first { $0.type == EventType.serviceExited })
        #expect(exited.data["signal"]?.stringValue == "SIGKILL")
        #expect(exited.data["pid"]?.intValue == Int64(pid))
        #expect(exited.data["expected"]?.boolValue == false)
        #expect(types[(hungAt + 1)...].contains(EventType.serviceRestarted))

        // The operator hears of it: printed by `sendctl subscribe`, listed by `sendctl notifications list`.
        #expect(waitUntil(timeout: 20) { urgent.output.contains("\"service.hung\"") }, "\(urgent.output)")
        let listed = try Self.notifications(stack).filter { $0["data"]?["source"]?["type"]?.stringValue == EventType.serviceHung }
        #expect(listed.count == 1)
        #expect(listed.first?["data"]?["severity"]?.stringValue == "urgent")
        let status = try Self.sendctl(stack, ["status"])
        #expect(status.status == 0, "\(status.output)")
        // Nothing lost: every acknowledged event of findings is there after the kill, and every follower has it.
        #expect(try stack.client.call("findings", "health")["last_seq"]?.intValue == before)
        #expect(waitUntil(timeout: 20) { Self.followersCaughtUp(stack) })
    }

    @Test("a service without a PUB socket (like the portal) is watched by its health answers: frozen past the limit, it is killed and restarted")
    func watchedByHealth() throws {
        let dir = TestDirectory()
        let script = try fakeHealthService(dir, name: "edge")
        let stack = try Stack(config: """
            {"services": [{"name": "edge", "executable": "\(script)"}], "watchdog_seconds": 2}
            """, directory: dir)
        defer { stack.finish() }
        #expect(stack.waitReady(), "\(stack.supervisor.output)")
        let pid = try #require(stack.pid("edge"))
        kill(pid, SIGSTOP)
        let back = waitUntil(timeout: 30, interval: 0.05) { stack.state("edge") == "running" && stack.pid("edge").map { $0 != pid } == true }
        #expect(back, "\(stack.supervisor.output)")
        let types = try stack.events().map(\.type)
        let hung = try #require(types.firstIndex(of: EventType.serviceHung), "\(types)")
        #expect(types[(hung + 1)...].first == EventType.serviceExited)
        #expect(stack.supervisor.output.contains("it is stopped"))
    }

    @Test("a service busy in a write longer than the watchdog (no heartbeat meanwhile) is not killed: busy is not hung")
    func busyIsNotHung() throws {
        let stack = try Stack(config: Self.config.replacingOccurrences(of: #""watchdog_seconds": 3"#, with: #""watchdog_seconds": 2"#))
        defer { stack.finish() }
        #expect(stack.waitReady(), "\(stack.supervisor.output)")
        let pid = try #require(stack.pid("comms"))
        let mark = try stack.events().last?.seq ?? 0
        // 25,000 families: one chunk (sendctl sends up to 50,000 rows at once), one write on comms' socket thread.
        let count = 25_000
        var csv = "family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates\n"
        csv.reserveCapacity(count * 110)
        for i in 1...count {
            csv += "F\(i),C\(i),yes,Parent \(i),family\(i)@example.org,07700 900\(String(format: "%03d", i % 1000)),\"\(i) Example Street, Exampleton, XX1 1ZZ\",email,yes,no\n"
        }
        let path = "\(stack.dir.path)/families.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ChildRun.run(Binaries.path("sendctl"), ["families", "import", path, "--json", "--timeout", "300"] + stack.dir.flags, timeout: 300)
        #expect(run.status == 0, "\(run.output.suffix(1000))")
        #expect((try? JSONValue.parse(run.stdout))?["imported"]?.intValue == Int64(count), "\(run.stdout.prefix(500))")
        #expect(stack.pid("comms") == pid)
        let after = try stack.client.allEvents(ServiceName.supervisor, after: mark).map(\.type)
        #expect(!after.contains(EventType.serviceHung), "\(after)\n\(stack.supervisor.output)")
        // Whether this machine made the write outlast the watchdog (a fast one may not): said, not asserted.
        // The silence just ended is counted when its next heartbeat arrives: take the larger of the two.
        let row = try stack.service("comms")
        let longest = max(row["longest_silence_ms"]?.intValue ?? 0, row["silent_ms"]?.intValue ?? 0)
        print("busy comms: longest heartbeat silence \(longest) ms against a 2 s watchdog; "
            + (stack.supervisor.output.contains("but is busy") ? "the watchdog saw it busy and left it" : "the watchdog was not reached"))
    }

    @Test("a supervisor frozen for longer than the watchdog kills nobody when it runs again: its own stall is no service's silence")
    func frozenSupervisor() throws {
        let stack = try Stack(config: Self.config)
        defer { stack.finish() }
        #expect(stack.waitReady(), "\(stack.supervisor.output)")
        let pids = ServiceName.managed.compactMap { stack.pid($0) }
        let mark = try stack.events().last?.seq ?? 0
        stack.supervisor.signal(SIGSTOP)
        usleep(4_500_000)  // the length of the freeze (the watchdog allows 3 s), not a wait for readiness
        stack.supervisor.signal(SIGCONT)
        // Running again, and it has heard every service since: had it wanted to kill one, it would have by now.
        let heard = waitUntil(timeout: 20, interval: 0.05) {
            guard let rows = try? stack.status()["services"]?.arrayValue, rows.count == 4 else { return false }
            return rows.allSatisfy { ($0["silent_ms"]?.intValue ?? Int64.max) < 1500 }
        }
        #expect(heard, "\(stack.supervisor.output)")
        #expect(ServiceName.managed.compactMap { stack.pid($0) } == pids)
        let after = try stack.client.allEvents(ServiceName.supervisor, after: mark).map(\.type)
        #expect(!after.contains(EventType.serviceHung), "\(after)")
        #expect(!after.contains(EventType.serviceExited), "\(after)")
    }

    @Test("a new supervisor records the orphan it stopped and the frozen service that died with the old one")
    func takeOverIsRecorded() throws {
        let dir = TestDirectory()
        let first = try Stack(config: Self.config, directory: dir)
        #expect(first.waitReady(), "\(first.supervisor.output)")
        let orphans = ["findings", "board", "notifications"].compactMap { first.pid($0) }
        let frozen = try #require(first.pid("comms"))
        // The supervisor's log is in the data directory, shared by the three: each reads what came after the last.
        let mark = try first.events().last?.seq ?? 0
        first.client.close()
        kill(frozen, SIGSTOP)
        // Stopped for sure before its supervisor dies: the kernel's SIGHUP goes only to a group that
        // has a stopped member when it is orphaned (a CI run under load killed the supervisor first).
        #expect(waitUntil(timeout: 10) { ProcessCPU.read(frozen)?.isStopped == true })
        first.supervisor.signal(SIGKILL)
        first.supervisor.waitForExit()
        // An orphaned process group with a stopped process gets SIGHUP from the kernel.
        #expect(waitUntil(timeout: 10) { !isAlive(frozen) })

        let second = try Stack(config: Self.config, directory: dir)
        defer { second.finish() }
        #expect(second.waitReady(), "\(second.supervisor.output)")
        let events = try second.client.allEvents(ServiceName.supervisor, after: mark)
        let stopped = try events.filter { $0.type == EventType.serviceOrphanStopped }.map { try $0.decode(as: OrphanStopped.self) }
        #expect(Set(stopped.map(\.pid)) == Set(orphans))
        #expect(Set(stopped.map(\.service)) == ["findings", "board", "notifications"])
        #expect(stopped.allSatisfy { $0.stopped })
        let gone = try events.filter { $0.type == EventType.serviceGone }.map { try $0.decode(as: ServiceGone.self) }
        #expect(gone.map(\.service) == ["comms"])
        #expect(gone.first?.pid == frozen)
        // Recorded before anything was started again.
        let firstStart = try #require(events.firstIndex { $0.type == EventType.serviceStarted })
        #expect(events.prefix(firstStart).count == 4)

        // A clean stop leaves nothing behind that a third supervisor would report.
        let secondMark = try second.events().last?.seq ?? 0
        second.client.close()
        second.supervisor.signal(SIGTERM)
        #expect(second.supervisor.waitForExit(timeout: 30) == 0)
        let third = try Stack(config: Self.config, directory: dir)
        defer { third.finish() }
        #expect(third.waitReady(), "\(third.supervisor.output)")
        let found = try third.client.allEvents(ServiceName.supervisor, after: secondMark).filter { [EventType.serviceGone, EventType.serviceOrphanStopped].contains($0.type) }
        #expect(found.isEmpty, "\(found.map(\.type))")
    }
}
