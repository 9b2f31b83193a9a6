import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport
@testable import CommsService

@Suite("You said, we did: following the board")
struct UpdatesTests {
    func boardEvent(_ seq: Int64, _ type: String, _ data: JSONValue) -> Event {
        Event(source: ServiceName.board, seq: seq, type: type, at: Timestamp(rfc3339: "2026-03-05T10:00:00Z")!, data: data)
    }

    func boardEvent<P: EventPayload>(_ seq: Int64, _ payload: P) throws -> Event {
        boardEvent(seq, P.eventType, try payload.eventData())
    }

    func changed(_ id: String, _ title: String, _ from: ActionStatus, _ to: ActionStatus, reason: String? = nil) -> ActionStatusChanged {
        ActionStatusChanged(actionID: id, title: title, from: from, to: to, reason: reason)
    }

    func follow(_ db: CommsDatabase, _ event: Event) throws {
        try db.write { ctx in
            try Updates.followBoard(ctx, event)
            return .null
        }
    }

    @Test("a completed action gets a draft for the operator to edit; publishing sends it to the families who asked for updates")
    func completed() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        try follow(db, boardEvent(1, ActionCreated(actionID: "A-0007", title: "Open a helpline", findingIDs: ["W-3"],
                                                   leadOrganisation: "Lancashire County Council", due: LocalDate(iso: "2026-06-30")!,
                                                   status: .notStarted)))
        try follow(db, boardEvent(2, ActionUpdated(actionID: "A-0007", title: "Open a helpline staffed every weekday", changed: ["title"])))
        try follow(db, boardEvent(3, changed("A-0007", "Open a helpline staffed every weekday", .inProgress, .completed)))
        let drafted = try db.events(EventType.updateDrafted).map { try $0.decode(UpdateDrafted.self) }
        #expect(drafted == [UpdateDrafted(updateID: 1, actionID: "A-0007", outcome: .completed, needsReason: false)])
        let update = try db.read(Updates.show, ["update_id": 1])
        #expect(update["status"]?.stringValue == "draft")
        // In words: the action's title (its latest), who led it and when it was done; never "action A-0007 is complete".
        #expect(update["title"]?.stringValue == "You said, we did: Open a helpline staffed every weekday")
        let body = update["body"]?.stringValue ?? ""
        #expect(body.contains("We did: Open a helpline staffed every weekday (led by Lancashire County Council). "
            + "This was completed on Thursday 5 March 2026."), "\(body)")
        #expect(!body.contains("A-0007"))
        #expect((update["notes"]?.arrayValue ?? []).count == 2)

        // Not with the operator's notes still in it.
        let refused = db.refusal(Updates.publish, ["update_id": 1])
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("2 notes") == true)

        try db.write(Updates.edit, ["update_id": 1, "body": "You said: nobody answered the phone. We did: a helpline staffed every weekday."])
        let published = try db.write(Updates.publish, ["update_id": 1])
        // F1 and F3 asked for updates.
        #expect(published["queued"]?.intValue == 2)
        #expect(db.events(EventType.updatePublished).first?["queued"]?.intValue == 2)
        #expect(db.refusal(Updates.edit, ["update_id": 1, "title": "x"])?.code == .conflict)
        #expect(db.refusal(Updates.publish, ["update_id": 1])?.code == .conflict)
    }

    @Test("a cancelled action's draft says it was not done and asks for the reason")
    func cancelled() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        // The board always records a reason for a cancellation: the draft says it in the board's words.
        try follow(db, boardEvent(1, changed("A-0012", "Run a weekend drop-in", .delayed, .cancelled, reason: "Merged into the health review")))
        let update = try db.read(Updates.show, ["update_id": 1])
        #expect(update["outcome"]?.stringValue == "cancelled")
        #expect(update["title"]?.stringValue == "You said, we did: Run a weekend drop-in will not go ahead")
        let body = update["body"]?.stringValue ?? ""
        #expect(body.contains("We did not do it: Run a weekend drop-in was cancelled on Thursday 5 March 2026 and will not be done."), "\(body)")
        #expect(body.contains("Why not: Merged into the health review"))
        #expect(!body.contains("REASON REQUIRED"))
        #expect(try db.events(EventType.updateDrafted).first?.decode(UpdateDrafted.self).needsReason == false)

        // Without a reason (an event from before reasons travelled), the draft asks for one and cannot be published.
        try follow(db, boardEvent(2, changed("A-0013", "Train every SENCo", .inProgress, .cancelled)))
        let second = try db.read(Updates.show, ["update_id": 2])
        #expect(second["body"]?.stringValue?.contains("[[REASON REQUIRED") == true)
        #expect(try db.events(EventType.updateDrafted).last?.decode(UpdateDrafted.self).needsReason == true)
        let refused = db.refusal(Updates.publish, ["update_id": 2])
        #expect(refused?.message.contains("REASON REQUIRED") == true)
    }

    @Test("the same change twice makes one draft; other statuses make none; an event without an action id is refused")
    func idempotent() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let done = changed("A-1", "Open a helpline", .inProgress, .completed)
        try follow(db, boardEvent(1, done))
        try follow(db, boardEvent(2, changed("A-1", "Open a helpline", .completed, .inProgress)))
        try follow(db, boardEvent(3, done))
        #expect(try db.sql("SELECT COUNT(*) FROM updates") == 1)
        #expect(throws: ServiceError.self) { try follow(db, boardEvent(4, EventType.actionStatusChanged, ["to": "completed"])) }
    }
}

