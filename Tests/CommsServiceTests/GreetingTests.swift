import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport
@testable import CommsService

/// The template greets; the operator's text does not need to, and a greeting it has is not doubled.
@Suite("Greetings: every message greets a family once")
struct GreetingTests {
    func spooledEmail(_ db: CommsDatabase, to: String, subject: String? = nil) throws -> String {
        let bodies = db.spooled("email").values.map { SMTPSink.parse($0) }
            .filter { mail in mail.headers["to"] == to && (subject.map { mail.headers["subject"] == $0 } ?? true) }
        return try #require(bodies.last, "no email to \(to)").body
    }

    @Test("a questionnaire whose message starts 'Dear ((name)),' is sent with one greeting")
    func questionnaireMessage() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        var q = try #require(questionnaire().objectValue)
        q["message"] = "Dear ((name)), ((title)) is open until ((closes))."
        try db.write(Questionnaires.create, .object(q))
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.spoolAll()
        let body = try spooledEmail(db, to: "ann@example.org")
        #expect(body.hasPrefix("Dear Ann Example,\n\nYour say is open until Tuesday 31 March 2026.\n"), "\(body)")
        #expect(body.components(separatedBy: "Dear ").count == 2, "\(body)")
    }

    @Test("a published update whose body starts with a greeting reaches the family with one greeting")
    func updateBody() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        try db.write { ctx in
            try Updates.followBoard(ctx, Event(source: ServiceName.board, seq: 1, type: EventType.actionStatusChanged,
                                               at: Timestamp(rfc3339: "2026-03-05T10:00:00Z")!,
                                               data: try ActionStatusChanged(actionID: "A-0007", title: "Make the autism pathway follow NICE guidance",
                                                                         from: .inProgress, to: .completed, reason: nil).eventData()))
            return .null
        }
        try db.write(Updates.edit, ["update_id": 1, "title": "The autism pathway",
                                    "body": "Dear ((name)), you told us the autism pathway was too slow. It now follows NICE guidance."])
        try db.write(Updates.publish, ["update_id": 1])
        try db.spoolAll()
        let body = try spooledEmail(db, to: "ann@example.org", subject: "The autism pathway")
        #expect(body.hasPrefix("Dear Ann Example,\n\nYou told us the autism pathway was too slow. It now follows NICE guidance.\n"), "\(body)")
        #expect(body.components(separatedBy: "Dear ").count == 2, "\(body)")
    }

    @Test("an operator's greeting is left out, whatever its form; other openings are kept", arguments: [
        ("Dear ((name)), you told us", "You told us"),
        ("Hello,\nthe helpline opens in April", "The helpline opens in April"),
        ("Hi there! We listened.", "We listened."),
        ("Dear parent or carer,\n\nThank you.", "Thank you."),
        ("You told us the wait was too long.", "You told us the wait was too long."),
        ("Highly rated: the new pathway", "Highly rated: the new pathway"),
    ])
    func greetingForms(text: String, expected: String) {
        #expect(Templates.withoutGreeting(text) == expected)
    }
}
