import Foundation
import Logging
import SendModel
import SendRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's process management: one thread (a `BackgroundTask` of the supervisor's
/// `ServiceHost`) that starts the services in order, waits for each to answer `health`,
/// restarts those that exit (one-for-one, with backoff, up to the restart intensity), and stops
/// them in reverse order when the host begins to stop. Every change is recorded as an event.
///
/// Not `Sendable`: it lives on its thread; command handlers reach it through `SupervisorState`.
final class Supervisor {
    /// One service and its current process. Touched only by the supervisor's thread.
    final class Child {
        let spec: StackConfig.Service
        let executablePath: String
        let logPath: String
        var state: ServiceState = .starting
        var pid: pid_t?
        var startedMonotonic: Int64 = 0
        var startedAt: Timestamp?
        var readyDeadline: Int64 = 0
        var restartAt: Int64 = 0
        var backoffMillis: Int64 = 0
        var restarts = 0
        var history = RestartHistory()
        var lastExit: ExitStatus?
        var lastExitAt: Timestamp?
        var reason: String?
        /// Why the supervisor killed the current process itself (it did not become ready in time).
        var killedBecause: String?
        /// When a stopping child gets SIGKILL.
        var killAt: Int64?
        var sentKill = false
        /// An operator asked for a restart: start again as soon as it has exited, with no backoff.
        var restartWhenStopped = false
        /// Spawned at least once.
        var launched = false
        /// The watchdog killed the current process (it showed no life): it is not killed twice.
        var hung = false
        /// CPU time samples of the current process, one a second over the last watchdog period.
        var cpuSamples: [(at: Int64, ticks: Int64)] = []
        /// Silent but busy was logged for the current silence.
        var saidBusy = false
        /// The readiness probe of the current process while it is starting: one connection, kept
        /// until it answers `health` (a fresh connection per look would need its handshake and reply
        /// within one look's time, which a loaded machine does not always give).
        var probe: ServiceClient?
        /// The `health` request posted on `probe`, and when.
        var probeRequest: (id: String, at: Int64)?
        /// Filled in by `publish` from the liveness watch.
        var silentMillis: Int64?
        var longestSilenceMillis: Int64 = 0

        init(spec: StackConfig.Service, executablePath: String, logPath: String) {
            self.spec = spec
            self.executablePath = executablePath
            self.logPath = logPath
        }

        func closeProbe() {
            probe?.close()
            probe = nil
            probeRequest = nil
        }

        var snapshot: ServiceSnapshot {
            ServiceSnapshot(name: spec.name, state: state, pid: pid, startedMonotonic: pid == nil ? nil : startedMonotonic,
                            startedAt: pid == nil ? nil : startedAt, restarts: restarts, lastExit: lastExit,
                            lastExitAt: lastExitAt, reason: reason, logPath: logPath,
                            silentMillis: state == .running ? silentMillis : nil, longestSilenceMillis: longestSilenceMillis)
        }
    }

    let config: StackConfig
    let host: ServiceHost
    let state: SupervisorState
    let logger: Logger
    let directories: RuntimeDirectories
    let children: [Child]
    let environment: [String: String]
    /// Heartbeats (and `health` for a service without a PUB socket), for the watchdog.
    let liveness: LivenessWatch
    private var startupIndex = 0
    private var announcedReady = false
    private let startedMonotonic = monotonicMillis()

    init(config: StackConfig, binDirectory: String, host: ServiceHost, state: SupervisorState) {
        self.config = config
        self.host = host
        self.state = state
        self.logger = host.logger
        self.directories = host.options.directories
        let logs = "\(host.options.directories.data)/logs"
        children = config.services.map { spec in
            let path = spec.executable.hasPrefix("/") ? spec.executable : "\(binDirectory)/\(spec.executable)"
            return Child(spec: spec, executablePath: path, logPath: "\(logs)/\(spec.name).log")
        }
        var env = currentEnvironment()
        // The children get their directories as flags; a stale variable must not disagree.
        env["SEND_RUN_DIR"] = nil
        env["SEND_DATA_DIR"] = nil
        environment = env
        liveness = LivenessWatch(services: config.services.map(\.name), directories: host.options.directories)
    }

    // MARK: - The loop

