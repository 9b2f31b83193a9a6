import Foundation
public import Logging
public import SendModel
public import ZeroMQ

/// Reads a service's events exactly once, in order, across kills, restarts and dropped messages.
///
/// It subscribes first, then catches up with `events.since` from its cursor. A seq at or below
/// the cursor is a duplicate and dropped; a jump past cursor+1, or a heartbeat whose `last_seq`
/// is ahead, is a gap and is fetched with `events.since`. Each contiguous batch goes to `apply`,
/// which makes it durable together with the new cursor (a service: one transaction; `sendctl
/// subscribe`: printed, then the cursor file) and returns the new cursor, or nil if it could not.
/// A cursor short of the batch's end means `apply` stopped at an event: the follower is stalled
/// and retries from its cursor with a backoff (100 ms doubling to 2 s), never past that event.
///
/// Not `Sendable`: it owns its sockets; call `run()` on the thread that made it, or hand it to a new one before `run()`.
public final class EventFollower: @unchecked Sendable {
    // `@unchecked Sendable`: it is handed to its thread before `run()`; after that only that thread touches it.

    /// What `apply` is given: decoded events (a service applies them), or the events as their
    /// source stored them (a client that passes them on, such as `sendctl subscribe --json`).
    enum Applier {
        case events(([Event]) -> Int64?)
        case stored(([StoredEvent]) -> Int64?)
    }

    /// Events asked for per `events.since` page: the most the protocol allows.
    static let pageLimit: Int64 = 10_000

    /// What the follower saw, for health reports.
    public enum Observation: Sendable {
        case sourceLastSeq(Int64)
        case applied(cursor: Int64, count: Int)
        case fetched
        /// The source's log identity, the first time the follower learns it (keep it with the cursor).
        case incarnation(String)
        /// The source's log is not the one the cursor counts in: its identity changed. Nothing more
        /// is applied from it (said once per run of the follower).
        case replaced(was: String, now: String, sourceLastSeq: Int64)
    }

    public let source: String
    let directories: RuntimeDirectories
    let context: ZeroMQ.Context
    let logger: Logger
    let stop: StopFlag
    /// Asked between polls: true ends `run` (the host starts the follower again from its durable cursor).
    public var shouldEnd: (@Sendable () -> Bool)?
    let receiveHighWaterMark: Int32
    let apply: Applier
    let observe: (Observation) -> Void

    public private(set) var cursor: Int64
    /// The identity of the source's log the cursor counts in; nil until first heard.
    public private(set) var incarnation: String?
    /// The source's log was replaced: the follower applies nothing more until it is the old log again.
    public private(set) var replaced = false
    private var needsCatchUp = true
    private var lastCatchUpAttempt: Int64 = 0
    private var lastHeard: Int64 = 0
    private var retryDelay: Int64 = 100
    /// The last batch was not applied to its end: retry on the backoff, not at once.
    private var stalled = false

    /// A follower with a ZeroMQ context of its own (for clients such as `sendctl subscribe`).
    public convenience init(source: String, directories: RuntimeDirectories, cursor: Int64, stop: StopFlag,
                            logger: Logger, observe: @escaping (Observation) -> Void = { _ in },
                            apply: @escaping ([Event]) -> Int64?) throws {
        self.init(source: source, directories: directories, context: try ZeroMQ.Context(), cursor: cursor, stop: stop,
                  logger: logger, observe: observe, applier: .events(apply))
    }

    /// A follower with a ZeroMQ context of its own whose `apply` takes the events as they were
    /// stored, never parsed beyond their seq: for clients that only write them out.
    public convenience init(source: String, directories: RuntimeDirectories, cursor: Int64, stop: StopFlag,
                            logger: Logger, observe: @escaping (Observation) -> Void = { _ in },
                            applyStored: @escaping ([StoredEvent]) -> Int64?) throws {
        self.init(source: source, directories: directories, context: try ZeroMQ.Context(), cursor: cursor, stop: stop,
                  logger: logger, observe: observe, applier: .stored(applyStored))
    }

