import Foundation
import SendModel

/// Why a follower has stopped applying, as `health` reports it.
struct FollowerStall: Sendable, Equatable {
    /// The event it stopped at (its cursor is one before).
    var seq: Int64
    /// That event's type; nil when its thread ended before reading it.
    var type: String?
    var reason: String
}

/// What `health` reports, shared between the host's threads.
/// `@unchecked Sendable`: every field is read and written under `lock`.
final class HostStatus: @unchecked Sendable {
    struct FollowerState {
        var cursor: Int64 = 0
        var sourceLastSeq: Int64 = 0
        var lastHeard: Timestamp?
        var applied: Int64 = 0
        /// Set while the follower is stopped at an event (or its thread has ended): health is `degraded`.
        var stall: FollowerStall?
        /// Times events had to be fetched with events.since because they did not arrive on the PUB socket.
        var fetches: Int64 = 0
        /// Set while the source's log is another than the cursor counts in: its identity and last seq
        /// when heard (what `follower.accept` checks and starts from).
        var replacement: (incarnation: String, sourceLastSeq: Int64)?
    }

    private let lock = NSLock()
    let service: String
    let pid: Int32
    let startedAt: Timestamp
    private let startedMonotonic: Int64
    private var lastSeq: Int64 = 0
    private var state = "ready"
    private var followers: [String: FollowerState] = [:]
    private var jobs: [String: (runs: Int64, last: Timestamp, error: String?)] = [:]

    init(service: String) {
        self.service = service
        self.pid = ProcessInfo.processInfo.processIdentifier
        self.startedAt = Timestamp.now()
        self.startedMonotonic = monotonicMillis()
    }

    func setLastSeq(_ seq: Int64) { lock.withLock { lastSeq = seq } }

    /// Group commits made and the writes (requests and tasks) they held, since the process started.
    private var commits: Int64 = 0
    private var committedWrites: Int64 = 0

    /// After each group commit, with the number of writes it held.
    func recordCommit(writes: Int) {
        lock.withLock {
            commits += 1
            committedWrites += Int64(writes)
        }
    }
    func setState(_ s: String) { lock.withLock { state = s } }

    func updateFollower(_ source: String, _ change: (inout FollowerState) -> Void) {
        lock.withLock {
            var f = followers[source] ?? FollowerState()
            change(&f)
            followers[source] = f
        }
    }

    func follower(_ source: String) -> FollowerState? { lock.withLock { followers[source] } }

    func jobRan(_ name: String, error: String?) {
        lock.withLock {
            let runs = (jobs[name]?.runs ?? 0) + 1
            jobs[name] = (runs, Timestamp.now(), error)
        }
    }

    func health() -> JSONValue {
        lock.withLock {
            var follows: [String: JSONValue] = [:]
            for (source, f) in followers {
                follows[source] = [
                    "cursor": .int(f.cursor),
                    "source_last_seq": .int(f.sourceLastSeq),
                    "lag": .int(max(0, f.sourceLastSeq - f.cursor)),
                    "last_heard": f.lastHeard.map { .string($0.description) } ?? .null,
                    "applied": .int(f.applied),
                    "fetches": .int(f.fetches),
                    "stalled": f.stall.map { stall in
                        ["seq": .int(stall.seq), "type": stall.type.map { .string($0) } ?? .null, "reason": .string(stall.reason)]
                    } ?? .null,
                ]
            }
            // A follower stopped at an event makes the service degraded: it answers, but does not keep up.
            let degraded: [JSONValue] = followers.keys.sorted().compactMap { source in
                followers[source]?.stall.map { stall in
                    ["source": .string(source), "seq": .int(stall.seq), "type": stall.type.map { .string($0) } ?? .null,
                     "reason": .string(stall.reason)]
                }
            }
            var answer: [String: JSONValue] = [
                "service": .string(service),
                "status": .string(state == "ready" && !degraded.isEmpty ? "degraded" : state),
                "pid": .int(Int64(pid)),
                "started_at": .string(startedAt.description),
                "uptime_ms": .int(monotonicMillis() - startedMonotonic),
                "last_seq": .int(lastSeq),
                "follows": .object(follows),
                "commits": ["groups": .int(commits), "writes": .int(committedWrites)],
                "jobs": .object(jobs.mapValues { j in
                    ["runs": .int(j.runs), "last_run": .string(j.last.description), "last_error": j.error.map { .string($0) } ?? .null]
                }),
            ]
            if !degraded.isEmpty { answer["degraded"] = .array(degraded) }
            return .object(answer)
        }
    }
}