    /// Runs until the host stops, then stops every child in reverse order.
    func run() {
        RuntimeDirectories.makeLogDirectory(directories)
        _ = ChildSignal.install()
        takeOverLeftovers()
        removeSocketFiles()
        liveness.start()
        defer { liveness.close() }
        publish()
        while !host.isStopping {
            let now = monotonicMillis()
            reapExited()
            checkReadiness()
            checkLiveness(now: now)
            killOverdue(now: now)
            startDue(now: now)
            handleRestartRequests()
            advanceStartup()
            publish()
            // Something to watch closely (a start, a backoff, a stop): 5 ms; else sleep until a child exits.
            let busy = startupIndex < children.count || children.contains { [.starting, .restarting, .stopping].contains($0.state) }
            ChildSignal.wait(milliseconds: busy ? 5 : 100)
        }
        stopAll()
    }

    /// Starts the services in order: the next one once the one before it is running, or has
    /// left `starting` in any other way (a crashing service does not hold up the others).
    private func advanceStartup() {
        while startupIndex < children.count {
            let child = children[startupIndex]
            if !child.launched {
                launch(child, isRestart: false)
                return
            }
            if child.state == .starting { return }
            startupIndex += 1
        }
        if !announcedReady && children.allSatisfy({ $0.state == .running }) {
            announcedReady = true
            let seconds = Double(monotonicMillis() - startedMonotonic) / 1000
            let names = children.map(\.spec.name).joined(separator: ", ")
            logger.info("stack ready: \(names) running (\(String(format: "%.2f", seconds)) s after the supervisor started)")
        }
    }

    private func reapExited() {
        for child in children {
            guard let pid = child.pid, let status = ChildProcess.reap(pid) else { continue }
            exited(child, pid: pid, status: status)
        }
    }

    /// A starting child is ready once its command socket exists and it answers `health` with its own pid.
    private func checkReadiness() {
        let now = monotonicMillis()
        for child in children where child.state == .starting {
            guard let pid = child.pid else { continue }
            if now >= child.readyDeadline {
                if child.killedBecause == nil {
                    let socket = (try? directories.commandEndpoint(child.spec.name)).map(RuntimeDirectories.socketPath(of:)) ?? ""
                    let why = access(socket, F_OK) == 0 ? "its command socket is bound but nothing answered"
                        : "its command socket was never bound: it did not finish starting; see \(child.logPath)"
                    child.killedBecause = "did not answer health within \(formatMillis(config.readyTimeoutMillis)) (\(why))"
                    logger.error("\(child.spec.name) (pid \(pid)) \(child.killedBecause!); killing it")
                    let tail = logTail(child.logPath)
                    if !tail.isEmpty { logger.error("\(child.spec.name)'s log ends: \(tail.joined(separator: " | "))") }
                    ChildProcess.signalGroup(pid, SIGKILL)
                    child.closeProbe()
                }
                continue
            }
            guard let health = probe(child), health["pid"]?.intValue == Int64(pid) else { continue }
            child.closeProbe()
            child.state = .running
            liveness.expect(child.spec.name)
            let millis = monotonicMillis() - child.startedMonotonic
            logger.info("\(child.spec.name) ready pid=\(pid) in \(millis) ms")
            record(ServiceStarted(service: child.spec.name, pid: pid, restarts: child.restarts))
        }
    }

    /// One look at a starting child without blocking: posts `health` once its command socket exists
    /// (again after 2 s without an answer, in case the first went to a socket file of the process
    /// before), and returns the answer once it has come.
    private func probe(_ child: Child) -> JSONValue? {
        let now = monotonicMillis()
        if child.probe == nil { child.probe = try? host.client(child.spec.name) }
        guard let client = child.probe, client.socketExists else { return nil }
        do {
            if child.probeRequest == nil || now - child.probeRequest!.at >= 2000 {
                let id = RequestID.make()
                try client.post(Request(id: id, command: "health", args: [:]))
                child.probeRequest = (id, now)
            }
            guard let reply = try client.pollReply(to: child.probeRequest!.id) else { return nil }
            child.probeRequest = nil
            if case .success(let result) = reply.outcome { return result }
            return nil
        } catch {
            // A refused key or a send that could not go: start again on a new connection at the next look.
            child.closeProbe()
            return nil
        }
    }