@Suite("Enquiries")
struct EnquiryTests {
    @Test("an enquiry is acknowledged with the date 5 working days on, bank holidays skipped")
    func answerBy() throws {
        let db = try CommsDatabase(today: "2026-04-02")
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        // Thursday 2 April 2026: Good Friday and Easter Monday do not count.
        let r = try db.write(Enquiries.add, ["family_ref": "F1", "text": "When is the annual review?", "via": "phone"])
        #expect(r["answer_by"]?.stringValue == "2026-04-13")
        #expect(r["acknowledgement"]?["channel"]?.stringValue == "email")
        #expect(db.events(EventType.enquiryReceived).first == ["enquiry_id": 1, "received_on": "2026-04-02", "answer_by": "2026-04-13"])
        #expect(db.refusal(Enquiries.add, ["family_ref": "NOPE", "text": "x"])?.code == .notFound)
    }

    @Test("an enquiry not answered by its date is escalated once; an answered one never")
    func escalation() throws {
        let db = try CommsDatabase(today: "2026-03-02")
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        try db.write(Enquiries.add, ["family_ref": "F1", "text": "First question"])
        try db.write(Enquiries.add, ["family_ref": "F2", "text": "Second question"])
        try db.write(Enquiries.answer, ["enquiry_id": 2, "text": "Here is the answer."])
        db.today = date("2026-03-09")  // the answer-by date itself: not yet late
        try db.write { ctx in try Enquiries.escalate(ctx); return .null }
        #expect(db.events(EventType.enquiryEscalated).isEmpty)
        db.today = date("2026-03-10")
        try db.write { ctx in try Enquiries.escalate(ctx); return .null }
        try db.write { ctx in try Enquiries.escalate(ctx); return .null }
        let escalated = db.events(EventType.enquiryEscalated)
        #expect(escalated.count == 1)
        #expect(escalated.first?["enquiry_id"]?.intValue == 1 && escalated.first?["working_days_overdue"]?.intValue == 1)
        #expect(db.refusal(Enquiries.answer, ["enquiry_id": 2, "text": "again"])?.code == .conflict)
        let late = try db.write(Enquiries.answer, ["enquiry_id": 1, "text": "Sorry for the wait."])
        #expect(late["late"]?.boolValue == true)
    }
}

@Suite("Retention and message formats")
struct RetentionAndFormatTests {
    @Test("sent content is purged after the retention period; statuses and times stay")
    func purge() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        try db.write(Questionnaires.create, questionnaire())
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.deliverAll()
        let now = Timestamp.now()
        let day: Int64 = 86_400_000
        try db.execute("UPDATE messages SET sent_at = ? WHERE id IN (1, 2)", [Timestamp(millis: now.millis - 8 * day).description])
        try db.execute("UPDATE messages SET sent_at = ? WHERE id = 3", [Timestamp(millis: now.millis - 6 * day).description])
        let purged = try db.write({ ctx in .int(Int64(try Retention.purge(ctx.db, now: now, days: 7))) })
        #expect(purged.intValue == 2)
        #expect(try db.sql("SELECT COUNT(*) FROM messages WHERE body IS NULL AND subject IS NULL AND purged_at IS NOT NULL") == 2)
        #expect(try db.sql("SELECT body FROM messages WHERE id = 3") == "b")
        #expect(try db.sql("SELECT COUNT(*) FROM messages WHERE status = 'delivered' AND sent_at IS NOT NULL")
                == db.sql("SELECT COUNT(*) FROM messages") as Int?)
    }

    @Test("placeholders are filled once per family; unknown ones stay")
    func placeholders() {
        #expect(Templates.fill("Dear ((name)), ((unknown)) (( Name ))", ["name": "A ((name))"]) == "Dear A ((name)), ((unknown)) A ((name))")
    }

    @Test("email is quoted-printable with CRLF line ends and an encoded subject")
    func mail() {
        let body = "Caf\u{e9} \u{2014} " + String(repeating: "x", count: 100) + "\nline two = ok "
        let m = OutgoingMessage(id: 7, reference: "sp-7", channel: .email, to: "a@example.org", name: nil, subject: "Your say \u{2014} now", body: body)
        let text = String(decoding: MailFormat.compose(m, fromAddress: "noreply@example.org", fromName: "SEND Partnership", now: Timestamp.now()),
                          as: UTF8.self)
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("X-SEND-Reference: sp-7\r\n"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        let parsed = SMTPSink.parse(text)
        #expect(parsed.body.hasPrefix(body))
    }
}
