import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// Reads another service's events exactly once, in order, across kills, restarts and dropped messages.
///
/// It subscribes first, then catches up with `events.since` from its durable cursor. A seq at or
/// below the cursor is a duplicate and dropped; a jump past cursor+1, or a heartbeat whose
/// `last_seq` is ahead, is a gap and is fetched with `events.since`. Each batch of events is
/// applied in one transaction on the writer together with the new cursor, so a crash either
/// keeps both or neither.
final class Follower: @unchecked Sendable {
    // `@unchecked Sendable`: the mutable state below is used only by the follower's own thread.
    let follow: Follow
    let directories: RuntimeDirectories
    let context: ZeroMQ.Context
    let writer: Writer
    let status: HostStatus
    let logger: Logger
    let stop: StopFlag
    let receiveHighWaterMark: Int32

    private var cursor: Int64
    private var needsCatchUp = true
    private var lastCatchUpAttempt: Int64 = 0
    private var lastHeard: Int64 = 0
    private var retryDelay: Int64 = 100

    init(follow: Follow, directories: RuntimeDirectories, context: ZeroMQ.Context, writer: Writer, status: HostStatus,
         logger: Logger, stop: StopFlag, cursor: Int64, receiveHighWaterMark: Int32 = 100_000) {
        self.follow = follow
        self.directories = directories
        self.context = context
        self.writer = writer
        self.status = status
        self.logger = logger
        self.stop = stop
        self.cursor = cursor
        self.receiveHighWaterMark = receiveHighWaterMark
    }

    func run() {
        let source = follow.source
        let subscriber: Socket
        let client: Client
        do {
            subscriber = try Socket(context, .sub)
            try subscriber.setReceiveHighWaterMark(receiveHighWaterMark)
            try subscriber.setReconnectInterval(50, max: 500)
            try subscriber.subscribe()
            try subscriber.connect(try directories.eventEndpoint(source))
            client = try Client(context: context, service: source, directories: directories)
        } catch {
            logger.critical("cannot follow \(source): \(error)")
            return
        }
        defer {
            subscriber.close()
            client.close()
        }
        status.updateFollower(source) { $0.cursor = cursor }
        logger.info("following \(source) from seq \(cursor)")

        var items = [PollItem(subscriber)]
        while !stop.isSet {
            let now = monotonicMillis()
            // Catch up when a gap is known, and also when the source has been silent (no heartbeat) for 3 s.
            if (needsCatchUp || now - lastHeard > 3000) && now - lastCatchUpAttempt >= retryDelay {
                lastCatchUpAttempt = now
                if catchUp(client) {
                    needsCatchUp = false
                    retryDelay = 100
                } else {
                    needsCatchUp = true
                    retryDelay = min(retryDelay * 2, 2000)
                }
            }
            do {
                try poll(&items, timeoutMilliseconds: 100)
            } catch {
                if error.isTerminated { return }
                continue
            }
            guard items[0].isReadable else { continue }
            var batch: [Event] = []
            var expected = cursor + 1
            var drained = 0
            while drained < 2000, let frames = try? subscriber.receive(dontWait: true) {
                drained += 1
                guard frames.count == 2 else { continue }
                lastHeard = monotonicMillis()
                if frames[0] == Array(EventType.heartbeat.utf8) {
                    if let body = try? JSONValue.parse(frames[1]), let last = body["data"]?["last_seq"]?.intValue {
                        status.updateFollower(source) { $0.sourceLastSeq = max($0.sourceLastSeq, last); $0.lastHeard = Timestamp.now() }
                        // Events published before this heartbeat arrived before it: anything beyond them was dropped.
                        if last > expected - 1 { needsCatchUp = true }
                        if last < cursor {
                            // The source's log is behind our cursor: it was restored or replaced. Never re-apply.
                            logger.warning("\(source) reports last_seq \(last) below our cursor \(cursor)")
                        }
                    }
                    continue
                }
                guard let event = try? Event.decode(frames[1]) else {
                    logger.warning("dropped an unreadable event from \(source)")
                    continue
                }
                if event.seq < expected { continue }  // duplicate
                if event.seq > expected {
                    needsCatchUp = true  // gap: fetch it with events.since
                    continue
                }
                batch.append(event)
                expected += 1
            }
            if !batch.isEmpty {
                if !apply(batch) { needsCatchUp = true }
            }
            if needsCatchUp { lastCatchUpAttempt = 0; retryDelay = 0 }
        }
    }

    /// Pages through `events.since` until the cursor reaches the source's last seq. False if the source did not answer.
    private func catchUp(_ client: Client) -> Bool {
        while !stop.isSet {
            let result: JSONValue
            do {
                result = try client.call("events.since", ["after": .int(cursor), "limit": 1000], timeout: 1, attempts: 1)
            } catch {
                logger.debug("catch-up from \(follow.source) failed: \(error)")
                return false
            }
            lastHeard = monotonicMillis()
            let last = result["last_seq"]?.intValue ?? 0
            status.updateFollower(follow.source) { $0.sourceLastSeq = max($0.sourceLastSeq, last); $0.lastHeard = Timestamp.now() }
            let events = (result["events"]?.arrayValue ?? []).compactMap { try? Event(json: $0) }
            // Keep only the contiguous run after the cursor.
            var batch: [Event] = []
            var expected = cursor + 1
            for event in events where event.seq >= expected {
                guard event.seq == expected else { break }
                batch.append(event)
                expected += 1
            }
            if batch.isEmpty { return true }
            status.updateFollower(follow.source) { $0.fetches += 1 }
            if !apply(batch) { return false }
            if cursor >= last { return true }
        }
        return false
    }

    /// Applies events and the new cursor in one transaction. Each event runs in its own savepoint:
    /// one that its handler rejects is recorded in `send_follow_failures` and passed, never retried forever.
    private func apply(_ batch: [Event]) -> Bool {
        let source = follow.source
        let handler = follow.handler
        let logger = self.logger
        let startCursor = cursor
        let outcome = writer.perform { ctx in
            // The cursor is read inside the transaction: the durable truth, not our memory.
            let stored = try ServiceDatabase.cursor(ctx.db, source: source)
            var applied: Int64 = 0
            var failures: Int64 = 0
            var last = stored
            for event in batch where event.seq == last + 1 {
                do {
                    try ctx.db.inSavepoint {
                        try handler(ctx, event)
                        return .commit
                    }
                    applied += 1
                } catch let error as DatabaseError where Writer.isStorageFailure(error) {
                    throw error
                } catch {
                    failures += 1
                    logger.error("event \(source)#\(event.seq) \(event.type) rejected by handler: \(error)")
                    try ctx.db.execute(sql: "INSERT OR REPLACE INTO send_follow_failures(source, seq, type, error, at) VALUES (?, ?, ?, ?, ?)",
                                       arguments: [source, event.seq, event.type, "\(error)", ctx.now.description])
                }
                last = event.seq
            }
            try ServiceDatabase.setCursor(ctx.db, source: source, seq: last)
            return ["cursor": .int(last), "applied": .int(applied), "failures": .int(failures)]
        }
        switch outcome {
        case .success(let value):
            let newCursor = value["cursor"]?.intValue ?? startCursor
            cursor = newCursor
            status.updateFollower(source) {
                $0.cursor = newCursor
                $0.applied += value["applied"]?.intValue ?? 0
                $0.failures += value["failures"]?.intValue ?? 0
            }
            return newCursor == (batch.last?.seq ?? newCursor)
        case .failure(let error):
            logger.error("could not apply events from \(source): \(error)")
            return false
        }
    }
}