    /// The watchdog: a running service that has shown no life for `watchdog_seconds` is hung (frozen,
    /// deadlocked, stuck waiting). Silence alone is not enough: a long write runs on the socket thread
    /// and holds its heartbeat back, so a service that used at least a tenth of a core over that time is
    /// busy, not hung, and is left alone (a stopped one, SIGSTOP, never is). A hung service gets SIGKILL
    /// on its process group, `service.hung` is recorded, and its exit is handled like any crash.
    private func checkLiveness(now: Int64) {
        let limit = config.watchdogSeconds * 1000
        guard limit > 0 else { return }
        for child in children where child.state == .running && !child.hung {
            guard let pid = child.pid else { continue }
            let cpu = ProcessCPU.read(pid)
            if let cpu, (child.cpuSamples.last.map { now - $0.at >= 1000 } ?? true) {
                child.cpuSamples.append((now, cpu.ticks))
                child.cpuSamples.removeAll { now - $0.at > limit + 2000 }
            }
            guard let silent = liveness.silence(of: child.spec.name), silent > limit else {
                child.saidBusy = false
                continue
            }
            // CPU used since the sample nearest the start of the silence (at least a second ago).
            let window = child.cpuSamples.last { now - $0.at >= min(silent, limit) } ?? child.cpuSamples.first
            if let cpu, !cpu.isStopped, let window, now - window.at >= 1000 {
                let usedMillis = (cpu.ticks - window.ticks) * 1000 / max(1, ProcessCPU.ticksPerSecond)
                if usedMillis * 10 >= now - window.at {
                    if !child.saidBusy {
                        child.saidBusy = true
                        logger.info("\(child.spec.name) (pid \(pid)) has sent no heartbeat for \(formatMillis(silent)) but is busy (\(usedMillis) ms of CPU in the last \(formatMillis(now - window.at))); not killing it")
                    }
                    continue
                }
            }
            child.hung = true
            let how = cpu.map { $0.isStopped ? "it is stopped" : "it used no CPU to speak of" } ?? "its process state cannot be read"
            child.killedBecause = "showed no life for \(formatMillis(silent)) (watchdog_seconds is \(config.watchdogSeconds); \(how))"
            logger.error("\(child.spec.name) (pid \(pid)) \(child.killedBecause!); sending SIGKILL to its process group")
            record(ServiceHung(service: child.spec.name, pid: pid, silentMs: silent, watchdogSeconds: config.watchdogSeconds))
            ChildProcess.signalGroup(pid, SIGKILL)
        }
    }

    /// Children asked to stop that are past the stop timeout get SIGKILL on their process group.
    private func killOverdue(now: Int64) {
        for child in children where child.state == .stopping {
            guard let pid = child.pid, let killAt = child.killAt, now >= killAt, !child.sentKill else { continue }
            logger.warning("\(child.spec.name) (pid \(pid)) did not stop within \(formatMillis(config.stopTimeoutMillis)); sending SIGKILL to its process group")
            ChildProcess.signalGroup(pid, SIGKILL)
            child.sentKill = true
        }
    }

    private func startDue(now: Int64) {
        for child in children where child.state == .restarting && now >= child.restartAt {
            launch(child, isRestart: true)
        }
    }

    private func handleRestartRequests() {
        for name in state.takeRestartRequests() {
            guard let child = children.first(where: { $0.spec.name == name }) else { continue }
            logger.info("restart of \(name) requested by an operator")
            switch child.state {
            case .running, .starting:
                guard let pid = child.pid else { continue }  // not launched yet: it starts in its turn
                child.restartWhenStopped = true
                askToStop(child, pid: pid)
            case .stopping:
                child.restartWhenStopped = true
            case .restarting:
                child.backoffMillis = 0
                child.restartAt = monotonicMillis()
            case .failed, .stopped:
                child.history.reset()
                child.reason = nil
                child.backoffMillis = 0
                launch(child, isRestart: true)
            }
        }
    }

    // MARK: - Starting and exits

    private func launch(_ child: Child, isRestart: Bool) {
        removeSocketFiles(of: child.spec.name)
        child.closeProbe()
        child.killedBecause = nil
        child.hung = false
        child.cpuSamples = []
        child.saidBusy = false
        child.killAt = nil
        child.sentKill = false
        child.restartWhenStopped = false
        child.launched = true
        if isRestart { child.restarts += 1 }
        appendMarker(child, "starting \(child.spec.executable)" + (isRestart ? " (restart \(child.restarts))" : ""))
        let arguments = child.spec.args + ["--run-dir", directories.run, "--data-dir", directories.data]
        var childEnvironment = config.environment(for: child.spec, base: environment)
        // The portal presents its own key (role portal), never the stack's; a service uses the stack's key.
        childEnvironment["SEND_KEY_FILE"] = child.spec.name == ServiceName.portal ? directories.portalKeyPath : nil
        childEnvironment["SEND_OPERATOR_KEY"] = nil
        do {
            let pid = try ChildProcess.spawn(executable: child.executablePath, arguments: arguments,
                                             environment: childEnvironment,
                                             logPath: child.logPath)
            child.pid = pid
            child.state = .starting
            child.startedMonotonic = monotonicMillis()
            child.startedAt = Timestamp.now()
            child.readyDeadline = child.startedMonotonic + config.readyTimeoutMillis
            let which = isRestart ? " (restart \(child.restarts), after \(child.backoffMillis) ms)" : ""
            logger.info("started \(child.spec.name) pid=\(pid)\(which)")
            if isRestart {
                record(ServiceRestarted(service: child.spec.name, pid: pid, restarts: child.restarts, backoffMillis: child.backoffMillis))
            }
        } catch {
            // Nothing to run (a missing binary): the same as a start that failed at once.
            logger.error("\(child.spec.name): \(error.message)")
            child.pid = nil
            child.startedMonotonic = monotonicMillis()
            afterExit(child, status: .exited(code: 127), detail: error.message)
        }
    }

