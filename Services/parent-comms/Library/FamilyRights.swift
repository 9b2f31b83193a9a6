import Foundation
import GRDB
import SendModel
import SendRuntime

/// The families' data rights: `families.export` (a subject access request: everything comms holds
/// about one family or web enquirer) and `families.erase` (the family's personal data removed
/// everywhere comms holds it, while every count and status that reports are made of stays).
///
/// What erasure does (docs/PROTOCOL.md, "Data rights"):
/// - the family's row stays as a tombstone: its reference, kind, dates, opt-out date and
///   `erased_at`/`erase_reason`; name, email, mobile, address, opt-out reason, preferred channel and
///   the failure flags are cleared, consent and updates set to no, so nothing is ever sent again;
///   a re-import of the reference is refused, naming the line (`FamilyImport`);
/// - its children's rows are deleted (their references are the council's, about a child);
/// - its messages keep kind, channel, status, attempts and dates; subject, body and the failure
///   text (a provider's words may hold the address) are cleared, and so is every attempt's detail;
///   messages not yet handed to a channel are cancelled; spool files of its messages are removed;
/// - its enquiries keep their dates and status; text, answer and the private link's secret are cleared;
/// - each named reply is unlinked: its choice and scale answers move to `anonymous_answers` under
///   a new random key, exactly as an anonymous reply is stored, and each free-text answer (the
///   family's own words, which may name people) is replaced by an empty marker there, counted as
///   answered and never listed. So every questionnaire's results — counts per option, answered,
///   response rate, by channel — are the same after an erasure as before.
enum FamilyRights {
    /// `families.export {family_ref}` → `FamilyExport`.
    static let export: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let ref = v.string("family_ref", maxLength: 64)
        try v.check()
        return try JSONValueEncoder().encode(try record(ctx.db, familyRef: ref ?? "", now: ctx.now))
    }

    static func notFound(_ ref: String) -> ServiceError {
        ServiceError(.notFound, "no family or web enquirer has the reference \(ref); check it (sendctl families list, "
            + "families show)", field: "family_ref")
    }

    /// Everything held about the family with reference `familyRef`.
    static func record(_ db: Database, familyRef: String, now: Timestamp) throws -> FamilyExport {
        guard let f = try Row.fetchOne(db, sql: "SELECT * FROM families WHERE family_ref = ?", arguments: [familyRef]) else {
            throw notFound(familyRef)
        }
        let id: Int64 = f["id"]
        var flagged: [String] = []
        for channel in Channel.allCases where (f[channel.flagColumn] as String?) != nil { flagged.append(channel.contactColumn) }
        let children = try Row.fetchAll(db, sql: "SELECT child_ref, ehc_plan, ehc_plan_ended, support FROM children WHERE family_ref = ? ORDER BY child_ref",
                                        arguments: [familyRef]).map {
            FamilyChild(childRef: $0["child_ref"], ehcPlan: $0["ehc_plan"], ehcPlanEnded: ($0["ehc_plan_ended"] as String?).flatMap(LocalDate.init(iso:)),
                        support: $0["support"])
        }
        let messages = try Row.fetchAll(db, sql: """
            SELECT id, kind, channel, status, attempts, created_at, status_at, sent_at, failure, subject, body, purged_at
            FROM messages WHERE family_id = ? ORDER BY id
            """, arguments: [id]).map { m in
            FamilyMessage(reference: Messages.reference(m["id"]), kind: m["kind"], channel: Channel(rawValue: m["channel"]) ?? .email,
                          status: MessageStatus(rawValue: m["status"]) ?? .queued, attempts: m["attempts"], createdAt: m["created_at"],
                          statusAt: m["status_at"], sentAt: m["sent_at"], failure: m["failure"], subject: m["subject"], body: m["body"],
                          contentPurgedAt: m["purged_at"])
        }
        let questionnaires = try Row.fetchAll(db, sql: """
            SELECT q.id, q.title, q.anonymous, r.answered FROM recipients r JOIN questionnaires q ON q.id = r.questionnaire_id
            WHERE r.family_id = ? ORDER BY q.id
            """, arguments: [id]).map {
            FamilyQuestionnaire(questionnaireID: $0["id"], title: $0["title"], anonymous: $0["anonymous"], answered: $0["answered"])
        }
        var replies: [FamilyReply] = []
        for r in try Row.fetchAll(db, sql: """
            SELECT r.id, r.questionnaire_id, r.received_at, q.title FROM responses r JOIN questionnaires q ON q.id = r.questionnaire_id
            WHERE r.family_id = ? ORDER BY r.questionnaire_id
            """, arguments: [id]) {
            let answers = try Row.fetchAll(db, sql: """
                SELECT a.position, a.value, qu.text FROM answers a
                JOIN questions qu ON qu.questionnaire_id = ? AND qu.position = a.position
                WHERE a.response_id = ? ORDER BY a.position
                """, arguments: [r["questionnaire_id"] as Int64, r["id"] as Int64]).map {
                FamilyAnswer(question: $0["position"], text: $0["text"], value: $0["value"])
            }
            replies.append(FamilyReply(questionnaireID: r["questionnaire_id"], title: r["title"], receivedAt: r["received_at"], answers: answers))
        }
        let enquiries = try Row.fetchAll(db, sql: """
            SELECT id, received_via, received_on, answer_by, status, text, answer, answered_on FROM enquiries WHERE family_id = ? ORDER BY id
            """, arguments: [id]).map { e in
            FamilyEnquiry(reference: "E-\(e["id"] as Int64)", receivedVia: e["received_via"], receivedOn: LocalDate(iso: e["received_on"]) ?? now.date,
                          answerBy: LocalDate(iso: e["answer_by"]) ?? now.date, status: e["status"], text: e["text"], answer: e["answer"],
                          answeredOn: (e["answered_on"] as String?).flatMap(LocalDate.init(iso:)))
        }
        return FamilyExport(
            familyRef: familyRef, kind: f["kind"], exportedAt: now.description,
            erasure: (f["erased_at"] as String?).map { FamilyErasure(erasedAt: $0) },
            contact: FamilyContact(name: f["name"], email: f["email"], mobile: f["mobile"], address: f["address"]),
            preferences: FamilyPreferences(preferredChannel: (f["preferred_channel"] as String?).flatMap(Channel.init(rawValue:)),
                                           consent: f["consent"], wantsUpdates: f["wants_updates"], optedOutAt: f["opted_out_at"],
                                           optOutReason: f["opt_out_reason"], flagged: flagged),
            children: children, messages: messages, questionnaires: questionnaires, answers: replies, enquiries: enquiries)
    }

    /// `families.erase {family_ref, reason}` → `FamilyErasureResult`; emits `family.erased`.
    static func erase(config: CommsConfig) -> @Sendable (CommsChange) throws -> JSONValue {
        { ctx in
            let v = ctx.validator()
            let ref = v.string("family_ref", maxLength: 64)
            let reason = v.string("reason", required: false, maxLength: 500)?.trimmingSpaces
            if reason?.isEmpty ?? true {
                v.fail("reason", "is required: say why the family's data is erased (for example \"the family asked on 2 March 2026\"); "
                    + "it is kept in comms only")
            }
            try v.check()
            guard let row = try Row.fetchOne(ctx.db, sql: "SELECT id, kind, erased_at FROM families WHERE family_ref = ?", arguments: [ref]) else {
                throw notFound(ref ?? "")
            }
            let secureDelete = (try Int.fetchOne(ctx.db, sql: "PRAGMA secure_delete") ?? 0) == 1
            if let at = row["erased_at"] as String? {
                return try JSONValueEncoder().encode(FamilyErasureResult(familyRef: ref ?? "", erasedAt: at, already: true, counts: ErasureCounts(),
                                                                         secureDelete: secureDelete))
            }
            let (counts, spool) = try eraseFamily(ctx, id: row["id"], familyRef: ref ?? "", reason: reason ?? "", config: config)
            try afterErasure(ctx, spool: spool)
            try ctx.emit(FamilyErased(familyID: row["id"], kind: row["kind"], counts: counts))
            return try JSONValueEncoder().encode(FamilyErasureResult(familyRef: ref ?? "", erasedAt: ctx.now.description, already: false,
                                                                     counts: counts, secureDelete: secureDelete))
        }
    }

    /// Erases one family (see the type's comment). Returns what was erased and the spool files to
    /// remove once committed (`afterErasure`).
    static func eraseFamily(_ ctx: CommsChange, id: Int64, familyRef: String, reason: String,
                            config: CommsConfig) throws -> (counts: ErasureCounts, spool: [String]) {
        let db = ctx.db
        let now = ctx.now.description
        var counts = ErasureCounts()
        counts.contactDetails = try Int.fetchOne(db, sql: """
            SELECT (name IS NOT NULL) + (email IS NOT NULL) + (mobile IS NOT NULL) + (address IS NOT NULL) + (opt_out_reason IS NOT NULL)
            FROM families WHERE id = ?
            """, arguments: [id]) ?? 0
        _ = try Messages.cancelPending(ctx, familyID: id, reason: "the family's data was erased")
        try db.execute(sql: """
            UPDATE families SET name = NULL, email = NULL, mobile = NULL, address = NULL, opt_out_reason = NULL, preferred_channel = NULL,
                email_flagged_at = NULL, mobile_flagged_at = NULL, address_flagged_at = NULL, consent = 0, wants_updates = 0,
                erased_at = ?, erase_reason = ?, updated_at = ?
            WHERE id = ?
            """, arguments: [now, reason, now, id])
        try db.execute(sql: "DELETE FROM children WHERE family_ref = ?", arguments: [familyRef])
        counts.children = db.changesCount

        let messageIDs = try Int64.fetchAll(db, sql: "SELECT id FROM messages WHERE family_id = ?", arguments: [id])
        try db.execute(sql: """
            UPDATE messages SET subject = NULL, body = NULL, failure = NULL, purged_at = COALESCE(purged_at, ?)
            WHERE family_id = ? AND (subject IS NOT NULL OR body IS NOT NULL OR failure IS NOT NULL)
            """, arguments: [now, id])
        counts.messages = db.changesCount
        try db.execute(sql: """
            UPDATE message_attempts SET detail = NULL WHERE detail IS NOT NULL AND message_id IN (SELECT id FROM messages WHERE family_id = ?)
            """, arguments: [id])
        counts.attemptDetails = db.changesCount
        try db.execute(sql: "UPDATE enquiries SET text = '', answer = NULL, secret = NULL WHERE family_id = ?", arguments: [id])
        counts.enquiries = db.changesCount

        // Named replies become anonymous ones: same questionnaire, positions and choice values, a new random key.
        let insert = try db.cachedStatement(sql: "INSERT INTO anonymous_answers(questionnaire_id, response_key, position, value, support_group) VALUES (?, ?, ?, ?, ?)")
        for r in try Row.fetchAll(db, sql: "SELECT id, questionnaire_id, support_group FROM responses WHERE family_id = ?", arguments: [id]) {
            let questionnaire: Int64 = r["questionnaire_id"]
            let key = Int64.random(in: 1...Int64.max)
            for a in try Row.fetchAll(db, sql: """
                SELECT a.position, a.value, qu.kind FROM answers a JOIN questions qu ON qu.questionnaire_id = ? AND qu.position = a.position
                WHERE a.response_id = ?
                """, arguments: [questionnaire, r["id"] as Int64]) {
                let freeText = (a["kind"] as String) == QuestionKind.freeText.rawValue
                try insert.execute(arguments: [questionnaire, key, a["position"] as Int64, freeText ? Responses.erasedFreeText : (a["value"] as String),
                                              r["support_group"] as String?])
                if freeText { counts.freeTextDeleted += 1 } else { counts.answersKept += 1 }
            }
            try db.execute(sql: "DELETE FROM answers WHERE response_id = ?", arguments: [r["id"] as Int64])
            counts.replies += 1
        }
        try db.execute(sql: "DELETE FROM responses WHERE family_id = ?", arguments: [id])

        let spool = spoolFiles(db, messageIDs: messageIDs, config: config)
        counts.spoolFiles = spool.count
        return (counts, spool)
    }

    /// Once the erasures of this change are committed: their spool files go, then the WAL's old frames.
    static func afterErasure(_ ctx: CommsChange, spool: [String]) throws {
        let database = try WALTruncation.path(ctx.db)
        let logger = ctx.logger
        ctx.afterCommit {
            for path in spool { unlink(path) }
            if let database { WALTruncation.request(database, logger: logger) }
        }
    }

    /// The spool files of these messages that exist.
    static func spoolFiles(_ db: Database, messageIDs: [Int64], config: CommsConfig) -> [String] {
        guard !messageIDs.isEmpty else { return [] }
        let root: String
        if let configured = config.spoolDirectory {
            root = configured
        } else if let database = try? WALTruncation.path(db) {
            root = (database as NSString).deletingLastPathComponent + "/spool"
        } else {
            return []
        }
        var found: [String] = []
        for id in messageIDs {
            let reference = Messages.reference(id)
            for path in ["\(root)/email/\(reference).eml", "\(root)/sms/\(reference).json", "\(root)/letters/\(reference).json"]
            where FileManager.default.fileExists(atPath: path) {
                found.append(path)
            }
        }
        return found
    }
}
