import Foundation
import NotificationsService
import SendModel
import SendRuntime
import Testing
import TestSupport

/// The chaos test: the whole stack under `send-supervisor`, a steady load of mixed commands on all
/// four services from several client threads, a `sendctl subscribe --json --name chaos` printing
/// the notification log, and SIGKILLs to the supervisor's children at random. It stops by itself
/// (`SEND_CHAOS_SECONDS`, default 60), then checks: every acknowledged write is there once; every
/// service's events are gapless; every follower (board ← findings, comms ← board, notifications ←
/// all four, the subscriber) has seen every event exactly once, in order; no service is failed.
@Suite("Chaos: kills under load", .serialized)
struct ChaosTests {
    static var seconds: Double { Double(ProcessInfo.processInfo.environment["SEND_CHAOS_SECONDS"] ?? "") ?? 60 }
    /// With `SEND_CHAOS_MIN_COMMANDS` set (the acceptance run: 100000), the load goes on past
    /// `SEND_CHAOS_SECONDS` until that many commands were answered (at most `SEND_CHAOS_MAX_SECONDS`,
    /// default 900), and the test requires them.
    static var minimumCommands: Int { Int(ProcessInfo.processInfo.environment["SEND_CHAOS_MIN_COMMANDS"] ?? "") ?? 0 }
    static var maximumSeconds: Double { Double(ProcessInfo.processInfo.environment["SEND_CHAOS_MAX_SECONDS"] ?? "") ?? 900 }
    static var workers: Int { Int(ProcessInfo.processInfo.environment["SEND_CHAOS_WORKERS"] ?? "") ?? 6 }
    static let seedInspection = "INS-chaos-seed"

