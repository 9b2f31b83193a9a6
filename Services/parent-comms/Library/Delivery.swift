import Foundation
import GRDB
import Logging
import SendModel
import SendRuntime

/// The delivery loop, a `BackgroundTask` on its own thread.
///
/// Each turn: claim up to a batch of due messages (marking them `sending` in their own commit),
/// read what they need, hand each to its channel's adapter outside any transaction (at the rate
/// limit), and record the outcomes every few messages. A message is sent at least once and, unless
/// the process dies between a provider accepting it and the next record of outcomes (at most
/// `flushEvery` messages or `flushMillis`), exactly once: a message found in `sending` after a crash
/// is retried once `SEND_SENDING_RECHECK_SECONDS` have passed, and may then be sent a second time.
/// SMTP offers no way to ask a relay whether it already has a message, so this window cannot be closed.
final class DeliveryLoop {
    static let flushEvery = 20
    static let flushMillis: Int64 = 100

    let host: ServiceHost
    let config: CommsConfig
    let logger: Logger
    let adapters: [Channel: any ChannelAdapter]
    let spoolRoot: String
    private var limiter: RateLimiter
    private var unavailableDelay = 1.0
    private var pausedUntil: Int64 = 0
    private var nextSpoolCleanup: Int64 = 0

    static func task(config: CommsConfig) -> BackgroundTask {
        BackgroundTask("delivery") { host in
            DeliveryLoop(host: host, config: config).run()
        }
    }

    init(host: ServiceHost, config: CommsConfig) {
        self.host = host
        self.config = config
        self.logger = host.logger
        spoolRoot = config.spoolDirectory ?? "\(host.options.directories.data)/spool"
        var adapters: [Channel: any ChannelAdapter] = [:]
        if config.smtpURL != nil, let smtp = SMTPEmailAdapter(config: config) {
            adapters[.email] = smtp
        } else {
            adapters[.email] = SpoolAdapter(channel: .email, spoolRoot: spoolRoot, config: config)
        }
        adapters[.sms] = SpoolAdapter(channel: .sms, spoolRoot: spoolRoot, config: config)
        adapters[.letter] = SpoolAdapter(channel: .letter, spoolRoot: spoolRoot, config: config)
        self.adapters = adapters
        limiter = RateLimiter(perMinute: config.ratePerMinute)
    }

    var batchSize: Int {
        config.ratePerMinute == 0 ? 200 : max(1, min(200, config.ratePerMinute / 30))
    }