    public convenience init(source: String, directories: RuntimeDirectories, context: ZeroMQ.Context, cursor: Int64,
                            incarnation: String? = nil, stop: StopFlag,
                            logger: Logger, receiveHighWaterMark: Int32 = 100_000,
                            observe: @escaping (Observation) -> Void = { _ in },
                            apply: @escaping ([Event]) -> Int64?) {
        self.init(source: source, directories: directories, context: context, cursor: cursor, incarnation: incarnation,
                  stop: stop, logger: logger, receiveHighWaterMark: receiveHighWaterMark, observe: observe, applier: .events(apply))
    }

    init(source: String, directories: RuntimeDirectories, context: ZeroMQ.Context, cursor: Int64,
         incarnation: String? = nil, stop: StopFlag,
         logger: Logger, receiveHighWaterMark: Int32 = 100_000,
         observe: @escaping (Observation) -> Void = { _ in },
         applier: Applier) {
        self.source = source
        self.directories = directories
        self.context = context
        self.cursor = cursor
        self.incarnation = incarnation
        self.stop = stop
        self.logger = logger
        self.receiveHighWaterMark = receiveHighWaterMark
        self.observe = observe
        self.apply = applier
    }

    /// Follows until `stop` is set. Throws only if the sockets cannot be set up.
    public func run() throws {
        let subscriber = try Socket(context, .sub)
        try subscriber.setReceiveHighWaterMark(receiveHighWaterMark)
        try subscriber.setReconnectInterval(50, max: 500)
        try subscriber.subscribe()
        try subscriber.connect(try directories.eventEndpoint(source))
        let client = try ServiceClient(context: context, service: source, directories: directories)
        defer {
            subscriber.close()
            client.close()
        }
        let heartbeatTopic = Array(EventType.heartbeat.utf8)
        var items = [PollItem(subscriber)]
        while !stop.isSet && shouldEnd?() != true {
            let now = monotonicMillis()
            // Catch up when a gap is known, and also when the source has been silent (no heartbeat) for 3 s.
            if (needsCatchUp || now - lastHeard > 3000) && now - lastCatchUpAttempt >= retryDelay {
                lastCatchUpAttempt = now
                if catchUp(client) {
                    needsCatchUp = false
                    retryDelay = 100
                } else {
                    needsCatchUp = true
                    retryDelay = min(max(retryDelay, 50) * 2, 2000)
                }
            }
            do {
                try poll(&items, timeoutMilliseconds: 100)
            } catch {
                if error.isTerminated { return }
                continue
            }
            guard items[0].isReadable else { continue }
            var batch = Batch()
            var expected = cursor + 1
            var drained = 0
            while drained < 5000, let frames = try? subscriber.receive(dontWait: true) {
                drained += 1
                guard frames.count == 2 else { continue }
                lastHeard = monotonicMillis()
                if frames[0] == heartbeatTopic {
                    let heartbeat: Heartbeat
                    do {
                        heartbeat = try JSONValueDecoder().decode(Heartbeat.self, from: try JSONValue.parse(frames[1])["data"] ?? .null)
                    } catch {
                        logger.warning("unreadable heartbeat from \(source): \(error)")
                        continue
                    }
                    let last = heartbeat.lastSeq
                    if let known = incarnation, heartbeat.incarnation != known {
                        // Another log answers under the source's name: events.since says so for certain.
                        if !replaced { needsCatchUp = true }
                        continue
                    }
                    // A heartbeat behind the cursor is one queued while this follower was frozen or
                    // busy, from before the events it has since fetched: stale, dropped quietly.
                    if last < cursor { continue }
                    observe(.sourceLastSeq(last))
                    // Events published before this heartbeat arrived before it: anything beyond them was dropped.
                    if last > expected - 1 { needsCatchUp = true }
                    continue
                }
                if replaced { continue }
                guard let event = try? Event.decode(frames[1]) else {
                    logger.warning("dropped an unreadable event from \(source)")
                    continue
                }
                // An event of another log (the source was replaced): never applied; events.since says for certain.
                if let known = incarnation, let from = event.incarnation, from != known {
                    needsCatchUp = true
                    continue
                }
                if event.seq < expected { continue }  // duplicate
                if event.seq > expected {
                    needsCatchUp = true  // gap: fetch it with events.since
                    continue
                }
                batch.append(event, bytes: frames[1], storedOnly: isStored)
                expected += 1
            }
            if !batch.isEmpty, !deliver(batch) { needsCatchUp = true }
            if needsCatchUp && !stalled {
                lastCatchUpAttempt = 0
                retryDelay = 0
            }
        }
    }

