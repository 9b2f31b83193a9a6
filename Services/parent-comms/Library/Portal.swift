import GRDB
import SendModel
import SendRuntime

/// `portal.*`: the commands family-portal calls (docs/PROTOCOL.md, "The families' door"), with the
/// arguments and results of `PortalContract.swift`.
///
/// A family reaches comms by a key only (a response token or code, a stop token or code), never by
/// its reference. A key comms does not know, however it is wrong, is `not_found` with one message
/// per kind of key, so a miss says nothing about which keys exist. No reply holds a family's name
/// or contact details; `portal.enquiry` shows an enquiry's text and answer to whoever holds its
/// reference and secret.
enum Portal {
    static let noQuestionnaire = "no questionnaire has this key"
    static let noStopKey = "no family has this stop key"
    static let noEnquiry = "no enquiry has this reference and link"

    /// The longest key read; anything longer is no key (`invalid`, as a form would say).
    static let maxKeyLength = 100

    // MARK: Questionnaires

    /// `portal.questionnaire {key}` → `PortalQuestionnaire`.
    static let questionnaire: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let key = v.string("key", maxLength: maxKeyLength)
        try v.check()
        guard let key, let r = try Responses.recipient(ctx.db, key: key) else {
            throw ServiceError(.notFound, noQuestionnaire, field: "key")
        }
        let q = r.questionnaire
        let questions = try Question.all(ctx.db, questionnaire: q.id).map { question in
            PortalQuestion(question: question.position, kind: question.kind.rawValue, text: question.text, required: question.required,
                           options: question.kind == .singleChoice ? question.options : [],
                           maxLength: question.kind == .freeText ? Question.maxFreeText : nil)
        }
        return try encode(PortalQuestionnaire(
            questionnaireID: q.id, title: q.title, introduction: introduction(q), anonymous: q.anonymous, opens: q.opens.iso,
            closes: q.closes.iso, state: q.state(today: ctx.today), answered: r.answered, questions: questions), nulls: ["introduction"])
    }

    /// The questionnaire's introduction for anyone: title and closing date filled, the per-family
    /// placeholders removed ("Dear ((name))" becomes "Dear parent or carer").
    static func introduction(_ q: Questionnaire) -> String? {
        guard let message = q.message else { return nil }
        let greeting = message.replacingOccurrences(of: "Dear ((name))", with: "Dear parent or carer")
        var text = Templates.fill(greeting, ["title": q.title, "closes": Templates.longDate(q.closes),
                                             "name": "", "link": "", "code": "", "reference": ""])
        for (from, to) in [("  ", " "), (" ,", ","), (" .", "."), (" ;", ";")] {
            while text.contains(from) { text = text.replacingOccurrences(of: from, with: to) }
        }
        return text.trimmingSpaces
    }

    /// `portal.respond {key, answers: [{question, value}], wants_updates}` → `PortalAnswerResult`.
    ///
    /// Every value is a string as a form sends it; an empty one is no answer.
    static func respond(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let key = v.string("key", maxLength: maxKeyLength)
        let wantsUpdates = v.bool("wants_updates", required: false) ?? false
        var given: [(question: Int, value: JSONValue, path: String)] = []
        if let items = v.objects("answers") {
            for (i, item) in items.enumerated() {
                let position = item.int("question", range: 1...50)
                guard let value = item.raw("value") else { item.fail("value", "is required"); continue }
                guard let text = value.stringValue else { item.fail("value", "must be a string, got \(value.typeName)"); continue }
                if let position, !text.trimmingSpaces.isEmpty { given.append((Int(position), .string(text), "answers[\(i)].value")) }
            }
        }
        try v.check()
        guard let key, let r = try Responses.recipient(ctx.db, key: key) else {
            throw ServiceError(.notFound, noQuestionnaire, field: "key")
        }
        let q = r.questionnaire
        if r.answered { throw ServiceError.conflict("already answered: this questionnaire has been answered with this key") }
        switch q.state(today: ctx.today) {
        case "not_open": throw ServiceError.conflict("not open: this questionnaire opens on \(Templates.longDate(q.opens))")
        case "closed": throw ServiceError.conflict("closed: this questionnaire closed on \(Templates.longDate(q.closes))")
        default: break
        }
        var errors: [FieldError] = []
        let answers = Responses.check(given, questions: try Question.all(ctx.db, questionnaire: q.id), errors: &errors)
        if !errors.isEmpty { throw ServiceError.invalid(errors) }
        try Responses.store(ctx.db, r, answers: answers, source: "portal", now: ctx.now.description)
        if wantsUpdates {
            try ctx.db.execute(sql: "UPDATE families SET wants_updates = 1 WHERE id = ?", arguments: [r.familyID])
        }
        try ctx.emit(ResponseReceived(questionnaireID: q.id, responses: 1, source: .portal))
        return try encode(PortalAnswerResult(questionnaireID: q.id, title: q.title, anonymous: q.anonymous, answers: answers.count))
    }

    // MARK: Stopping messages

    /// The family holding a stop token or code.
    static func stopFamily(_ db: Database, _ key: String?) throws -> (id: Int64, optedOutAt: String?) {
        let column: String, value: String
        switch key.flatMap(Keys.parse) {
        case .token(let t)?: (column, value) = ("stop_token", t)
        case .code(let c)?: (column, value) = ("stop_code", c)
        case nil: throw ServiceError(.notFound, noStopKey, field: "key")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT id, opted_out_at FROM families WHERE \(column) = ?", arguments: [value]) else {
            throw ServiceError(.notFound, noStopKey, field: "key")
        }
        return (row["id"], row["opted_out_at"])
    }

    static func stopStatus(_ at: String?, changed: Bool, cancelled: Int = 0) throws -> JSONValue {
        try encode(PortalStopStatus(optedOut: at != nil, optedOutAt: at, changed: changed, cancelledMessages: cancelled), nulls: ["opted_out_at"])
    }

    /// `portal.stop_status {key}` → `PortalStopStatus`.
    static let stopStatus: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let key = v.string("key", maxLength: maxKeyLength)
        try v.check()
        return try stopStatus(try stopFamily(ctx.db, key).optedOutAt, changed: false)
    }

    enum OptOutVia: String, CaseIterable {
        case oneClick = "one_click", web

        var reason: String {
            switch self {
            case .oneClick: "one-click unsubscribe from an email (family portal)"
            case .web: "the stop page of the family portal"
            }
        }
    }

    /// `portal.opt_out {key, via}` → `PortalStopStatus`: as `families.opt_out`, cancelling what is not yet sent.
    static func optOut(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let key = v.string("key", maxLength: maxKeyLength)
        let viaText = v.string("via", maxLength: 20)
        let via = viaText.flatMap(OptOutVia.init(rawValue:))
        if viaText != nil && via == nil { v.fail("via", "must be one_click (a mail client's one-click unsubscribe) or web (the stop page)") }
        try v.check()
        let family = try stopFamily(ctx.db, key)
        if let at = family.optedOutAt { return try stopStatus(at, changed: false) }
        try ctx.db.execute(sql: "UPDATE families SET opted_out_at = ?, opt_out_reason = ?, updated_at = ? WHERE id = ?",
                           arguments: [ctx.now.description, via?.reason, ctx.now.description, family.id])
        let cancelled = try Messages.cancelPending(ctx, familyID: family.id, reason: "the family opted out")
        return try stopStatus(ctx.now.description, changed: true, cancelled: cancelled)
    }

    /// `portal.opt_in {key}` → `PortalStopStatus`: the family may be contacted again; what the opt-out cancelled stays cancelled.
    static func optIn(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let key = v.string("key", maxLength: maxKeyLength)
        try v.check()
        let family = try stopFamily(ctx.db, key)
        guard family.optedOutAt != nil else { return try stopStatus(nil, changed: false) }
        try ctx.db.execute(sql: "UPDATE families SET opted_out_at = NULL, opt_out_reason = NULL, updated_at = ? WHERE id = ?",
                           arguments: [ctx.now.description, family.id])
        return try stopStatus(nil, changed: true)
    }

    // MARK: Enquiries

    /// `portal.enquiry_add {name, reply_by, reply_to, text}` → `PortalEnquiryReceipt`.
    ///
    /// The asker becomes a contact of kind `enquirer` (`family_ref` `web:<16 hex>`, consent given,
    /// replies by the channel chosen); the enquiry is received `web` today and acknowledged as
    /// `enquiries.add` does. No error repeats what was typed.
    static func enquiryAdd(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let name = v.string("name", maxLength: 200)
        if let name, name.contains(where: \.isNewline) { v.fail("name", "must be on one line") }
        let replyByText = v.string("reply_by", maxLength: 20)
        let replyBy = replyByText.flatMap(Channel.init(rawValue:))
        if replyByText != nil && replyBy == nil { v.fail("reply_by", "must be email, sms or letter") }
        let replyTo = v.string("reply_to", maxLength: 500)
        let text = v.string("text", maxLength: 10_000)
        var email: String?, mobile: String?, address: String?
        if let replyTo, let replyBy {
            switch replyBy {
            case .email:
                email = Contact.email(replyTo)
                if email == nil { v.fail("reply_to", "is not an email address (name@domain)") }
            case .sms:
                mobile = Contact.mobile(replyTo)
                if mobile == nil { v.fail("reply_to", "is not a UK mobile number (07… or +44 7…)") }
            case .letter:
                if Contact.addressLines(replyTo).count < 2 { v.fail("reply_to", "needs at least two lines (street, town or postcode)") }
                else { address = replyTo }
            }
        }
        try v.check()
        Keys.prepare(ctx.db)
        let family = try Keys.retryingTakenKeys(columns: ["families.family_ref", "families.stop_token", "families.stop_code"]) {
            try ctx.db.execute(sql: """
                INSERT INTO families(family_ref, kind, name, email, mobile, address, preferred_channel, consent, created_at, updated_at,
                                     stop_token, stop_code)
                VALUES (?, 'enquirer', ?, ?, ?, ?, ?, 1, ?, ?, \(Keys.tokenSQL), \(Keys.codeSQL))
                """, arguments: ["web:" + Keys.token().prefix(16), name, email, mobile, address, replyBy?.rawValue,
                                 ctx.now.description, ctx.now.description])
            return ctx.db.lastInsertedRowID
        }
        let e = try Enquiries.record(ctx, familyID: family, via: .web, text: text ?? "", receivedOn: ctx.today)
        return try encode(PortalEnquiryReceipt(reference: "E-\(e.id)", secret: e.secret, receivedOn: ctx.today.iso, answerBy: e.answerBy.iso))
    }

    /// The enquiry id in a reference as typed: `E-7`, `e-7`, ` E-7 `; nil otherwise.
    static func enquiryID(_ reference: String) -> Int64? {
        let upper = reference.trimmingSpaces.uppercased()
        guard upper.hasPrefix("E-"), let id = Int64(upper.dropFirst(2)), id > 0 else { return nil }
        return id
    }

    /// `portal.enquiry {reference, secret}` → `PortalEnquiryStatus`; the secret is compared in constant time.
    static let enquiry: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let reference = v.string("reference", maxLength: 40)
        let secret = v.string("secret", maxLength: maxKeyLength)
        try v.check()
        guard let id = reference.flatMap(enquiryID), let secret,
              let row = try Row.fetchOne(ctx.db, sql: """
                  SELECT id, status, received_on, answer_by, answered_on, text, answer, secret FROM enquiries WHERE id = ?
                  """, arguments: [id]),
              let stored = row["secret"] as String?, Keys.equalInConstantTime(stored, secret.lowercased()) else {
            throw ServiceError(.notFound, noEnquiry, field: "reference")
        }
        return try encode(PortalEnquiryStatus(
            reference: "E-\(id)", status: row["status"], receivedOn: row["received_on"], answerBy: row["answer_by"],
            answeredOn: row["answered_on"], text: row["text"], answer: row["answer"]), nulls: ["answered_on", "answer"])
    }

    // MARK: Encoding

    /// The JSON of a contract type, with `null` written for each of `nulls` left out (the protocol shows them as null).
    static func encode(_ value: some Encodable, nulls: [String] = []) throws -> JSONValue {
        guard var object = try JSONValue(encoding: value).objectValue else { return try JSONValue(encoding: value) }
        for key in nulls where object[key] == nil { object[key] = .null }
        return .object(object)
    }
}
