import Foundation
import GRDB
import SendModel
import Synchronization

/// `follower.accept {source, identity, from}`: an operator accepts a source's replaced log (its
/// database was made afresh, or restored alone from a backup), and the follower that stopped on it
/// applies again. Nothing is decided by seq arithmetic: the operator names the new log's identity
/// (the one `health` gives), and where to begin in it — `start` applies the new log from its first
/// event (the source started empty, so everything in it is new), `end` only what comes after the
/// source's last event now (what it holds was applied already, from the old log).
enum FollowerAccept {
    static let command = "follower.accept"

    static func handler(definition: ServiceDefinition, sources: [String], status: HostStatus, restarts: FollowerRestarts) -> CommandHandler {
        let service = definition.name
        return .write { ctx in
            let v = ctx.validator()
            let source = v.string("source", maxLength: 64)
            let identity = v.string("identity", maxLength: 64)
            let from = v.string("from", maxLength: 16)
            try v.check()
            guard let source, let identity, let from else { throw ServiceError(.invalid, "source, identity and from are required") }
            guard sources.contains(source) else {
                throw ServiceError(.invalid, "\(service) does not follow '\(source)'; "
                    + (sources.isEmpty ? "it follows no service" : "it follows \(sources.joined(separator: ", "))"), field: "source")
            }
            guard from == "start" || from == "end" else {
                throw ServiceError(.invalid, "from must be 'start' (apply the new log from its first event) or 'end' (only what comes next)", field: "from")
            }
            guard let replacement = status.follower(source)?.replacement else {
                throw ServiceError(.conflict, "\(service)'s follower of \(source) is not stopped on a replaced log; nothing changed")
            }
            guard replacement.incarnation == identity else {
                throw ServiceError(.conflict, "\(source)'s log is now \(replacement.incarnation), not \(identity); nothing changed", field: "identity")
            }
            let previous = try ServiceDatabase.cursorIncarnation(ctx.db, source: source)
            let cursor = from == "start" ? 0 : replacement.sourceLastSeq
            try ServiceDatabase.setCursor(ctx.db, source: source, seq: cursor, incarnation: identity)
            try ServiceDatabase.clearStall(ctx.db, source: source)
            try definition.emitRuntimeEvent(FollowerAccepted(service: service, source: source, incarnation: identity, previous: previous, cursor: cursor), ctx: ctx)
            ctx.afterCommit { restarts.request(source) }
            return ["service": .string(service), "source": .string(source), "identity": .string(identity),
                    "cursor": .int(cursor), "from": .string(from)]
        }
    }
}

/// The followers asked to start again from their durable cursor (after `follower.accept`): each
/// ends its loop, and the host starts it again at once, without calling it stopped.
final class FollowerRestarts: Sendable {
    private let pending = Mutex<Set<String>>([])

    func request(_ source: String) { pending.withLock { _ = $0.insert(source) } }
    /// True while a restart of `source`'s follower is asked for.
    func isRequested(_ source: String) -> Bool { pending.withLock { $0.contains(source) } }
    /// Takes the request: true when there was one.
    func take(_ source: String) -> Bool { pending.withLock { $0.remove(source) != nil } }
}