    /// Pages through `events.since` until the cursor reaches the source's last seq. False if the source did not answer.
    /// The next page is asked for before this one is applied, so the source reads while we apply.
    /// A page is taken apart without parsing its events (`EventsPage`); only a service's follower decodes them.
    private func catchUp(_ client: ServiceClient) -> Bool {
        var next: Request? = nil
        while !stop.isSet {
            let request = next ?? Request(id: RequestID.make(), command: "events.since", args: ["after": .int(cursor), "limit": .int(Self.pageLimit)])
            next = nil
            let page: EventsPage
            do {
                let answer = try client.send(request, timeout: 1, attempts: 1) { body -> PageAnswer? in
                    if let page = EventsPage.read(body) { return page.id == request.id ? .page(page) : nil }
                    // Not a page: a refusal (or a reply of another shape), read as a reply.
                    guard let reply = try? Reply.decode(body) else { return nil }
                    if reply.id != request.id && reply.id != nil { return nil }
                    return .reply(reply)
                }
                switch answer {
                case .page(let p): page = p
                case .reply(let reply):
                    _ = try reply.outcome.get()
                    throw ServiceError(.internal, "the events.since reply has no readable events")
                }
            } catch {
                logger.debug("catch-up from \(source) failed: \(error)")
                return false
            }
            lastHeard = monotonicMillis()
            let last = page.lastSeq
            if let now = page.incarnation {
                if let known = incarnation, now != known {
                    if !replaced {
                        replaced = true
                        logger.error("\(source)'s log was replaced: it is \(now), the cursor \(cursor) counts in \(known); nothing more is applied from it",
                                     metadata: ["follow.source": "\(source)", "source.last_seq": "\(last)"])
                        observe(.replaced(was: known, now: now, sourceLastSeq: last))
                    }
                    return true
                }
                if incarnation == nil {
                    incarnation = now
                    observe(.incarnation(now))
                }
                if replaced {
                    replaced = false
                    logger.info("\(source)'s log is the one the cursor counts in again", metadata: ["follow.source": "\(source)"])
                }
            }
            observe(.sourceLastSeq(last))
            var batch = Batch()
            var expected = cursor + 1
            for stored in page.events {
                guard stored.seq >= expected else { continue }
                guard stored.seq == expected else { break }
                if isStored {
                    batch.stored.append(stored)
                } else {
                    // An event that does not decode is skipped, and the gap it leaves ends the page here.
                    guard let event = try? stored.decode(), event.seq == stored.seq else { continue }
                    batch.events.append(event)
                }
                expected += 1
            }
            if batch.isEmpty { return true }
            observe(.fetched)
            let pageEnd = batch.lastSeq!
            if pageEnd < last {
                let prefetch = Request(id: RequestID.make(), command: "events.since", args: ["after": .int(pageEnd), "limit": .int(Self.pageLimit)])
                if (try? client.post(prefetch)) != nil { next = prefetch }
            }
            if !deliver(batch) {
                // The prefetched reply is left on the socket; the client skips replies to other ids.
                return false
            }
            if cursor >= last { return true }
        }
        return false
    }

    private enum PageAnswer {
        case page(EventsPage)
        case reply(Reply)
    }

    private var isStored: Bool {
        if case .stored = apply { return true }
        return false
    }

    /// A contiguous run of events for `apply`: decoded, or as stored, as the applier takes them.
    private struct Batch {
        var events: [Event] = []
        var stored: [StoredEvent] = []

        var isEmpty: Bool { events.isEmpty && stored.isEmpty }
        var lastSeq: Int64? { stored.last?.seq ?? events.last?.seq }

        mutating func append(_ event: Event, bytes: [UInt8], storedOnly: Bool) {
            if storedOnly { stored.append(StoredEvent(seq: event.seq, bytes: bytes[...])) } else { events.append(event) }
        }
    }

    private func deliver(_ batch: Batch) -> Bool {
        let outcome: Int64?
        switch apply {
        case .events(let apply): outcome = apply(batch.events)
        case .stored(let apply): outcome = apply(batch.stored)
        }
        guard let applied = outcome else {
            stalled = true
            return false
        }
        let before = cursor
        cursor = applied
        observe(.applied(cursor: applied, count: Int(applied - before)))
        stalled = applied != batch.lastSeq
        return !stalled
    }
}
