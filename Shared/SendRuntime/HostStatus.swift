import Foundation
import SendModel

/// What `health` reports, shared between the host's threads.
/// `@unchecked Sendable`: every field is read and written under `lock`.
final class HostStatus: @unchecked Sendable {
    struct FollowerState {
        var cursor: Int64 = 0
        var sourceLastSeq: Int64 = 0
        var lastHeard: Timestamp?
        var applied: Int64 = 0
        var failures: Int64 = 0
        /// Times events had to be fetched with events.since because they did not arrive on the PUB socket.
        var fetches: Int64 = 0
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
    func setState(_ s: String) { lock.withLock { state = s } }

    func updateFollower(_ source: String, _ change: (inout FollowerState) -> Void) {
        lock.withLock {
            var f = followers[source] ?? FollowerState()
            change(&f)
            followers[source] = f
        }
    }

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
                    "failures": .int(f.failures),
                    "fetches": .int(f.fetches),
                ]
            }
            return [
                "service": .string(service),
                "status": .string(state),
                "pid": .int(Int64(pid)),
                "started_at": .string(startedAt.description),
                "uptime_ms": .int(monotonicMillis() - startedMonotonic),
                "last_seq": .int(lastSeq),
                "follows": .object(follows),
                "jobs": .object(jobs.mapValues { j in
                    ["runs": .int(j.runs), "last_run": .string(j.last.description), "last_error": j.error.map { .string($0) } ?? .null]
                }),
            ]
        }
    }
}