    private func exited(_ child: Child, pid: pid_t, status: ExitStatus) {
        let now = monotonicMillis()
        let uptime = now - child.startedMonotonic
        let expected = child.state == .stopping
        child.pid = nil
        child.closeProbe()
        liveness.forget(child.spec.name)
        record(ServiceExited(service: child.spec.name, pid: pid, end: status.end, uptimeMillis: uptime, expected: expected))
        let text = "\(child.spec.name) (pid \(pid)) exited: \(status) after \(formatMillis(uptime))"
        if expected { logger.info("\(text)") } else { logger.warning("\(text)") }
        afterExit(child, status: status, detail: child.killedBecause)
    }

    /// Records the exit, then restarts the child (at once when an operator asked, else after its
    /// backoff) or marks it failed when it has used up the restart intensity.
    private func afterExit(_ child: Child, status: ExitStatus, detail: String?) {
        child.lastExit = status
        child.lastExitAt = Timestamp.now()
        if host.isStopping {
            child.state = .stopped
            return
        }
        if child.restartWhenStopped {
            child.backoffMillis = 0
            launch(child, isRestart: true)
            return
        }
        let policy = config.restart
        switch child.history.decide(at: monotonicMillis(), policy: policy) {
        case .restart(let backoff):
            child.state = .restarting
            child.backoffMillis = backoff
            child.restartAt = monotonicMillis() + backoff
            let count = child.history.restarts.count
            logger.info("restarting \(child.spec.name) in \(backoff) ms (restart \(count) of at most \(policy.intensity) in \(formatMillis(policy.periodMillis)))")
        case .fail(let count):
            child.state = .failed
            var reason = "exited again after \(count) restart\(count == 1 ? "" : "s") within \(formatMillis(policy.periodMillis)) "
                + "(the limit is \(policy.intensity)); last exit: \(status)"
            if let detail { reason += ", \(detail)" }
            reason += "; see \(child.logPath)"
            child.reason = reason
            var message = "\(child.spec.name) failed: \(reason). It will not be restarted until an operator runs "
                + "`sendctl restart \(child.spec.name)` or restarts the stack"
            let tail = logTail(child.logPath)
            if !tail.isEmpty { message += ". Last lines of its log:\n" + tail.map { "    \($0)" }.joined(separator: "\n") }
            logger.error("\(message)")
            record(ServiceFailed(service: child.spec.name, reason: reason, restartsInWindow: count, end: status.end, log: child.logPath))
        }
    }

    private func askToStop(_ child: Child, pid: pid_t) {
        child.state = .stopping
        child.killAt = monotonicMillis() + config.stopTimeoutMillis
        child.sentKill = false
        ChildProcess.signalGroup(pid, SIGTERM)
    }

    // MARK: - Stopping

    /// Stops every child in reverse start order: SIGTERM, then SIGKILL to its process group after the stop timeout.
    private func stopAll() {
        state.setStopping()
        let running = children.filter { $0.pid != nil }.count
        logger.info("stopping \(running) service\(running == 1 ? "" : "s") in reverse order")
        for child in children where child.pid == nil && child.state != .failed {
            child.state = .stopped
        }
        publish()
        for child in children.reversed() {
            guard let pid = child.pid else { continue }
            if child.state != .stopping { askToStop(child, pid: pid) }
            publish()
            // Wait for it; SIGKILL at the stop timeout; a process that outlives even SIGKILL is reported, not waited for forever.
            let giveUp = (child.killAt ?? monotonicMillis()) + 5_000
            while child.pid != nil {
                if let status = ChildProcess.reap(pid) {
                    exited(child, pid: pid, status: status)
                    break
                }
                let now = monotonicMillis()
                killOverdue(now: now)
                if now >= giveUp {
                    logger.critical("\(child.spec.name) (pid \(pid)) is still running after SIGKILL; leaving it")
                    break
                }
                ChildSignal.wait(milliseconds: 2)
            }
            publish()
        }
        removeSocketFiles()
        removeFreeLockFiles()
        logger.info("all services stopped")
    }

