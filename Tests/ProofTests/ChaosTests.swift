import Foundation
import NotificationsService
import SendModel
import SendRuntime
import Testing
import TestSupport

/// The chaos test: the whole stack under `send-supervisor`, a steady load of mixed commands on all
/// four services from several client threads, a `sendctl subscribe --json --name chaos` printing
/// the notification log and a `sendctl subscribe --out` writing it to a file, and faults of five
/// kinds at random (ChaosFaults.swift): SIGKILL of a service (sometimes two at once); SIGKILL of the
/// supervisor followed by `deploy/stack up --detach` on the same directories; SIGSTOP/SIGCONT
/// shorter than the watchdog; SIGSTOP longer than it (the watchdog must kill and restart the
/// service); SIGKILL of the `--out` subscriber. It stops by itself (`SEND_CHAOS_SECONDS`, default
/// 60; the acceptance run sets `SEND_CHAOS_MIN_FAULTS`), then checks: every acknowledged write is
/// there once; every service's events are gapless; every follower (board ← findings, comms ←
/// board, notifications ← all four, both subscribers) has seen every event exactly once, in order;
/// the supervisor saw every kill, killed exactly the long-frozen, and stopped every orphan; no
/// follower stalled; no service is failed.
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

    @Test("SIGKILLs of services, the supervisor and a subscriber, and freezes, under a steady mixed load: zero lost, zero duplicated, zero out of order, nothing failed")
    func chaos() throws {
        let dir = TestDirectory()
        let plan = ChaosPlan()
        let stack = try ProofStack(directory: dir, environment: ["SEND_RATE_LIMIT_PER_MINUTE": "0"], config: try plan.stackConfig())
        var keep = true
        defer { stack.finish(keep: keep) }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        let c = stack.client

        // Seed: one report whose weaknesses the board's actions will address; the board must know them first.
        let seed = try c.call(ServiceName.findings, "findings.import", smallReport(0, area: "Chaos seed").replacing(inspectionID: Self.seedInspection), timeout: 30)
        let weaknesses = (seed["findings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(weaknesses.count == 3)
        #expect(c.waitSettled())

        let subscriberFiles = (first: "\(dir.path)/subscriber-1.jsonl", second: "\(dir.path)/subscriber-2.jsonl")
        var subscriber = try Subscriber(dir: dir, output: subscriberFiles.first, fromStart: true)
        let outSubscriber = try OutSubscriber(dir: dir, file: "\(dir.path)/subscriber-out.jsonl")

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

        // The faults, each kind on its own timer: SIGKILL of a child (sometimes two at once), each service in
        // turn in a random order; SIGKILL of the supervisor followed by `deploy/stack up --detach`; freezes
        // shorter than the watchdog (the service must be left alone) and longer (it must be killed and
        // restarted); SIGKILL of `sendctl subscribe --out`. Never more than 4 restarts of one service within
        // a minute (the default restart intensity is 5); never a supervisor kill while a service is frozen.
        var kills: [DealtFault] = []
        var dealt: [DealtFault] = []
        var order: [String] = []
        var subscriberRestarted = false
        var subscriberExits: [Int32] = []
        var shortFreeze: (fault: DealtFault, until: Date, thaw: Thaw)?
        var longFreeze: DealtFault?
        var longFreezeProblems: [String] = []
        var stackUpProblems: [String] = []
        var next: [ChaosFault: Double] = Dictionary(uniqueKeysWithValues: ChaosFault.allCases.map { ($0, plan.first($0)) })
        let deadline = started.addingTimeInterval(Self.seconds)
        let hardDeadline = started.addingTimeInterval(max(Self.seconds, Self.maximumSeconds))
        func count(_ kind: ChaosFault) -> Int { dealt.filter { $0.kind == kind }.count }
        func restartsWithinAMinute(_ service: String, _ now: Double) -> Int {
            dealt.filter { ($0.kind == .serviceKill || $0.kind == .longFreeze) && $0.service == service && now - $0.at < 60 }.count
        }
        func frozen(_ service: String) -> Bool { shortFreeze?.fault.service == service || longFreeze?.service == service }
        /// A pid that was killed (or left frozen for the watchdog): the supervisor may not have replaced it yet.
        func wasKilled(_ pid: Int32) -> Bool { dealt.contains { ($0.kind == .serviceKill || $0.kind == .longFreeze) && $0.pid == pid } }
        /// A service's process that is running, never a pid already killed that the supervisor has not reaped yet.
        func runningPid(_ service: String) -> Int32? {
            guard waitUntil(timeout: 15, interval: 0.05, {
                stack.rows()[service]?["state"]?.stringValue == "running" && stack.pid(service).map { !wasKilled($0) } == true
            }) else { return nil }
            return stack.pid(service)
        }
        while Date() < deadline || Date() < hardDeadline && (ledger.commands < Self.minimumCommands
                                                             || ChaosFault.allCases.contains { count($0) < plan.minimumFaults }) {
            usleep(100_000)
            var now = Date().timeIntervalSince(started)
            if !subscriberRestarted && now > Self.seconds / 2 && Self.minimumCommands == 0
                || !subscriberRestarted && Self.minimumCommands > 0 && ledger.commands > Self.minimumCommands / 2 {
                // The subscriber stops cleanly and a new one continues under the same name. `sendctl subscribe`
                // refuses to start (exit 69) while notifications is down, so it starts once that is back.
                subscriberExits.append(subscriber.stopCleanly())
                _ = waitUntil(timeout: 15, interval: 0.05) { c.isReady(ServiceName.notifications) }
                subscriber = try Subscriber(dir: dir, output: subscriberFiles.second, fromStart: false)
                subscriberRestarted = true
            }
            // Freezes that end: a short one is continued; a long one ends when the watchdog has replaced it.
            if let f = shortFreeze, Date() >= f.until.addingTimeInterval(0.05) {
                f.thaw.now()  // its timer has continued it; this makes sure, and a late timer then does nothing
                shortFreeze = nil
            }
            if let f = longFreeze {
                let pid = stack.pid(f.service)
                if pid != nil && pid != f.pid && stack.rows()[f.service]?["state"]?.stringValue == "running" {
                    dealt[dealt.lastIndex { $0.pid == f.pid }!].seconds = now - f.at
                    longFreeze = nil
                    next[.longFreeze] = now + plan.interval(.longFreeze, dealt: count(.longFreeze))
                } else if now - f.at > Double(plan.watchdogSeconds) + 20 {
                    longFreezeProblems.append("\(f.service) (pid \(f.pid)) frozen at \(Int(f.at)) s was not replaced after \(Int(now - f.at)) s")
                    kill(f.pid, SIGCONT)
                    longFreeze = nil
                }
            }
            // The subscriber writing to a file: killed at any instant, started again at once; started again too
            // when it exited by itself (it refuses to start while notifications is down).
            if now >= next[.subscriberKill]! {
                if let pid = outSubscriber.kill() { dealt.append(DealtFault(kind: .subscriberKill, service: "sendctl", pid: pid, at: now)) }
                try outSubscriber.restart()
                next[.subscriberKill] = now + plan.interval(.subscriberKill, dealt: count(.subscriberKill))
            } else if !outSubscriber.isRunning {
                try outSubscriber.restart()
            }
            // The supervisor: once it is due, no new freeze starts; it is killed when none is left and all are running.
            let supervisorDue = now >= next[.supervisorKill]!
            if supervisorDue && shortFreeze == nil && longFreeze == nil && stack.waitReady(timeout: 15)
                && ServiceName.managed.allSatisfy({ s in stack.pid(s).map { !wasKilled($0) } == true }) {
                let (killed, up, seconds) = try stack.killSupervisorAndStackUp()
                if up.status != 0 || !up.output.contains("SEND Partnership is running in the background") {
                    stackUpProblems.append("deploy/stack up --detach exited \(up.status):\n\(up.output)")
                }
                dealt.append(DealtFault(kind: .supervisorKill, service: ServiceName.supervisor, pid: killed, at: now, seconds: seconds))
                now = Date().timeIntervalSince(started)
                next[.supervisorKill] = now + plan.interval(.supervisorKill, dealt: count(.supervisorKill))
                continue
            }
            if !supervisorDue && shortFreeze == nil && now >= next[.shortFreeze]! {
                if let service = ServiceName.managed.filter({ !frozen($0) }).randomElement(), let pid = runningPid(service), kill(pid, SIGSTOP) == 0 {
                    let seconds = plan.shortFreezeSeconds()
                    // Continued on time from a timer of its own: this loop may wait (for a restarted service to
                    // be running, for deploy/stack up), and a freeze it forgot would outlast the watchdog.
                    let thaw = Thaw(pid)
                    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { thaw.now() }
                    let fault = DealtFault(kind: .shortFreeze, service: service, pid: pid, at: now, seconds: seconds)
                    dealt.append(fault)
                    shortFreeze = (fault, Date().addingTimeInterval(seconds), thaw)
                }
                next[.shortFreeze] = now + plan.interval(.shortFreeze, dealt: count(.shortFreeze))
            }
            if !supervisorDue && longFreeze == nil && now >= next[.longFreeze]! {
                if let service = ServiceName.managed.filter({ !frozen($0) && restartsWithinAMinute($0, now) < 4 }).randomElement(),
                   let pid = runningPid(service), kill(pid, SIGSTOP) == 0 {
                    let fault = DealtFault(kind: .longFreeze, service: service, pid: pid, at: now)
                    dealt.append(fault)
                    longFreeze = fault
                } else {
                    next[.longFreeze] = now + 1
                }
            }
            guard now >= next[.serviceKill]! else { continue }
            var thisRound: Set<String> = []
            for _ in 0..<(kills.count % 4 == 3 ? 2 : 1) {
                if order.isEmpty { order = ServiceName.managed.shuffled() }
                guard let index = order.firstIndex(where: { s in !thisRound.contains(s) && !frozen(s) && restartsWithinAMinute(s, now) < 4 }) else { break }
                let service = order.remove(at: index)
                guard let pid = runningPid(service), kill(pid, SIGKILL) == 0 else { continue }
                thisRound.insert(service)
                let fault = DealtFault(kind: .serviceKill, service: service, pid: pid, at: now)
                kills.append(fault)
                dealt.append(fault)
            }
            next[.serviceKill] = Date().timeIntervalSince(started) + plan.interval(.serviceKill, dealt: count(.serviceKill))
        }
        // A freeze still on at the end is ended as it would have been.
        if let f = shortFreeze { f.thaw.now() }
        if let f = longFreeze {
            let replaced = waitUntil(timeout: Double(plan.watchdogSeconds) + 20, interval: 0.1) {
                stack.pid(f.service).map { $0 != f.pid } == true && stack.rows()[f.service]?["state"]?.stringValue == "running"
            }
            if replaced {
                dealt[dealt.lastIndex { $0.pid == f.pid }!].seconds = Date().timeIntervalSince(started) - f.at
            } else {
                longFreezeProblems.append("\(f.service) (pid \(f.pid)) frozen at \(Int(f.at)) s was not replaced at the end")
                kill(f.pid, SIGCONT)
            }
        }
        stop.set()
        let loadSeconds = Date().timeIntervalSince(started)
        for t in threads { #expect(t.wait(timeout: 90), "a load thread did not finish") }

        // Everything settles: all running, every follower caught up, the subscriber has printed the whole log.
        #expect(stack.waitReady(timeout: 60), "not every service is running:\n\(stack.rows())\n\(stack.dir.logTails())")
        #expect(c.waitSettled(timeout: 60), "the followers did not catch up")
        #expect(FuzzTests.waitQuiet(c, ServiceName.notifications))
        let notificationsLast = try #require(c.lastSeq(ServiceName.notifications))
        #expect(waitUntil(timeout: 30, interval: 0.1) { subscriber.printedSeqs().last == notificationsLast },
                "the subscriber did not print up to #\(notificationsLast):\n\(subscriber.errors)")
        subscriberExits.append(subscriber.stopCleanly())
        if !outSubscriber.isRunning { try outSubscriber.restart() }
        #expect(waitUntil(timeout: 30, interval: 0.1) { outSubscriber.lastSeq() == notificationsLast },
                "sendctl subscribe --out did not write up to #\(notificationsLast):\n\(outSubscriber.process.output)")
        let outExit = outSubscriber.stop()

        var report = Report()
        report.line(String(format: "chaos: %.0f s of load, %d client threads, watchdog_seconds %d", loadSeconds, Self.workers, plan.watchdogSeconds))
        for kind in ChaosFault.allCases {
            let these = dealt.filter { $0.kind == kind }
            var line = "  \(kind.rawValue): \(these.count)"
            if kind == .serviceKill || kind == .shortFreeze || kind == .longFreeze {
                line += " (" + ServiceName.managed.map { s in "\(s) \(these.filter { $0.service == s }.count)" }.joined(separator: ", ") + ")"
            }
            if kind == .shortFreeze || kind == .longFreeze || kind == .supervisorKill, let most = these.map(\.seconds).max() {
                line += String(format: "; %.1f–%.1f s %@", these.map(\.seconds).min()!, most,
                               kind == .supervisorKill ? "until deploy/stack up had the stack ready" : kind == .longFreeze ? "until replaced" : "frozen")
            }
            report.line(line)
        }
        report.line("faults: " + dealt.filter { $0.kind != .subscriberKill }
            .map { String(format: "%.1fs %@ %@ (pid %d)", $0.at, $0.kind == .serviceKill ? "kill" : $0.kind == .supervisorKill ? "supervisor-kill" : $0.kind == .shortFreeze ? "freeze" : "long-freeze", $0.service, $0.pid) }
            .joined(separator: ", "))
        report.line("commands: \(ledger.commands) answered (\(ledger.reads) reads, \(ledger.acked.count) writes acknowledged, "
            + "\(ledger.retries) retries after a timeout or `unavailable`), \(ledger.unacknowledged.count) writes never acknowledged, "
            + "\(ledger.refused.count) refused")
        #expect(ledger.refused.isEmpty, "writes refused: \(ledger.refused.prefix(5))")

        // 1. Every acknowledged write is there, once.
        try Verify.writes(ledger, client: c, report: &report, weaknesses: weaknesses)
        // 2. Every service's events are gapless; every follower's cursor is its source's last seq, and none is stalled.
        let events = try Verify.logs(c, report: &report)
        // 3. The notification log: each source event that makes a notification, exactly once, in the source's order.
        let log = try #require(events[ServiceName.notifications])
        Verify.notificationLog(events, report: &report)
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
        // 5. The file `sendctl subscribe --out` wrote, SIGKILLed again and again: the log, line by line, each once.
        let outLines = outSubscriber.lines()
        let outBody = outLines.last == "" ? Array(outLines.dropLast()) : outLines
        let outParsed = outBody.map { try? JSONValue.parse($0) }
        let outSeqs = outParsed.compactMap { $0?["seq"]?.intValue }
        let sameFile = outParsed.count == log.count && zip(outParsed, log).allSatisfy { p, e in
            p?["seq"]?.intValue == e.seq && p?["type"]?.stringValue == e.type && p?["data"] == e.data
        }
        report.check(sameFile && outLines.last == "" && outExit == 0,
                     "sendctl subscribe --out (\(count(.subscriberKill)) SIGKILLs, \(outSubscriber.runs.count) runs, "
            + "\(outSubscriber.tornLinesCut) torn lines cut off) wrote \(outBody.count) lines for \(log.count) notifications: "
            + "\(outParsed.filter { $0 == nil }.count) unreadable, \(outSeqs.count - Set(outSeqs).count) duplicated, "
            + "\(Set(logSeqs).subtracting(outSeqs).count) lost, \(zip(outSeqs, outSeqs.dropFirst()).filter { $0 >= $1 }.count) out of order; "
            + "ends with a newline: \(outLines.last == ""), exit status \(outExit)")
        // 6. The supervisor saw every kill and every hang; it killed nothing that was only slow or briefly
        //    frozen; each new supervisor stopped the orphans it found and lost none; no service is failed.
        let supervisorEvents = events[ServiceName.supervisor] ?? []
        let longFrozen = dealt.filter { $0.kind == .longFreeze }
        let killedPids = Set(kills.map(\.pid)).union(longFrozen.map(\.pid))
        let exits = supervisorEvents.filter { $0.type == EventType.serviceExited && $0.data["signal"]?.stringValue == "SIGKILL" }
        report.check(Set(exits.compactMap { $0.data["pid"]?.intValue.map { Int32($0) } }) == killedPids && exits.count == kills.count + longFrozen.count,
                     "supervisor: \(exits.count) service.exited (SIGKILL) for \(kills.count) kills and \(longFrozen.count) long freezes")
        let hung = try supervisorEvents.filter { $0.type == EventType.serviceHung }.map { try $0.decode(as: ServiceHung.self) }
        report.check(Set(hung.map(\.pid)) == Set(longFrozen.map(\.pid)) && hung.count == longFrozen.count && longFreezeProblems.isEmpty,
                     "watchdog: \(hung.count) service.hung for \(longFrozen.count) freezes longer than \(plan.watchdogSeconds) s "
            + "(silent \(hung.map(\.silentMs).min() ?? 0)–\(hung.map(\.silentMs).max() ?? 0) ms when killed); "
            + "none for \(count(.shortFreeze)) shorter freezes or the load\(longFreezeProblems.isEmpty ? "" : ": " + longFreezeProblems.joined(separator: "; "))")
        let orphans = try supervisorEvents.filter { $0.type == EventType.serviceOrphanStopped }.map { try $0.decode(as: OrphanStopped.self) }
        let gone = supervisorEvents.filter { $0.type == EventType.serviceGone }
        let supervisorKills = count(.supervisorKill)
        report.check(orphans.count == supervisorKills * ServiceName.supervised.count && orphans.allSatisfy { $0.stopped && $0.signal == "SIGTERM" }
                     && gone.isEmpty && stackUpProblems.isEmpty,
                     "take-over: \(supervisorKills) supervisors killed, each followed by deploy/stack up --detach; "
            + "\(orphans.count) service.orphan_stopped (\(orphans.filter { $0.signal == "SIGTERM" && $0.stopped }.count) by SIGTERM) "
            + "for \(supervisorKills * ServiceName.supervised.count) orphans, \(gone.count) service.gone"
            + (stackUpProblems.isEmpty ? "" : "\n" + stackUpProblems.joined(separator: "\n")))
        let stalls = (ServiceName.managed + [ServiceName.supervisor]).flatMap { s in
            (events[s] ?? []).filter { $0.type == EventType.followerStalled }.map { "\(s) #\($0.seq)" }
        }
        report.check(stalls.isEmpty, "followers: \(stalls.count) follower.stalled after \(count(.shortFreeze) + count(.longFreeze)) freezes "
            + "(stale heartbeats are not a replaced log)\(stalls.isEmpty ? "" : ": " + stalls.joined(separator: ", "))")
        let rows = stack.rows()
        let states = ServiceName.managed.map { "\($0) \(rows[$0]?["state"]?.stringValue ?? "?")" }
        report.check(ServiceName.managed.allSatisfy { rows[$0]?["state"]?.stringValue == "running" } && stack.supervisorIsRunning,
                     "states at the end: \(states.joined(separator: ", ")); none failed")
        if Self.minimumCommands > 0 {
            report.check(ledger.commands >= Self.minimumCommands, "at least \(Self.minimumCommands) commands: \(ledger.commands)")
        }
        #expect(kills.count >= 8, "only \(kills.count) kills")
        for kind in ChaosFault.allCases {
            report.check(count(kind) >= max(1, plan.minimumFaults), "\(kind.rawValue): \(count(kind)), at least \(max(1, plan.minimumFaults))")
        }
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

/// The SIGCONT that ends a short freeze, sent once: by its timer, on time even while the fault loop
/// waits, or by the loop, whichever comes first. A timer that fires late must not continue the same
/// process frozen again meanwhile (a long freeze of the same service), so the second call does nothing.
final class Thaw: @unchecked Sendable {
    // `@unchecked Sendable`: `done` is guarded by `lock`.
    private let lock = NSLock()
    private var done = false
    let pid: Int32
    init(_ pid: Int32) { self.pid = pid }
    func now() {
        lock.withLock {
            if !done { kill(pid, SIGCONT) }
            done = true
        }
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
        // As ChildRun's children: a person's own key on this machine is never the test's; sendctl uses the
        // directory's stack key (a CI run failed when the machine's user had made a key of their own).
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = "\(dir.path)/subscriber-config"
        env["SEND_KEY_FILE"] = nil
        env["SEND_OPERATOR_KEY"] = nil
        process.environment = env
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
