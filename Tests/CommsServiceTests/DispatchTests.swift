import Foundation
import GRDB
import SendModel
import Testing
@testable import CommsService

/// Families for the dispatch tests: five with an EHC plan reachable by different channels, one
/// without a plan, one without consent, one opted out, one with no contact detail.
let dispatchFamilies = familiesCSV([
    "F1,C1,yes,Ann Example,ann@example.org,07700 900001,\"1 Test Street, Testtown\",email,yes,yes",
    "F2,C2,yes,Bea Example,bea@example.org,07700 900002,,sms,yes,no",
    "F3,C3,yes,Cal Example,,,\"3 Test Street, Testtown\",,yes,yes",
    "F4,C4,yes,Dee Example,,07700 900004,,,yes,no",
    "F5,C5,yes,Eve Example,eve@example.org,,,email,yes,no",
    "F6,C6,no,Fay Example,fay@example.org,,,email,yes,no",
    "F7,C7,yes,Gus Example,gus@example.org,,,email,no,no",
    "F8,C8,yes,Hal Example,hal@example.org,,,email,yes,no",
    "F9,C9,yes,Ida Example,,,,,yes,no",
])

func questionnaire(anonymous: Bool = false, audience: String = "ehc_plan") -> JSONValue {
    ["title": "Your say", "anonymous": .bool(anonymous), "audience": .string(audience), "opens": "2026-03-02", "closes": "2026-03-31",
     "questions": [
        ["kind": "scale", "text": "How well were you listened to?", "required": true],
        ["kind": "yes_no", "text": "Do you know who to contact?"],
        ["kind": "single_choice", "text": "How would you like to hear from us?", "options": ["Email", "Text message", "Letter"]],
        ["kind": "free_text", "text": "What should change first?"],
     ]]
}

@Suite("Dispatch and delivery outcomes")
struct DispatchTests {
    func prepared(anonymous: Bool = false) throws -> CommsDatabase {
        let db = try CommsDatabase()
        try db.importFamilies(dispatchFamilies)
        try db.write(Families.optOut, ["family_ref": "F8"])
        try db.write(Questionnaires.create, questionnaire(anonymous: anonymous))
        return db
    }