    // MARK: - Helpers

    private func publish() {
        for child in children {
            child.silentMillis = liveness.silence(of: child.spec.name)
            child.longestSilenceMillis = liveness.longestGap(of: child.spec.name)
        }
        state.publish(children.map(\.snapshot))
    }

    /// Records an event (durable, with the next seq); a failure to write is logged, never fatal.
    private func record<P: EventPayload>(_ payload: P) {
        do {
            try host.write { ctx in
                try ctx.emit(payload)
                return .null
            }
        } catch {
            logger.error("cannot record \(P.eventType): \(error)")
        }
    }

    /// Socket files of services the supervisor owns: stale whenever their service is not running.
    private func removeSocketFiles(of service: String? = nil) {
        for name in service.map({ [$0] }) ?? children.map(\.spec.name) {
            for path in directories.socketFiles(name) { unlink(path) }
        }
    }

    /// After a clean stop, the lock files no process holds: a lock file left on the run directory
    /// then always means a service that ended without its supervisor seeing it (`service.gone`).
    private func removeFreeLockFiles() {
        for child in children {
            let path = directories.lockPath(child.spec.name)
            if lockHolder(path) == nil { unlink(path) }
        }
    }

    /// A service left running by a supervisor that was killed holds the service's lock, so a new
    /// process could never start. The supervisor owns the run directory (it holds its own lock),
    /// so it stops such a process: SIGTERM, then SIGKILL after the stop timeout.
    private func takeOverLeftovers() {
        // In reverse order, as `stopAll` stops them: the portal and the followers before the services
        // they read, so none of them is left waiting on a source that has just gone.
        for child in children.reversed() {
            let lockPath = directories.lockPath(child.spec.name)
            guard let holder = lockHolder(lockPath) else {
                // A lock file that no process holds: the service died without a supervisor to see it.
                if access(lockPath, F_OK) == 0 {
                    let pid = lockFilePid(lockPath)
                    logger.warning("\(child.spec.name) had been running on \(directories.run) (pid \(pid.map(String.init) ?? "?")) and is gone; it is started afresh")
                    record(ServiceGone(service: child.spec.name, pid: pid))
                }
                continue
            }
            let run = directories.run
            logger.warning("\(child.spec.name) (pid \(holder)) is running on \(run) without a supervisor; stopping it so that it can be supervised")
            _ = kill(holder, SIGTERM)
            // A frozen process cannot act on SIGTERM: SIGCONT lets it (a running one ignores it).
            _ = kill(holder, SIGCONT)
            var signal = "SIGTERM"
            let deadline = monotonicMillis() + config.stopTimeoutMillis
            while lockHolder(lockPath) != nil && monotonicMillis() < deadline { usleep(10_000) }
            if lockHolder(lockPath) != nil {
                signal = "SIGKILL"
                _ = kill(holder, SIGKILL)
                let killDeadline = monotonicMillis() + 2_000
                while lockHolder(lockPath) != nil && monotonicMillis() < killDeadline { usleep(10_000) }
            }
            let stopped = lockHolder(lockPath) == nil
            record(OrphanStopped(service: child.spec.name, pid: holder, signal: signal, stopped: stopped))
        }
    }

    /// The pid a lock file names, held or not.
    private func lockFilePid(_ path: String) -> pid_t? { InstanceLock.inspect(path)?.pid }

    /// The pid written in a service's lock file while another process holds the lock; nil when free.
    private func lockHolder(_ path: String) -> pid_t? {
        guard let lock = InstanceLock.inspect(path), lock.held else { return nil }
        return lock.pid
    }

    /// One line in the service's log between runs, so an operator reading it sees where each run begins.
    private func appendMarker(_ child: Child, _ text: String) {
        let line = "--- \(Timestamp.now()) send-supervisor: \(text) ---\n"
        let fd = open(child.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    /// The last few lines of a log file (services log ids and counts only, never personal data).
    private func logTail(_ path: String, lines: Int = 5) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("--- ") }.suffix(lines).map { String($0.prefix(500)) }
    }
}

/// `250 ms`, `10 s`, `1 min`.
func formatMillis(_ ms: Int64) -> String {
    if ms < 1000 { return "\(ms) ms" }
    if ms % 60_000 == 0 { return "\(ms / 60_000) min" }
    if ms % 1000 == 0 { return "\(ms / 1000) s" }
    return String(format: "%.1f s", Double(ms) / 1000)
}

extension RuntimeDirectories {
    /// `<data>/logs`, private like the data directory.
    static func makeLogDirectory(_ directories: RuntimeDirectories) {
        _ = mkdir("\(directories.data)/logs", 0o700)
    }
}
