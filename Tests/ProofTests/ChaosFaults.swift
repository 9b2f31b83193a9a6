import Foundation
import SendModel
import SendRuntime
import TestSupport

/// The kinds of fault the chaos test deals, and how often. In the CI run (`SEND_CHAOS_MIN_FAULTS`
/// unset) each kind comes a few times within `SEND_CHAOS_SECONDS`; in the acceptance run the load
/// goes on until every kind has happened at least `SEND_CHAOS_MIN_FAULTS` times.
struct ChaosPlan {
    /// The supervisor's `watchdog_seconds` for the run (`SEND_CHAOS_WATCHDOG`; 5 in CI, and the
    /// acceptance run uses the default, 10).
    let watchdogSeconds: Int
    /// At least this many of every kind (0: as many as the time allows).
    let minimumFaults: Int

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        minimumFaults = Int(environment["SEND_CHAOS_MIN_FAULTS"] ?? "") ?? 0
        watchdogSeconds = Int(environment["SEND_CHAOS_WATCHDOG"] ?? "") ?? (minimumFaults > 0 ? 10 : 5)
    }

    var acceptance: Bool { minimumFaults > 0 }

    /// Seconds until the next fault of a kind, `dealt` of it so far. The acceptance run deals each
    /// kind fast until it has its minimum, then at the CI run's pace: a long freeze holds up every
    /// client that asks the frozen service, so the load needs the time between them.
    func interval(_ kind: ChaosFault, dealt: Int) -> Double {
        let hurry = acceptance && dealt < minimumFaults
        return switch kind {
        case .serviceKill: Double.random(in: 3.0...5.0)
        case .subscriberKill: Double.random(in: 1.5...3.0)
        case .shortFreeze: hurry ? Double.random(in: 3.0...5.0) : Double.random(in: 6.0...9.0)
        // After the last long freeze ended (it lasts a watchdog period and a little more).
        case .longFreeze: hurry ? Double.random(in: 2.0...4.0) : Double.random(in: 18.0...22.0)
        case .supervisorKill: hurry ? Double.random(in: 6.0...9.0) : Double.random(in: 17.0...21.0)
        }
    }

    /// When the first of each kind comes, in seconds from the start of the load.
    func first(_ kind: ChaosFault) -> Double {
        switch kind {
        case .serviceKill: 3
        case .subscriberKill: 2
        case .shortFreeze: 5
        case .longFreeze: 8
        case .supervisorKill: acceptance ? 12 : 20
        }
    }

    /// How long a short freeze lasts: well inside the watchdog (a heartbeat a second, and the
    /// load's longest gap between two, about 1 s, on top).
    func shortFreezeSeconds() -> Double { Double.random(in: 0.5...(Double(watchdogSeconds) * 0.4)) }

    /// The stack configuration: deploy/stack.json with this run's watchdog.
    func stackConfig() throws -> String {
        let shipped = try String(contentsOfFile: "\(repositoryRoot)/deploy/stack.json", encoding: .utf8)
        let config = shipped.replacingOccurrences(of: "\"watchdog_seconds\": 10", with: "\"watchdog_seconds\": \(watchdogSeconds)")
        precondition(config.contains("\"watchdog_seconds\": \(watchdogSeconds)"), "deploy/stack.json has no watchdog_seconds of 10")
        return config
    }
}

enum ChaosFault: String, CaseIterable {
    case serviceKill = "SIGKILL of a service"
    case supervisorKill = "SIGKILL of the supervisor, then deploy/stack up --detach"
    case shortFreeze = "SIGSTOP/SIGCONT shorter than the watchdog"
    case longFreeze = "SIGSTOP longer than the watchdog"
    case subscriberKill = "SIGKILL of sendctl subscribe --out"
}

/// A fault dealt: what, to which process, when (seconds into the load), and for freezes how long.
struct DealtFault {
    let kind: ChaosFault
    let service: String
    let pid: Int32
    let at: Double
    var seconds: Double = 0
}

/// `sendctl subscribe --out FILE`, started again after each SIGKILL: FILE itself is its position.
final class OutSubscriber {
    let file: String
    private let dir: TestDirectory
    private(set) var process: ServiceProcess
    private(set) var runs: [ServiceProcess] = []

    init(dir: TestDirectory, file: String) throws {
        self.dir = dir
        self.file = file
        process = try Self.start(dir: dir, file: file, run: 0)
        runs = [process]
    }

    private static func start(dir: TestDirectory, file: String, run: Int) throws -> ServiceProcess {
        try ServiceProcess("sendctl", ["subscribe", "--out", file] + dir.flags, directory: dir, label: "subscribe-out-\(run)")
    }

    var isRunning: Bool { process.isRunning }

    /// A new run (after a SIGKILL, or after it exited by itself: 69 while notifications is down).
    func restart() throws {
        process = try Self.start(dir: dir, file: file, run: runs.count)
        runs.append(process)
    }

    /// SIGKILL at whatever instant this is; the pid killed, or nil if it was not running.
    func kill() -> Int32? {
        guard process.isRunning else { return nil }
        let pid = process.pid
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: 10)
        return pid
    }

    /// The lines of FILE (the last one empty when the file ends with a newline).
    func lines() -> [String] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func lastSeq() -> Int64? {
        lines().last { !$0.isEmpty }.flatMap { try? JSONValue.parse($0)["seq"]?.intValue }
    }

    /// Runs that started by cutting off a torn last line a SIGKILL left.
    var tornLinesCut: Int { runs.filter { $0.output.contains("cut off a torn last line") }.count }

    /// SIGTERM to the current run; its exit status.
    func stop() -> Int32 {
        guard process.isRunning else { return process.process.terminationStatus }
        process.signal(SIGTERM)
        return process.waitForExit(timeout: 10) ?? -1
    }
}
