import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// Issue 17's figures, on the whole stack under a real `send-supervisor`: a board of 10,000 actions
/// and 100,000 progress updates and a comms database of England's 638,745 families, backed up with
/// the real `sendctl backup` while two client threads make paced durable writes (progress notes to
/// the board, enquiries to comms). The same clients' latencies without a backup and during one, in
/// one run (five backups, one after another), and the backup's seconds and sizes; then the same with the copies encrypted by `age`
/// when it is installed.
enum BackupBench {
    struct Figures {
        /// The median of the five backups, and the slowest.
        var seconds: Double
        var slowest: Double
        var bytes: [String: Int64]
        var without: Percentiles
        var during: Percentiles
        var samplesDuring: Int
        var encryptedSeconds: Double?
    }

    static func run(families: Int, actions: Int, updates: Int, into figures: inout [String: JSONValue]) throws {
        let work = try BenchDirectory()
        defer { work.remove() }
        let directories = work.directories
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        for name in ["send-supervisor", "sendctl", "parent-comms", "board-actions"] where !FileManager.default.isExecutableFile(atPath: "\(bin)/\(name)") {
            throw StartupError("\(bin)/\(name) is missing: build the package first (swift build -c release)")
        }

        // 1. The board, loaded through its own process; then the whole stack on the same directories.
        let board = try BoardBenchmark.parse(["--actions", String(actions), "--updates", String(updates)])
        _ = try board.loadPlan(directories)
        let environment = ["SEND_TODAY": BoardBenchmark.today, "SEND_RATE_LIMIT_PER_MINUTE": "0"]
        let supervisor = try StackBench.startSupervisor(binDirectory: bin, directories: directories, environment: environment)
        defer { StackBench.stop(supervisor) }
        let context = try ZeroMQ.Context()
        try StackBench.waitAllReady(context: context, directories: directories)

        // 2. The families, imported as an operator would.
        let csvPath = "\(work.path)/families.csv"
        try CommsBench.writeFamilies(families, to: csvPath)
        var env = ProcessInfo.processInfo.environment
        env["SEND_RUN_DIR"] = directories.run
        env["SEND_DATA_DIR"] = directories.data
        let imported = try runProgram("\(bin)/sendctl", ["families", "import", csvPath, "--json", "--timeout", "300"], environment: env)
        guard imported.status == 0 else { throw StartupError("the families import failed: \(imported.output.prefix(500))") }
        try? FileManager.default.removeItem(atPath: csvPath)
        try waitSettled(context: context, directories: directories, timeout: 600)

        // 3. The load: paced durable writes, each client its own thread and socket.
        let load = Load(directories: directories, actions: actions, families: families)
        load.start()
        defer { load.stop() }
        Thread.sleep(forTimeInterval: 2)  // warm-up
        let quietStart = nowMicros()
        Thread.sleep(forTimeInterval: 10)
        let quietEnd = nowMicros()

        // Five backups one after another, a second apart (--keep 1 prunes the one before), so the
        // latencies during them are thousands of writes, not the few hundred of one backup.
        let backups = "\(work.path)/backups"
        var windows: [(start: Double, end: Double)] = []
        for _ in 0..<5 {
            let started = nowMicros()
            let backup = try runProgram("\(bin)/sendctl", ["backup", "--out", backups, "--keep", "1"], environment: env)
            windows.append((started, nowMicros()))
            guard backup.status == 0 else { throw StartupError("sendctl backup failed: \(backup.output.prefix(800))") }
            Thread.sleep(forTimeInterval: 1)
        }

        // 4. The same with encryption, when age is here.
        var encryptedSeconds: Double?
        if let ageKeygen = ["/usr/bin/age-keygen", "/usr/local/bin/age-keygen"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let keyFile = "\(work.path)/age.key"
            let made = try runProgram(ageKeygen, ["-o", keyFile], environment: env)
            if made.status == 0, let recipient = made.output.split(separator: "\n").first(where: { $0.contains("age1") })
                .flatMap({ $0.split(separator: " ").last.map(String.init) }) {
                var encrypted = env
                encrypted["SEND_BACKUP_RECIPIENT"] = recipient
                let t0 = nowMicros()
                let run = try runProgram("\(bin)/sendctl", ["backup", "--out", "\(work.path)/encrypted"], environment: encrypted)
                if run.status == 0 { encryptedSeconds = (nowMicros() - t0) / 1e6 }
            }
        }
        load.stop()

        let samples = load.samples()
        let without = samples.filter { $0.at >= quietStart && $0.at < quietEnd }.map(\.micros)
        let during = samples.filter { sample in windows.contains { sample.at >= $0.start && sample.at < $0.end } }.map(\.micros)
        let seconds = windows.map { ($0.end - $0.start) / 1e6 }.sorted()
        var bytes: [String: Int64] = [:]
        if let dir = try FileManager.default.contentsOfDirectory(atPath: backups).first(where: { $0.hasPrefix("send-backup-") }),
           let data = FileManager.default.contents(atPath: "\(backups)/\(dir)/\(BackupManifest.fileName)"),
           let manifest = try? JSONValueDecoder().decode(BackupManifest.self, from: try JSONValue.parse(Array(data))) {
            for copy in manifest.services { bytes[copy.service] = copy.bytes }
        }
        let f = Figures(seconds: seconds[seconds.count / 2], slowest: seconds.last ?? 0, bytes: bytes, without: Percentiles(without), during: Percentiles(during),
                        samplesDuring: during.count, encryptedSeconds: encryptedSeconds)
        report(f, families: families, actions: actions, updates: updates, failures: load.failures, into: &figures)
    }