    @Test("SIGKILLs under a steady mixed load: zero lost, zero duplicated, zero out of order, nothing failed")
    func chaos() throws {
        let dir = TestDirectory()
        let stack = try ProofStack(directory: dir, environment: ["SEND_RATE_LIMIT_PER_MINUTE": "0"])
        var keep = true
        defer { stack.finish(keep: keep) }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        let c = stack.client

        // Seed: one report whose weaknesses the board's actions will address; the board must know them first.
        let seed = try c.call(ServiceName.findings, "findings.import", smallReport(0, area: "Chaos seed").replacing(inspectionID: Self.seedInspection), timeout: 30)
        let weaknesses = (seed["findings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(weaknesses.count == 3)
        #expect(c.waitSettled())

        let subscriberFiles = (first: "\(dir.path)/subscriber-1.jsonl", second: "\(dir.path)/subscriber-2.jsonl")
        var subscriber = try Subscriber(dir: dir, output: subscriberFiles.first, fromStart: true)

        // The load.
        let ledger = Ledger()
        let stop = StopFlag()
        let started = Date()
        var threads: [Done] = []
        for w in 0..<Self.workers {
            let done = Done()
            let worker = try Worker(id: w, dir: dir, ledger: ledger, stop: stop, weaknesses: weaknesses)
            let thread = Thread { worker.run(); done.set() }
            thread.start()
            threads.append(done)
        }

        // The kills: every few seconds one child (sometimes two at once), each service in turn in a random
        // order, never more than 4 of one service within a minute (the default restart intensity is 5).
        var kills: [(service: String, pid: Int32, at: Double)] = []
        var order: [String] = []
        var subscriberRestarted = false
        var subscriberExits: [Int32] = []
        let deadline = started.addingTimeInterval(Self.seconds)
        let hardDeadline = started.addingTimeInterval(max(Self.seconds, Self.maximumSeconds))
        var nextKill = started.addingTimeInterval(3)
        while Date() < deadline || (ledger.commands < Self.minimumCommands && Date() < hardDeadline) {
            usleep(100_000)
            if !subscriberRestarted && Date().timeIntervalSince(started) > Self.seconds / 2 && Self.minimumCommands == 0
                || !subscriberRestarted && Self.minimumCommands > 0 && ledger.commands > Self.minimumCommands / 2 {
                // The subscriber stops cleanly and a new one continues under the same name. `sendctl subscribe`
                // refuses to start (exit 69) while notifications is down, so it starts once that is back.
                subscriberExits.append(subscriber.stopCleanly())
                _ = waitUntil(timeout: 15, interval: 0.05) { c.isReady(ServiceName.notifications) }
                subscriber = try Subscriber(dir: dir, output: subscriberFiles.second, fromStart: false)
                subscriberRestarted = true
            }
            guard Date() >= nextKill else { continue }
            let count = kills.count % 4 == 3 ? 2 : 1
            var thisRound: Set<String> = []
            for _ in 0..<count {
                if order.isEmpty { order = ServiceName.managed.shuffled() }
                let now = Date().timeIntervalSince(started)
                guard let index = order.firstIndex(where: { s in
                    !thisRound.contains(s) && kills.filter { $0.service == s && now - $0.at < 60 }.count < 4
                }) else { break }
                let service = order.remove(at: index)
                // A new process, running: never a pid already killed that the supervisor has not reaped yet.
                guard waitUntil(timeout: 15, interval: 0.05, {
                    stack.rows()[service]?["state"]?.stringValue == "running" && stack.pid(service).map { p in !kills.contains { $0.pid == p } } == true
                }), let pid = stack.pid(service), kill(pid, SIGKILL) == 0 else { continue }
                thisRound.insert(service)
                kills.append((service, pid, now))
            }
            nextKill = Date().addingTimeInterval(Double.random(in: 3.0...5.0))
        }
        stop.set()
        let loadSeconds = Date().timeIntervalSince(started)
        for t in threads { #expect(t.wait(timeout: 90), "a load thread did not finish") }

        // Everything settles: all running, every follower caught up, the subscriber has printed the whole log.
        #expect(stack.waitReady(timeout: 60), "not every service is running:\n\(stack.rows())")
        #expect(c.waitSettled(timeout: 60), "the followers did not catch up")
        #expect(FuzzTests.waitQuiet(c, ServiceName.notifications))
        let notificationsLast = try #require(c.lastSeq(ServiceName.notifications))
        #expect(waitUntil(timeout: 30, interval: 0.1) { subscriber.printedSeqs().last == notificationsLast },
                "the subscriber did not print up to #\(notificationsLast):\n\(subscriber.errors)")
        subscriberExits.append(subscriber.stopCleanly())

        var report = Report()
        report.line(String(format: "chaos: %.0f s of load, %d client threads; %d kills (%@)", loadSeconds, Self.workers, kills.count,
                           ServiceName.managed.map { s in "\(s) \(kills.filter { $0.service == s }.count)" }.joined(separator: ", ")))
        report.line("kills: " + kills.map { String(format: "%.1fs %@ (pid %d)", $0.at, $0.service, $0.pid) }.joined(separator: ", "))
        report.line("commands: \(ledger.commands) answered (\(ledger.reads) reads, \(ledger.acked.count) writes acknowledged, "
            + "\(ledger.retries) retries after a timeout or `unavailable`), \(ledger.unacknowledged.count) writes never acknowledged, "
            + "\(ledger.refused.count) refused")
        #expect(ledger.refused.isEmpty, "writes refused: \(ledger.refused.prefix(5))")

        // 1. Every acknowledged write is there, once.
        try Verify.writes(ledger, client: c, report: &report, weaknesses: weaknesses)
        // 2. Every service's events are gapless; every follower's cursor is its source's last seq, and none is stalled.
        var events: [String: [Event]] = [:]
        for service in ServiceName.managed + [ServiceName.supervisor] {
            let list = try c.allEvents(service)
            events[service] = list
            let gapless = list.map(\.seq) == (0..<list.count).map { Int64($0) + 1 }
            report.check(gapless, "\(service): \(list.count) events, seq 1…\(list.last?.seq ?? 0) without a gap")
        }
        for (follower, sources) in [(ServiceName.board, [ServiceName.findings]), (ServiceName.comms, [ServiceName.board]),
                                    (ServiceName.notifications, ServiceName.managed.filter { $0 != ServiceName.notifications } + [ServiceName.supervisor])] {
            let follows = try #require(c.health(follower)?["follows"])
            for source in sources {
                let cursor = follows[source]?["cursor"]?.intValue
                let stalled = follows[source]?["stalled"]
                report.check(cursor == events[source]?.last?.seq && stalled?.isNull == true,
                             "\(follower) follows \(source): cursor \(cursor ?? -1) = last seq \(events[source]?.last?.seq ?? 0), stalled: \(stalled?.jsonString ?? "-")")
            }
        }
        // 3. The notification log: each source event that makes a notification, exactly once, in the source's order.
        let log = try #require(events[ServiceName.notifications])
        for source in ServiceName.managed.filter({ $0 != ServiceName.notifications }) + [ServiceName.supervisor] {
            let expected = (events[source] ?? []).filter { !((try? Rules.notifications(for: $0)) ?? []).isEmpty }.map(\.seq)
            let actual = log.compactMap { n -> Int64? in
                n.data["source"]?["service"]?.stringValue == source ? n.data["source"]?["seq"]?.intValue : nil
            }
            let duplicates = actual.count - Set(actual).count
            let outOfOrder = zip(actual, actual.dropFirst()).filter { $0 >= $1 }.count
            let missing = Set(expected).subtracting(actual).count
            let extra = Set(actual).subtracting(expected).count
            report.check(actual == expected, "notifications from \(source): \(actual.count) of \(expected.count) expected; "
                + "\(missing) lost, \(duplicates) duplicated, \(outOfOrder) out of order, \(extra) unexpected")
        }
        // 4. The subscriber printed the notification log exactly, across its restart.
        let printed = subscriber.printed(files: [subscriberFiles.first, subscriberFiles.second])
        let printedSeqs = printed.compactMap { $0["seq"]?.intValue }
        let logSeqs = log.map(\.seq)
        let samePrinted = printed.count == log.count && zip(printed, log).allSatisfy { p, e in
            p["seq"]?.intValue == e.seq && p["type"]?.stringValue == e.type && p["data"] == e.data
        }
        report.check(samePrinted, "sendctl subscribe --name chaos (stopped and started again once) printed \(printed.count) notifications "
            + "for \(log.count) in the log: \(printedSeqs.count - Set(printedSeqs).count) duplicated, "
            + "\(Set(logSeqs).subtracting(printedSeqs).count) lost, \(zip(printedSeqs, printedSeqs.dropFirst()).filter { $0 >= $1 }.count) out of order")
        report.check(subscriberExits == [0, 0], "the subscriber followed until stopped with SIGINT (exit statuses \(subscriberExits))")
        // 5. The supervisor saw every kill; no service is failed.
        let supervisorEvents = events[ServiceName.supervisor] ?? []
        let killedPids = Set(kills.map(\.pid))
        let exits = supervisorEvents.filter { $0.type == EventType.serviceExited && $0.data["signal"]?.stringValue == "SIGKILL" }
        report.check(Set(exits.compactMap { $0.data["pid"]?.intValue.map { Int32($0) } }) == killedPids && exits.count == kills.count,
                     "supervisor: \(exits.count) service.exited (SIGKILL) for \(kills.count) kills")
        let rows = stack.rows()
        let states = ServiceName.managed.map { "\($0) \(rows[$0]?["state"]?.stringValue ?? "?")" }
        report.check(ServiceName.managed.allSatisfy { rows[$0]?["state"]?.stringValue == "running" } && stack.supervisor.isRunning,
                     "states at the end: \(states.joined(separator: ", ")); none failed")
        if Self.minimumCommands > 0 {
            report.check(ledger.commands >= Self.minimumCommands, "at least \(Self.minimumCommands) commands: \(ledger.commands)")
        }
        #expect(kills.count >= 10, "only \(kills.count) kills")
        report.check(Set(kills.map(\.service)) == Set(ServiceName.managed), "every service was killed at least once")

        print(report.text)
        #expect(report.failures.isEmpty, "\(report.failures.joined(separator: "\n"))")
        keep = !report.failures.isEmpty
    }
}

/// What the chaos test prints: each check with ✓ or ✗.
struct Report {
    private(set) var text = ""
    private(set) var failures: [String] = []
    mutating func line(_ s: String) { text += s + "\n" }
    mutating func check(_ ok: Bool, _ s: String) {
        line((ok ? "  ✓ " : "  ✗ ") + s)
        if !ok { failures.append(s) }
    }
}

/// Set once, waited on with a deadline.
final class Done: @unchecked Sendable {
    // `@unchecked Sendable`: `flag` is a StopFlag, itself locked.
    private let flag = StopFlag()
    func set() { flag.set() }
    func wait(timeout: Double) -> Bool { waitUntil(timeout: timeout, interval: 0.05) { flag.isSet } }
}

/// A `sendctl subscribe --json --name chaos` writing to a file.
final class Subscriber {
    let process: Process
    let output: String

    init(dir: TestDirectory, output: String, fromStart: Bool) throws {
        self.output = output
        process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("sendctl"))
        process.arguments = ["subscribe", "--json", "--name", "chaos"] + (fromStart ? ["--from-start"] : []) + dir.flags
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        _ = FileManager.default.createFile(atPath: output + ".err", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: output + ".err")
        try process.run()
    }

    /// What it wrote to its standard error.
    var errors: String { (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "" }

    /// SIGINT, as Ctrl-C: it finishes the batch it is printing and saves its position. Its exit status.
    @discardableResult
    func stopCleanly() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            if !waitUntil(timeout: 10, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        }
        _ = waitUntil(timeout: 5) { !process.isRunning }
        return process.isRunning ? -1 : process.terminationStatus
    }

    func printedSeqs() -> [Int64] { printed(files: [output]).compactMap { $0["seq"]?.intValue } }

    func printed(files: [String]) -> [JSONValue] {
        files.flatMap { path in
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONValue.parse(String($0)) }.filter { $0["seq"] != nil }
        }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

extension JSONValue {
    /// A report with its inspection id replaced (and its finding ids derived from it).
    func replacing(inspectionID: String) -> JSONValue {
        guard case .object(var o) = self, case .object(var inspection)? = o["inspection"] else { return self }
        inspection["inspection_id"] = .string(inspectionID)
        o["inspection"] = .object(inspection)
        return .object(o)
    }
}
