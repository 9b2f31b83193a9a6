import Foundation
import GRDB
import SendModel
import SendRuntime
import Testing
@testable import CommsService

/// The families' door: the `portal.*` commands family-portal calls, against a real database.
@Suite("Portal commands: what a family can do with the keys it holds")
struct PortalCommandTests {
    func sent(anonymous: Bool = false) throws -> CommsDatabase {
        let db = try CommsDatabase()
        try db.importFamilies(dispatchFamilies)
        var q = questionnaire(anonymous: anonymous).objectValue!
        q["message"] = "Dear ((name)), ((title)) is open until ((closes)); your code is ((code))."
        try db.write(Questionnaires.create, .object(q))
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        return db
    }

    func keys(_ db: CommsDatabase, _ ref: String) throws -> (token: String, code: String) {
        let row = try #require(try db.rows("""
            SELECT r.token, r.code FROM recipients r JOIN families f ON f.id = r.family_id WHERE f.family_ref = ?
            """, [.init(ref)]).first)
        return (row["token"], row["code"])
    }

    func stopKeys(_ db: CommsDatabase, _ ref: String) throws -> (token: String, code: String) {
        let row = try #require(try db.rows("SELECT stop_token, stop_code FROM families WHERE family_ref = ?", [.init(ref)]).first)
        return (row["stop_token"], row["stop_code"])
    }

    static let answers: JSONValue = [
        ["question": 1, "value": "4"], ["question": 2, "value": "yes"], ["question": 3, "value": "text message"],
        ["question": 4, "value": "Shorter waits for assessments"],
    ]

    // MARK: Questionnaires

    @Test("a token or a code, however typed, opens the questionnaire: its questions and no personal data")
    func questionnaireByKey() throws {
        let db = try sent()
        defer { db.close() }
        let (token, code) = try keys(db, "F1")
        let typed = ShortCode.display(code).lowercased().replacingOccurrences(of: "0", with: "o")
        for key in [token, token.uppercased(), code, typed] {
            let r = try db.read(Portal.questionnaire, ["key": .string(key)])
            let q = try r.decode(PortalQuestionnaire.self)
            #expect(q.questionnaireID == 1 && q.title == "Your say" && q.state == "open" && !q.answered && !q.anonymous)
            #expect(q.opens == "2026-03-02" && q.closes == "2026-03-31")
            #expect(q.questions.map(\.kind) == ["scale", "yes_no", "single_choice", "free_text"])
            #expect(q.questions[0].required && q.questions[0].text == "How well were you listened to?")
            #expect(q.questions[2].options == ["Email", "Text message", "Letter"])
            #expect(q.questions[3].maxLength == 5000 && q.questions[0].maxLength == nil)
            // The introduction is the questionnaire's for everyone: no name, no code.
            #expect(q.introduction == "Dear parent or carer, Your say is open until Tuesday 31 March 2026; your code is.")
            let text = r.jsonString
            #expect(!text.contains("Ann") && !text.contains("ann@example.org") && !text.contains(code) && !text.contains(token))
        }
    }

    @Test("a key comms does not know is not found, with the same words whatever was wrong")
    func unknownKeys() throws {
        let db = try sent()
        defer { db.close() }
        let (token, code) = try keys(db, "F1")
        let stop = try stopKeys(db, "F1")
        var other = code
        repeat { other = Keys.shortCode() } while other == code
        let wrongCheck = String(code.dropLast()) + (code.last == "0" ? "1" : "0")
        for key in [String(repeating: "0", count: 32), String(token.dropLast()), other, wrongCheck, "hello", stop.token, stop.code] {
            let error = db.readRefusal(Portal.questionnaire, ["key": .string(key)])
            #expect(error?.code == .notFound && error?.message == "no questionnaire has this key", "\(key): \(String(describing: error))")
            let answer = db.refusal(Portal.respond, ["key": .string(key), "answers": Self.answers, "wants_updates": false])
            #expect(answer?.code == .notFound && answer?.message == "no questionnaire has this key")
        }
        #expect(db.readRefusal(Portal.questionnaire, [:])?.details.first?.field == "key")
    }

    @Test("answering by code: recorded with the family; the second answer is refused as already answered")
    func respond() throws {
        let db = try sent()
        defer { db.close() }
        let (token, code) = try keys(db, "F2")
        let r = try db.write(Portal.respond, ["key": .string(ShortCode.display(code)), "answers": Self.answers, "wants_updates": true])
        let result = try r.decode(PortalAnswerResult.self)
        #expect(result == PortalAnswerResult(questionnaireID: 1, title: "Your say", anonymous: false, answers: 4))
        #expect(try db.sql("SELECT COUNT(*) FROM responses r JOIN families f ON f.id = r.family_id WHERE f.family_ref = 'F2'") == 1)
        #expect(try db.sql("SELECT value FROM answers WHERE position = 3") == "Text message")
        #expect(try db.sql("SELECT wants_updates FROM families WHERE family_ref = 'F2'") == true)
        #expect(db.events(EventType.responseReceived).last == ["questionnaire_id": 1, "responses": 1, "source": "portal"])

        let again = db.refusal(Portal.respond, ["key": .string(token), "answers": Self.answers, "wants_updates": false])
        #expect(again?.code == .conflict && again?.message.hasPrefix("already answered") == true)
        #expect(try db.read(Portal.questionnaire, ["key": .string(code)])["answered"] == true)
        // questionnaires.respond takes the code too, and says the same.
        #expect(db.refusal(Responses.respond, ["token": .string(code), "answers": [["question": 1, "value": 3]]])?.code == .conflict)
    }

    @Test("a closed questionnaire, or one not yet open, shows its state and refuses answers")
    func closed() throws {
        let db = try sent()
        defer { db.close() }
        let (_, code) = try keys(db, "F1")
        db.today = date("2026-04-01")
        #expect(try db.read(Portal.questionnaire, ["key": .string(code)])["state"] == "closed")
        let error = db.refusal(Portal.respond, ["key": .string(code), "answers": Self.answers, "wants_updates": false])
        #expect(error?.code == .conflict && error?.message == "closed: this questionnaire closed on Tuesday 31 March 2026")
        db.today = date("2026-03-01")
        #expect(try db.read(Portal.questionnaire, ["key": .string(code)])["state"] == "not_open")
        #expect(db.refusal(Portal.respond, ["key": .string(code), "answers": Self.answers, "wants_updates": false])?.code == .conflict)
        #expect(try db.sql("SELECT COUNT(*) FROM recipients WHERE answered = 1") == 0)
    }

    @Test("each bad answer is named by its place; an empty value is no answer")
    func invalidAnswers() throws {
        let db = try sent()
        defer { db.close() }
        let (_, code) = try keys(db, "F1")
        let error = db.refusal(Portal.respond, ["key": .string(code), "wants_updates": false, "answers": [
            ["question": 1, "value": "6"], ["question": 2, "value": "perhaps"], ["question": 3, "value": "Pigeon"], ["question": 9, "value": "x"],
        ]])
        #expect(error?.code == .invalid)
        #expect(error?.details.map(\.field) == ["answers[0].value", "answers[1].value", "answers[2].value", "answers[3].value"])
        #expect(error?.details.map(\.message) == [
            "question 1 (scale): must be a whole number from 1 to 5", "question 2 (yes_no): must be yes or no",
            "question 3 (single_choice): must be one of: Email | Text message | Letter", "there is no question 9 (the questions are 1 to 4)",
        ])
        let number = db.refusal(Portal.respond, ["key": .string(code), "wants_updates": false, "answers": [["question": 1, "value": 4]]])
        #expect(number?.details == [FieldError(field: "answers[0].value", message: "must be a string, got a number")])
        let empty = db.refusal(Portal.respond, ["key": .string(code), "wants_updates": false, "answers": [["question": 1, "value": " "]]])
        #expect(empty?.details.map(\.description) == ["answers: question 1 must be answered"])
        #expect(try db.sql("SELECT COUNT(*) FROM recipients WHERE answered = 1") == 0)
        // Optional questions left empty are no answer: the reply counts what was answered.
        let r = try db.write(Portal.respond, ["key": .string(code), "wants_updates": false, "answers": [
            ["question": 1, "value": "2"], ["question": 2, "value": ""], ["question": 4, "value": ""],
        ]])
        #expect(r["answers"] == 1)
    }

    @Test("an anonymous questionnaire answered through the portal stores no family, token or time with the answers")
    func anonymous() throws {
        let db = try sent(anonymous: true)
        defer { db.close() }
        for ref in ["F1", "F3"] {
            let r = try db.write(Portal.respond, ["key": .string(try keys(db, ref).code), "answers": Self.answers, "wants_updates": false])
            #expect(r["anonymous"] == true)
        }
        #expect(try db.sql("SELECT COUNT(*) FROM responses") == 0)
        #expect(try db.sql("SELECT COUNT(*) FROM answers") == 0)
        #expect(try db.sql("SELECT COUNT(*) FROM anonymous_answers") == 8)
        #expect(Set(try db.rows("SELECT name FROM pragma_table_info('anonymous_answers')").map { $0[0] as String })
                == ["questionnaire_id", "response_key", "position", "value", "support_group"])
        #expect(try db.sql("SELECT COUNT(DISTINCT response_key) FROM anonymous_answers") == 2)
        #expect(try db.sql("SELECT COUNT(*) FROM recipients WHERE answered = 1") == 2)
    }

    // MARK: Stopping

    @Test("opting out by stop code cancels what is queued; again changes nothing; opting in makes the family eligible again")
    func optOutAndIn() throws {
        let db = try sent()
        defer { db.close() }
        let stop = try stopKeys(db, "F1")
        #expect(try db.read(Portal.stopStatus, ["key": .string(stop.token)]).decode(PortalStopStatus.self)
                == PortalStopStatus(optedOut: false, optedOutAt: nil, changed: false))
        #expect(try db.read(Portal.stopStatus, ["key": .string(stop.token)])["opted_out_at"] == .null)

        let out = try db.write(Portal.optOut, ["key": .string(ShortCode.display(stop.code).lowercased()), "via": "web"])
            .decode(PortalStopStatus.self)
        #expect(out.optedOut && out.changed && out.cancelledMessages == 1 && out.optedOutAt != nil)
        #expect(try db.sql("SELECT status FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F1'") == "cancelled")
        #expect(try db.sql("SELECT opt_out_reason FROM families WHERE family_ref = 'F1'") == "the stop page of the family portal")

        let again = try db.write(Portal.optOut, ["key": .string(stop.token), "via": "one_click"]).decode(PortalStopStatus.self)
        #expect(again.optedOut && !again.changed && again.cancelledMessages == 0 && again.optedOutAt == out.optedOutAt)
        #expect(try db.read(Portal.stopStatus, ["key": .string(stop.code)])["opted_out"] == true)

        // While opted out, a new questionnaire passes the family by.
        try db.write(Questionnaires.create, questionnaire())
        #expect(try db.write(Dispatch.send, ["questionnaire_id": 2])["skipped"]?["opted_out"] == 1)

        let back = try db.write(Portal.optIn, ["key": .string(stop.code)]).decode(PortalStopStatus.self)
        #expect(back == PortalStopStatus(optedOut: false, optedOutAt: nil, changed: true))
        #expect(try db.write(Portal.optIn, ["key": .string(stop.code)])["changed"] == false)
        // What the opt-out cancelled stays cancelled; the next send reaches the family again.
        #expect(try db.sql("SELECT status FROM messages m JOIN families f ON f.id = m.family_id WHERE f.family_ref = 'F1' AND m.dispatch_id = 1")
                == "cancelled")
        try db.write(Questionnaires.create, questionnaire())
        try db.write(Dispatch.send, ["questionnaire_id": 3])
        #expect(try db.sql("""
            SELECT COUNT(*) FROM messages m JOIN families f ON f.id = m.family_id JOIN dispatches d ON d.id = m.dispatch_id
            WHERE f.family_ref = 'F1' AND d.questionnaire_id = 3 AND m.status = 'queued'
            """) == 1)
    }

    @Test("a stop key comms does not know is not found; opting out needs to say how")
    func unknownStopKeys() throws {
        let db = try sent()
        defer { db.close() }
        let (token, code) = try keys(db, "F1")
        for key in [token, code, String(repeating: "a", count: 32), "STOP"] {
            let error = db.readRefusal(Portal.stopStatus, ["key": .string(key)])
            #expect(error?.code == .notFound && error?.message == "no family has this stop key")
            #expect(db.refusal(Portal.optOut, ["key": .string(key), "via": "web"])?.message == "no family has this stop key")
            #expect(db.refusal(Portal.optIn, ["key": .string(key)])?.message == "no family has this stop key")
        }
        let stop = try stopKeys(db, "F1")
        let via = db.refusal(Portal.optOut, ["key": .string(stop.code), "via": "post"])
        #expect(via?.code == .invalid && via?.field == "via")
        let optedOut: String? = try db.sql("SELECT opted_out_at FROM families WHERE family_ref = 'F1'")
        #expect(optedOut == nil)
    }

    // MARK: Enquiries

    func ask(_ db: CommsDatabase, replyBy: String = "email", replyTo: String = "asker@example.org",
             text: String = "Does the new autism pathway cover children under five?") throws -> PortalEnquiryReceipt {
        try db.write(Portal.enquiryAdd, ["name": "Kit Asker", "reply_by": .string(replyBy), "reply_to": .string(replyTo), "text": .string(text)])
            .decode(PortalEnquiryReceipt.self)
    }

    @Test("a question from the web: an enquirer contact, an enquiry received by web, acknowledged, with a reference and a secret")
    func enquiryAdd() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let receipt = try ask(db)
        #expect(receipt.reference == "E-1" && receipt.receivedOn == "2026-03-02" && receipt.answerBy == "2026-03-09")
        #expect(receipt.secret.count == 32 && receipt.secret.allSatisfy(\.isHexDigit))
        let family = try #require(try db.rows("SELECT * FROM families").first)
        let ref: String = family["family_ref"]
        #expect(ref.hasPrefix("web:") && ref.count == 20 && ref.dropFirst(4).allSatisfy(\.isHexDigit))
        #expect((family["kind"] as String) == "enquirer" && (family["consent"] as Bool) && (family["preferred_channel"] as String) == "email")
        #expect((family["email"] as String) == "asker@example.org" && (family["name"] as String) == "Kit Asker")
        #expect((family["stop_code"] as String?).flatMap(ShortCode.normalise) != nil)
        #expect(try db.sql("SELECT received_via FROM enquiries") == "web")
        #expect(try db.sql("SELECT secret FROM enquiries") == receipt.secret)
        #expect(try db.sql("SELECT kind || ' ' || channel FROM messages") == "acknowledgement email")
        #expect(db.events(EventType.enquiryReceived) == [["enquiry_id": 1, "received_on": "2026-03-02", "answer_by": "2026-03-09"]])

        // By text message and by letter, normalised as an import would.
        _ = try ask(db, replyBy: "sms", replyTo: "07700 900123")
        _ = try ask(db, replyBy: "letter", replyTo: "1 Example Road\nExampleton\nEX1 1AA")
        #expect(try db.sql("SELECT mobile FROM families WHERE preferred_channel = 'sms'") == "+447700900123")
        #expect(try db.sql("SELECT channel FROM messages WHERE enquiry_id = 3") == "letter")
    }

    @Test("a question from the web with a bad field: each named, and no message repeats what was typed")
    func enquiryAddInvalid() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let error = db.refusal(Portal.enquiryAdd, ["name": "Kit\nAsker-Zq", "reply_by": "pigeon-zq", "reply_to": "zq@", "text": ""])
        #expect(error?.code == .invalid)
        #expect(Set(error?.details.map(\.field) ?? []) == ["name", "reply_by", "text"])
        let badContacts: [(String, String, String)] = [
            ("email", "kit-zq@nowhere", "is not an email address (name@domain)"),
            ("sms", "01632 960 zq1", "is not a UK mobile number (07… or +44 7…)"),
            ("letter", "Zq Road", "needs at least two lines (street, town or postcode)"),
        ]
        for (by, to, message) in badContacts {
            let e = db.refusal(Portal.enquiryAdd, ["name": "Kit", "reply_by": .string(by), "reply_to": .string(to), "text": "A question"])
            #expect(e?.details == [FieldError(field: "reply_to", message: message)])
        }
        let long = db.refusal(Portal.enquiryAdd, ["name": .string(String(repeating: "z", count: 201)), "reply_by": "email",
                                                  "reply_to": "kit@example.org", "text": .string(String(repeating: "q", count: 10_001))])
        #expect(Set(long?.details.map(\.field) ?? []) == ["name", "text"])
        for e in [error, long] { #expect(!(e?.json.jsonString.lowercased().contains("zq") ?? true) && !(e?.json.jsonString.contains("zzzz") ?? true)) }
        #expect(try db.sql("SELECT COUNT(*) FROM families") == 0)
        #expect(try db.sql("SELECT COUNT(*) FROM enquiries") == 0)
    }

    @Test("the private link shows the enquiry, then its answer; a wrong secret or reference is not found")
    func enquiryStatus() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let receipt = try ask(db)
        let open = try db.read(Portal.enquiry, ["reference": "e-1", "secret": .string(receipt.secret.uppercased())])
        #expect(try open.decode(PortalEnquiryStatus.self) == PortalEnquiryStatus(
            reference: "E-1", status: "open", receivedOn: "2026-03-02", answerBy: "2026-03-09", answeredOn: nil,
            text: "Does the new autism pathway cover children under five?", answer: nil))
        #expect(open["answer"] == .null && open["answered_on"] == .null)

        var wrong = Array(receipt.secret)
        wrong[31] = wrong[31] == "0" ? "1" : "0"
        for (reference, secret) in [("E-1", String(wrong)), ("E-2", receipt.secret), ("1", receipt.secret), ("E-x", receipt.secret), ("E-1", "")] {
            let error = db.readRefusal(Portal.enquiry, ["reference": .string(reference), "secret": .string(secret)])
            #expect(error?.code == .notFound && error?.message == "no enquiry has this reference and link" || error?.field == "secret",
                    "\(reference): \(String(describing: error))")
        }

        db.today = date("2026-03-04")
        try db.write(Enquiries.answer, ["enquiry_id": 1, "text": "Yes: from April it covers every age."])
        let answered = try db.read(Portal.enquiry, ["reference": " E-1 ", "secret": .string(receipt.secret)]).decode(PortalEnquiryStatus.self)
        #expect(answered.status == "answered" && answered.answeredOn == "2026-03-04" && answered.answer == "Yes: from April it covers every age.")
        #expect(try db.sql("SELECT kind FROM messages WHERE id = 2") == "answer")
    }

    @Test("enquirers are in no questionnaire's or update's audience, and families.list leaves them out unless asked")
    func enquirersAreNotFamilies() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        _ = try ask(db)
        try db.execute("UPDATE families SET wants_updates = 1 WHERE kind = 'enquirer'")
        try db.write(Questionnaires.create, questionnaire(audience: "all"))
        let sent = try db.write(Dispatch.send, ["questionnaire_id": 1])
        #expect(sent["audience"] == 9)
        #expect(try db.sql("SELECT COUNT(*) FROM recipients r JOIN families f ON f.id = r.family_id WHERE f.kind = 'enquirer'") == 0)

        try db.execute("INSERT INTO updates(action_id, outcome, title, body, created_at) VALUES ('A-1', 'completed', 'Done', 'It is done.', 'now')")
        try db.write(Updates.publish, ["update_id": 1])
        #expect(try db.sql("""
            SELECT COUNT(*) FROM messages m JOIN families f ON f.id = m.family_id WHERE f.kind = 'enquirer' AND m.kind != 'acknowledgement'
            """) == 0)

        let families = try db.read(Families.list, ["limit": 100])
        #expect(families["total"] == 9)
        #expect(families["families"]?.arrayValue?.allSatisfy { $0["kind"] == "family" } == true)
        let enquirers = try db.read(Families.list, ["kind": "enquirer"])
        #expect(enquirers["total"] == 1 && enquirers["families"]?.arrayValue?.first?["email"] == "asker@example.org")
    }
}