    func run() {
        let routes = Channel.allCases.map { "\($0.rawValue) → \(adapters[$0]?.destination ?? "none")" }.joined(separator: "; ")
        let rate = config.ratePerMinute == 0 ? "none" : "\(config.ratePerMinute)/min"
        logger.info("delivery: \(routes); rate limit \(rate)")
        while !host.isStopping {
            let now = monotonicMillis()
            if now >= nextSpoolCleanup {
                cleanSpool()
                nextSpoolCleanup = now + Int64(config.retentionCheckSeconds * 1000)
            }
            if now < pausedUntil {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            let claimed: [Claim]
            do {
                claimed = try claim()
            } catch {
                logger.error("delivery: cannot claim messages: \(error)")
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            if claimed.isEmpty {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            deliver(claimed)
        }
    }

    // MARK: Claiming

    struct Claim: Sendable {
        var id: Int64
        var channel: Channel
        var previousStatus: String
    }

    /// Marks due messages `sending` in one commit; cancels those whose family may no longer be
    /// contacted and moves those whose channel is no longer usable to the next one.
    func claim() throws -> [Claim] {
        let limit = batchSize
        let recheck = Int64(config.sendingRecheckSeconds * 1000)
        let result = try host.write { write in
            let ctx = CommsChange(write)
            let now = ctx.now.millis
            let rows = try Row.fetchAll(ctx.db, sql: """
                SELECT m.id, m.channel, m.status, m.tried, m.kind, m.dispatch_id, m.enquiry_id,
                       f.consent, f.opted_out_at IS NOT NULL AS opted_out, f.preferred_channel,
                       f.email IS NOT NULL AND f.email_flagged_at IS NULL AS email_ok,
                       f.mobile IS NOT NULL AND f.mobile_flagged_at IS NULL AS sms_ok,
                       f.address IS NOT NULL AND f.address_flagged_at IS NULL AS letter_ok
                FROM messages m JOIN families f ON f.id = m.family_id
                WHERE m.next_attempt_at <= ? ORDER BY m.next_attempt_at LIMIT ?
                """, arguments: [now, limit])
            var claimed: [JSONValue] = []
            var finished: [Int64: Int] = [:]
            var interrupted = 0
            for row in rows {
                let id: Int64 = row["id"]
                let status: String = row["status"]
                if !(row["consent"] as Bool) || (row["opted_out"] as Bool) {
                    try ctx.db.execute(sql: """
                        UPDATE messages SET status = 'cancelled', next_attempt_at = NULL, status_at = ?, failure = ? WHERE id = ?
                        """, arguments: [ctx.now.description, "the family may not be contacted", id])
                    if let d = row["dispatch_id"] as Int64? { finished[d, default: 0] += 1 }
                    continue
                }
                var channel = Channel(rawValue: row["channel"]) ?? .email
                let usable = Self.usable(row)
                if !usable.contains(channel) {
                    let tried = Self.tried(row["tried"]).union([channel])
                    guard let next = Channel.choose(preferred: (row["preferred_channel"] as String?).flatMap(Channel.init(rawValue:)),
                                                    usable: usable, excluding: tried) else {
                        try Self.finalFailure(ctx, row: row, status: .permanentFailure, channel: channel,
                                              failure: "no usable contact detail", finished: &finished)
                        continue
                    }
                    channel = next
                    try ctx.db.execute(sql: "UPDATE messages SET tried = ?, attempts = 0 WHERE id = ?",
                                       arguments: [Self.triedText(tried), id])
                }
                if status == MessageStatus.sending.rawValue { interrupted += 1 }
                try ctx.db.cachedStatement(sql: """
                    UPDATE messages SET status = 'sending', channel = ?, attempts = attempts + 1,
                        interrupted = interrupted + ?, next_attempt_at = ?, status_at = ? WHERE id = ?
                    """).execute(arguments: [channel.rawValue, status == "sending" ? 1 : 0, now + recheck, ctx.now.description, id])
                claimed.append([.int(id), .string(channel.rawValue), .string(status)])
            }
            try Dispatches.finished(ctx, finished)
            if interrupted > 0 {
                ctx.logger.warning("delivery: \(Templates.counted(interrupted, "message")) \(interrupted == 1 ? "was" : "were") left in sending by an earlier stop; retrying them (a provider may already have had them)")
            }
            return .array(claimed)
        }
        return (result.arrayValue ?? []).compactMap { item in
            guard let a = item.arrayValue, a.count == 3, let id = a[0].intValue,
                  let channel = a[1].stringValue.flatMap(Channel.init(rawValue:)), let previous = a[2].stringValue else { return nil }
            return Claim(id: id, channel: channel, previousStatus: previous)
        }
    }

    static func usable(_ row: Row) -> Set<Channel> {
        var s = Set<Channel>()
        if row["email_ok"] as Bool { s.insert(.email) }
        if row["sms_ok"] as Bool { s.insert(.sms) }
        if row["letter_ok"] as Bool { s.insert(.letter) }
        return s
    }

    static func tried(_ text: String) -> Set<Channel> {
        Set(text.split(separator: ",").compactMap { Channel(rawValue: String($0)) })
    }

    static func triedText(_ set: Set<Channel>) -> String {
        Channel.allCases.filter(set.contains).map(\.rawValue).joined(separator: ",")
    }

    // MARK: Delivering

    /// One delivery: what it was and how it went.
    struct Delivered: Sendable {
        var id: Int64
        var channel: Channel
        var outcome: DeliveryOutcome
        var subject: String
        var body: String
    }

    func deliver(_ claimed: [Claim]) {
        let messages: [Int64: OutgoingMessage]
        do {
            messages = try load(claimed)
        } catch {
            logger.error("delivery: cannot read \(Templates.counted(claimed.count, "claimed message")): \(error)")
            release(claimed)
            Thread.sleep(forTimeInterval: 1)
            return
        }
        var done: [Delivered] = []
        var lastFlush = monotonicMillis()
        var index = 0
        while index < claimed.count {
            if host.isStopping { break }
            guard limiter.acquire(stop: { host.isStopping }) else { break }
            let claim = claimed[index]
            guard let message = messages[claim.id] else {
                done.append(Delivered(id: claim.id, channel: claim.channel, outcome: .technicalFailure("the message could not be rendered"),
                                      subject: "", body: ""))
                index += 1
                continue
            }
            let outcome = adapters[claim.channel]?.deliver(message) ?? .technicalFailure("no adapter for \(claim.channel.rawValue)")
            if case .unavailable(let why) = outcome {
                // The provider is down: keep this and the rest for later, and wait before trying again.
                logger.warning("delivery: \(claim.channel.rawValue) provider unavailable (\(why)); pausing \(Int(unavailableDelay)) s")
                pausedUntil = monotonicMillis() + Int64(unavailableDelay * 1000)
                unavailableDelay = min(60, unavailableDelay * 2)
                break
            }
            unavailableDelay = 1
            done.append(Delivered(id: claim.id, channel: claim.channel, outcome: outcome, subject: message.subject, body: message.body))
            index += 1
            if done.count >= DeliveryLoop.flushEvery || monotonicMillis() - lastFlush >= DeliveryLoop.flushMillis {
                record(done)
                done = []
                lastFlush = monotonicMillis()
            }
        }
        record(done)
        if index < claimed.count { release(Array(claimed[index...])) }
    }

    /// Renders the claimed messages (one snapshot read).
    func load(_ claimed: [Claim]) throws -> [Int64: OutgoingMessage] {
        let ids = claimed.map(\.id)
        let settings = Templates.Settings(config)
        return try host.read { db in try DeliveryLoop.render(db, ids: ids, settings: settings) }
    }

    /// The messages `ids` rendered for their channels.
    static func render(_ db: Database, ids: [Int64], settings: Templates.Settings) throws -> [Int64: OutgoingMessage] {
        var questionnaires: [Int64: (Questionnaire, [Question])] = [:]
        var updates: [Int64: (String, String)] = [:]
        var out: [Int64: OutgoingMessage] = [:]
        let rows = try Row.fetchAll(db, sql: """
            SELECT m.id, m.kind, m.channel, m.enquiry_id, m.family_id, f.name, f.email, f.mobile, f.address, f.stop_token, f.stop_code,
                   d.questionnaire_id, d.update_id, d.round
            FROM messages m JOIN families f ON f.id = m.family_id LEFT JOIN dispatches d ON d.id = m.dispatch_id
            WHERE m.id IN (\(ids.map { String($0) }.joined(separator: ",")))
            """)
        for row in rows {
            let id: Int64 = row["id"]
            guard let channel = Channel(rawValue: row["channel"]) else { continue }
            let to: String?
            switch channel {
            case .email: to = row["email"]
            case .sms: to = row["mobile"]
            case .letter: to = row["address"]
            }
            guard let to else { continue }
            var input = Templates.Input(messageID: id, kind: row["kind"], channel: channel, name: row["name"],
                                        stopToken: row["stop_token"], stopCode: row["stop_code"], round: row["round"] ?? 0)
            if let qid = row["questionnaire_id"] as Int64? {
                if questionnaires[qid] == nil, let q = try Row.fetchOne(db, sql: "SELECT * FROM questionnaires WHERE id = ?", arguments: [qid]) {
                    questionnaires[qid] = (Questionnaire(row: q), try Question.all(db, questionnaire: qid))
                }
                input.questionnaire = questionnaires[qid]?.0
                input.questions = questionnaires[qid]?.1 ?? []
                if let r = try Row.fetchOne(db, sql: "SELECT token, code FROM recipients WHERE questionnaire_id = ? AND family_id = ?",
                                            arguments: [qid, row["family_id"] as Int64]) {
                    input.token = r["token"]
                    input.code = r["code"]
                }
            }
            if let uid = row["update_id"] as Int64? {
                if updates[uid] == nil, let u = try Row.fetchOne(db, sql: "SELECT title, body FROM updates WHERE id = ?", arguments: [uid]) {
                    updates[uid] = (u["title"], u["body"])
                }
                input.updateTitle = updates[uid]?.0
                input.updateBody = updates[uid]?.1
            }
            if let eid = row["enquiry_id"] as Int64?,
               let e = try Row.fetchOne(db, sql: "SELECT received_on, answer_by, answer, secret FROM enquiries WHERE id = ?", arguments: [eid]) {
                input.enquiryID = eid
                input.enquirySecret = e["secret"]
                input.receivedOn = e["received_on"]
                input.answerBy = e["answer_by"]
                input.answer = e["answer"]
            }
            let (subject, body) = Templates.render(input, settings: settings)
            out[id] = OutgoingMessage(id: id, reference: Messages.reference(id), channel: channel, to: to, name: row["name"],
                                      subject: subject, body: body,
                                      unsubscribeURL: (row["stop_token"] as String?).map { settings.stopLink($0) })
        }
        return out
    }

    /// Puts claimed messages that were not handed over back as they were, without counting an attempt.
    func release(_ claims: [Claim]) {
        guard !claims.isEmpty else { return }
        do {
            try host.write { ctx in
                for c in claims {
                    let status = c.previousStatus == "sending" ? "queued" : c.previousStatus
                    try ctx.db.execute(sql: """
                        UPDATE messages SET status = ?, attempts = MAX(0, attempts - 1), next_attempt_at = ? WHERE id = ? AND status = 'sending'
                        """, arguments: [status, ctx.now.millis, c.id])
                }
                return .null
            }
        } catch {
            logger.error("delivery: cannot put \(Templates.counted(claims.count, "message")) back in the queue: \(error); they are retried after the recheck window")
        }
    }

    /// Records outcomes in one commit.
    func record(_ done: [Delivered]) {
        guard !done.isEmpty else { return }
        let config = self.config
        do {
            try host.write { ctx in
                try DeliveryLoop.apply(CommsChange(ctx), done, config: config)
                return .null
            }
        } catch {
            logger.error("delivery: cannot record \(Templates.counted(done.count, "outcome")): \(error); they are retried after the recheck window")
        }
    }

    /// The state changes for each outcome: delivered; temporary failure (retry with backoff, then the
    /// next channel); permanent failure (flag the contact detail, next channel); technical failure.
    static func apply(_ ctx: CommsChange, _ done: [Delivered], config: CommsConfig) throws {
        var finished: [Int64: Int] = [:]
        let now = ctx.now
        for d in done {
            guard let row = try Row.fetchOne(ctx.db, sql: """
                SELECT m.id, m.status, m.attempts, m.tried, m.kind, m.dispatch_id, m.enquiry_id, m.family_id, f.preferred_channel,
                       f.email IS NOT NULL AND f.email_flagged_at IS NULL AS email_ok,
                       f.mobile IS NOT NULL AND f.mobile_flagged_at IS NULL AS sms_ok,
                       f.address IS NOT NULL AND f.address_flagged_at IS NULL AS letter_ok, f.erased_at IS NOT NULL AS erased
                FROM messages m JOIN families f ON f.id = m.family_id WHERE m.id = ?
                """, arguments: [d.id]), (row["status"] as String) == MessageStatus.sending.rawValue else { continue }
            let (outcomeName, detail): (String, String?) = {
                switch d.outcome {
                case .delivered: return ("delivered", nil)
                case .temporaryFailure(let w): return ("temporary-failure", w)
                case .permanentFailure(let w): return ("permanent-failure", w)
                case .technicalFailure(let w): return ("technical-failure", w)
                case .unavailable(let w): return ("unavailable", w)
                }
            }()
            try ctx.db.cachedStatement(sql: "INSERT INTO message_attempts(message_id, channel, outcome, detail, at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [d.id, d.channel.rawValue, outcomeName, detail, now.description])
            switch d.outcome {
            case .delivered:
                try ctx.db.cachedStatement(sql: """
                    UPDATE messages SET status = 'delivered', next_attempt_at = NULL, sent_at = ?, status_at = ?, failure = NULL,
                        subject = ?, body = ? WHERE id = ?
                    """).execute(arguments: [now.description, now.description, d.subject, d.body, d.id])
                if let dispatch = row["dispatch_id"] as Int64? { finished[dispatch, default: 0] += 1 }
            case .temporaryFailure(let why):
                let attempts: Int = row["attempts"]
                if attempts < config.maxAttempts {
                    try ctx.db.execute(sql: """
                        UPDATE messages SET status = 'temporary-failure', next_attempt_at = ?, status_at = ?, failure = ? WHERE id = ?
                        """, arguments: [now.millis + config.retryDelayMillis(afterAttempt: attempts), now.description, why, d.id])
                } else {
                    try nextChannel(ctx, row: row, failed: d.channel, status: .temporaryFailure, failure: why, finished: &finished)
                }
            case .permanentFailure(let why):
                try ctx.db.execute(sql: "UPDATE families SET \(d.channel.flagColumn) = ? WHERE id = ?",
                                   arguments: [now.description, row["family_id"] as Int64])
                var usable = usable(row)
                usable.remove(d.channel)
                try nextChannel(ctx, row: row, failed: d.channel, status: .permanentFailure, failure: why, usable: usable, finished: &finished)
            case .technicalFailure(let why):
                try finalFailure(ctx, row: row, status: .technicalFailure, channel: d.channel, failure: why, finished: &finished)
            case .unavailable:
                try ctx.db.execute(sql: "UPDATE messages SET status = 'queued', attempts = MAX(0, attempts - 1), next_attempt_at = ? WHERE id = ?",
                                   arguments: [now.millis, d.id])
            }
            if row["erased"] as Bool {
                // The family was erased while this message was with its channel: its outcome is
                // recorded, its content and the provider's words (which may hold an address) are not.
                try ctx.db.execute(sql: "UPDATE messages SET subject = NULL, body = NULL, failure = NULL WHERE id = ?", arguments: [d.id])
                try ctx.db.execute(sql: "UPDATE message_attempts SET detail = NULL WHERE message_id = ?", arguments: [d.id])
            }
        }
        try Dispatches.finished(ctx, finished)
    }

    /// After giving up on a channel: queue the message on the next usable one, or fail it for good.
    static func nextChannel(_ ctx: CommsChange, row: Row, failed: Channel, status: MessageStatus, failure: String,
                            usable: Set<Channel>? = nil, finished: inout [Int64: Int]) throws {
        let id: Int64 = row["id"]
        let tried = Self.tried(row["tried"]).union([failed])
        let next = Channel.choose(preferred: (row["preferred_channel"] as String?).flatMap(Channel.init(rawValue:)),
                                  usable: usable ?? Self.usable(row), excluding: tried)
        guard let next else {
            try finalFailure(ctx, row: row, status: status, channel: failed, failure: failure, finished: &finished)
            return
        }
        try ctx.db.execute(sql: """
            UPDATE messages SET status = 'queued', channel = ?, tried = ?, attempts = 0, next_attempt_at = ?, status_at = ?, failure = ?
            WHERE id = ?
            """, arguments: [next.rawValue, triedText(tried), ctx.now.millis, ctx.now.description, failure, id])
        try ctx.emit(failedEvent(row, channel: failed, status: status, next: next))
        // Not the provider's words: they may hold the address (they are kept with the message, which erasure clears).
        ctx.logger.info("message \(Messages.reference(id)): \(failed.rawValue) \(status.rawValue); trying \(next.rawValue)")
    }

    static func finalFailure(_ ctx: CommsChange, row: Row, status: MessageStatus, channel: Channel, failure: String,
                             finished: inout [Int64: Int]) throws {
        let id: Int64 = row["id"]
        try ctx.db.execute(sql: """
            UPDATE messages SET status = ?, channel = ?, next_attempt_at = NULL, status_at = ?, failure = ? WHERE id = ?
            """, arguments: [status.rawValue, channel.rawValue, ctx.now.description, failure, id])
        if let dispatch = row["dispatch_id"] as Int64? { finished[dispatch, default: 0] += 1 }
        try ctx.emit(failedEvent(row, channel: channel, status: status, next: nil))
        ctx.logger.info("message \(Messages.reference(id)): \(channel.rawValue) \(status.rawValue); no channel left")
    }

    static func failedEvent(_ row: Row, channel: Channel, status: MessageStatus, next: Channel?) -> MessageFailed {
        let id: Int64 = row["id"]
        return MessageFailed(messageID: id, reference: Messages.reference(id), kind: row["kind"], channel: channel, status: status,
                             nextChannel: next, dispatchID: row["dispatch_id"], enquiryID: row["enquiry_id"])
    }

    // MARK: Retention of spool files

    /// Spool files past the retention period are removed with the rest of the sent content.
    func cleanSpool() {
        let cutoff = Date().timeIntervalSince1970 - config.retentionDays * 86_400
        var removed = 0
        for sub in ["email", "sms", "letters"] { removed += SpoolDirectory(path: "\(spoolRoot)/\(sub)").removeFiles(olderThan: cutoff) }
        if removed > 0 { logger.info("retention: removed \(Templates.counted(removed, "spool file")) older than \(config.retentionDays) days") }
    }
}

/// A token bucket: `perMinute` messages a minute, with bursts of up to a second's worth; 0 = no limit.
struct RateLimiter {
    let perMinute: Int
    private var tokens: Double
    private var last: Int64

    init(perMinute: Int) {
        self.perMinute = perMinute
        tokens = 1
        last = monotonicMillis()
    }

    /// Waits for a token; false if `stop` became true first.
    mutating func acquire(stop: () -> Bool) -> Bool {
        guard perMinute > 0 else { return true }
        let perMilli = Double(perMinute) / 60_000
        let burst = max(1, Double(perMinute) / 60)
        while true {
            let now = monotonicMillis()
            tokens = min(burst, tokens + Double(now - last) * perMilli)
            last = now
            if tokens >= 1 {
                tokens -= 1
                return true
            }
            if stop() { return false }
            Thread.sleep(forTimeInterval: min(0.05, max(0.001, (1 - tokens) / perMilli / 1000)))
        }
    }
}