    static func report(_ f: Figures, families: Int, actions: Int, updates: Int, failures: Int, into figures: inout [String: JSONValue]) {
        let sizes = BackupManifest.order.compactMap { s in f.bytes[s].map { String(format: "%@ %.1f MB", s, Double($0) / 1e6) } }
        print(String(format: "backup of all services (%d families, %d actions, %d updates): %.2f s, the median of 5 (slowest %.2f s; target ≤ 10 s); ",
                     families, actions, updates, f.seconds, f.slowest)
            + sizes.joined(separator: ", "))
        if let e = f.encryptedSeconds { print(String(format: "the same, encrypted with age: %.2f s", e)) }
        let ratio = f.without.p99 > 0 ? f.during.p99 / f.without.p99 : 0
        print(String(format: "durable writes at 400/s (board progress notes, comms enquiries): p50 %.2f ms, p99 %.2f ms without a backup; "
                     + "p50 %.2f ms, p99 %.2f ms during the 5 backups (%d writes; %.2f× — target ≤ 2×); %d failed",
                     f.without.p50 / 1000, f.without.p99 / 1000, f.during.p50 / 1000, f.during.p99 / 1000, f.samplesDuring, ratio, failures))
        figures["backup_s"] = .double((f.seconds * 100).rounded() / 100)
        figures["backup_slowest_s"] = .double((f.slowest * 100).rounded() / 100)
        if let e = f.encryptedSeconds { figures["backup_encrypted_s"] = .double((e * 100).rounded() / 100) }
        for (s, b) in f.bytes { figures["backup_\(s)_bytes"] = .int(b) }
        figures["backup_write_p99_without_ms"] = .double((f.without.p99 / 10).rounded() / 100)
        figures["backup_write_p99_during_ms"] = .double((f.during.p99 / 10).rounded() / 100)
        figures["backup_write_p99_ratio"] = .double((ratio * 100).rounded() / 100)
        figures["backup_write_failures"] = .int(Int64(failures))
    }

    /// Until every follower's cursor is its source's last seq.
    static func waitSettled(context: ZeroMQ.Context, directories: RuntimeDirectories, timeout: Double) throws {
        let deadline = nowMicros() + timeout * 1e6
        while nowMicros() < deadline {
            var lasts: [String: Int64] = [:]
            var follows: [String: [String: JSONValue]] = [:]
            for service in ServiceName.managed + [ServiceName.supervisor] {
                guard let client = try? ServiceClient(context: context, service: service, directories: directories) else { continue }
                if let health = client.health(timeout: 2) {
                    lasts[service] = health["last_seq"]?.intValue
                    follows[service] = health["follows"]?.objectValue
                }
                client.close()
            }
            let settled = follows.allSatisfy { _, sources in
                sources.allSatisfy { source, f in lasts[source] == nil || f["cursor"]?.intValue == lasts[source] }
            }
            if settled && lasts.count == ServiceName.managed.count + 1 { return }
            usleep(200_000)
        }
        throw StartupError("the followers did not catch up within \(Int(timeout)) s")
    }

    /// Two paced writers, 200 writes a second each: board progress notes and comms enquiries.
    /// `@unchecked Sendable`: `recorded` and `failed` are guarded by `lock`; `stopFlag` is itself locked.
    final class Load: @unchecked Sendable {
        let directories: RuntimeDirectories
        let actions: Int
        let families: Int
        private let lock = NSLock()
        private var recorded: [(at: Double, micros: Double)] = []
        private var failed = 0
        private let stopFlag = StopFlag()
        private var threads: [Thread] = []
        private let finished = DispatchGroup()

        init(directories: RuntimeDirectories, actions: Int, families: Int) {
            self.directories = directories
            self.actions = actions
            self.families = families
        }

        func start() {
            for writer in 0..<2 {
                finished.enter()
                let thread = Thread { [self] in
                    defer { finished.leave() }
                    run(writer)
                }
                thread.start()
                threads.append(thread)
            }
        }

        func stop() {
            stopFlag.set()
            finished.wait()
        }

        func samples() -> [(at: Double, micros: Double)] { lock.withLock { recorded } }
        var failures: Int { lock.withLock { failed } }

        private func run(_ writer: Int) {
            guard let context = try? ZeroMQ.Context() else { return }
            let service = writer == 0 ? ServiceName.board : ServiceName.comms
            guard let client = try? ServiceClient(context: context, service: service, directories: directories) else { return }
            defer { client.close() }
            let interval = 1e6 / 200
            var next = nowMicros()
            var k = 0
            while !stopFlag.isSet {
                k += 1
                let args: JSONValue = writer == 0
                    ? ["action_id": .string(String(format: "A-%04d", 1 + k % actions)), "note": .string("Backup bench note \(k)"), "author_role": "Head of SEND"]
                    : ["family_ref": .string("F\(1 + (k * 7919) % families)"), "text": .string("Backup bench enquiry \(k)")]
                let command = writer == 0 ? "actions.progress" : "enquiries.add"
                let t0 = nowMicros()
                let ok = (try? client.call(command, args, timeout: 10, attempts: 1)) != nil
                let t1 = nowMicros()
                lock.withLock {
                    if ok { recorded.append((t0, t1 - t0)) } else { failed += 1 }
                }
                next += interval
                let wait = next - nowMicros()
                if wait > 0 { usleep(UInt32(wait)) } else { next = nowMicros() }
            }
        }
    }
}
