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
        try follow(db, boardEvent(1, EventType.actionCreated, ["action_id": "A-0007", "finding_ids": ["W-3"], "lead_organisation": "Lancashire County Council",
                                                              "due": "2026-06-30", "status": "not_started"]))
        try follow(db, boardEvent(2, EventType.actionUpdated, ["action_id": "A-0007", "changed": ["due"]]))
        try follow(db, boardEvent(3, EventType.actionStatusChanged, ["action_id": "A-0007", "from": "on_track", "to": "completed", "reason_given": false]))
        let drafted = db.events(EventType.updateDrafted)
        #expect(drafted.count == 1)
        #expect(drafted[0]["action_id"]?.stringValue == "A-0007" && drafted[0]["outcome"]?.stringValue == "completed")
        let update = try db.read(Updates.show, ["update_id": 1])
        #expect(update["status"]?.stringValue == "draft")
        #expect(update["body"]?.stringValue?.contains("A-0007, led by Lancashire County Council, was completed on Thursday 5 March 2026") == true)
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
        try follow(db, boardEvent(1, EventType.actionStatusChanged, ["action_id": "A-0012", "from": "delayed", "to": "cancelled", "reason_given": true]))
        let update = try db.read(Updates.show, ["update_id": 1])
        #expect(update["outcome"]?.stringValue == "cancelled")
        let body = update["body"]?.stringValue ?? ""
        #expect(body.contains("was cancelled on Thursday 5 March 2026 and will not be done"))
        #expect(body.contains("[[REASON REQUIRED"))
        #expect(db.events(EventType.updateDrafted).first?["needs_reason"]?.boolValue == true)
        let refused = db.refusal(Updates.publish, ["update_id": 1])
        #expect(refused?.message.contains("REASON REQUIRED") == true)
    }

    @Test("the same change twice makes one draft; other statuses make none; an event without an action id is refused")
    func idempotent() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let done: JSONValue = ["action_id": "A-1", "from": "on_track", "to": "completed", "reason_given": false]
        try follow(db, boardEvent(1, EventType.actionStatusChanged, done))
        try follow(db, boardEvent(2, EventType.actionStatusChanged, ["action_id": "A-1", "from": "completed", "to": "on_track", "reason_given": false]))
        try follow(db, boardEvent(3, EventType.actionStatusChanged, done))
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