    func channels(_ db: CommsDatabase, dispatch: Int64 = 1) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try db.rows("""
            SELECT f.family_ref, m.channel FROM messages m JOIN families f ON f.id = m.family_id WHERE m.dispatch_id = ?
            """, [dispatch]).map { ($0[0] as String, $0[1] as String) })
    }

    @Test("sending queues exactly one message per family in the audience, by its channel; sending again queues nothing")
    func sendOnce() throws {
        let db = try prepared()
        defer { db.close() }
        let first = try db.write(Dispatch.send, ["questionnaire_id": 1])
        #expect(first["queued"]?.intValue == 5)
        #expect(try channels(db) == ["F1": "email", "F2": "sms", "F3": "letter", "F4": "sms", "F5": "email"])
        #expect(first["skipped"]?["opted_out"]?.intValue == 1)
        #expect(first["skipped"]?["no_consent"]?.intValue == 1)
        #expect(first["skipped"]?["no_contact"]?.intValue == 1)
        #expect(db.events(EventType.dispatchStarted).first?["queued"]?.intValue == 5)

        let again = try db.write(Dispatch.send, ["questionnaire_id": 1])
        #expect(again["queued"]?.intValue == 0)
        #expect(again["already_queued"]?.intValue == 5)
        #expect(try db.sql("SELECT COUNT(*) FROM messages") == 5)
        #expect(db.events(EventType.dispatchStarted).count == 1)
    }

    @Test("the whole audience 'all' includes families without an EHC plan")
    func audienceAll() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        try db.write(Questionnaires.create, questionnaire(audience: "all"))
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        #expect(try channels(db)["F6"] == "email")
    }

    @Test("a questionnaire is sent only while it is open")
    func openWindow() throws {
        let db = try prepared()
        defer { db.close() }
        db.today = date("2026-04-01")
        #expect(db.refusal(Dispatch.send, ["questionnaire_id": 1])?.code == .conflict)
        #expect(db.refusal(Dispatch.send, ["questionnaire_id": 99])?.code == .notFound)
    }

    @Test("a permanent email failure flags the address and falls back to a text message, then a letter")
    func fallback() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        let f1: Int64 = try db.sql("SELECT m.id FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F1'")!
        try db.claimAndApply([(f1, .permanentFailure("recipient rejected (SMTP 550)"))])
        #expect(try db.sql("SELECT channel FROM messages WHERE id = ?", [f1]) == "sms")
        #expect(try db.sql("SELECT status FROM messages WHERE id = ?", [f1]) == "queued")
        #expect(try db.sql("SELECT email_flagged_at IS NOT NULL FROM families WHERE family_ref = 'F1'") == true)
        let failed = db.events(EventType.messageFailed)
        #expect(failed.count == 1 && failed[0]["next_channel"]?.stringValue == "sms" && failed[0]["status"]?.stringValue == "permanent-failure")

        try db.claimAndApply([(f1, .permanentFailure("number not in service"))])
        #expect(try db.sql("SELECT channel FROM messages WHERE id = ?", [f1]) == "letter")
        try db.claimAndApply([(f1, .delivered)])
        #expect(try db.sql("SELECT status FROM messages WHERE id = ?", [f1]) == "delivered")
        #expect(try db.sql("SELECT COUNT(*) FROM message_attempts WHERE message_id = ?", [f1]) == 3)
    }

    @Test("with no channel left a permanent failure is final; the dispatch completes once every message is final")
    func finalFailure() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        let f5: Int64 = try db.sql("SELECT m.id FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F5'")!
        try db.claimAndApply([(f5, .permanentFailure("recipient rejected (SMTP 550)"))])
        #expect(try db.sql("SELECT status FROM messages WHERE id = ?", [f5]) == "permanent-failure")
        #expect(db.events(EventType.messageFailed).last?["next_channel"]?.isNull == true)
        #expect(db.events(EventType.dispatchCompleted).isEmpty)
        try db.deliverAll()
        let completed = db.events(EventType.dispatchCompleted)
        #expect(completed.count == 1)
        #expect(completed.first?["by_status"]?["delivered"]?.intValue == 4)
        #expect(completed.first?["by_status"]?["permanent-failure"]?.intValue == 1)
        #expect(completed.first?["delivered"]?.intValue == 4 && completed.first?["failed"]?.intValue == 1)
    }

    @Test("a temporary failure is retried with backoff, then the next channel is tried")
    func temporary() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        var config = CommsConfig()
        config.maxAttempts = 2
        let f1: Int64 = try db.sql("SELECT m.id FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F1'")!
        let before = Timestamp.now().millis
        try db.claimAndApply([(f1, .temporaryFailure("deferred (SMTP 451)"))], config: config)
        #expect(try db.sql("SELECT status FROM messages WHERE id = ?", [f1]) == "temporary-failure")
        let next: Int64 = try db.sql("SELECT next_attempt_at FROM messages WHERE id = ?", [f1])!
        #expect(next >= before + 30_000)
        try db.claimAndApply([(f1, .temporaryFailure("deferred (SMTP 451)"))], config: config)
        #expect(try db.sql("SELECT channel FROM messages WHERE id = ?", [f1]) == "sms")
        #expect(try db.sql("SELECT email_flagged_at IS NULL FROM families WHERE family_ref = 'F1'") == true)
    }

    @Test("a technical failure is final and does not flag the contact detail")
    func technical() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.claimAndApply([(1, .technicalFailure("smtp: weird reply"))])
        #expect(try db.sql("SELECT status FROM messages WHERE id = 1") == "technical-failure")
        #expect(try db.sql("SELECT COUNT(*) FROM families WHERE email_flagged_at IS NOT NULL") == 0)
    }

    @Test("opting out cancels what was not yet sent")
    func optOutCancels() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        let r = try db.write(Families.optOut, ["family_ref": "F2", "reason": "moved away"])
        #expect(r["cancelled_messages"]?.intValue == 1)
        #expect(try db.sql("SELECT m.status FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F2'") == "cancelled")
    }

    @Test("reminders go only to families asked whose message was delivered and who have not answered")
    func reminders() throws {
        let db = try prepared()
        defer { db.close() }
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.deliverAll()
        for ref in ["F1", "F3"] {
            let token: String = try db.sql("SELECT r.token FROM recipients r JOIN families f ON f.id = r.family_id WHERE f.family_ref = ?", [ref])!
            try db.write(Responses.respond, ["token": .string(token), "answers": [["question": 1, "value": 4]]])
        }
        let r = try db.write(Dispatch.remind, ["questionnaire_id": 1])
        #expect(r["round"]?.intValue == 1)
        #expect(r["queued"]?.intValue == 3)
        #expect(Set(try channels(db, dispatch: r["dispatch_id"]!.intValue!).keys) == ["F2", "F4", "F5"])
        try db.deliverAll()
        let again = try db.write(Dispatch.remind, ["questionnaire_id": 1])
        #expect(again["round"]?.intValue == 2 && again["queued"]?.intValue == 3)
    }
}
