import GRDB
import SendModel
import SendRuntime

/// Enquiries from parents: each acknowledged with the date it will be answered by (5 working days),
/// escalated once if that date passes unanswered.
enum Enquiries {
    /// Working days a family waits at most for an answer.
    static let answerWithinWorkingDays = 5

    enum Via: String, CaseIterable { case email, phone, letter, text, web, inPerson = "in_person" }

    /// `enquiries.add {family_ref, text, received_on?, via?}`.
    static func add(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let ref = v.string("family_ref", maxLength: 64)
        let text = v.string("text", maxLength: 10_000)
        let receivedOn = v.date("received_on", required: false) ?? ctx.today
        let via = v.oneOf("via", Via.self, required: false) ?? .email
        if receivedOn > ctx.today { v.fail("received_on", "is after today (\(ctx.today))") }
        try v.check()
        guard let family = try Int64.fetchOne(ctx.db, sql: "SELECT id FROM families WHERE family_ref = ?", arguments: [ref]) else {
            throw ServiceError(.notFound, "family \(ref ?? "") not found; import the family first (sendctl families import)", field: "family_ref")
        }
        let e = try record(ctx, familyID: family, via: via, text: text ?? "", receivedOn: receivedOn)
        return [
            "enquiry_id": .int(e.id), "received_on": .string(receivedOn.iso), "answer_by": .string(e.answerBy.iso),
            "acknowledgement": e.acknowledgement.map {
                ["message_id": .int($0.id), "reference": .string(Messages.reference($0.id)), "channel": .string($0.channel)]
            } ?? .null,
        ]
    }

    /// A recorded enquiry: its id, answer-by date, secret and acknowledgement (nil when the family cannot be contacted).
    struct Recorded {
        var id: Int64
        var answerBy: LocalDate
        var secret: String
        var acknowledgement: (id: Int64, channel: String)?
    }

    /// Records an enquiry with a new secret, queues its acknowledgement and emits `enquiry.received`.
    static func record(_ ctx: CommsChange, familyID: Int64, via: Via, text: String, receivedOn: LocalDate) throws -> Recorded {
        let answerBy = try WorkingDayCalendar.englandAndWales.adding(workingDays: answerWithinWorkingDays, to: receivedOn)
        let secret = Keys.token()
        try ctx.db.execute(sql: """
            INSERT INTO enquiries(family_id, received_via, text, received_on, answer_by, created_at, secret) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [familyID, via.rawValue, text, receivedOn.iso, answerBy.iso, ctx.now.description, secret])
        let id = ctx.db.lastInsertedRowID
        let ack = try Messages.queueOne(ctx, familyID: familyID, kind: "acknowledgement", enquiryID: id)
        try ctx.emit(EnquiryReceived(enquiryID: id, receivedOn: receivedOn, answerBy: answerBy))
        return Recorded(id: id, answerBy: answerBy, secret: secret, acknowledgement: ack)
    }

    /// `enquiries.answer {enquiry_id, text}`: records the answer and sends it to the family.
    static func answer(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("enquiry_id", range: 1...Int64.max)
        let text = v.string("text", maxLength: 20_000)
        try v.check()
        guard let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM enquiries WHERE id = ?", arguments: [id]) else {
            throw ServiceError.notFound("enquiry \(id ?? 0)")
        }
        guard (row["status"] as String) == "open" else {
            throw ServiceError.conflict("enquiry \(id ?? 0) was already answered on \((row["answered_on"] as String?) ?? "?")")
        }
        try ctx.db.execute(sql: "UPDATE enquiries SET status = 'answered', answer = ?, answered_on = ? WHERE id = ?",
                           arguments: [text, ctx.today.iso, id])
        let message = try Messages.queueOne(ctx, familyID: row["family_id"], kind: "answer", enquiryID: id)
        let answerBy = LocalDate(iso: row["answer_by"]) ?? ctx.today
        try ctx.emit(EnquiryAnswered(enquiryID: row["id"], answeredOn: ctx.today, answerBy: answerBy, late: ctx.today > answerBy))
        return [
            "enquiry_id": .int(id ?? 0), "answered_on": .string(ctx.today.iso), "late": .bool(ctx.today > answerBy),
            "message": message.map { ["message_id": .int($0.id), "reference": .string(Messages.reference($0.id)), "channel": .string($0.channel)] }
                ?? .null,
        ]
    }

    /// `enquiries.list {status?: open|answered|overdue|all}`: no enquiry text (that is shown by `families.show`).
    static let list: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let status = v.string("status", required: false, maxLength: 20) ?? "all"
        if !["open", "answered", "overdue", "all"].contains(status) { v.fail("status", "must be open, answered, overdue or all") }
        try v.check()
        let filter: String
        switch status {
        case "open": filter = "WHERE e.status = 'open'"
        case "answered": filter = "WHERE e.status = 'answered'"
        case "overdue": filter = "WHERE e.status = 'open' AND e.answer_by < '\(ctx.today.iso)'"
        default: filter = ""
        }
        let rows = try Row.fetchAll(ctx.db, sql: """
            SELECT e.id, f.family_ref, e.received_via, e.received_on, e.answer_by, e.status, e.answered_on, e.escalated_at
            FROM enquiries e JOIN families f ON f.id = e.family_id \(filter) ORDER BY e.answer_by, e.id
            """)
        let calendar = WorkingDayCalendar.englandAndWales
        return ["enquiries": .array(rows.map { e in
            let answerBy = LocalDate(iso: e["answer_by"]) ?? ctx.today
            var o: [String: JSONValue] = [
                "enquiry_id": .int(e["id"]), "family_ref": .string(e["family_ref"]), "received_via": .string(e["received_via"]),
                "received_on": .string(e["received_on"]), "answer_by": .string(e["answer_by"]), "status": .string(e["status"]),
                "answered_on": JSONValue(e["answered_on"] as String?), "escalated": .bool((e["escalated_at"] as String?) != nil),
            ]
            if (e["status"] as String) == "open" {
                o["working_days_left"] = (try? calendar.workingDays(from: ctx.today, to: answerBy)).map { .int(Int64($0)) } ?? .null
                o["overdue"] = .bool(ctx.today > answerBy)
            }
            return .object(o)
        }), "today": .string(ctx.today.iso)]
    }

    /// The periodic job: every open enquiry past its answer-by date is escalated once.
    static func escalate(_ ctx: CommsChange) throws {
        let rows = try Row.fetchAll(ctx.db, sql: """
            SELECT id, received_on, answer_by FROM enquiries WHERE status = 'open' AND escalated_at IS NULL AND answer_by < ? ORDER BY id
            """, arguments: [ctx.today.iso])
        for row in rows {
            let answerBy = LocalDate(iso: row["answer_by"]) ?? ctx.today
            let overdue = (try? WorkingDayCalendar.englandAndWales.workingDays(from: answerBy, to: ctx.today)) ?? answerBy.days(until: ctx.today)
            try ctx.db.execute(sql: "UPDATE enquiries SET escalated_at = ? WHERE id = ?", arguments: [ctx.now.description, row["id"] as Int64])
            try ctx.emit(EnquiryEscalated(enquiryID: row["id"], receivedOn: LocalDate(iso: row["received_on"]) ?? answerBy, answerBy: answerBy,
                                          workingDaysOverdue: overdue))
        }
        if !rows.isEmpty { ctx.logger.info("escalated \(Templates.counted(rows.count, "enquiry", "enquiries")) not answered by their date") }
    }
}
